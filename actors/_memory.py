"""Giving memory back to the operating system after a large release.

CPython hands blocks over 512 bytes (socket data, for one) to the C allocator, and glibc
keeps what is freed in its own lists rather than returning it: after a flood of
``{tcp, S, Data}`` messages, with every process gone, the node would keep its peak
size (Erlang's allocators return it). So when something large is dropped - a mailbox
of many messages, a port's big receive buffer - the node asks glibc to trim
(``malloc_trim(0)``) once the loop has a moment, at most once a second.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
import weakref
from typing import TYPE_CHECKING, Any, Callable, Final

if TYPE_CHECKING:
    from ._node import Node

__all__ = ["release_soon", "BIG_QUEUE", "BIG_BUFFER"]

BIG_QUEUE: Final = 4096
"""A mailbox dropped with at least this many messages is a large release."""
BIG_BUFFER: Final = 4 * 1024 * 1024
"""A buffer dropped with at least this many bytes is a large release."""
DELAY: Final = 0.05
MIN_INTERVAL: Final = 1.0


def _find_trim() -> Callable[[int], Any] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], Any] = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None
    return trim


_TRIM: Final = _find_trim()
_state: weakref.WeakKeyDictionary[Node, float] = weakref.WeakKeyDictionary()
"""node -> when its next trim may run (monotonic); negative while one is scheduled."""


def release_soon(node: Node) -> None:
    """A large release happened on `node`: trim the C heap soon (debounced)."""
    if _TRIM is None:
        return
    next_at = _state.get(node, 0.0)
    if next_at < 0:
        return  # one is scheduled
    _state[node] = -1.0
    node.loop.call_later(max(DELAY, next_at - time.monotonic()), _trim, node)


def _trim(node: Node) -> None:
    assert _TRIM is not None
    _TRIM(0)
    _state[node] = time.monotonic() + MIN_INTERVAL

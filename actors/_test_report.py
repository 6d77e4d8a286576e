"""The texts of the test kit's failures: mismatched receives and leaked resources.

`mismatch_report` prints a failed `assert_receive` in one notation, Erlang's, for the
patterns and the mailbox alike, pointing at the first element where each message
differs. The leak texts name what a test left: a port with its owner and socket
addresses, a file descriptor with its target (and addresses, for a socket).
"""

from __future__ import annotations

import os
import socket
from typing import Any

from ._match import ANY, matches
from ._terms import format_term

__all__ = ["format_pattern", "first_difference", "mismatch_report", "fd_leaks", "describe_port"]


def fd_leaks(before: dict[int, str], after: dict[int, str]) -> list[str]:
    return [
        f"fd {fd} -> {target}{_socket_names(fd) if target.startswith('socket:') else ''}"
        for fd, target in sorted(after.items())
        if before.get(fd) != target
    ]


def _socket_names(fd: int) -> str:
    """`` (local -> peer)`` of the socket open as `fd`, read through a duplicate."""
    try:
        with socket.socket(fileno=os.dup(fd)) as s:
            return _addresses(s)
    except OSError:
        return ""


def _addresses(s: socket.socket) -> str:
    def name(get: Any) -> str:
        try:
            addr = get()
        except OSError:
            return ""
        return f"{addr[0]}:{addr[1]}" if isinstance(addr, tuple) else str(addr)

    local, peer = name(s.getsockname), name(s.getpeername)
    return f" ({local} -> {peer})" if peer else f" ({local}, listening)" if local else ""


def describe_port(entity: Any) -> str:
    """A leaked port: its handle, owner and socket addresses (found by duck typing: the
    port layer sits above this package)."""
    parts = [f"port {entity.handle!r}"]
    owner = getattr(entity, "owner", None)
    if owner is not None:
        parts.append(f"owned by {owner!r}")
    sock = _find_socket(entity)
    if sock is not None and sock.fileno() >= 0:
        parts.append(f"fd {sock.fileno()}{_addresses(sock)}")
    return " ".join(parts)


def _find_socket(obj: Any, depth: int = 2) -> socket.socket | None:
    for cls in type(obj).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            value = getattr(obj, slot, None)
            if isinstance(value, socket.socket):
                return value
            if depth > 1 and value is not None and hasattr(type(value), "__slots__") \
                    and not isinstance(value, (str, bytes, tuple, int, float)):
                found = _find_socket(value, depth - 1)
                if found is not None:
                    return found
    return None


def format_pattern(pattern: Any) -> str:
    """A receive pattern in Erlang's notation: ``_`` for `ANY`, ``<int>`` for a class,
    ``<name>`` for a predicate, terms as `format_term` prints them."""
    if pattern is ANY:
        return "_"
    if pattern.__class__ is tuple:
        return "{" + ",".join(format_pattern(p) for p in pattern) + "}"
    if isinstance(pattern, type):
        return f"<{pattern.__name__}>"
    if callable(pattern) and not isinstance(pattern, (str, bytes, int, float, list, dict)):
        return f"<{getattr(pattern, '__name__', 'predicate')}>"
    return format_term(pattern)


def first_difference(pattern: Any, msg: Any, path: tuple[int, ...] = ()) -> tuple[tuple[int, ...], str] | None:
    """Where `msg` first fails to match `pattern`: the element path (1-based, as
    ``element/2`` counts) and what differs; None when it matches."""
    if matches(pattern, msg):
        return None
    if pattern.__class__ is tuple and isinstance(msg, tuple):
        if len(msg) != len(pattern):
            return path, f"a tuple of {len(pattern)} expected, got {len(msg)} elements"
        for i, (p, m) in enumerate(zip(pattern, msg), 1):
            diff = first_difference(p, m, path + (i,))
            if diff is not None:
                return diff
    return path, f"expected {format_pattern(pattern)}, got {format_term(msg)}"


def mismatch_report(patterns: tuple[Any, ...], mailbox: list[Any], timeout: int) -> str:
    """The text of a failed `assert_receive`."""
    pats = " or ".join(format_pattern(p) for p in patterns)
    lines = [f"no message matching {pats} within {timeout} ms"]
    if not mailbox:
        lines.append("mailbox: empty")
        return "\n".join(lines)
    lines.append(f"mailbox ({len(mailbox)} message{'s' if len(mailbox) > 1 else ''}):")
    for n, msg in enumerate(mailbox, 1):
        diffs = [d for d in (first_difference(p, msg) for p in patterns) if d is not None]
        path, what = max(diffs, key=lambda d: len(d[0]))  # the closest pattern
        where = " of ".join(f"element {i}" for i in reversed(path)) or "the message"
        lines.append(f"  {n}. {format_term(msg)}")
        lines.append(f"     differs at {where}: {what}")
    return "\n".join(lines)

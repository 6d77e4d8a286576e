"""Timers that never fire early: every timeout of the runtime and of its ports.

An event loop's own timers may fire a little before the delay has really passed:
uvloop keeps its clock in whole milliseconds, cached at the start of each loop turn, so
a 20 ms timer can run after 19.3 ms of real time. Erlang never ends a wait early (a
``receive ... after 200`` takes at least 200 ms), so a `Timer` keeps its deadline on
`time.monotonic` and, when the loop's timer fires before it, arms itself again for the
rest (rounded up to a whole millisecond, the loop's granularity) instead of running the
callback.
"""

from __future__ import annotations

import asyncio
import math
from time import monotonic
from typing import Any, Callable

__all__ = ["Timer", "call_later"]


class Timer:
    """A callback to run once `seconds` have really passed; `cancel` stops it.

    Use `call_later` to make one."""

    __slots__ = ("loop", "deadline", "callback", "args", "handle")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, seconds: float, callback: Callable[..., Any], args: tuple[Any, ...]
    ) -> None:
        self.loop = loop
        self.deadline = monotonic() + seconds
        self.callback = callback
        self.args = args
        self.handle: asyncio.Handle = loop.call_later(seconds, self._fire)

    def _fire(self) -> None:
        left = self.deadline - monotonic()
        if left > 0.0:  # the loop's clock ran ahead of real time: wait for the rest
            self.handle = self.loop.call_later(math.ceil(left * 1000.0) / 1000.0, self._fire)
            return
        self.callback(*self.args)

    def cancel(self) -> None:
        """Stop the timer; after it fired, or a second time, this does nothing."""
        self.handle.cancel()

    def cancelled(self) -> bool:
        return self.handle.cancelled()

    def remaining(self) -> float:
        """Seconds until the deadline (0.0 once it passed)."""
        return max(0.0, self.deadline - monotonic())

    def __repr__(self) -> str:
        return f"<Timer {self.callback!r} in {self.remaining():.3f} s>"


def call_later(loop: asyncio.AbstractEventLoop, seconds: float, callback: Callable[..., Any], *args: Any) -> Timer:
    """Run ``callback(*args)`` on `loop` once at least `seconds` have passed (by
    `time.monotonic`), never earlier; the returned timer has ``cancel()``."""
    return Timer(loop, seconds, callback, args)

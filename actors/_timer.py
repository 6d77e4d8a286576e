"""Timers that never fire early: every timeout of the runtime and of its ports.

An event loop's own timers may fire a little before the delay has really passed:
uvloop keeps its clock in whole milliseconds, cached at the start of each loop turn, so
a 20 ms timer can run after 19.3 ms of real time. Erlang never ends a wait early (a
``receive ... after 200`` takes at least 200 ms), so a `Timer` keeps its deadline on
`time.monotonic` and, when the loop's timer fires before it, arms itself again for the
rest (rounded up to a whole millisecond, the loop's granularity) instead of running the
callback.

`Timers` is a node's table of ``send_after`` timers, built on `Timer`.
"""

from __future__ import annotations

import asyncio
import math
from time import monotonic
from typing import Any, Callable

from ._terms import ErlangError, Pid, Ref
from .atoms import BADARG

__all__ = ["Timer", "Timers", "call_later"]


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

    def remaining(self) -> float:
        """Seconds until the deadline (0.0 once it passed)."""
        return max(0.0, self.deadline - monotonic())

    def __repr__(self) -> str:
        return f"<Timer {self.callback!r} in {self.remaining():.3f} s>"


def call_later(loop: asyncio.AbstractEventLoop, seconds: float, callback: Callable[..., Any], *args: Any) -> Timer:
    """Run ``callback(*args)`` on `loop` once at least `seconds` have passed (by
    `time.monotonic`), never earlier; the returned timer has ``cancel()``."""
    return Timer(loop, seconds, callback, args)


class Timers:
    """A node's ``erlang:send_after`` timers: ref -> (timer, (dest, msg)).

    A timer addressed to a pid is also filed under that pid, so that when the process
    ends its timers go with it (they could deliver nothing)."""

    __slots__ = ("loop", "make_ref", "deliver", "_timers", "by_dest")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        make_ref: Callable[[], Ref],
        deliver: Callable[[Any, Any], None],
    ) -> None:
        self.loop = loop
        self.make_ref = make_ref
        self.deliver = deliver  # deliver(dest, msg): dest a pid or a registered name
        self._timers: dict[Ref, tuple[Timer, tuple[Any, Any]]] = {}
        self.by_dest: dict[Pid, set[Ref]] = {}  # pid -> refs of the timers addressed to it

    def send_after(self, ms: Any, dest: Any, msg: Any) -> Ref:
        """``erlang:send_after/3``: deliver `msg` to `dest` (a pid or a name) once `ms`
        milliseconds have passed; the timer's reference. `badarg` for a time that is not
        an integer in 0..2^32-1 or a `dest` that is neither."""
        if ms.__class__ is not int or ms < 0 or ms > 0xFFFFFFFF:
            raise ErlangError(BADARG)
        if not isinstance(dest, (Pid, str)):
            raise ErlangError(BADARG)
        ref = self.make_ref()
        self._timers[ref] = (Timer(self.loop, ms / 1000.0, self._fire, (ref,)), (dest, msg))
        if isinstance(dest, Pid):
            self.by_dest.setdefault(dest, set()).add(ref)
        return ref

    def _fire(self, ref: Ref) -> None:
        entry = self._timers.pop(ref, None)
        if entry is None:
            return
        dest, msg = entry[1]
        self._unfile(dest, ref)
        self.deliver(dest, msg)

    def _unfile(self, dest: Any, ref: Ref) -> None:
        if isinstance(dest, Pid):
            refs = self.by_dest.get(dest)
            if refs is not None:
                refs.discard(ref)
                if not refs:
                    del self.by_dest[dest]

    def cancel(self, ref: Any) -> int | bool:
        """``erlang:cancel_timer/1``: the milliseconds that were left, or False when the
        timer already fired or was cancelled; `badarg` for a non-reference."""
        if not isinstance(ref, Ref):
            raise ErlangError(BADARG)
        entry = self._timers.pop(ref, None)
        if entry is None:
            return False
        timer, (dest, _msg) = entry
        timer.cancel()
        self._unfile(dest, ref)
        return round(timer.remaining() * 1000)

    def cancel_all_to(self, pid: Pid) -> None:
        """The process `pid` ended: drop the timers addressed to it."""
        refs = self.by_dest.pop(pid, None)
        if refs:
            for ref in refs:
                entry = self._timers.pop(ref, None)
                if entry is not None:
                    entry[0].cancel()

    def clear(self) -> None:
        """Cancel every timer (node shutdown)."""
        for timer, _ in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self.by_dest.clear()

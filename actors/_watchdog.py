"""The shell's watchdog: a process step that holds the loop too long is killed.

Processes share one loop and switch only where they await; a process that never awaits
(``while True: pass``) would hold the node, and with it the shell, forever. Erlang
preempts such a process; Python cannot suspend a running frame from outside, but it can
raise an exception in it. The watchdog thread posts a heartbeat to the loop; when the
loop has not answered for `limit` seconds (or for `URGENT` seconds after Ctrl-C or
``q()``) while a process step runs, it raises `Preempted` in the loop's thread, inside
that step: the process ends with reason ``killed`` (its ``finally`` blocks run) and the
node carries on.

Limits (see the README): a step blocked inside one C call (``time.sleep(60)``, a
blocking socket read) is interrupted only when that call returns; code that catches
``BaseException`` and goes on looping is not stopped; a loop blocked by something other
than a process step (a loop callback) is reported, not interrupted.
"""

from __future__ import annotations

import asyncio
import ctypes
import threading
from typing import Any, Callable, Final

from ._node import Node

__all__ = ["Preempted", "Watchdog", "URGENT"]

URGENT: Final = 0.2
"""Seconds the loop may stay blocked after Ctrl-C or ``q()`` before the step is killed."""


class Preempted(asyncio.CancelledError):
    """Raised inside a process step that ran too long; the process ends as ``killed``."""


class Watchdog:
    """Watches `node`'s loop from a daemon thread; calls ``report(text)`` when it acts."""

    def __init__(self, node: Node, limit: float, report: Callable[[str], None]) -> None:
        self.node = node
        self.limit = limit
        self.report = report
        self.loop_thread: int = node.call_soon(threading.get_ident)
        self._urgent = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="shell watchdog", daemon=True)

    def start(self) -> Watchdog:
        if self.limit > 0:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._urgent.set()
        if self._thread.is_alive():
            self._thread.join()

    def urgent(self) -> None:
        """Ctrl-C or ``q()``: kill a step that holds the loop from now on, without
        waiting for the limit."""
        self._urgent.set()

    def _watch(self) -> None:
        period = min(self.limit, 0.5)
        while not self._stop.is_set():
            beat = threading.Event()
            try:
                self.node.loop.call_soon_threadsafe(beat.set)
            except RuntimeError:  # the loop was closed
                return
            waited = 0.0
            warned = False
            while not beat.wait(URGENT):
                waited += URGENT
                if self._stop.is_set():
                    return
                if self._urgent.is_set() or waited >= self.limit:
                    if self._preempt(waited, beat):
                        self._urgent.clear()
                        waited = 0.0
                    elif not warned and waited >= self.limit:
                        warned = True
                        self.report(f"** the node's loop has been blocked for {waited:.1f} s")
            self._urgent.clear()
            self._stop.wait(period)

    def _preempt(self, waited: float, beat: threading.Event) -> bool:
        proc = self.node.sched.running
        if proc is None or beat.is_set():
            return False
        self.report(
            f"** process {proc.handle!r} ran {waited:.1f} s without awaiting: killed"
            " (no process may hold the node; see --step-limit)"
        )
        if self.node.sched.running is not proc or beat.is_set():
            return False
        _raise_in_thread(self.loop_thread, Preempted)
        return True


def _raise_in_thread(ident: int, exc_type: type[BaseException]) -> None:
    set_async_exc: Any = ctypes.pythonapi.PyThreadState_SetAsyncExc
    set_async_exc(ctypes.c_ulong(ident), ctypes.py_object(exc_type))

"""Ctrl-C for `actors.run`, and the hints errors carry for common first mistakes.

A SIGINT that lands while a process's code runs would raise `KeyboardInterrupt` inside
that process (a crash report, then a stray "exception was never retrieved"). Instead,
while `actors.run` runs on the main thread, the first Ctrl-C only asks the loop to
stop: the first process is cancelled, the node shuts down as usual (every process
killed, every port closed) and `run` raises a bare `KeyboardInterrupt`. A second Ctrl-C
interrupts at once, as Python does by default (for a process that never awaits).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import signal
import threading
from typing import Any, Iterator

from ._terms import Badarg, ErlangError

__all__ = ["sigint_stops", "not_a_function", "NOT_A_PROCESS_HINT"]

NOT_A_PROCESS_HINT = (
    "this function runs inside a process: start the program with actors.run(main) "
    "(main an async function), or call it at the shell (python -m actors)"
)


@contextlib.contextmanager
def sigint_stops(loop: asyncio.AbstractEventLoop, main: asyncio.Future[Any]) -> Iterator[list[bool]]:
    """Within the block, the first Ctrl-C cancels `main` on `loop`; the yielded list
    holds ``True`` once that happened. Does nothing off the main thread, or when the
    application installed a SIGINT handler of its own."""
    flag: list[bool] = []
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield flag
        return

    def on_sigint(signum: int, frame: Any) -> None:
        flag.append(True)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second one interrupts
        loop.call_soon_threadsafe(main.cancel)

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def not_a_function(fn: Any) -> ErlangError:
    """The ``badarg`` that `spawn` raises for `fn`, with a hint for a coroutine object
    (``spawn(worker(1))`` instead of ``spawn(worker, 1)``), which it closes."""
    err = Badarg()
    if inspect.iscoroutine(fn):
        name = getattr(fn, "__qualname__", "f")
        err.add_note(
            f"spawn takes a function and its arguments: spawn({name}, Arg, ...), "
            f"not the coroutine object {name}(...) returns"
        )
        fn.close()  # never to be awaited: no "never awaited" warning on top
    return err

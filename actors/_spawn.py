"""How a process starts and how it ends: the hot path of ``spawn`` and of every exit.

Compiled with the scheduler and the process (see ``mypyc_build.py``); the node
(`actors._node`, interpreted) calls in here, so a spawn and an exit run no interpreted
code of the runtime.

- `spawn_plain`: a new process running ``fn(*args)``, queued for its first step;
- `coroutine_of`: the coroutine a new process runs (``fn(*args)`` called as that process);
- `keep_result`: a body whose returned value is kept (the scheduler drops it);
- `finish`: the scheduler's callback when a process's coroutine ends, which ends the
  process with the reason Erlang would give (`normal`, the exit reason, `killed`, or the
  exception for a crash, reported after the process is gone).
"""

from __future__ import annotations

import asyncio
import contextvars
import types
from typing import Any, Final

from ._entity import Exit
from ._interrupt import not_a_function
from ._process import Process
from ._report import report_crash
from ._sched import Scheduler
from ._terms import ErlangError, Pid
from .atoms import KILLED, NORMAL

__all__ = ["spawn_plain", "coroutine_of", "finish", "keep_result"]

# Final: compiled, C statics (a module global, or a name imported from another module, is a
# dict lookup at each use)
_CoroutineType: Final = types.CoroutineType
_GeneratorType: Final = types.GeneratorType
_NORMAL: Final = NORMAL
_KILLED: Final = KILLED
_run_in: Final = contextvars.Context.run
_ENDED: Final = contextvars.Context()  # the context of every process whose body ended


def spawn_plain(sched: Scheduler, fn: Any, args: tuple[Any, ...]) -> Pid:
    """A process of the node `sched` runs, running ``fn(*args)``, without link or
    monitor: its pid."""
    if not callable(fn):
        raise not_a_function(fn)
    pid = Pid(sched.name, next(sched.pids))
    proc = Process(sched.node, pid, fn, len(args), sched)
    sched.table[pid] = proc
    sched.start(proc, coroutine_of(proc, fn, args))
    return pid


def coroutine_of(proc: Process, fn: Any, args: tuple[Any, ...]) -> Any:
    """The coroutine of a new process: ``fn(*args)``, called as that process (a plain
    function returning an awaitable, such as `actors.receive`, acts for it); a call that
    fails or returns a plain value still gives a process, which then crashes or ends at
    its first step."""
    context = proc.context
    n = len(args)
    try:  # the common arities without building an argument tuple
        if n == 1:
            coro: Any = _run_in(context, fn, args[0])
        elif n == 0:
            coro = _run_in(context, fn)
        elif n == 2:
            coro = _run_in(context, fn, args[0], args[1])
        else:
            coro = _run_in(context, fn, *args)
    except BaseException as e:  # e.g. wrong arity: the new process crashes, not the caller
        return _raise(e)
    cls = type(coro)
    if cls is _CoroutineType or cls is _GeneratorType:
        return coro
    await_ = getattr(coro, "__await__", None)
    if await_ is not None:  # a compiled coroutine, a future: what `await` would iterate
        try:
            return await_()
        except BaseException as e:
            return _raise(e)
    return _value(coro)


async def _raise(exc: BaseException) -> Any:
    raise exc


async def _value(value: Any) -> Any:
    return value


async def keep_result(proc: Process, body: Any) -> None:
    """Run `body` and keep its value in ``proc.result`` (the scheduler drops the values
    that bodies return, see `actors._sched.Scheduler.start`)."""
    proc.result = await body


def finish(proc: Process, exc: BaseException | None) -> None:
    """A process's body ended, by returning (`exc` None) or with `exc`: end the process
    accordingly (a driven coroutine, see `actors._node.Node.drive`, calls its ``on_done``
    with the value kept in ``proc.result`` instead)."""
    on_done = proc.on_done
    if on_done is not None:
        proc.on_done = None
        on_done(proc.result, exc)
        return
    # Nothing runs in the process's context again: let it go now, and with it the cycle
    # the context makes (its variable names the process), so that the process is freed
    # by reference counting when its last holder lets go, not by the cycle collector.
    proc.context = _ENDED
    if exc is None:
        if proc.alive:
            proc.terminate(_NORMAL)
    elif isinstance(exc, Exit):
        proc.terminate(exc.reason)
    elif isinstance(exc, ErlangError) and exc.kind == "exit":  # Erlang's exit class: the term
        proc.terminate(exc.reason)
    elif isinstance(exc, asyncio.CancelledError):
        proc.terminate(_KILLED)
    else:  # the process crashed: its exception is the reason
        if proc.alive:
            proc.crash = exc
            links, queued = list(proc.links), proc.queue_len()
            proc.terminate(exc)  # first: ending never depends on the report
            initial_call: Any = None
            ancestors: Any = None
            try:
                initial_call = proc.initial_call
                ancestors = proc.dictionary.get("$ancestors")
            except Exception:  # noqa: BLE001 - a function whose repr raises
                initial_call = ancestors = None
            report_crash(proc.handle, proc.name, initial_call, exc, links=links,
                         message_queue_len=queued, ancestors=ancestors)
        if not isinstance(exc, Exception):
            raise exc


"""The scheduler: drives process coroutines from a run queue, without asyncio Tasks.

A process is a coroutine stepped by `Scheduler.run` with ``next`` (in the compiled build
C's ``step``; see `Scheduler.start`) inside the process's own `contextvars.Context` (so
`current()` and user context variables are per process, as with tasks). A step ends
when the coroutine returns (`DONE`) or suspends:

- in `receive` (it yields `SUSPEND`): a message (`Process.deliver`) or the receive's
  timer puts it back on the run queue;
- on an asyncio future (a port's reply, a timer, a socket connect): the future's done
  callback puts it back, exactly as an asyncio Task would resume;
- with a bare ``yield`` (``asyncio.sleep(0)``): it goes to the back of the queue.

This removes a Future and a Task wakeup from every message hand-off, the cost that
dominated message passing. The loop keeps running I/O between rounds: one loop callback
runs at most `BUDGET` steps, then yields to the loop.

Killing a suspended process throws `asyncio.CancelledError` into its coroutine at its
suspension point (cancelling the future it awaited, as `Task.cancel` does), so its
``finally`` blocks run. Inside `uninterruptible` the kill waits: the awaited call runs
to its end, and the exception is raised when the block is left (a loop's socket setup
must not be cancelled half way).
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import types
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Final, Generator, Iterator
from typing import cast as _cast

if TYPE_CHECKING:
    from ._process import Process

__all__ = ["Scheduler", "SUSPEND", "suspend", "yield_", "COMPILED", "BUDGET", "uninterruptible", "Ready"]

BUDGET: Final = 4096
"""Steps one loop callback may run before the loop gets a turn for I/O and timers."""


class _Suspend:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<suspend>"


SUSPEND: Final = _Suspend()


class _Done:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<done>"


DONE: Final = _Done()
"""What a step returns when the process's body returned: ``next(body, DONE)``."""

_next: Final = next
_run_in: Final = contextvars.Context.run  # _run_in(context, fn, *args): a direct call
_CoroutineType: Final = types.CoroutineType


class _Ready:
    """An awaitable whose answer is already there (pure Python's `Ready`)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, Any]:
        return self.value
        yield  # a generator: awaiting it returns at once

    def __repr__(self) -> str:
        return f"<ready {self.value!r}>"


def _c_helpers() -> tuple[Any, Any, Any, Any, Any]:
    """``actors._csched``'s step, running, Ready, once and untrack (C, built with the
    compiled build), or None, None, the Python `_Ready`, None and None where it is not
    built."""
    try:
        module = importlib.import_module("actors._csched")
    except ImportError:
        return None, None, _Ready, None, None
    return module.step, module.running, module.Ready, module.once, module.untrack


_C_HELPERS: Final = _c_helpers()
_STEP: Final = _C_HELPERS[0]
"""``step(context, coro, DONE, proc)`` in C: one step of a process (see `Scheduler.start`)."""
RUNNING: Final[Callable[[], Any] | None] = _C_HELPERS[1]
"""``running()`` in C: the process this thread is stepping (with `_STEP`) while its
context is the current one, else None; `actors._process.current` reads it before the
context variable."""
_ONCE: Final = _C_HELPERS[3]
UNTRACK: Final[Callable[[Any], None] | None] = _C_HELPERS[4]
"""``untrack(obj)`` in C: the cycle collector stops tracking `obj`
(`actors._process.Process` uses it for its pid)."""
"""``once(value)`` in C: what `yield_` gives compiled code."""
Ready: Final[Any] = _C_HELPERS[2]
"""``Ready(value)``: an awaitable whose answer is already there. A call that has done its
work when it returns answers with one (awaiting it never suspends) instead of a
coroutine that would only hand the answer on."""


def yield_(value: Any) -> Awaitable[Any]:
    """One yield of `value` to the scheduler (None: to the back of the run queue;
    `SUSPEND`: until woken), as ``actors._yield``'s generators, for compiled code: C's
    ``once`` where it is built, else a compiled generator, which costs less to make and
    step there than an interpreted one (compiled code awaits any iterator; it finishes
    without raising StopIteration)."""
    if _ONCE is not None:
        return _ONCE(value)  # type: ignore[no-any-return]
    return _cast(Awaitable[Any], _once(value))


def _once(value: Any) -> Generator[Any, None, None]:
    yield value


COMPILED: Final = type(_once) is not types.FunctionType
"""Whether the hot modules run compiled (they are built together): compiled code awaits
`yield_` rather than `suspend` or the interpreted generators of `actors._yield`, since
``types.coroutine`` wraps a compiled generator function in an interpreted one (in pure
Python those are the cheaper, and only compiled code can await a plain generator)."""


@types.coroutine
def suspend() -> Generator[Any, None, None]:
    """Suspend the running process until something puts it back on the run queue."""
    yield SUSPEND


class uninterruptible:
    """``with uninterruptible(proc):`` a kill of `proc` (an exit signal, node shutdown)
    does not interrupt what the block awaits; it is raised as the block ends."""

    __slots__ = ("proc",)

    def __init__(self, proc: Process) -> None:
        self.proc = proc

    def __enter__(self) -> None:
        self.proc.shielded += 1

    def __exit__(self, *exc_info: object) -> None:
        proc = self.proc
        proc.shielded -= 1
        deferred = proc.deferred
        if deferred is not None and not proc.shielded:
            proc.deferred = None
            if exc_info[0] is None:
                raise deferred


class Scheduler:
    """The run queue of one node's processes."""

    __slots__ = (
        "loop", "runq", "batch", "pos", "scheduled", "running", "finish", "node", "name", "table", "pids", "refs",
        "timed",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        finish: Any,
        node: Any,
        table: dict[Any, Any],
        pids: Iterator[int],
        refs: Iterator[int],
        timed: dict[Any, Any],
    ) -> None:
        self.loop = loop
        self.runq: list[Process] = []  # what is queued, in order (see `run`)
        self.batch: list[Process] = []  # what `run` is running: the queue it took whole
        self.pos = 0  # where it is in `batch` (`run` goes on from there)
        self.scheduled = False
        self.running: Process | None = None
        # what starting and ending a process needs of its node (actors._spawn), here where
        # compiled code reads it directly: the node, its name, its table of entities, its
        # pid and ref counters, and its timers' index by destination pid
        self.node = node
        self.name: str = node.name
        self.table = table
        self.pids = pids
        self.refs = refs
        self.timed = timed
        self.finish = finish  # finish(proc, exc): a process's body ended (exc None: it returned)

    def wake(self, proc: Process) -> None:
        """Put `proc` on the run queue (once)."""
        if not proc.queued:
            proc.queued = True
            self.runq.append(proc)
            if not self.scheduled:
                self.scheduled = True
                self.loop.call_soon(self.run)

    def start(self, proc: Process, body: Any) -> None:
        """Make `body` (a coroutine, or the iterator of an awaitable) what `proc` runs,
        and schedule its first step.

        A step is ``next(body, DONE)`` on the coroutine's iterator (``__await__``), or
        in the compiled build C's ``step``, which sends to the coroutine itself (one
        object fewer per process): a body that returns ends its last step with `DONE`,
        where ``send`` would raise a ``StopIteration`` that costs as much to catch in
        compiled code as the rest of a spawn. Either drops the value returned: a body
        whose value matters stores it (`actors._spawn.keep_result`)."""
        if _STEP is None and type(body) is _CoroutineType:
            body = body.__await__()  # `next` takes an iterator; C's step sends to either
        proc.coro = body
        self.wake(proc)

    def interrupt(self, proc: Process, exc: BaseException) -> None:
        """Throw `exc` into the coroutine of a suspended `proc` at its next step (or,
        inside `uninterruptible`, when it leaves the block)."""
        if proc.coro is None or proc is self.running:
            return
        if proc.shielded:
            proc.deferred = exc
            return
        proc.pending_exc = exc
        proc.recv_wait = False
        fut = proc.awaiting
        if fut is not None:
            proc.awaiting = None
            fut.cancel()
        self.wake(proc)

    def run(self) -> None:
        """Run queued steps (at most `BUDGET`), then give the loop a turn.

        The run queue is a list taken whole (`batch`), run from `pos` on; what is queued
        meanwhile goes to the other list, run after it. Out of budget, the next turn goes
        on from `pos`: a long queue is never copied (slicing off the rest of the batch at
        each turn was quadratic in a burst of spawns). A deque's append and popleft would
        be calls by name from compiled code, about 450 instructions a step; a list's are
        direct."""
        self.scheduled = False
        budget = BUDGET
        while budget:
            batch = self.batch
            if not batch:  # (emptied when run through) take the queue whole
                if not self.runq:
                    break
                self.batch, self.runq = self.runq, batch
                batch = self.batch
            i = self.pos
            n = len(batch)
            try:
                while i < n and budget:
                    proc = batch[i]
                    i += 1
                    budget -= 1
                    # one step of `proc`, and what it yielded decides what comes next
                    # (inline: a method call per step costs interpreted Python dearly)
                    proc.queued = False
                    coro = proc.coro
                    if coro is None:
                        continue
                    exc = proc.pending_exc
                    self.running = proc
                    try:
                        if exc is None:
                            if _STEP is not None:
                                y: Any = _STEP(proc.context, coro, DONE, proc)
                            else:
                                y = _run_in(proc.context, _next, coro, DONE)
                        else:
                            proc.pending_exc = None
                            y = _run_in(proc.context, coro.throw, exc)
                    except StopIteration:  # it returned as an exception was thrown in
                        self.running = None
                        proc.coro = None
                        self.finish(proc, None)
                        continue
                    except BaseException as e:
                        self.running = None
                        proc.coro = None
                        self.finish(proc, e)
                        continue
                    self.running = None
                    if y is SUSPEND:
                        if not proc.alive and proc.pending_exc is None:
                            proc.pending_exc = asyncio.CancelledError()
                            self.wake(proc)
                        continue
                    if y is DONE:
                        proc.coro = None
                        self.finish(proc, None)
                        continue
                    if y is None:
                        proc.queued = True
                        self.runq.append(proc)
                        continue
                    if getattr(y, "_asyncio_future_blocking", None) is not None:
                        y._asyncio_future_blocking = False
                        proc.awaiting = y
                        y.add_done_callback(proc.future_done)
                        if not proc.alive:
                            self.interrupt(proc, asyncio.CancelledError())
                        continue
                    proc.pending_exc = RuntimeError(f"a process awaited {y!r}, which is not awaitable here")
                    self.wake(proc)
            finally:
                if i < n:  # out of budget (or a process's end raised): the rest go first
                    self.pos = i
                else:
                    batch.clear()
                    self.pos = 0
        if (self.runq or self.batch) and not self.scheduled:
            self.scheduled = True
            self.loop.call_soon(self.run)

    def close_all(self, procs: list[Process]) -> None:
        """Close the coroutines of `procs` (node shutdown): their ``finally`` blocks run."""
        for proc in procs:
            coro = proc.coro
            if coro is not None:
                proc.coro = None
                fut = proc.awaiting
                if fut is not None:
                    proc.awaiting = None
                    fut.cancel()
                try:
                    proc.context.run(coro.close)
                except BaseException:  # noqa: BLE001 - shutting down regardless
                    pass
        self.runq.clear()
        if self.running is None:  # (not from inside `run`, which is going through it)
            self.batch.clear()
            self.pos = 0

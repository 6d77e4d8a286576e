"""A process: a coroutine with a pid, run by the node's scheduler, and how it ends.

The layers below it hold the rest of its state (see `actors._entity`): its mailbox
(`actors._mailbox`) and its links and monitors (`actors._signals`). The node's scheduler
(`actors._sched`) steps the coroutine inside the process's own `contextvars.Context`, in
which `current()` finds the process.

Everything here runs on the node's loop thread.
"""

from __future__ import annotations

import asyncio
import contextvars
from typing import TYPE_CHECKING, Any, Callable, Final

from ._entity import Entity, Exit
from ._interrupt import NOT_A_PROCESS_HINT
from ._mailbox import NO_MESSAGES
from ._report import report_error, safe_repr
from ._sched import RUNNING, UNTRACK
from ._signals import Signals
from ._terms import Atom, ErlangError, Pid

if TYPE_CHECKING:
    from ._node import Node
    from ._sched import Scheduler

__all__ = ["Process", "Exit", "current", "current_or_none", "Entity"]

_current: contextvars.ContextVar[Process] = contextvars.ContextVar("actors_process")
_set_current: Final = _current.set  # bound once: compiled code calls them directly
_get_current: Final = _current.get
_Context: Final = contextvars.Context


def current() -> Process:
    """The process that is running now; raises `ErlangError(not_a_process)` outside one."""
    if RUNNING is not None:  # the compiled build's C scheduler step knows it
        proc = RUNNING()
        if proc is not None:
            return proc  # type: ignore[no-any-return]
    try:
        return _get_current()
    except LookupError:
        err = ErlangError(Atom("not_a_process"))
        err.add_note(NOT_A_PROCESS_HINT)
        raise err from None


def current_or_none() -> Process | None:
    if RUNNING is not None:
        proc = RUNNING()
        if proc is not None:
            return proc  # type: ignore[no-any-return]
    return _get_current(None)


class _Rare:
    """What few processes ever set, kept apart (see `Process`): made on first write."""

    __slots__ = ("crash", "result", "on_done", "dictionary", "deferred")

    def __init__(self) -> None:
        self.crash: BaseException | None = None
        self.result: Any = None
        self.on_done: Callable[[Any, BaseException | None], None] | None = None
        self.dictionary: dict[Any, Any] | None = None
        self.deferred: BaseException | None = None


class Process(Signals):
    """The runtime state of one process (internal: users hold its `Pid`).

    The process dictionary is created on first use, so an idle process stays small. So
    are the fields that few processes ever set (a crash, a kept result, a driven body's
    callback, the dictionary, a deferred kill): they live in one object made on first
    write, and read None until then. (Exit hooks are not rare: every port's owner has
    one.) A process is then smaller, and the
    cycle collector, which visits every field of every live process at each of its full
    passes (a burst of spawns makes several), visits fewer.
    """

    __slots__ = (
        "coro",
        "queued",
        "awaiting",
        "pending_exc",
        "context",
        "name",
        "reason",
        "on_exit",
        "_fn",
        "_nargs",
        "shielded",
        "_rare",
    )

    def __init__(self, node: Node, pid: Pid, fn: Any, nargs: int, sched: Scheduler | None = None) -> None:
        # Every layer's state is set here, in one call: spawning is a hot path (which
        # passes the node's scheduler, read here from the node otherwise).
        self.handle = pid
        pid.proc = self  # the pid finds its process without a lookup
        if UNTRACK is not None:
            # The cycle collector need not track the pid (compiled: one object fewer in
            # each of its passes): the one reference by which it can be in a cycle,
            # ``proc``, is dropped when the process ends (`terminate`).
            UNTRACK(pid)
        self.node = node
        self.alive = True
        # mailbox (actors._mailbox)
        self.sched = node.sched if sched is None else sched
        self.q = NO_MESSAGES  # its own list with the first message
        self.head = 0
        self.holes = 0
        self.recv_wait = False
        self.mark_ref = None
        self.mark_pos = 0
        # links and monitors (actors._signals)
        self._links = None
        self._monitors = None
        self._monitored_by = None
        self._monitor_names = None
        self.trap_exit = False
        # the coroutine, as the scheduler runs it (actors._sched)
        self.coro: Any = None
        self.queued = False
        self.awaiting: asyncio.Future[Any] | None = None
        self.pending_exc: BaseException | None = None
        context = self.context = _Context()
        context.run(_set_current, self)
        # identity and ending
        self.name: Atom | None = None
        self.reason: Any = None
        self.on_exit: list[Callable[[Process], None]] | None = None
        self._fn = fn
        self._nargs = nargs
        self.shielded = 0  # depth of `uninterruptible` blocks
        self._rare: _Rare | None = None  # crash, result, on_done, dictionary, deferred

    def _more(self) -> _Rare:
        rare = self._rare
        if rare is None:
            rare = self._rare = _Rare()
        return rare

    @property
    def dictionary(self) -> dict[Any, Any]:
        """The process dictionary."""
        rare = self._more()
        d = rare.dictionary
        if d is None:
            d = rare.dictionary = {}
        return d

    @property
    def _dictionary(self) -> dict[Any, Any] | None:
        """The process dictionary if it was ever used, else None."""
        rare = self._rare
        return None if rare is None else rare.dictionary

    @property
    def crash(self) -> BaseException | None:
        """The exception the process crashed with, else None."""
        rare = self._rare
        return None if rare is None else rare.crash

    @crash.setter
    def crash(self, value: BaseException | None) -> None:
        self._more().crash = value

    @property
    def result(self) -> Any:
        """The value its body returned, where kept (`actors._spawn.keep_result`)."""
        rare = self._rare
        return None if rare is None else rare.result

    @result.setter
    def result(self, value: Any) -> None:
        self._more().result = value

    @property
    def on_done(self) -> Callable[[Any, BaseException | None], None] | None:
        """What a driven body's end calls instead of ending the process
        (`actors._node.Node.drive`), or None."""
        rare = self._rare
        return None if rare is None else rare.on_done

    @on_done.setter
    def on_done(self, value: Callable[[Any, BaseException | None], None] | None) -> None:
        self._more().on_done = value

    @property
    def deferred(self) -> BaseException | None:
        """A kill that waits for the end of an `uninterruptible` block, or None."""
        rare = self._rare
        return None if rare is None else rare.deferred

    @deferred.setter
    def deferred(self, value: BaseException | None) -> None:
        self._more().deferred = value

    @property
    def initial_call(self) -> tuple[Atom, Atom, int]:
        """``(module, function, arity)`` of the function the process started with."""
        fn = self._fn
        if isinstance(fn, tuple):
            return fn
        mod = getattr(fn, "__module__", None) or "?"
        qual = getattr(fn, "__qualname__", None) or repr(fn)
        return (Atom(mod), Atom(qual), self._nargs)

    def add_exit_hook(self, callback: Callable[[Process], None]) -> None:
        """Call ``callback(self)`` when this process ends (see `actors.runtime.on_exit`)."""
        hooks = self.on_exit
        if hooks is None:
            hooks = self.on_exit = []
        hooks.append(callback)

    def remove_exit_hook(self, callback: Callable[[Process], None]) -> None:
        hooks = self.on_exit
        if hooks and self.alive:  # a dying process is running its hooks: leave them
            try:
                hooks.remove(callback)
            except ValueError:
                pass

    def future_done(self, fut: asyncio.Future[Any]) -> None:
        """The asyncio future this process awaited is done: resume the process."""
        if self.awaiting is fut:
            self.awaiting = None
            self.sched.wake(self)

    def __repr__(self) -> str:
        return f"<Process {self.handle!r}>"

    def terminate(self, reason: Any) -> None:
        """End the process with `reason`: the node forgets it (table, name, timers), its
        coroutine is cancelled, its links and monitors are signalled, then its exit
        hooks run (one that raises is reported and does not stop the others)."""
        if not self.alive:
            return
        self.alive = False
        self.reason = reason
        # the node forgets it: its table entry, its registered name, timers addressed to it
        sched = self.sched
        handle = self.handle
        del sched.table[handle]
        if self.name is not None:
            self.node.names.release(self)
        if sched.timed:
            self.node.timers.cancel_all_to(handle)
        handle.proc = None
        if self.q:
            self.drop_messages()
        if self.coro is not None:
            self.sched.interrupt(self, asyncio.CancelledError())
        if self._links or self._monitors or self._monitored_by:
            self.signal_exit(reason)
        hooks = self.on_exit
        if hooks:
            for cb in hooks:
                try:
                    cb(self)
                except Exception as e:  # noqa: BLE001 - a hook must not stop the others
                    report_error("exit_hook_failed", pid=safe_repr(self.handle), hook=safe_repr(cb), reason=safe_repr(e))

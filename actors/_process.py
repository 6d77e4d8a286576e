"""A process: a coroutine with a pid, a mailbox, links, monitors and exit signals.

The node's scheduler (`actors._sched`) steps the coroutine; a process waiting in
`receive` is put back on the run queue by `deliver` or by its timer.

The mailbox is a list read from `head`; a message taken from the middle (selective
receive) leaves a hole that later compaction removes, so positions stay stable while a
receive scans and a scan never revisits messages it already tested. `mark_pos` is
Erlang's receive marker: the position the mailbox had when the newest reference was
made, so a receive waiting for that reference skips every older message.

Everything here runs on the node's loop thread.
"""

from __future__ import annotations

import asyncio
import contextvars
from typing import TYPE_CHECKING, Any, Callable, Final


from ._match import TIMEOUT, matches
from ._report import report_error, safe_repr
from ._sched import suspend
from ._timer import Timer
from ._terms import Atom, ErlangError, Pid, Ref

if TYPE_CHECKING:
    from ._node import Node

__all__ = ["Process", "Exit", "current", "current_or_none", "Entity"]


NORMAL: Final = Atom("normal")
KILL: Final = Atom("kill")
KILLED: Final = Atom("killed")
NOPROC: Final = Atom("noproc")
EXIT: Final = Atom("EXIT")
DOWN: Final = Atom("DOWN")
PROCESS: Final = Atom("process")
INFINITY: Final = Atom("infinity")


class _Hole:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<taken>"


_HOLE: Final = _Hole()

_current: contextvars.ContextVar[Process] = contextvars.ContextVar("actors_process")


class Exit(BaseException):
    """Raised by `actors.exit(reason)`: ends the calling process with `reason`.

    Like Erlang's ``exit/1`` it unwinds the process; ``except Exception`` does not catch
    it, as ``catch error:_`` does not catch an exit in Erlang.
    """

    def __init__(self, reason: Any) -> None:
        super().__init__(reason)
        self.reason = reason


class Entity:
    """Something that can be linked to and receive exit signals: a process or a port.

    Subclasses implement `exit_signal`. `handle` is the hashable term that names the
    entity (a `Pid`, or a port handle) and `links` the handles it is linked to.
    """

    __slots__ = ("handle", "node", "links", "alive", "__weakref__")

    handle: Any
    node: Node
    links: set[Any]
    alive: bool

    def exit_signal(self, sender: Any, reason: Any, from_link: bool) -> None:
        raise NotImplementedError


def current() -> Process:
    """The process that is running now; raises `ErlangError(not_a_process)` outside one."""
    try:
        return _current.get()
    except LookupError:
        raise ErlangError(Atom("not_a_process")) from None


def current_or_none() -> Process | None:
    return _current.get(None)


class Process(Entity):
    """The runtime state of one process (internal: users hold its `Pid`).

    Links, monitors, the process dictionary and the monitor-by-name table are created on
    first use (`links`, `monitors`, `monitored_by`, `dictionary` are properties that
    create them), so an idle process stays small.
    """

    __slots__ = (
        "loop",
        "sched",
        "coro",
        "queued",
        "recv_wait",
        "awaiting",
        "pending_exc",
        "on_done",
        "q",
        "head",
        "holes",
        "_links",
        "_monitors",
        "_monitored_by",
        "_monitor_names",
        "trap_exit",
        "name",
        "reason",
        "_fn",
        "_nargs",
        "mark_ref",
        "mark_pos",
        "on_exit",
        "_dictionary",
        "context",
        "waiting",
        "crash",
        "result",
    )

    def __init__(self, node: Node, pid: Pid, fn: Any, nargs: int) -> None:
        self.handle = pid
        object.__setattr__(pid, "proc", self)  # the pid finds its process without a lookup
        self.node = node
        self.loop = node.loop
        self.sched = node.sched
        self.alive = True
        self.coro: Any = None
        self.queued = False
        self.recv_wait = False
        self.awaiting: asyncio.Future[Any] | None = None
        self.pending_exc: BaseException | None = None
        self.on_done: Callable[[Any, BaseException | None], None] | None = None
        self.q: list[Any] = []
        self.head = 0
        self.holes = 0
        self._links: set[Any] | None = None
        self._monitors: dict[Ref, Pid] | None = None  # monitors this process holds
        self._monitored_by: dict[Ref, Pid] | None = None  # monitors on this process
        self._monitor_names: dict[Ref, tuple[Atom, Atom]] | None = None  # by-name ones
        self.trap_exit = False
        self.name: Atom | None = None
        self.reason: Any = None
        self._fn = fn
        self._nargs = nargs
        self.mark_ref: Ref | None = None
        self.mark_pos = 0
        self.on_exit: list[Callable[[Process], None]] | None = None
        self._dictionary: dict[Any, Any] | None = None
        context = self.context = contextvars.Context()
        context.run(_current.set, self)
        self.waiting = False
        self.crash: BaseException | None = None
        self.result: Any = None

    @property
    def pid(self) -> Pid:
        return self.handle  # type: ignore[no-any-return]

    # Entity declares `links` as a slot; a process creates its set on first use.
    @property
    def links(self) -> set[Any]:
        """The handles this process is linked to."""
        s = self._links
        if s is None:
            s = self._links = set()
        return s

    @links.setter
    def links(self, value: set[Any]) -> None:
        self._links = value

    @property
    def monitors(self) -> dict[Ref, Pid]:
        """The monitors this process holds: ref -> monitored pid."""
        d = self._monitors
        if d is None:
            d = self._monitors = {}
        return d

    @property
    def monitored_by(self) -> dict[Ref, Pid]:
        """The monitors on this process: ref -> watching pid."""
        d = self._monitored_by
        if d is None:
            d = self._monitored_by = {}
        return d

    @property
    def dictionary(self) -> dict[Any, Any]:
        """The process dictionary."""
        d = self._dictionary
        if d is None:
            d = self._dictionary = {}
        return d

    @property
    def initial_call(self) -> tuple[Atom, Atom, int]:
        """``(module, function, arity)`` of the function the process started with."""
        fn = self._fn
        if isinstance(fn, tuple):
            return fn
        mod = getattr(fn, "__module__", None) or "?"
        qual = getattr(fn, "__qualname__", None) or repr(fn)
        return (Atom(mod), Atom(qual), self._nargs)

    def add_monitor(self, ref: Ref, target: Process, by_name: tuple[Atom, Atom] | None = None) -> None:
        """This process starts monitoring `target` under `ref` (by name if `by_name`)."""
        self.monitors[ref] = target.handle
        target.monitored_by[ref] = self.handle
        if by_name is not None:
            names = self._monitor_names
            if names is None:
                names = self._monitor_names = {}
            names[ref] = by_name

    def remove_monitor(self, ref: Ref) -> bool:
        """Drop the monitor `ref` this process holds; whether it was active."""
        mons = self._monitors
        target = mons.pop(ref, None) if mons else None
        names = self._monitor_names
        if names:
            names.pop(ref, None)
        if target is None:
            return False
        t = self.node.table.get(target)
        if isinstance(t, Process) and t._monitored_by:
            t._monitored_by.pop(ref, None)
        return True

    def monitor_targets(self) -> list[Any]:
        """What each monitor this process holds watches: a pid or ``(name, node)``."""
        names = self._monitor_names or {}
        return [names.get(ref, pid) for ref, pid in (self._monitors or {}).items()]

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

    def __repr__(self) -> str:
        return f"<Process {self.handle!r}>"

    # -- mailbox -------------------------------------------------------------------

    def deliver(self, msg: Any) -> None:
        """Append `msg` to the mailbox and wake the process if it waits for one."""
        if self.alive:
            self.q.append(msg)
            if self.recv_wait:
                self.recv_wait = False
                self.sched.wake(self)

    def future_done(self, fut: asyncio.Future[Any]) -> None:
        """The asyncio future this process awaited is done: resume the process."""
        if self.awaiting is fut:
            self.awaiting = None
            self.sched.wake(self)

    def queue_len(self) -> int:
        return len(self.q) - self.head - self.holes

    def messages(self) -> list[Any]:
        """The queued messages, oldest first."""
        return [m for m in self.q[self.head :] if m is not _HOLE]

    def _take(self, i: int) -> Any:
        q = self.q
        msg = q[i]
        if i == self.head:
            h = i + 1
            n = len(q)
            if h == n:
                q.clear()
                self.head = self.mark_pos = 0
                return msg
            while h < n and q[h] is _HOLE:
                h += 1
                self.holes -= 1
            if h == n:
                q.clear()
                self.mark_pos = 0
                h = 0
            elif h > 32 and h * 2 > n:
                del q[:h]
                self.mark_pos = max(0, self.mark_pos - h)
                h = 0
            self.head = h
        else:
            q[i] = _HOLE
            self.holes += 1
            if self.holes > 32 and self.holes * 2 > len(q) - self.head:
                self._compact()
        return msg

    def _compact(self) -> None:
        q = self.q
        before_mark = sum(1 for m in q[self.head : self.mark_pos] if m is not _HOLE)
        self.q = [m for m in q[self.head :] if m is not _HOLE]
        self.mark_pos = before_mark
        self.head = 0
        self.holes = 0

    def extract(self, pred: Callable[[Any], bool]) -> list[Any]:
        """Remove and return, in order, every queued message for which `pred` is true.

        The mailbox is rebuilt as a new list, so a receive suspended in this process
        rescans what is left from its head.
        """
        taken: list[Any] = []
        kept: list[Any] = []
        for m in self.q[self.head :]:
            if m is _HOLE:
                continue
            (taken if pred(m) else kept).append(m)
        if taken:
            self.q = kept
            self.head = 0
            self.holes = 0
            self.mark_pos = 0
        return taken

    def mark(self, ref: Ref) -> None:
        """Set the receive marker: a receive for `ref` need not look at older messages."""
        self.mark_ref = ref
        self.mark_pos = len(self.q)

    def _start_for(self, patterns: tuple[Any, ...]) -> int:
        ref = self.mark_ref
        if ref is not None and self.mark_pos > self.head:
            for p in patterns:
                if p is ref or (p.__class__ is tuple and ref in p):
                    return self.mark_pos
        return self.head

    async def receive(self, patterns: tuple[Any, ...], timeout: Any = "infinity") -> Any:
        """Selective receive; see `actors.receive`.

        Each message is tested once per receive: a scan resumes where the last one
        stopped when new messages arrive (unless the mailbox was rebuilt by `extract`).
        """
        if timeout is INFINITY or timeout == "infinity":
            seconds = None
        else:
            seconds = _timeout_seconds(timeout)
        q = self.q
        if patterns:
            i = self._start_for(patterns)
        else:
            i = self.head
            n = len(q)
            if i < n and not self.holes:  # the common case: take the oldest, inline
                msg = q[i]
                i += 1
                if i == n:
                    q.clear()
                    self.head = self.mark_pos = 0
                elif i > 32 and i * 2 > n:
                    del q[:i]
                    self.mark_pos = max(0, self.mark_pos - i)
                    self.head = 0
                else:
                    self.head = i
                return msg
            if i < n and q[i] is not _HOLE:
                return self._take(i)
        handle: Timer | None = None
        expired: list[bool] | None = None
        try:
            while True:
                if self.q is not q:  # rebuilt by extract/compaction: rescan from head
                    q = self.q
                    i = self.head
                n = len(q)
                if not patterns:
                    while i < n:
                        if q[i] is not _HOLE:
                            return self._take(i)
                        i += 1
                else:
                    while i < n:
                        m = q[i]
                        if m is not _HOLE:
                            for p in patterns:
                                if matches(p, m):
                                    return self._take(i)
                        i += 1
                if not self.alive:
                    raise asyncio.CancelledError()
                if seconds is not None:
                    if seconds == 0.0 or (expired is not None and expired[0]):
                        return TIMEOUT
                    if expired is None:
                        # The timer wakes the process whenever it fires and leaves a
                        # flag: a wake by a message that does not match must not make
                        # the receive forget its deadline.
                        expired = [False]
                        handle = Timer(self.loop, seconds, _expire, (self, expired))
                self.recv_wait = True
                try:
                    await suspend()
                finally:
                    self.recv_wait = False
        finally:
            if handle is not None:
                handle.cancel()

    # -- exit signals --------------------------------------------------------------

    def exit_signal(self, sender: Any, reason: Any, from_link: bool) -> None:
        """Receive an exit signal from `sender` (Erlang's exit-signal rules)."""
        if not self.alive:
            return
        if reason == KILL and not from_link:
            self.terminate(KILLED)
        elif self.trap_exit:
            self.deliver((EXIT, sender, reason))
        elif reason == NORMAL and not (not from_link and sender == self.handle):
            return
        else:
            self.terminate(reason)

    def terminate(self, reason: Any) -> None:
        """End the process with `reason`: drop its state and signal links and monitors."""
        if not self.alive:
            return
        self.alive = False
        self.reason = reason
        node = self.node
        pid = self.handle
        table = node.table
        del table[pid]
        object.__setattr__(pid, "proc", None)
        if self.name is not None:
            node.names.pop(self.name, None)
        if self.q:
            self.q = []
            self.head = self.holes = 0
        if self.coro is not None:
            self.sched.interrupt(self, asyncio.CancelledError())
        links = self._links
        if links:
            self._links = None
            signals: list[Entity] = []
            for h in links:
                other = table.get(h)
                if other is not None:
                    if isinstance(other, Process):
                        ol = other._links
                        if ol:
                            ol.discard(pid)
                    else:
                        other.links.discard(pid)
                    signals.append(other)
            node.send_exit_signals(pid, reason, signals)
        mons = self._monitors
        if mons:
            self._monitors = self._monitor_names = None
            for ref, target in mons.items():
                t = table.get(target)
                if isinstance(t, Process) and t._monitored_by:
                    t._monitored_by.pop(ref, None)
        watchers = self._monitored_by
        if watchers:
            self._monitored_by = None
            for ref, watcher in watchers.items():
                wp = table.get(watcher)
                if isinstance(wp, Process) and wp._monitors:
                    wp._monitors.pop(ref, None)
                    obj: Any = pid
                    names = wp._monitor_names
                    if names:
                        obj = names.pop(ref, pid)
                    wp.deliver((DOWN, ref, PROCESS, obj, reason))
        if node._timers_by_dest:
            node.cancel_timers_of(pid)
        if self.on_exit:
            for cb in self.on_exit:
                try:
                    cb(self)
                except Exception as e:  # a hook must not stop the others or the exit
                    _report_hook_failure(self, cb, e)


def _report_hook_failure(proc: Process, hook: Any, exc: Exception) -> None:
    report_error("exit_hook_failed", pid=safe_repr(proc.handle), hook=safe_repr(hook), reason=safe_repr(exc))


def _expire(proc: Process, expired: list[bool]) -> None:
    """A receive's timeout passed: flag it and wake the process if it waits."""
    expired[0] = True
    if proc.recv_wait:
        proc.recv_wait = False
        proc.sched.wake(proc)


def _timeout_seconds(timeout: Any) -> float | None:
    if timeout is None or timeout == "infinity":
        return None
    if timeout.__class__ is int or timeout.__class__ is float:
        if timeout >= 0:
            return float(timeout) / 1000.0
    raise ErlangError(Atom("timeout_value"))

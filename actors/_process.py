"""A process: an asyncio task with a pid, a mailbox, links, monitors and exit signals.

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

import structlog

from ._match import TIMEOUT, matches
from ._terms import Atom, ErlangError, Pid, Ref

if TYPE_CHECKING:
    from ._node import Node

__all__ = ["Process", "Exit", "current", "current_or_none", "Entity"]

_log = structlog.get_logger("actors")

NORMAL: Final = Atom("normal")
KILL: Final = Atom("kill")
KILLED: Final = Atom("killed")
NOPROC: Final = Atom("noproc")
EXIT: Final = Atom("EXIT")
DOWN: Final = Atom("DOWN")
PROCESS: Final = Atom("process")


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

    Subclasses implement `_exit_signal`. `handle` is the hashable term that names the
    entity (a `Pid`, or a port handle) and `links` the handles it is linked to.
    """

    __slots__ = ("handle", "node", "links", "alive", "__weakref__")

    handle: Any
    node: Node
    links: set[Any]
    alive: bool

    def _exit_signal(self, sender: Any, reason: Any, from_link: bool) -> None:
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
    """The runtime state of one process (internal: users hold its `Pid`)."""

    __slots__ = (
        "task",
        "q",
        "head",
        "holes",
        "waiter",
        "monitors",
        "monitored_by",
        "trap_exit",
        "name",
        "reason",
        "initial_call",
        "mark_ref",
        "mark_pos",
        "on_exit",
        "dictionary",
        "context",
        "waiting",
        "crash",
    )

    def __init__(self, node: Node, pid: Pid, initial_call: tuple[Any, ...]) -> None:
        self.handle = pid
        self.node = node
        self.links = set()
        self.alive = True
        self.task: asyncio.Task[Any] | None = None
        self.q: list[Any] = []
        self.head = 0
        self.holes = 0
        self.waiter: asyncio.Future[None] | None = None
        self.monitors: dict[Ref, Any] = {}  # monitors this process holds: ref -> target
        self.monitored_by: dict[Ref, Pid] = {}  # monitors on this process: ref -> watcher
        self.trap_exit = False
        self.name: Atom | None = None
        self.reason: Any = None
        self.initial_call = initial_call
        self.mark_ref: Ref | None = None
        self.mark_pos = 0
        self.on_exit: list[Callable[[Process], None]] | None = None
        self.dictionary: dict[Any, Any] = {}
        self.context = contextvars.Context()
        self.context.run(_current.set, self)
        self.waiting = False
        self.crash: BaseException | None = None

    @property
    def pid(self) -> Pid:
        return self.handle  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"<Process {self.handle!r}>"

    # -- mailbox -------------------------------------------------------------------

    def deliver(self, msg: Any) -> None:
        """Append `msg` to the mailbox and wake the process if it waits for one."""
        if self.alive:
            self.q.append(msg)
            w = self.waiter
            if w is not None:
                self.waiter = None
                if not w.done():
                    w.set_result(None)

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
        """Remove and return, in order, every queued message for which `pred` is true."""
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

    async def receive(self, patterns: tuple[Any, ...], timeout: Any) -> Any:
        """Selective receive; see `actors.receive`."""
        seconds = _timeout_seconds(timeout)
        i = self._start_for(patterns) if patterns else self.head
        handle: asyncio.TimerHandle | None = None
        timed_out = False
        try:
            while True:
                q = self.q
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
                if timed_out or seconds == 0.0:
                    return TIMEOUT
                if not self.alive:
                    raise asyncio.CancelledError()
                loop = self.node.loop
                w = self.waiter = loop.create_future()
                if seconds is not None and handle is None:
                    handle = loop.call_later(seconds, _wake, w)
                self.waiting = True
                try:
                    await w
                finally:
                    self.waiting = False
                    self.waiter = None
                if w.result() is TIMEOUT:
                    timed_out = True
        finally:
            if handle is not None:
                handle.cancel()

    # -- exit signals --------------------------------------------------------------

    def _exit_signal(self, sender: Any, reason: Any, from_link: bool) -> None:
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
        node.table.pop(pid, None)
        if self.name is not None:
            node.names.pop(self.name, None)
        self.q = []
        self.head = self.holes = 0
        w = self.waiter
        self.waiter = None
        if w is not None and not w.done():
            w.cancel()
        task = self.task
        if task is not None and task is not asyncio.current_task(node.loop):
            task.cancel()
        links, self.links = self.links, set()
        for h in links:
            other = node.table.get(h)
            if other is not None:
                other.links.discard(pid)
                other._exit_signal(pid, reason, True)
        for ref, target in self.monitors.items():
            t = node.table.get(target)
            if isinstance(t, Process):
                t.monitored_by.pop(ref, None)
        self.monitors = {}
        for ref, watcher in self.monitored_by.items():
            wp = node.table.get(watcher)
            if isinstance(wp, Process):
                wp.monitors.pop(ref, None)
                wp.deliver((DOWN, ref, PROCESS, pid, reason))
        self.monitored_by = {}
        node.cancel_timers_of(pid)
        if self.on_exit:
            for cb in self.on_exit:
                cb(self)


def _wake(w: asyncio.Future[Any]) -> None:
    if not w.done():
        w.set_result(TIMEOUT)


def _timeout_seconds(timeout: Any) -> float | None:
    if timeout is None or timeout == "infinity":
        return None
    if timeout.__class__ is int or timeout.__class__ is float:
        if timeout >= 0:
            return float(timeout) / 1000.0
    raise ErlangError(Atom("timeout_value"))

"""A process's mailbox: its message queue and Erlang's selective receive.

The mailbox is a list read from `head`; a message taken from the middle (selective
receive) leaves a hole that later compaction removes, so positions stay stable while a
receive scans and a scan never revisits messages it already tested. `mark_pos` is
Erlang's receive marker: the position the mailbox had when the newest reference was
made, so a receive waiting for that reference skips every older message.

A process waiting in `receive` sets `recv_wait`; `deliver` (and `actors.send`, which
inlines it) or the receive's timer put it back on the scheduler's run queue.

Everything here runs on the node's loop thread.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable, Final

from ._entity import Entity
from ._memory import BIG_QUEUE, release_soon
from ._match import TIMEOUT, matches
from ._sched import COMPILED, SUSPEND, suspend, yield_
from ._terms import Atom, ErlangError, Ref
from ._timer import Timer
from .atoms import INFINITY

if TYPE_CHECKING:
    from ._sched import Scheduler

__all__ = ["Mailbox", "NO_MESSAGES"]

NO_MESSAGES: Final[list[Any]] = []
"""The queue of a process that has never had a message: one list shared by all of them
and never appended to. Whatever appends to a queue gives the process a list of its own
first (``if q is NO_MESSAGES``); readers see an empty list. A spawn allocates one
garbage-collected object fewer, and the collector runs that much less often."""


class _Hole:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<taken>"


_HOLE: Final = _Hole()
# Final: compiled, a C static (a name imported from another module is a dict lookup)
_INFINITY: Final = INFINITY


class Mailbox(Entity):
    """The message queue of a process and the receive that reads it."""

    __slots__ = ("sched", "q", "head", "holes", "recv_wait", "mark_ref", "mark_pos")

    sched: Scheduler
    q: list[Any]
    head: int
    holes: int
    recv_wait: bool
    mark_ref: Ref | None
    mark_pos: int

    def deliver(self, msg: Any) -> None:
        """Append `msg` to the mailbox and wake the process if it waits for one."""
        if self.alive:
            q = self.q
            if q is NO_MESSAGES:
                q = self.q = []
            q.append(msg)
            if self.recv_wait:
                self.recv_wait = False
                self.sched.wake(self)  # type: ignore[arg-type]  # a mailbox is a process's

    def own_queue(self) -> list[Any]:
        """The process's own message list, made now if it has had no message yet (see
        `NO_MESSAGES`): for code that appends to it or keeps it (`deliver` and
        ``actors.send`` inline this)."""
        q = self.q
        if q is NO_MESSAGES:
            q = self.q = []
        return q

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
                if p is ref or (type(p) is tuple and ref in p):
                    return self.mark_pos
        return self.head

    async def receive(self, patterns: tuple[Any, ...], timeout: Any = "infinity") -> Any:
        """Selective receive; see `actors.receive`.

        Each message is tested once per receive: a scan resumes where the last one
        stopped when new messages arrive (unless the mailbox was rebuilt by `extract`).
        """
        if timeout is _INFINITY or timeout == "infinity":
            seconds = None
        else:
            seconds = _timeout_seconds(timeout)
        q = self.q
        if patterns:
            i = self._start_for(patterns)
            if i < len(q):  # the common case: the first message to look at matches
                m = q[i]
                if m is not _HOLE:
                    for p in patterns:
                        if matches(p, m):
                            return self._take(i)
                i += 1  # tested once: the scan below goes on after it
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
                        handle = Timer(self.sched.loop, seconds, _expire, (self, expired))
                self.recv_wait = True
                try:
                    if COMPILED:
                        await yield_(SUSPEND)
                    else:
                        await suspend()
                finally:
                    self.recv_wait = False
        finally:
            if handle is not None:
                handle.cancel()
            # a killed process's frame may outlive it in a traceback: it must not keep
            # the mailbox it was scanning (possibly huge) alive
            del q

    def drop_messages(self) -> None:
        """Empty the mailbox (the process ended); a large one gives its memory back."""
        if self.q:
            if len(self.q) - self.head >= BIG_QUEUE:
                release_soon(self.node)
            self.q = NO_MESSAGES
            self.head = self.holes = 0


def _expire(proc: Mailbox, expired: list[bool]) -> None:
    """A receive's timeout passed: flag it and wake the process if it waits."""
    expired[0] = True
    if proc.recv_wait:
        proc.recv_wait = False
        proc.sched.wake(proc)  # type: ignore[arg-type]  # a mailbox is a process's


def _timeout_seconds(timeout: Any) -> float | None:
    if timeout is None or timeout == "infinity":
        return None
    if type(timeout) is int or type(timeout) is float:
        if timeout >= 0:
            return float(timeout) / 1000.0
    raise ErlangError(Atom("timeout_value"))

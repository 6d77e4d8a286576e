"""A process's links and monitors, and Erlang's rules for the exit signals it receives.

When a process ends, `signal_exit` tells the entities linked to it (through the node's
queue of exit signals, `ExitSignals`, so that a long chain of links ends in constant
stack depth) and sends ``{'DOWN', Ref, process, Pid, Reason}`` to every process
monitoring it. Links, monitors and the by-name monitor table are created on first use, so
an idle process stays small.

Everything here runs on the node's loop thread.
"""

from __future__ import annotations

import collections
from typing import Any

from ._entity import Entity
from ._mailbox import Mailbox
from ._report import report_error, safe_repr
from ._terms import Atom, Pid, Ref
from .atoms import DOWN, EXIT, KILL, KILLED, NORMAL, PROCESS

__all__ = ["Signals", "ExitSignals"]


class ExitSignals:
    """A node's queue of exit signals sent by links of entities that ended.

    Signals are delivered from this queue, not by recursion: an entity that ends from
    one queues its own links' signals behind it, so a chain of any length of linked
    processes ends in constant stack depth. The outermost `send` delivers everything, so
    when it returns every consequence has happened."""

    __slots__ = ("pending", "delivering")

    def __init__(self) -> None:
        self.pending: collections.deque[tuple[Any, Any, list[Entity]]] = collections.deque()
        self.delivering = False

    def send(self, sender: Any, reason: Any, targets: list[Entity]) -> None:
        """Send the exit signal ``(sender, reason)`` of a link to each of `targets`; an
        entity whose `exit_signal` raises is reported and does not stop the others."""
        pending = self.pending
        pending.append((sender, reason, targets))
        if self.delivering:
            return
        self.delivering = True
        try:
            while pending:
                sender, reason, targets = pending.popleft()
                for t in targets:
                    try:
                        t.exit_signal(sender, reason, True)
                    except Exception as e:  # noqa: BLE001 - one faulty entity must not stop the rest
                        report_error("exit_signal_failed", entity=safe_repr(t), reason=safe_repr(e))
        finally:
            self.delivering = False


class Signals(Mailbox):
    """Links, monitors and exit-signal handling of a process."""

    __slots__ = ("_monitors", "_monitored_by", "_monitor_names", "trap_exit")

    _monitors: dict[Ref, Any] | None  # monitors this process holds: ref -> pid, or (name, node) of another node
    _monitored_by: dict[Ref, Pid] | None  # monitors on this process: ref -> watcher
    _monitor_names: dict[Ref, tuple[Atom, Atom]] | None  # by-name ones: ref -> (name, node)
    trap_exit: bool

    @property
    def monitors(self) -> dict[Ref, Any]:
        """The monitors this process holds: ref -> monitored pid (or ``(name, node)`` of
        another node, whose pid is known there)."""
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

    def add_monitor(self, ref: Ref, target: Signals, by_name: tuple[Atom, Atom] | None = None) -> None:
        """This process starts monitoring `target` under `ref` (by name if `by_name`)."""
        self.monitors[ref] = target.handle
        target.monitored_by[ref] = self.handle
        if by_name is not None:
            names = self._monitor_names
            if names is None:
                names = self._monitor_names = {}
            names[ref] = by_name

    def remove_monitor(self, ref: Ref) -> bool:
        """Drop the monitor `ref` this process holds; whether it was active (an active
        monitor has not fired: no DOWN for it is queued)."""
        mons = self._monitors
        target = mons.pop(ref, None) if mons else None
        names = self._monitor_names
        if names:
            names.pop(ref, None)
        if target is None:
            return False
        t = self.node.table.get(target)
        if isinstance(t, Signals):
            if t._monitored_by:
                t._monitored_by.pop(ref, None)
        elif self.node.dist is not None and _remote(target, self.node.name):
            self.node.dist.demonitor(self.handle, target, ref)
        return True

    def monitor_targets(self) -> list[Any]:
        """What each monitor this process holds watches: a pid or ``(name, node)``."""
        names = self._monitor_names or {}
        return [names.get(ref, pid) for ref, pid in (self._monitors or {}).items()]

    def exit_signal(self, sender: Any, reason: Any, from_link: bool) -> None:
        """Receive an exit signal from `sender`, by Erlang's rules: ``kill`` sent by
        ``exit/2`` ends the process with ``killed`` even when it traps exits; a trapping
        process gets ``{'EXIT', Sender, Reason}``; otherwise ``normal`` is ignored (unless
        a process sends it to itself) and any other reason ends the process."""
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
        raise NotImplementedError

    def signal_exit(self, reason: Any) -> None:
        """This process ended with `reason`: unlink it and signal its links, drop the
        monitors it held, send DOWN to the processes monitoring it (the caller skips the
        call when there are none of these)."""
        pid = self.handle
        node = self.node
        table = node.table
        remote: list[Any] | None = None  # links, monitors and watchers on other nodes
        links = self._links
        if links:
            self._links = None
            targets: list[Entity] = []
            for h in links:
                other = table.get(h)
                if other is not None:
                    if isinstance(other, Signals):
                        ol = other._links
                        if ol:
                            ol.discard(pid)
                    else:
                        other.links.discard(pid)
                    targets.append(other)
                elif node.dist is not None and _remote(h, node.name):
                    remote = remote or [[], [], []]
                    remote[0].append(h)
            node.exit_signals.send(pid, reason, targets)
        mons = self._monitors
        if mons:
            self._monitors = self._monitor_names = None
            for ref, target in mons.items():
                t = table.get(target)
                if isinstance(t, Signals):
                    if t._monitored_by:
                        t._monitored_by.pop(ref, None)
                elif node.dist is not None and _remote(target, node.name):
                    remote = remote or [[], [], []]
                    remote[1].append((ref, target))
        watchers = self._monitored_by
        if watchers:
            self._monitored_by = None
            for ref, watcher in watchers.items():
                wp = table.get(watcher)
                if wp is None and node.dist is not None and _remote(watcher, node.name):
                    remote = remote or [[], [], []]
                    remote[2].append((ref, watcher))
                if isinstance(wp, Signals) and wp._monitors:
                    wp._monitors.pop(ref, None)
                    obj: Any = pid
                    names = wp._monitor_names
                    if names:
                        obj = names.pop(ref, pid)
                    wp.deliver((DOWN, ref, PROCESS, obj, reason))
        if remote is not None:
            node.dist.ended(pid, reason, *remote)


def _remote(target: Any, here: str) -> bool:
    """Whether `target` (a pid or a ``(name, node)`` pair) is on another node."""
    if type(target) is Pid:
        return bool(target.node != here)
    return type(target) is tuple and len(target) == 2 and target[1] != here

"""Port identity: the `Port` handle and the base of every port actor.

A port is an entity of the node, like a process: it has a handle (`#Port<0.N>`), a
connected process (its owner) and a link to that owner. When the owner exits for any
reason the port closes; an exit signal with another abnormal reason closes it too.
Closing a port never sends an ``EXIT`` message to the owner (as in Erlang's inet driver).
"""

from __future__ import annotations

from typing import Any

from actors.atoms import NORMAL
from actors.runtime import Entity, Handle, Node, Pid, Process, add_entity, lookup, match_by_equality, remove_entity

__all__ = ["Port", "PortActor"]


class Port(Handle):
    """A port handle, printed as Erlang prints it: ``#Port<0.5>``. Immutable, hashable.

    It also remembers its live port actor (`actor`, not part of its identity), so the
    API reaches the port without a table lookup, which would hash the handle in Python.
    """

    __slots__ = ("actor",)

    actor: PortActor | None

    def __init__(self, node: str, number: int) -> None:
        super().__init__(node, number)
        object.__setattr__(self, "actor", None)

    @property
    def port_id(self) -> int:
        """The port's number on its node."""
        return self.number

    def __repr__(self) -> str:
        return f"#Port<0.{self.number}>"


match_by_equality(Port)  # a socket handle in a receive pattern matches by equality


class PortActor(Entity):
    """The base of a port actor: identity, owner, the link to it, and closing.

    Subclasses implement `_close_resources` (release the OS resources) and may extend
    `close`. The port is in the node's table from creation until it closes.
    """

    __slots__ = ("owner", "owner_proc", "name")

    owner: Pid
    name: str

    def __init__(self, node: Node, owner: Any, name: str) -> None:
        self.node = node
        self.handle = self._new_handle(node)
        self.owner = owner
        self.owner_proc: Process | None = None
        self.name = name
        self.links = set()
        self.alive = True
        add_entity(node, self)
        if self.handle.__class__ is Port:
            object.__setattr__(self.handle, "actor", self)
        self._watch_owner(owner)

    def _new_handle(self, node: Node) -> Any:
        """The port's handle (a subclass may name itself otherwise)."""
        return Port(node.name, node.new_port_id())

    def _watch_owner(self, owner: Pid) -> None:
        """Link to the owner, so that its exit closes the port."""
        proc = lookup(self.node, owner)
        if proc is not None:
            self.links.add(owner)
            proc.links.add(self.handle)

    def _unwatch_owner(self) -> None:
        old = lookup(self.node, self.owner)
        if old is not None:
            old.links.discard(self.handle)
        self.links.discard(self.owner)

    def deliver(self, msg: Any) -> None:
        """A message sent to a port with ``!`` is dropped (commands go through the API)."""

    def connect_owner(self, new_owner: Pid) -> None:
        """Make `new_owner` the connected process and move the link to it."""
        self._unwatch_owner()
        self.owner = new_owner
        self._watch_owner(new_owner)

    def owner_process(self) -> Process | None:
        """The owner's live `Process` (cached: the hot path of every delivery)."""
        proc = self.owner_proc
        if proc is None or not proc.alive or proc.handle != self.owner:
            found = lookup(self.node, self.owner)
            proc = self.owner_proc = found if isinstance(found, Process) else None
        return proc

    def exit_signal(self, sender: Any, reason: Any, from_link: bool) -> None:
        if not self.alive:
            return
        if sender == self.owner or reason != NORMAL:
            self.close()

    def close(self, signal_links: bool = False) -> None:
        """Close the port: leave the table, drop its links, release resources.

        The links end silently, except with `signal_links` (a process other than the
        owner closed the port): then linked processes get an exit signal ``normal``,
        so a trapping owner sees ``("EXIT", port, "normal")`` as in Erlang.
        """
        if not self.alive:
            return
        self.alive = False
        remove_entity(self.node, self)
        self.owner_proc = None
        if self.handle.__class__ is Port:
            object.__setattr__(self.handle, "actor", None)
        links, self.links = self.links, set()
        for h in links:
            e = lookup(self.node, h)
            if e is not None:
                e.links.discard(self.handle)
                if signal_links:
                    e.exit_signal(self.handle, NORMAL, True)
        self._close_resources()

    def _close_resources(self) -> None:
        raise NotImplementedError


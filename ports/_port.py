"""Port identity: the `Port` handle and the base of every port actor.

A port is an entity of the node, like a process: it has a handle (`#Port<0.N>`), a
connected process (its owner) and a watch on that owner. An inet port is *linked* to
its owner (Erlang's ports are); a socket-backend port *monitors* it (OTP's
``gen_tcp_socket`` server does), so a trapping owner never sees ``'EXIT'`` from it. Either
way the owner's exit closes the port. An exit signal closes a port and the port exits
with its reason, signalling its links in turn (`PortActor.exit_signal`); closed by
``gen_tcp:close/1`` from its owner, it ends its links silently.
"""

from __future__ import annotations

from typing import Any

from mypy_extensions import mypyc_attr

from actors.atoms import ERROR, KILL, KILLED, NORMAL, OK

from .atoms import E_BADARG, NOT_OWNER
from actors.runtime import (
    Entity,
    Handle,
    Node,
    Pid,
    Process,
    add_entity,
    cancel_on_exit,
    entities,
    link,
    lookup,
    match_by_equality,
    node_index,
    on_exit,
    on_shutdown,
    process_of,
    register_handle,
    remove_entity,
    unlink,
)

__all__ = ["Port", "PortActor", "ports_of"]


class Port(Handle):
    """A port handle, printed as Erlang prints it: ``#Port<0.5>``. Immutable, hashable.

    It also remembers its live port actor (`actor`, not part of its identity), so the
    API reaches the port without a table lookup, which would hash the handle in Python.
    """

    __slots__ = ("actor",)

    actor: PortActor | None

    def __init__(self, node: str, number: int) -> None:
        super().__init__(node, number)
        self.actor = None

    @property
    def port_id(self) -> int:
        """The port's number on its node."""
        return self.number

    def __repr__(self) -> str:
        return f"#Port<{node_index(self.node)}.{self.number}>"


match_by_equality(Port)  # a socket handle in a receive pattern matches by equality
register_handle("port", Port)  # ports travel in the external term format


def _close_ports(node: Node) -> None:
    """The node shuts down: close every port it still has."""
    for e in entities(node):
        if isinstance(e, PortActor):
            e.close()


def ports_of(node: Node) -> list[PortActor]:
    """Every open port of `node`."""
    return [e for e in entities(node) if isinstance(e, PortActor)]


@mypyc_attr(allow_interpreted_subclasses=True)  # TcpListen and the rest
class PortActor(Entity):
    """The base of a port actor: identity, owner, the watch on it, and closing.

    Subclasses implement `_close_resources` (release the OS resources). The port is in
    the node's table from creation until it closes. `monitors_owner` chooses how the
    owner is watched: a link (False) or a monitor (True). `handle` defaults to a new
    `Port`.
    """

    __slots__ = ("owner", "owner_proc", "monitors_owner")

    owner: Pid

    def __init__(self, node: Node, owner: Pid, handle: Any = None, monitors_owner: bool = False) -> None:
        self.node = node
        self.monitors_owner = monitors_owner
        self.handle = handle if handle is not None else Port(node.name, node.new_port_id())
        self.owner = owner
        self.owner_proc: Process | None = None
        self.links = set()
        self.alive = True
        add_entity(node, self)
        if _close_ports not in node.shutdown_hooks:
            on_shutdown(node, _close_ports)
        if type(self.handle) is Port:
            self.handle.actor = self
        self._watch_owner()

    # -- the owner ---------------------------------------------------------------------

    def _watch_owner(self) -> None:
        proc = self.owner_proc = process_of(self.node, self.owner)
        if self.monitors_owner:
            if isinstance(proc, Process) and proc.alive:
                on_exit(proc, self._owner_down)
            else:
                # monitoring a dead pid gives an immediate DOWN: the socket closes
                self.node.loop.call_soon(self._owner_gone, self.owner)
        elif proc is not None:
            link(self, proc)

    def _unwatch_owner(self) -> None:
        proc = process_of(self.node, self.owner)
        if proc is None:
            self.links.discard(self.owner)
        elif self.monitors_owner:
            if isinstance(proc, Process):
                cancel_on_exit(proc, self._owner_down)
        else:
            unlink(self, proc)

    def _owner_down(self, proc: Process) -> None:
        if self.alive and proc.handle == self.owner:
            self.close()

    def _owner_gone(self, owner: Pid) -> None:
        if self.alive and owner == self.owner:
            self.close()

    def connect_owner(self, new_owner: Pid) -> None:
        """Make `new_owner` the connected process and move the watch to it."""
        self._unwatch_owner()
        self.owner = new_owner
        self._watch_owner()

    def handover(self, caller: Pid, new_owner: Pid, dead_accepted: bool) -> tuple[Any, Process | None]:
        """The checks every ``controlling_process`` makes: ``(answer, None)`` when it
        ends here (``{error, not_owner}``; ``ok`` to the owner itself; ``{error, badarg}``
        for a dead new owner unless `dead_accepted`), else ``(None, live new owner or
        None)``."""
        if self.owner != caller:
            return (ERROR, NOT_OWNER), None
        if new_owner == caller:
            return OK, None
        target = process_of(self.node, new_owner)
        if target is None and not dead_accepted:
            return E_BADARG, None
        return None, target

    def owner_process(self) -> Process | None:
        """The owner's live `Process` (cached: the hot path of every delivery)."""
        proc = self.owner_proc
        if proc is None or not proc.alive or (proc.handle is not self.owner and proc.handle != self.owner):
            proc = self.owner_proc = process_of(self.node, self.owner)
        return proc

    def deliver(self, msg: Any) -> None:
        """A message sent to a port with ``!`` is dropped (commands go through the API)."""

    def exit_signal(self, sender: Any, reason: Any, from_link: bool) -> None:
        """An exit signal closes the port, which then exits with that reason (``kill``
        becomes ``killed``): its linked processes - the owner among them - get the
        signal in turn. Only a linked process other than the owner ending ``normal``
        leaves the port open. (erl: ``exit(Port, normal)`` from a third process closes
        the port, a trapping owner gets ``{'EXIT', Port, normal}``; ``exit(Port, boom)``
        kills a non-trapping owner with ``boom``; a linked process dying with ``boom``
        takes the port and then the owner with it.)"""
        if not self.alive:
            return
        if from_link and reason == NORMAL and sender != self.owner:
            return
        self.close(reason=KILLED if reason == KILL else reason)

    # -- closing -----------------------------------------------------------------------

    def close(self, reason: Any = None) -> None:
        """Close the port: leave the table, drop its links, release resources.

        With a `reason` the port exits with it: each linked process gets an exit
        signal (so a trapping owner sees ``("EXIT", port, reason)``); without, the
        links end silently (``gen_tcp:close/1`` by the owner).
        """
        if not self.alive:
            return
        self.alive = False
        if self.monitors_owner:
            self._unwatch_owner()
        remove_entity(self.node, self)
        self.owner_proc = None
        if type(self.handle) is Port:
            self.handle.actor = None
        links, self.links = self.links, set()
        for h in links:
            e = lookup(self.node, h)
            if e is not None:
                e.links.discard(self.handle)
                if reason is not None:
                    e.exit_signal(self.handle, reason, True)
        self._close_resources()

    def _close_resources(self) -> None:
        raise NotImplementedError

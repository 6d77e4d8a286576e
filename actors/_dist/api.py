"""The node functions of Erlang's API: ``nodes/0``, ``net_adm:ping/1``, ``monitor_node/2``,
``disconnect_node/1``; ``actors.rpc`` and remote spawns build on `dist_of`."""

from __future__ import annotations

from typing import Any

from .._process import Process, current
from .._terms import Atom, ErlangError
from ..atoms import BADARG

__all__ = ["nodes", "ping", "monitor_node", "disconnect_node", "dist_of"]

PONG = Atom("pong")
PANG = Atom("pang")


class _NotDistributed:
    """The distribution end of a node that is not distributed: no node is reachable."""

    def __init__(self, proc: Process) -> None:
        from .spawn import Spawns

        self.node = proc.node
        self.name = proc.node.name
        self.stopped = True
        self.spawns = Spawns(self)  # type: ignore[arg-type]

    def out(self, node: str, term: Any) -> bool:
        from .._etf import term_to_binary

        term_to_binary(term)  # a term outside the mapping is still badarg
        return False


def dist_of(proc: Process) -> Any:
    """The distribution end of `proc`'s node (one that reaches no node if the node is
    not distributed)."""
    return proc.node.dist if proc.node.dist is not None else _NotDistributed(proc)


def _node_name(node: Any) -> str:
    if not isinstance(node, str):
        raise ErlangError(BADARG)
    return str(node)


def nodes() -> list[Atom]:
    """``erlang:nodes/0``: the nodes this node is connected to."""
    dist = current().node.dist
    return [] if dist is None else list(dist.nodes())


async def ping(node: Any) -> Atom:
    """``net_adm:ping/1``: ``pong`` when `node` answers (connecting to it), else ``pang``."""
    me = current()
    name = _node_name(node)
    dist = me.node.dist
    if name == me.node.name:
        return PONG if dist is not None else PANG
    if dist is None or dist.stopped:
        return PANG
    return PONG if await dist.transport.connect(name) else PANG


def monitor_node(node: Any, flag: Any) -> bool:
    """``erlang:monitor_node/2``: with True the caller gets ``("nodedown", node)`` when
    the connection to `node` is lost (at once if it cannot be made); each call with True
    asks for one message, False cancels one. Returns True."""
    me = current()
    name = _node_name(node)
    if flag.__class__ is not bool:
        raise ErlangError(BADARG)
    dist = me.node.dist
    if name == me.node.name:
        return True
    if dist is None or dist.stopped:
        if flag:
            me.deliver((Atom("nodedown"), Atom(name)))
        return True
    dist.monitor_node(me, name, flag)
    if flag and name not in dist.transport.nodes():
        me.node.loop.create_task(_connect_or_down(dist, name))
    return True


async def _connect_or_down(dist: Any, name: str) -> None:
    if not await dist.transport.connect(name) and name not in dist.transport.nodes():
        dist.nodedown(name, "connect_failed")


def disconnect_node(node: Any) -> bool:
    """``erlang:disconnect_node/1``: drop the connection (the other side sees this node
    go down); False when there was none."""
    me = current()
    name = _node_name(node)
    dist = me.node.dist
    if dist is None or dist.stopped or name == me.node.name:
        return False
    if name not in dist.transport.nodes():
        return False
    return bool(dist.transport.disconnect(name))

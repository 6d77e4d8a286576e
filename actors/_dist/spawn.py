"""Spawning on another node: functions named by reference, requests and their replies.

A function crosses nodes as its module and qualified name (an MFA): the other node
imports it. ``spawn(node, fn, *args)`` sends ``SPAWN_REQUEST`` and waits for
``SPAWN_REPLY`` with the new pid; the link or monitor it asks for is made on the other
node before the process runs, and here when the reply arrives, before any later frame.
When the node cannot be reached, Erlang's answer: a pid that is already dead, a warning,
and for ``spawn_link`` / ``spawn_monitor`` an exit signal / ``DOWN`` with ``noconnection``.
A function the other node cannot find gives a process there that exits with ``undef``.
"""

from __future__ import annotations

import asyncio
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import structlog

from .._process import Process
from .._report import safe_repr
from .._terms import Atom, Badarg, ErlangError, Pid, Ref
from ..atoms import DOWN, PROCESS

if TYPE_CHECKING:
    from .runtime import Dist

__all__ = ["Spawns", "fn_ref", "resolve"]

log = structlog.get_logger("actors.dist")

UNDEF = Atom("undef")


def fn_ref(fn: Any) -> tuple[str, str]:
    """The (module, qualified name) another node imports `fn` by; badarg for a function
    that has none (a lambda, a nested function)."""
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    if not callable(fn) or not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        raise Badarg()
    return module, qualname


def resolve(module: str, qualname: str) -> Callable[..., Any] | None:
    """The function a (module, qualified name) pair names on this node, or None."""
    try:
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except Exception:  # noqa: BLE001 - any failure to find it is undef
        return None
    return obj if callable(obj) else None


async def _undef(module: str, qualname: str, args: list[Any]) -> None:
    raise ErlangError((UNDEF, [(Atom(module), Atom(qualname), args, [])]), "exit")


@dataclass
class _Pending:
    node: str
    future: asyncio.Future[Pid]
    proc: Process
    link: bool
    monitor: bool


class Spawns:
    """A node's spawn requests: those it sent (waiting for a reply) and those it serves."""

    def __init__(self, dist: Dist) -> None:
        self.dist = dist
        self.pending: dict[Ref, _Pending] = {}

    async def spawn(self, me: Process, node: str, fn: Any, args: tuple[Any, ...], link: bool, monitor: bool) -> tuple[Pid, Ref]:
        """Start ``fn(*args)`` on `node` for `me`; the pid and the request's ref (the
        monitor's ref when `monitor`)."""
        from .runtime import SPAWN_REQUEST

        module, qualname = fn_ref(fn)
        dist = self.dist
        ref = dist.node.make_ref()
        me.mark(ref)
        fut: asyncio.Future[Pid] = dist.node.loop.create_future()
        request = (SPAWN_REQUEST, ref, me.handle, Atom(module), Atom(qualname), tuple(args), link, monitor)
        self.pending[ref] = _Pending(node, fut, me, link, monitor)
        try:
            if not dist.out(node, request):
                self._failed(ref)
            return await fut, ref
        finally:
            if fut.done():
                self.pending.pop(ref, None)
            # else: `me` was killed while waiting: the reply, when it comes, ends what
            # was asked for (see `reply`); a lost node drops the request (`nodedown`)

    def _failed(self, ref: Ref) -> None:
        """`node` cannot be reached: a dead pid, as Erlang gives, with the signals."""
        from .runtime import NOCONNECTION

        p = self.pending.pop(ref, None)
        if p is None or p.future.done():
            return
        pid = p.proc.node.new_pid()
        log.warning("remote_spawn_failed", node=self.dist.name, peer=p.node, link=p.link, monitor=p.monitor)
        p.future.set_result(pid)
        if p.link:
            p.proc.exit_signal(pid, NOCONNECTION, True)
        if p.monitor:
            p.proc.deliver((DOWN, ref, PROCESS, pid, NOCONNECTION))

    def nodedown(self, node: str) -> None:
        for ref in [r for r, p in self.pending.items() if p.node == node]:
            self._failed(ref)

    def reply(self, node: str, ref: Ref, to: Pid, pid: Pid) -> None:
        """``SPAWN_REPLY``: the process runs on `node`; make our side of the link or
        monitor now, before any later frame from that node."""
        p = self.pending.pop(ref, None)
        if p is None:
            return
        me = p.proc
        if not me.alive:  # the requester died meanwhile: end what it asked for
            if p.link:
                self.dist.out(node, (3, to, pid, Atom("noproc")))
            if p.monitor:
                self.dist.demonitor(to, pid, ref)
            return
        if p.link:
            me.links.add(pid)
        if p.monitor:
            me.monitors[ref] = pid
        if not p.future.done():
            p.future.set_result(pid)

    def request(self, node: str, ref: Ref, sender: Pid, module: Any, qualname: Any,
                args: Any, link: bool, monitor: bool) -> None:
        """``SPAWN_REQUEST`` from `node`: start the process, linked to or monitored by
        the requester as asked, and reply with its pid."""
        from .runtime import SPAWN_REPLY

        local = self.dist.node
        fn = resolve(str(module), str(qualname))
        argv = args if isinstance(args, tuple) else (args,)  # a tuple: a list of bytes would be a string
        if fn is None:
            log.warning("remote_spawn_undef", node=local.name, module=safe_repr(module), function=safe_repr(qualname))
            fn, argv = _undef, (str(module), str(qualname), list(argv))
        proc, _ = local.spawn(fn, argv)
        if link:
            proc.links.add(sender)
        if monitor:
            proc.monitored_by[ref] = sender
        self.dist.out(node, (SPAWN_REPLY, ref, sender, proc.handle))

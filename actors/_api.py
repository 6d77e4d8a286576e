"""The process API with Erlang's names and results: spawn, send, receive, links, ...

Every function acts for the calling process (`self()`), found through a context
variable set in each process's own context (see `actors._sched`). `send` and the
`spawn` family never block; `receive` and `sleep` are coroutines.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Coroutine, Final

from ._node import Node
from ._entity import Entity, Exit
from ._info import process_info
from ._mailbox import NO_MESSAGES
from ._process import Process, _get_current, current
from ._sched import RUNNING as _RUNNING
from ._spawn import spawn_plain
from ._timer import Timer
from ._terms import Atom, ErlangError, Handle, Pid, Ref
from .atoms import BADARG, DOWN, EXIT, INFINITY, NOPROC, OK, PROCESS, UNDEFINED

_INFINITY: Final = INFINITY  # compiled, a C static: a default is evaluated at each call

__all__ = [
    "spawn",
    "spawn_link",
    "spawn_monitor",
    "self",
    "send",
    "receive",
    "link",
    "unlink",
    "monitor",
    "demonitor",
    "exit",
    "process_flag",
    "register",
    "unregister",
    "whereis",
    "registered",
    "is_process_alive",
    "processes",
    "process_info",
    "make_ref",
    "send_after",
    "cancel_timer",
    "sleep",
    "node",
]

def _badarg() -> ErlangError:
    return ErlangError(BADARG)


_NO_TERM: Final = object()


def node(term: Any = _NO_TERM) -> Atom:
    """``erlang:node/0,1``: the name of the calling process's node (``nonode@nohost``
    when it is not distributed), or the node of a pid, reference or port."""
    if term is _NO_TERM:
        return Atom(current().node.name)
    if isinstance(term, (Pid, Handle)):
        return Atom(term.node)
    raise _badarg()


def spawn(fn: Any, *args: Any) -> Any:
    """``erlang:spawn/1,3``: start ``fn(*args)`` (an ``async def``) as a new process.

    ``spawn(node, fn, *args)`` starts it on another node: `fn` is then named by its
    module and qualified name (the other node imports it), and the call is a coroutine
    whose result is the new pid (as it waits for that node's answer)."""
    if type(fn) is not Atom and not isinstance(fn, str):
        return spawn_plain(current().sched, fn, args)
    return _spawn_on(current(), fn, args, False, False, 0)


def spawn_link(fn: Any, *args: Any) -> Any:
    """``erlang:spawn_link``: spawn and link the new process to the caller, atomically;
    ``spawn_link(node, fn, *args)`` on another node (a coroutine)."""
    me = current()
    if isinstance(fn, str):
        return _spawn_on(me, fn, args, True, False, 0)
    return me.node.spawn(fn, args, link_to=me)[0].handle


def spawn_monitor(fn: Any, *args: Any) -> Any:
    """``erlang:spawn_monitor``: spawn and monitor; returns ``(pid, ref)``;
    ``spawn_monitor(node, fn, *args)`` on another node (a coroutine)."""
    me = current()
    if isinstance(fn, str):
        return _spawn_on(me, fn, args, False, True, 1)
    proc, ref = me.node.spawn(fn, args, monitor_by=me)
    assert ref is not None
    me.mark(ref)
    return proc.handle, ref


def _spawn_on(me: Process, node_name: str, args: tuple[Any, ...], link: bool, monitor: bool, shape: int) -> Any:
    if not args:
        raise _badarg()
    fn, rest = args[0], args[1:]
    if node_name == me.node.name:
        local = spawn_monitor(fn, *rest) if monitor else spawn_link(fn, *rest) if link else spawn(fn, *rest)
        return _value(local)
    return _remote_spawn(me, node_name, fn, rest, link, monitor, shape)


async def _value(v: Any) -> Any:
    return v


async def _remote_spawn(me: Process, node_name: str, fn: Any, args: tuple[Any, ...], link: bool, monitor: bool, shape: int) -> Any:
    from ._dist.api import dist_of

    pid, ref = await dist_of(me).spawns.spawn(me, str(node_name), fn, args, link, monitor)
    return (pid, ref) if shape else pid


def self() -> Pid:
    """``erlang:self/0``: the calling process's pid."""
    return current().handle  # type: ignore[no-any-return]


def send(dest: Any, msg: Any) -> Any:
    """``erlang:send/2`` (``Dest ! Msg``): returns `msg`.

    `dest` is a pid, a registered name, or a port handle. A message to a dead pid is
    dropped silently; an unregistered name raises `badarg`, as in Erlang.
    """
    if _RUNNING is not None:  # compiled: the C step knows the process
        node = current().node
    else:  # interpreted: the context variable's own get, without a call of current()
        try:
            node = _get_current().node
        except LookupError:
            node = current().node  # raises not_a_process
    if type(dest) is Pid:
        e = dest.proc
        if e is None or e.node is not node:
            e = node.table.get(dest)
        if type(e) is Process:  # Process.deliver, inlined: the hot path
            if e.alive:
                q = e.q
                if q is NO_MESSAGES:
                    q = e.q = []
                q.append(msg)
                if e.recv_wait:
                    e.recv_wait = False
                    e.sched.wake(e)
        elif e is not None:
            e.deliver(msg)
        elif dest.node != node.name and node.dist is not None:
            node.dist.send(dest, msg)  # another node's process (one that is not distributed reaches none)
        return msg
    if isinstance(dest, str):
        h = node.names.get(dest)
        if h is None:
            raise _badarg()
        e = node.table.get(h)
        if e is not None:
            e.deliver(msg)  # type: ignore[attr-defined]
        return msg
    if type(dest) is tuple and len(dest) == 2 and isinstance(dest[0], str) and isinstance(dest[1], str):
        name, where = dest
        if where == node.name:  # {Name, node()} ! Msg: an unregistered name drops it, as Erlang
            e = node.resolve(name)
            if e is not None:
                e.deliver(msg)  # type: ignore[attr-defined]
        elif node.dist is not None:
            node.dist.reg_send(current().handle, name, where, msg)
        return msg
    e = node.table.get(dest) if _hashable(dest) else None
    if e is not None and hasattr(e, "deliver"):
        e.deliver(msg)
        return msg
    raise _badarg()


def _hashable(x: Any) -> bool:
    try:
        hash(x)
    except TypeError:
        return False
    return True


def receive(*patterns: Any, timeout: Any = _INFINITY) -> Coroutine[Any, Any, Any]:
    """Erlang's ``receive``: take the first queued message that matches a pattern.

    With no pattern it takes the first message. Patterns: `ANY`, tuples (element by
    element), classes, predicates, or values compared with ``==``. `timeout` is in
    milliseconds (``"infinity"`` by default, 0 polls); when it passes the result is
    `TIMEOUT`. A negative or non-numeric timeout raises ``timeout_value``.

    It is a plain function returning the process's receive coroutine (one coroutine
    fewer per call); ``await actors.receive(...)`` is all a caller sees.
    """
    if _RUNNING is not None:  # (as in `send`)
        me = current()
    else:
        try:
            me = _get_current()
        except LookupError:
            me = current()  # raises not_a_process
    return me.receive(patterns, timeout)


def _entity(node: Node, handle: Any) -> Entity | None:
    if not _hashable(handle):
        return None
    return node.table.get(handle)


def link(target: Any) -> bool:
    """``erlang:link/1``: link the caller to a process or port; returns True.

    Linking to a dead process raises ``noproc`` unless the caller traps exits, when it
    gets ``("EXIT", pid, noproc)`` instead, as in Erlang.
    """
    me = current()
    if not isinstance(target, Pid) and not hasattr(target, "port_id"):
        raise _badarg()
    if target == me.handle:
        return True
    other = _entity(me.node, target)
    if other is None and type(target) is Pid and target.node != me.node.name:
        return _link_remote(me, target)
    if other is None or not other.alive:
        if me.trap_exit:
            me.deliver((EXIT, target, NOPROC))
            return True
        raise ErlangError(NOPROC)
    me.links.add(target)
    other.links.add(me.handle)
    return True


def _link_remote(me: Process, target: Pid) -> bool:
    if target in me.links:
        return True
    me.links.add(target)
    if me.node.dist is not None:
        me.node.dist.link(me, target)
    else:
        me.links.discard(target)
        me.exit_signal(target, Atom("noconnection"), True)
    if not me.alive:  # the node cannot be reached and the caller does not trap exits
        raise Exit(me.reason)
    return True


def unlink(target: Any) -> bool:
    """``erlang:unlink/1``: remove a link (if any); returns True."""
    me = current()
    if not isinstance(target, Pid) and not hasattr(target, "port_id"):
        raise _badarg()
    was = target in me.links
    me.links.discard(target)
    other = _entity(me.node, target)
    if other is not None:
        other.links.discard(me.handle)
    elif was and type(target) is Pid and target.node != me.node.name and me.node.dist is not None:
        me.node.dist.unlink(me.handle, target)
    return True


def monitor(kind: Any, target: Any) -> Ref:
    """``erlang:monitor(process, PidOrName)``: returns a reference.

    When the target ends (or is already gone) the caller gets
    ``("DOWN", ref, "process", target, reason)``; ``noproc`` for a dead target.
    """
    me = current()
    if kind != "process":
        raise _badarg()
    node = me.node
    ref = node.make_ref()
    me.mark(ref)
    by_name: tuple[Atom, Atom] | None = None
    obj: Any = target
    if isinstance(target, Pid):
        proc = node.table.get(target)
        if proc is None and target.node != node.name:
            return _monitor_remote(me, ref, target, None)
    elif isinstance(target, str):
        obj = by_name = (Atom(target), Atom(node.name))
        h = node.names.get(target)
        proc = node.table.get(h) if h is not None else None
    elif type(target) is tuple and len(target) == 2 and isinstance(target[0], str) and isinstance(target[1], str):
        obj = by_name = (Atom(target[0]), Atom(target[1]))
        if target[1] != node.name:
            return _monitor_remote(me, ref, by_name, by_name)
        h = node.names.get(target[0])
        proc = node.table.get(h) if h is not None else None
    else:
        raise _badarg()
    if isinstance(proc, Process) and proc.alive:
        me.add_monitor(ref, proc, by_name)
    else:
        me.deliver((DOWN, ref, PROCESS, obj, NOPROC))
    return ref


def _monitor_remote(me: Process, ref: Ref, target: Any, by_name: tuple[Atom, Atom] | None) -> Ref:
    """`me` monitors a process of another node: recorded here, asked of that node (a
    node that cannot be reached fires the monitor with ``noconnection``)."""
    me.monitors[ref] = target
    if by_name is not None:
        names = me._monitor_names
        if names is None:
            names = me._monitor_names = {}
        names[ref] = by_name
    dist = me.node.dist
    if dist is not None:
        dist.monitor(me, target, ref)
    else:
        me.monitors.pop(ref, None)
        if me._monitor_names:
            me._monitor_names.pop(ref, None)
        me.deliver((DOWN, ref, PROCESS, target, Atom("noconnection")))
    return ref


def demonitor(ref: Any, options: Any = ()) -> bool:
    """``erlang:demonitor/1,2``: remove a monitor; option ``"flush"`` also drops its
    ``DOWN`` message if one is queued. Returns True (``info`` is not supported)."""
    me = current()
    if not isinstance(ref, Ref) or not isinstance(options, (list, tuple)):
        raise _badarg()
    for o in options:
        if o not in ("flush", "info"):
            raise _badarg()
    removed = me.remove_monitor(ref)
    # An active monitor has not fired, so no DOWN for it can be queued: flush scans the
    # mailbox only for a monitor that already fired (or never was).
    if not removed and "flush" in options:
        me.extract(lambda m: type(m) is tuple and len(m) == 5 and m[0] == DOWN and m[1] == ref)
    if "info" in options:
        return removed
    return True


_NO_REASON: Final = object()


def exit(target: Any, reason: Any = _NO_REASON) -> bool:
    """``erlang:exit/1`` and ``erlang:exit/2``.

    ``exit(reason)`` ends the calling process with `reason` (it raises `Exit`).
    ``exit(pid, reason)`` sends an exit signal: ``normal`` is ignored by another process,
    ``kill`` cannot be trapped (the target ends with ``killed``), anything else ends a
    process that does not trap exits and reaches one that does as
    ``("EXIT", sender, reason)``. Returns True.
    """
    if reason is _NO_REASON:
        raise Exit(target)
    me = current()
    if not isinstance(target, Pid) and not hasattr(target, "port_id"):
        raise _badarg()
    other = _entity(me.node, target)
    if other is not None:
        other.exit_signal(me.handle, reason, False)
        if other is me and not me.alive:
            raise Exit(me.reason)
    elif type(target) is Pid and target.node != me.node.name and me.node.dist is not None:
        me.node.dist.exit2(me.handle, target, reason)
    return True


def process_flag(flag: Any, value: Any) -> Any:
    """``erlang:process_flag/2``: only ``trap_exit`` is supported; returns the old value."""
    me = current()
    if flag != "trap_exit" or type(value) is not bool:
        raise _badarg()
    old = me.trap_exit
    me.trap_exit = value
    return old


def register(name: Any, pid: Any) -> bool:
    """``erlang:register/2``: `badarg` if the name is taken, ``undefined``, the process is
    dead or already has a name."""
    me = current()
    node = me.node
    if not isinstance(name, str) or name == UNDEFINED or name in node.names:
        raise _badarg()
    e = _entity(node, pid)
    if not isinstance(e, Process) or not e.alive or e.name is not None:
        raise _badarg()
    node.names.add(name, e)
    return True


def unregister(name: Any) -> bool:
    """``erlang:unregister/1``: `badarg` if the name is not registered."""
    node = current().node
    if not isinstance(name, str) or name not in node.names:
        raise _badarg()
    e = node.table.get(node.names[name])
    node.names.remove(name, e if isinstance(e, Process) else None)
    return True


def whereis(name: Any) -> Any:
    """``erlang:whereis/1``: the pid registered as `name`, or ``undefined``."""
    node = current().node
    if not isinstance(name, str):
        raise _badarg()
    return node.names.get(name, UNDEFINED)


def registered() -> list[Atom]:
    """``erlang:registered/0``: every registered name."""
    return [Atom(n) for n in current().node.names]


def is_process_alive(pid: Any) -> bool:
    """``erlang:is_process_alive/1``; `badarg` if `pid` is not a pid."""
    node = current().node
    if not isinstance(pid, Pid) or pid.node != node.name:  # a remote pid is badarg too
        raise _badarg()
    e = node.table.get(pid)
    return isinstance(e, Process) and e.alive


def processes() -> list[Pid]:
    """``erlang:processes/0``: the pids of every live process on the node."""
    return [p.handle for p in current().node.processes()]


def make_ref() -> Ref:
    """``erlang:make_ref/0``: a new unique reference.

    It also sets the caller's receive marker, so a receive waiting for this reference
    skips the messages that were queued before it was made.
    """
    me = current()
    ref = me.node.make_ref()
    me.mark(ref)
    return ref


def send_after(ms: Any, dest: Any, msg: Any) -> Ref:
    """``erlang:send_after/3``: deliver `msg` to `dest` after `ms` milliseconds."""
    return current().node.timers.send_after(ms, dest, msg)


def cancel_timer(ref: Any) -> Any:  # int | bool, which mypyc would make an int
    """``erlang:cancel_timer/1``: the milliseconds that were left, or False if the timer
    already fired or was cancelled."""
    timers: Any = current().node.timers  # untyped for mypyc, as the result is
    return timers.cancel(ref)


def sleep(ms: Any) -> Coroutine[Any, Any, Atom]:
    """``timer:sleep/1``: suspend the calling process for `ms` milliseconds (or
    ``infinity``), never less; returns ``ok``. Messages stay queued."""
    return _sleep(ms)  # a compiled async def has no docstring: this plain function has


async def _sleep(ms: Any) -> Atom:
    me = current()
    fut: asyncio.Future[None] = me.node.loop.create_future()
    if ms == "infinity":
        await fut
    if type(ms) is not int or ms < 0:
        raise _badarg()
    timer = Timer(me.node.loop, ms / 1000.0, _wake_sleeper, (fut,))
    try:
        await fut
    finally:
        timer.cancel()
    return OK


def _wake_sleeper(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)

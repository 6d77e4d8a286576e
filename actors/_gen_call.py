"""The client side of ``gen_server``: `call`, `cast`, `reply`, `stop` and server names.

A call to a live server on this node takes a fast path that builds only what OTP builds
(a reference, a monitor, the request message) and waits for the reply without the
general pattern machinery: the caller lets the server take its step first (it goes to
the back of the run queue, as a process does after ``erlang:yield()``), and the reply is
then, in the common case, the first message after the receive marker. Only when it is
not there yet does the caller wait in an ordinary selective receive with its timeout.
"""

from __future__ import annotations

from typing import Any, Final

from . import global_registry
from ._api import demonitor, monitor, receive, self, send, whereis
from ._entity import Exit
from ._match import ANY, TIMEOUT
from ._process import Process, _get_current, current
from ._sched import COMPILED, yield_
from ._sched import RUNNING as _RUNNING
from ._terms import Atom, Badarg, ErlangError, Pid, Ref
from ._yield import step
from .atoms import DOWN, FUNCTION_CLAUSE, INFINITY, NOPROC, NORMAL, OK, PROCESS
from .atoms import TIMEOUT as TIMEOUT_ATOM

__all__ = ["call", "cast", "reply", "stop", "whereis_server", "CALL", "CAST", "SYSTEM", "ALIAS"]

CALL: Final = Atom("$gen_call")
CAST: Final = Atom("$gen_cast")
SYSTEM: Final = Atom("system")
ALIAS: Final = Atom("alias")
GEN_SERVER: Final = Atom("gen_server")
_CALL_FN: Final = Atom("call")
_TERMINATE: Final = Atom("terminate")
_DEFAULT: Final = object()
_FLUSH: Final = ["flush"]
_next: Final = next  # compiled, a C static; `next` would be looked up in builtins


def _exit(reason: Any) -> ErlangError:
    return ErlangError(reason, "exit")


def whereis_server(server: Any) -> Any:
    """The pid `server` names now: a pid, a registered name, ``("local", name)``,
    ``(name, node)`` of this node, ``("global", name)`` or ``("via", module, name)``;
    None when there is no such process; `Badarg` for anything else. ``(name, node)`` of
    another node stays as it is: that node resolves the name when the message arrives."""
    if type(server) is Pid:
        return server
    if type(server) is tuple and len(server) == 3 and server[0] == "via":
        pid = server[1].whereis_name(server[2])
        return pid if type(pid) is Pid else None
    if type(server) is tuple and len(server) == 2:
        if server[0] == "global":
            pid = global_registry.whereis_name(server[1])
            return pid if type(pid) is Pid else None
        if server[0] == "local":
            server = server[1]
        elif server[1] == current().node.name:
            server = server[0]
        elif isinstance(server[0], str) and isinstance(server[1], str):
            return server
        else:
            return None
    if isinstance(server, str):
        pid = whereis(server)
        return pid if type(pid) is Pid else None
    raise Badarg()


async def call(server: Any, request: Any, timeout: Any = _DEFAULT) -> Any:
    """``gen_server:call/2,3``: send `request` and wait for the reply (`timeout` ms,
    5000 by default, or ``"infinity"``). `server`: a pid, a registered name,
    ``(name, node)`` or ``("local", name)``.

    Raises `ErlangError` of kind ``"exit"``: ``("timeout", ("gen_server", "call",
    [server, request, timeout]))``, ``("noproc", ...)`` when there is no such server,
    ``(Reason, ...)`` when it ends with Reason before replying,
    ``("calling_self", ...)``, ``("function_clause", ...)`` for a bad timeout (Erlang's
    first element is ``{function_clause, Stack}``). As in Erlang, the argument list has no timeout when the
    call gave none. No monitor, ``DOWN`` or late reply is left behind."""
    ms: Any = 5000
    if timeout is not _DEFAULT:
        ms = timeout
        if not ((type(ms) is int or type(ms) is float) and ms >= 0) and ms != INFINITY:
            raise _exit((FUNCTION_CLAUSE, _mfa(server, request, timeout)))
    local = True
    if type(server) is Pid:
        pid: Any = server
    else:
        pid = whereis_server(server)
        if pid is None:
            raise _exit((NOPROC, _mfa(server, request, timeout)))
        local = type(pid) is Pid  # else (name, node) of another node
    if _RUNNING is not None:  # (as in `actors.send`)
        me = current()
    else:
        try:
            me = _get_current()
        except LookupError:
            me = current()  # raises not_a_process
    if not local:
        return await _call_other(me, pid, server, request, timeout, ms)
    target: Pid = pid
    proc: Process | None = target.proc  # the live local process, or None
    if proc is me:
        raise _exit((Atom("calling_self"), _mfa(server, request, timeout)))
    if proc is None or not proc.alive or proc.node is not me.node:
        return await _call_other(me, pid, server, request, timeout, ms)
    # monitor, mark, send: `actors.monitor` and `actors.send` inlined
    sched = me.sched
    ref = Ref(sched.name, _next(sched.refs))  # `Node.make_ref`, inlined
    mons = me._monitors
    if mons is None:
        mons = me._monitors = {}
    mons[ref] = pid
    watchers = proc._monitored_by
    if watchers is None:
        watchers = proc._monitored_by = {}
    watchers[ref] = me.handle
    q = me.own_queue()  # the reply is looked for in this list
    pos = len(q)
    me.mark_ref = ref
    me.mark_pos = pos
    proc.own_queue().append((CALL, (me.handle, [ALIAS, ref]), request))
    if proc.recv_wait:
        proc.recv_wait = False
        proc.sched.wake(proc)
    msg: Any = None
    if ms != 0:  # Erlang's `after 0` looks once, before the server could run
        if COMPILED:
            await yield_(None)
        else:
            await step()
        if me.q is q and pos < len(q):
            m = q[pos]
            if type(m) is tuple and m[0] is ref and len(m) == 2:
                if pos == me.head and pos + 1 == len(q):  # the only message: `_take`, inlined
                    msg = m
                    q.clear()
                    me.head = me.mark_pos = 0
                else:
                    msg = me._take(pos)
    if msg is None:
        msg = await me.receive(((ref, ANY), (DOWN, ref, ANY, ANY, ANY)), ms)
        if msg is TIMEOUT:
            demonitor(ref, _FLUSH)
            raise _exit((TIMEOUT_ATOM, _mfa(server, request, timeout)))
        if msg[0] is not ref:
            raise _exit((msg[4], _mfa(server, request, timeout)))
    # demonitor: an active monitor has no DOWN queued; one that fired after the reply has
    try:
        del mons[ref]
    except KeyError:
        demonitor(ref, _FLUSH)
    else:
        watchers = proc._monitored_by
        if watchers:
            try:
                del watchers[ref]
            except KeyError:
                pass
    return msg[1]


async def _call_other(me: Any, pid: Any, server: Any, request: Any, timeout: Any, ms: Any) -> Any:
    """A call to a process that is gone or not of this node: the general path (a reply
    from another node carries an equal ref, not the same object)."""
    ref = monitor(PROCESS, pid)
    send(pid, (CALL, (me.handle, [ALIAS, ref]), request))
    msg = await me.receive(((ref, ANY), (DOWN, ref, ANY, ANY, ANY)), ms)
    if msg is TIMEOUT:
        demonitor(ref, _FLUSH)
        raise _exit((TIMEOUT_ATOM, _mfa(server, request, timeout)))
    if len(msg) == 2:
        demonitor(ref, _FLUSH)
        return msg[1]
    raise _exit((msg[4], _mfa(server, request, timeout)))


def _mfa(server: Any, request: Any, timeout: Any) -> tuple[Atom, Atom, list[Any]]:
    args = [server, request] if timeout is _DEFAULT else [server, request, timeout]
    return (GEN_SERVER, _CALL_FN, args)


def cast(server: Any, msg: Any) -> Atom:
    """``gen_server:cast/2``: send `msg` to ``handle_cast``; ``ok`` even when there is
    no such server."""
    if type(server) is tuple and (len(server) == 3 and server[0] == "via" or len(server) == 2 and server[0] == "global"):
        module = global_registry if len(server) == 2 else server[1]
        try:  # as OTP: the module's send, its failure ignored
            module.send(server[-1], (CAST, msg))
        except (Exception, Exit):
            pass
        return OK
    try:
        pid = whereis_server(server)
    except Badarg:
        return OK
    if pid is not None:
        send(pid, (CAST, msg))
    return OK


def reply(from_: Any, reply: Any) -> Atom:
    """``gen_server:reply/2``: answer the call `from_` (the second argument of
    ``handle_call``), from any process; ``ok``. A caller that gave up gets nothing."""
    _reply_to(from_, reply)
    return OK


def _reply_to(from_: Any, reply: Any) -> None:
    tag = from_[1]
    if type(tag) is list and len(tag) == 2 and tag[0] == ALIAS:
        ref = tag[1]
        proc = from_[0].proc  # the live local process, or None (another node's)
        if proc is None and from_[0].node != current().node.name:
            send(from_[0], (ref, reply))
        elif proc is not None and proc.alive:
            mons = proc._monitors  # the alias is active while the caller's monitor is
            if mons and ref in mons:  # `Process.deliver`, inlined
                proc.own_queue().append((ref, reply))
                if proc.recv_wait:
                    proc.recv_wait = False
                    proc.sched.wake(proc)
    else:
        try:
            send(from_[0], (tag, reply))
        except ErlangError:
            pass


async def stop(server: Any, reason: Any = NORMAL, timeout: Any = INFINITY) -> Atom:
    """``gen_server:stop/1,3``: make the server run ``terminate(reason, state)`` and exit
    with `reason`; ``ok``. Raises `ErlangError` of kind ``"exit"`` with ``noproc`` if
    there is no such server, ``timeout`` if it did not end within `timeout` ms, or the
    reason it ended with if that was another."""
    pid = whereis_server(server)
    if pid is None:
        raise _exit(NOPROC)
    ref = monitor(PROCESS, pid)
    send(pid, (SYSTEM, (self(), ref), (_TERMINATE, reason)))
    msg = await receive((DOWN, ref, ANY, ANY, ANY), timeout=timeout)
    if msg is TIMEOUT:
        demonitor(ref, _FLUSH)
        raise _exit(TIMEOUT_ATOM)
    if msg[4] == reason:
        return OK
    raise _exit(msg[4])

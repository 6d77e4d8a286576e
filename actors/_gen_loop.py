"""The server side of ``gen_server``: its start (``init``) and its receive-dispatch-reply
loop, compiled with the other hot modules (see `actors.gen_server` for the rules).

The loop reads the mailbox itself while it waits without a timeout (the common case):
it takes the oldest message, or suspends until one comes, without going through the
general `receive`. A call whose ``handle_call`` returns ``("reply", R, S)`` to a caller
on this node is answered inline, as `actors._gen_call.reply` would (the reply goes only
while the caller's monitor, our stand-in for OTP's alias, is active).
"""

from __future__ import annotations

import types
from typing import Any, Final

import structlog

from . import proc_lib
from ._api import register, whereis
from ._entity import Exit
from ._gen_call import ALIAS, CALL, CAST, SYSTEM, _reply_to
from ._gen_system import NO_STOP, handle_system
from ._match import TIMEOUT
from ._process import Process, current
from ._report import report_error, safe_repr
from ._terms import Atom, ErlangError, Pid
from ._sched import COMPILED, SUSPEND, yield_
from ._yield import suspend
from .atoms import ERROR, EXIT, IGNORE, NORMAL, OK, SHUTDOWN, UNDEFINED
from .atoms import INFINITY as _INFINITY
from .atoms import TIMEOUT as TIMEOUT_ATOM

__all__ = ["init_it", "loop", "apply", "is_normal", "reason_of", "UNDEF"]

UNDEF: Final = Atom("undef")
_HIBERNATE: Final = Atom("hibernate")
INFINITY: Final = _INFINITY  # compiled, a final name is a C static; an imported one a dict lookup
_BAD_RETURN: Final = Atom("bad_return_value")
_DEFAULT: Final = object()

_log = structlog.get_logger("actors.gen_server")


def is_normal(reason: Any) -> bool:
    """OTP's notion of a normal end: ``normal``, ``shutdown`` or ``("shutdown", _)``."""
    if type(reason) is tuple:
        return len(reason) == 2 and reason[0] == SHUTDOWN
    return isinstance(reason, str) and (reason == NORMAL or reason == SHUTDOWN)


def reason_of(exc: BaseException) -> Any:
    """The exit reason an exception stands for: an exit's term, else the exception."""
    if isinstance(exc, Exit):
        return exc.reason
    if isinstance(exc, ErlangError) and exc.kind == "exit":
        return exc.reason
    return exc


def _awaitable(r: Any) -> bool:
    return type(r) is types.CoroutineType or hasattr(r, "__await__")


async def apply(fn: Any, *args: Any) -> Any:
    """Call a callback, plain or ``async def``, and return its value."""
    r = fn(*args)
    if type(r) is not tuple and _awaitable(r):
        r = await r
    return r


def _callback(module: Any, name: str) -> Any:
    fn = getattr(module, name, None)
    if fn is None:
        raise ErlangError(UNDEF)
    return fn


_COMPILED: Final = COMPILED and type(is_normal) is not types.FunctionType
"""Whether both this module and `yield_` run compiled (only compiled code awaits it)."""


# -- starting ---------------------------------------------------------------------------


def _register(name: Any, me: Pid) -> Any:
    """Register the starting server; None, or the pid that has the name already."""
    if type(name) is tuple:  # as OTP: look first, then register
        module, n = name
        pid = module.whereis_name(n)
        if type(pid) is Pid:
            return pid
        if module.register_name(n, me) == "yes":
            return None
        pid = module.whereis_name(n)
        return pid if type(pid) is Pid else UNDEFINED
    try:
        register(name, me)
    except ErlangError:
        return whereis(name)
    return None


def _unregister(name: Any) -> None:
    """A start failed: a global or via name goes (a local one goes with the process)."""
    if type(name) is tuple:
        name[0].unregister_name(name[1])


async def init_it(module: Any, args: Any, name: Any, linked: bool) -> None:
    """The server process: register `name`, run ``init``, tell the starter, loop."""
    me = current().handle
    if name is not None:
        other = _register(name, me)
        if other is not None:
            proc_lib.init_ack((ERROR, ("already_started", other)))
            return
    parent = proc_lib.parent() if linked else me
    try:
        r = await apply(_callback(module, "init"), args)
    except Exception as e:
        _unregister(name)
        proc_lib.init_ack((ERROR, reason_of(e)))
        _raise(e)
    except Exit as e:
        _unregister(name)
        proc_lib.init_ack((ERROR, e.reason))
        raise
    timeout: Any = INFINITY
    if type(r) is tuple and len(r) in (2, 3) and r[0] == OK:
        if len(r) == 3:
            timeout = r[2]
        proc_lib.init_ack((OK, me))
        await loop(module, r[1], parent, timeout)
        return
    _unregister(name)
    if r == IGNORE:
        proc_lib.init_ack(IGNORE)
        return
    if type(r) is tuple and len(r) == 2 and r[0] == "stop":
        proc_lib.init_ack((ERROR, r[1]))
        raise Exit(r[1])
    reason = (_BAD_RETURN, r)
    proc_lib.init_ack((ERROR, reason))
    raise Exit(reason)


def _raise(e: BaseException) -> None:
    """End the process for exception `e`: an exit ends it with its term; anything else
    is re-raised, a crash (reported by the runtime) whose reason is the exception."""
    if isinstance(e, ErlangError) and e.kind == "exit":
        raise Exit(e.reason) from e
    raise e  # an Exit ends the process with its reason; anything else is a crash


# -- the server loop --------------------------------------------------------------------


class _Stop(Exception):
    """A callback asked to stop: ``terminate`` runs, the reply (if any) goes, exit."""

    def __init__(self, reason: Any, state: Any, from_: Any = None, reply: Any = _DEFAULT) -> None:
        super().__init__()
        self.reason = reason
        self.state = state
        self.from_ = from_
        self.reply = reply


async def loop(module: Any, state: Any, parent: Any, timeout: Any) -> None:
    """Receive and dispatch until a callback stops the server or one raises."""
    me: Process = current()
    msg: Any = None
    try:
        while True:
            if timeout is INFINITY:  # the hot path: `receive` without patterns, inlined
                q = me.q
                h = me.head
                n = len(q)
                if h >= n:
                    me.recv_wait = True
                    try:
                        if _COMPILED:  # a message (or a kill) wakes the process
                            await yield_(SUSPEND)
                        else:
                            await suspend()
                    finally:
                        me.recv_wait = False
                    continue
                if h + 1 == n and not me.holes:  # the only message: `_take`, inlined
                    msg = q[h]
                    q.clear()
                    me.head = 0
                    me.mark_pos = 0
                elif not me.holes:
                    msg = me._take(h)
                else:
                    msg = await me.receive(())
            elif type(timeout) is tuple:  # ("continue", C)
                r = _callback(module, "handle_continue")(timeout[1], state)
                if type(r) is not tuple and _awaitable(r):
                    r = await r
                state, timeout = _result(r, state, None)
                continue
            else:
                msg = await me.receive((), INFINITY if timeout == _HIBERNATE else timeout)
            if msg is TIMEOUT:
                msg = TIMEOUT_ATOM
            elif type(msg) is tuple:
                size = len(msg)
                tag: Any = msg[0]
                if size == 3 and (tag is CALL or tag == CALL):  # the hot path: a call
                    from_: Any = msg[1]
                    fn = getattr(module, "handle_call", None)
                    if fn is None:
                        raise ErlangError(UNDEF)
                    r = fn(msg[2], from_, state)
                    if type(r) is tuple and len(r) == 3 and r[0] == "reply":
                        tag = from_[1]  # `reply`, inlined for a caller on this node
                        pid: Pid = from_[0]
                        caller: Process | None = pid.proc
                        if caller is not None and type(tag) is list and len(tag) == 2 and tag[0] is ALIAS:
                            mons = caller._monitors  # the alias is active while the caller's monitor is
                            ref = tag[1]
                            if mons and ref in mons and caller.alive:
                                caller.own_queue().append((ref, r[1]))
                                if caller.recv_wait:
                                    caller.recv_wait = False
                                    caller.sched.wake(caller)
                        else:
                            _reply_to(from_, r[1])
                        state = r[2]
                        timeout = INFINITY
                    else:
                        if type(r) is not tuple and _awaitable(r):
                            r = await r
                        state, timeout = _result(r, state, from_)
                    continue
                if size == 2 and tag == CAST:
                    r = _callback(module, "handle_cast")(msg[1], state)
                    if type(r) is not tuple and _awaitable(r):
                        r = await r
                    state, timeout = _result(r, state, None)
                    continue
                if size == 3 and tag == EXIT and msg[1] == parent:
                    raise _Stop(msg[2], state)
                if size == 3 and tag == SYSTEM:
                    state, stop_reason = await handle_system(me, module, msg, state, parent)
                    if stop_reason is not NO_STOP:
                        raise _Stop(stop_reason, state)
                    continue
            handle_info = getattr(module, "handle_info", None)
            if handle_info is None:
                _log.warning(
                    "gen_server_unhandled_info", pid=safe_repr(me.handle), module=safe_repr(module), msg=safe_repr(msg)
                )
                timeout = INFINITY
                continue
            state, timeout = _result(await apply(handle_info, msg, state), state, None)
    except _Stop as s:
        await _terminate(module, s.reason, s.state, None, s.from_, s.reply)
    except (Exception, Exit) as e:
        await _terminate(module, reason_of(e), state, e)


def _result(r: Any, state: Any, from_: Any) -> tuple[Any, Any]:
    """The new ``(state, timeout)`` from a callback's return value `r`."""
    if type(r) is tuple:
        n = len(r)
        tag: Any = r[0] if n else None
        if tag == "reply" and from_ is not None and n in (3, 4):
            _reply_to(from_, r[1])
            return r[2], (r[3] if n == 4 else INFINITY)
        if tag == "noreply" and n in (2, 3):
            return r[1], (r[2] if n == 3 else INFINITY)
        if tag == "stop":
            if n == 4 and from_ is not None:
                raise _Stop(r[1], r[3], from_, r[2])
            if n == 3:
                raise _Stop(r[1], r[2])
    raise _Stop((_BAD_RETURN, r), state)


async def _terminate(
    module: Any, reason: Any, state: Any, exc: BaseException | None, from_: Any = None, answer: Any = _DEFAULT
) -> None:
    """Run ``terminate(reason, state)``, send the reply of a ``("stop", R, Reply, S)``
    (even when terminate raised, as OTP does), report an abnormal end, end the process."""
    fn = getattr(module, "terminate", None)
    if fn is not None:
        try:
            await apply(fn, reason, state)
        except (Exception, Exit) as e:
            reason, exc = reason_of(e), e
    if answer is not _DEFAULT:
        _reply_to(from_, answer)
    if not is_normal(reason):
        report_error(
            "gen_server_terminated", pid=safe_repr(current().handle), module=safe_repr(module), reason=safe_repr(reason)
        )
    if exc is not None:
        _raise(exc)
    raise Exit(reason)

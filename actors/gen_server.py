"""``gen_server``: OTP's generic server, with its names, return shapes and exit reasons.

A *callback module* is any object whose attributes are the callbacks (a module or an
instance): ``init(args)``, ``handle_call(request, from_, state)``,
``handle_cast(msg, state)``, and optionally ``handle_info``, ``handle_continue``,
``terminate(reason, state)``. Each may be a plain function or an ``async def``.

Rules, as OTP 25 has them (checked with ``erl``):

- ``init`` returns ``("ok", S)``, ``("ok", S, timeout | "hibernate" | ("continue", C))``,
  ``("stop", R)`` (start gives ``("error", R)``, the process exits with R), ``"ignore"``
  (start gives ``"ignore"``, exit ``normal``); anything else gives
  ``("error", ("bad_return_value", Other))``; an exception gives ``("error", Reason)``.
- A taken name gives ``("error", ("already_started", pid))``.
- Callbacks return ``("reply", R, S[, T])``, ``("noreply", S[, T])``,
  ``("stop", Reason, R, S)`` (``terminate`` runs, then the reply goes out) or
  ``("stop", Reason, S)``; ``T`` is a timeout in ms (``"timeout"`` then goes to
  ``handle_info``), ``"infinity"``, ``"hibernate"`` (a no-op here) or ``("continue", C)``.
- A missing ``handle_call``/``handle_cast`` crashes the server (Erlang's ``undef``); a
  missing ``handle_info`` logs ``gen_server_unhandled_info`` and keeps the state; a
  missing ``terminate`` is ``ok``.
- A server that traps exits and gets ``("EXIT", parent, R)`` from its starter runs
  ``terminate(R, S)`` and exits with R; other ``EXIT`` messages go to ``handle_info``.
- A callback that raises: ``terminate(reason, S)`` runs and the server ends with that
  reason: the term of an `actors.exit` / ``ErlangError`` of kind ``"exit"``, else the
  exception itself (as any process of this runtime).

Asynchronous requests (OTP 25): `send_request`, `wait_response`, `receive_response`,
`check_response` and the request id collections (``reqids_*``); see
`actors._gen_request`.

Deviation: a reply message is ``(Mref, Reply)`` and ``from_`` is
``(pid, ["alias", Mref])``; as OTP's aliases, a reply that comes after the caller gave up
(timeout or the server's death) is dropped, never left in its mailbox.
"""

from __future__ import annotations

import types
from typing import Any, Final, NoReturn

import structlog

from . import global_registry, proc_lib
from ._api import register, self, whereis
from ._entity import Exit
from ._gen_call import ALIAS, CALL, CAST, SYSTEM, _reply_to, call, cast, reply, stop
from ._gen_system import NO_STOP, handle_system
from ._gen_request import (
    check_response,
    receive_response,
    reqids_add,
    reqids_new,
    reqids_size,
    reqids_to_list,
    send_request,
    wait_response,
)
from ._match import TIMEOUT
from ._process import current
from ._yield import suspend as _suspend
from ._report import report_error, safe_repr
from ._terms import Atom, Badarg, ErlangError, Pid
from .atoms import DOWN, ERROR, EXIT, FUNCTION_CLAUSE, IGNORE, INFINITY, NOPROC, NORMAL, OK, PROCESS, SHUTDOWN, UNDEFINED
from .atoms import TIMEOUT as TIMEOUT_ATOM

__all__ = [
    "start",
    "start_link",
    "start_monitor",
    "call",
    "cast",
    "reply",
    "stop",
    "is_normal",
    "send_request",
    "wait_response",
    "receive_response",
    "check_response",
    "reqids_new",
    "reqids_add",
    "reqids_size",
    "reqids_to_list",
]

_CONTINUE: Final = Atom("continue")
_HIBERNATE: Final = Atom("hibernate")
UNDEF: Final = Atom("undef")
_DEFAULT: Final = object()

_log = structlog.get_logger("actors.gen_server")



def is_normal(reason: Any) -> bool:
    """OTP's notion of a normal end: ``normal``, ``shutdown`` or ``("shutdown", _)``."""
    if reason.__class__ is tuple:
        return len(reason) == 2 and reason[0] == SHUTDOWN
    return isinstance(reason, str) and (reason == NORMAL or reason == SHUTDOWN)


def _exit(reason: Any) -> ErlangError:
    return ErlangError(reason, "exit")


def reason_of(exc: BaseException) -> Any:
    """The exit reason an exception stands for: an exit's term, else the exception."""
    if isinstance(exc, Exit):
        return exc.reason
    if isinstance(exc, ErlangError) and exc.kind == "exit":
        return exc.reason
    return exc


def _awaitable(r: Any) -> bool:
    return r.__class__ is types.CoroutineType or hasattr(r, "__await__")


async def apply(fn: Any, *args: Any) -> Any:
    """Call a callback, plain or ``async def``, and return its value."""
    r = fn(*args)
    if r.__class__ is not tuple and _awaitable(r):
        r = await r
    return r


def _callback(module: Any, name: str) -> Any:
    fn = getattr(module, name, None)
    if fn is None:
        raise ErlangError(UNDEF)
    return fn


# -- starting ---------------------------------------------------------------------------


def _reg_name(name: Any) -> Any:
    """A start's name as ``register`` wants it: None, an atom for a local name, or
    ``(module, name)`` for ``("global", name)`` and ``("via", module, name)``."""
    if name is None:
        return None
    if name.__class__ is tuple:
        if len(name) == 2 and name[0] == "global":
            return (global_registry, name[1])
        if len(name) == 3 and name[0] == "via":
            return (name[1], name[2])
        if len(name) == 2 and name[0] == "local":
            name = name[1]
    if isinstance(name, str) and name != UNDEFINED:
        return Atom(name)
    raise Badarg()


def _register(name: Any, me: Pid) -> Any:
    """Register the starting server; None, or the pid that has the name already."""
    if name.__class__ is tuple:  # as OTP: look first, then register
        module, n = name
        pid = module.whereis_name(n)
        if pid.__class__ is Pid:
            return pid
        if module.register_name(n, me) == "yes":
            return None
        pid = module.whereis_name(n)
        return pid if pid.__class__ is Pid else UNDEFINED
    try:
        register(name, me)
    except ErlangError:
        return whereis(name)
    return None


def _unregister(name: Any) -> None:
    """A start failed: a global or via name goes (a local one goes with the process)."""
    if name.__class__ is tuple:
        name[0].unregister_name(name[1])


async def start(module: Any, args: Any, name: Any = None, *, timeout: Any = INFINITY) -> Any:
    """``gen_server:start/3,4``: start a server (not linked) and wait for its ``init``:
    ``("ok", pid)``, ``("error", reason)``, ``"ignore"``,
    ``("error", ("already_started", pid))``; ``("error", "timeout")`` after `timeout` ms.
    `name`: a name (or ``("local", name)``) to register the server under,
    ``("global", name)`` (see `actors.global_registry`) or ``("via", module, name)``
    (`module` has ``register_name``, ``unregister_name``, ``whereis_name`` and
    ``send``, as OTP's via modules)."""
    return await proc_lib.start(_init_it, (module, args, _reg_name(name), False), timeout)


async def start_link(module: Any, args: Any, name: Any = None, *, timeout: Any = INFINITY) -> Any:
    """``gen_server:start_link/3,4``: as `start`, linked to the caller. A server whose
    ``init`` fails exits with the reason, which takes down a caller that does not trap
    exits (as in Erlang)."""
    return await proc_lib.start_link(_init_it, (module, args, _reg_name(name), True), timeout)


async def start_monitor(module: Any, args: Any, name: Any = None, *, timeout: Any = INFINITY) -> Any:
    """``gen_server:start_monitor/3,4``: as `start`, monitored: ``("ok", (pid, ref))``;
    on an error no monitor and no ``DOWN`` message remain."""
    ret, ref = await proc_lib.start_monitor(_init_it, (module, args, _reg_name(name), False), timeout)
    if ret.__class__ is tuple and len(ret) == 2 and ret[0] == OK:
        return (OK, (ret[1], ref))
    return ret


async def _init_it(module: Any, args: Any, name: Any, linked: bool) -> None:
    me = self()
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
    if r.__class__ is tuple and len(r) in (2, 3) and r[0] == OK:
        if len(r) == 3:
            timeout = r[2]
        proc_lib.init_ack((OK, me))
        await _loop(module, r[1], parent, timeout)
        return
    _unregister(name)
    if r == IGNORE:
        proc_lib.init_ack(IGNORE)
        return
    if r.__class__ is tuple and len(r) == 2 and r[0] == "stop":
        proc_lib.init_ack((ERROR, r[1]))
        raise Exit(r[1])
    reason = (Atom("bad_return_value"), r)
    proc_lib.init_ack((ERROR, reason))
    raise Exit(reason)


def _raise(e: BaseException) -> NoReturn:
    """End the process for exception `e`: an exit ends it with its term; anything else
    is re-raised, a crash (reported by the runtime) whose reason is the exception."""
    if isinstance(e, ErlangError) and e.kind == "exit":
        raise Exit(e.reason) from e
    raise e  # an Exit ends the process with its reason; anything else is a crash


# -- the server loop --------------------------------------------------------------------


class _Stop(Exception):
    """A callback asked to stop: ``terminate`` runs, the reply (if any) goes, exit."""

    def __init__(self, reason: Any, state: Any, from_: Any = None, reply: Any = _DEFAULT) -> None:
        self.reason = reason
        self.state = state
        self.from_ = from_
        self.reply = reply


async def _loop(module: Any, state: Any, parent: Pid | None, timeout: Any) -> None:
    """Receive and dispatch until a callback stops the server or one raises."""
    me = current()
    try:
        while True:
            if timeout is INFINITY:  # the hot path: `receive` without patterns, inlined
                q = me.q
                h = me.head
                if h >= len(q):
                    me.recv_wait = True
                    try:
                        await _suspend()  # a message (or a kill) wakes the process
                    finally:
                        me.recv_wait = False
                    continue
                if h + 1 == len(q) and not me.holes:  # the only message: `_take`, inlined
                    msg = q[h]
                    q.clear()
                    me.head = me.mark_pos = 0
                else:
                    msg = me._take(h) if not me.holes else await me.receive(())
            elif timeout.__class__ is tuple:  # ("continue", C)
                r = _callback(module, "handle_continue")(timeout[1], state)
                if r.__class__ is not tuple and _awaitable(r):
                    r = await r
                state, timeout = _result(r, state, None)
                continue
            else:
                msg = await me.receive((), INFINITY if timeout == _HIBERNATE else timeout)
            if msg is TIMEOUT:
                msg = TIMEOUT_ATOM
            elif msg.__class__ is tuple:
                n = len(msg)
                tag = msg[0]
                if n == 3 and (tag is CALL or tag == CALL):  # the hot path: a call
                    from_ = msg[1]
                    fn = getattr(module, "handle_call", None)
                    if fn is None:
                        raise ErlangError(UNDEF)
                    r = fn(msg[2], from_, state)
                    if r.__class__ is not tuple and _awaitable(r):
                        r = await r
                    if r.__class__ is tuple and len(r) == 3 and r[0] == "reply":
                        tag = from_[1]  # `reply`, inlined for a local caller
                        caller = from_[0].proc
                        if caller is not None and tag.__class__ is list and len(tag) == 2 and tag[0] is ALIAS:
                            mons = caller._monitors  # the alias is active while the caller's monitor is
                            if mons and tag[1] in mons and caller.alive:
                                caller.q.append((tag[1], r[1]))
                                if caller.recv_wait:
                                    caller.recv_wait = False
                                    caller.sched.wake(caller)
                        else:
                            _reply_to(from_, r[1])
                        state, timeout = r[2], INFINITY
                    else:
                        state, timeout = _result(r, state, from_)
                    continue
                if n == 2 and tag == CAST:
                    r = _callback(module, "handle_cast")(msg[1], state)
                    if r.__class__ is not tuple and _awaitable(r):
                        r = await r
                    state, timeout = _result(r, state, None)
                    continue
                if n == 3 and tag == EXIT and msg[1] == parent:
                    raise _Stop(msg[2], state)
                if n == 3 and tag == SYSTEM:
                    state, stop_reason = await handle_system(me, module, msg, state, parent)
                    if stop_reason is not NO_STOP:
                        raise _Stop(stop_reason, state)
                    continue
            handle_info = getattr(module, "handle_info", None)
            if handle_info is None:
                _log.warning("gen_server_unhandled_info", pid=safe_repr(self()), module=safe_repr(module), msg=safe_repr(msg))
                timeout = INFINITY
                continue
            state, timeout = _result(await apply(handle_info, msg, state), state, None)
    except _Stop as s:
        await _terminate(module, s.reason, s.state, None, s.from_, s.reply)
    except (Exception, Exit) as e:
        await _terminate(module, reason_of(e), state, e)


def _result(r: Any, state: Any, from_: Any) -> tuple[Any, Any]:
    """The new ``(state, timeout)`` from a callback's return value `r`."""
    if r.__class__ is tuple:
        n = len(r)
        tag = r[0] if n else None
        if tag == "reply" and from_ is not None and n in (3, 4):
            reply(from_, r[1])
            return r[2], (r[3] if n == 4 else INFINITY)
        if tag == "noreply" and n in (2, 3):
            return r[1], (r[2] if n == 3 else INFINITY)
        if tag == "stop":
            if n == 4 and from_ is not None:
                raise _Stop(r[1], r[3], from_, r[2])
            if n == 3:
                raise _Stop(r[1], r[2])
    raise _Stop((Atom("bad_return_value"), r), state)


async def _terminate(
    module: Any, reason: Any, state: Any, exc: BaseException | None, from_: Any = None, answer: Any = _DEFAULT
) -> NoReturn:
    """Run ``terminate(reason, state)``, send the reply of a ``("stop", R, Reply, S)``
    (even when terminate raised, as OTP does), report an abnormal end, end the process."""
    fn = getattr(module, "terminate", None)
    if fn is not None:
        try:
            await apply(fn, reason, state)
        except (Exception, Exit) as e:
            reason, exc = reason_of(e), e
    if answer is not _DEFAULT:
        reply(from_, answer)
    if not is_normal(reason):
        report_error(
            "gen_server_terminated", pid=safe_repr(self()), module=safe_repr(module), reason=safe_repr(reason)
        )
    if exc is not None:
        _raise(exc)
    raise Exit(reason)

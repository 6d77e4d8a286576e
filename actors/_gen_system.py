"""The system messages a ``gen_server`` answers (OTP's ``sys`` protocol), server side.

A system message is ``("system", from_, request)``; ``from_`` is a call's, and the answer
goes back as a call's reply. The requests are those `actors.sys` sends: ``get_state``,
``("replace_state", fn)``, ``get_status``, ``suspend``, ``resume`` and
``("terminate", reason)``; anything else is answered
``("error", ("unknown_system_msg", request))``, as OTP does. A suspended server answers
system messages only (and its parent's ``EXIT``); the rest wait in its mailbox.
"""

from __future__ import annotations

from typing import Any, Final

from ._entity import Exit
from ._gen_call import SYSTEM, _reply_to
from ._match import ANY
from ._terms import Atom, ErlangError
from .atoms import ERROR, EXIT

__all__ = ["handle_system", "NO_STOP"]

NO_STOP: Final = object()
"""What `handle_system` returns as the stop reason when the server goes on."""

GEN_SERVER: Final = Atom("gen_server")
RUNNING: Final = Atom("running")
SUSPENDED: Final = Atom("suspended")
_GET_STATE: Final = Atom("get_state")
_GET_STATUS: Final = Atom("get_status")
_SUSPEND: Final = Atom("suspend")
_RESUME: Final = Atom("resume")
_REPLACE_STATE: Final = Atom("replace_state")
_TERMINATE: Final = Atom("terminate")
_NORMAL_OPT: Final = Atom("normal")


async def handle_system(me: Any, module: Any, msg: tuple[Any, ...], state: Any, parent: Any) -> tuple[Any, Any]:
    """Answer the system message `msg` (and, once suspended, every one until
    ``resume``): ``(state, NO_STOP)`` to go on, or ``(state, reason)`` to terminate."""
    suspended = False
    while True:
        from_, req = msg[1], msg[2]
        if req.__class__ is tuple and len(req) == 2 and req[0] == _TERMINATE:
            return state, req[1]
        if req == _GET_STATE:
            _reply_to(from_, state)
        elif req.__class__ is tuple and len(req) == 2 and req[0] == _REPLACE_STATE:
            try:
                state = req[1](state)
            except (Exception, Exit) as e:
                _reply_to(from_, (ERROR, _callback_failed("system_replace_state", e)))
            else:
                _reply_to(from_, state)
        elif req == _GET_STATUS:
            _reply_to(from_, status(me, module, state, parent, SUSPENDED if suspended else RUNNING))
        elif req == _SUSPEND:
            suspended = True
            _reply_to(from_, Atom("ok"))
        elif req == _RESUME:
            suspended = False
            _reply_to(from_, Atom("ok"))
        else:
            _reply_to(from_, (ERROR, (Atom("unknown_system_msg"), req)))
        if not suspended:
            return state, NO_STOP
        msg = await me.receive(((SYSTEM, ANY, ANY), (EXIT, parent, ANY)))
        if msg[0] == EXIT:
            return state, msg[2]


def _callback_failed(fn: str, e: BaseException) -> tuple[Any, ...]:
    if isinstance(e, Exit):
        cls, reason = "exit", e.reason
    elif isinstance(e, ErlangError):
        cls, reason = e.kind, e.reason
    else:
        cls, reason = "error", e
    return (Atom("callback_failed"), (GEN_SERVER, Atom(fn)), (Atom(cls), reason))


def status(me: Any, module: Any, state: Any, parent: Any, sys_state: Atom) -> tuple[Any, ...]:
    """``sys:get_status``'s answer: ``("status", pid, ("module", "gen_server"),
    [pdict, sys_state, parent, debug, misc])``; `misc` as OTP 25 builds it, with the
    callback module's ``format_status("normal", [pdict, state])`` when it has one."""
    pdict = list((me._dictionary or {}).items())
    name = me.name if me.name is not None else repr(me.handle)
    specific: Any = [(Atom("data"), [("State", state)])]
    fmt = getattr(module, "format_status", None)
    if fmt is not None:
        try:
            r = fmt(_NORMAL_OPT, [pdict, state])
        except Exception:  # noqa: BLE001 - OTP falls back to the default on a crash
            pass
        else:
            specific = r if r.__class__ is list else [r]
    misc = [
        (Atom("header"), f"Status for generic server {name}"),
        (Atom("data"), [("Status", sys_state), ("Parent", parent), ("Logged events", [])]),
        *specific,
    ]
    return (Atom("status"), me.handle, (Atom("module"), GEN_SERVER), [pdict, sys_state, parent, [], misc])

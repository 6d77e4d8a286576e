"""``sys``: OTP's system messages to a ``gen_server`` (and so to a supervisor).

`get_state`, `replace_state`, `get_status`, `suspend`, `resume` and `terminate`, with
OTP 25's results; each takes a server as ``gen_server.call`` does (a pid, a registered
name, ``(name, node)``, ``("local", name)``, ``("global", name)``, ``("via", module,
name)``) and a `timeout` in ms (5000 by default, or ``"infinity"``). A server that does
not answer raises `ErlangError` of kind ``"exit"`` with ``("timeout", ("sys", Function,
Args))``; one that is not there ``("noproc", ...)``; one that ends first its reason.
A suspended server answers system messages only: its calls wait (or time out).

``statistics`` and ``trace`` are not provided: counting every message would cost the
server loop's hot path.
"""

from __future__ import annotations

from typing import Any, Callable, Final

from ._api import demonitor, monitor, send
from ._gen_call import ALIAS, SYSTEM, whereis_server
from ._match import ANY, TIMEOUT
from ._process import current
from ._terms import Atom, ErlangError
from .atoms import DOWN, ERROR, INFINITY, NOPROC, NORMAL, OK, PROCESS
from .atoms import TIMEOUT as TIMEOUT_ATOM

__all__ = ["get_state", "replace_state", "get_status", "suspend", "resume", "terminate"]

SYS: Final = Atom("sys")
_DEFAULT: Final = object()
_FLUSH: Final = ["flush"]


async def _system_call(server: Any, request: Any, timeout: Any, fn: str, args: list[Any]) -> Any:
    ms = 5000 if timeout is _DEFAULT else timeout
    if timeout is not _DEFAULT:
        args = [*args, timeout]
    where = (SYS, Atom(fn), args)
    pid = whereis_server(server)
    if pid is None:
        raise ErlangError((NOPROC, where), "exit")
    me = current()
    ref = monitor(PROCESS, pid)
    send(pid, (SYSTEM, (me.handle, [ALIAS, ref]), request))
    msg = await me.receive(((ref, ANY), (DOWN, ref, ANY, ANY, ANY)), ms)
    if msg is TIMEOUT:
        demonitor(ref, _FLUSH)
        raise ErlangError((TIMEOUT_ATOM, where), "exit")
    if len(msg) == 5:
        raise ErlangError((msg[4], where), "exit")
    demonitor(ref, _FLUSH)
    return msg[1]


async def get_state(server: Any, timeout: Any = _DEFAULT) -> Any:
    """``sys:get_state/1,2``: the server's state."""
    return await _system_call(server, Atom("get_state"), timeout, "get_state", [server])


async def replace_state(server: Any, fn: Callable[[Any], Any], timeout: Any = _DEFAULT) -> Any:
    """``sys:replace_state/2,3``: make ``fn(state)`` the server's state; the new state.
    When `fn` raises, the state stays and this raises `ErlangError` (kind ``"error"``)
    ``("callback_failed", ("gen_server", "system_replace_state"), (Class, Reason))``."""
    r = await _system_call(server, (Atom("replace_state"), fn), timeout, "replace_state", [server, fn])
    if r.__class__ is tuple and len(r) == 2 and r[0] == ERROR:
        e = r[1]
        if e.__class__ is tuple and len(e) == 3 and e[0] == "callback_failed":
            raise ErlangError(e)
    return r


async def get_status(server: Any, timeout: Any = _DEFAULT) -> Any:
    """``sys:get_status/1,2``: ``("status", pid, ("module", "gen_server"), [pdict,
    "running" | "suspended", parent, [], misc])`` as OTP 25 gives it."""
    return await _system_call(server, Atom("get_status"), timeout, "get_status", [server])


async def suspend(server: Any, timeout: Any = _DEFAULT) -> Atom:
    """``sys:suspend/1,2``: from now on the server answers system messages only; ``ok``."""
    await _system_call(server, Atom("suspend"), timeout, "suspend", [server])
    return OK


async def resume(server: Any, timeout: Any = _DEFAULT) -> Atom:
    """``sys:resume/1,2``: the server handles its other messages again; ``ok`` (also
    for a server that was not suspended)."""
    await _system_call(server, Atom("resume"), timeout, "resume", [server])
    return OK


async def terminate(server: Any, reason: Any = NORMAL, timeout: Any = INFINITY) -> Atom:
    """``sys:terminate/2,3``: the server runs ``terminate(reason, state)`` and exits
    with `reason`; ``ok`` (as ``gen_server.stop``)."""
    from .gen_server import stop

    return await stop(server, reason, timeout)

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

The server's loop is `actors._gen_loop` (compiled with the hot modules).

Deviation: a reply message is ``(Mref, Reply)`` and ``from_`` is
``(pid, ["alias", Mref])``; as OTP's aliases, a reply that comes after the caller gave up
(timeout or the server's death) is dropped, never left in its mailbox.
"""

from __future__ import annotations

from typing import Any

from . import global_registry, proc_lib
from ._gen_call import call, cast, reply, stop
from ._gen_loop import apply as apply
from ._gen_loop import init_it, is_normal
from ._gen_loop import reason_of as reason_of
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
from ._terms import Atom, Badarg
from .atoms import INFINITY, OK, UNDEFINED

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


async def start(module: Any, args: Any, name: Any = None, *, timeout: Any = INFINITY) -> Any:
    """``gen_server:start/3,4``: start a server (not linked) and wait for its ``init``:
    ``("ok", pid)``, ``("error", reason)``, ``"ignore"``,
    ``("error", ("already_started", pid))``; ``("error", "timeout")`` after `timeout` ms.
    `name`: a name (or ``("local", name)``) to register the server under,
    ``("global", name)`` (see `actors.global_registry`) or ``("via", module, name)``
    (`module` has ``register_name``, ``unregister_name``, ``whereis_name`` and
    ``send``, as OTP's via modules)."""
    return await proc_lib.start(init_it, (module, args, _reg_name(name), False), timeout)


async def start_link(module: Any, args: Any, name: Any = None, *, timeout: Any = INFINITY) -> Any:
    """``gen_server:start_link/3,4``: as `start`, linked to the caller. A server whose
    ``init`` fails exits with the reason, which takes down a caller that does not trap
    exits (as in Erlang)."""
    return await proc_lib.start_link(init_it, (module, args, _reg_name(name), True), timeout)


async def start_monitor(module: Any, args: Any, name: Any = None, *, timeout: Any = INFINITY) -> Any:
    """``gen_server:start_monitor/3,4``: as `start`, monitored: ``("ok", (pid, ref))``;
    on an error no monitor and no ``DOWN`` message remain."""
    ret, ref = await proc_lib.start_monitor(init_it, (module, args, _reg_name(name), False), timeout)
    if ret.__class__ is tuple and len(ret) == 2 and ret[0] == OK:
        return (OK, (ret[1], ref))
    return ret

"""``gen_server``'s asynchronous requests (OTP 25): `send_request` and the ways to
collect its response, for one request id or a collection of them.

A request id is the reference of a monitor on the server (as in OTP): it is active until
its response is taken or the request is abandoned, so a server that ends gives
``("error", (Reason, ServerRef))`` and a reply that comes after ``receive_response``
gave up is dropped (the caller's monitor, our stand-in for OTP's alias, is gone). A
collection is a dict ``{request_id: label}``, used as an immutable value as OTP's maps
are: every function that changes one returns a new dict.

Wait times: milliseconds (an integer), ``"infinity"``, or ``("abs", T)`` with `T` an
absolute time in milliseconds of `time.monotonic`.
"""

from __future__ import annotations

import time
from typing import Any, Final

from ._api import demonitor, monitor, send
from ._gen_call import ALIAS, CALL, whereis_server
from ._match import TIMEOUT
from ._process import current
from ._terms import Atom, Badarg, ErlangError, Ref
from .atoms import DOWN, ERROR, FUNCTION_CLAUSE, INFINITY, NOPROC, PROCESS
from .atoms import TIMEOUT as TIMEOUT_ATOM

__all__ = [
    "send_request",
    "wait_response",
    "receive_response",
    "check_response",
    "reqids_new",
    "reqids_add",
    "reqids_size",
    "reqids_to_list",
]

REPLY: Final = Atom("reply")
NO_REPLY: Final = Atom("no_reply")
NO_REQUEST: Final = Atom("no_request")
_NONE: Final = object()
_FLUSH: Final = ["flush"]


def send_request(server: Any, request: Any, label: Any = _NONE, reqid_collection: Any = _NONE) -> Any:
    """``gen_server:send_request/2,4``: send `request` as a call would and return at
    once: the request id (a reference). With `label` and `reqid_collection`, the
    request is added to the collection under `label` and the new collection returned.
    A server that does not exist answers ``("error", ("noproc", server))``."""
    if (label is _NONE) != (reqid_collection is _NONE):
        raise TypeError("send_request takes both label and reqid_collection, or neither")
    if label is not _NONE and reqid_collection.__class__ is not dict:
        raise Badarg()
    try:
        pid = whereis_server(server)
    except Badarg:
        raise ErlangError(FUNCTION_CLAUSE) from None
    me = current()
    if pid is None:  # as OTP does for a name nobody has: a DOWN of its own
        ref = me.node.make_ref()
        me.deliver((DOWN, ref, PROCESS, server, NOPROC))
    else:
        ref = monitor(PROCESS, pid)
        send(pid, (CALL, (me.handle, [ALIAS, ref]), request))
    if label is _NONE:
        return ref
    return reqids_add(ref, label, reqid_collection)


def _ms(wait_time: Any) -> Any:
    """A wait time as `receive` takes it."""
    if wait_time.__class__ is int:
        if wait_time >= 0:
            return wait_time
    elif wait_time == INFINITY:
        return INFINITY
    elif wait_time.__class__ is tuple and len(wait_time) == 2 and wait_time[0] == "abs":
        t = wait_time[1]
        if t.__class__ is int:
            return max(0, t - int(time.monotonic() * 1000.0))
    elif wait_time.__class__ is float:
        raise ErlangError(Atom("timeout_value"))
    raise Badarg()


def _response(msg: Any) -> Any:
    if len(msg) == 5:  # ("DOWN", ref, "process", server, reason)
        return (ERROR, (msg[4], msg[3]))
    return (REPLY, msg[1])


async def _receive_one(ref: Any, wait_time: Any, abandon: bool) -> Any:
    ms = _ms(wait_time)
    me = current()
    msg = await me.receive((lambda m: _is_response(m, ref),), ms)
    if msg is TIMEOUT:
        if abandon:
            demonitor(ref, _FLUSH)
        return TIMEOUT_ATOM
    if len(msg) == 2:
        demonitor(ref, _FLUSH)
    return _response(msg)


def _is_response(m: Any, ref: Any) -> bool:
    if m.__class__ is not tuple:
        return False
    n = len(m)
    if n == 2:
        return m[0] is ref or (m[0].__class__ is Ref and m[0] == ref)
    return n == 5 and m[1].__class__ is Ref and m[1] == ref and m[0] == DOWN


def _is_any_response(m: Any, coll: dict[Any, Any]) -> bool:
    if m.__class__ is not tuple:
        return False
    n = len(m)
    if n == 2:
        return m[0].__class__ is Ref and m[0] in coll
    return n == 5 and m[1].__class__ is Ref and m[1] in coll and m[0] == DOWN


def _check_collection(coll: Any, delete: Any) -> None:
    if coll.__class__ is not dict or delete.__class__ is not bool:
        raise ErlangError(FUNCTION_CLAUSE)


async def _receive_any(coll: Any, wait_time: Any, delete: Any, abandon: bool) -> Any:
    _check_collection(coll, delete)
    ms = _ms(wait_time)
    if not coll:
        return NO_REQUEST
    msg = await current().receive((lambda m: _is_any_response(m, coll),), ms)
    if msg is TIMEOUT:
        if abandon:
            for ref in coll:
                demonitor(ref, _FLUSH)
        return TIMEOUT_ATOM
    return _taken(msg, coll, delete)


def _taken(msg: Any, coll: dict[Any, Any], delete: bool) -> Any:
    ref = msg[0] if len(msg) == 2 else msg[1]
    if len(msg) == 2:
        demonitor(ref, _FLUSH)
    label = coll[ref]
    if delete:
        coll = {k: v for k, v in coll.items() if k != ref}
    return (_response(msg), label, coll)


async def wait_response(request: Any, wait_time: Any, delete: Any = _NONE) -> Any:
    """``gen_server:wait_response/2,3``: wait up to `wait_time` for the response to a
    request: ``("reply", Reply)``, ``("error", (Reason, ServerRef))`` or ``"timeout"``
    (the request stays active: wait again later).

    With `delete` (a bool), `request` is a collection: ``(Response, Label,
    NewCollection)`` for the first response of any of its requests (removed from the
    collection when `delete`), ``"no_request"`` for an empty one, or ``"timeout"``."""
    if delete is _NONE:
        return await _receive_one(request, wait_time, False)
    return await _receive_any(request, wait_time, delete, False)


async def receive_response(request: Any, wait_time: Any, delete: Any = _NONE) -> Any:
    """``gen_server:receive_response/2,3``: as `wait_response`, but on ``"timeout"``
    the request (every request of a collection) is abandoned: its monitor goes, and a
    reply that comes later is dropped."""
    if delete is _NONE:
        return await _receive_one(request, wait_time, True)
    return await _receive_any(request, wait_time, delete, True)


def check_response(msg: Any, request: Any, delete: Any = _NONE) -> Any:
    """``gen_server:check_response/2,3``: whether the received message `msg` is the
    response to `request`: ``("reply", Reply)``, ``("error", (Reason, ServerRef))`` or
    ``"no_reply"``. `request` must be a request id (else `Badarg`).

    With `delete`, `request` is a collection: ``(Response, Label, NewCollection)``,
    ``"no_reply"``, or ``"no_request"`` for an empty collection."""
    if delete is _NONE:
        if request.__class__ is not Ref:
            raise Badarg()
        if not _is_response(msg, request):
            return NO_REPLY
        if len(msg) == 2:
            demonitor(request, _FLUSH)
        return _response(msg)
    _check_collection(request, delete)
    if not request:
        return NO_REQUEST
    if not _is_any_response(msg, request):
        return NO_REPLY
    return _taken(msg, request, delete)


def reqids_new() -> dict[Any, Any]:
    """``gen_server:reqids_new/0``: an empty request id collection."""
    return {}


def reqids_add(request_id: Any, label: Any, reqid_collection: Any) -> dict[Any, Any]:
    """``gen_server:reqids_add/3``: a new collection with `request_id` under `label`;
    `Badarg` if it is not a request id or already in the collection."""
    if request_id.__class__ is not Ref or reqid_collection.__class__ is not dict or request_id in reqid_collection:
        raise Badarg()
    coll = dict(reqid_collection)
    coll[request_id] = label
    return coll


def reqids_size(reqid_collection: Any) -> int:
    """``gen_server:reqids_size/1``: how many requests the collection holds."""
    if reqid_collection.__class__ is not dict:
        raise Badarg()
    return len(reqid_collection)


def reqids_to_list(reqid_collection: Any) -> list[tuple[Any, Any]]:
    """``gen_server:reqids_to_list/1``: ``[(request_id, label), ...]``."""
    if reqid_collection.__class__ is not dict:
        raise Badarg()
    return list(reqid_collection.items())

"""``rpc:call/4,5``: run a function on another node and wait for its result.

``await rpc.call(node, fn, args, timeout="infinity")`` runs ``fn(*args)`` in a fresh
process on `node` (`fn` is named by module and qualified name, as for a remote spawn; it
may be a plain function or an ``async def``) and returns its result, or Erlang's
``("badrpc", reason)``: ``nodedown`` when the node cannot be reached or goes down,
``timeout`` after `timeout` milliseconds, ``("EXIT", reason)`` when the function exits
with `reason` and ``("EXIT", (reason, stack))`` when it raises (`undef` when the node has
no such function).
"""

from __future__ import annotations

import inspect
import traceback
from typing import Any

from ._api import demonitor, make_ref, receive, self, send, spawn_monitor
from ._dist.runtime import reason_term
from ._dist.spawn import UNDEF, fn_ref, resolve
from ._entity import Exit
from ._match import ANY, TIMEOUT
from ._terms import Atom, ErlangError
from .atoms import DOWN, EXIT, INFINITY

__all__ = ["call"]

BADRPC = Atom("badrpc")
NODEDOWN = Atom("nodedown")
_REPLY = Atom("$rpc_reply")


async def call(node: Any, fn: Any, args: Any = (), timeout: Any = INFINITY) -> Any:
    """``rpc:call(Node, M, F, A[, Timeout])``: ``fn(*args)`` on `node`, or ``("badrpc", ...)``."""
    if not isinstance(args, (list, tuple)):
        raise ErlangError(Atom("badarg"))
    module, qualname = fn_ref(fn)
    tag = make_ref()
    pid, mref = await spawn_monitor(node, _apply, self(), tag, Atom(module), Atom(qualname), tuple(args))
    got = await receive((_REPLY, tag, ANY), (DOWN, mref, ANY, ANY, ANY), timeout=timeout)
    if got is TIMEOUT:
        demonitor(mref, ["flush"])
        return (BADRPC, Atom("timeout"))
    if got[0] == DOWN:
        reason = got[4]
        return (BADRPC, NODEDOWN if reason == "noconnection" else (EXIT, reason))
    demonitor(mref, ["flush"])
    return got[2]


async def _apply(caller: Any, tag: Any, module: str, qualname: str, args: tuple[Any, ...]) -> None:
    """On the called node: run the function and send its result (or the badrpc) back."""
    result: Any
    fn = resolve(str(module), str(qualname))
    if fn is None:
        result = (BADRPC, (EXIT, (UNDEF, [(Atom(module), Atom(qualname), list(args), [])])))
    else:
        try:
            value = fn(*args)
            if inspect.isawaitable(value):
                value = await value
            result = value
        except Exit as e:
            result = (BADRPC, (EXIT, reason_term(e.reason)))
        except ErlangError as e:
            if e.kind == "exit":
                result = (BADRPC, (EXIT, reason_term(e.reason)))
            else:
                result = (BADRPC, (EXIT, (reason_term(e.reason), _stack(e))))
        except Exception as e:  # noqa: BLE001 - any error of the function is the caller's badrpc
            result = (BADRPC, (EXIT, (reason_term(e), _stack(e))))
    send(caller, (_REPLY, tag, result))


def _stack(e: BaseException) -> list[Any]:
    """The traceback as Erlang's stack: ``[{Module, Function, Arity, [{file, F}, {line, L}]}]``,
    innermost first."""
    frames = traceback.extract_tb(e.__traceback__)
    return [
        (Atom(f.filename.rsplit("/", 1)[-1].removesuffix(".py")), Atom(f.name), 0,
         [(Atom("file"), f.filename), (Atom("line"), f.lineno or 0)])
        for f in reversed(frames)
    ]

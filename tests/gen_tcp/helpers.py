"""Shared helpers for the gen_tcp conformance tests (CONFORMANCE.md conventions).

Small and stable on purpose: other test files import these.

- `LOOP`: ``{127,0,0,1}``.
- `pair(lopts, copts)`: CONFORMANCE's ``pair(LOpts, COpts)``; returns ``(L, C, A)``, all
  three owned by the calling process.
- `close_all(*sockets)`: ``gen_tcp:close/1`` on each.
- `closed_port()`: a loopback port number with no listener (listened on, then closed).
- `raises(kind, reason)`: ``{raised, Kind, Reason}``: the block raises `actors.ErlangError`
  with that ``kind`` (``"exit"`` or ``"error"``) and ``reason``.
- `wait_blocked(pid)`: wait until a process is blocked (``process_info`` status
  ``waiting``), e.g. inside ``accept`` or ``recv``; no sleep is used as synchronisation.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import pytest

import actors
import gen_tcp
from gen_tcp import inet

__all__ = ["LOOP", "pair", "close_all", "closed_port", "raises", "wait_blocked", "elapsed_ms"]

LOOP = (127, 0, 0, 1)


async def pair(lopts: Any = (), copts: Any = ()) -> tuple[Any, Any, Any]:
    """``{ok,L}=listen(0,[{ip,Loop}|LOpts]), {ok,C}=connect(Loop,Port,COpts), {ok,A}=accept(L)``.

    An ``{inet_backend, B}`` at the head of `lopts` stays first (it must be), and is
    given to connect too unless `copts` already starts with one.
    """
    lopts = list(lopts)
    copts = list(copts)
    head: list[Any] = []
    if lopts and isinstance(lopts[0], tuple) and lopts[0][0] == "inet_backend":
        head = [lopts.pop(0)]
        if not (copts and isinstance(copts[0], tuple) and copts[0][0] == "inet_backend"):
            copts = head + copts
    ok, ls = await gen_tcp.listen(0, [*head, ("ip", LOOP), *lopts])
    assert ok == "ok", (ok, ls)
    ok, port = await inet.port(ls)
    assert ok == "ok", (ok, port)
    ok, c = await gen_tcp.connect(LOOP, port, copts)
    assert ok == "ok", (ok, c)
    ok, a = await gen_tcp.accept(ls, 5000)  # accept(L): bounded so a fault fails, not hangs
    assert ok == "ok", (ok, a)
    return ls, c, a


async def close_all(*sockets: Any) -> None:
    """``gen_tcp:close/1`` on every socket given."""
    for s in sockets:
        await gen_tcp.close(s)


async def closed_port() -> int:
    """A loopback TCP port with nothing listening on it."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    assert ok == "ok", (ok, ls)
    ok, port = await inet.port(ls)
    await gen_tcp.close(ls)
    assert ok == "ok"
    return port


@contextlib.contextmanager
def raises(kind: str, reason: Any) -> Iterator[Any]:
    """Expect ``{raised, Kind, Reason}``: an `actors.ErlangError` of that kind and reason."""
    with pytest.raises(actors.ErlangError) as info:
        yield info
    err = info.value
    assert err.reason == reason, f"raised {err.kind}:{err.reason!r}, Erlang raises {kind}:{reason!r}"
    assert err.kind == kind, f"raised {err.kind}:{err.reason!r}, Erlang raises {kind}:{reason!r}"


async def wait_blocked(pid: actors.Pid, limit_ms: int = 2000) -> None:
    """Return once `pid` is blocked (status ``waiting``); fail after `limit_ms`.

    Polls ``process_info(Pid, status)``: the caller learns that the other process has
    entered its blocking call (accept, recv, receive) without guessing a delay.
    """
    deadline = time.monotonic() + limit_ms / 1000
    while True:
        info = actors.process_info(pid, "status")
        if info == ("status", "waiting"):
            return
        assert info != "undefined", f"{pid!r} died before blocking"
        assert time.monotonic() < deadline, f"{pid!r} never blocked: {info!r}"
        await actors.sleep(1)


def elapsed_ms(t0: float) -> float:
    """Milliseconds since `t0` (a `time.monotonic()` reading)."""
    return (time.monotonic() - t0) * 1000

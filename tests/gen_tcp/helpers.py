"""Shared helpers for the gen_tcp tests that mirror real Erlang/OTP 25 runs.

Small and stable on purpose: other test files import these.

- `LOOP`: ``{127,0,0,1}``.
- `pair(lopts, copts)`: ``{ok,L}=gen_tcp:listen(0,[{ip,Loop}|LOpts])``,
  ``{ok,C}=gen_tcp:connect(Loop,Port,COpts)``, ``{ok,A}=gen_tcp:accept(L)``; returns
  ``(L, C, A)`` (listen socket, connecting side, accepted side), all three owned by the
  calling process. Test docstrings write it ``pair(LOpts, COpts)``.
- `close_all(*sockets)`: ``gen_tcp:close/1`` on each.
- `closed_port()`: a loopback port number with no listener (listened on, then closed).
- `raises(kind, reason)`: ``{raised, Kind, Reason}``: the block raises `actors.ErlangError`
  with that ``kind`` (``"exit"`` or ``"error"``) and ``reason``.
- `wait_blocked(pid)`: wait until a process is blocked (``process_info`` status
  ``waiting``), e.g. inside ``accept`` or ``recv``; no sleep is used as synchronisation.
- `opened(lopts, copts)`: ``async with``: `pair` whose three sockets are closed (A, C, L)
  when the block ends.
- `scoped_pair(lopts, copts)`: ``async with``: its own listen/connect/accept (connect and
  accept bounded by 5000 ms, no ``inet_backend`` handling); closes A first, then C, then L,
  each one only if it was opened.
- `next_msg(timeout)`: the first message in the mailbox; `about(s)` / `next_about(s)`: a
  receive pattern for, and the next message about, socket `s`.
- `inet_defaults(recbuf, sndbuf)`: the recorded inet-backend option defaults, in order,
  with the kernel-dependent ``recbuf`` / ``sndbuf`` given.
- `random_writes(seed)`: 1 MiB of reproducible random bytes cut into random-sized chunks.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

import actors
import gen_tcp
from actors.testing import assert_receive
from gen_tcp import inet

__all__ = [
    "LOOP",
    "pair",
    "close_all",
    "closed_port",
    "wait_for",
    "rss_mb",
    "raises",
    "wait_blocked",
    "elapsed_ms",
    "opened",
    "scoped_pair",
    "next_msg",
    "about",
    "next_about",
    "inet_defaults",
    "random_writes",
]

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


async def wait_for(check: Callable[[], Awaitable[bool]], what: str, limit_ms: int = 3000) -> None:
    """Return once ``await check()`` is true; fail after `limit_ms` naming `what`.

    For a state of the kernel or of another port that sends no message (bytes that
    arrived, a queue that emptied), polled as `wait_blocked` polls a status.
    """
    deadline = time.monotonic() + limit_ms / 1000
    while not await check():
        assert time.monotonic() < deadline, f"never: {what}"
        await actors.sleep(1)


def rss_mb() -> int:
    """This OS process's resident set size (VmRSS), in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    raise RuntimeError("no VmRSS")


def elapsed_ms(t0: float) -> float:
    """Milliseconds since `t0` (a `time.monotonic()` reading)."""
    return (time.monotonic() - t0) * 1000


@contextlib.asynccontextmanager
async def opened(lopts: Any = (), copts: Any = ()) -> AsyncIterator[tuple[Any, Any, Any]]:
    """``pair(LOpts, COpts)`` whose three sockets are closed when the block ends."""
    l, c, a = await pair(lopts, copts)
    try:
        yield l, c, a
    finally:
        await close_all(a, c, l)


@contextlib.asynccontextmanager
async def scoped_pair(lopts: Any = (), copts: Any = ()) -> AsyncIterator[tuple[Any, Any, Any]]:
    """Like ``pair(LOpts, COpts)`` (see `pair`): listen on loopback, connect, accept.

    Unlike `pair` / `opened`: `lopts` go after ``{ip,Loop}`` as given (no ``inet_backend``
    handling), connect and accept are bounded by 5000 ms, and each socket is closed only
    if it was opened. Closes A first, so that a peer that never read resets C and C's
    queued output is dropped at once, then C, then L.
    """
    ok, l = await gen_tcp.listen(0, [("ip", LOOP), *lopts])
    assert ok == "ok", l
    try:
        ok, port = await inet.port(l)
        assert ok == "ok"
        ok, c = await gen_tcp.connect(LOOP, port, list(copts), 5000)
        assert ok == "ok", c
        try:
            ok, a = await gen_tcp.accept(l, 5000)
            assert ok == "ok", a
            try:
                yield l, c, a
            finally:
                await gen_tcp.close(a)
        finally:
            await gen_tcp.close(c)
    finally:
        await gen_tcp.close(l)


async def next_msg(timeout: int = 2000) -> Any:
    """The first message in the mailbox, in arrival order (fails after `timeout` ms)."""
    return await assert_receive(timeout=timeout)


def about(s: Any) -> Any:
    """A receive pattern for any message naming socket `s` (``{tcp,S,_}``, ``{S,{data,_}}``...)."""

    def pred(m: Any) -> bool:
        return isinstance(m, tuple) and any(type(x) is type(s) and x == s for x in m[:2])

    return pred


async def next_about(s: Any, timeout: int = 2000) -> Any:
    """The next message about socket `s`, in arrival order (fails on timeout)."""
    return await assert_receive(about(s), timeout=timeout)


def inet_defaults(recbuf: int, sndbuf: int) -> list[tuple[str, Any]]:
    """The inet backend's option defaults as recorded on OTP 25, in ``inet:getopts`` order.

    The same for a listen and a connected socket but for ``recbuf`` and ``sndbuf``, which
    the kernel sets; the caller gives those.
    """
    return [
        ("active", True),
        ("packet", 0),
        ("mode", "list"),
        ("header", 0),
        ("exit_on_close", True),
        ("nodelay", False),
        ("keepalive", False),
        ("reuseaddr", False),
        ("linger", (False, 0)),
        ("delay_send", False),
        ("send_timeout", "infinity"),
        ("send_timeout_close", False),
        ("show_econnreset", False),
        ("deliver", "term"),
        ("packet_size", 0),
        ("high_watermark", 8192),
        ("low_watermark", 4096),
        ("high_msgq_watermark", 8192),
        ("low_msgq_watermark", 4096),
        ("buffer", 1460),
        ("recbuf", recbuf),
        ("sndbuf", sndbuf),
        ("tos", 0),
        ("priority", 0),
    ]


def random_writes(seed: int, total: int = 1 << 20, max_chunk: int = 16384) -> list[bytes]:
    """`total` random bytes cut into random-sized chunks (1..max_chunk), reproducibly."""
    rng = random.Random(seed)
    data = rng.randbytes(total)
    chunks = []
    i = 0
    while i < total:
        n = rng.randint(1, max_chunk)
        chunks.append(data[i : i + n])
        i += n
    return chunks

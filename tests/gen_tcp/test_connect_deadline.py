"""gen_tcp:connect with a name: one deadline over the lookup and every address it gives.

What Erlang/OTP 25 does, checked in erl (a ``{tcp_module, M}`` whose ``getaddrs`` returns
a chosen list, and a hosts file giving one name two addresses):

- every address of the name is tried in order until one connects; a name whose first
  address refuses and whose second has a listener connects to the second;
- when every address fails the answer is the last address's error
  (``[127.0.0.2, 255.255.255.255]`` -> ``enetunreach``, the reverse -> ``econnrefused``);
- the timeout is one deadline: each try gets what is left, and a ``timeout`` ends the
  tries (three addresses that never answer, 600 ms: ``{error, timeout}`` after 600 ms);
- the ``{inet_backend, socket}`` backend connects one socket to each address in turn
  (the kernel's answer to a second connect on a refused socket is what comes back).

Names are looked up through ``ports._open.resolver``, replaced here by fakes: this
host's resolver has no name with several addresses.
"""

from __future__ import annotations

import asyncio
import errno
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import actors
import gen_tcp
import ports._open
from actors import ANY
from actors.testing import assert_receive
from gen_tcp import inet

from .helpers import LOOP, closed_port, elapsed_ms, wait_blocked

SOCKET = ("inet_backend", "socket")
BACKENDS = pytest.mark.parametrize("head", [[], [SOCKET]], ids=["inet", "socket"])

Resolver = Callable[[str, str], Any]


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A fake resolver: ``names[host]`` is the list of IP tuples (or the error) a lookup
    of `host` gives; a callable value is called (to block or to take time)."""
    table: dict[str, Any] = {}

    def lookup(host: str, family: str) -> Any:
        found = table.get(host, ("error", "nxdomain"))
        return found() if callable(found) else found

    monkeypatch.setattr(ports._open, "resolver", lookup)
    yield table


async def _listen(*opts: Any) -> tuple[Any, int]:
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), *opts])
    assert ok == "ok", ls
    ok, port = await inet.port(ls)
    return ls, port


async def _full_listener() -> tuple[Any, Any, int]:
    """A listener whose one backlog slot is taken: a further connect never completes.
    Returns (listen socket, the connection holding the slot, port)."""
    ls, port = await _listen(("backlog", 0))
    ok, c = await gen_tcp.connect(LOOP, port, [], 1000)
    assert ok == "ok", c
    assert await gen_tcp.connect(LOOP, port, [], 100) == ("error", "timeout")
    return ls, c, port


def _kernel_reason(code: int) -> str:
    return "ok" if code == 0 else errno.errorcode[code].lower()


def _raw_connect(sock: socket.socket, address: tuple[str, int]) -> str:
    code = sock.connect_ex(address)
    if code == errno.EINPROGRESS:
        select.select([], [sock], [], 2)
        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    return _kernel_reason(code)


def _kernel_answers(*addresses: tuple[str, int]) -> list[str]:
    """What this kernel answers to connecting one non-blocking socket to each address in
    turn (the socket backend's way)."""
    with socket.socket() as sock:
        sock.setblocking(False)
        return [_raw_connect(sock, a) for a in addresses]


def _kernel_answer(address: tuple[str, int]) -> str:
    with socket.socket() as sock:
        sock.setblocking(False)
        return _raw_connect(sock, address)


# -- every address, in order ----------------------------------------------------------------


async def test_second_address_connects_when_first_refuses(names: dict[str, Any]) -> None:
    """erl, a name giving 127.0.0.2 then 127.0.0.1, a listener on 127.0.0.1 only:
    ``connect(Name, P, [], 2000)`` -> ``{ok, S}`` whose peer is ``{127,0,0,1}``."""
    ls, port = await _listen()
    names["multi"] = [(127, 0, 0, 2), LOOP]
    try:
        ok, s = await gen_tcp.connect("multi", port, [], 2000)
        assert ok == "ok", s
        assert await inet.peername(s) == ("ok", (LOOP, port))
        await gen_tcp.close(s)
    finally:
        await gen_tcp.close(ls)


@pytest.mark.parametrize("order", [0, 1], ids=["refused-last", "unreachable-last"])
async def test_all_fail_gives_last_error(names: dict[str, Any], order: int) -> None:
    """erl: when every address fails the answer is the last one's error:
    ``[127.0.0.2, 255.255.255.255]`` -> ``enetunreach``, the reverse -> ``econnrefused``
    (this kernel's answer for each address is the oracle for its error)."""
    port = await closed_port()
    addrs = [(255, 255, 255, 255), (127, 0, 0, 2)]
    if order:
        addrs.reverse()
    names["mixed"] = addrs
    last = _kernel_answer((".".join(map(str, addrs[-1])), port))
    assert await gen_tcp.connect("mixed", port, [], 2000) == ("error", last)


@pytest.mark.socket_backend
async def test_socket_backend_reuses_one_socket(names: dict[str, Any]) -> None:
    """erl, ``{inet_backend, socket}``, the name giving 127.0.0.2 then 127.0.0.1 with a
    listener on 127.0.0.1: gen_tcp_socket connects the same socket to each address, so
    the answer is what the kernel gives a second connect on a refused socket (here, as
    under erl on this kernel: ``econnaborted``)."""
    ls, port = await _listen()
    names["multi"] = [(127, 0, 0, 2), LOOP]
    try:
        expected = _kernel_answers(("127.0.0.2", port), ("127.0.0.1", port))[-1]
        result = await gen_tcp.connect("multi", port, [SOCKET], 2000)
        if result[0] == "ok":
            assert await inet.peername(result[1]) == ("ok", (LOOP, port))
            await gen_tcp.close(result[1])
            assert expected == "ok"
        else:
            assert result == ("error", expected)
    finally:
        await gen_tcp.close(ls)


# -- one deadline -----------------------------------------------------------------------------


@BACKENDS
async def test_deadline_spans_every_address(names: dict[str, Any], head: list[Any]) -> None:
    """erl: three addresses that never answer, ``connect(Name, P, [], 600)`` ->
    ``{error, timeout}`` after 600 ms, not three times that (here with 300 ms)."""
    ls, c, port = await _full_listener()
    names["hang"] = [LOOP, LOOP, LOOP]
    try:
        t0 = time.monotonic()
        assert await gen_tcp.connect("hang", port, head, 300) == ("error", "timeout")
        ms = elapsed_ms(t0)
        assert 250 <= ms < 600, ms
    finally:
        await gen_tcp.close(c)
        await gen_tcp.close(ls)


@BACKENDS
async def test_lookup_time_counts_against_the_connect(names: dict[str, Any], head: list[Any]) -> None:
    """The lookup and the connect share one deadline: a 200 ms lookup then a connect that
    never completes, with a 400 ms timeout -> ``{error, timeout}`` after about 400 ms
    (not 600)."""
    ls, c, port = await _full_listener()

    def slow() -> list[Any]:
        time.sleep(0.2)  # the fake resolver's latency, not synchronisation
        return [LOOP]

    names["slow"] = slow
    try:
        t0 = time.monotonic()
        assert await gen_tcp.connect("slow", port, head, 400) == ("error", "timeout")
        ms = elapsed_ms(t0)
        assert 350 <= ms < 560, ms
    finally:
        await gen_tcp.close(c)
        await gen_tcp.close(ls)


@BACKENDS
async def test_lookup_that_outlasts_the_deadline_times_out(names: dict[str, Any], head: list[Any]) -> None:
    """A lookup still unanswered at the deadline ends the connect with ``{error, timeout}``
    at the deadline (OTP's native resolver would first wait for the answer)."""
    release = threading.Event()
    names["stuck"] = lambda: release.wait(10) and [LOOP]
    port = await closed_port()
    try:
        t0 = time.monotonic()
        assert await gen_tcp.connect("stuck", port, head, 150) == ("error", "timeout")
        ms = elapsed_ms(t0)
        assert 100 <= ms < 1000, ms
    finally:
        release.set()


@BACKENDS
async def test_timeout_0_still_answers_the_lookup(names: dict[str, Any], head: list[Any]) -> None:
    """erl: ``connect("nonexistent.invalid", P, [], 0)`` -> ``{error, nxdomain}``;
    ``connect("localhost", P, [], 0)`` -> ``{error, timeout}`` (the lookup answers first)."""
    port = await closed_port()
    names["known"] = [LOOP]
    assert await gen_tcp.connect("unknown", port, head, 0) == ("error", "nxdomain")
    assert await gen_tcp.connect("known", port, head, 0) == ("error", "timeout")


# -- kills while connecting -------------------------------------------------------------------


async def _connector(parent: actors.Pid, address: Any, port: int, opts: list[Any]) -> None:
    result = await gen_tcp.connect(address, port, opts)
    actors.send(parent, ("connected", actors.self(), result))
    await actors.receive("never")


async def _kill_and_wait(pids: list[actors.Pid]) -> None:
    refs = [actors.monitor("process", p) for p in pids]
    for p in pids:
        actors.exit(p, "kill")
    for ref, p in zip(refs, pids):
        await assert_receive(("DOWN", ref, "process", p, ANY), timeout=2000)


@BACKENDS
async def test_kill_while_connect_is_pending(head: list[Any]) -> None:
    """Killing processes suspended in a connect that never completes closes their
    sockets and leaves the node running (a segfault here under uvloop would end the
    run); 10 rounds of 30."""
    ls, c, port = await _full_listener()
    me = actors.self()
    try:
        for _ in range(10):
            pids = [actors.spawn(_connector, me, LOOP, port, head) for _ in range(30)]
            for p in pids:
                await wait_blocked(p)
            await _kill_and_wait(pids)
        # the node still connects afterwards
        ls2, port2 = await _listen()
        ok, s = await gen_tcp.connect(LOOP, port2, head, 2000)
        assert ok == "ok", s
        await gen_tcp.close(s)
        await gen_tcp.close(ls2)
    finally:
        await gen_tcp.close(c)
        await gen_tcp.close(ls)


async def _loop_turns(n: int) -> None:
    """Let the event loop run `n` iterations (its I/O polls included)."""
    loop = asyncio.get_running_loop()
    for _ in range(n):
        fut = loop.create_future()
        loop.call_soon(fut.set_result, None)
        await fut


@BACKENDS
async def test_kill_at_every_point_of_a_connect(head: list[Any]) -> None:
    """Killing connecting processes after 0..11 turns of the event loop, 600 times,
    against a listener that accepts: whatever step the kill lands on (socket set-up, the
    loop's connect, the transport's set-up, which crashed uvloop 0.23 when cancelled),
    the node survives and no socket stays open; most of the connects got through."""
    ls, port = await _listen(("backlog", 1024))
    me = actors.self()
    connected = 0
    try:
        for i in range(600):
            p = actors.spawn(_connector, me, LOOP, port, head)
            await _loop_turns(i % 12)
            await _kill_and_wait([p])
            while (await actors.receive(("connected", ANY, ANY), timeout=0)) != actors.TIMEOUT:
                connected += 1
        assert connected > 100, connected  # kills also landed after the connect
    finally:
        await gen_tcp.close(ls)


@BACKENDS
async def test_kill_while_the_name_is_looked_up(names: dict[str, Any], head: list[Any]) -> None:
    """Killing processes waiting for a lookup leaves the node running; the lookup threads
    finish on their own once the resolver answers."""
    release = threading.Event()
    names["stuck"] = lambda: release.wait(10) and [LOOP]
    port = await closed_port()
    me = actors.self()
    try:
        pids = [actors.spawn(_connector, me, "stuck", port, head) for _ in range(20)]
        for p in pids:
            await wait_blocked(p)
        await _kill_and_wait(pids)
    finally:
        release.set()

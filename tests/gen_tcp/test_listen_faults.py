"""gen_tcp:listen with edge values: never a Python exception, always Erlang's answer.

Each case was run in erl (OTP 25): every integer backlog listens on the inet backend,
taken modulo 65536 (the driver gets it in 16 bits); ``local`` with nothing to bind is
``{error, einval}``; out-of-range port numbers raise ``exit:badarg`` (inet) or give an
invalid sockaddr (socket backend).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import pytest

import actors
import gen_tcp
from actors import Atom
from gen_tcp import inet

from .helpers import LOOP, raises

SOCKET = ("inet_backend", "socket")


async def _listens(port: Any, opts: list[Any]) -> bool:
    result = await gen_tcp.listen(port, opts)
    if result[0] == "ok":
        await gen_tcp.close(result[1])
        return True
    return False


@pytest.mark.parametrize("backlog", [2**31, 2**31 - 1, 2**32, 2**64, -1, -(2**31), -(2**64)])
async def test_any_integer_backlog_listens(backlog: int) -> None:
    """erl: ``listen(0, [{backlog, B}])`` -> ``{ok, L}`` for B = 2^31, 2^31-1, 2^32, 2^64,
    -1, -2^31, -2^64."""
    assert await _listens(0, [("backlog", backlog)])


@pytest.mark.parametrize(
    ("backlog", "accepted"),
    [(65536, 1), (2**64, 1), (65537, 2), (2**31 + 2, 3)],
)
async def test_backlog_is_taken_modulo_65536(backlog: int, accepted: int) -> None:
    """erl, ``{backlog, B}`` then four connects of 200 ms each, none accepted: B = 0, 65536,
    2^31, 2^64 and -65536 let one connect through, 65537 two, 2^31+2 three; the rest time
    out (B reaches the kernel as B mod 65536). Four of those here, 100 ms each."""
    ok, ls = await gen_tcp.listen(0, [("backlog", backlog), ("ip", LOOP)])
    assert ok == "ok", ls
    _, port = await inet.port(ls)
    results = [await gen_tcp.connect(LOOP, port, [], 100) for _ in range(4)]
    try:
        assert [r[0] == "ok" for r in results] == [True] * accepted + [False] * (4 - accepted)
        assert all(r == ("error", "timeout") for r in results[accepted:])
    finally:
        for r in results:
            if r[0] == "ok":
                await gen_tcp.close(r[1])
        await gen_tcp.close(ls)


@pytest.mark.socket_backend
@pytest.mark.parametrize("backlog", [2**31 - 1, -1, -(2**31)])
async def test_socket_backend_backlog_in_int_range_listens(backlog: int) -> None:
    """erl: ``listen(0, [{inet_backend, socket}, {backlog, B}])`` -> ``{ok, L}`` for
    B = 2^31-1, -1, -2^31."""
    assert await _listens(0, [SOCKET, ("backlog", backlog)])


@pytest.mark.socket_backend
@pytest.mark.parametrize("backlog", [2**31, 2**64, -(2**31) - 1])
async def test_socket_backend_backlog_out_of_int_range_exits(backlog: int) -> None:
    """erl: a backlog outside the C int range crashes gen_tcp_socket's server; the caller
    gets ``exit:{{case_clause, {invalid, {integer_range, B}}}, {gen_statem, call, ...}}``
    (stack trace and server pid left out here)."""
    with pytest.raises(actors.ErlangError) as info:
        await gen_tcp.listen(0, [SOCKET, ("backlog", backlog)])
    assert info.value.kind == "exit"
    crash, call = info.value.reason
    assert crash == ("case_clause", ("invalid", ("integer_range", backlog)))
    assert call[:2] == ("gen_statem", "call") and call[2][1] == ("listen", backlog)


@pytest.mark.parametrize("head", [[], [SOCKET]], ids=["inet", "socket"])
@pytest.mark.parametrize("opts", [[Atom("local")], [Atom("local"), Atom("inet")]], ids=["local", "local-inet"])
async def test_local_with_nothing_to_bind_is_einval(head: list[Any], opts: list[Any]) -> None:
    """erl: ``listen(0, [local])`` and ``listen(0, [local, inet])`` (the first family
    wins) -> ``{error, einval}``, on both backends."""
    assert await gen_tcp.listen(0, [*head, *opts]) == ("error", "einval")


async def test_first_family_wins() -> None:
    """erl: ``listen(0, [inet, local])`` and ``listen(0, [inet6, local])`` -> ``{ok, L}``;
    ``listen(0, [local, {ip, {127,0,0,1}}])`` raises ``exit:badarg``."""
    assert await _listens(0, [Atom("inet"), Atom("local")])
    assert await _listens(0, [Atom("inet6"), Atom("local")])
    with raises("exit", "badarg"):
        await gen_tcp.listen(0, [Atom("local"), ("ip", LOOP)])


async def test_local_with_a_path_listens() -> None:
    """erl: ``listen(0, [local, {ifaddr, {local, Path}}])`` -> ``{ok, L}``."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "s.sock")
        assert await _listens(0, [Atom("local"), ("ifaddr", (Atom("local"), path))])


@pytest.mark.parametrize("port", [65536, -1, 2**32, 2**64, -(2**64)])
async def test_inet_port_out_of_range_raises_badarg(port: int) -> None:
    """erl: ``listen(P, [])`` for P = 65536, -1, 2^32, 2^64, -2^64 -> ``exit:badarg``."""
    with raises("exit", "badarg"):
        await gen_tcp.listen(port, [])


@pytest.mark.socket_backend
@pytest.mark.parametrize(("port", "bound"), [(2**31 - 1, 65535), (-1, 65535), (70000, 4464)])
async def test_socket_backend_port_in_int_range_keeps_16_bits(port: int, bound: int) -> None:
    """erl: ``listen(P, [{inet_backend, socket}])`` for P = 2^31-1 and -1 listens on 65535,
    for 70000 on 4464 (when that port is free)."""
    result = await gen_tcp.listen(port, [SOCKET])
    if result[0] == "error" and result[1] == "eaddrinuse":
        pytest.skip(f"port {bound} is in use on this host")
    assert result[0] == "ok", result
    try:
        assert await inet.port(result[1]) == ("ok", bound)
    finally:
        await gen_tcp.close(result[1])


@pytest.mark.socket_backend
@pytest.mark.parametrize("port", [2**31, 2**32 - 1, 2**32, 2**64, -(2**31) - 1])
@pytest.mark.parametrize("family", ["inet", "inet6"])
async def test_socket_backend_port_out_of_int_range(port: int, family: str) -> None:
    """erl: ``listen(P, [{inet_backend, socket}])`` for P outside the C int range ->
    ``{error, {invalid, {sockaddr, #{addr => any, family => inet, port => P}}}}`` (and
    ``family => inet6`` with ``inet6``)."""
    sockaddr = {"addr": "any", "family": family, "port": port}
    opts: list[Any] = [SOCKET] + ([Atom("inet6")] if family == "inet6" else [])
    assert await gen_tcp.listen(port, opts) == ("error", ("invalid", ("sockaddr", sockaddr)))

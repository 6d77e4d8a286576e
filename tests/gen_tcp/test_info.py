"""inet:peername/1, sockname/1, port/1 and getstat/1,2, on listen, connected and closed sockets.

Each test mirrors a behaviour recorded on real Erlang/OTP 25 (inet backend); its docstring
names the Erlang call and the exact Erlang result.
"""

from __future__ import annotations

import pytest

import actors
import gen_tcp
from gen_tcp import inet

from .helpers import LOOP, scoped_pair

STAT_KEYS = [
    "recv_oct",
    "recv_cnt",
    "recv_max",
    "recv_avg",
    "recv_dvi",
    "send_oct",
    "send_cnt",
    "send_max",
    "send_avg",
    "send_pend",
]
ZERO_STATS = [(k, 0) for k in STAT_KEYS]


# -- port, sockname, peername ----------------------------------------------------------------


async def test_port_and_sockname_of_listen_socket_agree() -> None:
    """``inet:port(L)`` → ``{ok,P}`` with ``P>0`` and ``inet:sockname(L)`` →
    ``{ok,{{127,0,0,1},P}}`` with the same ``P``."""
    ok, l = await gen_tcp.listen(0, [("ip", LOOP)])
    assert ok == "ok"
    try:
        ok, p = await inet.port(l)
        assert ok == "ok" and isinstance(p, int) and p > 0
        assert await inet.sockname(l) == ("ok", (LOOP, p))
    finally:
        await gen_tcp.close(l)


async def test_peername_and_sockname_of_connected_sockets_mirror_each_other() -> None:
    """Connected sockets (run on OTP 25): ``peername(C)`` → ``{ok,{{127,0,0,1},LPort}}``,
    ``sockname(C)`` → ``{ok,{{127,0,0,1},CPort}}``; ``peername(A)`` = ``sockname(C)``,
    ``sockname(A)`` = ``peername(C)`` = ``sockname(L)``; ``inet:port(C)`` →
    ``{ok,CPort}``, ``inet:port(A)`` → ``{ok,LPort}``."""
    async with scoped_pair() as (l, c, a):
        ok, lport = await inet.port(l)
        assert ok == "ok"
        ok, (caddr, cport) = await inet.sockname(c)
        assert ok == "ok" and caddr == LOOP and isinstance(cport, int) and cport > 0
        assert cport != lport
        assert await inet.peername(c) == ("ok", (LOOP, lport))
        assert await inet.peername(a) == ("ok", (LOOP, cport))
        assert await inet.sockname(a) == ("ok", (LOOP, lport))
        assert await inet.port(c) == ("ok", cport)
        assert await inet.port(a) == ("ok", lport)


async def test_address_tuple_shapes() -> None:
    """The addresses are Erlang tuples: ``{{127,0,0,1},P}`` is a 2-tuple holding a 4-tuple of
    ints and an int (not a Python ``(str, int)`` sockaddr)."""
    async with scoped_pair() as (_l, c, _a):
        ok, addr = await inet.peername(c)
        assert ok == "ok"
        assert isinstance(addr, tuple) and len(addr) == 2
        ip, port = addr
        assert isinstance(ip, tuple) and all(type(x) is int for x in ip) and len(ip) == 4
        assert type(port) is int


async def test_peername_and_sockname_ipv6() -> None:
    """IPv6 loopback, ``listen(0,[inet6,{ip,{0,0,0,0,0,0,0,1}}])``: ``sockname(L)`` →
    ``{ok,{{0,0,0,0,0,0,0,1},P}}``; the connected socket's ``peername`` is the same."""
    v6 = (0, 0, 0, 0, 0, 0, 0, 1)
    ok, l = await gen_tcp.listen(0, ["inet6", ("ip", v6)])
    assert ok == "ok", l
    try:
        ok, p = await inet.port(l)
        assert ok == "ok"
        assert await inet.sockname(l) == ("ok", (v6, p))
        ok, c = await gen_tcp.connect(v6, p, ["inet6"], 5000)
        assert ok == "ok", c
        try:
            ok, a = await gen_tcp.accept(l, 5000)
            assert ok == "ok"
            try:
                assert await inet.peername(c) == ("ok", (v6, p))
                ok, (ip, _cport) = await inet.peername(a)
                assert (ok, ip) == ("ok", v6)
            finally:
                await gen_tcp.close(a)
        finally:
            await gen_tcp.close(c)
    finally:
        await gen_tcp.close(l)


async def test_peername_of_listen_socket_is_enotconn() -> None:
    """``inet:peername/1`` on a listen socket → ``{error,enotconn}``."""
    ok, l = await gen_tcp.listen(0, [("ip", LOOP)])
    assert ok == "ok"
    try:
        assert await inet.peername(l) == ("error", "enotconn")
    finally:
        await gen_tcp.close(l)


async def test_info_on_locally_closed_connected_socket_is_einval() -> None:
    """On a locally closed connected socket, inet: ``peername``,
    ``sockname``, ``inet:port`` and ``getstat`` → ``{error,einval}``."""
    async with scoped_pair() as (_l, c, _a):
        assert await gen_tcp.close(c) == "ok"
        assert await inet.peername(c) == ("error", "einval")
        assert await inet.sockname(c) == ("error", "einval")
        assert await inet.port(c) == ("error", "einval")
        assert await inet.getstat(c) == ("error", "einval")


async def test_info_on_closed_listen_socket_is_einval() -> None:
    """After ``gen_tcp:close(L)``, on the closed listen
    socket, inet: ``inet:port``, ``sockname``, ``peername`` and ``getstat`` →
    ``{error,einval}``."""
    ok, l = await gen_tcp.listen(0, [("ip", LOOP)])
    assert ok == "ok"
    assert await gen_tcp.close(l) == "ok"
    assert await inet.port(l) == ("error", "einval")
    assert await inet.sockname(l) == ("error", "einval")
    assert await inet.peername(l) == ("error", "einval")
    assert await inet.getstat(l) == ("error", "einval")


@pytest.mark.parametrize("fn", ["peername", "sockname", "port", "getstat"])
async def test_info_on_non_socket_raises_function_clause(fn: str) -> None:
    """A run on OTP 25: ``inet:peername(foo)``, ``sockname(foo)``, ``port(foo)`` and
    ``getstat(foo)`` → ``{raised,error,function_clause}``."""
    with pytest.raises(actors.ErlangError) as info:
        await getattr(inet, fn)(actors.Atom("foo"))
    assert info.value.reason == "function_clause"


# -- getstat ---------------------------------------------------------------------------------


async def test_getstat_fixed_keys_in_fixed_order() -> None:
    """``getstat/1`` → ``{ok,[{recv_oct,0},{recv_cnt,0},{recv_max,0},
    {recv_avg,0},{recv_dvi,0},{send_oct,0},{send_cnt,0},{send_max,0},{send_avg,0},
    {send_pend,0}]}`` (no ``send_dvi``)."""
    async with scoped_pair() as (_l, c, a):
        assert await inet.getstat(c) == ("ok", ZERO_STATS)
        assert await inet.getstat(a) == ("ok", ZERO_STATS)


async def test_getstat_counts_traffic() -> None:
    """A run on OTP 25: after ``send(C,<<"hello">>)`` and ``send(C,<<"wor">>)`` and
    ``recv(A,8)``: C has ``send_oct 8, send_cnt 2, send_max 5, send_avg 4, send_pend 0``
    and zero recv counters; A has ``recv_oct 8`` (``recv_cnt`` 1 there; how the kernel
    coalesces decides it) and zero send counters."""
    async with scoped_pair([("active", False), "binary"], [("active", False), "binary"]) as (_l, c, a):
        assert await gen_tcp.send(c, b"hello") == "ok"
        assert await gen_tcp.send(c, b"wor") == "ok"
        assert await gen_tcp.recv(a, 8, 2000) == ("ok", b"hellowor")
        ok, cstats = await inet.getstat(c)
        assert ok == "ok"
        assert cstats == [
            ("recv_oct", 0),
            ("recv_cnt", 0),
            ("recv_max", 0),
            ("recv_avg", 0),
            ("recv_dvi", 0),
            ("send_oct", 8),
            ("send_cnt", 2),
            ("send_max", 5),
            ("send_avg", 4),
            ("send_pend", 0),
        ]
        ok, astats = await inet.getstat(a)
        assert ok == "ok"
        assert [k for k, _ in astats] == STAT_KEYS
        got = dict(astats)
        assert got["recv_oct"] == 8
        assert 1 <= got["recv_cnt"] <= 2
        assert 4 <= got["recv_max"] <= 8
        assert got["recv_avg"] == 8 // got["recv_cnt"]
        assert [got[k] for k in STAT_KEYS[5:]] == [0, 0, 0, 0, 0]
        assert await inet.getstat(a, ["recv_oct", "send_oct"]) == ("ok", [("recv_oct", 8), ("send_oct", 0)])


async def test_getstat_unknown_name_is_einval() -> None:
    """An unknown stat name, inet → ``{error,einval}``; so is the doc's
    ``send_dvi`` (run on OTP 25)."""
    async with scoped_pair() as (_l, c, _a):
        assert await inet.getstat(c, [actors.Atom("foo")]) == ("error", "einval")
        assert await inet.getstat(c, ["send_dvi"]) == ("error", "einval")
        assert await inet.getstat(c, ["recv_oct", actors.Atom("foo")]) == ("error", "einval")


async def test_getstat_on_listen_socket_is_full_zero_list() -> None:
    """``getstat`` on a listen socket gives the full zero list."""
    ok, l = await gen_tcp.listen(0, [("ip", LOOP)])
    assert ok == "ok"
    try:
        assert await inet.getstat(l) == ("ok", ZERO_STATS)
    finally:
        await gen_tcp.close(l)


async def test_getstat_empty_and_repeated_keys() -> None:
    """``getstat(C,[])`` → ``{ok,[]}``; a repeated key is repeated:
    ``{ok,[{recv_oct,0},{recv_oct,0}]}``; the full list of names, given explicitly, comes
    back in the order asked (run on OTP 25)."""
    async with scoped_pair() as (_l, c, _a):
        assert await inet.getstat(c, []) == ("ok", [])
        assert await inet.getstat(c, ["recv_oct", "recv_oct"]) == ("ok", [("recv_oct", 0), ("recv_oct", 0)])
        backwards = list(reversed(STAT_KEYS))
        assert await inet.getstat(c, backwards) == ("ok", [(k, 0) for k in backwards])


async def test_getstat_options_not_a_list_raises_function_clause() -> None:
    """A run on OTP 25: ``inet:getstat(C,recv_oct)`` → ``{raised,error,function_clause}``."""
    async with scoped_pair() as (_l, c, _a):
        with pytest.raises(actors.ErlangError) as info:
            await inet.getstat(c, "recv_oct")
        assert info.value.reason == "function_clause"


async def test_ip_and_port_not_readable_with_getopts() -> None:
    """``ip`` and ``port`` cannot be read with ``getopts``: inet
    ``{error,einval}`` for both (use ``sockname``)."""
    async with scoped_pair() as (_l, c, _a):
        assert await inet.getopts(c, ["ip"]) == ("error", "einval")
        assert await inet.getopts(c, ["port"]) == ("error", "einval")

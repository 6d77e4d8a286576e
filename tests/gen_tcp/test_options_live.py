"""Options on live gen_tcp sockets: set at open and with setopts, read back, and felt.

Every option in the ``option()``, ``connect_option()`` and ``listen_option()`` types of
Erlang's gen_tcp manual is validated, read back by ``inet:getopts/2`` in Erlang's
shape, and has its real effect where Linux has one. Each test runs on real sockets
(listen/connect/accept) and, where the option is a kernel one, checks the kernel's view
with Python's ``socket.getsockopt`` on the port's own socket (reached through the node's
table: tests only). Also ``inet6``, ``local`` (Unix domain sockets), ``{fd, F}`` and
``{netns, Path}``; IPv6 loopback, setopts/getopts read-back, buffers, watermarks, bad
values, raw options and ``reuseaddr`` over TIME_WAIT, all on live sockets.

Every expected value was printed by Erlang/OTP 25.2.3 (inet backend) on this machine;
each docstring gives the Erlang call and the result it mirrors.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import struct
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import actors
import actors.runtime
import gen_tcp
from actors import Atom
from actors.testing import assert_receive
from gen_tcp import inet

from .helpers import LOOP, close_all, closed_port, pair, raises

IP6_LOOP = (0, 0, 0, 0, 0, 0, 0, 1)
IP6_ANY = (0, 0, 0, 0, 0, 0, 0, 0)
EINVAL = ("error", "einval")
SOL, TCP, IP, IP6 = socket.SOL_SOCKET, socket.IPPROTO_TCP, socket.IPPROTO_IP, socket.IPPROTO_IPV6
SO_PRIORITY = getattr(socket, "SO_PRIORITY", 12)
SO_BINDTODEVICE = getattr(socket, "SO_BINDTODEVICE", 25)
IPV6_TCLASS = getattr(socket, "IPV6_TCLASS", 67)
ONE = struct.pack("=i", 1)  # <<1:32/native>>


def ksock(s: Any) -> socket.socket:
    """The OS socket behind gen_tcp socket `s` (test-only access to the port actor)."""
    return actors.runtime.current().node.table[s].sock


def kopt(s: Any, level: int, name: int) -> int:
    return ksock(s).getsockopt(level, name)


def klinger(s: Any) -> tuple[int, int]:
    return struct.unpack("ii", ksock(s).getsockopt(SOL, socket.SO_LINGER, 8))


def kdevice(s: Any) -> bytes:
    return ksock(s).getsockopt(SOL, SO_BINDTODEVICE, 64).split(b"\0", 1)[0]


def _core(name: str) -> int:
    return int(Path(f"/proc/sys/net/core/{name}").read_text())


async def getopt1(s: Any, name: Any) -> Any:
    """``{ok,[{Name,V}]} = inet:getopts(S,[Name])`` -> V."""
    ok, got = await inet.getopts(s, [name])
    assert ok == "ok", got
    assert len(got) == 1 and got[0][0] == name, got
    return got[0][1]


# -- nodelay, keepalive, reuseaddr, tos, ttl, priority, linger ------------------------------

KERNEL_SET = [
    ("nodelay", True),
    ("keepalive", True),
    ("tos", 16),
    ("ttl", 33),
    ("priority", 3),
    ("linger", (True, 7)),
    ("reuseaddr", True),
]
NAMES = [n for n, _ in KERNEL_SET]


def _kernel_view(s: Any) -> dict[str, Any]:
    return {
        "nodelay": kopt(s, TCP, socket.TCP_NODELAY),
        "keepalive": kopt(s, SOL, socket.SO_KEEPALIVE),
        "tos": kopt(s, IP, socket.IP_TOS),
        "ttl": kopt(s, IP, socket.IP_TTL),
        "priority": kopt(s, SOL, SO_PRIORITY),
        "linger": klinger(s),
        "reuseaddr": kopt(s, SOL, socket.SO_REUSEADDR),
    }


KERNEL_EXPECTED = {
    "nodelay": 1,
    "keepalive": 1,
    "tos": 16,
    "ttl": 33,
    "priority": 3,
    "linger": (1, 7),
    "reuseaddr": 1,
}


async def test_kernel_options_given_at_open_reach_l_c_and_a() -> None:
    """``pair(Opts, Opts)`` with Opts = ``[{nodelay,true},{keepalive,true},{tos,16},
    {ttl,33},{priority,3},{linger,{true,7}},{reuseaddr,true}]``; getopts of those names on
    C, A and L each -> ``{ok,[{nodelay,true},{keepalive,true},{tos,16},{ttl,33},
    {priority,3},{linger,{true,7}},{reuseaddr,true}]}`` (A gets them from L). The kernel
    holds TCP_NODELAY 1, SO_KEEPALIVE 1, IP_TOS 16, IP_TTL 33, SO_PRIORITY 3,
    SO_LINGER {1,7}, SO_REUSEADDR 1 on all three."""
    ls, c, a = await pair(KERNEL_SET, KERNEL_SET)
    try:
        for s in (c, a, ls):
            assert await inet.getopts(s, NAMES) == ("ok", KERNEL_SET), s
            assert _kernel_view(s) == KERNEL_EXPECTED, s
    finally:
        await close_all(c, a, ls)


async def test_kernel_options_set_with_setopts() -> None:
    """On a default pair: ``inet:setopts(C, Opts)`` (Opts as above) -> ``ok``; then
    ``inet:getopts(C, Names)`` -> ``{ok, Opts}``; the kernel agrees. A is untouched
    (``{nodelay,false}``, TCP_NODELAY 0)."""
    ls, c, a = await pair()
    try:
        assert _kernel_view(c)["nodelay"] == 0
        assert await inet.setopts(c, KERNEL_SET) == "ok"
        assert await inet.getopts(c, NAMES) == ("ok", KERNEL_SET)
        assert _kernel_view(c) == KERNEL_EXPECTED
        assert await getopt1(a, "nodelay") is False
        assert kopt(a, TCP, socket.TCP_NODELAY) == 0
        assert await inet.setopts(c, [("nodelay", False), ("keepalive", False)]) == "ok"
        assert await inet.getopts(c, ["nodelay", "keepalive"]) == (
            "ok",
            [("nodelay", False), ("keepalive", False)],
        )
        assert kopt(c, TCP, socket.TCP_NODELAY) == 0
        assert kopt(c, SOL, socket.SO_KEEPALIVE) == 0
    finally:
        await close_all(c, a, ls)


async def test_listen_setopts_kernel_options_inherited_by_accept() -> None:
    """``inet:setopts(L,[{keepalive,true},{nodelay,true}])``, then a new connection:
    ``inet:getopts(A3,[keepalive,nodelay])`` -> ``{ok,[{keepalive,true},{nodelay,true}]}``.
    Listen with ``[{tos,32},{priority,2},{ttl,9}]``: the accepted socket reads
    ``{ok,[{tos,32},{priority,2},{ttl,9}]}``."""
    ls, c, a = await pair()
    c2 = a2 = None
    try:
        assert await inet.setopts(ls, [("keepalive", True), ("nodelay", True)]) == "ok"
        ok, port = await inet.port(ls)
        ok, c2 = await gen_tcp.connect(LOOP, port, [])
        ok, a2 = await gen_tcp.accept(ls, 1000)
        assert ok == "ok"
        assert await inet.getopts(a2, ["keepalive", "nodelay"]) == (
            "ok",
            [("keepalive", True), ("nodelay", True)],
        )
        assert kopt(a2, SOL, socket.SO_KEEPALIVE) == 1
        assert kopt(a2, TCP, socket.TCP_NODELAY) == 1
    finally:
        await close_all(*(s for s in (c2, a2) if s is not None), c, a, ls)
    ls, c, a = await pair([("tos", 32), ("priority", 2), ("ttl", 9)])
    try:
        assert await inet.getopts(a, ["tos", "priority", "ttl"]) == (
            "ok",
            [("tos", 32), ("priority", 2), ("ttl", 9)],
        )
        assert (kopt(a, IP, socket.IP_TOS), kopt(a, SOL, SO_PRIORITY), kopt(a, IP, socket.IP_TTL)) == (
            32,
            2,
            9,
        )
    finally:
        await close_all(c, a, ls)


async def test_ttl_tos_priority_kernel_limits() -> None:
    """``setopts(C,[{ttl,1000}])`` -> ``{error,einval}``; ``[{ttl,0}]`` -> ``{error,einval}``
    (the kernel refuses both); ``[{tos,256}]`` -> ``ok`` and ``getopts`` -> ``{tos,0}``
    (the kernel keeps the low byte); ``[{priority,7}]`` -> ``ok``, ``{priority,7}``;
    default ``ttl`` reads the kernel's default (64 here)."""
    ls, c, a = await pair()
    try:
        assert await getopt1(c, "ttl") == kopt(c, IP, socket.IP_TTL)
        assert await inet.setopts(c, [("ttl", 1000)]) == EINVAL
        assert await inet.setopts(c, [("ttl", 0)]) == EINVAL
        assert await inet.setopts(c, [("tos", 256)]) == "ok"
        assert await getopt1(c, "tos") == 0
        assert kopt(c, IP, socket.IP_TOS) == 0
        assert await inet.setopts(c, [("priority", 7)]) == "ok"
        assert await getopt1(c, "priority") == 7
        assert kopt(c, SOL, SO_PRIORITY) == 7
    finally:
        await close_all(c, a, ls)


# -- linger ---------------------------------------------------------------------------------


async def test_linger_true_0_peer_sees_econnreset_passive() -> None:
    """``listen(0,[{ip,Loop},{active,false},{show_econnreset,true}])``, C connects with
    ``[{linger,{true,0}}]``; ``gen_tcp:close(C)``; then ``recv(A,0,1000)`` ->
    ``{error,econnreset}`` and again -> ``{error,enotconn}``. C's SO_LINGER is {1,0}."""
    ls, c, a = await pair(
        [("active", False), ("show_econnreset", True)], [("linger", (True, 0))]
    )
    try:
        assert await getopt1(c, "linger") == (True, 0)
        assert klinger(c) == (1, 0)
        assert await getopt1(a, "show_econnreset") is True
        await gen_tcp.close(c)
        assert await gen_tcp.recv(a, 0, 1000) == ("error", "econnreset")
        assert await gen_tcp.recv(a, 0, 1000) == ("error", "enotconn")
    finally:
        await close_all(c, a, ls)


async def test_linger_true_0_via_setopts_peer_sees_reset_active() -> None:
    """Active A with ``{show_econnreset,true}``; ``inet:setopts(C,[{linger,{true,0}}])``
    -> ``ok``; ``gen_tcp:close(C)``: A's owner gets ``{tcp_error,A,econnreset}`` then
    ``{tcp_closed,A}``."""
    ls, c, a = await pair([("show_econnreset", True)])
    try:
        assert await inet.setopts(c, [("linger", (True, 0))]) == "ok"
        assert klinger(c) == (1, 0)
        await gen_tcp.close(c)
        await assert_receive(("tcp_error", a, "econnreset"))
        await assert_receive(("tcp_closed", a))
    finally:
        await close_all(c, a, ls)


async def test_linger_true_0_without_show_econnreset_is_closed() -> None:
    """Without show_econnreset: C with ``{linger,{true,0}}`` closes; ``recv(A,0,1000)``
    -> ``{error,closed}``."""
    ls, c, a = await pair([("active", False)], [("linger", (True, 0))])
    try:
        await gen_tcp.close(c)
        assert await gen_tcp.recv(a, 0, 1000) == ("error", "closed")
    finally:
        await close_all(c, a, ls)


async def test_linger_last_open_value_wins_and_readback_is_the_kernels() -> None:
    """``connect(Loop,P,[{linger,{true,5}},{linger,{false,3}}])`` -> getopts
    ``{linger,{false,0}}`` (the last one wins; Linux keeps the time only when on).
    ``setopts(C,[{linger,{true,-1}}])`` -> ``ok`` (a negative time is accepted) and getopts
    returns what the kernel holds (``{true,-1752346657}`` on this kernel): the same pair as
    SO_LINGER."""
    ls, c, a = await pair([], [("linger", (True, 5)), ("linger", (False, 3))])
    try:
        assert await getopt1(c, "linger") == (False, 0)
        assert klinger(c) == (0, 0)
        assert await inet.setopts(c, [("linger", (True, -1))]) == "ok"
        onoff, secs = klinger(c)
        assert onoff == 1
        assert await getopt1(c, "linger") == (True, secs)
    finally:
        await close_all(c, a, ls)


# -- recbuf, sndbuf, buffer ---------------------------------------------------------------


async def test_recbuf_sndbuf_doubled_and_buffer_follows() -> None:
    """``setopts(C,[{recbuf,4096},{sndbuf,4096}])`` ->
    ``{buffer,4096},{recbuf,8192},{sndbuf,8192}``; then ``{recbuf,65536}`` ->
    ``{buffer,65536},{recbuf,131072}``. SO_RCVBUF/SO_SNDBUF hold the doubled values."""
    ls, c, a = await pair()
    try:
        assert await getopt1(c, "buffer") == 1460
        assert await inet.setopts(c, [("recbuf", 4096), ("sndbuf", 4096)]) == "ok"
        assert await inet.getopts(c, ["buffer", "recbuf", "sndbuf"]) == (
            "ok",
            [("buffer", 4096), ("recbuf", 8192), ("sndbuf", 8192)],
        )
        assert kopt(c, SOL, socket.SO_RCVBUF) == 8192
        assert kopt(c, SOL, socket.SO_SNDBUF) == 8192
        assert await inet.setopts(c, [("recbuf", 65536)]) == "ok"
        assert await inet.getopts(c, ["buffer", "recbuf"]) == (
            "ok",
            [("buffer", 65536), ("recbuf", 131072)],
        )
        assert kopt(c, SOL, socket.SO_RCVBUF) == 131072
    finally:
        await close_all(c, a, ls)


async def test_buffers_at_open_connect_and_listen() -> None:
    """Buffers at open: listen ``[{recbuf,8000},{sndbuf,9000}]``, connect ``[{recbuf,20000},
    {sndbuf,30000}]``: C -> ``{buffer,20000},{recbuf,40000},{sndbuf,60000}``; A and L ->
    ``{buffer,8000},{recbuf,16000},{sndbuf,18000}``."""
    ls, c, a = await pair([("recbuf", 8000), ("sndbuf", 9000)], [("recbuf", 20000), ("sndbuf", 30000)])
    try:
        names = ["buffer", "recbuf", "sndbuf"]
        assert await inet.getopts(c, names) == (
            "ok",
            [("buffer", 20000), ("recbuf", 40000), ("sndbuf", 60000)],
        )
        assert (kopt(c, SOL, socket.SO_RCVBUF), kopt(c, SOL, socket.SO_SNDBUF)) == (40000, 60000)
        for s in (a, ls):
            assert await inet.getopts(s, names) == (
                "ok",
                [("buffer", 8000), ("recbuf", 16000), ("sndbuf", 18000)],
            ), s
            assert (kopt(s, SOL, socket.SO_RCVBUF), kopt(s, SOL, socket.SO_SNDBUF)) == (16000, 18000)
    finally:
        await close_all(c, a, ls)


async def test_negative_buffer_sizes_accepted() -> None:
    """Negative sizes are accepted: ``setopts(C,[{recbuf,-1}])`` -> ``ok``, getopts
    ``{recbuf,8388608}, {buffer,1460}`` (the kernel clamps to 2 x rmem_max; buffer is left
    alone); ``{sndbuf,-1}`` -> ``{sndbuf,8388608}`` (2 x wmem_max); ``{buffer,-1}`` ->
    ``{buffer,1}``; ``{high_watermark,-1}`` -> ``{high_watermark,0},{low_watermark,0}``."""
    ls, c, a = await pair()
    try:
        assert await inet.setopts(c, [("recbuf", -1)]) == "ok"
        assert await inet.getopts(c, ["recbuf", "buffer"]) == (
            "ok",
            [("recbuf", 2 * _core("rmem_max")), ("buffer", 1460)],
        )
        assert await inet.setopts(c, [("sndbuf", -1)]) == "ok"
        assert await getopt1(c, "sndbuf") == 2 * _core("wmem_max")
        assert await inet.setopts(c, [("buffer", -1)]) == "ok"
        assert await getopt1(c, "buffer") == 1
        assert await inet.setopts(c, [("high_watermark", -1)]) == "ok"
        assert await inet.getopts(c, ["high_watermark", "low_watermark"]) == (
            "ok",
            [("high_watermark", 0), ("low_watermark", 0)],
        )
    finally:
        await close_all(c, a, ls)


async def test_buffer_limits_recv_0_chunk_size() -> None:
    """``listen(0,[{ip,Loop},{active,false},binary,{buffer,10}])``; C sends 100 bytes and
    shuts down writing; 12 x ``recv(A,0,1000)`` -> ten ``{ok,<<_:10/binary>>}``, then
    ``{error,closed}``, ``{error,enotconn}``. With ``setopts(A,[{buffer,30}])`` instead:
    30, 30, 30, 10, ``{error,closed}``."""
    ls, c, a = await pair([("active", False), "binary", ("buffer", 10)])
    try:
        assert await getopt1(a, "buffer") == 10
        assert await gen_tcp.send(c, b"x" * 100) == "ok"
        assert await gen_tcp.shutdown(c, "write") == "ok"
        got = [await gen_tcp.recv(a, 0, 1000) for _ in range(12)]
        sizes = [len(r[1]) if r[0] == "ok" else r for r in got]
        assert sizes == [10] * 10 + [("error", "closed"), ("error", "enotconn")]
    finally:
        await close_all(c, a, ls)
    ls, c, a = await pair([("active", False), "binary"])
    try:
        assert await inet.setopts(a, [("buffer", 30)]) == "ok"
        assert await getopt1(a, "buffer") == 30
        assert await gen_tcp.send(c, b"y" * 100) == "ok"
        assert await gen_tcp.shutdown(c, "write") == "ok"
        got = [await gen_tcp.recv(a, 0, 1000) for _ in range(5)]
        sizes = [len(r[1]) if r[0] == "ok" else r for r in got]
        assert sizes == [30, 30, 30, 10, ("error", "closed")]
    finally:
        await close_all(c, a, ls)


# -- read-back, watermarks, bad values, raw options on live sockets ---------------------------

ITEM153 = [
    ("nodelay", True),
    ("keepalive", True),
    ("reuseaddr", True),
    ("linger", (True, 5)),
    ("delay_send", True),
    ("exit_on_close", False),
    ("show_econnreset", True),
    ("send_timeout", 5000),
    ("send_timeout_close", True),
    ("deliver", Atom("port")),
    ("header", 3),
    ("packet_size", 1000),
    ("packet", 4),
]


@pytest.mark.parametrize(("name", "value"), ITEM153, ids=[n for n, _ in ITEM153])
async def test_simple_options_read_back_as_set(name: str, value: Any) -> None:
    """``setopts(C,[{Name,Value}])`` -> ``ok``; ``getopts(C,[Name])`` ->
    ``{ok,[{Name,Value}]}`` for nodelay, keepalive, reuseaddr, linger {true,5},
    delay_send, exit_on_close, show_econnreset, send_timeout 5000, send_timeout_close,
    deliver port, header 3, packet_size 1000, packet 4."""
    ls, c, a = await pair()
    try:
        assert await inet.setopts(c, [(name, value)]) == "ok"
        assert await inet.getopts(c, [name]) == ("ok", [(name, value)])
    finally:
        await close_all(c, a, ls)


async def test_watermarks_clamped_on_a_live_socket() -> None:
    """Watermarks clamp each other: ``setopts(C,[{high_watermark,1000},{low_watermark,500}])``
    -> 1000/500; then
    ``{low_watermark,2000}`` -> 2000/2000; then ``{high_watermark,100}`` -> 100/100; msgq
    marks ``100/50`` kept as set."""
    ls, c, a = await pair()
    names = ["high_watermark", "low_watermark"]
    try:
        assert await inet.setopts(c, [("high_watermark", 1000), ("low_watermark", 500)]) == "ok"
        assert await inet.getopts(c, names) == ("ok", [("high_watermark", 1000), ("low_watermark", 500)])
        assert await inet.setopts(c, [("low_watermark", 2000)]) == "ok"
        assert await inet.getopts(c, names) == ("ok", [("high_watermark", 2000), ("low_watermark", 2000)])
        assert await inet.setopts(c, [("high_watermark", 100)]) == "ok"
        assert await inet.getopts(c, names) == ("ok", [("high_watermark", 100), ("low_watermark", 100)])
        assert (
            await inet.setopts(c, [("high_msgq_watermark", 100), ("low_msgq_watermark", 50)]) == "ok"
        )
        assert await inet.getopts(c, ["high_msgq_watermark", "low_msgq_watermark"]) == (
            "ok",
            [("high_msgq_watermark", 100), ("low_msgq_watermark", 50)],
        )
    finally:
        await close_all(c, a, ls)


ITEM156_BAD = [
    [("nodelay", "maybe")],
    [("linger", "foo")],
    [("send_timeout", "foo")],
    [("send_timeout", -1)],
    [("header", -1)],
    [("deliver", "foo")],
    [("mode", "foo")],
    [("foo", 1)],
    ["foo"],
    [("reuseport", True)],
    [("ipv6_v6only", True)],  # on an IPv4 socket
    [("bind_to_device", "lo")],  # a string, not a binary
    [("fd", 3)],
    [("tclass", 8)],  # on an IPv4 socket: the kernel refuses, inet_drv says einval
    [("recvtclass", True)],
    [("ttl", 0)],
]


@pytest.mark.parametrize("opts", ITEM156_BAD, ids=repr)
async def test_setopts_bad_values_einval(opts: list[Any]) -> None:
    """On inet ``setopts(C, Opts)`` -> ``{error,einval}`` for
    ``{nodelay,maybe}``, ``{linger,foo}``, ``{send_timeout,foo}``, ``{send_timeout,-1}``,
    ``{header,-1}``, ``{deliver,foo}``, ``{mode,foo}``, ``{foo,1}``, ``[foo]``; also
    ``{reuseport,true}`` (OTP 25 has no reuseport), ``{ipv6_v6only,true}`` on IPv4,
    ``{bind_to_device,"lo"}``, ``{fd,3}``, and ``{tclass,8}``, ``{recvtclass,true}``,
    ``{ttl,0}`` (kernel refusals: inet_drv reports them as einval). The socket still
    works."""
    ls, c, a = await pair([("active", False)])
    try:
        assert await inet.setopts(c, opts) == EINVAL
        assert await gen_tcp.send(c, b"ok") == "ok"
        assert await gen_tcp.recv(a, 0, 1000) == ("ok", "ok")
    finally:
        await close_all(c, a, ls)


async def test_one_bad_option_applies_nothing() -> None:
    """``setopts(C,[{nodelay,true},{active,maybe}])`` -> ``{error,einval}``;
    ``getopts(C,[nodelay,{raw,6,1,4}])`` -> ``{ok,[{nodelay,false},{raw,6,1,<<0,0,0,0>>}]}``
    (the kernel was not touched either)."""
    ls, c, a = await pair()
    try:
        assert await inet.setopts(c, [("nodelay", True), ("active", "maybe")]) == EINVAL
        assert await inet.getopts(c, ["nodelay", ("raw", 6, 1, 4)]) == (
            "ok",
            [("nodelay", False), ("raw", 6, 1, b"\0\0\0\0")],
        )
        assert kopt(c, TCP, socket.TCP_NODELAY) == 0
    finally:
        await close_all(c, a, ls)


SETOPTS_ONLY = [
    ("recvtos", True, (IP, getattr(socket, "IP_RECVTOS", 13))),
    ("recvttl", True, (IP, getattr(socket, "IP_RECVTTL", 12))),
    ("dontroute", True, (SOL, socket.SO_DONTROUTE)),
    ("broadcast", True, (SOL, socket.SO_BROADCAST)),
    ("nopush", True, (TCP, getattr(socket, "TCP_CORK", 3))),
]


@pytest.mark.parametrize(("name", "value", "sockopt"), SETOPTS_ONLY, ids=[n for n, _, _ in SETOPTS_ONLY])
async def test_more_kernel_options_via_setopts(name: str, value: Any, sockopt: tuple[int, int]) -> None:
    """``setopts(C,[{Name,true}])`` -> ``ok`` and ``getopts(C,[Name])`` ->
    ``{ok,[{Name,true}]}`` for recvtos, recvttl, dontroute, broadcast, nopush (each
    ``false`` on a fresh socket); the kernel option is 1. ``listen(0,[{dontroute,true}])``
    -> ``{'EXIT',badarg}`` (OTP 25 takes dontroute in setopts only)."""
    ls, c, a = await pair()
    try:
        assert await inet.getopts(c, [name]) == ("ok", [(name, False)])
        assert await inet.setopts(c, [(name, value)]) == "ok"
        assert await inet.getopts(c, [name]) == ("ok", [(name, value)])
        assert kopt(c, *sockopt) == 1
    finally:
        await close_all(c, a, ls)
    if name == "dontroute":
        with raises("exit", "badarg"):
            await gen_tcp.listen(0, [("dontroute", True)])


async def test_kernel_refusal_at_open_listen_einval_connect_badarg() -> None:
    """A propagating option the kernel refuses at open: ``listen(0,[{ttl,0}])`` ->
    ``{error,einval}``; ``connect(Loop,P,[{ttl,0}])``, ``connect(Loop,P,[{tclass,8}])``,
    ``connect(Loop,P,[{recvtclass,true}])`` and ``connect(Loop,P,[{bind_to_device,
    <<"nosuch0">>}])`` -> ``{'EXIT',badarg}`` (gen_tcp turns connect's einval into
    badarg)."""
    assert await gen_tcp.listen(0, [("ttl", 0)]) == EINVAL
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    ok, port = await inet.port(ls)
    try:
        for opt in (("ttl", 0), ("tclass", 8), ("recvtclass", True), ("bind_to_device", b"nosuch0")):
            with raises("exit", "badarg"):
                result = await gen_tcp.connect(LOOP, port, [opt])
                if result[0] == "ok":
                    await gen_tcp.close(result[1])
                    ok, a = await gen_tcp.accept(ls, 1000)
                    await gen_tcp.close(a)
    finally:
        await gen_tcp.close(ls)


# -- raw ----------------------------------------------------------------------------------------


async def test_raw_setopt_and_getopt() -> None:
    """``setopts(C,[{raw,6,1,<<1:32/native>>}])`` -> ``ok``;
    ``getopts(C,[nodelay,{raw,6,1,4}])`` -> ``{ok,[{nodelay,true},{raw,6,1,<<1,0,0,0>>}]}``;
    with ``<<0:32/native>>``: ``{nodelay,false}``, ``<<0,0,0,0>>``. A binary as value spec
    (``{raw,6,1,<<0:32>>}``) reads 4 bytes too; size 0 -> ``{raw,6,1,<<>>}``."""
    ls, c, a = await pair()
    try:
        assert await inet.setopts(c, [("raw", 6, 1, ONE)]) == "ok"
        assert kopt(c, TCP, socket.TCP_NODELAY) == 1
        assert await inet.getopts(c, ["nodelay", ("raw", 6, 1, 4)]) == (
            "ok",
            [("nodelay", True), ("raw", 6, 1, ONE)],
        )
        assert await inet.getopts(c, [("raw", 6, 1, b"\0\0\0\0")]) == ("ok", [("raw", 6, 1, ONE)])
        assert await inet.getopts(c, [("raw", 6, 1, 0)]) == ("ok", [("raw", 6, 1, b"")])
        assert await inet.setopts(c, [("raw", 6, 1, struct.pack("=i", 0))]) == "ok"
        assert await inet.getopts(c, ["nodelay", ("raw", 6, 1, 4)]) == (
            "ok",
            [("nodelay", False), ("raw", 6, 1, b"\0\0\0\0")],
        )
        assert kopt(c, TCP, socket.TCP_NODELAY) == 0
    finally:
        await close_all(c, a, ls)


async def test_raw_at_open_listen_and_connect() -> None:
    """``pair([{raw,6,1,<<1:32/native>>}], [{raw,6,1,<<1:32/native>>}])``:
    ``getopts(C,[nodelay,{raw,6,1,4}])`` -> ``{ok,[{nodelay,true},{raw,6,1,<<1,0,0,0>>}]}``;
    ``getopts(A,[nodelay])`` and ``getopts(L,[nodelay])`` -> ``{ok,[{nodelay,true}]}``."""
    ls, c, a = await pair([("raw", 6, 1, ONE)], [("raw", 6, 1, ONE)])
    try:
        assert await inet.getopts(c, ["nodelay", ("raw", 6, 1, 4)]) == (
            "ok",
            [("nodelay", True), ("raw", 6, 1, ONE)],
        )
        for s in (a, ls):
            assert await inet.getopts(s, ["nodelay"]) == ("ok", [("nodelay", True)]), s
            assert kopt(s, TCP, socket.TCP_NODELAY) == 1
    finally:
        await close_all(c, a, ls)


async def test_raw_refused_by_kernel_is_ignored() -> None:
    """inet_drv ignores the kernel's refusal of a raw option:
    ``setopts(C,[{raw,6,9999,<<1:32>>}])`` -> ``ok``; ``listen(0,[{raw,6,9999,<<1:32>>}])``
    -> ``{ok,_}``; ``getopts(C,[{raw,6,9999,4}])`` -> ``{ok,[]}`` (left out)."""
    ls, c, a = await pair()
    l2 = None
    try:
        bad = ("raw", 6, 9999, struct.pack(">i", 1))
        assert await inet.setopts(c, [bad]) == "ok"
        assert await inet.getopts(c, [("raw", 6, 9999, 4)]) == ("ok", [])
        ok, l2 = await gen_tcp.listen(0, [("ip", LOOP), bad])
        assert ok == "ok", l2
    finally:
        await close_all(*(s for s in (l2,) if s is not None), c, a, ls)


# -- reuseaddr, reuseport -----------------------------------------------------------------------


@pytest.mark.parametrize("reuse", [False, True])
async def test_reuseaddr_relisten_over_time_wait(reuse: bool) -> None:
    """``pair([{reuseaddr,R}], [])`` on port P; the accepted side
    closes first (the peer then closes), then the listen socket; ``listen(P,
    [{ip,Loop},{reuseaddr,R}])`` -> ``{error,eaddrinuse}`` without reuseaddr, ``{ok,_}``
    with ``{reuseaddr,true}``. SO_REUSEADDR is R on L."""
    opts = [("reuseaddr", True)] if reuse else []
    ls, c, a = await pair([("active", False), *opts], [("active", False)])
    ok, port = await inet.port(ls)
    assert kopt(ls, SOL, socket.SO_REUSEADDR) == int(reuse)
    await gen_tcp.close(a)
    assert await gen_tcp.recv(c, 0, 1000) == ("error", "closed")
    await close_all(c, ls)
    result = await gen_tcp.listen(port, [("ip", LOOP), *opts])
    if result[0] == "ok":
        await gen_tcp.close(result[1])
    if reuse:
        assert result[0] == "ok", result
    else:
        assert result == ("error", "eaddrinuse")


@pytest.mark.parametrize("name", ["reuseport", "reuseport_lb", "exclusiveaddruse"])
async def test_reuseport_family_badarg_at_open_einval_in_getopts(name: str) -> None:
    """OTP 25's inet has none of them: ``gen_tcp:listen(0,[{reuseport,true}])`` and
    ``gen_tcp:connect(Loop,P,[{reuseport,true}])`` -> ``{'EXIT',badarg}``;
    ``inet:setopts(C,[{reuseport,true}])`` and ``inet:getopts(C,[reuseport])`` ->
    ``{error,einval}``. The same for reuseport_lb and exclusiveaddruse."""
    with raises("exit", "badarg"):
        await gen_tcp.listen(0, [(name, True)])
    port = await closed_port()
    with raises("exit", "badarg"):
        await gen_tcp.connect(LOOP, port, [(name, True)])
    ls, c, a = await pair()
    try:
        assert await inet.setopts(c, [(name, True)]) == EINVAL
        assert await inet.getopts(c, [name]) == EINVAL
        assert await inet.getopts(ls, [name]) == EINVAL
    finally:
        await close_all(c, a, ls)


# -- bind_to_device -----------------------------------------------------------------------------


async def test_bind_to_device_lo() -> None:
    """``listen(0,[{ip,Loop},{bind_to_device,<<"lo">>}])``, ``connect(Loop,P,
    [{bind_to_device,<<"lo">>}])``: getopts on L, C and A -> ``{ok,[{bind_to_device,
    <<"lo">>}]}`` (SO_BINDTODEVICE "lo"); default -> ``{bind_to_device,<<>>}``;
    ``setopts(C,[{bind_to_device,<<"lo">>}])`` -> ``ok``; ``<<>>`` unbinds."""
    dev = [("bind_to_device", b"lo")]
    ls, c, a = await pair(dev, dev)
    try:
        for s in (ls, c, a):
            assert await inet.getopts(s, ["bind_to_device"]) == ("ok", dev), s
            assert kdevice(s) == b"lo"
    finally:
        await close_all(c, a, ls)
    ls, c, a = await pair()
    try:
        assert await getopt1(c, "bind_to_device") == b""
        assert await inet.setopts(c, dev) == "ok"
        assert await getopt1(c, "bind_to_device") == b"lo"
        assert kdevice(c) == b"lo"
        assert await inet.setopts(c, [("bind_to_device", b"")]) == "ok"
        assert await getopt1(c, "bind_to_device") == b""
        assert kdevice(c) == b""
    finally:
        await close_all(c, a, ls)


async def test_bind_to_device_bad() -> None:
    """``listen(0,[{bind_to_device,"lo"}])`` (a string) -> ``{'EXIT',badarg}``;
    ``listen(0,[{bind_to_device,<<"nosuch0">>}])`` -> ``{error,einval}``;
    ``setopts(C,[{bind_to_device,<<"nosuch0">>}])`` -> ``{error,einval}`` (the kernel's
    ENODEV, as inet_drv reports it)."""
    with raises("exit", "badarg"):
        await gen_tcp.listen(0, [("bind_to_device", "lo")])
    assert await gen_tcp.listen(0, [("bind_to_device", b"nosuch0")]) == EINVAL
    ls, c, a = await pair()
    try:
        assert await inet.setopts(c, [("bind_to_device", b"nosuch0")]) == EINVAL
    finally:
        await close_all(c, a, ls)


# -- inet6 and ipv6_v6only ----------------------------------------------------------------------


async def test_inet6_loopback_pair() -> None:
    """IPv6 loopback: ``listen(0,[inet6,{ip,::1}])``, ``connect(::1,P,[])``, accept: sockname(L)
    ``{ok,{{0,0,0,0,0,0,0,1},P}}``, sockname(C) = peername(A) ``{ok,{{0,0,0,0,0,0,0,1},CP}}``,
    peername(C) = ``{ok,{{0,0,0,0,0,0,0,1},P}}``; ``getopts(C,[ipv6_v6only,tclass,tos,
    ttl,nodelay])`` -> ``{ok,[{ipv6_v6only,false},{tclass,0},{tos,0},{ttl,64},
    {nodelay,false}]}``; C sends "hi", A's owner gets ``{tcp,A,"hi"}``."""
    ok, ls = await gen_tcp.listen(0, ["inet6", ("ip", IP6_LOOP)])
    assert ok == "ok", ls
    c = a = None
    try:
        ok, port = await inet.port(ls)
        assert await inet.sockname(ls) == ("ok", (IP6_LOOP, port))
        ok, c = await gen_tcp.connect(IP6_LOOP, port, [])
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(ls, 1000)
        assert ok == "ok", a
        ok, (cip, cport) = await inet.sockname(c)
        assert cip == IP6_LOOP
        assert await inet.peername(c) == ("ok", (IP6_LOOP, port))
        assert await inet.peername(a) == ("ok", (IP6_LOOP, cport))
        assert ksock(c).family == socket.AF_INET6
        ttl = kopt(c, IP, socket.IP_TTL)
        assert await inet.getopts(c, ["ipv6_v6only", "tclass", "tos", "ttl", "nodelay"]) == (
            "ok",
            [("ipv6_v6only", False), ("tclass", 0), ("tos", 0), ("ttl", ttl), ("nodelay", False)],
        )
        assert await gen_tcp.send(c, "hi") == "ok"
        await assert_receive(("tcp", a, "hi"))
    finally:
        await close_all(*(s for s in (c, a) if s is not None), ls)


async def test_inet6_tclass() -> None:
    """``connect(::1,P,[{tclass,64}])`` -> ``getopts(C,[tclass])`` ``{ok,[{tclass,64}]}``
    (IPV6_TCLASS 64); ``setopts(A,[{tclass,8}])`` -> ``ok``, ``{tclass,8}``. On IPv4,
    ``getopts(C4,[tclass])`` -> ``{ok,[]}``."""
    ok, ls = await gen_tcp.listen(0, ["inet6", ("ip", IP6_LOOP)])
    ok, port = await inet.port(ls)
    ok, c = await gen_tcp.connect(IP6_LOOP, port, [("tclass", 64)])
    ok, a = await gen_tcp.accept(ls, 1000)
    try:
        assert await inet.getopts(c, ["tclass"]) == ("ok", [("tclass", 64)])
        assert kopt(c, IP6, IPV6_TCLASS) == 64
        assert await inet.setopts(a, [("tclass", 8)]) == "ok"
        assert await inet.getopts(a, ["tclass"]) == ("ok", [("tclass", 8)])
        assert kopt(a, IP6, IPV6_TCLASS) == 8
    finally:
        await close_all(c, a, ls)
    ls, c, a = await pair()
    try:
        assert await inet.getopts(c, ["tclass"]) == ("ok", [])
    finally:
        await close_all(c, a, ls)


async def test_ipv6_v6only_true_refuses_ipv4_peers() -> None:
    """``listen(0,[inet6,{ipv6_v6only,true}])`` -> ``getopts(L,[ipv6_v6only])``
    ``{ok,[{ipv6_v6only,true}]}`` (IPV6_V6ONLY 1); ``connect(Loop,P,[],1000)`` ->
    ``{error,econnrefused}``."""
    ok, ls = await gen_tcp.listen(0, ["inet6", ("ipv6_v6only", True)])
    assert ok == "ok", ls
    try:
        assert await inet.getopts(ls, ["ipv6_v6only"]) == ("ok", [("ipv6_v6only", True)])
        assert kopt(ls, IP6, socket.IPV6_V6ONLY) == 1
        ok, port = await inet.port(ls)
        assert await gen_tcp.connect(LOOP, port, [], 1000) == ("error", "econnrefused")
    finally:
        await gen_tcp.close(ls)


async def test_ipv6_v6only_false_takes_ipv4_peers() -> None:
    """``listen(0,[inet6,{ipv6_v6only,false}])`` -> ``{ipv6_v6only,false}``; an IPv4
    connect succeeds: sockname(L) ``{ok,{{0,0,0,0,0,0,0,0},P}}``, peername(A)
    ``{ok,{{0,0,0,0,0,65535,32512,1},CP}}``. Plain ``[inet6]`` also reads
    ``{ipv6_v6only,false}``; ``setopts(L6,[{ipv6_v6only,true}])`` after listen ->
    ``{error,einval}``, still false."""
    ok, ls = await gen_tcp.listen(0, ["inet6", ("ipv6_v6only", False)])
    assert ok == "ok", ls
    c = a = None
    try:
        assert await inet.getopts(ls, ["ipv6_v6only"]) == ("ok", [("ipv6_v6only", False)])
        assert kopt(ls, IP6, socket.IPV6_V6ONLY) == 0
        ok, port = await inet.port(ls)
        assert await inet.sockname(ls) == ("ok", (IP6_ANY, port))
        ok, c = await gen_tcp.connect(LOOP, port, [], 1000)
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(ls, 1000)
        assert ok == "ok", a
        ok, (_, cport) = await inet.sockname(c)
        assert await inet.peername(a) == ("ok", ((0, 0, 0, 0, 0, 65535, 32512, 1), cport))
    finally:
        await close_all(*(s for s in (c, a) if s is not None), ls)
    ok, ls = await gen_tcp.listen(0, ["inet6"])
    try:
        assert await inet.getopts(ls, ["ipv6_v6only"]) == ("ok", [("ipv6_v6only", False)])
        assert await inet.setopts(ls, [("ipv6_v6only", True)]) == EINVAL
        assert await inet.getopts(ls, ["ipv6_v6only"]) == ("ok", [("ipv6_v6only", False)])
    finally:
        await gen_tcp.close(ls)


async def test_ipv6_v6only_on_ipv4_and_in_connect() -> None:
    """An option the OS lacks on IPv4: ``getopts(L4,[ipv6_v6only])`` -> ``{ok,[]}``; ``setopts(L4,
    [{ipv6_v6only,true}])`` -> ``{error,einval}``; ``connect(Loop,P,[{ipv6_v6only,true}])``
    -> ``{'EXIT',badarg}`` (a listen-only option)."""
    ls, c, a = await pair()
    try:
        assert await inet.getopts(ls, ["ipv6_v6only"]) == ("ok", [])
        assert await inet.setopts(ls, [("ipv6_v6only", True)]) == EINVAL
        ok, port = await inet.port(ls)
        with raises("exit", "badarg"):
            await gen_tcp.connect(LOOP, port, [("ipv6_v6only", True)])
    finally:
        await close_all(c, a, ls)


async def test_ipv6_specific_bind_address_sets_v6only() -> None:
    """inet_drv sets IPV6_V6ONLY when it binds a specific (not ``::``) IPv6 address:
    ``listen(0,[{ip,::1}])`` -> ``{ok,[{ipv6_v6only,true}]}``, even with
    ``{ipv6_v6only,false}`` given; ``listen(0,[{ip,::}])`` -> ``false``; ``connect(::1,P,
    [{ip,::1}])`` -> C and A both ``{ipv6_v6only,true}``."""
    ok, ls = await gen_tcp.listen(0, [("ip", IP6_LOOP)])
    assert ok == "ok", ls
    c = a = None
    try:
        assert await inet.getopts(ls, ["ipv6_v6only"]) == ("ok", [("ipv6_v6only", True)])
        assert kopt(ls, IP6, socket.IPV6_V6ONLY) == 1
        ok, port = await inet.port(ls)
        ok, c = await gen_tcp.connect(IP6_LOOP, port, [("ip", IP6_LOOP)])
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(ls, 1000)
        assert ok == "ok", a
        assert await inet.getopts(c, ["ipv6_v6only"]) == ("ok", [("ipv6_v6only", True)])
        assert await inet.getopts(a, ["ipv6_v6only"]) == ("ok", [("ipv6_v6only", True)])
    finally:
        await close_all(*(s for s in (c, a) if s is not None), ls)
    ok, ls = await gen_tcp.listen(0, [("ip", IP6_LOOP), ("ipv6_v6only", False)])
    try:
        assert await inet.getopts(ls, ["ipv6_v6only"]) == ("ok", [("ipv6_v6only", True)])
    finally:
        await gen_tcp.close(ls)
    ok, ls = await gen_tcp.listen(0, [("ip", IP6_ANY)])
    try:
        assert await inet.getopts(ls, ["ipv6_v6only"]) == ("ok", [("ipv6_v6only", False)])
    finally:
        await gen_tcp.close(ls)


# -- local (Unix domain) sockets ---------------------------------------------------------------


@pytest.fixture
def sock_dir() -> Iterator[str]:
    """A short private directory for socket files (sun_path is limited to 108 bytes)."""
    d = tempfile.mkdtemp(prefix="gtl", dir="/tmp")
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


async def test_local_listen_connect_accept_send_recv(sock_dir: str) -> None:
    """``listen(0,[{ifaddr,{local,Path}},binary,{active,false}])``: sockname(L) ->
    ``{ok,{local,<<Path>>}}``, ``inet:port(L)`` -> ``{ok,<<Path>>}``, peername(L) ->
    ``{error,enotconn}``, Path is a socket file. ``connect({local,Path},0,[binary,
    {active,false}])``, accept; ping/pong both ways; sockname(C) ``{ok,{local,<<>>}}``,
    peername(C) ``{ok,{local,<<Path>>}}``, sockname(A) ``{ok,{local,<<Path>>}}``,
    peername(A) ``{ok,{local,<<>>}}``, port(C) ``{ok,<<>>}``, port(A) ``{ok,<<Path>>}``."""
    path = os.path.join(sock_dir, "s")
    bpath = path.encode()
    ok, ls = await gen_tcp.listen(0, [("ifaddr", ("local", path)), "binary", ("active", False)])
    assert ok == "ok", ls
    c = a = None
    try:
        assert await inet.sockname(ls) == ("ok", ("local", bpath))
        assert await inet.port(ls) == ("ok", bpath)
        assert await inet.peername(ls) == ("error", "enotconn")
        assert stat.S_ISSOCK(os.stat(path).st_mode)
        ok, c = await gen_tcp.connect(("local", path), 0, ["binary", ("active", False)])
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(ls, 1000)
        assert ok == "ok", a
        assert ksock(c).family == socket.AF_UNIX
        assert await gen_tcp.send(c, b"ping") == "ok"
        assert await gen_tcp.recv(a, 0, 1000) == ("ok", b"ping")
        assert await gen_tcp.send(a, b"pong") == "ok"
        assert await gen_tcp.recv(c, 0, 1000) == ("ok", b"pong")
        assert await inet.sockname(c) == ("ok", ("local", b""))
        assert await inet.peername(c) == ("ok", ("local", bpath))
        assert await inet.sockname(a) == ("ok", ("local", bpath))
        assert await inet.peername(a) == ("ok", ("local", b""))
        assert await inet.port(c) == ("ok", b"")
        assert await inet.port(a) == ("ok", bpath)
    finally:
        await close_all(*(s for s in (c, a) if s is not None), ls)


async def test_local_active_list_mode_and_close(sock_dir: str) -> None:
    """Default (active, list) local sockets: C sends "hi" -> ``{tcp,A,"hi"}``;
    ``gen_tcp:close(C)`` -> ``{tcp_closed,A}``. Also ``listen(0,[local,{ip,{local,Path}}])``
    and ``connect({local,Path},0,[local])`` work; binary paths work as well."""
    path = os.path.join(sock_dir, "s")
    ok, ls = await gen_tcp.listen(0, ["local", ("ip", ("local", path.encode()))])
    assert ok == "ok", ls
    ok, c = await gen_tcp.connect(("local", path), 0, ["local"])
    assert ok == "ok", c
    ok, a = await gen_tcp.accept(ls, 1000)
    try:
        assert await gen_tcp.send(c, "hi") == "ok"
        await assert_receive(("tcp", a, "hi"))
        await gen_tcp.close(c)
        await assert_receive(("tcp_closed", a))
    finally:
        await close_all(c, a, ls)


async def test_local_options(sock_dir: str) -> None:
    """On local sockets: ``getopts(S,[nodelay])`` -> ``{ok,[]}`` on C, A and L (no TCP
    level); ``setopts(A,[{nodelay,true}])`` -> ``ok`` (ignored), still ``{ok,[]}``;
    ``connect({local,Path},0,[{nodelay,true}])`` -> ``{ok,_}``;
    ``getopts(C,[nodelay,tos,ttl,ipv6_v6only,bind_to_device])`` ->
    ``{ok,[{bind_to_device,<<>>}]}``; ``setopts(A,[{tos,8}])`` -> ``{error,einval}``;
    ``{keepalive,true}`` -> ``ok``, reads true; ``{recbuf,4096}`` -> ``{recbuf,8192},
    {buffer,4096}``."""
    path = os.path.join(sock_dir, "s")
    ok, ls = await gen_tcp.listen(0, [("ifaddr", ("local", path)), ("nodelay", True)])
    assert ok == "ok", ls
    ok, c = await gen_tcp.connect(("local", path), 0, [("nodelay", True)])
    assert ok == "ok", c
    ok, a = await gen_tcp.accept(ls, 1000)
    try:
        for s in (c, a, ls):
            assert await inet.getopts(s, ["nodelay"]) == ("ok", []), s
        assert await inet.setopts(a, [("nodelay", True)]) == "ok"
        assert await inet.getopts(a, ["nodelay"]) == ("ok", [])
        assert await inet.getopts(c, ["nodelay", "tos", "ttl", "ipv6_v6only", "bind_to_device"]) == (
            "ok",
            [("bind_to_device", b"")],
        )
        assert await inet.setopts(a, [("tos", 8)]) == EINVAL
        assert await inet.setopts(a, [("keepalive", True)]) == "ok"
        assert await inet.getopts(a, ["keepalive"]) == ("ok", [("keepalive", True)])
        assert kopt(a, SOL, socket.SO_KEEPALIVE) == 1
        assert await inet.setopts(a, [("recbuf", 4096)]) == "ok"
        assert await inet.getopts(a, ["recbuf", "buffer"]) == ("ok", [("recbuf", 8192), ("buffer", 4096)])
    finally:
        await close_all(c, a, ls)


async def test_local_listen_with_tos_einval(sock_dir: str) -> None:
    """``listen(0,[{ifaddr,{local,Path}},{tos,8}])`` -> ``{error,einval}``."""
    path = os.path.join(sock_dir, "s")
    assert await gen_tcp.listen(0, [("ifaddr", ("local", path)), ("tos", 8)]) == EINVAL


async def test_local_close_keeps_the_socket_file(sock_dir: str) -> None:
    """``gen_tcp:close`` on local sockets deletes nothing: after closing C, A and L,
    ``file:read_file_info(Path)`` -> ``{ok,_}`` and ``listen(0,[{ifaddr,{local,Path}}])``
    again -> ``{error,eaddrinuse}``."""
    path = os.path.join(sock_dir, "s")
    ok, ls = await gen_tcp.listen(0, [("ifaddr", ("local", path))])
    ok, c = await gen_tcp.connect(("local", path), 0, [])
    ok, a = await gen_tcp.accept(ls, 1000)
    await close_all(c, a, ls)
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    assert await gen_tcp.listen(0, [("ifaddr", ("local", path))]) == ("error", "eaddrinuse")


async def test_local_bad_port_and_missing_path(sock_dir: str) -> None:
    """``connect({local,"/nonexist"},0,[])`` -> ``{error,enoent}``;
    ``connect({local,Path},1,[])`` -> ``{raised,exit,{function_clause,{local_tcp,getserv,1}}}``
    and ``listen(5555,[{ifaddr,{local,Path}}])`` -> ``{raised,error,function_clause}``
    (``local_tcp:getserv/1`` takes only 0)."""
    path = os.path.join(sock_dir, "s")
    assert await gen_tcp.connect(("local", os.path.join(sock_dir, "none")), 0, []) == (
        "error",
        "enoent",
    )
    with raises("exit", ("function_clause", ("local_tcp", "getserv", 1))):
        await gen_tcp.connect(("local", path), 1, [])
    with raises("error", "function_clause"):
        await gen_tcp.listen(5555, [("ifaddr", ("local", path))])


# -- {fd, F} ------------------------------------------------------------------------------------


def _close_if_same(fd: int, ino: int) -> bool:
    """Close `fd` if it still names the socket with inode `ino`; say whether it did."""
    try:
        st = os.fstat(fd)
    except OSError:
        return False
    if st.st_ino != ino:
        return False
    os.close(fd)
    return True


async def test_fd_listen_bound_socket() -> None:
    """A socket bound outside gen_tcp (127.0.0.1, port 0), handed over:
    ``listen(0,[{fd,Fd}])`` -> ``{ok,L}``; ``inet:port(L)`` is the socket's port,
    ``sockname(L)`` ``{ok,{{127,0,0,1},P}}``; connect and accept work;
    ``getopts(L,[active,reuseaddr])`` -> ``{ok,[{active,true},{reuseaddr,false}]}``.
    With ``[{fd,Fd},{reuseaddr,true},{nodelay,true}]`` both read back true."""
    raw = socket.socket()
    raw.bind(("127.0.0.1", 0))
    port = raw.getsockname()[1]
    ino = os.fstat(raw.fileno()).st_ino
    fd = raw.detach()
    c = a = ls = None
    try:
        ok, ls = await gen_tcp.listen(0, [("fd", fd), ("reuseaddr", True), ("nodelay", True)])
        assert ok == "ok", ls
        assert await inet.port(ls) == ("ok", port)
        assert await inet.sockname(ls) == ("ok", (LOOP, port))
        assert await inet.getopts(ls, ["active", "reuseaddr", "nodelay"]) == (
            "ok",
            [("active", True), ("reuseaddr", True), ("nodelay", True)],
        )
        ok, c = await gen_tcp.connect(LOOP, port, [])
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(ls, 1000)
        assert ok == "ok", a
        assert await gen_tcp.send(c, "x") == "ok"
        await assert_receive(("tcp", a, "x"))
    finally:
        await close_all(*(s for s in (c, a, ls) if s is not None))
        _close_if_same(fd, ino)


async def test_fd_listen_close_leaves_the_descriptor_open() -> None:
    """OTP 25 inet does not close a descriptor given with ``{fd,Fd}``: an fd inherited
    from outside, ``{ok,L}=listen(0,[{fd,Fd}])``, ``gen_tcp:close(L)``: afterwards
    ``/proc/self/fd/Fd`` is the same socket and ``connect(Loop,P,[],500)`` -> ``{ok,_}``
    (it still listens); a normal listen socket closed the same way -> ``econnrefused``."""
    raw = socket.socket()
    raw.bind(("127.0.0.1", 0))
    port = raw.getsockname()[1]
    ino = os.fstat(raw.fileno()).st_ino
    fd = raw.detach()
    try:
        ok, ls = await gen_tcp.listen(0, [("fd", fd)])
        assert ok == "ok", ls
        await gen_tcp.close(ls)
        still_open = _close_if_same(fd, ino)
        assert still_open, "gen_tcp:close closed the {fd,F} descriptor; Erlang leaves it open"
    finally:
        _close_if_same(fd, ino)


async def test_fd_listen_unbound_and_with_ip() -> None:
    """An unbound socket: ``listen(0,[{fd,Fd}])`` -> sockname ``{ok,{{0,0,0,0},P}}``
    (P > 0, the kernel's autobind); ``listen(0,[{fd,Fd},{ip,Loop},{port,0}])`` binds it
    first: ``{ok,{{127,0,0,1},P}}``."""
    for opts, ip in (([], (0, 0, 0, 0)), ([("ip", LOOP), ("port", 0)], LOOP)):
        raw = socket.socket()
        ino = os.fstat(raw.fileno()).st_ino
        fd = raw.detach()
        try:
            ok, ls = await gen_tcp.listen(0, [("fd", fd), *opts])
            assert ok == "ok", ls
            try:
                ok, (got_ip, port) = await inet.sockname(ls)
                assert (got_ip, port > 0) == (ip, True), opts
            finally:
                await gen_tcp.close(ls)
        finally:
            _close_if_same(fd, ino)


async def test_fd_connect() -> None:
    """An unconnected socket handed over: ``connect(Loop,P,[{fd,Fd}])`` -> ``{ok,C}``;
    peername(C) ``{ok,{{127,0,0,1},P}}``, sockname(C) = peername(A); with
    ``[{fd,Fd},{ip,Loop},{port,0}]`` C is bound to ``{127,0,0,1}`` first."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    ok, port = await inet.port(ls)
    try:
        for extra in ([], [("ip", LOOP), ("port", 0)]):
            raw = socket.socket()
            ino = os.fstat(raw.fileno()).st_ino
            fd = raw.detach()
            c = a = None
            try:
                ok, c = await gen_tcp.connect(LOOP, port, [("fd", fd), *extra])
                assert ok == "ok", c
                ok, a = await gen_tcp.accept(ls, 1000)
                assert ok == "ok", a
                assert await inet.peername(c) == ("ok", (LOOP, port))
                ok, name = await inet.sockname(c)
                assert name[0] == LOOP
                assert await inet.peername(a) == ("ok", name)
            finally:
                await close_all(*(s for s in (c, a) if s is not None))
                _close_if_same(fd, ino)
    finally:
        await gen_tcp.close(ls)


async def test_fd_connect_already_connected_eisconn() -> None:
    """A socket already connected outside gen_tcp: ``connect(Loop,P,[{fd,Fd}])`` ->
    ``{error,eisconn}`` (use ``gen_tcp:fdopen`` for that); the fd stays open."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    ok, port = await inet.port(ls)
    raw = socket.socket()
    raw.connect(("127.0.0.1", port))
    ino = os.fstat(raw.fileno()).st_ino
    fd = raw.detach()
    a = None
    try:
        result = await gen_tcp.connect(LOOP, port, [("fd", fd)])
        if result[0] == "ok":
            await gen_tcp.close(result[1])
        assert result == ("error", "eisconn")
        assert _close_if_same(fd, ino), "the fd was closed; Erlang leaves it open"
        ok, a = await gen_tcp.accept(ls, 1000)
    finally:
        _close_if_same(fd, ino)
        await close_all(*(s for s in (a,) if s is not None), ls)


async def test_fd_connect_refused_leaves_fd_open() -> None:
    """``connect(Loop,ClosedPort,[{fd,Fd}])`` -> ``{error,econnrefused}``; the fd stays
    open (``/proc/self/fd/Fd`` still the same socket)."""
    port = await closed_port()
    raw = socket.socket()
    ino = os.fstat(raw.fileno()).st_ino
    fd = raw.detach()
    try:
        assert await gen_tcp.connect(LOOP, port, [("fd", fd)]) == ("error", "econnrefused")
        assert _close_if_same(fd, ino), "the fd was closed; Erlang leaves it open"
    finally:
        _close_if_same(fd, ino)


async def test_fd_not_readable_or_settable() -> None:
    """``getopts(L,[fd])`` -> ``{error,einval}``; ``setopts(L,[{fd,3}])`` -> ``{error,einval}``."""
    ls, c, a = await pair()
    try:
        assert await inet.getopts(ls, ["fd"]) == EINVAL
        assert await inet.setopts(ls, [("fd", 3)]) == EINVAL
    finally:
        await close_all(c, a, ls)


# -- {netns, Path} ------------------------------------------------------------------------------


@pytest.fixture
def netns() -> Iterator[str]:
    """A fresh network namespace with ``lo`` up; yields its /var/run/netns path."""
    if shutil.which("ip") is None:
        pytest.skip("needs iproute2's `ip` to create a network namespace")
    name = f"gtcp{uuid.uuid4().hex[:8]}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"`ip netns add` failed (needs root): {made.stderr.strip()}")
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        yield f"/var/run/netns/{name}"
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


async def test_netns_listen_reachable_inside_refused_outside(netns: str) -> None:
    """``listen(0,[{netns,NS},{ip,Loop}])``; from the default namespace
    ``connect(Loop,P,[],1000)`` -> ``{error,econnrefused}``; ``connect(Loop,P,[{netns,NS}],
    1000)`` -> ``{ok,C}``, accept, C sends "x" -> ``{tcp,A,"x"}``; ``getopts(L,[netns])``
    and ``getopts(C,[netns])`` -> ``{ok,[{netns,NS}]}`` (a string); ``getopts(A,[netns])``
    -> ``{ok,[]}``; ``getopts(L,[reuseaddr])`` -> ``{ok,[{reuseaddr,false}]}``."""
    ok, ls = await gen_tcp.listen(0, [("netns", netns), ("ip", LOOP)])
    assert ok == "ok", ls
    c = a = None
    try:
        ok, port = await inet.port(ls)
        assert await gen_tcp.connect(LOOP, port, [], 1000) == ("error", "econnrefused")
        ok, c = await gen_tcp.connect(LOOP, port, [("netns", netns)], 1000)
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(ls, 1000)
        assert ok == "ok", a
        assert await gen_tcp.send(c, "x") == "ok"
        await assert_receive(("tcp", a, "x"))
        assert await inet.getopts(ls, ["reuseaddr"]) == ("ok", [("reuseaddr", False)])
        assert await inet.getopts(ls, ["netns"]) == ("ok", [("netns", netns)])
        assert await inet.getopts(c, ["netns"]) == ("ok", [("netns", netns)])
        assert await inet.getopts(a, ["netns"]) == ("ok", [])
    finally:
        await close_all(*(s for s in (c, a) if s is not None), ls)


async def test_netns_binary_path_and_bad_values(netns: str) -> None:
    """``listen(0,[{netns,<<NS>>}])`` -> ``{ok,_}``; ``listen(0,[{netns,"/var/run/netns/
    nonexistent"}])`` and the same in connect -> ``{error,enoent}``; a file that is not a
    namespace (``/etc/hostname``) -> ``{error,einval}``; ``{netns,foo}`` or ``{netns,1}``
    -> ``{'EXIT',badarg}``. The namespace fd and the home fd are not leaked."""
    ok, ls = await gen_tcp.listen(0, [("netns", netns.encode())])
    assert ok == "ok", ls
    await gen_tcp.close(ls)
    missing = "/var/run/netns/nonexistent-gtcp"
    assert await gen_tcp.listen(0, [("netns", missing)]) == ("error", "enoent")
    port = await closed_port()
    assert await gen_tcp.connect(LOOP, port, [("netns", missing)]) == ("error", "enoent")
    assert await gen_tcp.listen(0, [("netns", "/etc/hostname")]) == EINVAL
    for bad in (Atom("foo"), 1):
        with raises("exit", "badarg"):
            await gen_tcp.listen(0, [("netns", bad)])


async def test_netns_listen_any_not_reachable_from_default_namespace(netns: str) -> None:
    """A socket opened in another namespace listens there (any address): the default
    namespace's loopback does not reach it: ``connect(Loop,P,[],1000)`` ->
    ``{error,econnrefused}``; ``sockname(L)`` -> ``{ok,{{0,0,0,0},P}}``."""
    ok, ls = await gen_tcp.listen(0, [("netns", netns)])
    assert ok == "ok", ls
    try:
        ok, port = await inet.port(ls)
        assert await inet.sockname(ls) == ("ok", ((0, 0, 0, 0), port))
        assert await gen_tcp.connect(LOOP, port, [], 1000) == ("error", "econnrefused")
    finally:
        await gen_tcp.close(ls)


async def test_netns_in_getopts_and_setopts_without_namespace() -> None:
    """On a socket opened in the default namespace ``getopts(C,[netns])`` -> ``{ok,[]}``;
    inet_drv just stores a netns given to setopts: ``setopts(C,[{netns,<<"a">>},
    {netns,<<"b">>}])`` -> ``ok`` and ``getopts(C,[netns])`` -> ``{ok,[{netns,"a"}]}``
    (applied last first); ``setopts(C,[{netns,foo}])`` -> ``{error,einval}``."""
    ls, c, a = await pair()
    try:
        assert await inet.getopts(c, ["netns"]) == ("ok", [])
        assert await inet.getopts(ls, ["netns", "active"]) == ("ok", [("active", True)])
        assert await inet.setopts(c, [("netns", Atom("foo"))]) == EINVAL
        assert await inet.setopts(c, [("netns", b"a"), ("netns", b"b")]) == "ok"
        assert await inet.getopts(c, ["netns"]) == ("ok", [("netns", "a")])
    finally:
        await close_all(c, a, ls)

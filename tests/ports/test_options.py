"""ports._options: the option table and the open/setopts/getopts rules of OTP 25 inet.

Each test mirrors what real Erlang/OTP 25 (inet backend) does, and its docstring names the
Erlang call and result ("erl:" marks a result checked in a later ``erl`` session). Socket
options are checked on real sockets: what setopts sets must reach the kernel.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from typing import Any

import pytest

from actors import Atom, Badarg, ErlangError
from ports._options import (
    OPTIONS,
    PORT_DEFAULTS,
    accept_port_opts,
    add_active,
    apply_sockopts,
    default_port_opts,
    getopts,
    parse_open_options,
    parse_setopts,
    set_watermark,
    setopts,
)


@pytest.fixture
def tcp() -> Iterator[socket.socket]:
    """A connected loopback TCP socket (its peer and listener closed at the end)."""
    with socket.socket() as lst:
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        c = socket.create_connection(lst.getsockname())
        a, _ = lst.accept()
        try:
            yield c
        finally:
            a.close()
            c.close()


def opts_of(result: Any) -> dict[str, Any]:
    assert result[0] == "ok"
    return dict(result[1])


# -- the table ---------------------------------------------------------------------


def test_table_covers_the_manual_option_types() -> None:
    """Every name of gen_tcp's option(), connect_option() and listen_option() is a row."""
    names = (
        "active buffer debug delay_send deliver dontroute exit_on_close exclusiveaddruse "
        "header high_msgq_watermark high_watermark keepalive linger low_msgq_watermark "
        "low_watermark mode nodelay packet packet_size priority raw recbuf reuseaddr "
        "reuseport reuseport_lb send_timeout send_timeout_close show_econnreset sndbuf tos "
        "tclass ttl recvtos recvtclass recvttl ipv6_v6only fd ifaddr ip port backlog "
        "tcp_module netns bind_to_device line_delimiter"
    ).split()
    assert set(names) <= set(OPTIONS)


def test_default_port_options_match_erlang() -> None:
    """Defaults of a fresh inet socket (listen or connect): active true, packet 0, mode list,
    buffer 1460, watermarks 8192/4096, send_timeout infinity, ..."""
    assert PORT_DEFAULTS == {
        "active": True, "mode": "list", "packet": 0, "packet_size": 0, "header": 0,
        "line_delimiter": 10, "buffer": 1460, "deliver": "term", "exit_on_close": True,
        "send_timeout": "infinity", "send_timeout_close": False, "show_econnreset": False,
        "delay_send": False, "high_watermark": 8192, "low_watermark": 4096,
        "high_msgq_watermark": 8192, "low_msgq_watermark": 4096, "debug": False,
    }


def test_getopts_defaults_on_a_fresh_socket(tcp: socket.socket) -> None:
    """``inet:getopts(S,[Opt])``, one option per call on a fresh socket -> its default."""
    names = ["active", "packet", "mode", "header", "exit_on_close", "nodelay", "keepalive",
             "reuseaddr", "linger", "delay_send", "send_timeout", "send_timeout_close",
             "show_econnreset", "deliver", "packet_size", "high_watermark", "low_watermark",
             "high_msgq_watermark", "low_msgq_watermark", "buffer", "tos", "priority"]
    got = opts_of(getopts(names, default_port_opts(), tcp))
    assert got == {
        "active": True, "packet": 0, "mode": "list", "header": 0, "exit_on_close": True,
        "nodelay": False, "keepalive": False, "reuseaddr": False, "linger": (False, 0),
        "delay_send": False, "send_timeout": "infinity", "send_timeout_close": False,
        "show_econnreset": False, "deliver": "term", "packet_size": 0,
        "high_watermark": 8192, "low_watermark": 4096, "high_msgq_watermark": 8192,
        "low_msgq_watermark": 4096, "buffer": 1460, "tos": 0, "priority": 0,
    }
    assert isinstance(got["mode"], Atom)


# -- open options --------------------------------------------------------------------


@pytest.mark.parametrize("op", ["connect", "listen"])
@pytest.mark.parametrize(
    "bad",
    [("foo", "bar"), "foo", ("active", "maybe"), ("packet", 3), ("send_timeout", -5),
     ("packet", "foo"), ("mode", "foo"), ("reuseport", True), ("dontroute", True),
     ("inet_backend", "socket"), "binary_", ("a", "b", "c"), ("ip", "127.0.0.1"),
     ("ip", (1, 2, 3)), ("port", 70000), ("packet_size", -1), ("header", -1),
     ("raw", 6, 1, "notbinary"), ("debug", 1), ("bind_to_device", "lo")],
)
def test_bad_open_options_exit_badarg(op: str, bad: Any) -> None:
    """listen/connect with a bad option ({foo,bar}, foo, {active,maybe}, {packet,3}, ...)
    raise exit:badarg, never {error,einval}."""
    with pytest.raises(Badarg) as info:
        parse_open_options([("ip", (127, 0, 0, 1)), bad], op)
    assert info.value.kind == "exit"


def test_backlog_is_listen_only() -> None:
    """{backlog,5} in connect -> exit:badarg (a listen-only option); {backlog,-1} listens."""
    with pytest.raises(Badarg):
        parse_open_options([("backlog", 5)], "connect")
    assert parse_open_options([("backlog", -1)], "listen").backlog == -1
    assert parse_open_options([], "listen").backlog == 5


def test_non_integer_backlog_is_function_clause() -> None:
    """erl: listen(0,[{backlog,foo}]) -> error:function_clause (prim_inet:listen/2)."""
    with pytest.raises(ErlangError) as info:
        parse_open_options([("backlog", "foo")], "listen")
    assert info.value.reason == "function_clause" and info.value.kind == "error"


def test_reuseaddr_is_accepted_at_connect() -> None:
    """{reuseaddr,true} in connect -> ok, set on the socket."""
    o = parse_open_options([("reuseaddr", True)], "connect")
    assert o.sockopts == [(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)]


def test_non_list_options() -> None:
    """listen(0,not_a_list) -> error:function_clause; connect -> exit:
    {function_clause,{inet,mod,6}}."""
    with pytest.raises(ErlangError) as listen:
        parse_open_options(Atom("not_a_list"), "listen")
    assert listen.value.reason == "function_clause" and listen.value.kind == "error"
    with pytest.raises(ErlangError) as connect:
        parse_open_options(Atom("not_a_list"), "connect")
    assert connect.value.reason == ("function_clause", ("inet", "mod", 6))
    assert connect.value.kind == "exit"


def test_inet_backend_only_first() -> None:
    """{inet_backend,socket} first selects the backend; later it is badarg;
    erl: {inet_backend,foo} -> error:function_clause."""
    assert parse_open_options([("inet_backend", "socket"), ("ip", (127, 0, 0, 1))],
                              "listen").backend == "socket"
    assert parse_open_options([], "listen").backend == "inet"
    with pytest.raises(Badarg):
        parse_open_options([("ip", (127, 0, 0, 1)), ("inet_backend", "socket")], "listen")
    with pytest.raises(ErlangError) as info:
        parse_open_options([("inet_backend", "foo")], "connect")
    assert info.value.reason == "function_clause" and info.value.kind == "error"


def test_family_selection() -> None:
    """An IPv6 ip implies inet6; erl: the first family atom wins; an IPv6 ip with
    inet, or an IPv4 ip with inet6, is exit:badarg; {ifaddr,{local,P}} means local."""
    assert parse_open_options([("ip", (0,) * 7 + (1,))], "listen").family == "inet6"
    assert parse_open_options(["inet6", "inet"], "listen").family == "inet6"
    assert parse_open_options(["inet", "inet6"], "listen").family == "inet"
    assert parse_open_options([], "connect", (0,) * 7 + (1,)).family == "inet6"
    with pytest.raises(Badarg):
        parse_open_options(["inet", ("ip", (0,) * 7 + (1,))], "listen")
    with pytest.raises(Badarg):
        parse_open_options(["inet6", ("ip", (127, 0, 0, 1))], "listen")
    local = parse_open_options([("ifaddr", ("local", "/tmp/s"))], "listen")
    assert local.family == "local" and local.ip == ("local", b"/tmp/s")


def test_bind_address_any_and_loopback_translate() -> None:
    """erl: listen(0,[inet6,{ip,loopback}]) binds ::1; {ip,any} on inet is 0.0.0.0."""
    assert parse_open_options(["inet6", ("ip", "loopback")], "listen").ip == (0,) * 7 + (1,)
    assert parse_open_options([("ip", "any")], "connect").ip == (0, 0, 0, 0)


def test_ifaddr_map_then_ip_and_port_update_it() -> None:
    """Manual (ifaddr): ip/port after a sockaddr map update its fields; erl: listen with
    #{family=>inet,addr=>{127,0,0,1},port=>0} binds 127.0.0.1."""
    o = parse_open_options(
        [("ifaddr", {"family": "inet", "addr": (0, 0, 0, 0), "port": 0}),
         ("ip", (127, 0, 0, 1)), ("port", 4000)], "listen")
    assert o.ip == (127, 0, 0, 1) and o.port == 4000


def test_mode_atoms_and_duplicates_last_wins() -> None:
    """binary/list set mode; erl: connect [{packet,2},{packet,4}] -> packet 4,
    [{active,3},{active,2}] -> active 2."""
    o = parse_open_options(["binary", ("packet", 2), ("packet", 4), ("active", 3),
                            ("active", 2), "list", "binary"], "connect")
    assert o.port_opts["mode"] == "binary"
    assert o.port_opts["packet"] == 4 and o.port_opts["active"] == 2


def test_packet_raw_normalises_to_zero() -> None:
    """{packet,raw} reads back as {packet,0}; ssl_tls reads back as ssl (erl)."""
    assert parse_open_options([("packet", "raw")], "listen").port_opts["packet"] == 0
    assert parse_open_options([("packet", "ssl_tls")], "listen").port_opts["packet"] == "ssl"


def test_active_zero_at_open_is_passive_with_tcp_passive() -> None:
    """listen(0,[{active,0}]) -> an immediate {tcp_passive,LS}; erl: connect with
    {active,-5} is {active,false}."""
    o = parse_open_options([("active", 0)], "listen")
    assert o.port_opts["active"] is False and o.tcp_passive
    o = parse_open_options([("active", -5)], "connect")
    assert o.port_opts["active"] is False and o.tcp_passive
    o = parse_open_options([("active", 3)], "listen")
    assert o.port_opts["active"] == 3 and not o.tcp_passive
    with pytest.raises(Badarg):
        parse_open_options([("active", 32768)], "listen")


def test_line_delimiter_connect_only() -> None:
    """erl: connect takes {line_delimiter,$X}; listen refuses it (exit:badarg)."""
    assert parse_open_options([("line_delimiter", 88)], "connect").port_opts[
        "line_delimiter"] == 88
    with pytest.raises(Badarg):
        parse_open_options([("line_delimiter", 88)], "listen")


def test_ipv6_v6only_listen_only() -> None:
    """erl: {ipv6_v6only,true} in connect -> exit:badarg; listen takes it (the kernel then
    refuses it on IPv4: {error,einval})."""
    with pytest.raises(Badarg):
        parse_open_options([("ipv6_v6only", True)], "connect")
    o = parse_open_options([("ipv6_v6only", True)], "listen")
    assert o.sockopts == [(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)]


def test_msgq_watermark_below_one() -> None:
    """erl: {high_msgq_watermark,0}: connect -> exit:badarg, listen -> {error,einval}."""
    with pytest.raises(Badarg):
        parse_open_options([("high_msgq_watermark", 0)], "connect")
    assert parse_open_options([("low_msgq_watermark", 0)], "listen").error == "einval"


def test_open_watermarks_apply_last_first() -> None:
    """erl: connect [{high_watermark,1000},{low_watermark,2000}] -> 1000/1000 and
    [{low_watermark,2000},{high_watermark,1000}] -> 2000/2000 (applied last first)."""
    o = parse_open_options([("high_watermark", 1000), ("low_watermark", 2000)], "connect")
    assert (o.port_opts["high_watermark"], o.port_opts["low_watermark"]) == (1000, 1000)
    o = parse_open_options([("low_watermark", 2000), ("high_watermark", 1000)], "connect")
    assert (o.port_opts["high_watermark"], o.port_opts["low_watermark"]) == (2000, 2000)


def test_open_recbuf_sets_buffer() -> None:
    """At connect {recbuf,20000},{sndbuf,30000} -> buffer 20000 (recbuf
    sets it, sndbuf does not); {recbuf,500} leaves 1460; an explicit buffer wins in
    either order."""
    def buf(opts: list[Any]) -> int:
        return int(parse_open_options(opts, "connect").port_opts["buffer"])
    assert buf([("recbuf", 20000), ("sndbuf", 30000)]) == 20000
    assert buf([("sndbuf", 30000), ("recbuf", 20000)]) == 20000
    assert buf([("sndbuf", 20000)]) == 1460
    assert buf([("recbuf", 500)]) == 1460
    assert buf([("buffer", 100), ("recbuf", 20000)]) == 100
    assert buf([("recbuf", 20000), ("buffer", 100)]) == 100


def test_open_sockopts_reach_the_kernel() -> None:
    """recbuf/sndbuf at open read back doubled from the kernel (40000/60000)."""
    o = parse_open_options([("recbuf", 20000), ("sndbuf", 30000), ("nodelay", True),
                            ("keepalive", True), ("linger", (True, 5))], "connect")
    with socket.socket() as s:
        assert apply_sockopts(s, o.sockopts) is None
        got = opts_of(getopts(["recbuf", "sndbuf", "nodelay", "keepalive", "linger"],
                              o.port_opts, s))
    assert got == {"recbuf": 40000, "sndbuf": 60000, "nodelay": True, "keepalive": True,
                   "linger": (True, 5)}


def test_raw_open_option() -> None:
    """erl: connect with {raw,6,1,<<1,0,0,0>>} (or {raw,{6,1,Bin}}) turns nodelay on."""
    one = struct.pack("i", 1)
    for raw in (("raw", 6, 1, one), ("raw", (6, 1, one))):
        o = parse_open_options([raw], "connect")
        assert o.sockopts == [(6, 1, one)]


def test_apply_sockopts_reports_the_kernel_reason(tcp: socket.socket) -> None:
    """erl: {ttl,1000} -> einval from the kernel (listen: {error,einval})."""
    assert apply_sockopts(tcp, [(socket.IPPROTO_IP, socket.IP_TTL, 1000)]) == "einval"


def test_accept_inherits_port_options() -> None:
    """Accepted sockets inherit every port option of the listen socket (packet,
    show_econnreset, delay_send, the active count too); erl: an explicit buffer on the
    listen socket does not stay sticky."""
    o = parse_open_options([("buffer", 100), ("active", 3), "binary", ("header", 2)],
                           "listen")
    inherited = accept_port_opts(o.port_opts)
    assert inherited["active"] == 3 and inherited["mode"] == "binary"
    assert inherited["buffer"] == 100 and inherited["header"] == 2
    with socket.socket() as s:
        res = setopts(inherited, [("recbuf", 20000)], s)
    assert res.port_opts["buffer"] == 20000


# -- active ----------------------------------------------------------------------------


def test_add_active_adds_counts() -> None:
    """setopts adds N to the count: {active,3} then {active,2} -> 5; then {active,-1} -> 4; no
    message."""
    r = add_active(False, 3)
    assert r is not None and r.active == 3 and not r.tcp_passive
    r = add_active(3, 2)
    assert r is not None and r.active == 5
    r = add_active(5, -1)
    assert r is not None and r.active == 4 and not r.tcp_passive


def test_add_active_to_zero_is_passive_with_event() -> None:
    """{active,0} on a passive socket, or 3 + -5: passive + tcp_passive."""
    for current, value in ((False, 0), (3, -5), (5, -32768)):
        r = add_active(current, value)
        assert r is not None and r.active is False and r.tcp_passive


def test_add_active_limits() -> None:
    """{active,N} limits: 32767 ok; then +1 -> einval (None) and the count stays."""
    r = add_active(False, 32767)
    assert r is not None and r.active == 32767
    assert add_active(32767, 1) is None


def test_switching_modes_replaces() -> None:
    """Switching modes replaces the old one: true -> {active,3} gives 3; 3 -> true/once gives
    true/once; once -> 3 gives 3; false -> 2 gives 2; no messages."""
    for current, value, expected in ((True, 3, 3), (3, True, True), (3, "once", "once"),
                                     ("once", 3, 3), (False, 2, 2), (3, False, False)):
        r = add_active(current, value)
        assert r is not None and r.active == expected and not r.tcp_passive


# -- setopts -------------------------------------------------------------------------


def test_simple_options_read_back(tcp: socket.socket) -> None:
    """Each simple option set by setopts reads back as set."""
    cases = [("nodelay", True), ("keepalive", True), ("reuseaddr", True),
             ("linger", (True, 5)), ("delay_send", True), ("exit_on_close", False),
             ("show_econnreset", True), ("send_timeout", 5000), ("send_timeout_close", True),
             ("deliver", "port"), ("header", 3), ("packet_size", 1000), ("packet", 4)]
    for name, value in cases:
        res = setopts(default_port_opts(), [(name, value)], tcp)
        assert res.result == "ok", name
        assert getopts([name], res.port_opts, tcp) == ("ok", [(name, value)]), name


def test_setopts_values_reach_the_kernel(tcp: socket.socket) -> None:
    """What setopts sets is what getsockopt sees: nodelay, keepalive, linger, tos, ttl,
    priority, reuseaddr."""
    res = setopts(default_port_opts(), [("nodelay", True), ("keepalive", True),
                                        ("linger", (True, 7)), ("tos", 16), ("ttl", 33),
                                        ("reuseaddr", True)], tcp)
    assert res.result == "ok"
    # Linux derives SO_PRIORITY from IP_TOS, so priority goes in a call of its own.
    assert setopts(res.port_opts, [("priority", 3)], tcp).result == "ok"
    assert tcp.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    assert tcp.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
    assert struct.unpack("ii", tcp.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8)) == (1, 7)
    assert tcp.getsockopt(socket.IPPROTO_IP, socket.IP_TOS) == 16
    assert tcp.getsockopt(socket.IPPROTO_IP, socket.IP_TTL) == 33
    assert tcp.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) == 1
    assert tcp.getsockopt(socket.SOL_SOCKET, 12) == 3  # SO_PRIORITY


def test_recbuf_sndbuf_and_buffer(tcp: socket.socket) -> None:
    """setopts {recbuf,4096},{sndbuf,4096} -> buffer 4096, recbuf/sndbuf 8192; then
    {recbuf,65536} -> buffer 65536, recbuf 131072."""
    res = setopts(default_port_opts(), [("recbuf", 4096), ("sndbuf", 4096)], tcp)
    assert opts_of(getopts(["buffer", "recbuf", "sndbuf"], res.port_opts, tcp)) == {
        "buffer": 4096, "recbuf": 8192, "sndbuf": 8192}
    res = setopts(res.port_opts, [("recbuf", 65536)], tcp)
    assert opts_of(getopts(["buffer", "recbuf"], res.port_opts, tcp)) == {
        "buffer": 65536, "recbuf": 131072}


def test_recbuf_after_explicit_buffer(tcp: socket.socket) -> None:
    """erl: setopts {buffer,100} then {recbuf,20000} -> buffer 100; {recbuf,20000} then
    {recbuf,500} -> buffer stays 20000; [{recbuf,3000},{recbuf,20000}] -> buffer 20000,
    recbuf 6000 (applied last first)."""
    res = setopts(default_port_opts(), [("buffer", 100)], tcp)
    res = setopts(res.port_opts, [("recbuf", 20000)], tcp)
    assert res.port_opts["buffer"] == 100
    res = setopts(default_port_opts(), [("recbuf", 20000)], tcp)
    res = setopts(res.port_opts, [("recbuf", 500)], tcp)
    assert res.port_opts["buffer"] == 20000
    res = setopts(default_port_opts(), [("recbuf", 3000), ("recbuf", 20000)], tcp)
    assert res.port_opts["buffer"] == 20000
    assert tcp.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) == 6000


def test_buffer_minimum() -> None:
    """erl: {buffer,-1} and {buffer,0} are accepted and read back as 1."""
    for value in (-1, 0):
        res = setopts(default_port_opts(), [("buffer", value)], None)
        assert res.result == "ok" and res.port_opts["buffer"] == 1


def test_watermark_clamping() -> None:
    """Watermarks clamp each other: high 1000/low 500 kept; then low 2000 raises high to 2000;
    then high 100 lowers low to 100; msgq 100/50 kept. erl: high -1 -> 0/0."""
    po = default_port_opts()
    res = setopts(po, [("high_watermark", 1000), ("low_watermark", 500)], None)
    assert (res.port_opts["high_watermark"], res.port_opts["low_watermark"]) == (1000, 500)
    res = setopts(res.port_opts, [("low_watermark", 2000)], None)
    assert (res.port_opts["high_watermark"], res.port_opts["low_watermark"]) == (2000, 2000)
    res = setopts(res.port_opts, [("high_watermark", 100)], None)
    assert (res.port_opts["high_watermark"], res.port_opts["low_watermark"]) == (100, 100)
    res = setopts(res.port_opts, [("high_msgq_watermark", 100), ("low_msgq_watermark", 50)],
                  None)
    assert (res.port_opts["high_msgq_watermark"], res.port_opts["low_msgq_watermark"]) == (
        100, 50)
    res = setopts(default_port_opts(), [("high_watermark", -1)], None)
    assert res.result == "ok"
    assert (res.port_opts["high_watermark"], res.port_opts["low_watermark"]) == (0, 0)


def test_msgq_watermarks() -> None:
    """erl: {high_msgq_watermark,0|-1} -> einval; {low_msgq_watermark,100000} raises high;
    {high_msgq_watermark,10} lowers low."""
    po = default_port_opts()
    assert setopts(po, [("high_msgq_watermark", 0)], None).result == ("error", "einval")
    assert setopts(po, [("high_msgq_watermark", -1)], None).result == ("error", "einval")
    r = setopts(po, [("low_msgq_watermark", 100000)], None).port_opts
    assert (r["high_msgq_watermark"], r["low_msgq_watermark"]) == (100000, 100000)
    r = setopts(po, [("high_msgq_watermark", 10)], None).port_opts
    assert (r["high_msgq_watermark"], r["low_msgq_watermark"]) == (10, 10)
    assert set_watermark(dict(po), "low_msgq_watermark", 0) is False


def test_setopts_bad_values_einval() -> None:
    """setopts with these bad values -> {error,einval}."""
    for bad in ([("nodelay", "maybe")], [("linger", "foo")], [("send_timeout", "foo")],
                [("send_timeout", -1)], [("header", -1)], [("deliver", "foo")],
                [("mode", "foo")], [("foo", 1)], ["foo"], [("packet", 3)],
                [("packet", "foo")], [("packet_size", -1)], [("active", 1.5)],
                [("active", "foo")], [("active", "x")], [("active", 32768)],
                [("active", -32769)], [("backlog", 5)], [("ip", "any")], [("port", 1)],
                ["inet6"], [("tcp_module", "inet_tcp")], [("exit_on_close", 1)],
                [("a", "b", "c")], [("reuseport", True)]):
        assert parse_setopts(bad) == ("error", "einval"), bad


def test_setopts_odd_values_accepted() -> None:
    """setopts accepts {linger,{true,-1}}, {recbuf,-1}, {buffer,-1}, {high_watermark,-1} -> ok."""
    for odd in (("linger", (True, -1)), ("recbuf", -1), ("buffer", -1),
                ("high_watermark", -1)):
        assert isinstance(parse_setopts([odd]), list), odd


def test_setopts_non_list_is_bad_generator() -> None:
    """setopts(S,{active,true}) / setopts(S,active) -> error:{bad_generator,X}."""
    for bad in (("active", True), Atom("active")):
        with pytest.raises(ErlangError) as info:
            parse_setopts(bad)
        assert info.value.reason == ("bad_generator", bad) and info.value.kind == "error"


def test_setopts_one_bad_option_applies_nothing(tcp: socket.socket) -> None:
    """setopts(C,[{nodelay,true},{active,maybe}]) -> einval; nodelay stays false."""
    res = setopts(default_port_opts(), [("nodelay", True), ("active", "maybe")], tcp)
    assert res.result == ("error", "einval")
    assert tcp.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0


def test_setopts_applies_last_first_and_stops(tcp: socket.socket) -> None:
    """erl: count 32767; [{nodelay,true},{active,1}] -> einval, nodelay untouched;
    [{active,1},{nodelay,true}] -> einval, nodelay set (the driver applies last first and
    stops at the first refusal)."""
    po = default_port_opts()
    po["active"] = 32767
    res = setopts(po, [("nodelay", True), ("active", 1)], tcp)
    assert res.result == ("error", "einval") and res.port_opts["active"] == 32767
    assert tcp.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
    res = setopts(po, [("active", 1), ("nodelay", True)], tcp)
    assert res.result == ("error", "einval")
    assert tcp.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_setopts_duplicates() -> None:
    """erl: [{active,3},{active,2}] -> 5; [{active,true},{active,2}] -> true;
    [{packet,2},{packet,4}] -> 2 (first wins: applied last first)."""
    po = default_port_opts()
    po["active"] = False
    assert setopts(po, [("active", 3), ("active", 2)], None).port_opts["active"] == 5
    assert setopts(po, [("active", True), ("active", 2)], None).port_opts["active"] is True
    assert setopts(po, [("packet", 2), ("packet", 4)], None).port_opts["packet"] == 2


def test_setopts_active_zero_asks_for_tcp_passive() -> None:
    """{active,0} on a passive socket -> ok and tcp_passive at once."""
    po = default_port_opts()
    po["active"] = False
    res = setopts(po, [("active", 0)], None)
    assert res.result == "ok" and res.tcp_passive and res.port_opts["active"] is False


def test_setopts_packet_values() -> None:
    """Packet types read back: raw -> 0; line, asn1, http_bin... read back as set."""
    for value, back in (("raw", 0), (0, 0), ("line", "line"), ("asn1", "asn1"),
                        ("http_bin", "http_bin"), ("httph", "httph"), ("tpkt", "tpkt")):
        assert setopts(default_port_opts(), [("packet", value)], None).port_opts[
            "packet"] == back


def test_setopts_kernel_refusal(tcp: socket.socket) -> None:
    """erl: {ttl,1000} -> einval; {tclass,8} on IPv4 -> einval."""
    assert setopts(default_port_opts(), [("ttl", 1000)], tcp).result == ("error", "einval")
    assert setopts(default_port_opts(), [("tclass", 8)], tcp).result[0] == "error"


def test_setopts_binary_atom(tcp: socket.socket) -> None:
    """erl: setopts(L,[binary]) -> ok, mode binary."""
    res = setopts(default_port_opts(), ["binary"], tcp)
    assert getopts(["mode"], res.port_opts, tcp) == ("ok", [("mode", "binary")])


# -- getopts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["line_delimiter", "backlog", "ip", "port", "binary", "list", "foo", "fd",
             "ifaddr", "tcp_module", "reuseport"])
def test_unreadable_names_einval(tcp: socket.socket, name: str) -> None:
    """getopts of these names (line_delimiter, backlog, ip, port, ...) on inet ->
    {error,einval}."""
    assert getopts([name], default_port_opts(), tcp) == ("error", "einval")


def test_one_bad_name_fails_the_call(tcp: socket.socket) -> None:
    """getopts [active,foo] and [active,line_delimiter] -> {error,einval}; [] -> {ok,[]}."""
    po = default_port_opts()
    assert getopts(["active", "foo"], po, tcp) == ("error", "einval")
    assert getopts(["active", "line_delimiter"], po, tcp) == ("error", "einval")
    assert getopts([], po, tcp) == ("ok", [])
    assert getopts([("active", True)], po, tcp) == ("error", "einval")


def test_getopts_non_list(tcp: socket.socket) -> None:
    """getopts(L, active) -> error:function_clause."""
    with pytest.raises(ErlangError) as info:
        getopts(Atom("active"), default_port_opts(), tcp)
    assert info.value.reason == "function_clause"


def test_ipv6_options_left_out_on_ipv4(tcp: socket.socket) -> None:
    """getopts [ipv6_v6only] on IPv4 -> {ok,[]}; [active,ipv6_v6only] -> active only;
    erl: tclass on IPv4 is left out too."""
    po = default_port_opts()
    assert getopts(["ipv6_v6only"], po, tcp) == ("ok", [])
    assert getopts(["active", "ipv6_v6only", "tclass"], po, tcp) == ("ok", [("active", True)])


def test_getopts_order_and_repeats(tcp: socket.socket) -> None:
    """erl: getopts(L,[active,active,{raw,6,1,4}]) -> active twice, then the raw value."""
    assert getopts(["active", "active", ("raw", 6, 1, 4)], default_port_opts(), tcp) == (
        "ok", [("active", True), ("active", True), ("raw", 6, 1, b"\0\0\0\0")])


def test_raw_getopt(tcp: socket.socket) -> None:
    """After {nodelay,true}, getopts [{raw,6,1,4}] -> {raw,6,1,<<1,0,0,0>>}."""
    res = setopts(default_port_opts(), [("nodelay", True)], tcp)
    got = getopts([("raw", 6, 1, 4)], res.port_opts, tcp)
    assert got == ("ok", [("raw", 6, 1, struct.pack("i", 1))])


def test_raw_getopt_edges(tcp: socket.socket) -> None:
    """erl: {raw,6,1,foo} -> einval; {raw,-6,1,4} is left out; size 0 -> <<>>."""
    po = default_port_opts()
    assert getopts([("raw", 6, 1, "foo")], po, tcp) == ("error", "einval")
    assert getopts([("raw", -6, 1, 4)], po, tcp) == ("ok", [])
    assert getopts([("raw", 6, 1, 0)], po, tcp) == ("ok", [("raw", 6, 1, b"")])


def test_raw_setopt_reaches_kernel(tcp: socket.socket) -> None:
    """erl: setopts [{raw,6,1,<<1:32/native>>}] turns TCP_NODELAY on."""
    res = setopts(default_port_opts(), [("raw", 6, 1, struct.pack("i", 1))], tcp)
    assert res.result == "ok"
    assert tcp.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_local_socket_leaves_out_tcp_options() -> None:
    """erl: getopts on a local socket [nodelay,recbuf,keepalive,tos] -> recbuf and
    keepalive only."""
    a, b = socket.socketpair()
    with a, b:
        got = getopts(["nodelay", "recbuf", "keepalive", "tos"], default_port_opts(), a)
    assert [n for n, _ in got[1]] == ["recbuf", "keepalive"]


def test_getopts_without_socket_reads_port_options_only() -> None:
    """With no socket (the caller handles closed ports), socket options are left out."""
    assert getopts(["active", "nodelay"], default_port_opts(), None) == (
        "ok", [("active", True)])

"""Conformance: socket handles, backend selection, listen, port 0, sockname, backlog.

Each test mirrors a behaviour recorded on real Erlang/OTP 25 (default ``inet`` backend
unless marked ``socket_backend``; "Both backends" means inet and ``{inet_backend,socket}``
gave the same term); its docstring names the Erlang call and the exact Erlang result. Some
check the statements of Erlang's gen_tcp manual page about `listen/2` and the
``inet_backend`` option.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import actors
import gen_tcp
import ports
from gen_tcp import inet

from .helpers import LOOP, close_all, inet_defaults, pair, raises

IP6_LOOP = (0, 0, 0, 0, 0, 0, 0, 1)
SOCKET = ("inet_backend", "socket")


def _sysctl_default(name: str, fallback: int) -> int:
    """The middle (default) value of /proc/sys/net/ipv4/<name>; what an fd starts with."""
    try:
        return int(Path(f"/proc/sys/net/ipv4/{name}").read_text().split()[1])
    except (OSError, IndexError, ValueError):  # pragma: no cover - not Linux
        return fallback


# -- 1. Socket handles and backend selection -----------------------------------------------


async def test_inet_handles_are_ports() -> None:
    """inet: ``is_port(L)`` and ``is_port(A)`` -> ``true``.

    (A Python `ports.Port`; the connecting side ``C`` is a port too.)
    """
    ls, c, a = await pair()
    try:
        assert isinstance(ls, ports.Port)
        assert isinstance(a, ports.Port)
        assert isinstance(c, ports.Port)
    finally:
        await close_all(c, a, ls)


@pytest.mark.socket_backend
async def test_socket_backend_handles_are_not_ports() -> None:
    """Socket backend: ``{'$inet',gen_tcp_socket,{Pid,{'$socket',Ref}}}``.

    ``is_port(L)`` -> ``false``, and likewise for the accepted socket.
    """
    ls, c, a = await pair([SOCKET])
    try:
        assert not isinstance(ls, ports.Port)
        assert not isinstance(a, ports.Port)
    finally:
        await close_all(c, a, ls)


async def test_inet_backend_not_first_in_listen_raises() -> None:
    """``listen(0,[{ip,Loop},{inet_backend,socket}])`` -> ``{raised,exit,badarg}``."""
    with raises("exit", "badarg"):
        await gen_tcp.listen(0, [("ip", LOOP), ("inet_backend", "socket")])


async def test_inet_backend_inet_not_first_raises() -> None:
    """Checked in erl: ``listen(0,[{ip,Loop},{inet_backend,inet}])``, the backend option second
    -> ``{raised,exit,badarg}``.

    Manual: the option "if specified, has to be the first option".
    """
    with raises("exit", "badarg"):
        await gen_tcp.listen(0, [("ip", LOOP), ("inet_backend", "inet")])


async def test_inet_backend_not_first_in_connect_raises() -> None:
    """Checked in erl: ``connect(Loop,P,[{active,false},{inet_backend,B}])``.

    For B = socket and B = inet alike: ``{raised,exit,badarg}``.
    """
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    _, port = await inet.port(ls)
    try:
        for backend in ("socket", "inet"):
            with raises("exit", "badarg"):
                await gen_tcp.connect(LOOP, port, [("active", False), ("inet_backend", backend)])
    finally:
        await gen_tcp.close(ls)


async def test_manual_inet_backend_inet_first_is_the_default_port() -> None:
    """Manual (inet_backend note), checked in erl: ``listen(0,[{inet_backend,inet},{ip,Loop}])``.

    -> ``{ok,L}`` with ``is_port(L)`` -> ``true``: ``inet`` is the default backend.
    """
    ok, ls = await gen_tcp.listen(0, [("inet_backend", "inet"), ("ip", LOOP)])
    assert ok == "ok"
    try:
        assert isinstance(ls, ports.Port)
    finally:
        await gen_tcp.close(ls)


@pytest.mark.socket_backend
async def test_socket_backend_first_gives_non_port_socket() -> None:
    """``listen(0,[{inet_backend,socket},{ip,Loop}])`` -> ``{ok,NonPortSocket}``."""
    ok, ls = await gen_tcp.listen(0, [SOCKET, ("ip", LOOP)])
    assert ok == "ok"
    try:
        assert not isinstance(ls, ports.Port)
    finally:
        await gen_tcp.close(ls)


# -- 2. listen, port 0, sockname, backlog --------------------------------------------------


async def test_port_0_port_and_sockname() -> None:
    """Both backends: ``inet:port(L)`` -> ``{ok,P}`` with P>0; ``inet:sockname(L)``
    -> ``{ok,{{127,0,0,1},P}}`` with the same P.

    Manual listen/2: "If Port == 0, the underlying OS assigns an available port number,
    use inet:port/1 to retrieve it."
    """
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    assert ok == "ok"
    try:
        ok, port = await inet.port(ls)
        assert ok == "ok"
        assert isinstance(port, int) and port > 0
        assert await inet.sockname(ls) == ("ok", (LOOP, port))
    finally:
        await gen_tcp.close(ls)


async def test_manual_listen_port_option() -> None:
    """Manual listen/2 ``{port, Port}`` ("which local port number to use"), checked in erl.

    ``listen(0,[{ip,Loop},{port,TP}])`` -> ``inet:port(L)`` -> ``{ok,TP}``.
    """
    ok, probe = await gen_tcp.listen(0, [("ip", LOOP)])
    _, tp = await inet.port(probe)
    await gen_tcp.close(probe)
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), ("port", tp)])
    assert ok == "ok", ls
    try:
        assert await inet.port(ls) == ("ok", tp)
    finally:
        await gen_tcp.close(ls)


async def test_port_in_use_eaddrinuse() -> None:
    """Both backends: ``listen(P,[{ip,Loop}])`` while P listens -> ``{error,eaddrinuse}``."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    _, port = await inet.port(ls)
    try:
        assert await gen_tcp.listen(port, [("ip", LOOP)]) == ("error", "eaddrinuse")
    finally:
        await gen_tcp.close(ls)


async def test_port_in_use_eaddrinuse_even_with_reuseaddr() -> None:
    """Both backends: both sockets with ``{reuseaddr,true}`` -> ``{error,eaddrinuse}``."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), ("reuseaddr", True)])
    _, port = await inet.port(ls)
    try:
        again = await gen_tcp.listen(port, [("ip", LOOP), ("reuseaddr", True)])
        assert again == ("error", "eaddrinuse")
    finally:
        await gen_tcp.close(ls)


@pytest.mark.parametrize("port", [70000, -1, actors.Atom("foo")], ids=["70000", "-1", "foo"])
async def test_bad_port_number_raises(port: Any) -> None:
    """inet: ``listen(70000|-1|foo,[])`` -> ``{raised,exit,badarg}``."""
    with raises("exit", "badarg"):
        await gen_tcp.listen(port, [])


@pytest.mark.socket_backend
async def test_socket_backend_bad_port_numbers() -> None:
    """Socket backend: 70000 -> ``{ok,_}``, -1 -> ``{ok,_}`` (sic), foo -> ``{error,einval}``.

    (In erl the port wraps: 70000 listens on 4464, -1 on 65535.)
    """
    for port in (70000, -1):
        ok, ls = await gen_tcp.listen(port, [SOCKET])
        assert ok == "ok", ls
        await gen_tcp.close(ls)
    assert await gen_tcp.listen(actors.Atom("foo"), [SOCKET]) == ("error", "einval")


@pytest.mark.parametrize(
    "opt",
    [("foo", "bar"), actors.Atom("foo"), ("active", "maybe"), ("packet", 3)],
    ids=["{foo,bar}", "foo", "{active,maybe}", "{packet,3}"],
)
async def test_bad_listen_option_raises(opt: Any) -> None:
    """Both backends: ``listen(0,[{ip,Loop},X])`` -> ``{raised,exit,badarg}`` (never einval)."""
    with raises("exit", "badarg"):
        await gen_tcp.listen(0, [("ip", LOOP), opt])


async def test_negative_backlog_is_accepted() -> None:
    """Both backends: ``listen(0,[{ip,Loop},{backlog,-1}])`` -> ``{ok,_}``."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), ("backlog", -1)])
    assert ok == "ok", ls
    await gen_tcp.close(ls)


async def test_non_list_options_function_clause() -> None:
    """``listen(0,not_a_list)`` -> ``{raised,error,function_clause}``."""
    with raises("error", "function_clause"):
        await gen_tcp.listen(0, actors.Atom("not_a_list"))


async def test_ipv6_loopback_with_inet6() -> None:
    """``listen(0,[inet6,{ip,{0,0,0,0,0,0,0,1}}])``, ``inet:sockname``
    -> ``{ok,{{0,0,0,0,0,0,0,1},P}}``."""
    ok, ls = await gen_tcp.listen(0, ["inet6", ("ip", IP6_LOOP)])
    assert ok == "ok", ls
    try:
        _, port = await inet.port(ls)
        assert await inet.sockname(ls) == ("ok", (IP6_LOOP, port))
        assert port > 0
    finally:
        await gen_tcp.close(ls)


async def test_ipv6_ip_tuple_implies_inet6() -> None:
    """``listen(0,[{ip,{0,0,0,0,0,0,0,1}}])`` (no inet6)
    -> sockname ``{ok,{{0,0,0,0,0,0,0,1},P}}``."""
    ok, ls = await gen_tcp.listen(0, [("ip", IP6_LOOP)])
    assert ok == "ok", ls
    try:
        _, port = await inet.port(ls)
        assert await inet.sockname(ls) == ("ok", (IP6_LOOP, port))
    finally:
        await gen_tcp.close(ls)


async def test_string_ip_raises() -> None:
    """inet: ``listen(0,[{ip,"127.0.0.1"}])`` -> ``{raised,exit,badarg}``."""
    with raises("exit", "badarg"):
        await gen_tcp.listen(0, [("ip", "127.0.0.1")])


@pytest.mark.socket_backend
async def test_socket_backend_string_ip_invalid_sockaddr() -> None:
    """Socket backend: ``{error,{invalid,{sockaddr,#{addr => "127.0.0.1",family => inet,
    port => 0}}}}``."""
    result = await gen_tcp.listen(0, [SOCKET, ("ip", "127.0.0.1")])
    assert result == (
        "error",
        ("invalid", ("sockaddr", {"addr": "127.0.0.1", "family": "inet", "port": 0})),
    )


async def test_peername_of_listen_socket_enotconn() -> None:
    """Both backends: ``inet:peername(L)`` -> ``{error,enotconn}``."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    try:
        assert await inet.peername(ls) == ("error", "enotconn")
    finally:
        await gen_tcp.close(ls)


# the kernel's defaults (net.ipv4.tcp_rmem / tcp_wmem); 131072 / 16384 when recorded
LISTEN_DEFAULTS_INET = inet_defaults(
    recbuf=_sysctl_default("tcp_rmem", 131072), sndbuf=_sysctl_default("tcp_wmem", 16384)
)


@pytest.mark.parametrize("name,value", LISTEN_DEFAULTS_INET, ids=[n for n, _ in LISTEN_DEFAULTS_INET])
async def test_listen_socket_default_option(name: str, value: Any) -> None:
    """inet: ``inet:getopts(L,[Opt])`` -> ``{ok,[{Opt,Default}]}`` per option.

    active true, packet 0, mode list, header 0, exit_on_close true, nodelay false,
    keepalive false, reuseaddr false, linger {false,0}, delay_send false, send_timeout
    infinity, send_timeout_close false, show_econnreset false, deliver term, packet_size 0,
    high_watermark 8192, low_watermark 4096, high_msgq_watermark 8192,
    low_msgq_watermark 4096, buffer 1460, recbuf 131072, sndbuf 16384, tos 0, priority 0.
    """
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    try:
        assert await inet.getopts(ls, [name]) == ("ok", [(name, value)])
    finally:
        await gen_tcp.close(ls)


@pytest.mark.socket_backend
async def test_socket_backend_listen_defaults_that_differ() -> None:
    """Socket backend: ``packet raw``, ``packet_size 67108864``, ``line_delimiter 10``,
    ``low_watermark 1``, ``buffer 8192``; high_watermark, high_msgq_watermark,
    low_msgq_watermark and backlog -> ``{ok,[]}``."""
    ok, ls = await gen_tcp.listen(0, [SOCKET, ("ip", LOOP)])
    try:
        expected = {
            "packet": [("packet", "raw")],
            "packet_size": [("packet_size", 67108864)],
            "line_delimiter": [("line_delimiter", 10)],
            "low_watermark": [("low_watermark", 1)],
            "buffer": [("buffer", 8192)],
            "high_watermark": [],
            "high_msgq_watermark": [],
            "low_msgq_watermark": [],
            "backlog": [],
        }
        got = {name: await inet.getopts(ls, [name]) for name in expected}
        assert got == {name: ("ok", v) for name, v in expected.items()}
    finally:
        await gen_tcp.close(ls)


UNREADABLE = ["line_delimiter", "backlog", "ip", "port", "binary", "list", "foo"]


@pytest.mark.parametrize("name", UNREADABLE)
async def test_unreadable_option_names_listen_einval(name: str) -> None:
    """inet: ``inet:getopts(L,[Opt])`` -> ``{error,einval}`` for line_delimiter,
    backlog, ip, port, binary, list and foo."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    try:
        assert await inet.getopts(ls, [name]) == ("error", "einval")
    finally:
        await gen_tcp.close(ls)


@pytest.mark.parametrize("name", UNREADABLE)
async def test_unreadable_option_names_connected_einval(name: str) -> None:
    """inet, connected socket: ``inet:getopts(C,[Opt])`` ->
    ``{error,einval}`` (line_delimiter, backlog, ip, port, binary, list, foo; checked in erl)."""
    ls, c, a = await pair()
    try:
        assert await inet.getopts(c, [name]) == ("error", "einval")
    finally:
        await close_all(c, a, ls)


async def test_line_delimiter_set_but_unreadable() -> None:
    """inet: ``setopts(C,[{line_delimiter,$X}])`` -> ``ok``, yet
    ``getopts(C,[line_delimiter])`` -> ``{error,einval}``."""
    ls, c, a = await pair()
    try:
        assert await inet.setopts(c, [("line_delimiter", ord("X"))]) == "ok"
        assert await inet.getopts(c, ["line_delimiter"]) == ("error", "einval")
    finally:
        await close_all(c, a, ls)


@pytest.mark.socket_backend
async def test_socket_backend_line_delimiter_readable() -> None:
    """Socket backend: after ``{line_delimiter,$X}``, ``getopts`` ->
    ``{ok,[{line_delimiter,88}]}``."""
    ls, c, a = await pair([SOCKET])
    try:
        assert await inet.setopts(c, [("line_delimiter", ord("X"))]) == "ok"
        assert await inet.getopts(c, ["line_delimiter"]) == ("ok", [("line_delimiter", 88)])
    finally:
        await close_all(c, a, ls)


async def test_one_bad_name_fails_whole_getopts() -> None:
    """``inet:getopts(L,[active,foo])`` -> ``{error,einval}``."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    try:
        assert await inet.getopts(ls, ["active", "foo"]) == ("error", "einval")
    finally:
        await gen_tcp.close(ls)


async def test_unreadable_name_fails_whole_getopts() -> None:
    """inet: ``inet:getopts(L,[active,line_delimiter])`` -> ``{error,einval}``."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    try:
        assert await inet.getopts(ls, ["active", "line_delimiter"]) == ("error", "einval")
    finally:
        await gen_tcp.close(ls)


@pytest.mark.socket_backend
async def test_socket_backend_active_and_line_delimiter() -> None:
    """Socket backend: ``getopts(L,[active,line_delimiter])`` ->
    ``{ok,[{active,true},{line_delimiter,10}]}``."""
    ok, ls = await gen_tcp.listen(0, [SOCKET, ("ip", LOOP)])
    try:
        result = await inet.getopts(ls, ["active", "line_delimiter"])
        assert result == ("ok", [("active", True), ("line_delimiter", 10)])
    finally:
        await gen_tcp.close(ls)


async def test_empty_getopts() -> None:
    """``inet:getopts(L,[])`` -> ``{ok,[]}``."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    try:
        assert await inet.getopts(ls, []) == ("ok", [])
    finally:
        await gen_tcp.close(ls)


async def test_getopts_non_list_function_clause() -> None:
    """``inet:getopts(L,active)`` -> ``{raised,error,function_clause}``."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    try:
        with raises("error", "function_clause"):
            await inet.getopts(ls, actors.Atom("active"))
    finally:
        await gen_tcp.close(ls)


async def test_os_unsupported_option_left_out() -> None:
    """An option the OS lacks is left out: on IPv4, ``getopts(L4,[ipv6_v6only])`` -> ``{ok,[]}`` and
    ``getopts(L4,[active,ipv6_v6only])`` -> ``{ok,[{active,true}]}``."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    try:
        assert await inet.getopts(ls, ["ipv6_v6only"]) == ("ok", [])
        assert await inet.getopts(ls, ["active", "ipv6_v6only"]) == ("ok", [("active", True)])
    finally:
        await gen_tcp.close(ls)


async def _connects(port: int, n: int) -> tuple[list[Any], list[Any]]:
    """n × ``gen_tcp:connect(Loop,P,[],300)``: the results as Erlang prints them, and the sockets."""
    results: list[Any] = []
    sockets: list[Any] = []
    for _ in range(n):
        r = await gen_tcp.connect(LOOP, port, [], 300)
        if r[0] == "ok":
            sockets.append(r[1])
            results.append("ok")
        else:
            results.append(r)
    return results, sockets


async def test_backlog_1_holds_two_pending() -> None:
    """Both backends: ``{backlog,1}``, no accept, 5 × ``connect(Loop,P,[],300)`` ->
    ``[ok,ok,{error,timeout},{error,timeout},{error,timeout}]`` (backlog+1 on Linux)."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), ("backlog", 1)])
    _, port = await inet.port(ls)
    try:
        results, sockets = await _connects(port, 5)
        await close_all(*sockets)
        timeout = ("error", "timeout")
        assert results == ["ok", "ok", timeout, timeout, timeout]
    finally:
        await gen_tcp.close(ls)


async def test_default_backlog_is_5() -> None:
    """Both backends: default backlog, 8 tries -> 6 × ``ok`` then 2 × ``{error,timeout}``.

    Manual listen/2: "{backlog, B} ... Defaults to 5" (Linux admits backlog+1).
    """
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP)])
    _, port = await inet.port(ls)
    try:
        results, sockets = await _connects(port, 8)
        await close_all(*sockets)
        assert results == ["ok"] * 6 + [("error", "timeout")] * 2
    finally:
        await gen_tcp.close(ls)


async def test_backlog_not_readable() -> None:
    """inet: ``inet:getopts(L,[backlog])`` -> ``{error,einval}``."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), ("backlog", 3)])
    try:
        assert await inet.getopts(ls, ["backlog"]) == ("error", "einval")
    finally:
        await gen_tcp.close(ls)


@pytest.mark.socket_backend
async def test_socket_backend_backlog_omitted() -> None:
    """Socket backend: ``inet:getopts(L,[backlog])`` -> ``{ok,[]}``."""
    ok, ls = await gen_tcp.listen(0, [SOCKET, ("ip", LOOP), ("backlog", 3)])
    try:
        assert await inet.getopts(ls, ["backlog"]) == ("ok", [])
    finally:
        await gen_tcp.close(ls)

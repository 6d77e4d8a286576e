"""Conformance: gen_tcp:connect/2,3,4.

Each test mirrors a behaviour recorded on real Erlang/OTP 25 (default ``inet`` backend
unless marked ``socket_backend``; "Both backends" means inet and ``{inet_backend,socket}``
gave the same term); its docstring names the Erlang call and the exact Erlang result. Some
check the statements of Erlang's gen_tcp manual page about `connect`: the sockaddr-map form,
the ``{ip, Address}`` and ``{port, Port}`` options, ``{tcp, Socket, Data}`` delivery to the
connecting process.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

import actors
import gen_tcp
from actors import ANY, Atom
from actors.testing import assert_receive, refute_receive
from gen_tcp import inet

from .helpers import LOOP, close_all, closed_port, elapsed_ms, inet_defaults, pair, raises

IP6_LOOP = (0, 0, 0, 0, 0, 0, 0, 1)
SOCKET = ("inet_backend", "socket")


def _kernel_buffers() -> dict[str, int]:
    """What this kernel gives a connected loopback socket: SO_SNDBUF (autotuned) and SO_RCVBUF.

    Erlang reads these from the kernel (sndbuf 3939840, recbuf 131072 when recorded), so
    the kernel is the oracle for them.
    """
    with socket.socket() as ls:
        ls.bind(("127.0.0.1", 0))
        ls.listen()
        with socket.create_connection(ls.getsockname()) as c:
            a, _ = ls.accept()
            a.close()
            return {
                "sndbuf": c.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF),
                "recbuf": c.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
            }


async def _listen(*opts: Any) -> tuple[Any, int]:
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), *opts])
    assert ok == "ok", ls
    ok, port = await inet.port(ls)
    return ls, port


# -- 30-34: refused, unknown hosts, timeouts ----------------------------------------------


@pytest.mark.parametrize(
    "address",
    [LOOP, Atom("localhost"), "localhost"],
    ids=["Loop", "localhost", '"localhost"'],
)
@pytest.mark.parametrize("with_timeout", [False, True], ids=["connect3", "connect4"])
async def test_no_listener_econnrefused(address: Any, with_timeout: bool) -> None:
    """Both backends: ``connect(Loop|localhost|"localhost",ClosedPort,[])``, with or
    without a timeout -> ``{error,econnrefused}``."""
    port = await closed_port()
    extra = (5000,) if with_timeout else ()
    assert await gen_tcp.connect(address, port, [], *extra) == ("error", "econnrefused")


async def test_unknown_host_nxdomain() -> None:
    """Both backends: ``connect("non-existing-host-xxx",7,[],5000)`` -> ``{error,nxdomain}``."""
    assert await gen_tcp.connect("non-existing-host-xxx", 7, [], 5000) == ("error", "nxdomain")


@pytest.mark.parametrize("host", ["", Atom("")], ids=['""', "''"])
async def test_empty_host_raises(host: Any) -> None:
    """inet: ``connect("",P,[])`` and ``connect('',P,[])`` -> ``{raised,exit,badarg}``."""
    port = await closed_port()
    with raises("exit", "badarg"):
        await gen_tcp.connect(host, port, [])


@pytest.mark.parametrize("host", [".", Atom(".")], ids=['"."', "'.'"])
async def test_root_domain_nxdomain(host: Any) -> None:
    """Both backends: ``connect(".",P,[])`` and ``connect('.',P,[])`` -> ``{error,nxdomain}``."""
    port = await closed_port()
    assert await gen_tcp.connect(host, port, []) == ("error", "nxdomain")


@pytest.mark.socket_backend
async def test_socket_backend_empty_host_einval() -> None:
    """Socket backend: ``connect("",P,[{inet_backend,socket}])`` -> ``{error,einval}``."""
    port = await closed_port()
    assert await gen_tcp.connect("", port, [SOCKET]) == ("error", "einval")


async def test_connect_timeout_is_timeout_not_etimedout() -> None:
    """Both backends: ``{backlog,0}`` leaves 1 slot: two unaccepted connects ->
    ``[ok,{error,timeout}]``; then ``connect(Loop,P,[],200)`` ->
    ``{{approx_ms,200},{error,timeout}}``."""
    ls, port = await _listen(("backlog", 0))
    first = await gen_tcp.connect(LOOP, port, [], 200)
    try:
        second = await gen_tcp.connect(LOOP, port, [], 200)
        if second[0] == "ok":
            await gen_tcp.close(second[1])
        assert [first[0], second] == ["ok", ("error", "timeout")]
        t0 = time.monotonic()
        third = await gen_tcp.connect(LOOP, port, [], 200)
        ms = elapsed_ms(t0)
        if third[0] == "ok":
            await gen_tcp.close(third[1])
        assert third == ("error", "timeout")
        assert 150 <= ms < 5000, ms
    finally:
        if first[0] == "ok":
            await gen_tcp.close(first[1])
        await gen_tcp.close(ls)


async def test_connect_timeout_0_to_listening_port() -> None:
    """Both backends: ``connect(Loop,P,[],0)`` to a listening port -> ``{error,timeout}``."""
    ls, port = await _listen()
    try:
        result = await gen_tcp.connect(LOOP, port, [], 0)
        if result[0] == "ok":
            await gen_tcp.close(result[1])
        assert result == ("error", "timeout")
    finally:
        await gen_tcp.close(ls)


# -- 35-36: bad arguments -----------------------------------------------------------------

BAD_CONNECT_OPTIONS = [
    ("foo", "bar"),
    Atom("foo"),
    ("active", "maybe"),
    ("packet", 3),
    ("send_timeout", -5),
    ("backlog", 5),
]


@pytest.mark.parametrize(
    "opt",
    BAD_CONNECT_OPTIONS,
    ids=["{foo,bar}", "foo", "{active,maybe}", "{packet,3}", "{send_timeout,-5}", "{backlog,5}"],
)
async def test_bad_connect_option_raises(opt: Any) -> None:
    """Both backends: ``connect(Loop,P,[X])`` -> ``{raised,exit,badarg}`` for
    {foo,bar}, foo, {active,maybe}, {packet,3}, {send_timeout,-5} and the listen-only
    {backlog,5}."""
    ls, port = await _listen()
    try:
        with raises("exit", "badarg"):
            await gen_tcp.connect(LOOP, port, [opt])
    finally:
        await gen_tcp.close(ls)


async def test_reuseaddr_in_connect_is_ok() -> None:
    """Both backends: ``connect(Loop,P,[{reuseaddr,true}])`` -> ``{ok,_}``."""
    ls, port = await _listen()
    ok, c = await gen_tcp.connect(LOOP, port, [("reuseaddr", True)])
    try:
        assert ok == "ok", c
    finally:
        if ok == "ok":
            await gen_tcp.close(c)
        await gen_tcp.close(ls)


@pytest.mark.parametrize("opts", [Atom("foo"), ("active", False)], ids=["foo", "{active,false}"])
async def test_non_list_options_raise(opts: Any) -> None:
    """``connect(Loop,P,Opts)`` with a non-list option argument ->
    ``{raised,exit,{function_clause,{inet,mod,6}}}`` (stacktrace cut to its top frame)."""
    ls, port = await _listen()
    try:
        with raises("exit", ("function_clause", ("inet", "mod", 6))):
            await gen_tcp.connect(LOOP, port, opts)
    finally:
        await gen_tcp.close(ls)


@pytest.mark.parametrize("port", [70000, -1], ids=["70000", "-1"])
async def test_port_out_of_range_raises(port: int) -> None:
    """inet: port 70000 or -1 ->
    ``{raised,exit,{function_clause,{inet_tcp,do_connect,4}}}``."""
    with raises("exit", ("function_clause", ("inet_tcp", "do_connect", 4))):
        await gen_tcp.connect(LOOP, port, [])


async def test_port_not_integer_raises() -> None:
    """inet: port ``foo`` -> ``{raised,exit,badarg}``."""
    with raises("exit", "badarg"):
        await gen_tcp.connect(LOOP, Atom("foo"), [])


async def test_port_0_econnrefused() -> None:
    """Both backends: port 0 -> ``{error,econnrefused}``."""
    assert await gen_tcp.connect(LOOP, 0, []) == ("error", "econnrefused")


@pytest.mark.parametrize("timeout", [-1, Atom("foo"), 1.5], ids=["-1", "foo", "1.5"])
async def test_bad_timeout_raises_error_badarg(timeout: Any) -> None:
    """Both backends: timeout -1 or foo (and 1.5, checked in erl) ->
    ``{raised,error,badarg}``."""
    ls, port = await _listen()
    try:
        with raises("error", "badarg"):
            await gen_tcp.connect(LOOP, port, [], timeout)
    finally:
        await gen_tcp.close(ls)


@pytest.mark.parametrize("address", [(1, 2, 3), 42], ids=["{1,2,3}", "42"])
async def test_bad_address_raises(address: Any) -> None:
    """inet: ``connect({1,2,3}|42,P,[],T)`` -> ``{raised,exit,badarg}``."""
    ls, port = await _listen()
    try:
        with raises("exit", "badarg"):
            await gen_tcp.connect(address, port, [], 1000)
    finally:
        await gen_tcp.close(ls)


async def test_bad_address_tuple_connect3_raises() -> None:
    """inet, checked in erl: ``connect({1,2,3},P,[])`` -> ``{raised,exit,badarg}``."""
    ls, port = await _listen()
    try:
        with raises("exit", "badarg"):
            await gen_tcp.connect((1, 2, 3), port, [])
    finally:
        await gen_tcp.close(ls)


async def test_integer_address_connect3_function_clause() -> None:
    """inet, checked in erl: ``connect(42,P,[])`` (connect/3, no timeout) ->
    ``{raised,error,function_clause}`` (no connect/3 clause takes an integer address;
    ``connect(42,P,[],T)`` is ``exit:badarg``)."""
    ls, port = await _listen()
    try:
        with raises("error", "function_clause"):
            await gen_tcp.connect(42, port, [])
    finally:
        await gen_tcp.close(ls)


@pytest.mark.socket_backend
async def test_socket_backend_bad_port_and_address() -> None:
    """Socket backend: port 70000 or -1 -> ``{error,econnrefused}``; port foo ->
    ``{error,einval}``; address {1,2,3} or 42 -> ``{error,einval}``."""
    ls, port = await _listen()
    try:
        assert await gen_tcp.connect(LOOP, 70000, [SOCKET]) == ("error", "econnrefused")
        assert await gen_tcp.connect(LOOP, -1, [SOCKET]) == ("error", "econnrefused")
        assert await gen_tcp.connect(LOOP, Atom("foo"), [SOCKET]) == ("error", "einval")
        assert await gen_tcp.connect((1, 2, 3), port, [SOCKET], 1000) == ("error", "einval")
        assert await gen_tcp.connect(42, port, [SOCKET], 1000) == ("error", "einval")
    finally:
        await gen_tcp.close(ls)


# -- 37-38: address forms and IPv6 ---------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [LOOP, "127.0.0.1", Atom("localhost"), "localhost"],
    ids=["{127,0,0,1}", '"127.0.0.1"', "localhost", '"localhost"'],
)
async def test_address_forms_connect(address: Any) -> None:
    """Both backends: ``{127,0,0,1}``, ``"127.0.0.1"``, ``localhost`` and
    ``"localhost"`` all connect (peername ``{ok,{{127,0,0,1},P}}``, checked in erl)."""
    ls, port = await _listen()
    ok, c = await gen_tcp.connect(address, port, [])
    try:
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(ls, 1000)
        assert ok == "ok"
        assert await inet.peername(c) == ("ok", (LOOP, port))
        await gen_tcp.close(a)
    finally:
        if ok == "ok":
            await gen_tcp.close(c)
        await gen_tcp.close(ls)


async def _listen6() -> tuple[Any, int]:
    ok, ls = await gen_tcp.listen(0, [("ip", IP6_LOOP)])
    assert ok == "ok", ls
    _, port = await inet.port(ls)
    return ls, port


async def test_ipv6_tuple_implies_inet6() -> None:
    """Both backends: ``connect({0,0,0,0,0,0,0,1},P,[])`` -> ``{ok,_}`` (implicit inet6);
    sockname ``{ok,{{0,0,0,0,0,0,0,1},_}}``."""
    ls, port = await _listen6()
    try:
        ok, c = await gen_tcp.connect(IP6_LOOP, port, [])
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(ls, 1000)
        try:
            assert (await inet.sockname(c))[1][0] == IP6_LOOP
            assert await inet.peername(c) == ("ok", (IP6_LOOP, port))
        finally:
            await close_all(c, a)
    finally:
        await gen_tcp.close(ls)


async def test_ipv6_string_with_inet6() -> None:
    """Both backends: ``connect("::1",P,[inet6])`` -> ``{ok,_}``."""
    ls, port = await _listen6()
    try:
        ok, c = await gen_tcp.connect("::1", port, ["inet6"])
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(ls, 1000)
        await close_all(c, a)
    finally:
        await gen_tcp.close(ls)


async def test_ipv6_string_without_inet6_nxdomain() -> None:
    """Both backends: ``connect("::1",P,[])`` -> ``{error,nxdomain}``."""
    ls, port = await _listen6()
    try:
        assert await gen_tcp.connect("::1", port, []) == ("error", "nxdomain")
    finally:
        await gen_tcp.close(ls)


async def test_ipv4_target_with_inet6_eafnosupport() -> None:
    """Both backends: ``connect(Loop,P,[inet6])`` -> ``{error,eafnosupport}``."""
    ls, port = await _listen()
    try:
        assert await gen_tcp.connect(LOOP, port, ["inet6"]) == ("error", "eafnosupport")
    finally:
        await gen_tcp.close(ls)


async def test_ipv4_target_with_ipv6_ip_eafnosupport() -> None:
    """Both backends: ``connect(Loop,P,[{ip,{0,0,0,0,0,0,0,1}}])`` ->
    ``{error,eafnosupport}``."""
    ls, port = await _listen()
    try:
        assert await gen_tcp.connect(LOOP, port, [("ip", IP6_LOOP)]) == ("error", "eafnosupport")
    finally:
        await gen_tcp.close(ls)


# -- manual: connect/2,3 with a sockaddr map; {ip,_} and {port,_} --------------------------


async def test_manual_connect_sockaddr_map() -> None:
    """Manual connect/2 (checked in erl): ``connect(#{family => inet, addr => Loop, port => P},[])``
    -> ``{ok,C}`` with ``peername(C)`` -> ``{ok,{{127,0,0,1},P}}``; C is a port."""
    ls, port = await _listen()
    try:
        ok, c = await gen_tcp.connect({"family": "inet", "addr": LOOP, "port": port}, [])
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(ls, 1000)
        try:
            assert await inet.peername(c) == ("ok", (LOOP, port))
        finally:
            await close_all(c, a)
    finally:
        await gen_tcp.close(ls)


async def test_manual_connect_sockaddr_map_with_timeout() -> None:
    """Manual connect/3 with SockAddr (checked in erl):
    ``connect(#{family => inet, addr => Loop, port => P},[],1000)`` -> ``{ok,_}``."""
    ls, port = await _listen()
    try:
        ok, c = await gen_tcp.connect({"family": "inet", "addr": LOOP, "port": port}, [], 1000)
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(ls, 1000)
        await close_all(c, a)
    finally:
        await gen_tcp.close(ls)


async def test_manual_connect_sockaddr6_map() -> None:
    """Manual connect/2 (checked in erl):
    ``connect(#{family => inet6, addr => {0,0,0,0,0,0,0,1}, port => P},[])`` -> ``{ok,_}``."""
    ls, port = await _listen6()
    try:
        ok, c = await gen_tcp.connect({"family": "inet6", "addr": IP6_LOOP, "port": port}, [])
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(ls, 1000)
        await close_all(c, a)
    finally:
        await gen_tcp.close(ls)


async def test_manual_connect_local_ip_and_port_options() -> None:
    """Manual connect ``{ip, Address}`` and ``{port, Port}`` ("which local port number to use"),
    checked in erl: ``connect(Loop,P,[{port,TP},{ip,Loop}])`` -> ``sockname(C)`` ->
    ``{ok,{{127,0,0,1},TP}}`` and the accepted side's peername is the same."""
    tp = await closed_port()
    ls, port = await _listen()
    try:
        ok, c = await gen_tcp.connect(LOOP, port, [("port", tp), ("ip", LOOP)])
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(ls, 1000)
        try:
            assert await inet.sockname(c) == ("ok", (LOOP, tp))
            assert await inet.peername(a) == ("ok", (LOOP, tp))
        finally:
            await close_all(c, a)
    finally:
        await gen_tcp.close(ls)


# -- 40-42: the connected socket -----------------------------------------------------------

_KERNEL = _kernel_buffers()
# recbuf 131072 and sndbuf 3939840 when recorded: Linux autotunes sndbuf on loopback
CONNECTED_DEFAULTS_INET = inet_defaults(recbuf=_KERNEL["recbuf"], sndbuf=_KERNEL["sndbuf"])


@pytest.mark.parametrize(
    "name,value", CONNECTED_DEFAULTS_INET, ids=[n for n, _ in CONNECTED_DEFAULTS_INET]
)
async def test_connected_socket_default_option(name: str, value: Any) -> None:
    """inet: ``inet:getopts(C,[Opt])`` -> the listen socket's defaults (``buffer`` 1460), except
    ``sndbuf`` 3939840 (the kernel's autotuned value). The accepted side reads the same
    (checked in erl)."""
    ls, c, a = await pair()
    try:
        assert await inet.getopts(c, [name]) == ("ok", [(name, value)])
        assert await inet.getopts(a, [name]) == ("ok", [(name, value)])
    finally:
        await close_all(c, a, ls)


@pytest.mark.socket_backend
async def test_socket_backend_connected_buffer() -> None:
    """Socket backend: ``getopts(C,[buffer])`` -> ``{ok,[{buffer,8192}]}``."""
    ls, c, a = await pair([SOCKET])
    try:
        assert await inet.getopts(c, ["buffer"]) == ("ok", [("buffer", 8192)])
    finally:
        await close_all(c, a, ls)


async def test_connecting_process_owns_active_data() -> None:
    """Both backends: the peer sends "hello" -> ``flush()`` -> ``[{tcp,'C',"hello"}]``.

    Manual connect: packets from the peer "are delivered as messages: {tcp, Socket, Data}".
    """
    ls, c, a = await pair()
    try:
        assert await gen_tcp.send(a, "hello") == "ok"
        assert await assert_receive(("tcp", ANY, ANY)) == ("tcp", c, "hello")
        await refute_receive()
    finally:
        await close_all(c, a, ls)


async def test_data_goes_to_the_connecting_process_not_the_caller_of_listen() -> None:
    """Both backends: a spawned process connects; the peer sends "hello" -> that
    process gets ``{tcp,'C',"hello"}``; the test process (A's owner) gets nothing."""
    ls, port = await _listen()
    me = actors.self()

    async def client() -> None:
        ok, c = await gen_tcp.connect(LOOP, port, [])
        actors.send(me, ("connected", c))
        msg = await actors.receive(("tcp", c, ANY), timeout=2000)
        actors.send(me, ("got", msg))
        await gen_tcp.close(c)

    pid = actors.spawn(client)
    ref = actors.monitor("process", pid)
    ok, a = await gen_tcp.accept(ls, 2000)
    try:
        _, c = await assert_receive(("connected", ANY))
        await gen_tcp.send(a, "hello")
        assert await assert_receive(("got", ANY)) == ("got", ("tcp", c, "hello"))
        await assert_receive(("DOWN", ref, "process", pid, ANY))
        await refute_receive(("tcp", ANY, ANY))
    finally:
        await close_all(a, ls)


async def test_active_false_at_connect() -> None:
    """Both backends: ``{active,false}`` at connect, the peer sends "hello" -> mailbox
    ``[]``; ``recv(C,0,500)`` -> ``{ok,"hello"}``."""
    ls, c, a = await pair([], [("active", False)])
    try:
        assert await gen_tcp.send(a, "hello") == "ok"
        assert await gen_tcp.recv(c, 0, 500) == ("ok", "hello")
        await refute_receive()
    finally:
        await close_all(c, a, ls)

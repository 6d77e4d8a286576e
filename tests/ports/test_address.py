"""ports._address: connect/listen address and port checks, resolution, conversions.

The Erlang terms in the docstrings are what real Erlang/OTP 25 (inet backend) returns.
"""

from __future__ import annotations

import os
import socket
import tempfile

import pytest

from actors import Atom, Badarg, ErlangError
from ports._address import (
    Target,
    ip_to_tuple,
    parse_address,
    parse_bind_address,
    parse_port,
    parse_sockaddr,
    resolve,
    resolve_all,
    sockaddr_to_erlang,
    translate_bind,
    tuple_to_ip,
)

V6_LOOP = (0, 0, 0, 0, 0, 0, 0, 1)


def test_ip_text_and_tuples() -> None:
    """ip_to_tuple / tuple_to_ip round trip for IPv4 and IPv6."""
    assert ip_to_tuple("127.0.0.1") == (127, 0, 0, 1)
    assert ip_to_tuple("::1") == V6_LOOP
    assert tuple_to_ip((127, 0, 0, 1)) == "127.0.0.1"
    assert tuple_to_ip(V6_LOOP) == "::1"
    with pytest.raises(ValueError):
        ip_to_tuple("not an ip")


def test_accepted_address_forms() -> None:
    """{127,0,0,1}, "127.0.0.1", localhost and "localhost" are all addresses."""
    assert parse_address((127, 0, 0, 1)) == Target("inet", ip=(127, 0, 0, 1))
    assert parse_address("127.0.0.1") == Target("inet", ip=(127, 0, 0, 1))
    assert parse_address(Atom("localhost")) == Target("inet", host="localhost")
    assert parse_address("localhost") == Target("inet", host="localhost")
    assert parse_address("127.1") == Target("inet", ip=(127, 0, 0, 1))


def test_ipv6_tuple_implies_inet6() -> None:
    """connect({0,0,0,0,0,0,0,1},P,[]) works: the tuple implies inet6."""
    assert parse_address(V6_LOOP) == Target("inet6", ip=V6_LOOP)
    assert parse_address("::1", "inet6") == Target("inet6", ip=V6_LOOP)


def test_ipv6_string_without_inet6_is_a_host_name() -> None:
    """connect("::1",P,[]) -> {error,nxdomain}: it is looked up as a name."""
    target = parse_address("::1")
    assert isinstance(target, Target) and target.host == "::1"
    assert resolve("::1", "inet") == ("error", "nxdomain")


def test_family_mismatch_is_eafnosupport() -> None:
    """connect(Loop,P,[inet6]) -> {error,eafnosupport}."""
    assert parse_address((127, 0, 0, 1), "inet6") == ("error", "eafnosupport")
    assert parse_address(V6_LOOP, "inet") == ("error", "eafnosupport")


@pytest.mark.parametrize(
    "bad", [(1, 2, 3), 42, "", Atom(""), (300, 0, 0, 1), (0,) * 7 + (-1,), b"127.0.0.1", "h\xe9llo"]
)
def test_bad_addresses_exit_badarg(bad: object) -> None:
    """{1,2,3}, 42, "", '' ... -> {raised,exit,badarg} on inet."""
    with pytest.raises(Badarg) as info:
        parse_address(bad)
    assert info.value.kind == "exit"


def test_local_address() -> None:
    """{local, Path} implies the local family (erl: connect({local,P},0,[]) works)."""
    assert parse_address(("local", "/tmp/x")) == Target("local", path=b"/tmp/x")
    assert parse_address(("local", b"/tmp/x"), "local") == Target("local", path=b"/tmp/x")


def test_resolve_localhost_and_unknown_names() -> None:
    """localhost resolves; unknown names, "." and "" -like roots give nxdomain (31, 32)."""
    assert resolve("localhost", "inet") == "127.0.0.1"
    assert resolve_all("localhost", "inet") == [(127, 0, 0, 1)]
    assert resolve("non-existing-host-xxx.invalid", "inet") == ("error", "nxdomain")
    assert resolve(".", "inet") == ("error", "nxdomain")
    assert resolve("::1%lo", "inet6") == ("error", "nxdomain")


def test_connect_port_checks() -> None:
    """Port 70000/-1 -> exit {function_clause,{inet_tcp,do_connect,4}}; foo -> exit badarg;
    0 is a port."""
    assert parse_port(0, "connect") == 0
    assert parse_port(65535, "connect") == 65535
    for bad in (70000, -1):
        with pytest.raises(ErlangError) as info:
            parse_port(bad, "connect")
        assert info.value.reason == ("function_clause", ("inet_tcp", "do_connect", 4))
        assert info.value.kind == "exit"
    with pytest.raises(Badarg) as badarg:
        parse_port(Atom("foo"), "connect")
    assert badarg.value.kind == "exit"


def test_listen_port_checks() -> None:
    """listen(70000|-1|foo, []) -> {raised,exit,badarg}."""
    for bad in (70000, -1, Atom("foo")):
        with pytest.raises(Badarg) as info:
            parse_port(bad, "listen")
        assert info.value.kind == "exit"


def test_service_name_port() -> None:
    """A port atom names a service: gen_tcp:listen(http, []) works in erl."""
    try:
        expected = socket.getservbyname("http", "tcp")
    except OSError:
        pytest.skip("no services database here")
    assert parse_port(Atom("http"), "listen") == expected


def test_sockaddr_map() -> None:
    """connect(#{family=>inet,addr=>{127,0,0,1},port=>P},[]) connects (erl); a bad addr
    or port exits {function_clause,{inet_tcp,do_connect,3}}; port defaults to 0."""
    assert parse_sockaddr({"family": "inet", "addr": (127, 0, 0, 1), "port": 80}) == (
        Target("inet", ip=(127, 0, 0, 1)),
        80,
    )
    assert parse_sockaddr({"family": "inet", "addr": (127, 0, 0, 1)})[1] == 0
    for bad in ({"family": "inet", "addr": (300, 0, 0, 1), "port": 1},
                {"family": "inet", "addr": (127, 0, 0, 1), "port": 70000},
                {"family": "inet", "addr": "127.0.0.1", "port": 1}):
        with pytest.raises(ErlangError) as info:
            parse_sockaddr(bad)
        assert info.value.reason == ("function_clause", ("inet_tcp", "do_connect", 3))
    with pytest.raises(ErlangError) as fc:
        parse_sockaddr({"family": "local", "path": "/x"})
    assert fc.value.reason == "function_clause" and fc.value.kind == "error"


def test_bind_addresses() -> None:
    """{ip, A}: tuples, any/loopback (translated per family) and {local,Path}; a string
    ip is refused."""
    assert parse_bind_address((127, 0, 0, 1)) == ("inet", (127, 0, 0, 1))
    assert parse_bind_address(V6_LOOP) == ("inet6", V6_LOOP)
    assert parse_bind_address(Atom("any")) == (None, "any")
    assert parse_bind_address("127.0.0.1") is None
    assert parse_bind_address(("local", "/p")) == ("local", b"/p")
    assert translate_bind("loopback", "inet6") == V6_LOOP
    assert translate_bind("any", "inet") == (0, 0, 0, 0)


def test_sockaddr_to_erlang_inet() -> None:
    """sockname of a loopback socket: {ok,{{127,0,0,1},P}}."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        ip, port = sockaddr_to_erlang(s.family, s.getsockname())
        assert ip == (127, 0, 0, 1) and port == s.getsockname()[1]


def test_sockaddr_to_erlang_inet6() -> None:
    """sockname of an IPv6 loopback socket: {ok,{{0,0,0,0,0,0,0,1},P}}."""
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    with socket.socket(socket.AF_INET6) as s:
        try:
            s.bind(("::1", 0))
        except OSError:
            pytest.skip("no IPv6 loopback")
        assert sockaddr_to_erlang(s.family, s.getsockname())[0] == V6_LOOP


def test_sockaddr_to_erlang_local() -> None:
    """erl: sockname of a local listen socket is {local,<<"/path">>}; an unnamed
    connected one is {local,<<>>}."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "s")
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(path)
            assert sockaddr_to_erlang(s.family, s.getsockname()) == ("local", path.encode())
        with socket.socket(socket.AF_UNIX) as u:
            assert sockaddr_to_erlang(u.family, u.getsockname()) == ("local", b"")

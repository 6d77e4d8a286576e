"""gen_tcp.ranch.tcp: Ranch's ranch_tcp transport over gen_tcp and inet."""

from __future__ import annotations

import structlog

import actors
from actors.testing import assert_receive
from gen_tcp import ranch

from .ranch_helpers import LOOP

T = ranch.tcp


async def test_names_and_messages() -> None:
    """name() is tcp, secure() false, messages() {tcp, tcp_closed, tcp_error,
    tcp_passive}; cleanup ok."""
    assert (T.name(), T.secure()) == ("tcp", False)
    assert T.messages() == ("tcp", "tcp_closed", "tcp_error", "tcp_passive")
    assert T.cleanup({}) == "ok"
    assert T.format_error("econnrefused") == "connection refused"


async def test_listen_forces_ranch_options() -> None:
    """listen/1 drops what Ranch forbids (packet, active, ...) with a warning and forces
    binary, {active, false}, {reuseaddr, true}, with Ranch's defaults: backlog 1024,
    nodelay, send_timeout 30000, send_timeout_close."""
    with structlog.testing.capture_logs() as logs:
        ok, ls = await T.listen({"socket_opts": [("ip", LOOP), ("port", 0), ("packet", 2), ("active", True), "list"]})
    assert ok == "ok"
    assert {e["option"] for e in logs if e["event"] == "ranch_listen_option_dropped"} == {
        "('packet', 2)", "('active', True)", "'list'"}
    ok, opts = await T.getopts(ls, ["active", "packet", "mode", "reuseaddr", "nodelay", "send_timeout",
                                    "send_timeout_close"])
    assert opts == [("active", False), ("packet", 0), ("mode", "binary"), ("reuseaddr", True), ("nodelay", True),
                    ("send_timeout", 30000), ("send_timeout_close", True)]
    await T.close(ls)


async def test_connect_accept_send_recv_and_active_messages() -> None:
    """connect forces binary passive raw; accept, send, recv, setopts, peername,
    sockname, getstat, controlling_process and shutdown pass through; in active mode
    the messages carry the tags of messages()."""
    ok, ls = await T.listen({"socket_opts": [("ip", LOOP), ("port", 0)]})
    ok, (_, port) = await T.sockname(ls)
    ok, c = await T.connect(LOOP, port, [("active", True), ("packet", 4), "list"], 5000)
    assert ok == "ok"
    ok, a = await T.accept(ls, 5000)
    assert ok == "ok"
    ok, opts = await T.getopts(c, ["active", "packet", "mode"])
    assert opts == [("active", False), ("packet", 0), ("mode", "binary")]
    assert await T.handshake(a, 5000) == ("ok", a)
    assert await T.send(c, b"abc") == "ok"
    assert await T.recv(a, 3, 5000) == ("ok", b"abc")
    assert (await T.peername(a))[1] == (await T.sockname(c))[1]
    ok, stats = await T.getstat(a, ["recv_oct"])
    assert stats == [("recv_oct", 3)]
    tag, closed, _, _ = T.messages()
    assert await T.setopts(a, [("active", "once")]) == "ok"
    await T.send(c, b"x")
    await assert_receive((tag, a, b"x"))
    assert await T.shutdown(c, "write") == "ok"
    assert await T.setopts(a, [("active", "once")]) == "ok"
    await assert_receive((closed, a))
    helper = actors.spawn(lambda: actors.receive("never"))
    assert await T.controlling_process(c, helper) == "ok"
    ref = actors.monitor("process", helper)
    actors.exit(helper, "kill")
    await assert_receive(("DOWN", ref, "process", helper, "killed"))
    for s in (c, ls):
        assert await T.close(s) == "ok"

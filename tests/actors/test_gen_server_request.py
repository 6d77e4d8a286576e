"""gen_server:send_request and its responses, with request id collections, as OTP 25
has them (each rule run in ``erl`` first)."""

from __future__ import annotations

import time
from typing import Any

import pytest

import actors
from actors import ANY, ErlangError, Pid, gen_server
from actors.testing import assert_receive, refute_receive

from .test_gen_server_call import busy


def no_monitors() -> None:
    assert actors.process_info(actors.self(), "monitors") == ("monitors", [])


async def test_wait_response_gives_the_reply_and_drops_the_monitor() -> None:
    """send_request then wait_response(R, 1000): {reply, hello}; a second wait on the
    same id gives timeout; no monitor stays."""
    pid = await busy()
    req = gen_server.send_request(pid, "hello")
    assert isinstance(req, actors.Ref)
    assert await gen_server.wait_response(req, 1000) == ("reply", "hello")
    assert await gen_server.wait_response(req, 0) == "timeout"
    no_monitors()
    await gen_server.stop(pid)


async def test_wait_response_timeout_keeps_the_request() -> None:
    """wait_response(R, 10) on a slow request: timeout, the monitor stays; a later
    wait_response(R, 1000) gets {reply, ...}."""
    pid = await busy()
    req = gen_server.send_request(pid, ("sleep", 100))
    assert await gen_server.wait_response(req, 10) == "timeout"
    assert actors.process_info(actors.self(), "monitors") == ("monitors", [("process", pid)])
    assert await gen_server.wait_response(req, 1000) == ("reply", "slept")
    no_monitors()
    await gen_server.stop(pid)


async def test_receive_response_timeout_abandons_the_request() -> None:
    """receive_response(R, 10) on a slow request: timeout, no monitor; the reply that
    comes later never reaches the mailbox."""
    me = actors.self()
    pid = await busy()
    req = gen_server.send_request(pid, ("sleep", 50))
    assert await gen_server.receive_response(req, 10) == "timeout"
    no_monitors()
    assert await gen_server.call(pid, ("note", me)) == "ok"  # the server is past the reply
    await assert_receive("note")
    await refute_receive(timeout=0)
    await gen_server.stop(pid)


async def test_check_response() -> None:
    """check_response(Msg, R): {reply, hi} for the reply message (again for the same
    message), no_reply for another message; badarg for a request id that is not one."""
    pid = await busy()
    req = gen_server.send_request(pid, "hi")
    msg = await actors.receive()
    assert gen_server.check_response(msg, req) == ("reply", "hi")
    assert gen_server.check_response("foo", req) == "no_reply"
    assert gen_server.check_response(msg, req) == ("reply", "hi")
    no_monitors()
    with pytest.raises(ErlangError) as e:
        gen_server.check_response(msg, "foo")
    assert e.value.reason == "badarg"
    await gen_server.stop(pid)


async def test_errors_name_the_server_as_given() -> None:
    """A server that dies: {error, {dead, Pid}}; a dead pid: {error, {noproc, Pid}};
    an unregistered name: {error, {noproc, nonexist}}; {nonexist, node()}: {error,
    {noproc, {nonexist, Node}}}. Nothing stays in the mailbox."""
    pid = await busy()
    ref = actors.monitor("process", pid)
    req = gen_server.send_request(pid, "die")
    assert await gen_server.wait_response(req, 1000) == ("error", ("dead", pid))
    await assert_receive(("DOWN", ref, "process", pid, "dead"))
    assert await gen_server.wait_response(gen_server.send_request(pid, "x"), 1000) == ("error", ("noproc", pid))
    assert await gen_server.receive_response(gen_server.send_request("nonexist", "x"), 1000) == (
        "error", ("noproc", "nonexist"))
    node = actors.node()
    req = gen_server.send_request(("nonexist", node), "x")
    assert await gen_server.receive_response(req, 1000) == ("error", ("noproc", ("nonexist", node)))
    no_monitors()
    await refute_receive(timeout=0)


async def test_bad_wait_times() -> None:
    """wait_response(R, -1) and (R, foo): badarg; a float: timeout_value; {abs, T} in
    the past: timeout at once; in the future: timeout after T."""
    req = actors.make_ref()
    for bad, reason in ((-1, "badarg"), ("foo", "badarg"), (1.5, "timeout_value")):
        with pytest.raises(ErlangError) as e:
            await gen_server.wait_response(req, bad)
        assert e.value.reason == reason
    now = int(time.monotonic() * 1000)
    assert await gen_server.wait_response(req, ("abs", now - 10)) == "timeout"
    assert await gen_server.receive_response(req, ("abs", now + 20)) == "timeout"
    assert time.monotonic() * 1000 >= now + 20


async def test_send_request_to_a_bad_server_is_function_clause() -> None:
    """send_request(123, x): error function_clause."""
    with pytest.raises(ErlangError) as e:
        gen_server.send_request(123, "x")
    assert e.value.reason == "function_clause"


# -- collections ------------------------------------------------------------------------


async def test_empty_collection_is_no_request() -> None:
    """reqids_new() is #{} of size 0; wait_response, receive_response and
    check_response on it give no_request."""
    c = gen_server.reqids_new()
    assert c == {} and gen_server.reqids_size(c) == 0
    assert await gen_server.wait_response(c, 100, True) == "no_request"
    assert await gen_server.receive_response(c, 100, True) == "no_request"
    assert gen_server.check_response("foo", c, True) == "no_request"


async def test_collection_responses_with_and_without_delete() -> None:
    """Two labelled requests: size 2, to_list [{R1, la}, {R2, lb}]; wait(C, 1000, true)
    gives {{reply, a}, la, C'} with C' of size 1; wait(C', 1000, false) gives
    {{reply, b}, lb, C'} (the same collection); waiting on it again: timeout."""
    pid = await busy()
    c1 = gen_server.send_request(pid, "a", "la", gen_server.reqids_new())
    c2 = gen_server.send_request(pid, "b", "lb", c1)
    assert gen_server.reqids_size(c1) == 1 and gen_server.reqids_size(c2) == 2
    assert [label for _, label in gen_server.reqids_to_list(c2)] == ["la", "lb"]
    r1, l1, c3 = await gen_server.wait_response(c2, 1000, True)
    assert (r1, l1, gen_server.reqids_size(c3)) == (("reply", "a"), "la", 1)
    r2, l2, c4 = await gen_server.wait_response(c3, 1000, False)
    assert (r2, l2, c4) == (("reply", "b"), "lb", c3)
    assert await gen_server.wait_response(c4, 100, True) == "timeout"
    no_monitors()
    await gen_server.stop(pid)


async def test_collection_timeouts() -> None:
    """wait_response(C, 10, true) on a slow request: timeout (the monitor stays);
    receive_response(C, 10, true): timeout and every request abandoned (no monitor,
    no late reply)."""
    me = actors.self()
    pid = await busy()
    c = gen_server.send_request(pid, ("sleep", 50), "ls", gen_server.reqids_new())
    assert await gen_server.wait_response(c, 10, True) == "timeout"
    assert actors.process_info(me, "monitors") == ("monitors", [("process", pid)])
    assert await gen_server.receive_response(c, 10, True) == "timeout"
    no_monitors()
    assert await gen_server.call(pid, ("note", me)) == "ok"
    await assert_receive("note")
    await refute_receive(timeout=0)
    await gen_server.stop(pid)


async def test_collection_check_and_error() -> None:
    """check_response(Msg, C, true): {{reply, x}, lx, #{}}; another message: no_reply.
    A server that dies: {{error, {dead, Pid}}, ld, C} with delete false (size 1)."""
    pid = await busy()
    c = gen_server.reqids_add(gen_server.send_request(pid, "x"), "lx", gen_server.reqids_new())
    msg = await actors.receive()
    assert gen_server.check_response(msg, c, True) == (("reply", "x"), "lx", {})
    assert gen_server.check_response("foo", c, True) == "no_reply"
    c = gen_server.send_request(pid, "die", "ld", gen_server.reqids_new())
    resp, label, c2 = await gen_server.receive_response(c, 1000, False)
    assert (resp, label, gen_server.reqids_size(c2)) == (("error", ("dead", pid)), "ld", 1)
    no_monitors()


async def test_collection_argument_errors() -> None:
    """reqids_add of an id already in the collection, or of a non-reference: badarg;
    wait_response on a non-collection or with a delete that is not a boolean:
    function_clause."""
    req = actors.make_ref()
    c = gen_server.reqids_add(req, "x", {})
    for args in ((req, "y", c), ("notref", "x", c)):
        with pytest.raises(ErlangError) as e:
            gen_server.reqids_add(*args)
        assert e.value.reason == "badarg"
    for coll, delete in (("notacoll", True), (c, "maybe")):
        with pytest.raises(ErlangError) as e:
            await gen_server.wait_response(coll, 10, delete)
        assert e.value.reason == "function_clause"
    assert c == {req: "x"}  # reqids_add made a new collection


async def test_request_to_a_server_that_ignores_it_stays_pending() -> None:
    """A request whose server never answers: wait_response times out, the request is
    still pending (the server's monitored_by has the caller); receive_response drops it."""
    pid = await busy()
    me = actors.self()
    req = gen_server.send_request(pid, ("wait_go", me))
    await assert_receive("waiting")
    assert await gen_server.wait_response(req, 0) == "timeout"
    assert actors.process_info(pid, "monitored_by") == ("monitored_by", [me])
    assert await gen_server.receive_response(req, 0) == "timeout"
    assert actors.process_info(pid, "monitored_by") == ("monitored_by", [])
    actors.send(pid, "go")
    await gen_server.stop(pid)
    await refute_receive(ANY, timeout=0)


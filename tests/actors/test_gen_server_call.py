"""The paths of gen_server:call (the fast path for a local server and its fallbacks):
each test names what Erlang/OTP 25 does, run there first (``erl +S 1``)."""

from __future__ import annotations

from typing import Any

import actors
from actors import ANY, Pid, gen_server
from actors.testing import assert_receive, refute_receive

from .test_gen_server import exit_reason, started, stop


class Busy:
    """A server whose calls take more than one step, or send before replying."""

    def init(self, _: Any) -> Any:
        return ("ok", 0)

    async def handle_call(self, req: Any, from_: Any, n: Any) -> Any:
        match req:
            case ("note", to):
                actors.send(to, "note")
                return ("reply", "ok", n)
            case ("sleep", ms):
                await actors.sleep(ms)
                return ("reply", "slept", n)
            case ("wait_go", to):
                actors.send(to, "waiting")
                await actors.receive("go")
                return ("reply", "went", n)
            case "get":
                return ("reply", n, n)
            case "stop":
                return ("stop", "normal", "stopped", n)
            case "die":
                actors.exit("dead")
        return ("reply", req, n)

    def handle_cast(self, msg: Any, n: Any) -> Any:
        return ("noreply", n * 10 + msg)


async def busy() -> Pid:
    ok, pid = await gen_server.start(Busy(), None)
    assert ok == "ok"
    return pid  # type: ignore[no-any-return]


def clean(pid: Pid) -> None:
    """No monitor left in the caller, none on the server."""
    assert actors.process_info(actors.self(), "monitors") == ("monitors", [])
    assert actors.process_info(pid, "monitored_by") == ("monitored_by", [])


async def test_call_with_timeout_zero_times_out() -> None:
    """call(P, x, 0) on +S 1: the server cannot run before the receive looks, so exit
    {timeout, {gen_server, call, [P, x, 0]}} every time; no reply or DOWN stays."""
    pid = await started()
    for _ in range(3):
        assert await exit_reason(gen_server.call(pid, "get", 0)) == ("timeout", ("gen_server", "call", [pid, "get", 0]))
    await refute_receive(timeout=20)
    clean(pid)
    await stop(pid)


async def test_messages_before_and_during_a_call_stay_in_order() -> None:
    """self() ! first, then a call whose handle_call sends `note` before replying: the
    call returns ok and the mailbox is [first, note]; no monitor remains."""
    me = actors.self()
    pid = await busy()
    actors.send(me, "first")
    assert await gen_server.call(pid, ("note", me)) == "ok"
    assert actors.process_info(me, "messages") == ("messages", ["first", "note"])
    clean(pid)
    await assert_receive("first")
    await assert_receive("note")
    await stop(pid)


async def test_a_reply_after_several_steps_still_arrives() -> None:
    """A handle_call that waits (timer:sleep, a receive) before replying: the call
    returns its reply, nothing stays behind."""
    pid = await busy()
    assert await gen_server.call(pid, ("sleep", 5)) == "slept"
    task = actors.spawn(_send_go_to, pid)
    assert await gen_server.call(pid, ("wait_go", task), 1000) == "went"
    await refute_receive(timeout=0)
    clean(pid)
    await _gone(task)
    await stop(pid)


async def _send_go_to(pid: Pid) -> None:
    await actors.receive("waiting")
    actors.send(pid, "go")


async def _gone(pid: Pid) -> None:
    await assert_receive(("DOWN", actors.monitor("process", pid), "process", pid, ANY))


async def test_stop_with_a_reply_leaves_no_down() -> None:
    """{stop, normal, stopped, S}: the call returns stopped; the monitor that fired
    after the reply leaves no DOWN and no monitor in the caller."""
    pid = await busy()
    assert await gen_server.call(pid, "stop") == "stopped"
    await refute_receive(timeout=20)
    assert actors.process_info(actors.self(), "monitors") == ("monitors", [])


async def test_many_callers_each_get_their_own_reply() -> None:
    """100 processes calling one server at once: each gets the reply to its request."""
    me = actors.self()
    pid = await busy()

    async def caller(i: int) -> None:
        actors.send(me, ("got", i, await gen_server.call(pid, i)))

    for i in range(100):
        actors.spawn(caller, i)
    for i in range(100):
        await assert_receive(("got", i, i))
    assert actors.process_info(pid, "monitored_by") == ("monitored_by", [])
    await stop(pid)


async def test_casts_queued_around_a_selective_receive_keep_their_order() -> None:
    """Casts 1 and 2 arrive while handle_call waits for `go` (taken from behind them):
    after the reply the server handles them in order (state 0*10+1, then *10+2 = 12)."""
    pid = await busy()
    me = actors.self()

    async def caller() -> None:
        actors.send(me, ("went", await gen_server.call(pid, ("wait_go", me))))

    actors.spawn(caller)
    await assert_receive("waiting")
    gen_server.cast(pid, 1)
    gen_server.cast(pid, 2)
    actors.send(pid, "go")
    await assert_receive(("went", "went"))
    assert await gen_server.call(pid, "get") == 12
    await stop(pid)


async def test_a_caller_killed_while_waiting_leaves_no_monitor_on_the_server() -> None:
    """A caller killed while its call waits: the server's monitored_by is empty again
    and the server goes on serving."""
    pid = await busy()

    async def caller() -> None:
        await gen_server.call(pid, ("wait_go", me), "infinity")

    me = actors.self()
    c = actors.spawn(caller)
    await assert_receive("waiting")
    ref = actors.monitor("process", c)
    actors.exit(c, "kill")
    assert (await assert_receive(("DOWN", ref, "process", c, ANY)))[4] == "killed"
    assert actors.process_info(pid, "monitored_by") == ("monitored_by", [])
    actors.send(pid, "go")
    assert await gen_server.call(pid, "get") == 0
    await stop(pid)


class Sleepy:
    """Hibernates after init and after every callback."""

    def init(self, n: Any) -> Any:
        return ("ok", n, "hibernate")

    def handle_call(self, req: Any, from_: Any, n: Any) -> Any:
        if req == "inc":
            return ("reply", "ok", n + 1, "hibernate")
        return ("reply", n, n, "hibernate")

    def handle_cast(self, msg: Any, n: Any) -> Any:
        return ("noreply", n + msg, "hibernate")


async def test_a_hibernating_server_serves_every_message() -> None:
    """{ok, 0, hibernate}, {reply, R, S, hibernate} and {noreply, S, hibernate}: a
    hibernated server wakes for each message (Erlang: get gives 0, then 11 after an inc
    call and a cast of 10)."""
    ok, pid = await gen_server.start(Sleepy(), 0)
    assert ok == "ok"
    assert await gen_server.call(pid, "get") == 0
    assert await gen_server.call(pid, "inc") == "ok"
    gen_server.cast(pid, 10)
    assert await gen_server.call(pid, "get") == 11
    clean(pid)
    await stop(pid)


async def test_a_hand_made_call_with_a_pid_and_ref_gets_its_reply() -> None:
    """A ``$gen_call`` sent by hand with an old-style From ``{self(), Ref}`` (no alias):
    Erlang's server answers ``{Ref, Reply}`` with a plain send."""
    pid = await busy()
    ref = actors.make_ref()
    actors.send(pid, ("$gen_call", (actors.self(), ref), "get"))
    assert await assert_receive((ref, ANY)) == (ref, 0)
    await stop(pid)

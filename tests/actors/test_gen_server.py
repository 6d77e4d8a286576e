"""gen_server as OTP 25 has it: each test names what Erlang does, run there first."""

from __future__ import annotations

from typing import Any

import pytest

import actors
from actors import ANY, ErlangError, Pid, gen_server
from actors.testing import assert_receive, refute_receive


class Srv:
    """The callback module of these tests; `init`'s argument picks the behaviour."""

    def __init__(self, watcher: Pid | None = None) -> None:
        self.watcher = watcher

    async def init(self, arg: Any) -> Any:
        match arg:
            case "ok":
                return ("ok", 0)
            case "stop":
                return ("stop", "boom")
            case "ignore":
                return "ignore"
            case "crash":
                raise ValueError("oops")
            case "exit":
                actors.exit("bye")
            case "bad":
                return "what"
            case "slow":
                await actors.receive("never", timeout=300)
                return ("ok", 0)
            case "trap":
                actors.process_flag("trap_exit", True)
                return ("ok", 0)
            case ("timeout", t):
                return ("ok", 0, t)
            case ("continue", c):
                return ("ok", 0, ("continue", c))
        return None

    async def handle_call(self, req: Any, from_: Any, n: Any) -> Any:
        match req:
            case "get":
                return ("reply", n, n)
            case ("add", k):
                return ("reply", "ok", n + k)
            case "block":
                if self.watcher is not None:
                    actors.send(self.watcher, "blocked")
                await actors.receive("never")
            case "crash":
                raise ValueError("kaboom")
            case "die":
                actors.exit("dead")
            case ("stop", r):
                return ("stop", r, "stopped", n)
            case ("stop2", r):
                return ("stop", r, n)
            case "bad":
                return "bad"
            case "defer":
                actors.spawn(_deferred_reply, from_)
                return ("noreply", n)
            case ("to", t):
                return ("reply", "ok", n, t)
            case ("late", to):
                actors.spawn(_late_reply, from_, to)
                return ("noreply", n)
        return None

    def handle_cast(self, msg: Any, n: Any) -> Any:
        match msg:
            case ("add", k):
                return ("noreply", n + k)
            case ("continue", c):
                return ("noreply", n, ("continue", c))
            case ("reply", r):
                return ("reply", r, n)
        return ("stop", msg, n)

    def handle_continue(self, c: Any, n: Any) -> Any:
        if self.watcher is not None:
            actors.send(self.watcher, ("continued", c, n))
        return ("noreply", n + 1)

    async def handle_info(self, msg: Any, n: Any) -> Any:
        if self.watcher is not None:
            actors.send(self.watcher, ("info", msg, n))
        return ("noreply", n)

    def terminate(self, reason: Any, n: Any) -> None:
        if self.watcher is not None:
            actors.send(self.watcher, ("terminate", reason, n))


async def _deferred_reply(from_: Any) -> None:
    gen_server.reply(from_, "deferred")


async def _late_reply(from_: Any, to: Pid) -> None:
    actors.send(to, ("replier", actors.self()))
    await actors.receive("go")
    gen_server.reply(from_, "late")


class Minimal:
    """Only init and handle_call, as a module exporting nothing else."""

    def init(self, _: Any) -> Any:
        return ("ok", 0)

    def handle_call(self, req: Any, from_: Any, n: Any) -> Any:
        return ("reply", req, n)


async def down(ref: actors.Ref) -> Any:
    return (await assert_receive(("DOWN", ref, "process", ANY, ANY)))[4]


async def exit_reason(coro: Any) -> Any:
    with pytest.raises(ErlangError) as info:
        await coro
    assert info.value.kind == "exit"
    return info.value.reason


async def started(arg: Any = "ok", watcher: Pid | None = None, **kw: Any) -> Pid:
    ok, pid = await gen_server.start(Srv(watcher), arg, **kw)
    assert ok == "ok"
    return pid  # type: ignore[no-any-return]


async def stop(pid: Pid) -> None:
    assert await gen_server.stop(pid) == "ok"


# -- start --------------------------------------------------------------------------


async def test_start_returns_ok_pid_after_init() -> None:
    """gen_server:start(gs, ok, []) -> {ok, Pid}; the server answers at once."""
    pid = await started()
    assert isinstance(pid, Pid)
    assert await gen_server.call(pid, "get") == 0
    await stop(pid)


async def test_init_stop_gives_error_reason() -> None:
    """init returning {stop, boom}: start gives {error, boom}."""
    assert await gen_server.start(Srv(), "stop") == ("error", "boom")


async def test_init_ignore_gives_ignore() -> None:
    """init returning ignore: start gives ignore."""
    assert await gen_server.start(Srv(), "ignore") == "ignore"


async def test_init_raising_gives_error_with_the_exception() -> None:
    """init raising error:oops: start gives {error, {oops, Stack}} (here the exception)."""
    ret = await gen_server.start(Srv(), "crash")
    assert ret[0] == "error" and isinstance(ret[1], ValueError)


async def test_init_exit_gives_error_with_the_exit_reason() -> None:
    """init calling exit(bye): start gives {error, bye}."""
    assert await gen_server.start(Srv(), "exit") == ("error", "bye")


async def test_init_bad_return_value() -> None:
    """init returning what: start gives {error, {bad_return_value, what}}."""
    assert await gen_server.start(Srv(), "bad") == ("error", ("bad_return_value", "what"))


async def test_start_timeout_kills_the_server() -> None:
    """start with {timeout, 50} and an init of 300 ms: {error, timeout}."""
    assert await gen_server.start(Srv(), "slow", timeout=50) == ("error", "timeout")


async def test_start_link_timeout_leaves_no_exit_message() -> None:
    """start_link timing out while trapping exits: {error, timeout}, no EXIT message."""
    actors.process_flag("trap_exit", True)
    assert await gen_server.start_link(Srv(), "slow", timeout=50) == ("error", "timeout")
    await refute_receive(timeout=50)


async def test_name_taken_gives_already_started() -> None:
    """start({local, n1}, ...) twice: {error, {already_started, Pid}}."""
    pid = await started(name="n1")
    assert await gen_server.start(Srv(), "ok", ("local", "n1")) == ("error", ("already_started", pid))
    assert await gen_server.call("n1", "get") == 0
    await stop(pid)


async def test_start_link_stop_leaves_exit_for_a_trapping_caller() -> None:
    """A trapping caller: start_link of {stop, boom} gives {error, boom}, then the
    caller gets {'EXIT', Pid, boom}."""
    actors.process_flag("trap_exit", True)
    assert await gen_server.start_link(Srv(), "stop") == ("error", "boom")
    await assert_receive(("EXIT", ANY, "boom"))


async def test_start_link_ignore_leaves_exit_normal() -> None:
    """A trapping caller: start_link of ignore gives ignore, then {'EXIT', Pid, normal}."""
    actors.process_flag("trap_exit", True)
    assert await gen_server.start_link(Srv(), "ignore") == "ignore"
    await assert_receive(("EXIT", ANY, "normal"))


async def test_start_link_stop_kills_a_caller_that_does_not_trap() -> None:
    """A caller that does not trap exits dies with boom when init returns {stop, boom}."""

    async def caller() -> None:
        await gen_server.start_link(Srv(), "stop")
        await actors.receive("never")

    pid, ref = actors.spawn_monitor(caller)
    assert await down(ref) == "boom"


async def test_start_monitor_returns_pid_and_ref() -> None:
    """start_monitor: {ok, {Pid, Ref}}; the monitor reports the server's end."""
    ok, (pid, ref) = await gen_server.start_monitor(Srv(), "ok")
    assert ok == "ok" and isinstance(ref, actors.Ref)
    await gen_server.stop(pid, "shutdown")
    assert await down(ref) == "shutdown"


async def test_start_monitor_error_leaves_no_down() -> None:
    """start_monitor of {stop, boom}: {error, boom} and no DOWN message afterwards."""
    assert await gen_server.start_monitor(Srv(), "stop") == ("error", "boom")
    await refute_receive(timeout=50)


# -- call ------------------------------------------------------------------------------


async def test_call_and_cast_update_the_state() -> None:
    """call and cast: replies come back, casts change the state (cast returns ok)."""
    pid = await started()
    assert await gen_server.call(pid, ("add", 2)) == "ok"
    assert gen_server.cast(pid, ("add", 3)) == "ok"
    assert await gen_server.call(pid, "get") == 5
    await stop(pid)


async def test_call_timeout_raises_and_drops_the_late_reply() -> None:
    """call(P, slow, 50): exit {timeout, {gen_server, call, [P, slow, 50]}}; the reply
    that comes later is never in the caller's mailbox."""
    me = actors.self()
    pid = await started()
    r = await exit_reason(gen_server.call(pid, ("late", me), 50))
    assert r == ("timeout", ("gen_server", "call", [pid, ("late", me), 50]))
    _, replier = await assert_receive(("replier", ANY))
    ref = actors.monitor("process", replier)
    actors.send(replier, "go")
    assert await down(ref) == "normal"
    await refute_receive(timeout=0)
    await stop(pid)


async def test_call_noproc_for_an_unknown_name() -> None:
    """call(nonexist, get): exit {noproc, {gen_server, call, [nonexist, get]}}."""
    r = await exit_reason(gen_server.call("nonexist", "get"))
    assert r == ("noproc", ("gen_server", "call", ["nonexist", "get"]))


async def test_call_noproc_names_the_timeout_when_given() -> None:
    """call(nonexist, get, infinity): the argument list has the timeout."""
    r = await exit_reason(gen_server.call("nonexist", "get", "infinity"))
    assert r == ("noproc", ("gen_server", "call", ["nonexist", "get", "infinity"]))


async def test_call_name_node_tuple() -> None:
    """call({nonexist, node()}, get): noproc with {nonexist, nonode@nohost}; a
    registered {Name, node()} reaches the server."""
    node = actors.node()
    r = await exit_reason(gen_server.call(("nonexist", node), "get"))
    assert r == ("noproc", ("gen_server", "call", [("nonexist", node), "get"]))
    pid = await started(name="named")
    assert await gen_server.call(("named", node), "get") == 0
    await stop(pid)


async def test_call_to_a_dead_pid_is_noproc() -> None:
    """call to a pid that has ended: exit {noproc, {gen_server, call, [Pid, get]}}."""
    pid = await started()
    await stop(pid)
    assert await exit_reason(gen_server.call(pid, "get")) == ("noproc", ("gen_server", "call", [pid, "get"]))


async def test_call_crash_gives_the_servers_reason_and_runs_terminate() -> None:
    """handle_call raising: terminate runs with the reason, the caller gets exit
    {Reason, {gen_server, call, [P, crash]}}; no DOWN or monitor stays behind."""
    me = actors.self()
    pid = await started(watcher=me)
    r = await exit_reason(gen_server.call(pid, "crash"))
    assert isinstance(r[0], ValueError) and r[1] == ("gen_server", "call", [pid, "crash"])
    _, reason, _ = await assert_receive(("terminate", ANY, ANY))
    assert reason is r[0]
    assert actors.process_info(me, "monitors") == ("monitors", [])
    await refute_receive(timeout=0)


async def test_call_to_a_server_that_exits_mid_call() -> None:
    """handle_call calling exit(dead): the caller gets exit {dead, {gen_server, call, ...}}
    and its mailbox stays empty."""
    me = actors.self()
    pid = await started(watcher=me)
    assert await exit_reason(gen_server.call(pid, "die")) == ("dead", ("gen_server", "call", [pid, "die"]))
    await assert_receive(("terminate", "dead", 0))
    await refute_receive(timeout=0)


async def test_call_to_a_server_killed_mid_call() -> None:
    """A server killed while the call waits: exit {killed, ...}; nothing stays queued."""
    pid = await started()

    async def killer() -> None:
        actors.exit(pid, "kill")

    actors.spawn(killer)
    assert await exit_reason(gen_server.call(pid, "block", 5000)) == ("killed", ("gen_server", "call", [pid, "block", 5000]))
    await refute_receive(timeout=0)


async def test_call_self_is_calling_self() -> None:
    """call(self(), x): exit {calling_self, {gen_server, call, [Self, x]}}."""
    me = actors.self()
    assert await exit_reason(gen_server.call(me, "x")) == ("calling_self", ("gen_server", "call", [me, "x"]))


async def test_stop_with_reply_replies_after_terminate() -> None:
    """{stop, normal, stopped, S}: terminate runs, the call returns stopped."""
    me = actors.self()
    pid = await started(watcher=me)
    ref = actors.monitor("process", pid)
    assert await gen_server.call(pid, ("stop", "normal")) == "stopped"
    await assert_receive(("terminate", "normal", 0))
    assert await down(ref) == "normal"


async def test_stop_without_reply_exits_the_caller_with_the_reason() -> None:
    """{stop, normal, S} from handle_call: the caller gets exit {normal, {gen_server,
    call, ...}}."""
    pid = await started()
    r = await exit_reason(gen_server.call(pid, ("stop2", "normal")))
    assert r == ("normal", ("gen_server", "call", [pid, ("stop2", "normal")]))


async def test_bad_return_value_from_handle_call() -> None:
    """handle_call returning bad: terminate({bad_return_value, bad}) and the caller gets
    exit {{bad_return_value, bad}, ...}."""
    me = actors.self()
    pid = await started(watcher=me)
    r = await exit_reason(gen_server.call(pid, "bad"))
    assert r == (("bad_return_value", "bad"), ("gen_server", "call", [pid, "bad"]))
    await assert_receive(("terminate", ("bad_return_value", "bad"), 0))


async def test_deferred_reply_from_another_process() -> None:
    """handle_call returning noreply; another process calls gen_server:reply(From, deferred):
    the call returns deferred."""
    pid = await started()
    assert await gen_server.call(pid, "defer") == "deferred"
    await stop(pid)


async def test_timeout_in_a_return_sends_timeout_to_handle_info() -> None:
    """{reply, ok, S, 10}: after 10 ms without messages handle_info(timeout, S) runs."""
    me = actors.self()
    pid = await started(watcher=me)
    assert await gen_server.call(pid, ("to", 10)) == "ok"
    await assert_receive(("info", "timeout", 0))
    await stop(pid)


async def test_timeout_in_init_return() -> None:
    """init returning {ok, 0, 10}: handle_info(timeout, 0) after 10 ms."""
    me = actors.self()
    pid = await started(("timeout", 10), watcher=me)
    await assert_receive(("info", "timeout", 0))
    await stop(pid)


async def test_continue_runs_before_the_next_message() -> None:
    """{ok, 0, {continue, c}} and {noreply, S, {continue, c}}: handle_continue runs first."""
    me = actors.self()
    pid = await started(("continue", "c"), watcher=me)
    assert await gen_server.call(pid, "get") == 1
    await assert_receive(("continued", "c", 0))
    gen_server.cast(pid, ("continue", "d"))
    assert await gen_server.call(pid, "get") == 2
    await stop(pid)


async def test_reply_from_handle_cast_is_a_bad_return_value() -> None:
    """handle_cast returning {reply, ...}: the server stops with {bad_return_value, ...}."""
    pid = await started()
    ref = actors.monitor("process", pid)
    gen_server.cast(pid, ("reply", 1))
    assert await down(ref) == ("bad_return_value", ("reply", 1, 0))


# -- stop ---------------------------------------------------------------------------


async def test_stop_runs_terminate_with_the_reason() -> None:
    """gen_server:stop(P, {shutdown, x}, infinity) -> ok; terminate({shutdown, x}, S)."""
    me = actors.self()
    pid = await started(watcher=me)
    assert await gen_server.stop(pid, ("shutdown", "x")) == "ok"
    await assert_receive(("terminate", ("shutdown", "x"), 0))
    assert not actors.is_process_alive(pid)


async def test_stop_of_no_server_is_noproc() -> None:
    """gen_server:stop of a dead pid or unknown name: exit noproc."""
    pid = await started()
    await stop(pid)
    assert await exit_reason(gen_server.stop(pid)) == "noproc"
    assert await exit_reason(gen_server.stop("nonexist")) == "noproc"


async def test_stop_timeout() -> None:
    """gen_server:stop(P, normal, 50) of a busy server: exit timeout."""
    pid = await started(watcher=actors.self())

    async def busy() -> None:
        try:
            await gen_server.call(pid, "block", "infinity")
        except ErlangError:
            pass

    actors.spawn(busy)
    await assert_receive("blocked")
    assert await exit_reason(gen_server.stop(pid, "normal", 50)) == "timeout"
    actors.exit(pid, "kill")


# -- exits ------------------------------------------------------------------------------


async def test_parent_exit_runs_terminate_when_trapping() -> None:
    """A trapping server whose parent exits with bye: terminate(bye, S), exit bye."""
    me = actors.self()

    async def parent() -> None:
        ok, pid = await gen_server.start_link(Srv(me), "trap")
        actors.send(me, ("srv", pid))
        await actors.receive("never")

    par = actors.spawn(parent)
    _, srv = await assert_receive(("srv", ANY))
    ref = actors.monitor("process", srv)
    actors.exit(par, "bye")
    await assert_receive(("terminate", "bye", 0))
    assert await down(ref) == "bye"


async def test_exit_from_another_process_goes_to_handle_info() -> None:
    """A trapping server getting {'EXIT', Other, foo}: handle_info, it lives on."""
    me = actors.self()
    pid = await started("trap", watcher=me)
    actors.send(pid, ("EXIT", me, "foo"))
    await assert_receive(("info", ("EXIT", me, "foo"), 0))
    assert actors.is_process_alive(pid)
    await stop(pid)


# -- defaults -------------------------------------------------------------------------


async def test_missing_handle_cast_crashes_the_server() -> None:
    """A module without handle_cast: a cast ends the server (undef)."""
    ok, pid = await gen_server.start(Minimal(), None)
    ref = actors.monitor("process", pid)
    gen_server.cast(pid, "hi")
    reason = await down(ref)
    assert isinstance(reason, ErlangError) and reason.reason == "undef"


async def test_missing_handle_info_keeps_the_server() -> None:
    """A module without handle_info: a message is logged and the server lives on."""
    ok, pid = await gen_server.start(Minimal(), None)
    actors.send(pid, "hello")
    assert await gen_server.call(pid, "ping") == "ping"
    await stop(pid)


async def test_cast_to_nothing_is_ok() -> None:
    """gen_server:cast(nonexist, x) -> ok."""
    assert gen_server.cast("nonexist", "x") == "ok"


async def test_plain_function_callbacks_in_a_module_like_object() -> None:
    """Any object with the callbacks as attributes is a callback module."""
    import types

    mod = types.SimpleNamespace(
        init=lambda a: ("ok", a),
        handle_call=lambda req, f, s: ("reply", s * req, s),
    )
    ok, pid = await gen_server.start(mod, 3)
    assert await gen_server.call(pid, 2) == 6
    await stop(pid)


async def test_bad_call_timeout_raises_and_leaves_no_monitor() -> None:
    """call(P, get, -1): exit {{function_clause, Stack}, {gen_server, call, [P, get,
    -1]}} (here the atom alone), and nothing stays behind."""
    pid = await started()
    r = await exit_reason(gen_server.call(pid, "get", -1))
    assert r == ("function_clause", ("gen_server", "call", [pid, "get", -1]))
    assert actors.process_info(actors.self(), "monitors") == ("monitors", [])
    await stop(pid)


async def test_missing_handle_call_crashes_the_server() -> None:
    """A module with only init: a call ends the server with undef (as handle_cast in
    erl) and the caller gets exit {Reason, {gen_server, call, ...}}."""
    import types

    ok, pid = await gen_server.start(types.SimpleNamespace(init=lambda a: ("ok", a)), None)
    r = await exit_reason(gen_server.call(pid, "x"))
    assert isinstance(r[0], ErlangError) and r[0].reason == "undef"
    assert r[1] == ("gen_server", "call", [pid, "x"])

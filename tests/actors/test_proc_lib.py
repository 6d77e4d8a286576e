"""proc_lib's synchronous start, and the exit class of an uncaught ErlangError."""

from __future__ import annotations

from typing import Any

import actors
from actors import ANY, ErlangError, Pid, proc_lib
from actors.testing import assert_receive, refute_receive


async def acker(value: Any) -> None:
    proc_lib.init_ack(value)
    await actors.receive("stop")


async def test_start_link_returns_what_init_ack_gave() -> None:
    """proc_lib:start_link(M, F, A) returns the value passed to init_ack/1; the new
    process is linked to its starter."""
    ret = await proc_lib.start_link(acker, (("ok", "hello"),))
    assert ret == ("ok", "hello")
    [pid] = [p for p in actors.processes() if p != actors.self()]
    assert ("links", [pid]) == actors.process_info(actors.self(), "links")
    ref = actors.monitor("process", pid)
    actors.send(pid, "stop")
    await assert_receive(("DOWN", ref, "process", pid, "normal"))


async def crasher() -> None:
    actors.exit("early")


async def test_process_that_ends_before_ack_gives_error() -> None:
    """A process that exits with early before init_ack: a trapping starter gets
    {error, early} and no EXIT message remains."""
    actors.process_flag("trap_exit", True)
    assert await proc_lib.start_link(crasher) == ("error", "early")
    await refute_receive(timeout=0)


async def slow() -> None:
    await actors.receive("never")


async def test_start_timeout_kills_and_gives_error_timeout() -> None:
    """proc_lib:start_link with Timeout 20 and no ack: {error, timeout}; the process is
    killed and the starter (not trapping) lives on."""
    assert await proc_lib.start_link(slow, (), 20) == ("error", "timeout")
    assert [p for p in actors.processes() if p != actors.self()] == []


async def test_start_monitor_keeps_its_monitor() -> None:
    """proc_lib:start_monitor returns {Ret, Mon}; the monitor reports the end."""
    ret, ref = await proc_lib.start_monitor(acker, (("ok", 1),))
    assert ret == ("ok", 1)
    [pid] = [p for p in actors.processes() if p != actors.self()]
    actors.send(pid, "stop")
    await assert_receive(("DOWN", ref, "process", pid, "normal"))


async def raises_exit_class(reason: Any) -> None:
    raise ErlangError(reason, "exit")


async def test_uncaught_exit_class_error_ends_the_process_with_its_term() -> None:
    """spawn(fun() -> exit({shutdown, x}) end) ends with {shutdown, x}: an uncaught
    ErlangError of kind exit ends the process with its reason, not with the exception."""
    pid, ref = actors.spawn_monitor(raises_exit_class, ("shutdown", "x"))
    assert (await assert_receive(("DOWN", ref, "process", pid, ANY)))[4] == ("shutdown", "x")


async def test_uncaught_error_class_keeps_the_exception_as_reason() -> None:
    """An ErlangError of kind error (error(badarg)) is a crash: the exception is the reason."""

    async def fails() -> None:
        raise ErlangError("badarg")

    pid, ref = actors.spawn_monitor(fails)
    reason = (await assert_receive(("DOWN", ref, "process", pid, ANY)))[4]
    assert isinstance(reason, ErlangError) and reason.reason == "badarg"


def _pid(x: Any) -> Pid:
    assert isinstance(x, Pid)
    return x


async def test_start_spawned_gives_ok_pid_at_once() -> None:
    """The one-line start function: {ok, Pid} of a linked process running fn(*args)."""
    ok, pid = proc_lib.start_spawned(acker, "x")
    assert ok == "ok"
    ref = actors.monitor("process", _pid(pid))
    actors.send(pid, "stop")
    await assert_receive(("DOWN", ref, "process", pid, "normal"))

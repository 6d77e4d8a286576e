"""Crash reports, ``actors.run`` and a node on a thread of its own."""

from __future__ import annotations

import traceback

import pytest
import structlog.testing

import actors
from actors import ANY, ErlangError, Node
from actors.testing import assert_receive


async def crasher(to: actors.Pid) -> None:
    actors.send(to, "about to crash")
    raise RuntimeError("kaboom")


async def test_a_crash_is_reported_through_structlog() -> None:
    """A process that raises logs ``process_crashed`` (Erlang's error report) with its
    pid, registered name, reason and the exception as exc_info."""
    with structlog.testing.capture_logs() as logs:
        pid, ref = actors.spawn_monitor(crasher, actors.self())
        actors.register("crashy", pid)
        await assert_receive("about to crash")
        reason = (await assert_receive(("DOWN", ref, ANY, ANY, ANY)))[4]
    assert isinstance(reason, RuntimeError)
    crashes = [e for e in logs if e["event"] == "process_crashed"]
    assert len(crashes) == 1
    report = crashes[0]
    assert report["log_level"] == "error"
    assert report["pid"] == repr(pid)
    assert report["registered_name"] == "crashy"
    assert "kaboom" in report["reason"]
    assert report["exc_info"] is reason  # the exception itself, for structlog to render
    frames = traceback.extract_tb(reason.__traceback__)
    assert frames[0].name == "crasher"  # the scheduler's own frame left out


async def test_exits_are_not_crash_reports() -> None:
    """Ending by ``exit(Reason)`` or an exit signal is not a crash: nothing is logged."""

    async def quits() -> None:
        actors.exit("shutdown")

    with structlog.testing.capture_logs() as logs:
        _, ref = actors.spawn_monitor(quits)
        await assert_receive(("DOWN", ref, ANY, ANY, "shutdown"))
    assert [e for e in logs if e["event"] == "process_crashed"] == []


def test_run_returns_the_value() -> None:
    """``actors.run(main)`` returns what ``main`` returned."""

    async def main(a: int, b: int) -> int:
        return a + b

    assert actors.run(main, 2, 3) == 5


def test_run_raises_the_exception() -> None:
    """``actors.run`` raises what the first process raised."""

    async def main() -> None:
        raise KeyError("nope")

    with structlog.testing.capture_logs():
        with pytest.raises(KeyError):
            actors.run(main)


def test_run_raises_exit_error_for_an_abnormal_exit() -> None:
    """``exit(boom)`` in the first process: ``ErlangError(boom, "exit")``."""

    async def main() -> None:
        actors.exit("boom")

    with pytest.raises(ErlangError) as e:
        actors.run(main)
    assert e.value.reason == "boom" and e.value.kind == "exit"


def test_run_returns_none_for_exit_normal() -> None:
    """``exit(normal)`` in the first process is a normal end."""

    async def main() -> None:
        actors.exit("normal")

    assert actors.run(main) is None


def test_run_kills_the_processes_left_behind() -> None:
    """When the first process ends the node stops and kills every other process."""
    seen: list[actors.Pid] = []

    async def main() -> int:
        seen.append(actors.spawn(actors.receive, "never"))
        return 1

    assert actors.run(main) == 1


def test_run_raises_exit_error_when_a_link_kills_the_first_process() -> None:
    """A linked crash ends the first process with the exception as reason."""

    async def bad() -> None:
        raise ValueError("linked crash")

    async def main() -> None:
        actors.spawn_link(bad)
        await actors.receive("never")

    with structlog.testing.capture_logs():
        with pytest.raises(ErlangError) as e:
            actors.run(main)
    assert isinstance(e.value.reason, ValueError)


def test_node_on_a_thread_runs_calls_as_processes(node: Node) -> None:
    """``Node.start()`` runs a node on its own thread; ``node.call(fn)`` runs ``fn`` as
    a process there and returns its result."""

    async def echo_server() -> None:
        while True:
            msg = await actors.receive()
            if msg == "stop":
                return
            actors.send(msg[0], ("echo", msg[1]))

    async def start() -> actors.Pid:
        pid = actors.spawn(echo_server)
        actors.register("echo", pid)
        return pid

    async def ask(x: object) -> object:
        actors.send("echo", (actors.self(), x))
        return (await actors.receive(("echo", ANY)))[1]

    async def stop() -> None:
        ref = actors.monitor("process", "echo")
        actors.send("echo", "stop")
        await actors.receive(("DOWN", ref, ANY, ANY, ANY))

    pid = node.call(start)
    assert node.call(ask, "one") == "one"
    assert node.call(ask, 2) == 2
    assert node.call_soon(lambda: pid in node.table)
    node.call(stop)


def test_node_call_raises_what_the_process_raised(node: Node) -> None:
    """``node.call`` raises the exception of the process it ran."""

    async def bad() -> None:
        raise LookupError("x")

    with structlog.testing.capture_logs():
        with pytest.raises(LookupError):
            node.call(bad)


def test_node_stop_kills_remaining_processes() -> None:
    """``Node.stop`` kills what still runs and closes its loop."""
    node = Node().start()

    async def start() -> None:
        actors.spawn(actors.receive, "never")

    node.call(start)
    assert len(node.processes()) == 1
    node.stop()
    assert node.processes() == []
    assert node.loop.is_closed()

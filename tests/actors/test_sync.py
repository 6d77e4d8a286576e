"""The sync facade: one generic wrapper makes every API function callable without await."""

from __future__ import annotations

import inspect

import pytest

import actors
from actors import ANY, ErlangError, Node
from actors._sync import ProcessGone, ProcessRunner, blocking_namespace


def test_every_public_function_is_wrapped_not_rewritten(node: Node) -> None:
    """Each public function of actors appears wrapped (``__wrapped__`` is the async one);
    classes and constants pass through."""
    ns = blocking_namespace(actors, ProcessRunner(node), exclude=("run",))
    for name in actors.__all__:
        value = getattr(actors, name)
        if inspect.isroutine(value) and name != "run":  # compiled, a builtin function
            assert getattr(ns, name).__wrapped__ is value, name
        elif inspect.ismodule(value):  # a public submodule (gen_server): wrapped in turn
            assert getattr(ns, name).__name__ == value.__name__, name
        else:
            assert getattr(ns, name) is value, name


def test_sync_calls_run_as_one_process(node: Node) -> None:
    """``self()``, ``send``, ``receive`` without await, all as the runner's process."""
    runner = ProcessRunner(node)
    a = blocking_namespace(actors, runner)
    me = a.self()
    assert me == runner.process.handle and a.self() == me
    a.send(me, ("hello", 1))
    assert a.receive(("hello", ANY)) == ("hello", 1)
    assert a.receive(timeout=0) is actors.TIMEOUT
    assert a.process_info(me, "status") == ("status", "running")
    with pytest.raises(ErlangError):
        a.send("nobody", 1)


def test_processes_spawned_from_a_thread_use_the_same_names(node: Node) -> None:
    """A process spawned through the facade can call the wrapped names with await:
    on the loop thread they are the async originals."""
    a = blocking_namespace(actors, ProcessRunner(node))

    async def echo() -> None:
        sender, msg = await a.receive()
        a.send(sender, ("echo", msg))

    pid, ref = a.spawn_monitor(echo)
    a.send(pid, (a.self(), "x"))
    assert a.receive(("echo", ANY)) == ("echo", "x")
    assert a.receive(("DOWN", ref, ANY, ANY, ANY))[4] == "normal"


def test_a_killed_runner_process_is_reported_and_replaced(node: Node) -> None:
    """An exit signal that kills the runner's process shows up as ProcessGone (with the
    reason) on the next call, which then runs as a fresh process."""
    runner = ProcessRunner(node)
    a = blocking_namespace(actors, runner)
    first = a.self()

    async def killer(target: actors.Pid) -> None:
        actors.exit(target, "die")

    a.spawn(killer, first)
    with pytest.raises(ProcessGone) as e:
        a.receive("never")
    assert e.value.reason == "die" and e.value.pid == first
    assert a.self() != first


def test_gen_server_and_sys_from_a_thread(node: Node) -> None:
    """gen_server start, call (its fast path yields once to the server), send_request
    and sys calls through the facade, as the shell makes them."""
    from .test_gen_server_call import Busy

    a = blocking_namespace(actors, ProcessRunner(node))
    ok, pid = a.gen_server.start(Busy(), None)
    assert ok == "ok"
    assert [a.gen_server.call(pid, i) for i in range(3)] == [0, 1, 2]
    req = a.gen_server.send_request(pid, "hi")
    assert a.gen_server.wait_response(req, 1000) == ("reply", "hi")
    assert a.sys.get_state(pid) == 0
    assert a.gen_server.stop(pid) == "ok"

"""Distribution: processes on two nodes (two OS processes) talk as Erlang's do.

Every test runs as a process of a fresh distributed node and talks to a node started as
its own OS process (``python -m actors -sname ... -noshell``), or to peer nodes it starts
itself. The results mirror distributed Erlang/OTP 25 (two ``erl -sname`` nodes).
"""

from __future__ import annotations

import asyncio
from typing import Any, Iterator

import pytest

import actors
from actors import ANY, TIMEOUT, Atom, ErlangError, peer, rpc

from . import dist_funcs as f
from .dist_helpers import COOKIE, NodeProcess, children, node_process

dist = pytest.mark.actors(name=True, cookie=COOKIE)


@pytest.fixture(scope="module")
def b() -> Iterator[NodeProcess]:
    yield from node_process("b")


async def _down(ref: Any, timeout: int = 10000) -> Any:
    msg = await actors.receive(("DOWN", ref, ANY, ANY, ANY), timeout=timeout)
    assert msg is not TIMEOUT, "no DOWN"
    return msg


@dist
async def test_node_names_ping_and_nodes(b: NodeProcess) -> None:
    """node() is the name atom; node(Pid) a pid's node; ping answers pong for a live
    node (connecting to it, so it shows in nodes()) and pang for an unknown one."""
    me = actors.node()
    assert isinstance(me, Atom) and "@" in me and me == actors.node(actors.self())
    assert actors.node(actors.make_ref()) == me
    assert await actors.ping(b.name) == "pong"
    assert b.name in actors.nodes()
    assert await actors.ping("nobody@" + me.split("@")[1]) == "pang"
    assert await actors.ping(me) == "pong"
    with pytest.raises(ErlangError):
        actors.node(42)


@dist
async def test_remote_spawn_send_and_order(b: NodeProcess) -> None:
    """A process spawned on the other node has that node's pid (printed <X.N.S> with
    X > 0, as Erlang prints a remote pid; is_process_alive of it is badarg, as erl
    gives); 2,000 messages each way arrive in order."""
    pid = await actors.spawn(b.name, f.echo)
    assert actors.node(pid) == b.name
    assert not repr(pid).startswith("<0.")
    with pytest.raises(ErlangError) as e:
        actors.is_process_alive(pid)
    assert e.value.reason == "badarg"
    me = actors.self()
    for i in range(2000):
        actors.send(pid, (me, i))
    got = [(await actors.receive(("echo", ANY), timeout=10000))[1] for _ in range(2000)]
    assert got == list(range(2000))
    ref = actors.monitor("process", pid)
    actors.send(pid, "stop")
    assert (await _down(ref))[4] == "normal"


@dist
async def test_send_by_name_to_other_node(b: NodeProcess) -> None:
    """{Name, Node} ! Msg reaches the process registered there; to a name nobody holds
    the message is dropped without error (Erlang returns Msg in both cases)."""
    me = actors.self()
    pid = await actors.spawn(b.name, f.register_and_wait, "listener", me)
    assert await actors.receive(("registered", pid), timeout=10000) == ("registered", pid)
    assert actors.send(("listener", b.name), "hello") == "hello"
    assert actors.send(("nobody", b.name), "lost") == "lost"
    assert await actors.receive(("got", ANY), timeout=10000) == ("got", "hello")
    ref = actors.monitor("process", ("listener", b.name))
    actors.exit(pid, "kill")
    down = await _down(ref)
    assert down[3] == (Atom("listener"), Atom(b.name)) and down[4] == "killed"


@dist
async def test_links_and_exit_signals_cross_nodes(b: NodeProcess) -> None:
    """spawn_link to another node: its crash reaches a trapping caller as
    {'EXIT', Pid, Reason}; exit(RemotePid, kill) ends it with killed; a remote process
    trapping exits gets {'EXIT', From, Reason} for exit/2 with any other reason."""
    actors.process_flag("trap_exit", True)
    pid = await actors.spawn_link(b.name, f.crash, 7)
    msg = await actors.receive(("EXIT", pid, ANY), timeout=10000)
    assert msg[2] == ("crashed", 7)
    victim, ref = await actors.spawn_monitor(b.name, f.wait_forever)
    actors.exit(victim, "kill")
    assert (await _down(ref))[4] == "killed"
    me = actors.self()
    trapper = await actors.spawn(b.name, f.trap_and_report, me)
    await actors.receive(("trapping", trapper), timeout=10000)
    actors.exit(trapper, "please")
    assert await actors.receive(("got", ANY), timeout=10000) == ("got", ("EXIT", me, "please"))
    actors.link(trapper)
    actors.exit(trapper, "kill")
    assert await actors.receive(("EXIT", trapper, ANY), timeout=10000) == ("EXIT", trapper, "killed")


@dist
async def test_link_and_monitor_a_dead_remote_process(b: NodeProcess) -> None:
    """link/1 to a remote pid that is gone gives {'EXIT', Pid, noproc} to a trapping
    caller; a monitor on it gives DOWN noproc; on an unregistered {Name, Node} too."""
    pid, ref = await actors.spawn_monitor(b.name, f.add_later, 1, 2)
    await _down(ref)
    actors.process_flag("trap_exit", True)
    assert actors.link(pid) is True
    assert await actors.receive(("EXIT", pid, ANY), timeout=10000) == ("EXIT", pid, "noproc")
    ref = actors.monitor("process", pid)
    assert (await _down(ref))[4] == "noproc"
    ref = actors.monitor("process", ("nobody", b.name))
    down = await _down(ref)
    assert down[3] == (Atom("nobody"), Atom(b.name)) and down[4] == "noproc"


@dist
async def test_unlink_and_demonitor_remote(b: NodeProcess) -> None:
    """After unlink/demonitor the remote process's death sends nothing."""
    pid = await actors.spawn(b.name, f.wait_forever)
    actors.process_flag("trap_exit", True)
    actors.link(pid)
    ref = actors.monitor("process", pid)
    actors.unlink(pid)
    assert actors.demonitor(ref) is True
    probe = actors.monitor("process", pid)
    actors.exit(pid, "kill")
    assert (await _down(probe))[4] == "killed"
    assert await actors.receive(timeout=200) is TIMEOUT


@dist
async def test_rpc_call_results(b: NodeProcess) -> None:
    """rpc:call gives the result, {badrpc, {'EXIT', {Reason, Stack}}} for an error,
    {badrpc, {'EXIT', Reason}} for an exit, undef for a missing function,
    {badrpc, timeout} after the timeout and {badrpc, nodedown} for a node that is not
    there."""
    assert await rpc.call(b.name, f.add, [1, 2]) == 3
    assert await rpc.call(b.name, f.add_later, (20, 22)) == 42
    assert await rpc.call(b.name, f.whoami, []) == b.name
    assert await rpc.call(b.name, f.os_pid, []) == b.proc.pid
    err = await rpc.call(b.name, f.fail, [])
    assert err[0] == "badrpc" and err[1][0] == "EXIT" and err[1][1][0] == "boom"
    assert isinstance(err[1][1][1], list) and err[1][1][1]
    assert await rpc.call(b.name, f.leave, []) == ("badrpc", ("EXIT", "bye"))
    missing = f.add.__qualname__
    f.add.__qualname__ = "no_such_function"
    try:
        undef = await rpc.call(b.name, f.add, [1, 2])
    finally:
        f.add.__qualname__ = missing
    assert undef[0] == "badrpc" and undef[1][1][0] == "undef"
    assert await rpc.call(b.name, f.nap, [2000], timeout=50) == ("badrpc", "timeout")
    host = actors.node().split("@")[1]
    assert await rpc.call("nobody@" + host, f.add, [1, 2]) == ("badrpc", "nodedown")
    assert await actors.receive(timeout=0) is TIMEOUT  # no stray reply or DOWN


@dist
async def test_spawn_on_unreachable_node() -> None:
    """Erlang: spawn to a node that cannot be reached returns a pid of a process that
    never ran; spawn_link then gives {'EXIT', Pid, noconnection}, spawn_monitor
    {'DOWN', Ref, process, Pid, noconnection}; a monitor or link on a {Name, Node} there
    fires with noconnection."""
    nowhere = "nobody@" + actors.node().split("@")[1]
    pid = await actors.spawn(nowhere, f.wait_forever)
    assert isinstance(pid, actors.Pid)
    actors.process_flag("trap_exit", True)
    pid = await actors.spawn_link(nowhere, f.wait_forever)
    assert await actors.receive(("EXIT", pid, ANY), timeout=10000) == ("EXIT", pid, "noconnection")
    pid, ref = await actors.spawn_monitor(nowhere, f.wait_forever)
    assert (await _down(ref))[3:] == (pid, "noconnection")
    ref = actors.monitor("process", ("someone", nowhere))
    assert (await _down(ref))[4] == "noconnection"


@dist
async def test_gen_server_call_to_another_node(b: NodeProcess) -> None:
    """gen_server:call({Name, Node}, Req) and to the server's pid on another node: the
    reply comes back; cast reaches it; a call that makes it crash exits with its reason
    and leaves no monitor or message behind; a name nobody holds there gives noproc."""
    from actors import gen_server

    ok, pid = await rpc.call(b.name, f.start_counter, ["counter"])
    assert ok == "ok" and actors.node(pid) == b.name
    assert await gen_server.call(("counter", b.name), ("add", 5)) == 5
    assert await gen_server.call(pid, ("add", 2)) == 7
    assert gen_server.cast(("counter", b.name), "reset") == "ok"
    assert await gen_server.call(pid, ("add", 1)) == 1
    with pytest.raises(ErlangError) as e:
        await gen_server.call(("nobody", b.name), ("add", 1))
    assert e.value.reason[0] == "noproc"
    with pytest.raises(ErlangError) as e:
        await gen_server.call(pid, "crash", 10000)
    assert e.value.reason[0] == "asked"
    assert await actors.receive(timeout=0) is TIMEOUT


@dist
async def test_only_terms_cross(b: NodeProcess) -> None:
    """A message outside the term mapping raises badarg at the sender."""
    pid = await actors.spawn(b.name, f.wait_forever)
    with pytest.raises(ErlangError) as e:
        actors.send(pid, object())
    assert e.value.reason == "badarg"
    with pytest.raises(ErlangError):
        await actors.spawn(b.name, lambda: None)
    actors.exit(pid, "kill")


@dist
async def test_killed_node_breaks_links_monitors_and_monitor_node() -> None:
    """A node killed with SIGKILL: links to its processes end with noconnection,
    monitors fire with noconnection, monitor_node gives {nodedown, Node}; it leaves
    nodes()."""
    c = NodeProcess("c")
    try:
        pid = await actors.spawn(c.name, f.wait_forever)
        other = await actors.spawn(c.name, f.wait_forever)
        actors.process_flag("trap_exit", True)
        actors.link(pid)
        ref = actors.monitor("process", other)
        assert actors.monitor_node(c.name, True) is True
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, c.kill)
        got = {(await actors.receive(timeout=20000))[0] for _ in range(3)}
        assert got == {"EXIT", "DOWN", "nodedown"}
        assert c.name not in actors.nodes()
    finally:
        c.stop()


@dist
async def test_disconnect_node(b: NodeProcess) -> None:
    """disconnect_node/1: true and nodedown for a connected node, false otherwise."""
    assert await actors.ping(b.name) == "pong"
    actors.monitor_node(b.name, True)
    assert actors.disconnect_node(b.name) is True
    assert await actors.receive(("nodedown", ANY), timeout=10000) == ("nodedown", b.name)
    assert actors.disconnect_node(b.name) is False
    assert await actors.ping(b.name) == "pong"  # it connects again


@dist
async def test_peer_start_and_stop() -> None:
    """peer.start_link starts a node as an OS process of ours, up and connected; stop
    ends it and leaves no OS process; a killed control process takes the node too."""
    before = set(children())
    ok, control, node = await peer.start_link()
    assert ok == "ok" and node in actors.nodes()
    assert await rpc.call(node, f.whoami, []) == node
    watch = actors.monitor("process", control)
    actors.monitor_node(node, True)
    peer.stop(control)
    assert (await _down(watch))[4] == "normal"
    assert await actors.receive(("nodedown", node), timeout=20000) == ("nodedown", node)
    ok, control2, node2 = await peer.start()
    os_pid = await rpc.call(node2, f.os_pid, [])
    actors.monitor_node(node2, True)
    actors.exit(control2, "kill")
    assert await actors.receive(("nodedown", node2), timeout=20000) == ("nodedown", node2)
    assert os_pid not in children()  # dead (a zombie at most, until the loop reaps it)
    assert set(children()) <= before


def test_not_distributed_node() -> None:
    """A node without a name: node() is nonode@nohost, nodes() is [], ping is pang."""

    async def main() -> Any:
        return actors.node(), actors.nodes(), await actors.ping("b@somewhere")

    assert actors.run(main) == ("nonode@nohost", [], "pang")


def test_wrong_cookie_cannot_connect(b: NodeProcess) -> None:
    """A node with another cookie gets pang: the other node refuses it."""

    async def main() -> Any:
        return await actors.ping(b.name), actors.nodes()

    assert actors.run(main, name=peer.random_name("bad"), cookie="not-the-cookie") == ("pang", [])


def test_no_os_process_left(b: NodeProcess) -> None:
    """Stopping a distributed node stops its part of the cluster: no child process
    of ours stays behind (the module's node is ours and stays)."""
    before = set(children())

    async def main() -> Any:
        return await actors.ping(b.name)

    assert actors.run(main, name=peer.random_name("short"), cookie=COOKIE) == "pong"
    assert set(children()) <= before
    assert b.proc.poll() is None

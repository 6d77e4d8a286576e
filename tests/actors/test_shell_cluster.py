"""The shell as a node of a cluster: ``python -m actors -sname s -setcookie C`` connects
to running nodes and looks at them, as ``erl -sname`` does."""

from __future__ import annotations

from pathlib import Path

from tests.actors.dist_helpers import COOKIE, NodeProcess
from tests.actors.test_shell import Session

import actors.peer


def test_shell_joins_the_cluster_and_looks_at_other_nodes(tmp_path: Path) -> None:
    """node() is the shell's name; ping connects to a running node (pong, then it is in
    nodes()); rpc.call runs there; nregs() and ni() list the registered names and the
    processes of every node; a pid of the other node prints with its node's number and
    pid(X, N, S) gives it back."""
    b = NodeProcess("b")
    name = actors.peer.random_name("shell")
    s = Session(tmp_path / "history", "-sname", name, "-setcookie", COOKIE)
    try:
        assert s.run("node()").startswith(name + "@")
        assert s.run(f"ping({b.name!r})") == "pong"
        assert s.run("nodes()") == f"[{b.name}]"
        assert s.run(f"rpc.call({b.name!r}, actors.node, [])") == b.name
        s.define("async def idle():", "    await receive('never')")
        s.run("import tests.actors.dist_funcs as f")
        p = s.run(f"p = spawn({b.name!r}, f.register_and_wait, 'watched', self()); p")
        assert p.startswith("<") and not p.startswith("<0.")
        regs = s.run("nregs()")
        assert f"** Registered procs on node {b.name} **" in regs and "watched" in regs
        procs = s.run("ni()")
        assert f"** Processes on node {b.name} **" in procs and "register_and_wait" in procs
        x, n, z = p.strip("<>").split(".")
        assert s.run(f"pid({x}, {n}, {z}) == p") == "true"
        assert s.run("exit(p, 'kill')") == "true"
    finally:
        s.close()
        b.stop()

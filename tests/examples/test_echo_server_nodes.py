"""``examples/echo_server.py --nodes N``: one port served from N nodes (OS processes)."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.actors.dist_helpers import COOKIE, children

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = str(ROOT / "examples" / "echo_server.py")


def _echo_all(port: int, n: int) -> None:
    conns = [socket.create_connection(("127.0.0.1", port), timeout=20) for _ in range(n)]
    try:
        for i, c in enumerate(conns):
            c.sendall(b"ping %d" % i)
        for i, c in enumerate(conns):
            want = b"ping %d" % i
            got = b""
            while len(got) < len(want):
                chunk = c.recv(100)
                assert chunk, "connection closed"
                got += chunk
            assert got == want
    finally:
        for c in conns:
            c.close()


def _descendants(pid: int) -> set[int]:
    out: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    stat = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if stat[1] == str(p) and stat[0] != "Z" and int(d) not in out:
                    out.add(int(d))
                    todo.append(int(d))
    return out


def _peer_node_pid(server: int) -> int:
    for pid in _descendants(server):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"-noshell" in cmd and b"actors" in cmd:
            return pid
    raise AssertionError("no peer node process")


def test_two_nodes_serve_one_port_and_a_killed_node_comes_back() -> None:
    """The first node listens and starts a peer node that accepts on the same socket;
    clients are echoed; the peer node killed with SIGKILL is started again and the port
    keeps serving; Ctrl-C stops both nodes and leaves no process behind."""
    before = set(children())
    env = dict(os.environ, PYTHONPATH=str(ROOT), ACTORS_COOKIE=COOKIE)
    server = subprocess.Popen([sys.executable, SCRIPT, "--port", "0", "--nodes", "2", "--acceptors", "2"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
    assert server.stdout is not None
    try:
        line = server.stdout.readline()
        assert line.startswith("echo server on port "), line
        port = int(line.split("port ")[1].split(":")[0])
        while " serves with " not in line:
            line = server.stdout.readline()
            assert line, "the peer node never served"
        _echo_all(port, 20)
        peer = _peer_node_pid(server.pid)
        os.kill(peer, signal.SIGKILL)
        line = server.stdout.readline()
        while " serves with " not in line:  # started again
            line = server.stdout.readline()
            assert line, "the peer node was not started again"
        assert _peer_node_pid(server.pid) != peer
        _echo_all(port, 20)
        family = _descendants(server.pid)  # the peer node, both nodes' launchers and systems
        assert len(family) >= 3
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(30) == 130
        server.stdout.close()
    assert set(children()) <= before
    for pid in family:  # every process of both nodes ends (waited for, not polled)
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            ready, _, _ = select.select([fd], [], [], 30)
            assert ready, f"process {pid} of the server outlived it"
        finally:
            os.close(fd)

"""The echo server from the command line: startup errors and Ctrl-C end in one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = str(ROOT / "examples" / "echo_server.py")
ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, SCRIPT, *args], capture_output=True, text=True, env=ENV, timeout=30
    )


def test_a_port_out_of_range_is_one_line_and_status_2() -> None:
    """``--port 99999``: one line naming the flag and the range, exit status 2."""
    r = run("--port", "99999")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1, r.stderr
    assert "--port" in r.stderr and "99999" in r.stderr and "0..65535" in r.stderr


def test_a_taken_port_is_one_line_and_status_1() -> None:
    """A port another socket listens on: ``eaddrinuse`` in one line, exit status 1, no
    crash report (Erlang's gen_tcp:listen answers {error, eaddrinuse})."""
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run("--port", str(port))
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == f"echo_server: cannot listen on port {port}: address already in use (eaddrinuse)\n"


def test_ctrl_c_stops_the_server_quietly() -> None:
    """Ctrl-C while serving: no traceback, no report, exit status 130."""
    child = pexpect.spawn(
        sys.executable, [SCRIPT, "--port", "0"], env=ENV, encoding="utf-8", timeout=15
    )
    try:
        child.expect(r"try it: nc localhost \d+\r\n")
        child.sendintr()
        child.expect(pexpect.EOF)
        assert child.before.strip() in ("", "^C"), child.before
    finally:
        child.close()
    assert child.exitstatus == 130

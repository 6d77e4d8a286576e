"""Other nodes for the distribution tests: real OS processes, as a user starts them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import actors.peer

COOKIE = "erlports-test-cookie"
ROOT = Path(__file__).resolve().parents[2]


class NodeProcess:
    """``python -m actors -sname NAME -setcookie COOKIE -noshell``, up when constructed."""

    def __init__(self, prefix: str = "b", cookie: str = COOKIE) -> None:
        self.short = actors.peer.random_name(prefix)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "actors", "-sname", self.short, "-setcookie", cookie,
             "-noshell", "--halt-on-eof"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        while line and not line.startswith("actors node "):
            line = self.proc.stdout.readline().decode()
        assert line.startswith("actors node "), f"node did not start: {line!r}"
        self.name = line.split()[2]

    def kill(self) -> None:
        """SIGKILL, as a crash would end it."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None:
                f.close()


def node_process(prefix: str = "b", cookie: str = COOKIE) -> Iterator[NodeProcess]:
    n = NodeProcess(prefix, cookie)
    try:
        yield n
    finally:
        n.stop()


def children() -> list[int]:
    """The pids of this OS process's live child processes (zombies excluded)."""
    me = str(os.getpid())
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[1] == me and fields[0] != "Z":
            out.append(int(d))
    return out

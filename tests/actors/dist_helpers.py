"""Other nodes for the distribution tests: real OS processes, as a user starts them."""

from __future__ import annotations

import os
import random
import re
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import actors.peer
from actors._dist import _mapper
from actors._dist._mapper import PORT_ENV

COOKIE = "erlports-test-cookie"
ROOT = Path(__file__).resolve().parents[2]


class NodeProcess:
    """``python -m actors -sname NAME -setcookie COOKIE -noshell``, up when constructed.

    With `host`, ``-name NAME@host`` instead, and with `address`, ``-address address``;
    `env` is added to the node's environment."""

    def __init__(
        self,
        prefix: str = "b",
        cookie: str = COOKIE,
        *,
        host: str | None = None,
        address: str | None = None,
        env: dict[str, str] | None = None,
        short: str | None = None,
    ) -> None:
        self.short = short or actors.peer.random_name(prefix)
        name = ["-name", f"{self.short}@{host}"] if host else ["-sname", self.short]
        where = ["-address", address] if address else []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "actors", *name, *where, "-setcookie", cookie,
             "-noshell", "--halt-on-eof"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT,
            env={**os.environ, **(env or {})},
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        while line and not line.startswith("actors node "):
            line = self.proc.stdout.readline().decode()
        if not line.startswith("actors node "):
            self.stop()
            raise AssertionError(f"node did not start: {line!r}")
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


# -- port mappers (actors._dist._mapper) ------------------------------------------------


def _arg(args: list[bytes], flag: bytes) -> bytes | None:
    return args[args.index(flag) + 1] if flag in args[:-1] else None


def mapper_pids(port: int, address: str | None = None) -> list[int]:
    """The pids of the port mappers listening on `port` (of `address`, else any)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            args = Path(f"/proc/{d}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if not any(a.endswith(b"_mapper.py") or a == b"actors.epmd" for a in args):
            continue
        if _arg(args, b"-port") == str(port).encode() and (
            address is None or (_arg(args, b"-address") or b"127.0.0.1") == address.encode()
        ):
            pids.append(int(d))
    return pids


def end_process(pid: int, sig: int = signal.SIGTERM) -> None:
    """Signal `pid` (not necessarily our child) and wait until it is gone."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        os.kill(pid, sig)
        select.select([fd], [], [], 10)
    except ProcessLookupError:
        pass
    finally:
        os.close(fd)


def stop_mappers(port: int, address: str | None = None) -> None:
    """End every port mapper on `port` (of `address`, else any)."""
    for pid in mapper_pids(port, address):
        end_process(pid)


def _unused_port() -> int:
    """A port outside the ephemeral range that 127.0.0.1 to 127.0.0.4 can all bind."""
    while True:
        port = random.randrange(20000, 30000)
        try:
            for ip in ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"):
                with socket.socket() as s:
                    s.bind((ip, port))
        except OSError:
            continue
        return port


def own_port_mapper() -> Iterator[int]:
    """This test run's nodes use port mappers on a port of the run's own (set in the
    environment every node inherits); every mapper on it is ended afterwards, so that no
    daemon a node started outlives the run."""
    port = _unused_port()
    old = os.environ.get(PORT_ENV)
    os.environ[PORT_ENV] = str(port)
    try:
        yield port
    finally:
        stop_mappers(port)
        if old is None:
            os.environ.pop(PORT_ENV, None)
        else:
            os.environ[PORT_ENV] = old


def mapper_port() -> int:
    """The port mappers' port in this run."""
    return _mapper.mapper_port()


def mapper_names(address: str) -> dict[str, int]:
    """What the mapper on `address` lists (``epmd -names``): name -> port."""
    data = _mapper._ask(address, mapper_port(), _mapper.NAMES_REQ)
    assert data is not None, f"no port mapper on {address}"
    return {m[1]: int(m[2]) for m in re.finditer(r"name (\S+) at port (\d+)\n", data[4:].decode())}


def start_mapper(address: str, *extra: str) -> subprocess.Popen[bytes]:
    """A mapper of the test's own, in the foreground (a child: the test ends it)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "actors.epmd", "-address", address, "-port", str(mapper_port()), *extra],
        cwd=ROOT, stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while _mapper._ask(address, mapper_port(), _mapper.NAMES_REQ) is None:
        assert proc.poll() is None and time.monotonic() < deadline, "the mapper did not start"
        time.sleep(0.05)
    return proc


def end_mapper(proc: subprocess.Popen[bytes]) -> None:
    """Kill a mapper `start_mapper` started (as a crash would end it)."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()

"""Distribution at the transport level: frames between two nodes in two OS processes.

- one-way frames/s (a burst of frames to the other node, timed until the last arrived);
- round trips/s and their latency (p50, p99): one frame to the other node, echoed back;
- the time from SIGKILL of the other node's OS process to ``nodedown`` here;

beside Erlang's own distribution between two ``erl +S 1 -sname`` nodes on loopback (the same
two measures between a process on each node), and beside raw thespian: two actors in two
OS processes of one ``multiprocTCPBase`` system, one thespian message per frame (what a
gateway without batching would cost: thespian acknowledges every message).

Our node here is this process (uvloop); the other is ``tests/actors/dist_node.py``.
Run with ``make bench`` (``python -m tests.bench dist``).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

from thespian.actors import Actor

ONE_WAY = 200_000
ROUND_TRIPS = 5_000
TARGETS = {"one-way frames/s": 30_000.0}
MAX_P99_MS = 5.0
HOST = socket.gethostname().split(".")[0]


def _pct(samples: list[float], q: float) -> float:
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(q * len(samples)))]


# -- ours -------------------------------------------------------------------------------


class _Waiter:
    def __init__(self) -> None:
        self.future: asyncio.Future[bytes] | None = None
        self.down: asyncio.Future[str] | None = None

    def frame(self, node: str, payload: bytes) -> None:
        if self.future is not None and not self.future.done():
            self.future.set_result(payload)

    def nodeup(self, node: str) -> None:
        pass

    def nodedown(self, node: str, reason: str) -> None:
        if self.down is not None and not self.down.done():
            self.down.set_result(reason)


async def _ours() -> dict[str, float]:
    from actors._dist.transport import Transport

    peer = f"benchb{os.getpid()}@{HOST}"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.actors.dist_node", peer,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdin is not None
    while not (await proc.stdout.readline()).startswith(b"ready"):
        pass
    waiter = _Waiter()
    loop = asyncio.get_running_loop()
    me = await Transport.start(f"bencha{os.getpid()}@{HOST}", os.environ["ACTORS_COOKIE"], waiter)
    try:
        assert await me.connect(peer)
        lat = []
        for _ in range(ROUND_TRIPS):
            waiter.future = loop.create_future()
            t0 = time.perf_counter()
            me.send(peer, b"ping")
            await waiter.future
            lat.append(time.perf_counter() - t0)
        best = 0.0
        for _ in range(3):
            waiter.future = loop.create_future()
            t0 = time.perf_counter()
            for i in range(ONE_WAY):
                me.send(peer, b"!%d" % i)
            me.send(peer, b"!done")
            await waiter.future
            best = max(best, ONE_WAY / (time.perf_counter() - t0))
        waiter.down = loop.create_future()
        t0 = time.perf_counter()
        proc.kill()  # SIGKILL: its gateway sees the socket close and tells us
        await asyncio.wait_for(waiter.down, 10)
        death = time.perf_counter() - t0
    finally:
        await me.close()
        if proc.returncode is None:
            proc.stdin.close()
        await proc.wait()
    return {
        "one-way": best,
        "rtt/s": len(lat) / sum(lat),
        "p50": _pct(lat, 0.5),
        "p99": _pct(lat, 0.99),
        "death": death,
    }


# -- Erlang -----------------------------------------------------------------------------

def _erlang() -> dict[str, float] | None:
    if shutil.which("erl") is None or shutil.which("erlc") is None:
        return None
    tag = f"{os.getpid()}"
    with tempfile.TemporaryDirectory() as ebin:
        here = os.path.dirname(os.path.abspath(__file__))
        subprocess.run(["erlc", "-o", ebin, os.path.join(here, "dist_bench.erl")], check=True)
        erl = ["erl", "+S", "1", "-setcookie", "benchcookie", "-noshell", "-pa", ebin]
        peer = subprocess.Popen(
            [*erl, "-sname", f"erlb{tag}", "-run", "dist_bench", "peer"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            out = subprocess.run(
                [*erl, "-sname", f"erla{tag}", "-run", "dist_bench", "driver",
                 f"erlb{tag}@{HOST}", str(ROUND_TRIPS), str(ONE_WAY)],
                capture_output=True, text=True, timeout=300,
            )  # fmt: skip
        finally:
            peer.kill()
            peer.wait()
    rtts, p50, p99, one_way = (float(x) for x in out.stdout.split())
    return {"one-way": one_way, "rtt/s": rtts, "p50": p50 / 1e6, "p99": p99 / 1e6}


# -- raw thespian -----------------------------------------------------------------------


class Echo(Actor):  # type: ignore[misc]
    def receiveMessage(self, msg: Any, sender: Any) -> None:
        if msg == "done":
            self.send(sender, "done")
        elif isinstance(msg, bytes) and msg[:1] != b"!":
            self.send(sender, msg)


class Driver(Actor):  # type: ignore[misc]
    def receiveMessage(self, msg: Any, sender: Any) -> None:
        if isinstance(msg, tuple) and msg[0] == "run":
            self.asker, self.echo, self.n, self.m = sender, msg[1], msg[2], msg[3]
            self.lat: list[float] = []
            self.t0 = time.perf_counter()
            self.send(self.echo, b"ping")
        elif msg == b"ping":
            self.lat.append(time.perf_counter() - self.t0)
            if len(self.lat) < self.n:
                self.t0 = time.perf_counter()
                self.send(self.echo, b"ping")
            else:
                self.t1 = time.perf_counter()
                for i in range(self.m):
                    self.send(self.echo, b"!%d" % i)
                self.send(self.echo, "done")
        elif msg == "done":
            one_way = self.m / (time.perf_counter() - self.t1)
            lat = self.lat
            self.send(self.asker, json.dumps({
                "one-way": one_way, "rtt/s": len(lat) / sum(lat),
                "p50": _pct(lat, 0.5), "p99": _pct(lat, 0.99)}))  # fmt: skip


def _thespian_child() -> None:
    """In a subprocess: two actors of one multiprocTCPBase system, one message per frame."""
    from thespian.actors import ActorSystem

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    asys = ActorSystem("multiprocTCPBase", {"Admin Port": port}, transientUnique=True)
    try:
        echo, driver = asys.createActor(Echo), asys.createActor(Driver)
        print(asys.ask(driver, ("run", echo, ROUND_TRIPS // 10, ONE_WAY // 100), 300))
    finally:
        asys.shutdown()


def _thespian() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "THESPLOG_FILE": f"{tmp}/thespian.log", "THESPLOG_FILE_MAXSIZE": "0"}
        out = subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_dist", "--thespian"],
            capture_output=True, text=True, env=env, timeout=600,
        )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# -- report -----------------------------------------------------------------------------


def main() -> None:
    from actors import new_event_loop

    os.environ.setdefault("ACTORS_COOKIE", "benchcookie")
    with tempfile.TemporaryDirectory() as reg:
        os.environ["ACTORS_DIST_DIR"] = reg
        loop = new_event_loop()
        try:
            ours = loop.run_until_complete(_ours())
        finally:
            loop.close()
        del os.environ["ACTORS_DIST_DIR"]
    erlang = _erlang()
    raw = _thespian()
    rows = [("ours (batched gateways)", ours), ("raw thespian, 1 msg/frame", raw)]
    if erlang is not None:
        rows.append(("Erlang distribution", erlang))
    print(f"{'':28} {'one-way/s':>11} {'round trips/s':>14} {'p50 ms':>8} {'p99 ms':>8}")
    for label, r in rows:
        print(
            f"{label:28} {r['one-way']:11,.0f} {r['rtt/s']:14,.0f} "
            f"{r['p50'] * 1e3:8.2f} {r['p99'] * 1e3:8.2f}"
        )
    for label, r in rows[1:]:
        print(
            f"ours / {label}: one-way x{ours['one-way'] / r['one-way']:.2f}, "
            f"round trips x{ours['rtt/s'] / r['rtt/s']:.2f}"
        )
    print(f"SIGKILL of the other node's OS process -> nodedown here: {ours['death'] * 1e3:.1f} ms")
    ok = ours["one-way"] >= TARGETS["one-way frames/s"] and ours["p99"] * 1e3 <= MAX_P99_MS
    print(
        f"targets: one-way >= {TARGETS['one-way frames/s']:,.0f}/s, p99 <= {MAX_P99_MS} ms: "
        + ("met" if ok else "NOT met")
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--thespian"]:
        _thespian_child()
    else:
        main()

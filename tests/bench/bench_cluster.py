"""Distribution measured: processes on two nodes (two OS processes) beside Erlang's own.

- cross-node ping-pong (round trips/s, and p50/p99 of the round-trip time) and one-way
  messages/s between a process on this node and one on another node, beside the same
  between two ``erl -sname`` nodes on loopback (targets: >= 30k one-way msgs/s and an RTT
  p99 <= 5 ms);
- the time from a node's SIGKILL to the DOWN of a monitor on one of its processes
  (target <= 100 ms);
- the echo server of ``examples/echo_server.py`` with ``--nodes 1`` and ``--nodes 2`` (one
  OS process per node) under the C load generator of bench_echo. On a 2-core machine the
  load generator shares the cores with the nodes, so two nodes cannot double the rate.

Run with ``make bench`` or ``python -m tests.bench cluster``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any

import actors
from actors import ANY, peer

from tests.actors.dist_helpers import COOKIE, NodeProcess

from . import dist_bench_funcs as fns

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PING_PONG = 5_000
ONE_WAY = 100_000
KILLS = 5
ECHO_CONNS = 50
TARGET_ONE_WAY = 30_000
TARGET_P99_MS = 5.0
TARGET_DEATH_MS = 100.0

ERLANG_BENCH = r"""
-module(dist_bench).
-export([main/1, echo/0, sink/2]).
echo() -> receive {From, X} -> From ! X, echo(); stop -> ok end.
sink(Parent, N) -> sink_loop(Parent, N).
sink_loop(Parent, 0) -> Parent ! done;
sink_loop(Parent, N) -> receive _ -> sink_loop(Parent, N - 1) end.
main([NodeS, PPS, OWS]) ->
    Node = list_to_atom(NodeS), PP = list_to_integer(PPS), OW = list_to_integer(OWS),
    pong = net_adm:ping(Node),
    E = spawn(Node, ?MODULE, echo, []),
    Lat = [begin T0 = erlang:monotonic_time(microsecond), E ! {self(), I},
                 receive I -> erlang:monotonic_time(microsecond) - T0 end end
           || I <- lists:seq(1, PP)],
    Sorted = lists:sort(Lat),
    Total = lists:sum(Lat),
    S = spawn(Node, ?MODULE, sink, [self(), OW]),
    T1 = erlang:monotonic_time(microsecond),
    [S ! {msg, I} || I <- lists:seq(1, OW)],
    receive done -> ok end,
    T2 = erlang:monotonic_time(microsecond),
    io:format("rtt_per_s=~p p50_us=~p p99_us=~p one_way_per_s=~p~n",
              [PP * 1000000 div max(Total, 1), lists:nth(PP div 2, Sorted),
               lists:nth(PP * 99 div 100, Sorted), OW * 1000000 div max(T2 - T1, 1)]),
    E ! stop,
    init:stop().
"""


def _pct(sorted_us: list[float], p: float) -> float:
    return sorted_us[min(len(sorted_us) - 1, int(len(sorted_us) * p))]


async def _ours(other: str) -> dict[str, float]:
    me = actors.self()
    echo = await actors.spawn(other, fns.echo)
    for i in range(200):  # warm up the connection and both ends
        actors.send(echo, (me, i))
        await actors.receive(i)
    lat = []
    t_all = time.perf_counter()
    for i in range(PING_PONG):
        t0 = time.perf_counter()
        actors.send(echo, (me, i))
        await actors.receive(i)
        lat.append((time.perf_counter() - t0) * 1e6)
    rtt_rate = PING_PONG / (time.perf_counter() - t_all)
    lat.sort()
    sink = await actors.spawn(other, fns.sink, me, ONE_WAY)
    t1 = time.perf_counter()
    for i in range(ONE_WAY):
        actors.send(sink, ("msg", i))
    await actors.receive("done")
    one_way = ONE_WAY / (time.perf_counter() - t1)
    actors.send(echo, "stop")
    return {"rtt_per_s": rtt_rate, "p50_us": _pct(lat, 0.5), "p99_us": _pct(lat, 0.99), "one_way_per_s": one_way}


async def _death_ms() -> list[float]:
    out = []
    for _ in range(KILLS):
        c = NodeProcess("victim")
        try:
            pid = await actors.spawn(c.name, fns.wait_forever)
            ref = actors.monitor("process", pid)
            t0 = time.perf_counter()
            os.kill(c.proc.pid, signal.SIGKILL)
            msg = await actors.receive(("DOWN", ref, ANY, ANY, ANY), timeout=60000)
            out.append((time.perf_counter() - t0) * 1000)
            assert msg[4] == "noconnection", msg
        finally:
            c.stop()
    return out


def erlang_dist() -> dict[str, float] | None:
    if not (shutil.which("erl") and shutil.which("erlc")):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "dist_bench.erl")
        with open(src, "w") as f:
            f.write(ERLANG_BENCH)
        subprocess.run(["erlc", "-o", tmp, src], check=True)
        tag = f"eb{os.getpid()}"
        b = subprocess.Popen(["erl", "+S", "1", "-sname", tag, "-setcookie", COOKIE, "-noshell", "-pa", tmp],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        try:
            host = actors.Atom(os.uname().nodename.split(".")[0])
            for _ in range(50):  # wait until epmd knows it
                r = subprocess.run(["erl", "-noshell", "-sname", f"probe{os.getpid()}", "-setcookie", COOKIE,
                                    "-eval", f"io:format(\"~p\", [net_adm:ping('{tag}@{host}')]), init:stop()."],
                                   capture_output=True, text=True)
                if "pong" in r.stdout:
                    break
            r = subprocess.run(["erl", "+S", "1", "-sname", f"ea{os.getpid()}", "-setcookie", COOKIE, "-noshell",
                                "-pa", tmp, "-run", "dist_bench", "main", f"{tag}@{host}", str(PING_PONG), str(ONE_WAY)],
                               capture_output=True, text=True, timeout=300)
            return {k: float(v) for k, v in (kv.split("=") for kv in r.stdout.split() if "=" in kv)}
        finally:
            b.kill()
            b.wait()


def _echo_rate(nodes: int, loadgen: str) -> float:
    """Round trips/s of the echo server with `nodes` nodes, 64 B x ECHO_CONNS."""
    from .bench_echo import HOST, WARMUP_MS, WINDOW_MS, _parse

    argv = [sys.executable, os.path.join(ROOT, "examples", "echo_server.py"), "--port", "0", "--nodes", str(nodes)]
    env = dict(os.environ, ACTORS_COOKIE=COOKIE, PYTHONPATH=ROOT)
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT, env=env)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        while line and not line.startswith("echo server on port "):
            line = server.stdout.readline()
        port = int(line.split("port ")[1].split(":")[0])
        served = 0
        while served < nodes - 1:  # "node ... serves with ..." per peer node
            line = server.stdout.readline()
            if not line:
                raise RuntimeError("echo_server --nodes stopped before its peers served")
            served += " serves with " in line
        r = subprocess.run([loadgen, "echo", HOST, str(port), str(ECHO_CONNS), "64", "0", str(WARMUP_MS), str(WINDOW_MS)],
                           capture_output=True, text=True, timeout=120)
        return float(_parse(r.stdout)["rate"])
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> dict[str, bool]:
    b = NodeProcess("bench")
    try:
        ours = actors.run(_ours, b.name, name=peer.random_name("bench"), cookie=COOKIE)
        deaths = actors.run(_death_ms, name=peer.random_name("bench"), cookie=COOKIE)
    finally:
        b.stop()
    erl = erlang_dist()
    print(f"{'cross-node':<22}{'ours':>12}{'Erlang':>12}{'ratio':>8}")
    for key, label in [("rtt_per_s", "round trips/s"), ("one_way_per_s", "one-way msgs/s"),
                       ("p50_us", "RTT p50 (us)"), ("p99_us", "RTT p99 (us)")]:
        e = erl.get(key) if erl else None
        ratio = f"{ours[key] / e:.2f}x" if e else "-"
        print(f"{label:<22}{ours[key]:>12,.0f}{(f'{e:,.0f}' if e else '-'):>12}{ratio:>8}")
    deaths.sort()
    print(f"SIGKILL -> DOWN: median {deaths[len(deaths) // 2]:.1f} ms, worst {deaths[-1]:.1f} ms "
          f"(target <= {TARGET_DEATH_MS:.0f} ms)")
    with tempfile.TemporaryDirectory() as tmp:
        loadgen = os.path.join(tmp, "loadgen")
        subprocess.run(["gcc", "-O2", "-o", loadgen, os.path.join(HERE, "loadgen.c")], check=True)
        one, two = _echo_rate(1, loadgen), _echo_rate(2, loadgen)
    print(f"echo 64 B x{ECHO_CONNS}: --nodes 1 {one:,.0f}/s, --nodes 2 {two:,.0f}/s ({two / one:.2f}x; "
          "the load generator shares the 2 cores: expect about 1 core's worth per node)")
    met = {
        "one-way": ours["one_way_per_s"] >= TARGET_ONE_WAY,
        "rtt p99": ours["p99_us"] / 1000 <= TARGET_P99_MS,
        "death": deaths[-1] <= TARGET_DEATH_MS,
    }
    print("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in met.items()))
    return met


if __name__ == "__main__":
    main()

"""Echo server throughput beside Erlang/OTP and bare asyncio, idle memory, flow control.

The server under test is the acceptor-pool echo of ``examples/echo_server.py`` (8
acceptors, one process per connection, ``{active, once}``), run by ``echo_runner.py`` in
its own OS process. In the same run, beside it:

- (a) the same server in Erlang (``echo_server.erl``, ``erl +S 1 -noshell``), with the same
  acceptors and options: binary, {packet, P}, {active, once}, {reuseaddr, true},
  {backlog, 1024}, and the same ``buffer``: both with {buffer, 65536} and both with the
  default (1460, as inet; no buffer option);
- (b) a bare asyncio Protocol echo on the same kind of loop (``asyncio_echo.py``).

Every server runs pinned to core 0 (``taskset``), the load generator (``loadgen.c``,
compiled with gcc into a temporary directory) to core 1. The generator is closed-loop: each
connection sends one message, waits for the whole echo, repeats, for a fixed window after a
short warm-up. Workloads: raw and {packet, 2}; 64 B and 16 KiB; 1, 50 and 500
connections; and churn (32 loops of connect, one 64 B echo, close). The servers of one
framing run side by side and each workload runs on all of them in turn, so load on the
machine hits them alike; ratios are from the same run.

Then:
- (c) memory: the server's RSS (VmRSS) before and after the generator opens 10,000 idle
  connections (each did one 1-byte echo, so its port and owner process exist): bytes per
  connection, beside the same figure for Erlang and asyncio;
- (d) flow control: a peer writes flat out to an {active, once} socket whose owner takes
  one message every 100 ms; the server's RSS is sampled each second while it pushes.

Targets: >= 1.0x Erlang +S 1 on every workload (equal buffer settings), >= 0.7x the bare
asyncio echo, <= 10 KB per idle connection, RSS flat under a flat-out peer.

Run with ``make bench`` (``python -m tests.bench echo``) or
``python tests/bench/bench_echo.py``. Each figure is the best of two windows taken in
interleaved rounds; ``BENCH_ECHO_SECONDS`` sets the window (default 1).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HOST = "127.0.0.1"
WINDOW_MS = int(float(os.environ.get("BENCH_ECHO_SECONDS", "1")) * 1000)
ROUNDS = 2  # each figure is the best of this many windows, taken in interleaved rounds
WARMUP_MS = 300
SIZES = (64, 16384)
CONNS = (1, 50, 500)
CHURN_SLOTS = 32
BUFFERS = ("65536", "default")
IDLE_CONNS = 10_000
FLOOD_SECONDS = 5
SERVER_CORE = "0"
LOAD_CORE = "1"

TARGET_VS_ERLANG = 1.0
TARGET_VS_ASYNCIO = 0.7
MAX_BYTES_PER_IDLE = 10_000
TIE = 0.95  # a ratio from here to the target is marked "~tie": within this machine's noise
MAX_FLOOD_GROWTH = 2 * 1024 * 1024  # RSS may not grow more than this while the peer pushes


# -- processes ----------------------------------------------------------------------------


def _raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _pin(core: str) -> list[str]:
    return ["taskset", "-c", core] if shutil.which("taskset") else []


def _python() -> str:
    venv = os.path.join(ROOT, ".venv", "bin", "python")
    return venv if os.path.exists(venv) else sys.executable


@dataclass
class Server:
    """A server in its own OS process, pinned to the server core, listening on `port`."""

    name: str
    argv: list[str]
    proc: subprocess.Popen[str] = field(init=False)
    port: int = field(init=False, default=0)

    def start(self) -> Server:
        self.proc = subprocess.Popen(
            _pin(SERVER_CORE) + self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            preexec_fn=_raise_nofile,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("port "):
            self.proc.kill()
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"{self.name} did not start: {line!r} {err[-2000:]}")
        self.port = int(line.split()[1])
        return self

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss(self) -> int:
        """Resident set size in bytes (VmRSS)."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    def cpu_ticks(self) -> int:
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    def settle(self, limit: float = 3.0) -> None:
        """Wait until the server stops using CPU (e.g. closing the last run's connections)."""
        deadline = time.monotonic() + limit
        last = self.cpu_ticks()
        quiet = 0
        while time.monotonic() < deadline and quiet < 2:
            time.sleep(0.05)
            now = self.cpu_ticks()
            quiet = quiet + 1 if now == last else 0
            last = now


def ours(packet: int, buffer: str, slow: bool = False) -> Server:
    runner = os.path.join(HERE, "echo_runner.py")
    argv = [_python(), runner, "slow", buffer] if slow else [_python(), runner, "echo", str(packet), buffer]
    return Server(f"ours packet={packet} buffer={buffer}", argv)


def erlang(packet: int, buffer: str, ebin: str) -> Server:
    argv = ["erl", "+S", "1", "-noshell", "-pa", ebin, "-run", "echo_server", "main", "0", str(packet), buffer]
    return Server(f"erlang packet={packet} buffer={buffer}", argv)


def bare_asyncio(packet: int) -> Server:
    return Server(f"asyncio packet={packet}", [_python(), os.path.join(HERE, "asyncio_echo.py"), str(packet)])


def build(tmp: str) -> tuple[str, str | None]:
    """Compile the load generator and (when Erlang is installed) the Erlang server."""
    loadgen = os.path.join(tmp, "loadgen")
    subprocess.run(
        ["gcc", "-O2", "-o", loadgen, os.path.join(HERE, "loadgen.c")], check=True, capture_output=True
    )
    if shutil.which("erlc") and shutil.which("erl"):
        subprocess.run(["erlc", "-o", tmp, os.path.join(HERE, "echo_server.erl")], check=True)
        return loadgen, tmp
    return loadgen, None


def _parse(out: str) -> dict[str, str]:
    return dict(kv.split("=", 1) for kv in out.split() if "=" in kv)


def generate(loadgen: str, server: Server, mode: str, conns: int, size: int, packet: int) -> tuple[float, float]:
    """One closed-loop run against `server`: round trips (or churn cycles) per second, and
    the server's CPU time (user + system) per round trip in microseconds."""
    server.settle()
    ticks = server.cpu_ticks()
    t0 = time.monotonic()
    argv = _pin(LOAD_CORE) + [
        loadgen, mode, HOST, str(server.port), str(conns), str(size), str(packet), str(WARMUP_MS), str(WINDOW_MS),
    ]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60 + WINDOW_MS / 1000)
    if r.returncode != 0 or not server.alive():
        raise RuntimeError(f"loadgen against {server.name} failed: {r.stdout} {r.stderr}")
    # the CPU time of the whole run (connect, warm-up, window) over its round trips
    cpu = (server.cpu_ticks() - ticks) / os.sysconf("SC_CLK_TCK")
    rate = float(_parse(r.stdout)["rate"])
    total = rate * (time.monotonic() - t0)  # the warm-up runs at about the window's rate
    return rate, 1e6 * cpu / max(total, 1.0)


# -- (a), (b): throughput -----------------------------------------------------------------


@dataclass
class Row:
    workload: str
    buffer: str
    ours: float
    erlang: float | None
    asyncio: float
    cpu: tuple[float, float | None, float]  # server CPU us per round trip: ours, Erlang, asyncio

    def ratios(self) -> tuple[float | None, float]:
        return (self.ours / self.erlang if self.erlang else None), self.ours / self.asyncio

    def met(self) -> bool:
        vs_erl, vs_aio = self.ratios()
        return (vs_erl is None or vs_erl >= TARGET_VS_ERLANG) and vs_aio >= TARGET_VS_ASYNCIO


def workloads() -> list[tuple[str, str, int, int]]:
    """(label, mode, connections, size) for one framing."""
    out = [(f"{_size(s)} x{c}", "echo", c, s) for s in SIZES for c in CONNS]
    out.append((f"churn {_size(64)} x{CHURN_SLOTS}", "churn", CHURN_SLOTS, 64))
    return out


def _size(n: int) -> str:
    return f"{n // 1024} KiB" if n >= 1024 else f"{n} B"


def throughput(loadgen: str, ebin: str | None) -> list[Row]:
    rows: list[Row] = []
    for packet in (0, 2):
        servers: dict[tuple[str, str], Server] = {}
        try:
            for buffer in BUFFERS:
                servers[("ours", buffer)] = ours(packet, buffer).start()
                if ebin is not None:
                    servers[("erlang", buffer)] = erlang(packet, buffer, ebin).start()
            servers[("asyncio", "")] = bare_asyncio(packet).start()
            frame = "raw" if packet == 0 else "{packet,2}"
            for label, mode, conns, size in workloads():
                best: dict[tuple[str, str], tuple[float, float]] = {}
                for _ in range(ROUNDS):
                    for key, server in servers.items():
                        got = generate(loadgen, server, mode, conns, size, packet)
                        best[key] = max(best.get(key, (0.0, 0.0)), got)
                for buffer in BUFFERS:
                    o, e, a = best[("ours", buffer)], best.get(("erlang", buffer)), best[("asyncio", "")]
                    row = Row(
                        f"{frame} {label}", buffer, o[0], e[0] if e else None, a[0],
                        (o[1], e[1] if e else None, a[1]),
                    )
                    rows.append(row)
                    _print_row(row)
        finally:
            for s in servers.values():
                s.stop()
    return rows


HEADER = (
    f"  {'workload':<26} {'buffer':>7} {'ours':>9} {'Erlang':>9} {'asyncio':>9}"
    f" {'vs Erl':>7} {'vs aio':>7}  {'CPU us/op ours/Erl/aio':<22}  target"
)


def _print_row(row: Row) -> None:
    vs_erl, vs_aio = row.ratios()
    erl = f"{row.erlang:>9,.0f}" if row.erlang is not None else f"{'n/a':>9}"
    ve = f"{vs_erl:>6.2f}x" if vs_erl is not None else f"{'n/a':>7}"
    verdict = "met" if row.met() else "MISSED"
    if not row.met():
        why = []
        if vs_erl is not None and vs_erl < TARGET_VS_ERLANG:
            why.append("Erl")
        if vs_aio < TARGET_VS_ASYNCIO:
            why.append("aio")
        verdict += f" ({'+'.join(why)})"
    if vs_erl is not None and TIE <= vs_erl < TARGET_VS_ERLANG:
        verdict += " ~tie"
    oc, ec, ac = row.cpu
    cpu = f"{oc:.1f}/{ec:.1f}/{ac:.1f}" if ec is not None else f"{oc:.1f}/-/{ac:.1f}"
    print(
        f"  {row.workload:<26} {row.buffer:>7} {row.ours:>9,.0f} {erl} {row.asyncio:>9,.0f}"
        f" {ve} {vs_aio:>6.2f}x  {cpu:<22}  {verdict}",
        flush=True,
    )


# -- (c): idle connections ----------------------------------------------------------------


def idle_bytes(loadgen: str, server: Server) -> tuple[float, int]:
    """RSS growth per connection while the generator holds IDLE_CONNS idle connections."""
    # warm the server up (first connections allocate lasting structures), then measure
    generate(loadgen, server, "churn", 8, 64, 0)
    server.settle()
    before = server.rss()
    gen = subprocess.Popen(
        _pin(LOAD_CORE) + [loadgen, "idle", HOST, str(server.port), str(IDLE_CONNS)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert gen.stdout is not None and gen.stdin is not None
        line = gen.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError(f"idle loadgen failed: {line!r}")
        server.settle()
        after = server.rss()
        gen.stdin.write("done\n")
        gen.stdin.flush()
        gen.wait(30)
    finally:
        if gen.poll() is None:
            gen.kill()
            gen.wait()
    return (after - before) / IDLE_CONNS, after - before


# -- (d): flow control --------------------------------------------------------------------


def flood(loadgen: str) -> tuple[list[int], list[int], bool]:
    """RSS samples (before, then each second) of a slow {active, once} reader under a
    flat-out peer, and the bytes the peer got into the kernel each second."""
    server = ours(0, "default", slow=True).start()
    try:
        time.sleep(0.3)
        samples = [server.rss()]
        gen = subprocess.Popen(
            _pin(LOAD_CORE) + [loadgen, "flood", HOST, str(server.port), str(FLOOD_SECONDS * 1000)],
            stdout=subprocess.PIPE,
            text=True,
        )
        t0 = time.monotonic()
        for i in range(1, FLOOD_SECONDS + 1):
            time.sleep(max(0.0, t0 + i - 0.05 - time.monotonic()))
            samples.append(server.rss())
        out, _ = gen.communicate(timeout=30)
        sent = [int(x) for x in _parse(out)["sent_per_s"].split(",") if x]
        return samples, sent, server.alive()
    finally:
        server.stop()


# -- report -------------------------------------------------------------------------------


def main() -> dict[str, bool]:
    _raise_nofile()
    met: dict[str, bool] = {}
    with tempfile.TemporaryDirectory(prefix="bench_echo_") as tmp:
        loadgen, ebin = build(tmp)
        pinned = "server on core 0, load generator on core 1" if shutil.which("taskset") else "unpinned"
        print(
            f"echo servers, round trips/s (churn: connections/s); best of {ROUNDS} interleaved "
            f"{WINDOW_MS / 1000:g} s windows after {WARMUP_MS} ms warm-up; {pinned}"
        )
        print("  ours: examples/echo_server.py acceptors (8), {active, once}, own OS process (uvloop)")
        print("  Erlang: same server, erl +S 1 -noshell" + ("" if ebin else " -- NOT INSTALLED, skipped"))
        print("  asyncio: bare Protocol echo, uvloop, own OS process (no buffer option: same figure in both rows)")
        print("  CPU us/op: server CPU time (user + system) per round trip; tells servers apart where the\n"
              "  generator or the kernel bounds the rate (x1 latency, churn); ~tie: within 5% of the target")
        print(HEADER, flush=True)
        rows = throughput(loadgen, ebin)
        missed = [r for r in rows if not r.met()]
        met["vs Erlang"] = all((r.ratios()[0] or TARGET_VS_ERLANG) >= TARGET_VS_ERLANG for r in rows)
        met["vs asyncio"] = all(r.ratios()[1] >= TARGET_VS_ASYNCIO for r in rows)
        print(
            f"  throughput targets (>= {TARGET_VS_ERLANG}x Erlang, >= {TARGET_VS_ASYNCIO}x asyncio): "
            f"{len(rows) - len(missed)}/{len(rows)} rows met"
        )

        print(f"memory per idle connection ({IDLE_CONNS:,} held open, RSS delta of the server process)")
        candidates: list[tuple[str, Callable[[], Server]]] = [
            ("ours: port + owner process", lambda: ours(0, "default"))
        ]
        if ebin is not None:
            candidates.append(("Erlang: port + process", lambda: erlang(0, "default", ebin)))
        candidates.append(("asyncio: transport + protocol", lambda: bare_asyncio(0)))
        for label, make in candidates:
            server = make().start()
            try:
                per, total = idle_bytes(loadgen, server)
            finally:
                server.stop()
            print(f"  {label:<32} {per:>9,.0f} B/conn  ({total / 1e6:,.1f} MB for {IDLE_CONNS:,})")
            if label.startswith("ours"):
                met["idle memory"] = per <= MAX_BYTES_PER_IDLE
                print(f"  ours = {per:,.0f} B (target <= {MAX_BYTES_PER_IDLE:,} B)")

        samples, sent, alive = flood(loadgen)
        growth = max(samples) - samples[0]
        met["flow control"] = alive and growth <= MAX_FLOOD_GROWTH
        print(
            "flow control: a peer writing flat out to an {active, once} socket whose owner "
            "takes one message per 100 ms"
        )
        print("  server RSS (MB), before then each second: " + ", ".join(f"{s / 1e6:.1f}" for s in samples))
        print("  bytes the peer got into the kernel, each second: " + ", ".join(f"{b:,}" for b in sent))
        print(
            f"  RSS growth {growth / 1e6:.2f} MB while the peer pushed {sum(sent) / 1e6:.1f} MB "
            f"(target: flat, <= {MAX_FLOOD_GROWTH / 1e6:.1f} MB)"
        )
    print("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in met.items()))
    return met


if __name__ == "__main__":
    if __package__ in (None, ""):
        sys.path.insert(0, ROOT)
    main()

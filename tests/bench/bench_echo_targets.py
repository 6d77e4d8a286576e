"""Issue 11's echo targets, measured long enough to tell a few percent apart.

Two workloads of ``bench_echo.py``'s servers and load generator, each its own OS process
pinned as there (server on core 0, generator on core 1), all in the same run:

- raw 64 B, 50 connections: ours (``{active, once}``, default buffer) against Erlang's
  same server on ``erl +S 1`` (target >= 1.3x) and a bare asyncio Protocol echo on
  uvloop (target >= 0.8x);
- ``{packet, 2}`` 1 KiB, 50 connections: ours against a bare asyncio Protocol that
  de-frames the packets of each read and writes each back framed (target >= 0.8x), with
  Erlang's figure beside it.

Each figure is the best of ROUNDS windows of WINDOW seconds taken in interleaved rounds
(ours, Erlang, asyncio, ours, ...), so load on the shared machine hits all alike; the
server CPU per round trip is printed too, since it is what the Python code costs. Run
with ``python -m tests.bench echo_targets`` (part of ``make bench``);
``BENCH_TARGET_ROUNDS`` and ``BENCH_TARGET_SECONDS`` change the rounds and the window.
"""

from __future__ import annotations

import os
import tempfile

from tests.bench import bench_echo as echo

ROUNDS = int(os.environ.get("BENCH_TARGET_ROUNDS", "5"))
WINDOW_MS = int(float(os.environ.get("BENCH_TARGET_SECONDS", "2")) * 1000)
CONNS = 50

# (label, packet, size, target vs asyncio, target vs Erlang or None)
TARGETS = [
    ("raw 64 B x50", 0, 64, 0.8, 1.3),
    ("{packet,2} 1 KiB x50", 2, 1024, 0.8, None),
]


def _measure(loadgen: str, servers: dict[str, echo.Server], size: int, packet: int) -> dict[str, tuple[float, float]]:
    best: dict[str, tuple[float, float]] = {}
    saved = echo.WINDOW_MS
    echo.WINDOW_MS = WINDOW_MS
    try:
        for _ in range(ROUNDS):
            for name, server in servers.items():
                got = echo.generate(loadgen, server, "echo", CONNS, size, packet)
                best[name] = max(best.get(name, (0.0, 0.0)), got)
    finally:
        echo.WINDOW_MS = saved
    return best


def main() -> dict[str, bool]:
    echo._raise_nofile()
    met: dict[str, bool] = {}
    print(
        f"issue 11's echo targets: round trips/s, best of {ROUNDS} interleaved {WINDOW_MS / 1000:g} s "
        f"windows; server CPU us per round trip in brackets"
    )
    with tempfile.TemporaryDirectory(prefix="bench_echo_targets_") as tmp:
        loadgen, ebin = echo.build(tmp)
        for label, packet, size, vs_aio_target, vs_erl_target in TARGETS:
            servers = {"ours": echo.ours(packet, "default")}
            if ebin is not None:
                servers["Erlang"] = echo.erlang(packet, "default", ebin)
            servers["asyncio"] = echo.bare_asyncio(packet)
            try:
                for s in servers.values():
                    s.start()
                best = _measure(loadgen, servers, size, packet)
            finally:
                for s in servers.values():
                    if hasattr(s, "proc"):
                        s.stop()
            ours, ours_cpu = best["ours"]
            cells = "  ".join(f"{n} {r:,.0f} [{c:.1f}]" for n, (r, c) in best.items())
            print(f"  {label:<22} {cells}")
            vs_aio = ours / best["asyncio"][0]
            ok = vs_aio >= vs_aio_target
            verdict = f"vs asyncio {vs_aio:.2f}x (target >= {vs_aio_target}x)"
            if "Erlang" in best:
                vs_erl = ours / best["Erlang"][0]
                if vs_erl_target is not None:
                    ok = ok and vs_erl >= vs_erl_target
                    verdict += f", vs Erlang {vs_erl:.2f}x (target >= {vs_erl_target}x)"
                else:
                    verdict += f", vs Erlang {vs_erl:.2f}x"
            print(f"  {'':<22} {verdict}: {'met' if ok else 'MISSED'}")
            met[label] = ok
    print("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in met.items()))
    return met


if __name__ == "__main__":
    main()

"""The project's side of bench_echo.py: the acceptor-pool echo server of
``examples/echo_server.py`` (8 acceptors, one process per connection) in its own OS process.

    python tests/bench/echo_runner.py echo PACKET BUFFER [--profile FILE]
    python tests/bench/echo_runner.py slow BUFFER

``echo`` listens with the options the Erlang server of the bench uses (binary,
{packet, PACKET}, {active, once}, {reuseaddr, true}, {backlog, 1024} and {buffer, BUFFER}
unless BUFFER is ``default``) and starts the example's acceptors. ``slow`` accepts one
connection, {active, once}, and takes one message every 100 ms: a slowly reading owner,
for the flow-control check. Both print ``port N`` and serve until SIGTERM (which, with
``--profile``, writes cProfile statistics to FILE first).
"""

from __future__ import annotations

import importlib.util
import os
import resource
import signal
import sys
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if __package__ in (None, ""):
    sys.path.insert(0, ROOT)

import actors  # noqa: E402
import gen_tcp  # noqa: E402
from gen_tcp import inet  # noqa: E402

ACCEPTORS = 8


def _example() -> Any:
    path = os.path.join(ROOT, "examples", "echo_server.py")
    spec = importlib.util.spec_from_file_location("echo_server_example", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _options(packet: int, buffer: str) -> list[Any]:
    opts: list[Any] = [
        "binary", ("packet", packet), ("active", "once"), ("reuseaddr", True), ("backlog", 1024),
    ]
    if buffer != "default":
        opts.append(("buffer", int(buffer)))
    return opts


async def echo(packet: int, buffer: str) -> None:
    example = _example()
    ok, ls = await gen_tcp.listen(0, _options(packet, buffer))
    assert ok == "ok", ls
    for _ in range(ACCEPTORS):
        actors.spawn(example.acceptor, ls, "once")
    _, port = await inet.port(ls)
    print(f"port {port}", flush=True)
    await actors.receive()


async def slow(buffer: str) -> None:
    ok, ls = await gen_tcp.listen(0, _options(0, buffer))
    assert ok == "ok", ls
    _, port = await inet.port(ls)
    print(f"port {port}", flush=True)
    ok, s = await gen_tcp.accept(ls)
    assert ok == "ok", s
    while True:
        msg = await actors.receive(("tcp", s, actors.ANY), ("tcp_closed", s), ("tcp_error", s, actors.ANY))
        if msg[0] != "tcp":
            await gen_tcp.close(s)
            await actors.receive()
        await actors.sleep(100)
        await inet.setopts(s, [("active", "once")])


def main(argv: list[str]) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    profile_file = None
    if "--profile" in argv:
        i = argv.index("--profile")
        profile_file = argv[i + 1]
        del argv[i : i + 2]
    profiler = None
    if profile_file:
        import cProfile

        profiler = cProfile.Profile()

    def stop(signum: int, frame: Any) -> None:
        if profiler is not None and profile_file is not None:
            profiler.disable()
            profiler.dump_stats(profile_file)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    if profiler is not None:
        profiler.enable()
    if argv[0] == "echo":
        actors.run(echo, int(argv[1]), argv[2])
    else:
        actors.run(slow, argv[1])


if __name__ == "__main__":
    main(sys.argv[1:])

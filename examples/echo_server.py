"""An echo server built as Erlang builds one: an acceptor pool, one process per connection.

    python examples/echo_server.py --port 5678 --acceptors 8 --packet 0 --active once

Each acceptor blocks in ``gen_tcp.accept`` on the shared listen socket; when it gets a
connection it spawns a fresh acceptor to take its place and serves the connection
itself, echoing every packet back. Flags choose the framing (``--packet``), the active
mode (``--active``) and the ``buffer`` option.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import structlog

import actors
import gen_tcp
from gen_tcp import inet

log = structlog.get_logger("echo_server")


def _active(value: str) -> Any:
    if value in ("once", "true"):
        return "once" if value == "once" else True
    n = int(value)
    if not 1 <= n <= 32767:
        raise argparse.ArgumentTypeError("--active N needs 1..32767")
    return n


def _packet(value: str) -> Any:
    if value == "line":
        return "line"
    n = int(value)
    if n not in (0, 1, 2, 4):
        raise argparse.ArgumentTypeError("--packet is one of 0, 1, 2, 4, line")
    return n


async def serve(sock: Any, active: Any) -> None:
    """Echo every packet on `sock` until the peer closes it."""
    refill = active if active is not True else None
    while True:
        msg = await actors.receive(
            ("tcp", sock, actors.ANY), ("tcp_closed", sock), ("tcp_error", sock, actors.ANY),
            ("tcp_passive", sock),
        )
        tag = msg[0]
        if tag == "tcp":
            await gen_tcp.send(sock, msg[2])
            if refill == "once":
                await inet.setopts(sock, [("active", "once")])
        elif tag == "tcp_passive":
            await inet.setopts(sock, [("active", refill)])
        else:
            await gen_tcp.close(sock)
            return


async def acceptor(listen_sock: Any, active: Any) -> None:
    """Accept one connection, hand the pool a replacement acceptor, serve it."""
    result = await gen_tcp.accept(listen_sock)
    if result[0] != "ok":
        log.info("acceptor_stopped", reason=result[1])
        return
    actors.spawn(acceptor, listen_sock, active)
    await serve(result[1], active)


async def start(port: int, acceptors: int, packet: Any, active: Any, buffer: int | None) -> Any:
    """Listen on `port` and start `acceptors` acceptor processes; returns the listen socket."""
    opts: list[Any] = ["binary", ("packet", packet), ("active", active), ("reuseaddr", True)]
    if buffer is not None:
        opts.append(("buffer", buffer))
    ok, ls = await gen_tcp.listen(port, opts)
    if ok != "ok":
        raise SystemExit(f"listen failed: {inet.format_error(ls)}")
    for _ in range(acceptors):
        actors.spawn(acceptor, ls, active)
    return ls


async def main(args: argparse.Namespace) -> None:
    ls = await start(args.port, args.acceptors, args.packet, args.active, args.buffer)
    _, port = await inet.port(ls)
    print(f"echo server on port {port}: {args.acceptors} acceptors, packet {args.packet}, "
          f"active {args.active}", flush=True)
    if args.packet == 0:
        print(f"try it: nc localhost {port}", flush=True)
    await actors.receive()  # serve until interrupted (the listen socket dies with us)


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=5678)
    p.add_argument("--acceptors", type=int, default=8)
    p.add_argument("--packet", type=_packet, default=0, help="0, 1, 2, 4 or line")
    p.add_argument("--active", type=_active, default="once", help="once, true or N")
    p.add_argument("--buffer", type=int, default=None, help="the buffer option, in bytes")
    return p.parse_args(argv)


if __name__ == "__main__":
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    try:
        actors.run(main, parse(sys.argv[1:]))
    except KeyboardInterrupt:
        pass

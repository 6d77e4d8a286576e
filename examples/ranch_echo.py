"""An echo server on the supervised listener, gen_tcp.ranch (Ranch 2's API).

    python examples/ranch_echo.py --port 5678 --acceptors 8 --packet 0 --active once

The listener is a supervision tree: kill an acceptor or a connection and watch it with
``supervisor.which_children`` or ``ranch.info("echo")``. Each connection is a process of
the `Echo` protocol: it takes its socket with ``ranch.handshake``, sets the framing
(``--packet``) and the active mode (``--active``) and echoes every packet back.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

import structlog

import actors
from gen_tcp import inet, ranch

log = structlog.get_logger("ranch_echo")


class Echo:
    """The ranch protocol: one process per connection."""

    def __init__(self, packet: Any = 0, active: Any = "once") -> None:
        self.packet, self.active = packet, active

    def __repr__(self) -> str:
        return "echo_protocol"

    def start_link(self, ref: Any, transport: Any, opts: Any) -> Any:
        return ("ok", actors.spawn_link(self.serve, ref, transport))

    async def serve(self, ref: Any, transport: Any) -> None:
        """Take the socket, then echo every packet until the peer closes."""
        ok, sock = await ranch.handshake(ref)
        active = self.active
        await transport.setopts(sock, [("packet", self.packet), ("active", active)])
        send, setopts = transport.send, transport.setopts
        data_tag, closed_tag, error_tag, passive_tag = transport.messages()
        refill = active if active is not True else None
        while True:
            msg = await actors.receive(
                (data_tag, sock, actors.ANY), (closed_tag, sock), (error_tag, sock, actors.ANY), (passive_tag, sock),
            )
            tag = msg[0]
            if tag == data_tag:
                await send(sock, msg[2])
                if refill == "once":
                    await setopts(sock, [("active", "once")])
            elif tag == passive_tag:
                await setopts(sock, [("active", refill)])
            else:
                await transport.close(sock)
                return


async def start(port: int, acceptors: int, packet: Any = 0, active: Any = "once", max_connections: Any = 1024) -> Any:
    """Start the listener ``echo``: ``("ok", listener_sup_pid)`` or ``("error", reason)``."""
    opts = {"socket_opts": [("port", port)], "num_acceptors": acceptors, "max_connections": max_connections}
    return await ranch.start_listener("echo", ranch.tcp, opts, Echo(packet, active), [])


async def serve_forever(args: argparse.Namespace) -> str | None:
    """Start the listener and serve until interrupted; an error line if it cannot start."""
    ok, sup = await start(args.port, args.acceptors, args.packet, args.active, args.max_connections)
    if ok != "ok":
        reason = sup[2] if isinstance(sup, tuple) and len(sup) == 3 and sup[0] == "listen_error" else sup
        text = inet.format_error(reason) if isinstance(reason, str) else actors.format_term(reason)
        return f"cannot listen on port {args.port}: {text} ({actors.format_term(reason)})"
    print(f"ranch echo on port {ranch.get_port('echo')}: {args.acceptors} acceptors, packet {args.packet}, "
          f"active {args.active}, max_connections {args.max_connections}; listener {sup!r}", flush=True)
    print("watch it from `make shell`: gen_tcp.ranch.info(), supervisor.which_children(...)", flush=True)
    await actors.receive()  # serve until interrupted
    return None


def _active(value: str) -> Any:
    return {"once": "once", "true": True}.get(value) or int(value)


def _packet(value: str) -> Any:
    return "line" if value == "line" else int(value)


def _max(value: str) -> Any:
    return "infinity" if value == "infinity" else int(value)


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is not in 0..65535")
    return port


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, not the usage block
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def parse(argv: list[str]) -> argparse.Namespace:
    p = _Parser(prog="ranch_echo", description=__doc__.splitlines()[0])
    p.add_argument("--port", type=_port, default=5678)
    p.add_argument("--acceptors", type=int, default=8)
    p.add_argument("--packet", type=_packet, default=0, help="0, 1, 2, 4 or line")
    p.add_argument("--active", type=_active, default="once", help="once, true or N")
    p.add_argument("--max-connections", type=_max, default=1024, help="a number or infinity")
    p.add_argument("--verbose", action="store_true", help="also print the supervisors' progress reports")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the listener from the command line; the exit status."""
    args = parse(sys.argv[1:] if argv is None else argv)
    if not structlog.is_configured():
        level = logging.INFO if args.verbose else logging.WARNING
        structlog.configure(
            logger_factory=structlog.PrintLoggerFactory(sys.stderr),
            wrapper_class=structlog.make_filtering_bound_logger(level),
        )
    try:
        error = actors.run(serve_forever, args)
    except KeyboardInterrupt:
        return 130
    if error is not None:
        print(f"ranch_echo: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

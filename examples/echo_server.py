"""An echo server built as Erlang builds one: an acceptor pool, one process per connection.

    python examples/echo_server.py --port 5678 --acceptors 8 --packet 0 --active once
    python -m erlports_examples.echo_server --port 5678     # after pip install erlports
    erlports-echo-server --port 5678                        # the same, as a console script

Each acceptor blocks in ``gen_tcp.accept`` on the shared listen socket; when it gets a
connection it spawns a fresh acceptor to take its place and serves the connection
itself, echoing every packet back. Flags choose the framing (``--packet``), the active
mode (``--active``) and the ``buffer`` option.

``--nodes N`` serves the port from N nodes, one OS process (so one core) each: this node
listens and starts N-1 peer nodes (`actors.peer`), hands each the listen socket's file
descriptor, and each runs its own acceptors on it (``gen_tcp.listen(0, [("fd", Fd)])``).
The kernel spreads the connections over the nodes. A peer node that dies is started
again by this one; only its connections are lost.

A port that cannot be listened on (taken, or out of range) ends the program with one
line on stderr and exit status 1 (2 for a bad flag); Ctrl-C stops it quietly (status
130): the node kills every process and closes every socket.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

import structlog

import actors
import gen_tcp
from actors import peer
from gen_tcp import inet

log = structlog.get_logger("echo_server")


class ListenError(Exception):
    """`start` could not listen: ``reason`` is the error term (``eaddrinuse``...)."""

    def __init__(self, port: int, reason: Any) -> None:
        super().__init__(f"cannot listen on port {port}: {inet.format_error(reason)} ({reason})")
        self.reason = reason


def _int(value: str, flag: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None


def _port(value: str) -> int:
    n = _int(value, "--port")
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"{n} is not a TCP port (0..65535; 0 picks a free one)")
    return n


def _count(value: str) -> int:
    n = _int(value, "--acceptors")
    if n < 1:
        raise argparse.ArgumentTypeError("--acceptors needs at least 1")
    return n


def _nodes(value: str) -> int:
    n = _int(value, "--nodes")
    if n < 1:
        raise argparse.ArgumentTypeError("--nodes needs at least 1")
    return n


def _active(value: str) -> Any:
    if value in ("once", "true"):
        return "once" if value == "once" else True
    n = _int(value, "--active")
    if not 1 <= n <= 32767:
        raise argparse.ArgumentTypeError("--active N needs 1..32767")
    return n


def _packet(value: str) -> Any:
    if value == "line":
        return "line"
    n = _int(value, "--packet")
    if n not in (0, 1, 2, 4):
        raise argparse.ArgumentTypeError("--packet is one of 0, 1, 2, 4, line")
    return n


async def serve(sock: Any, active: Any) -> None:
    """Echo every packet on `sock` until the peer closes it."""
    refill = active if active is not True else None
    # the patterns name this socket: built once per connection, as Erlang compiles its own
    patterns = (
        ("tcp", sock, actors.ANY), ("tcp_closed", sock), ("tcp_error", sock, actors.ANY),
        ("tcp_passive", sock),
    )
    while True:
        msg = await actors.receive(*patterns)
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
        if result[1] != "closed":  # closed: the server is stopping
            log.warning("acceptor_stopped", reason=result[1])
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
        raise ListenError(port, ls)
    for _ in range(acceptors):
        actors.spawn(acceptor, ls, active)
    return ls


async def serve_on_fd(fd: int, acceptors: int, packet: Any, active: Any, buffer: int | None) -> None:
    """On a peer node: listen on the inherited descriptor `fd`, run the acceptors, and
    own the listen socket for as long as the node runs."""
    opts: list[Any] = ["binary", ("packet", packet), ("active", active), ("fd", fd)]
    if buffer is not None:
        opts.append(("buffer", buffer))
    ok, ls = await gen_tcp.listen(0, opts)
    if ok != "ok":
        raise actors.ErlangError(("listen_failed", ls), "exit")
    for _ in range(acceptors):
        actors.spawn(acceptor, ls, active)
    await actors.receive("$never")


def _peer_entry() -> Any:
    """`serve_on_fd` by a name a peer node can import (this file may run as __main__)."""
    if __name__ != "__main__":
        return serve_on_fd
    try:
        from erlports_examples import echo_server
    except ImportError:
        raise SystemExit("echo_server: --nodes needs the package installed (pip install -e .)")
    return echo_server.serve_on_fd


async def keep_peer(fd: int, args: argparse.Namespace) -> None:
    """Run one peer node serving the listen socket `fd`; start it again when it dies."""
    entry = _peer_entry()
    name = peer.random_name("echo")
    while True:
        started = await peer.start(name, pass_fds=[fd])
        if started[0] != "ok":
            log.error("peer_start_failed", reason=started[1])
            raise actors.ErlangError(("peer_start_failed", started[1]), "exit")
        _, control, node = started
        watch = actors.monitor("process", control)
        await actors.spawn(node, entry, fd, args.acceptors, args.packet, args.active, args.buffer)
        print(f"node {node} serves with {args.acceptors} acceptors", flush=True)
        down = await actors.receive(("DOWN", watch, actors.ANY, actors.ANY, actors.ANY))
        log.warning("peer_node_down", node=node, reason=down[4], action="restart")


async def serve_forever(args: argparse.Namespace) -> str | None:
    """Start the server and serve until interrupted; an error line if it cannot start."""
    try:
        ls = await start(args.port, args.acceptors, args.packet, args.active, args.buffer)
    except ListenError as e:
        return str(e)
    _, port = await inet.port(ls)
    print(f"echo server on port {port}: {args.acceptors} acceptors, packet {args.packet}, "
          f"active {args.active}", flush=True)
    if args.nodes > 1:
        _, fd = await inet.getfd(ls)
        for _ in range(args.nodes - 1):
            actors.spawn_link(keep_peer, fd, args)
    if args.packet == 0:
        print(f"try it: nc localhost {port}", flush=True)
    await actors.receive()  # serve until interrupted (the listen socket dies with us)
    return None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, not the usage block
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def parse(argv: list[str]) -> argparse.Namespace:
    p = _Parser(prog="echo_server", description=__doc__.splitlines()[0])
    p.add_argument("--port", type=_port, default=5678, help="TCP port, 0 for any free one (default 5678)")
    p.add_argument("--acceptors", type=_count, default=8, help="acceptor processes (default 8)")
    p.add_argument("--packet", type=_packet, default=0, help="framing: 0, 1, 2, 4 or line (default 0)")
    p.add_argument("--active", type=_active, default="once", help="once, true or N (default once)")
    p.add_argument("--buffer", type=int, default=None, help="the buffer option, in bytes")
    p.add_argument("--nodes", type=_nodes, default=1, help="nodes (OS processes) serving the "
                   "port, this one included (default 1)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the server from the command line; the exit status."""
    args = parse(sys.argv[1:] if argv is None else argv)
    if not structlog.is_configured():
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr),
                            wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    name = peer.random_name("echo") if args.nodes > 1 else None
    try:
        error = actors.run(serve_forever, args, name=name)
    except KeyboardInterrupt:
        return 130
    if error is not None:
        print(f"echo_server: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""An HTTP/1.1 server built as Erlang builds one: an acceptor pool on ``{packet, http_bin}``.

    python examples/http_server.py --port 8080 --acceptors 8

Each acceptor blocks in ``gen_tcp.accept`` on the shared listen socket, hands the pool a
fresh acceptor when it gets a connection, and serves that connection itself with
``{active, once}``: the request line and each header arrive as ``http_request``,
``http_header`` and ``http_eoh`` messages. A body (``Content-Length`` > 0) is read with
``{packet, raw}`` and ``recv``, then the socket goes back to ``http_bin``.

``GET /`` answers 200 "Hello world", any other request 404, a line that does not parse
400 (and the connection closes). HTTP/1.1 keeps the connection unless the request says
``Connection: close``; HTTP/1.0 closes it unless the request says ``keep-alive``.
tests/bench/http_server.erl is the same server in Erlang.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Final

import structlog

import actors
import gen_tcp
from gen_tcp import inet

log = structlog.get_logger("http_server")

MAX_BODY: Final = 1 << 20
BODY_TIMEOUT: Final = 30_000
ONCE: Final = [("active", "once")]
TO_RAW: Final = [("packet", "raw")]
TO_HTTP: Final = [("packet", "http_bin")]
BODIES: Final = {
    200: (b"200 OK", b"Hello world"),
    400: (b"400 Bad Request", b"Bad Request"),
    404: (b"404 Not Found", b"Not Found"),
    413: (b"413 Payload Too Large", b"Payload Too Large"),
}
CONNECTION: Final = {"close": b"Connection: close\r\n", "keep-alive": b"Connection: keep-alive\r\n", "": b""}
#: Every response this server sends, ready to go: (status, Connection header) -> bytes.
RESPONSES: Final = {
    (status, conn): b"HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n%s"
    % (line, len(body), header, body)
    for status, (line, body) in BODIES.items()
    for conn, header in CONNECTION.items()
}


async def serve(sock: Any) -> None:
    """Answer requests on `sock` until either side closes the connection."""
    patterns = (("http", sock, actors.ANY), ("tcp_closed", sock), ("tcp_error", sock, actors.ANY))
    receive = actors.receive
    setopts = inet.setopts
    while True:
        # The request line.
        msg = await receive(*patterns)
        if msg[0] != "http":
            await gen_tcp.close(sock)
            return
        packet = msg[2]
        if packet[0] != "http_request":
            await respond(sock, 400, (1, 1), False)
            return
        _, method, uri, version = packet
        keep = version >= (1, 1)
        length = 0
        # The headers, up to http_eoh.
        while True:
            await setopts(sock, ONCE)
            msg = await receive(*patterns)
            if msg[0] != "http":
                await gen_tcp.close(sock)
                return
            packet = msg[2]
            if type(packet) is tuple and packet[0] == "http_header":
                field = packet[2]
                if field == "Connection":
                    keep = keep_alive(packet[4], keep)
                elif field == "Content-Length":
                    n = content_length(packet[4])
                    if n is None:
                        await respond(sock, 400, (1, 1), False)
                        return
                    length = n
            elif packet == "http_eoh":
                break
            else:
                await respond(sock, 400, (1, 1), False)
                return
        if length > MAX_BODY:
            await respond(sock, 413, (1, 1), False)
            return
        if length > 0 and not await read_body(sock, length):
            await gen_tcp.close(sock)
            return
        if method == "GET" and uri == ("abs_path", b"/"):
            ok = await respond(sock, 200, version, keep)
        else:
            ok = await respond(sock, 404, version, keep)
        if not ok:
            return
        await setopts(sock, ONCE)


async def read_body(sock: Any, length: int) -> bool:
    """Read `length` body bytes in raw mode (the socket is passive after http_eoh)."""
    await inet.setopts(sock, TO_RAW)
    result = await gen_tcp.recv(sock, length, BODY_TIMEOUT)
    if result[0] != "ok":
        return False
    await inet.setopts(sock, TO_HTTP)
    return True


async def respond(sock: Any, status: int, version: tuple[int, int], keep: bool) -> bool:
    """Send the response; close the socket unless `keep` (returns `keep`)."""
    conn = "close" if not keep else "keep-alive" if version < (1, 1) else ""
    await gen_tcp.send(sock, RESPONSES[status, conn])
    if not keep:
        await gen_tcp.close(sock)
    return keep


def keep_alive(value: bytes, keep: bool) -> bool:
    """The Connection header: "close" closes, "keep-alive" keeps (tokens in any case)."""
    tokens = [t.strip() for t in value.lower().split(b",")]
    if b"close" in tokens:
        return False
    return keep or b"keep-alive" in tokens


def content_length(value: bytes) -> int | None:
    digits = value.strip()
    return int(digits) if digits.isdigit() else None


async def acceptor(listen_sock: Any) -> None:
    """Accept one connection, hand the pool a replacement acceptor, serve it."""
    result = await gen_tcp.accept(listen_sock)
    if result[0] != "ok":
        log.info("acceptor_stopped", reason=result[1])
        return
    actors.spawn(acceptor, listen_sock)
    await serve(result[1])


async def start(port: int, acceptors: int) -> Any:
    """Listen on `port` and start `acceptors` acceptor processes; returns the listen socket."""
    opts = ["binary", ("packet", "http_bin"), ("active", "once"), ("reuseaddr", True), ("backlog", 1024)]
    ok, ls = await gen_tcp.listen(port, opts)
    if ok != "ok":
        raise SystemExit(f"listen failed: {inet.format_error(ls)}")
    for _ in range(acceptors):
        actors.spawn(acceptor, ls)
    return ls


async def main(args: argparse.Namespace) -> None:
    ls = await start(args.port, args.acceptors)
    _, port = await inet.port(ls)
    print(f"port {port}", flush=True)
    await actors.receive()  # serve until interrupted (the listen socket dies with us)


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    p.add_argument("--acceptors", type=int, default=8)
    return p.parse_args(argv)


if __name__ == "__main__":
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    try:
        actors.run(main, parse(sys.argv[1:]))
    except KeyboardInterrupt:
        pass

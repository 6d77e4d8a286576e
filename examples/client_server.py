"""The manual page's first example: a client sends a binary, a server receives it all.

    python examples/client_server.py

``server()`` listens (binary, {packet, 0}, {active, false}), accepts one connection and
collects everything with ``recv(S, 0)`` until ``{error, closed}``; ``client()`` connects,
sends "Some Data" and closes. Port 0 is used so the example runs anywhere.
"""

from __future__ import annotations

from typing import Any

import actors
import gen_tcp
from gen_tcp import inet


async def client(port: int) -> None:
    ok, sock = await gen_tcp.connect("localhost", port, ["binary", ("packet", 0)])
    assert ok == "ok", sock
    assert await gen_tcp.send(sock, "Some Data") == "ok"
    assert await gen_tcp.close(sock) == "ok"


async def do_recv(sock: Any, chunks: list[bytes]) -> tuple[str, bytes]:
    while True:
        match await gen_tcp.recv(sock, 0):
            case ("ok", data):
                chunks.append(data)
            case ("error", "closed"):
                return ("ok", b"".join(chunks))
            case other:
                raise RuntimeError(other)


async def server() -> bytes:
    ok, lsock = await gen_tcp.listen(0, ["binary", ("packet", 0), ("active", False)])
    _, port = await inet.port(lsock)
    actors.spawn(client, port)
    ok, sock = await gen_tcp.accept(lsock)
    ok, data = await do_recv(sock, [])
    await gen_tcp.close(sock)
    await gen_tcp.close(lsock)
    return data


if __name__ == "__main__":
    print(actors.run(server))

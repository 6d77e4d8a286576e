"""The manual page's acceptor pool: `start(num, lport)` starts `num` workers that all
accept on one listening socket, each serving a connection with {active, once} and
{packet, 2}, then accepting again. Returns the port (useful when `lport` is 0).

    python examples/acceptor_pool.py      # starts a pool and talks to it

`process` (not implemented in the manual) answers here with the data reversed.
"""

from __future__ import annotations

from typing import Any

import actors
import gen_tcp
from gen_tcp import inet


def process(data: Any) -> Any:
    return data[::-1]


async def start(num: int, lport: int) -> Any:
    match await gen_tcp.listen(lport, [("active", False), ("packet", 2)]):
        case ("ok", listen_sock):
            start_servers(num, listen_sock)
            _, port = await inet.port(listen_sock)
            return port
        case ("error", reason):
            return ("error", reason)


def start_servers(num: int, ls: Any) -> None:
    for _ in range(num):
        actors.spawn(server, ls)


async def server(ls: Any) -> None:
    while True:
        match await gen_tcp.accept(ls):
            case ("ok", s):
                await loop(s)
            case other:
                print(f"accept returned {actors.format_term(other)} - goodbye!")
                return


async def loop(s: Any) -> None:
    while True:
        await inet.setopts(s, [("active", "once")])
        match await actors.receive(("tcp", s, actors.ANY), ("tcp_closed", s)):
            case ("tcp", _, data):
                await gen_tcp.send(s, process(data))
            case ("tcp_closed", _):
                print(f"Socket {s!r} closed [{actors.self()!r}]")
                return


async def demo() -> list[Any]:
    from simple_client import client

    port = await start(4, 0)
    answers = [await client(port, msg) for msg in ("hello", "acceptor pool")]
    return answers


if __name__ == "__main__":
    import os
    import sys

    sys.path.insert(0, os.path.dirname(__file__))
    print(actors.run(demo))

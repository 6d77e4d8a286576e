"""The manual page's send_timeout example: a forwarding loop that detects a peer that
stopped reading through {send_timeout, 5000} and gives up on it.

    python examples/send_timeout.py       # a demo against a peer that never reads

Clients send ``(pid, "send_data", data)``; the loop answers ``(self, "data_sent")`` or
``(self, ("error_sending", reason))`` and closes the socket on an error.
"""

from __future__ import annotations

from typing import Any

import actors
import gen_tcp
from gen_tcp import inet


async def forwarder(host: Any, port: int, send_timeout: int = 5000) -> None:
    ok, sock = await gen_tcp.connect(
        host, port, [("active", False), ("send_timeout", send_timeout), ("packet", 2)]
    )
    if ok != "ok":
        raise RuntimeError(sock)
    await loop(sock)


async def loop(sock: Any) -> None:
    while True:
        client, _, data = await actors.receive((actors.Pid, "send_data", actors.ANY))
        match await gen_tcp.send(sock, [data]):
            case ("error", "timeout"):
                print("Send timeout, closing!")
                actors.send(client, (actors.self(), ("error_sending", "timeout")))
                await gen_tcp.close(sock)
                return
            case ("error", other):
                print(f"Some other error on socket ({other}), closing")
                actors.send(client, (actors.self(), ("error_sending", other)))
                await gen_tcp.close(sock)
                return
            case "ok":
                actors.send(client, (actors.self(), "data_sent"))


async def demo() -> Any:
    """A peer that accepts but never reads: the forwarder soon reports a send timeout."""
    ok, ls = await gen_tcp.listen(0, [("active", False), ("recbuf", 4096)])
    _, port = await inet.port(ls)
    fwd, ref = actors.spawn_monitor(forwarder, (127, 0, 0, 1), port, 200)
    ok, peer = await gen_tcp.accept(ls)
    chunk = b"x" * 65536
    sent = 0
    while True:
        actors.send(fwd, (actors.self(), "send_data", chunk))
        _, answer = await actors.receive((fwd, actors.ANY))
        if answer != "data_sent":
            break
        sent += 1
    await actors.receive(("DOWN", ref, "process", fwd, actors.ANY))
    await gen_tcp.close(peer)
    await gen_tcp.close(ls)
    return (sent, answer)


if __name__ == "__main__":
    print(actors.run(demo))

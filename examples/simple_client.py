"""The manual page's simple client: connect with {active, false} and {packet, 2}, send
one message, return the answer of one `recv`.

    python examples/simple_client.py PORT MESSAGE
"""

from __future__ import annotations

import sys
from typing import Any

import actors
import gen_tcp


async def client(port_no: int, message: Any) -> Any:
    ok, sock = await gen_tcp.connect("localhost", port_no, [("active", False), ("packet", 2)])
    if ok != "ok":
        return (ok, sock)
    await gen_tcp.send(sock, message)
    answer = await gen_tcp.recv(sock, 0)
    await gen_tcp.close(sock)
    return answer


if __name__ == "__main__":
    print(actors.run(client, int(sys.argv[1]), sys.argv[2]))

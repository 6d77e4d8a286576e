"""A node-side `Transport` in an OS process of its own, for two-process tests and benchmarks.

``python -m tests.actors.dist_node NAME`` (cookie from ``$ACTORS_COOKIE``) starts the
transport, prints ``ready <private dir>`` and then echoes every frame back to the node that
sent it (except frames starting with ``!``: only ``!done`` of those is echoed, so a sender
can time one-way traffic), until its stdin closes or it is killed.
"""

from __future__ import annotations

import asyncio
import sys

import structlog

from actors._dist.transport import Transport, read_cookie


class Echo:
    def __init__(self) -> None:
        self.transport: Transport | None = None

    def frame(self, node: str, payload: bytes) -> None:
        assert self.transport is not None
        if payload[:1] != b"!" or payload == b"!done":
            self.transport.send(node, payload)

    def nodeup(self, node: str) -> None:
        pass

    def nodedown(self, node: str, reason: str) -> None:
        pass


async def main(name: str) -> None:
    echo = Echo()
    transport = echo.transport = await Transport.start(name, read_cookie(None), echo)
    print("ready", transport._dir, flush=True)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.create_future()
    loop.add_reader(sys.stdin.fileno(), lambda: stdin_closed.done() or stdin_closed.set_result(None))
    await stdin_closed
    loop.remove_reader(sys.stdin.fileno())
    await transport.close()


if __name__ == "__main__":
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    asyncio.run(main(sys.argv[1]))

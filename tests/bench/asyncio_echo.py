"""The baseline of bench_echo.py: a bare asyncio Protocol echo server on the same kind of
loop as the project's node (uvloop when installed), in its own OS process.

    python tests/bench/asyncio_echo.py PACKET     (PACKET 0: raw, 2: {packet, 2})

Listens on an ephemeral port of 127.0.0.1, prints ``port N``, serves until killed. With
{packet, 2} it decodes the frames of each read and writes each packet back framed.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from actors import new_event_loop  # noqa: E402


class RawEcho(asyncio.Protocol):
    __slots__ = ("transport",)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)  # type: ignore[attr-defined]


class Packet2Echo(asyncio.Protocol):
    __slots__ = ("transport", "buf")

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buf = bytearray()

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        n = len(buf)
        i = 0
        out = []
        while n - i >= 2:
            size = (buf[i] << 8) | buf[i + 1]
            end = i + 2 + size
            if end > n:
                break
            payload = bytes(buf[i + 2 : end])
            out.append(size.to_bytes(2, "big") + payload)
            i = end
        if i:
            del buf[:i]
            self.transport.writelines(out)  # type: ignore[attr-defined]


async def main(packet: int) -> None:
    loop = asyncio.get_running_loop()
    proto = RawEcho if packet == 0 else Packet2Echo
    server = await loop.create_server(proto, "127.0.0.1", 0, backlog=1024, reuse_address=True)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    loop = new_event_loop()
    try:
        loop.run_until_complete(main(int(sys.argv[1])))
    except KeyboardInterrupt:
        pass

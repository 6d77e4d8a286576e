"""A connected OS socket becomes a `TcpSocket` port: the I/O strategy its backend uses."""

from __future__ import annotations

import socket
from typing import Any

from actors.runtime import Node, Pid

from .atoms import ERROR
from ._backend import Backend
from ._conn import TcpSocket
from ._errors import reason_from_oserror
from ._io_ready import ReadyIO
from ._io_transport import TransportIO

__all__ = ["attach"]


async def attach(
    node: Node,
    owner: Pid,
    sock: socket.socket,
    opts: dict[str, Any],
    family: str,
    backend: Backend,
    sockopts: list[Any],
) -> Any:
    """A port owned by `owner` over the connected non-blocking `sock`, reading: the
    `TcpSocket`, or ``("error", reason)`` (the socket is closed then)."""
    io: TransportIO | ReadyIO = TransportIO(sock) if backend.queued_send else ReadyIO(sock)
    port = TcpSocket(node, owner, io, opts, family, backend)
    try:
        await io.start(sockopts)
    except OSError as e:
        port.close()
        return (ERROR, reason_from_oserror(e))
    except BaseException:
        port.close()
        raise
    return port

"""Port actors: sockets owned by processes, the packet codec, the option table.

A port (`Port`, printed ``#Port<0.5>``) is an entity of a node with a connected process
(its owner) and a link to it. `TcpSocket` and `TcpListen` are the TCP ports behind
`gen_tcp`; `decode_packet` is ``erlang:decode_packet/3``.
"""

from __future__ import annotations

from ._packet import decode_packet
from ._port import Port, PortActor
from ._tcp import TcpListen, TcpSocket, ports_of
from ._tcp_socket import SocketHandle, SocketTcpListen, SocketTcpSocket

__all__ = [
    "decode_packet",
    "Port",
    "PortActor",
    "SocketHandle",
    "SocketTcpListen",
    "SocketTcpSocket",
    "TcpListen",
    "TcpSocket",
    "ports_of",
]

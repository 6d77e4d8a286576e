"""Port actors: sockets owned by processes, the packet codec, the option table.

A port (`Port`, printed ``#Port<0.5>``, or a `SocketHandle` on the socket backend) is
an entity of a node with a connected process (its owner). `TcpSocket` and `TcpListen`
are the TCP ports behind `gen_tcp`, one core for both backends (`Backend` says what
differs); the functions below are what `gen_tcp` and `gen_tcp.inet` call once they have
checked their arguments. `decode_packet` is ``erlang:decode_packet/3``.
"""

from __future__ import annotations

from ._address import sockaddr_to_erlang
from ._backend import INET, SOCKET, Backend, SocketHandle
from ._conn import TcpSocket, send_here
from ._errors import format_error
from ._listen import TcpListen
from ._packet import decode_packet
from ._port import Port, PortActor, ports_of
from ._port_opts import getopts, setopts, setopts_here, socket_getopts, socket_setopts
from ._state import MUST_WAIT
from ._sockets import (
    backend_of,
    close,
    connect,
    forget_closed,
    getfd,
    getstat,
    listen,
    peername,
    port,
    send,
    socket_of,
    sockname,
)

__all__ = [
    "INET",
    "MUST_WAIT",
    "SOCKET",
    "Backend",
    "Port",
    "PortActor",
    "SocketHandle",
    "TcpListen",
    "TcpSocket",
    "backend_of",
    "close",
    "connect",
    "decode_packet",
    "forget_closed",
    "format_error",
    "getopts",
    "getfd",
    "getstat",
    "listen",
    "peername",
    "port",
    "ports_of",
    "send",
    "send_here",
    "setopts",
    "setopts_here",
    "sockaddr_to_erlang",
    "socket_getopts",
    "socket_of",
    "socket_setopts",
    "sockname",
]

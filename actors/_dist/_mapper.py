"""The port mapper: this project's epmd, one per host (and bound address).

``python -m actors.epmd`` runs it in the foreground, ``-daemon`` detached (a node's
launcher starts it so when none answers, as ``erl`` starts ``epmd -daemon``), ``-names``
lists the registered nodes as ``epmd -names`` does, ``-kill`` stops it as ``epmd -kill``
does (refused while nodes are registered). It listens on TCP port ``$ACTORS_EPMD_PORT``,
else `DEFAULT_PORT` (not epmd's 4369: a real epmd may run beside it), of ``-address``
(loopback unless given; one address).

It speaks a subset of epmd's own protocol, so Erlang's tools can read it
(``ERL_EPMD_PORT=4368 epmd -names``, ``net_adm:names/0``). Every request is a two-byte
big-endian length and that many bytes, the first one the request's code:

- ``ALIVE2_REQ`` (120): port, node type, protocol, highest and lowest version, name,
  extra. Answer ``ALIVE2_X_RESP`` (118: result, four-byte creation; ``ALIVE2_RESP`` 121
  with two bytes to a node of version < 6); result 1 when the name is taken. The entry
  lives exactly as long as this connection: a node killed with SIGKILL leaves nothing.
- ``PORT_PLEASE2_REQ`` (122): a name. Answer ``PORT2_RESP`` (119): result 0 and the
  registration's fields, or result 1; then the mapper closes the connection.
- ``NAMES_REQ`` (110): the mapper's port (four bytes), then ``name N at port P`` lines.
- ``KILL_REQ`` (107), from loopback only: ``OK`` and the mapper exits, or ``NO`` while
  nodes are registered.

Anything else closes the connection. Lookups need no secret (as with epmd, a name only
leads to a port; the cookie guards what crosses it). The mapper never unpickles or
evaluates anything; a request must arrive whole within `REQUEST_TIMEOUT` seconds and be
at most `MAX_REQUEST` bytes; at most `MAX_WAITING` connections may be unregistered at
once and `MAX_NODES` names registered: past that new connections are closed at once.

This file imports only the standard library: nodes run it as a script (``python -P``)
so that a long-lived daemon does not carry the whole package.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import ipaddress
import os
import secrets
import socket
import struct
import sys

PORT_ENV = "ACTORS_EPMD_PORT"
DEFAULT_PORT = 4368

ALIVE2_REQ, ALIVE2_RESP, ALIVE2_X_RESP = 120, 121, 118
PORT_PLEASE2_REQ, PORT2_RESP = 122, 119
NAMES_REQ, KILL_REQ = 110, 107

MAX_REQUEST = 1024
MAX_NAME = 255
MAX_NODES = 1000
MAX_WAITING = 64
REQUEST_TIMEOUT = 5.0
REPLY_TIMEOUT = 5.0

EXIT_IN_USE = 3  # -daemon: the port is taken (most likely by a mapper already running)

ALIVE2_FIELDS = struct.Struct(">HBBHHH")  # port, type, protocol, highest, lowest, name length


def mapper_port() -> int:
    """The mapper's TCP port: ``$ACTORS_EPMD_PORT`` when it is a port number, else 4368."""
    raw = os.environ.get(PORT_ENV, "")
    try:
        port = int(raw)
    except ValueError:
        return DEFAULT_PORT
    return port if 0 < port < 65536 else DEFAULT_PORT


def request(body: bytes) -> bytes:
    """One request as epmd reads it: its length, then its bytes."""
    return len(body).to_bytes(2, "big") + body


def _valid_name(name: bytes) -> bool:
    if not 0 < len(name) <= MAX_NAME:
        return False
    try:
        text = name.decode()
    except UnicodeDecodeError:
        return False
    return text.isprintable() and not any(ch.isspace() or ch == "@" for ch in text)


class _Node:
    __slots__ = ("port", "fields", "owner")

    def __init__(self, port: int, fields: bytes, owner: object) -> None:
        self.port = port
        self.fields = fields  # what PORT2_RESP repeats after its result byte
        self.owner = owner


class Mapper:
    """The mapper's state and its connection handler (see the module docstring)."""

    def __init__(self, port: int, timeout: float = REQUEST_TIMEOUT) -> None:
        self.port = port
        self.timeout = timeout
        self.nodes: dict[bytes, _Node] = {}
        self.waiting = 0
        self.done = asyncio.get_running_loop().create_future()

    async def client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.waiting >= MAX_WAITING:
            writer.transport.abort()
            return
        self.waiting += 1
        registered = False
        try:
            try:
                req = await asyncio.wait_for(_read_request(reader), self.timeout)
            except (asyncio.TimeoutError, asyncio.IncompleteReadError, OSError, ValueError):
                return
            if req[0] == ALIVE2_REQ:
                name = self.alive(req, writer)
                if name is not None:
                    registered = True
                    self.waiting -= 1
                    await self.hold(name, reader)
            elif req[0] == PORT_PLEASE2_REQ:
                node = self.nodes.get(req[1:])
                writer.write(bytes([PORT2_RESP, 0]) + node.fields if node else bytes([PORT2_RESP, 1]))
            elif req[0] == NAMES_REQ:
                lines = b"".join(b"name %s at port %d\n" % (n, e.port) for n, e in self.nodes.items())
                writer.write(self.port.to_bytes(4, "big") + lines)
            elif req[0] == KILL_REQ and _loopback(writer):
                writer.write(b"NO" if self.nodes else b"OK")
                if not self.nodes and not self.done.done():
                    self.done.set_result(None)
            if writer.transport.get_write_buffer_size():
                await asyncio.wait_for(writer.drain(), REPLY_TIMEOUT)
        except (asyncio.TimeoutError, OSError):
            pass
        finally:
            if not registered:
                self.waiting -= 1
            if writer.transport.get_write_buffer_size():
                writer.transport.abort()
            else:
                writer.close()

    def alive(self, req: bytes, writer: asyncio.StreamWriter) -> bytes | None:
        """Register the node ALIVE2_REQ `req` names; its name, or None when refused."""
        if len(req) < 1 + ALIVE2_FIELDS.size:
            return None
        port, _type, _proto, high, _low, nlen = ALIVE2_FIELDS.unpack_from(req, 1)
        end = 1 + ALIVE2_FIELDS.size + nlen
        name = req[1 + ALIVE2_FIELDS.size : end]
        if len(req) < end + 2 or len(name) != nlen:
            return None
        elen = int.from_bytes(req[end : end + 2], "big")
        if len(req) != end + 2 + elen:
            return None
        ok = _valid_name(name) and name not in self.nodes and len(self.nodes) < MAX_NODES
        if high >= 6:
            creation = secrets.randbelow(0xFFFFFFFE) + 1
            writer.write(bytes([ALIVE2_X_RESP, 0 if ok else 1]) + creation.to_bytes(4, "big"))
        else:
            writer.write(bytes([ALIVE2_RESP, 0 if ok else 1]) + (1 + secrets.randbelow(3)).to_bytes(2, "big"))
        if not ok:
            return None
        self.nodes[name] = _Node(port, req[1:], writer)
        return name

    async def hold(self, name: bytes, reader: asyncio.StreamReader) -> None:
        """Keep `name` registered until its connection closes (what arrives is ignored)."""
        owner = self.nodes[name].owner
        try:
            while await reader.read(4096):
                pass
        except OSError:
            pass
        finally:
            node = self.nodes.get(name)
            if node is not None and node.owner is owner:
                del self.nodes[name]


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    size = int.from_bytes(await reader.readexactly(2), "big")
    if not 0 < size <= MAX_REQUEST:
        raise ValueError("bad request size")
    return await reader.readexactly(size)


def _loopback(writer: asyncio.StreamWriter) -> bool:
    peer = writer.get_extra_info("peername")
    try:
        return bool(peer) and ipaddress.ip_address(peer[0]).is_loopback
    except ValueError:
        return False


async def serve(sock: socket.socket, port: int, timeout: float = REQUEST_TIMEOUT) -> None:
    """Serve on the listening `sock` until a KILL_REQ is accepted."""
    mapper = Mapper(port, timeout)
    server = await asyncio.start_server(mapper.client, sock=sock, limit=MAX_REQUEST)
    async with server:
        await mapper.done


def listen(address: str, port: int) -> socket.socket:
    """The mapper's listening socket on (`address`, `port`)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


def _daemonize() -> bool:
    """Fork: True in the detached child (new session, stdio on /dev/null), False in the
    parent, which then exits to tell its caller the mapper listens."""
    if os.fork():
        return False
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    os.chdir("/")
    return True


def _ask(address: str, port: int, code: int) -> bytes | None:
    """One request of `code` to the mapper; its whole answer, or None when none answers."""
    try:
        with socket.create_connection((address, port), timeout=REQUEST_TIMEOUT) as s:
            s.sendall(request(bytes([code])))
            chunks = []
            total = 0
            while total < (16 << 20):
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
                total += len(data)
            return b"".join(chunks)
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    """The command line, as epmd's: ``[-port P] [-address A] [-daemon | -names | -kill]``."""
    p = argparse.ArgumentParser(prog="python -m actors.epmd", description=__doc__.split("\n")[0])
    p.add_argument("-port", type=int, default=None, help=f"TCP port (default: ${PORT_ENV}, else {DEFAULT_PORT})")
    p.add_argument("-address", default="127.0.0.1", help="the address to listen on or ask (default: 127.0.0.1)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("-daemon", action="store_true", help="run detached")
    mode.add_argument("-names", action="store_true", help="list the registered nodes")
    mode.add_argument("-kill", action="store_true", help="stop the mapper (refused while nodes are registered)")
    p.add_argument("--request-timeout", type=float, default=REQUEST_TIMEOUT, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    port = args.port if args.port is not None else mapper_port()
    ask = "127.0.0.1" if args.address == "0.0.0.0" else args.address
    if args.names:
        data = _ask(ask, port, NAMES_REQ)
        if data is None or len(data) < 4:
            print("epmd: Cannot connect to local epmd", file=sys.stderr)
            return 1
        print(f"epmd: up and running on port {int.from_bytes(data[:4], 'big')} with data:")
        sys.stdout.write(data[4:].decode(errors="replace"))
        return 0
    if args.kill:
        data = _ask(ask, port, KILL_REQ)
        if data is None:
            print("epmd: Cannot connect to local epmd", file=sys.stderr)
            return 1
        if data == b"OK":
            print("Killed")
            return 0
        print("Killing not allowed - living nodes in database.")
        return 1
    try:
        sock = listen(args.address, port)
    except OSError as e:
        print(f"epmd: cannot listen on {args.address}:{port}: {e.strerror}", file=sys.stderr)
        return EXIT_IN_USE if e.errno == errno.EADDRINUSE else 1
    if args.daemon and not _daemonize():
        sock.close()
        return 0
    try:
        asyncio.run(serve(sock, port, args.request_timeout))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

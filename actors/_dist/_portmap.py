"""A node's side of the port mapper (`_mapper`): its registration, and finding other hosts' nodes.

- `Registration` (in the launcher): registers the node's alive name (``b`` of ``b@host``)
  and its gateway's port with the mapper on the node's address, starting the mapper
  (``-daemon``) when none answers; the node stays registered for as long as that
  connection is open. When the mapper is lost, it tries again every second (at first
  sooner) and registers with the next mapper that runs there, as an Erlang node does
  with epmd (it does not start one itself then: until one runs, other hosts cannot find it).
- `locate` (on the node's loop): asks the mapper on host H of ``b@H`` for b's port (H an
  IPv4 address, or a name resolved with the system resolver). Only entries registered by
  our nodes (`MAGIC` in the extra field) count: an Erlang node registered with this
  mapper is not ours to talk to. Nodes named with this host (`is_local`) are not looked
  up here: the node directory (`_registry`) finds this user's nodes on this machine.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import struct
import subprocess
import sys
import threading

from . import _mapper
from .names import short_host

__all__ = ["Registration", "is_local", "locate", "mapper_port"]

mapper_port = _mapper.mapper_port

MAGIC = b"erlports-thespian/1"
NODE_TYPE, PROTOCOL, HIGHEST, LOWEST = 77, 0, 6, 5  # a normal node over TCP/IPv4, as erl's
LOOKUP_TIMEOUT = 5.0
RETRY_MAX = 1.0


class NameTaken(Exception):
    """The mapper has a live node of this name."""


def _ask_ip(ip: str) -> str:
    return "127.0.0.1" if ip == "0.0.0.0" else ip


def alive2_request(alive: str, port: int) -> bytes:
    name = alive.encode()
    body = _mapper.ALIVE2_FIELDS.pack(port, NODE_TYPE, PROTOCOL, HIGHEST, LOWEST, len(name))
    return _mapper.request(
        bytes([_mapper.ALIVE2_REQ]) + body + name + len(MAGIC).to_bytes(2, "big") + MAGIC
    )


def start_mapper(ip: str, port: int) -> None:
    """Start a mapper daemon on (`ip`, `port`); OSError when it cannot listen there (a
    port already taken is fine: another node started one first)."""
    done = subprocess.run(
        [sys.executable, "-P", _mapper.__file__, "-daemon", "-port", str(port), "-address", ip],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20,
    )
    if done.returncode not in (0, _mapper.EXIT_IN_USE):
        raise OSError(done.stderr.decode(errors="replace").strip() or "the port mapper did not start")


def taken(alive: str, ip: str) -> bool:
    """Whether the mapper on `ip` (if one runs) has a node named `alive`: asked before a
    node starts, so that a taken name fails fast."""
    try:
        with socket.create_connection((_ask_ip(ip), mapper_port()), timeout=LOOKUP_TIMEOUT) as s:
            s.sendall(_mapper.request(bytes([_mapper.PORT_PLEASE2_REQ]) + alive.encode()))
            return _recv_exactly(s, 2) == bytes([_mapper.PORT2_RESP, 0])
    except OSError:
        return False


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the port mapper closed the connection")
        data += chunk
    return data


class Registration:
    """The node's entry at its host's mapper, held open by the launcher (see above)."""

    def __init__(self, alive: str, port: int, ip: str) -> None:
        self.alive, self.port, self.ip = alive, port, ip
        self.mport = mapper_port()
        self.closing = threading.Event()
        self.lock = threading.Lock()
        self.sock: socket.socket | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Register (starting the mapper when none answers) and keep the entry: NameTaken
        when a live node has the name, OSError when no mapper can be reached or started."""
        self.sock = self._register()
        self.thread = threading.Thread(target=self._keep, name="port mapper", daemon=True)
        self.thread.start()

    def close(self) -> None:
        """End the registration now (the node is stopping)."""
        self.closing.set()
        with self.lock:
            if self.sock is not None:
                try:
                    self.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        if self.thread is not None:
            self.thread.join(5)

    def _connect(self, start: bool) -> socket.socket:
        where = (_ask_ip(self.ip), self.mport)
        try:
            return socket.create_connection(where, timeout=LOOKUP_TIMEOUT)
        except ConnectionRefusedError:
            if not start:
                raise
            start_mapper(self.ip, self.mport)
        return socket.create_connection(where, timeout=LOOKUP_TIMEOUT)

    def _register(self, start: bool = True) -> socket.socket:
        sock = self._connect(start)
        try:
            sock.sendall(alive2_request(self.alive, self.port))
            reply = _recv_exactly(sock, 6)
            if reply[0] != _mapper.ALIVE2_X_RESP:
                raise ConnectionError("the port mapper gave a bad answer")
            if reply[1] != 0:
                raise NameTaken(self.alive)
            sock.settimeout(None)
        except BaseException:
            sock.close()
            raise
        return sock

    def _keep(self) -> None:
        delay = 0.05
        while True:
            sock = self.sock
            assert sock is not None
            try:
                while sock.recv(4096):  # the mapper says nothing after its answer
                    pass
            except OSError:
                pass
            with self.lock:
                sock.close()
                self.sock = None
            # the mapper is gone (or we are closing): register again once one runs
            while not self.closing.wait(delay):
                try:
                    new = self._register(start=False)
                except (OSError, NameTaken, subprocess.SubprocessError):
                    delay = min(delay * 2, RETRY_MAX)
                    continue
                with self.lock:
                    if self.closing.is_set():
                        new.close()
                        return
                    self.sock = new
                delay = 0.05
                break
            if self.closing.is_set():
                return


def is_local(node: str, my_ip: str) -> bool:
    """Whether `node`'s host is this machine as a node here names it: this host's name
    (short or dotted, as ``-sname``/``-name`` give it), ``localhost``, or the address this
    node listens on. Such a node is found in the node directory alone."""
    host = node.partition("@")[2]
    try:
        return str(ipaddress.IPv4Address(host)) == my_ip
    except ValueError:
        pass
    return host in ("localhost", socket.gethostname()) or host.split(".")[0] == short_host()


async def _host_ip(host: str) -> str:
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        pass
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, None, family=socket.AF_INET, type=socket.SOCK_STREAM
    )
    return str(infos[0][4][0])


async def _port_please(ip: str, alive: str) -> int | None:
    reader, writer = await asyncio.open_connection(ip, mapper_port())
    try:
        writer.write(_mapper.request(bytes([_mapper.PORT_PLEASE2_REQ]) + alive.encode()))
        head = await reader.readexactly(2)
        if head[0] != _mapper.PORT2_RESP or head[1] != 0:
            return None
        port, _type, _proto, _high, _low, nlen = _mapper.ALIVE2_FIELDS.unpack(await reader.readexactly(10))
        await reader.readexactly(nlen)
        elen = struct.unpack(">H", await reader.readexactly(2))[0]
        extra = await reader.readexactly(elen)
        return port if extra == MAGIC else None
    finally:
        writer.close()


async def locate(node: str, timeout: float = LOOKUP_TIMEOUT) -> tuple[str, int] | None:
    """``(ip, port)`` of the gateway of `node` (``"b@host"``), from the mapper on its host;
    None when the host is unknown, no mapper answers there, or the name is not registered."""
    alive, _, host = node.partition("@")
    if not alive or not host:
        return None
    try:
        async with asyncio.timeout(timeout):
            ip = await _host_ip(host)
            port = await _port_please(ip, alive)
    except (OSError, TimeoutError, asyncio.IncompleteReadError, UnicodeError, ValueError, IndexError):
        return None
    return None if port is None else (ip, port)

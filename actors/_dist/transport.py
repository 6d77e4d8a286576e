"""The transport between nodes: a node's thespian system and gateway, seen from its loop.

`Transport.start` makes a private directory (mode 0700) with a Unix socket (0600), starts
``python -m actors._dist._launcher`` (which hosts the node's thespian system and its
gateway actor, see there), and waits until the gateway has connected and proved the
cookie and the node's name is registered. Then frames are records on that one socket:
`send` only appends to a buffer that is written once per loop iteration, so a burst of
sends costs one system call, and the gateway turns what it reads at once into one
thespian message per destination node.

The runtime above gets a `TransportHandler`: ``frame`` for every frame, in the order the
peer sent them, ``nodeup`` when a node connects (either side started it) and ``nodedown``
when it goes: ``connection_closed`` (its node stopped or was killed: its gateway said so),
``net_tick_timeout`` (its whole system vanished), ``disconnect`` (either side called
`disconnect`), ``noconnection`` (an automatic connection started by `send` failed: the
frames queued for it are dropped; the node never came up). All run on the loop thread.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from typing import Protocol

import structlog

from . import _registry, _wire
from ._secure import CookieSerializer, read_cookie

__all__ = ["Transport", "TransportHandler", "read_cookie"]

log = structlog.get_logger("actors.dist")

START_TIMEOUT = 20.0


class TransportHandler(Protocol):
    """What the node runtime does with what arrives (called on the node's loop thread)."""

    def frame(self, node: str, payload: bytes) -> None: ...

    def nodeup(self, node: str) -> None: ...

    def nodedown(self, node: str, reason: str) -> None: ...


class _Pending:
    __slots__ = ("frames", "waiters", "timer", "auto")

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.waiters: list[asyncio.Future[bool]] = []
        self.timer: asyncio.TimerHandle | None = None
        self.auto = False


class _Link(asyncio.Protocol):
    """The node's end of the Unix socket to its gateway."""

    def __init__(self, owner: Transport) -> None:
        self.owner = owner
        self.reader = _wire.Reader()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.owner._linked(self)

    def data_received(self, data: bytes) -> None:
        self.owner._records(self.reader.feed(data))

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner._gateway_lost()


class Transport:
    """One node's end of distribution (see the module docstring)."""

    name: str

    def __init__(self, name: str, cookie: str, handler: TransportHandler, ip: str) -> None:
        self.name = name
        self._mac = CookieSerializer(cookie).mac
        self._cookie = cookie
        self._handler = handler
        self._ip = ip
        self._loop = asyncio.get_running_loop()
        self._dir = tempfile.mkdtemp(prefix="erlports-node-")
        self._registry = _registry.directory()
        self._up: dict[str, bytes] = {}
        self._names: dict[bytes, str] = {}
        self._pending: dict[str, _Pending] = {}
        self._out: list[bytes] = []
        self._flushing = False
        self._link: _Link | None = None
        self._ready: asyncio.Future[None] = self._loop.create_future()
        self._server: asyncio.AbstractServer | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._closed = False

    # -- life cycle ----------------------------------------------------------------------

    @classmethod
    async def start(
        cls,
        name: str,
        cookie: str,
        handler: TransportHandler,
        *,
        address: str | None = None,
    ) -> Transport:
        """Start node `name`'s thespian system and gateway and register the name.

        Raises RuntimeError when the name is taken or the system does not start."""
        self = cls(name, cookie, handler, address or "127.0.0.1")
        try:
            await self._start()
        except BaseException:
            self.close_now()
            raise
        return self

    async def _start(self) -> None:
        path = os.path.join(self._dir, "gw.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path)
        os.chmod(path, 0o600)
        self._server = await self._loop.create_unix_server(lambda: _Link(self), sock=sock)
        cfg = {
            "name": self.name,
            "cookie": self._cookie,
            "sock": path,
            "dir": self._dir,
            "ip": self._ip,
            "registry": self._registry,
        }
        self._proc = proc = subprocess.Popen(
            [sys.executable, "-m", "actors._dist._launcher"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": _pythonpath()},
        )
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(cfg).encode() + b"\n")
        proc.stdin.flush()
        status = await asyncio.wait_for(self._status_line(proc.stdout), START_TIMEOUT)
        proc.stdout.close()
        if status != "ok":
            raise RuntimeError(f"node {self.name} did not start: {status}")
        await asyncio.wait_for(self._ready, START_TIMEOUT)
        log.debug("dist_started", node=self.name)

    async def _status_line(self, out: object) -> str:
        fd = out.fileno()  # type: ignore[attr-defined]
        os.set_blocking(fd, False)
        done: asyncio.Future[str] = self._loop.create_future()
        buf = bytearray()

        def readable() -> None:
            try:
                data = os.read(fd, 4096)
            except BlockingIOError:
                return
            buf.extend(data)
            if (not data or b"\n" in buf) and not done.done():
                done.set_result(buf.split(b"\n", 1)[0].decode(errors="replace"))

        self._loop.add_reader(fd, readable)
        try:
            line = await done
        finally:
            self._loop.remove_reader(fd)
        return line or "error launcher exited"

    async def close(self) -> None:
        """Stop the gateway and the thespian system; leave no process or file behind."""
        proc = self._stop()
        if proc is not None:
            while proc.poll() is None:
                await asyncio.sleep(0.02)
        await self._finish()

    def close_now(self) -> None:
        """`close` without the loop (a shutdown hook, atexit): blocks until stopped."""
        proc = self._stop()
        if proc is not None:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._cleanup()

    def _stop(self) -> subprocess.Popen[bytes] | None:
        proc, self._proc = self._proc, None
        self._closed = True
        if proc is not None and proc.stdin is not None:
            try:
                proc.stdin.write(b"stop\n")
                proc.stdin.close()
            except OSError:
                pass
        return proc

    async def _finish(self) -> None:
        self._cleanup()
        if self._server is not None:
            await self._server.wait_closed()

    def _cleanup(self) -> None:
        for node in list(self._pending):
            self._failed(node)
        if self._link is not None and self._link.transport is not None:
            self._link.transport.abort()
        if self._server is not None:
            self._server.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    # -- API -----------------------------------------------------------------------------

    async def connect(self, node: str, timeout: float = 7.0) -> bool:
        """Connect to `node` (``net_kernel:connect_node``): True once it is up (nodeup was
        called), False when it is not registered, does not answer within `timeout`
        seconds, or refuses this node's cookie (logged as ``dist_connect_failed``)."""
        if node == self.name or node in self._up:
            return True
        pending = self._pending.get(node) or self._begin(node, timeout)
        if pending is None:
            return False
        waiter: asyncio.Future[bool] = self._loop.create_future()
        pending.waiters.append(waiter)
        return await waiter

    def send(self, node: str, payload: bytes) -> bool:
        """Queue one frame for `node` (never blocks): True when it is up or being connected
        to (frames wait, in order), False when it is not registered or this transport is
        closed."""
        key = self._up.get(node)
        if key is not None:
            self._write(_wire.record(_wire.FRAME, key, payload))
            return True
        pending = self._pending.get(node)
        if pending is None:
            pending = self._begin(node, 7.0)
            if pending is None:
                return False
            pending.auto = True
        pending.frames.append(payload)
        return True

    def disconnect(self, node: str) -> bool:
        """Drop the connection to `node` (``erlang:disconnect_node``); both sides get
        ``nodedown(.., "disconnect")``. False when it was not connected."""
        key = self._up.pop(node, None)
        if key is None:
            return False
        self._write(_wire.record(_wire.DISCONNECT, key))
        self._loop.call_soon(self._handler.nodedown, node, "disconnect")
        return True

    def nodes(self) -> list[str]:
        """The connected nodes (``erlang:nodes()``)."""
        return list(self._up)

    # -- connecting ----------------------------------------------------------------------

    def _begin(self, node: str, timeout: float) -> _Pending | None:
        if self._closed or self._link is None or "@" not in node:
            return None
        entry = _registry.lookup(node, self._registry)
        if entry is None:
            log.info("dist_connect_failed", node=self.name, peer=node, reason="not_registered")
            return None
        pending = self._pending[node] = _Pending()
        pending.timer = self._loop.call_later(timeout, self._failed, node, "timeout")
        key = node.encode()
        self._write(_wire.record(_wire.CONNECT, key, f"{entry.ip}:{entry.port}".encode()))
        return pending

    def _failed(self, node: str, reason: str = "closed") -> None:
        pending = self._pending.pop(node, None)
        if pending is None:
            return
        log.warning("dist_connect_failed", node=self.name, peer=node, reason=reason)
        if pending.timer is not None:
            pending.timer.cancel()
        if not self._closed:
            self._write(_wire.record(_wire.DISCONNECT, node.encode()))
        for w in pending.waiters:
            if not w.done():
                w.set_result(False)
        if pending.auto and not self._closed:
            self._handler.nodedown(node, "noconnection")

    # -- the socket to the gateway -------------------------------------------------------

    def _linked(self, link: _Link) -> None:
        if self._link is not None and link.transport is not None:
            link.transport.abort()
            return
        self._link = link
        if self._server is not None:
            self._server.close()  # one gateway; the socket file goes with the directory

    def _write(self, record: bytes) -> None:
        self._out.append(record)
        if not self._flushing:
            self._flushing = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flushing = False
        out, self._out = self._out, []
        link = self._link
        if link is not None and link.transport is not None and not link.transport.is_closing():
            link.transport.write(b"".join(out))

    def _records(self, records: object) -> None:
        handler = self._handler
        names = self._names
        for kind, key, body in records:  # type: ignore[attr-defined]
            if kind == _wire.FRAME:
                name = names.get(key)
                if name is None:
                    name = names[key] = key.decode()
                handler.frame(name, body)
            elif kind == _wire.UP:
                self._on_up(key.decode())
            elif kind == _wire.DOWN:
                self._on_down(key.decode(), body.decode())
            elif kind == _wire.CHALLENGE:
                self._write(_wire.record(_wire.ANSWER, b"", self._mac(b"node" + body)))
                if not self._ready.done():
                    self._ready.set_result(None)
            elif kind == _wire.REFUSED:
                log.warning("dist_frame_rejected", node=self.name, reason=body.decode())

    def _on_up(self, node: str) -> None:
        key = node.encode()
        self._up[node] = key
        pending = self._pending.pop(node, None)
        if pending is not None:
            if pending.timer is not None:
                pending.timer.cancel()
            for payload in pending.frames:
                self._write(_wire.record(_wire.FRAME, key, payload))
            for w in pending.waiters:
                if not w.done():
                    w.set_result(True)
        self._handler.nodeup(node)

    def _on_down(self, node: str, reason: str) -> None:
        if self._up.pop(node, None) is not None:
            self._handler.nodedown(node, reason)
        elif node in self._pending:
            self._failed(node, reason)

    def _gateway_lost(self) -> None:
        self._link = None
        for node in list(self._pending):
            self._failed(node, "gateway_lost")
        up, self._up = self._up, {}
        if not self._closed:
            log.error("dist_gateway_lost", node=self.name)
            for node in up:
                self._handler.nodedown(node, "connection_closed")
        if not self._ready.done():
            self._ready.set_exception(RuntimeError("the gateway closed its socket"))


def _pythonpath() -> str:
    """PYTHONPATH for the launcher: where this package was imported from, then the rest."""
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    rest = os.environ.get("PYTHONPATH")
    return here + (os.pathsep + rest if rest else "")

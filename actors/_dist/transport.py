"""The transport between nodes: a node's thespian system and gateway, seen from its loop.

`Transport.start` makes a private directory (mode 0700) with a Unix socket (0600), starts
``python -m actors._dist._launcher`` (which hosts the node's thespian system and its
gateway actor, see there), and waits until the gateway has connected, the node has
answered its cookie challenge, and the node's name is registered: in this user's node
directory (`_registry`) and with the port mapper of its address (`_portmap`). A node is
looked up in the directory first (this user's nodes on this machine: no round trip); a
node named with another host (not this host's name, ``localhost`` or this node's own
address) that is not there is asked of the mapper on that host, in a task: frames sent
meanwhile wait. Then frames are records on that one socket:
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
from typing import Protocol, cast

import structlog

from . import _portmap, _registry, _wire
from ._child import exited, pythonpath
from ._link import GatewayLink, Records
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
    __slots__ = ("frames", "waiters", "timer", "auto", "lookup")

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.waiters: list[asyncio.Future[bool]] = []
        self.timer: asyncio.TimerHandle | None = None
        self.auto = False
        self.lookup: asyncio.Task[None] | None = None


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
        self._registry = _registry.directory()  # first: it may refuse (OSError)
        self._dir = tempfile.mkdtemp(prefix="erlports-node-")
        self._up: dict[str, bytes] = {}
        self._names: dict[bytes, str] = {}
        self._pending: dict[str, _Pending] = {}
        self._link: GatewayLink | None = None
        self._ready: asyncio.Future[None] = self._loop.create_future()
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

        Raises ValueError for a malformed name, RuntimeError when the name is taken or the
        system does not start."""
        if "@" not in name or "/" in name or name.startswith(".") or len(name.encode()) > 255:
            raise ValueError(f"bad node name {name!r}")
        self = cls(name, cookie, handler, address or "127.0.0.1")
        try:
            await self._start()
        except BaseException:
            self.close_now()
            raise
        return self

    async def _start(self) -> None:
        path = os.path.join(self._dir, "gw.sock")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
            server.bind(path)
            os.chmod(path, 0o600)
            server.listen(1)
            server.setblocking(False)
            proc = self._launch(path)
            assert proc.stdout is not None
            try:
                status = asyncio.ensure_future(self._status_line(proc.stdout))
                accept = asyncio.ensure_future(self._loop.sock_accept(server))
                await asyncio.wait({status, accept}, timeout=START_TIMEOUT, return_when="FIRST_COMPLETED")
                if not accept.done():  # the launcher failed (or is far too slow)
                    accept.cancel()
                    line = await status if status.done() else "error timeout"
                    raise RuntimeError(f"node {self.name} did not start: {line}")
                conn, _ = accept.result()
                self._link = GatewayLink(self._loop, conn, self._records, self._gateway_lost)
                line = await asyncio.wait_for(status, START_TIMEOUT)
            finally:
                proc.stdout.close()
        os.unlink(path)
        if line != "ok":
            raise RuntimeError(f"node {self.name} did not start: {line}")
        await asyncio.wait_for(self._ready, START_TIMEOUT)
        log.debug("dist_started", node=self.name)

    def _launch(self, path: str) -> subprocess.Popen[bytes]:
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
            env={
                **os.environ,
                "PYTHONPATH": pythonpath(),
                # thespian reads these at import: its log file, kept off and in our directory
                "THESPLOG_FILE": os.path.join(self._dir, "thespian.log"),
                "THESPLOG_FILE_MAXSIZE": "0",
                "THESPIAN_BASE_IPADDR": self._ip,
            },
        )
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(cfg).encode() + b"\n")
        proc.stdin.flush()
        return proc

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
        """Stop the gateway and the thespian system; leave no process or file behind.

        The peers see ``nodedown`` (connection_closed); this node's handler is not called."""
        proc = self._stop()
        if proc is not None:
            await exited(self._loop, proc)
        self._cleanup()

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

    def _cleanup(self) -> None:
        for node in list(self._pending):
            self._failed(node)
        if self._link is not None:
            self._link.close()
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
        if self._closed or self._link is None or "@" not in node or node == self.name:
            return None
        entry = _registry.lookup(node, self._registry)
        if entry is None and _portmap.is_local(node, self._ip):
            log.info("dist_connect_failed", node=self.name, peer=node, reason="not_registered")
            return None
        pending = self._pending[node] = _Pending()
        pending.timer = self._loop.call_later(timeout, self._failed, node, "timeout")
        if entry is not None:
            self._connect_to(node, entry.ip, entry.port)
        else:  # a node of another host: ask the mapper there
            pending.lookup = self._loop.create_task(self._ask_mapper(node, pending))
        return pending

    def _connect_to(self, node: str, ip: str, port: int) -> None:
        self._write(_wire.record(_wire.CONNECT, node.encode(), f"{ip}:{port}".encode()))

    async def _ask_mapper(self, node: str, pending: _Pending) -> None:
        found = await _portmap.locate(node)
        if self._pending.get(node) is not pending:
            return
        pending.lookup = None
        if found is None:
            self._failed(node, "not_registered")
        else:
            self._connect_to(node, *found)

    def _failed(self, node: str, reason: str = "closed") -> None:
        pending = self._pending.pop(node, None)
        if pending is None:
            return
        log.warning("dist_connect_failed", node=self.name, peer=node, reason=reason)
        if pending.timer is not None:
            pending.timer.cancel()
        if pending.lookup is not None:
            pending.lookup.cancel()
        if not self._closed:
            self._write(_wire.record(_wire.DISCONNECT, node.encode()))
        for w in pending.waiters:
            if not w.done():
                w.set_result(False)
        if pending.auto and not self._closed:
            self._handler.nodedown(node, "noconnection")

    # -- the socket to the gateway -------------------------------------------------------

    def _write(self, record: bytes) -> None:
        if self._link is not None:
            self._link.write(record)

    def _records(self, records: Records) -> None:
        handler = self._handler
        names = self._names
        up = self._up
        for kind, key, body in records:
            if kind == _wire.FRAME:
                name = names.get(key)
                if name is None:
                    name = names[key] = key.decode()
                if name in up:  # else in flight when we disconnected: lost, as in Erlang
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

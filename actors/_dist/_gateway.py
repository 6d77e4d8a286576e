"""The gateway: one thespian actor per node, between the node's Unix socket and its peers.

It runs in the node's own thespian system (a process that the system's admin forks). It
watches the Unix socket that connects it to its node with ``ThespianWatch`` and turns what
it reads into thespian messages to the gateways of other nodes, and back:

- frames the node sends to node X during one read go to X's gateway as ONE thespian
  message ``("f", me, seq, [frames])``: thespian acknowledges every message, so this
  batching is what makes tens of thousands of frames per second possible; the receiver
  delivers batches in `seq` order, so frames arrive in the order sent;
- ``("hello", me, to)`` / ``("welcome", me)`` bring a peer up. Every thespian frame is
  signed with the cookie (see ``_secure``), so an answer proves the peer has the cookie;
- ``("tick", me)`` every `TICK` seconds; a peer heard from for no `TICK_TIMEOUT` seconds is
  down (``net_tick_timeout``), as Erlang's net_ticktime does in a minute;
- ``("bye", me, reason)``: the node is going (its socket closed: killed or stopped) or
  disconnected this peer; the peer reports ``nodedown`` at once.

When its node's socket closes the gateway says bye to every peer; the launcher (which sees
its node go too) then stops the thespian system; if the system still runs `ORPHAN_AFTER`
seconds later (the launcher is gone as well), the gateway removes the node's files and
kills the system's process group itself.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import time
from typing import Any

from thespian.actors import (
    Actor,
    ActorAddress,
    ActorExitRequest,
    ThespianWatch,
    WakeupMessage,
    WatchMessage,
)
from thespian.system.transport import TCPTransport
from thespian.system.transport.IPBase import TCPv4ActorAddress

from . import _registry, _wire

TICK = 1.0
TICK_TIMEOUT = 5.0
ORPHAN_AFTER = 5.0  # the launcher normally stops the system well within this
READ_SIZE = 1 << 20
READ_LIMIT = 8 << 20  # bytes read per watch wakeup before thespian gets the batches


def address(ip: str, port: int) -> Any:
    """The thespian address of the gateway listening at (ip, port)."""
    return ActorAddress(TCPv4ActorAddress(ip, port, external=True))


class Gateway(Actor):  # type: ignore[misc]
    """The node's gateway actor (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sock: socket.socket | None = None
        self.me = b""
        self.path = self.registry = ""
        self.launcher = 0
        self.reader = _wire.Reader()
        self.peers: dict[bytes, Any] = {}
        self.connecting: dict[bytes, Any] = {}
        self.seq_out: dict[bytes, int] = {}
        self.seq_in: dict[bytes, int] = {}
        self.held: dict[bytes, dict[int, list[bytes]]] = {}
        self.heard: dict[bytes, float] = {}
        self.closed = False

    # -- thespian entry point ------------------------------------------------------------

    def receiveMessage(self, msg: Any, sender: Any) -> Any:
        if isinstance(msg, tuple) and msg:
            handler = getattr(self, "on_" + str(msg[0]), None)
            if handler is not None:
                handler(sender, *msg[1:])
        elif isinstance(msg, WatchMessage):
            self.on_readable()
        elif isinstance(msg, WakeupMessage):
            self.on_wakeup(msg.payload)
        elif isinstance(msg, ActorExitRequest):
            self.goodbye("connection_closed")
            return None
        if self.sock is not None:
            return ThespianWatch([self.sock.fileno()])
        return None

    # -- from the launcher ---------------------------------------------------------------

    def on_init(
        self, sender: Any, me: str, path: str, registry: str, launcher: int
    ) -> None:
        self.me = me.encode()
        self.path, self.registry, self.launcher = path, registry, launcher
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(10.0)
        sock.connect(path)
        nonce = os.urandom(16)
        sock.sendall(_wire.record(_wire.CHALLENGE, self.me, nonce))
        answer = _wire.Reader()
        got: list[tuple[int, bytes, bytes]] = []
        while not got:
            data = sock.recv(4096)
            if not data:
                raise ConnectionError("node closed the gateway socket")
            got.extend(answer.feed(data))
        serializer = TCPTransport.serializer
        if got[0][0] != _wire.ANSWER or got[0][2] != serializer.mac(b"node" + nonce):
            raise PermissionError("the node did not answer the challenge")
        sock.settimeout(None)
        self.sock = sock
        serializer.on_reject = self.report_reject
        ip, port = self.myAddress.addressDetails.sockname[:2]
        self.send(sender, ("ready", ip, port))
        self.wakeupAfter(TICK, "tick")

    def on_stop(self, sender: Any) -> None:
        self.goodbye("connection_closed")
        self.send(sender, ("stopped",))

    # -- from peers ----------------------------------------------------------------------

    def on_hello(self, sender: Any, peer: bytes, to: bytes) -> None:
        if to != self.me or self.closed:
            return
        old = self.peers.get(peer)
        if old is not None and old != sender:  # the peer restarted under the same name
            self.drop_peer(peer, b"connection_closed")
        self.send(sender, ("welcome", self.me))
        self.up(peer, sender)

    def on_welcome(self, sender: Any, peer: bytes) -> None:
        if self.connecting.pop(peer, None) is not None and not self.closed:
            self.up(peer, sender)

    def on_f(self, sender: Any, peer: bytes, seq: int, frames: list[bytes]) -> None:
        if peer not in self.peers:
            return
        self.heard[peer] = time.monotonic()
        expected = self.seq_in[peer]
        if seq != expected:
            self.held.setdefault(peer, {})[seq] = frames
            return
        out = [_wire.record(_wire.FRAME, peer, f) for f in frames]
        expected += 1
        held = self.held.get(peer)
        while held and expected in held:
            out.extend(_wire.record(_wire.FRAME, peer, f) for f in held.pop(expected))
            expected += 1
        self.seq_in[peer] = expected
        self.to_node(b"".join(out))

    def on_tick(self, sender: Any, peer: bytes) -> None:
        if peer in self.peers:
            self.heard[peer] = time.monotonic()

    def on_bye(self, sender: Any, peer: bytes, reason: bytes) -> None:
        if self.peers.get(peer) == sender:
            self.drop_peer(peer, reason)

    # -- from the node -------------------------------------------------------------------

    def on_readable(self) -> None:
        sock = self.sock
        if sock is None:
            return
        batches: dict[bytes, list[bytes]] = {}
        total = 0
        while total < READ_LIMIT:
            try:
                data = sock.recv(READ_SIZE, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            except OSError:
                data = b""
            if not data:
                self.node_gone()
                break
            total += len(data)
            for kind, name, body in self.reader.feed(data):
                if kind == _wire.FRAME:
                    batch = batches.get(name)
                    if batch is None:
                        batch = batches[name] = []
                    batch.append(body)
                else:
                    self.flush(batches)
                    self.command(kind, name, body)
        self.flush(batches)

    def flush(self, batches: dict[bytes, list[bytes]]) -> None:
        for name, frames in batches.items():
            addr = self.peers.get(name)
            if addr is not None:
                seq = self.seq_out[name]
                self.seq_out[name] = seq + 1
                self.send(addr, ("f", self.me, seq, frames))
        batches.clear()

    def command(self, kind: int, name: bytes, body: bytes) -> None:
        if kind == _wire.CONNECT:
            ip, _, port = body.decode().rpartition(":")
            addr = address(ip, int(port))
            self.connecting[name] = addr
            self.send(addr, ("hello", self.me, name))
        elif kind == _wire.DISCONNECT:
            self.connecting.pop(name, None)
            addr = self.peers.get(name)
            if addr is not None:
                self.send(addr, ("bye", self.me, b"disconnect"))
                self.forget(name)

    def node_gone(self) -> None:
        self.goodbye("connection_closed")
        self.wakeupAfter(ORPHAN_AFTER, "orphan")

    # -- helpers -------------------------------------------------------------------------

    def up(self, peer: bytes, addr: Any) -> None:
        if peer in self.peers:
            return
        self.peers[peer] = addr
        self.seq_out[peer] = self.seq_in[peer] = 0
        self.heard[peer] = time.monotonic()
        self.to_node(_wire.record(_wire.UP, peer))

    def forget(self, peer: bytes) -> None:
        self.peers.pop(peer, None)
        for table in (self.seq_out, self.seq_in, self.held, self.heard):
            table.pop(peer, None)

    def drop_peer(self, peer: bytes, reason: bytes) -> None:
        self.forget(peer)
        self.to_node(_wire.record(_wire.DOWN, peer, reason))

    def goodbye(self, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        for addr in self.peers.values():
            self.send(addr, ("bye", self.me, reason.encode()))
        self.peers.clear()
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def to_node(self, data: bytes) -> None:
        if self.sock is not None:
            try:
                self.sock.sendall(data)
            except OSError:
                self.node_gone()

    def report_reject(self, reason: str, detail: str) -> None:
        self.to_node(_wire.record(_wire.REFUSED, b"", f"{reason}: {detail}".encode()))

    def on_wakeup(self, payload: Any) -> None:
        if payload == "orphan":
            # still here well after the node left: its launcher is gone too, so nobody
            # else stops this system. Its processes (admin, logger, this gateway) are the
            # only members of the process group the admin made with setsid.
            _registry.unregister(self.me.decode(), self.launcher, self.registry)
            shutil.rmtree(os.path.dirname(self.path), ignore_errors=True)
            os.killpg(os.getpgid(0), signal.SIGKILL)
            return
        if self.closed:
            return
        now = time.monotonic()
        for peer, addr in list(self.peers.items()):
            if now - self.heard.get(peer, now) > TICK_TIMEOUT:
                self.drop_peer(peer, b"net_tick_timeout")
            else:
                self.send(addr, ("tick", self.me))
        self.wakeupAfter(TICK, "tick")

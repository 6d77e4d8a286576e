"""The cookie: where it comes from, and how it guards every byte thespian unpickles.

thespian 4.0.1 binds every endpoint to 0.0.0.0, authenticates nothing, and unpickles
whatever reaches one of its TCP ports, so a single raw frame runs code. `install`, called
in the launcher before the thespian system starts (its processes are forked from there and
inherit it), closes that:

- ``TCPTransport.serializer`` (the module global its transport uses for every message and
  acknowledgement) becomes `CookieSerializer`: `dumps` prefixes an HMAC-SHA256 of the pickle
  keyed by the cookie; `loads` checks the HMAC *before* unpickling, then unpickles with
  `_Unpickler`, whose ``find_class`` admits only the classes named in `ALLOWED`. A frame
  that fails either check is not unpickled: `loads` returns `REJECTED` (an object thespian
  cannot unpack, so it answers the sender with its "bad data" acknowledgement and closes
  the socket) and the rejection is reported through `on_reject` (the gateway forwards it
  to its node, which logs ``dist_frame_rejected``) or logged here.
- thespian's prebuilt acknowledgement frames are rebuilt with the signing serializer.
- every address binds to the node's IP (loopback unless the node was given an address)
  instead of 0.0.0.0.

A peer with another cookie can therefore neither deliver a message nor acknowledge one.
Signed frames can be replayed by someone who can capture loopback traffic; Erlang's
distribution has the same limit without TLS.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import pickle
import secrets
import string
from collections.abc import Callable
from typing import Any

import structlog

log = structlog.get_logger("actors.dist")

MAC_SIZE = 32

#: (module, name) pairs the unpickler may load: what a node's own thespian processes were
#: seen to exchange (system start and stop, actor creation and exit, dead letters, log
#: records), and nothing that loads source or runs a command. Messages between gateways
#: are tuples of str, bytes and int, which need no class at all.
ALLOWED: frozenset[tuple[str, str]] = frozenset(
    [
        ("socket", "AddressFamily"),
        ("socket", "SocketKind"),
        ("logging", "LogRecord"),
        ("thespian.actors", "ActorAddress"),
        ("thespian.actors", "ActorExitRequest"),
        ("thespian.actors", "ChildActorExited"),
        ("thespian.actors", "DeadEnvelope"),
        ("thespian.actors", "PoisonMessage"),
        ("thespian.system.transport.IPBase", "TCPv4ActorAddress"),
        ("thespian.system.messages.admin", "PendingActor"),
        ("thespian.system.messages.admin", "PendingActorResponse"),
        ("thespian.system.messages.admin", "QueryExists"),
        ("thespian.system.messages.admin", "QueryAck"),
        ("thespian.system.messages.admin", "SystemShutdown"),
        ("thespian.system.messages.admin", "SystemShutdownCompleted"),
        ("thespian.system.messages.multiproc", "EndpointConnected"),
        ("thespian.system.messages.multiproc", "LoggerConnected"),
        ("thespian.system.messages.multiproc", "ChildMayHaveDied"),
        ("thespian.system.logdirector", "LoggerExitRequest"),
    ]
)


class _Rejected:
    """What `CookieSerializer.loads` returns for a frame it refused: not iterable, so
    thespian's ``ReceiveEnvelope(*data)`` fails and the frame is answered as bad data."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<rejected frame>"


REJECTED = _Rejected()


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed")


def _key(cookie: str) -> bytes:
    return hashlib.sha256(b"erlports-dist\0" + cookie.encode()).digest()


def sign(cookie: str, data: bytes) -> bytes:
    """The HMAC that proves `data` was made by a holder of `cookie`."""
    return hmac.new(_key(cookie), data, hashlib.sha256).digest()


class CookieSerializer:
    """The ``dumps``/``loads`` pair thespian's TCP transport calls, keyed by the cookie."""

    def __init__(self, cookie: str) -> None:
        self._key = _key(cookie)
        #: called with (reason, detail) for every refused frame; None logs here
        self.on_reject: Callable[[str, str], None] | None = None

    def mac(self, data: bytes) -> bytes:
        """The cookie's HMAC of `data` (the node and its gateway prove it to each other)."""
        return hmac.new(self._key, data, hashlib.sha256).digest()

    def dumps(self, obj: Any) -> bytes:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        return hmac.new(self._key, data, hashlib.sha256).digest() + data

    def loads(self, frame: bytes) -> Any:
        mac, data = frame[:MAC_SIZE], frame[MAC_SIZE:]
        expected = hmac.new(self._key, data, hashlib.sha256).digest()
        if len(mac) != MAC_SIZE or not hmac.compare_digest(mac, expected):
            return self._reject("bad_mac", f"{len(frame)} bytes")
        try:
            return _Unpickler(io.BytesIO(data)).load()
        except Exception as exc:  # a signed frame naming a class we do not load
            return self._reject("not_allowed", str(exc))

    def _reject(self, reason: str, detail: str) -> _Rejected:
        if self.on_reject is not None:
            self.on_reject(reason, detail)
        else:
            log.warning("dist_frame_rejected", reason=reason, detail=detail, os_pid=os.getpid())
        return REJECTED


def install(cookie: str, ip: str) -> CookieSerializer:
    """Make this process's thespian sign, check and restrict every frame and bind to `ip`.

    Call before the thespian system starts; its processes fork from this one."""
    from thespian.system.transport import IPBase, TCPTransport
    from thespian.system.transport.streamBuffer import (
        ackDataErrPacket,
        ackPacket,
        toSendBuffer,
    )

    ser = CookieSerializer(cookie)
    TCPTransport.serializer = ser
    TCPTransport.ackMsg = toSendBuffer(ackPacket, ser.dumps)
    TCPTransport.ackDataErrMsg = toSendBuffer(ackDataErrPacket, ser.dumps)
    original = IPBase.IPActorAddress.__init__
    if not getattr(original, "_erlports_bind", False):

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            host, port = self.bindname[0], self.bindname[1]
            if host in ("", "0.0.0.0"):
                self.bindname = (_BIND[0], port)

        __init__._erlports_bind = True  # type: ignore[attr-defined]
        IPBase.IPActorAddress.__init__ = __init__
    _BIND[0] = ip
    return ser


_BIND = ["127.0.0.1"]


def read_cookie(explicit: str | None) -> str:
    """The node's cookie, as ``erl`` finds it: `explicit` (``-setcookie``), else
    ``$ACTORS_COOKIE``, else ``~/.erlang.cookie``, which is created (mode 0400, twenty random
    upper-case letters) when missing. Raises OSError when the file cannot be read or made."""
    if explicit:
        return explicit
    env = os.environ.get("ACTORS_COOKIE")
    if env:
        return env
    path = os.path.join(os.path.expanduser("~"), ".erlang.cookie")
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        pass
    value = "".join(secrets.choice(string.ascii_uppercase) for _ in range(20))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value

"""The two backends of a TCP port as data: ``{inet_backend, inet}`` and ``socket``.

One port core (`ports._conn`, `ports._listen`) serves both; what differs is read here,
from a `Backend`, and from the I/O strategy each uses (`ports._io`). The differences, as
Erlang/OTP 25 shows them:

- **Handle.** inet sockets are ports (``#Port<0.5>``). Socket-backend sockets are the
  term ``{'$inet', gen_tcp_socket, {Pid, {'$socket', Ref}}}`` (`SocketHandle`), where Pid
  names OTP's per-socket server; here the port actor is that server, so the Pid is an
  identifier only (``is_process_alive`` is false for it).
- **Owner.** inet links the port to its owner; the socket backend monitors it.
- **Sending.** inet queues what the kernel does not take and answers at once (a busy
  port makes the next sender wait); the socket backend blocks the sender until the
  kernel took everything or ``send_timeout`` passed (``{error, {timeout, Rest}}``).
- **End of stream.** inet with ``exit_on_close`` (the default) closes the connection
  once the end is reported; the socket backend keeps the socket: recv repeats
  ``{error, closed}``, getopts/setopts answer ``einval`` and peername ``enotconn``.
- **Framing errors.** inet tears the connection down (passive) or closes the port
  (active: ``tcp_error`` then ``tcp_closed``); the socket backend keeps the connection
  (passive: the next recv fails again; active: ``{tcp_error, S, emsgsize}`` and the
  socket turns passive).
- **recv.** inet: a Length in a packet mode is ``einval`` and above 64 MiB ``enomem``;
  the socket backend ignores Length in packet modes and has no limit. Lines are cut at
  ``buffer`` by inet only.
- **shutdown.** inet's ``write`` waits for the queue to drain; the socket backend's takes
  effect at once, and ``read`` makes recv answer ``{error, closed}``.
- **Closed sockets.** inet answers ``einval`` to option and address calls; the socket
  backend answers ``{error, closed}`` to everything, a second close included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from actors.runtime import Atom, Node, Pid, format_term, new_pid

from .atoms import RAW

__all__ = ["Backend", "INET", "SOCKET", "SocketHandle", "SOCKET_DEFAULTS", "RECV_MAX"]

RECV_MAX: Final = 64 * 1024 * 1024
"""The largest Length inet's recv takes (``enomem`` above)."""

SOCKET_DEFAULTS: Final[dict[str, Any]] = {
    "packet": RAW,
    "packet_size": 67108864,
    "buffer": 8192,
    "low_watermark": 1,
}
"""The port options whose socket-backend default differs from inet's (erl:
``getopts`` of a fresh socket-backend socket gives ``{packet, raw}``, ``{packet_size,
67108864}``, ``{buffer, 8192}``, ``{low_watermark, 1}``)."""

INET_TAG: Final = Atom("$inet")
MODULE: Final = Atom("gen_tcp_socket")
SOCKET_TAG: Final = Atom("$socket")


class SocketHandle(tuple):  # type: ignore[type-arg]
    """A socket-backend socket: the term ``{'$inet', gen_tcp_socket, {Pid, {'$socket',
    Ref}}}`` as a tuple. Immutable and hashable; equal to the same tuple built by hand.
    Made only by the backend (there is no public constructor)."""

    __slots__ = ()

    @classmethod
    def _make(cls, node: Node) -> SocketHandle:
        return cls((INET_TAG, MODULE, (new_pid(node), (SOCKET_TAG, node.make_ref()))))

    @property
    def pid(self) -> Pid:
        return self[2][0]  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return format_term(tuple(self))


@dataclass(frozen=True, slots=True)
class Backend:
    """What a TCP port does differently on one backend (see the module docstring)."""

    name: str
    monitors_owner: bool
    queued_send: bool
    end_closes: bool
    framing_error_closes: bool
    recv_length_checked: bool
    lines_cut_at_buffer: bool
    accept_zero_polls: bool
    """``accept(L, 0)`` takes a pending connection (inet) or times out at once."""
    dead_owner_accepted: bool
    """``controlling_process`` to a dead pid: ``ok`` then the socket closes (socket
    backend), or ``{error, badarg}`` (inet)."""
    handover_moves_all: bool
    """``controlling_process`` also moves ``tcp_error`` and ``tcp_passive`` messages, and
    hands the socket over even when a ``tcp_closed`` was among them (socket backend);
    inet moves data and ``tcp_closed`` only, and keeps the owner after a ``tcp_closed``."""
    accept_options_strict: bool
    """The listen socket's OS options are set on an accepted socket and a refusal fails
    the accept (socket backend); inet sets them again and ignores a refusal."""


INET: Final = Backend(
    name="inet",
    monitors_owner=False,
    queued_send=True,
    end_closes=True,
    framing_error_closes=True,
    recv_length_checked=True,
    lines_cut_at_buffer=True,
    accept_zero_polls=True,
    dead_owner_accepted=False,
    handover_moves_all=False,
    accept_options_strict=False,
)

SOCKET: Final = Backend(
    name="socket",
    monitors_owner=True,
    queued_send=False,
    end_closes=False,
    framing_error_closes=False,
    recv_length_checked=False,
    lines_cut_at_buffer=False,
    accept_zero_polls=False,
    dead_owner_accepted=True,
    handover_moves_all=True,
    accept_options_strict=True,
)

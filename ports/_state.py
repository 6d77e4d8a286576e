"""A TCP connection's named states, its options, and the constants the port core shares.

The states (OTP's ``gen_tcp_socket`` names its own alike):

- read side (``rstate``): `OPEN` (data may come), `ENDED` (the stream ended - the peer
  closed or the connection broke - and packets still buffered go first, then the end is
  reported once), `REPORTED` (the end was reported, to a recv as ``{error, closed}`` or
  to the owner as ``{tcp_closed, S}``), `SHUT` (``shutdown(read)`` on the socket backend:
  recv answers ``{error, closed}``);
- connection (``cstate``): `UP`, `WRITE_SHUT` (``shutdown(write)``), `DOWN` (the OS socket
  is gone while the port stays: a reported end with ``exit_on_close``, a failed send, a
  framing error while passive, ``send_timeout_close``);
- send side (``sstate``): `SEND_OK`, `SEND_BROKEN` (a write failed), `SEND_ANSWERED` (a
  send was told the connection is gone; later ones get ``enotconn``).
"""

from __future__ import annotations

from typing import Any, Final

from .atoms import HTTP, TCP
from ._packet import packet_type

__all__ = [
    "OPEN",
    "ENDED",
    "REPORTED",
    "SHUT",
    "UP",
    "WRITE_SHUT",
    "DOWN",
    "SEND_OK",
    "SEND_BROKEN",
    "SEND_ANSWERED",
    "RAW_CODE",
    "MUST_WAIT",
    "READ_LIMIT_MIN",
    "Opts",
]

OPEN: Final[str] = "open"
ENDED: Final[str] = "ended"
REPORTED: Final[str] = "reported"
SHUT: Final[str] = "shut"
UP: Final[str] = "up"
WRITE_SHUT: Final[str] = "write_shut"
DOWN: Final[str] = "down"
SEND_OK: Final[str] = "send_ok"
SEND_BROKEN: Final[str] = "send_broken"
SEND_ANSWERED: Final[str] = "send_answered"

RAW_CODE: Final = packet_type(0)
HTTP_CODES: Final = frozenset(packet_type(t) for t in ("http", "httph", "http_bin", "httph_bin"))
MUST_WAIT: Final = object()
"""An I/O's ``send_now``: this send may have to wait; call (await) its ``send``."""
READ_LIMIT_MIN: Final = 65536
"""A port whose data nobody takes stops reading once it buffers this much (or `buffer`)."""


class Opts:
    """A port's options (every one but ``active``), with what the hot paths read from
    them worked out once. Replaced whole by setopts, never edited in place."""

    __slots__ = (
        "d",
        "binary",
        "header",
        "deliver_port",
        "buffer",
        "code",
        "tag",
        "read_limit",
        "exit_on_close",
        "show_econnreset",
        "send_timeout",
        "header_size",
    )

    def __init__(self, d: dict[str, Any]) -> None:
        if "active" in d:
            d = dict(d)
            del d["active"]
        self.d = d  # never changed: setopts makes a new Opts
        self.binary = d.get("mode", "list") == "binary"
        self.header = d.get("header", 0)
        self.deliver_port = d.get("deliver", "term") == "port"
        self.buffer: int = max(1, d.get("buffer", 1460))
        self.code = packet_type(d.get("packet", 0))
        self.tag = HTTP if self.code in HTTP_CODES else TCP
        self.read_limit: int = max(self.buffer, READ_LIMIT_MIN)
        self.exit_on_close = d.get("exit_on_close", True)
        self.show_econnreset = d.get("show_econnreset", False)
        self.send_timeout = d.get("send_timeout", "infinity")
        packet = d.get("packet", 0)
        # the {packet, N} header counts in getstat's octets and packet sizes
        self.header_size = packet if packet.__class__ is int and packet in (1, 2, 4) else 0

    def framing(self, cut_lines: bool) -> tuple[Any, int, int, int]:
        """The decoder's settings: packet type, size limit, line delimiter, line cut."""
        d = self.d
        cut = d.get("buffer", 1460) if cut_lines else 0
        return (d.get("packet", 0), d.get("packet_size", 0), d.get("line_delimiter", 10), cut)

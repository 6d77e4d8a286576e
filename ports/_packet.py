"""The packet codec: every ``{packet, Type}`` of Erlang, as a sans-IO framer.

Bytes in, packets out, "need more data" as an explicit answer. This module has no I/O:
it imports neither ``socket`` nor ``asyncio`` nor the actor runtime (only the term types of `actors`
for `Atom` and `Badarg`). It provides

- `decode_packet`, which mirrors ``erlang:decode_packet/3`` term for term;
- `PacketDecoder`, the incremental decoder a port feeds with what the socket reads,
  which frames as Erlang's inet driver does (including its ``buffer`` rule for lines);
- `encode_packet`, the header ``gen_tcp:send/2`` puts in front of the data;
- `PacketError`, raised by the decoder when the stream breaks the framing (``emsgsize``).

The framing follows ``packet_get_length`` in Erlang/OTP 25's
erts/emulator/beam/packet_parser.c, including its C integer arithmetic (lengths that wrap
at 32 bits). HTTP lines are parsed by `ports._http`.
"""

from __future__ import annotations

import re
from typing import Any, Final

from actors import Atom, Badarg

from ._http import http_length, parse_http

__all__ = [
    "PacketDecoder",
    "PacketError",
    "decode_packet",
    "encode_packet",
    "packet_type",
]

# Internal type codes (the order of Erlang's enum PacketParseType).
RAW: Final = 0
PB1: Final = 1
PB2: Final = 2
PB4: Final = 3
ASN1: Final = 4
SUNRM: Final = 5
CDR: Final = 6
FCGI: Final = 7
LINE: Final = 8
TPKT: Final = 9
HTTP: Final = 10
HTTPH: Final = 11
SSL_TLS: Final = 12
HTTP_BIN: Final = 13
HTTPH_BIN: Final = 14

_TYPES: Final[dict[Any, int]] = {
    0: RAW,
    "raw": RAW,
    1: PB1,
    2: PB2,
    4: PB4,
    "asn1": ASN1,
    "sunrm": SUNRM,
    "cdr": CDR,
    "fcgi": FCGI,
    "line": LINE,
    "tpkt": TPKT,
    "http": HTTP,
    "httph": HTTPH,
    "http_bin": HTTP_BIN,
    "httph_bin": HTTPH_BIN,
    "ssl_tls": SSL_TLS,
}
_HTTP_TYPES: Final = frozenset((HTTP, HTTPH, HTTP_BIN, HTTPH_BIN))
_HEADER_TYPES: Final = frozenset((HTTPH, HTTPH_BIN))
_BIN_TYPES: Final = frozenset((HTTP_BIN, HTTPH_BIN))

_OK: Final = Atom("ok")
_MORE: Final = Atom("more")
_ERROR: Final = Atom("error")
_INVALID: Final = Atom("invalid")
_UNDEFINED: Final = Atom("undefined")
_SSL_TLS: Final = Atom("ssl_tls")
_EMSGSIZE: Final = Atom("emsgsize")
_UINT_MAX: Final = 0xFFFFFFFF
_INT_MAX: Final = 0x7FFFFFFF


class PacketError(Exception):
    """The stream broke its framing: ``reason`` is the Erlang reason (``emsgsize``).

    Erlang's inet driver answers a bad length header, a packet over ``packet_size`` or a
    line too long for it with ``{error, emsgsize}``; the port turns this into that.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = Atom(reason)


def packet_type(packet: Any) -> int:
    """The internal code of a packet type (``2``, ``"line"``, ...); badarg if unknown."""
    if packet.__class__ is bool or not isinstance(packet, (int, str)):
        raise Badarg()
    code = _TYPES.get(packet)
    if code is None:
        raise Badarg()
    return code


def _c_int(value: int) -> int:
    """An unsigned C sum seen as the ``int`` that ``packet_get_length`` returns."""
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value


def _remain(hlen: int, plen: int, max_plen: int) -> int:
    """Header plus body length, or -1 over ``max_plen`` or when the C sum wraps."""
    if max_plen and plen > max_plen:
        return -1
    total = _c_int(hlen + plen)
    return -1 if total < hlen else total


def _fixed_length(code: int, d: bytes, pos: int, end: int, max_plen: int) -> int:
    """``packet_get_length`` for the types whose header gives the length.

    Returns the packet's total length, 0 for "need more, length unknown", -1 for an
    invalid header or a packet over ``max_plen``.
    """
    n = end - pos
    if code == PB2:
        if n < 2:
            return 0
        return _remain(2, d[pos] << 8 | d[pos + 1], max_plen)
    if code == PB4:
        if n < 4:
            return 0
        return _remain(4, int.from_bytes(d[pos : pos + 4], "big"), max_plen)
    if code == PB1:
        if n < 1:
            return 0
        return _remain(1, d[pos], max_plen)
    if code == RAW:
        return n
    if code == SUNRM:
        if n < 4:
            return 0
        return _remain(4, int.from_bytes(d[pos : pos + 4], "big") & 0x7FFFFFFF, max_plen)
    if code == ASN1:
        if n < 2:
            return 0
        nn = n - 1
        t = pos + 1
        if d[pos] & 0x1F == 0x1F:  # long tag: 7-bit groups while the top bit is set
            while nn and d[t] & 0x80:
                t += 1
                nn -= 1
            if nn < 2:
                return 0
            t += 1
            nn -= 1
        b = d[t]
        length = b & 0x7F
        if b & 0x80:  # long length form: the next `length` bytes
            t += 1
            nn -= 1
            if nn < length:
                return 0
            if length > 4:
                return -1
            plen = int.from_bytes(d[t : t + length], "big")
            t += length
        else:
            t += 1
            plen = length
        return _remain(t - pos, plen, max_plen)
    if code == CDR:
        if n < 12:
            return 0
        if d[pos : pos + 4] != b"GIOP":
            return -1
        size = d[pos + 8 : pos + 12]
        plen = int.from_bytes(size, "little") if d[pos + 6] & 1 else int.from_bytes(size, "big")
        return _remain(12, plen, max_plen)
    if code == FCGI:
        if n < 8:
            return 0
        if d[pos] != 1:
            return -1
        return _remain(8, (d[pos + 4] << 8 | d[pos + 5]) + d[pos + 6], max_plen)
    if code == TPKT:
        if n < 4:
            return 0
        if d[pos] != 3:
            return -1
        return _remain(4, ((d[pos + 2] << 8 | d[pos + 3]) - 4) & _UINT_MAX, max_plen)
    if code == SSL_TLS:
        if n < 5:
            return 0
        if d[pos] & 0x80 and d[pos + 2] == 1:  # SSLv2 client hello
            plen = (((d[pos] << 8 | d[pos + 1]) & 0x7FFF) - 3) & _UINT_MAX
        else:
            plen = d[pos + 3] << 8 | d[pos + 4]
        return _remain(5, plen, max_plen)
    raise AssertionError(code)  # pragma: no cover


def _line_length(
    d: bytes, pos: int, end: int, max_plen: int, trunc_len: int, delim: int, scan: int
) -> tuple[int, int]:
    """``packet_get_length`` for ``line``: ``(length, resume)``.

    Length as `_fixed_length`; ``scan`` is where (from ``pos``) the search for the
    delimiter resumes, ``resume`` the value to pass next time.
    """
    n = end - pos
    i = d.find(delim, pos + scan, end)
    if i < 0:
        if max_plen and n > max_plen:
            return -1, 0
        if trunc_len and n >= trunc_len:
            return trunc_len, 0
        return 0, n
    length = i - pos + 1
    if max_plen and length > max_plen:
        return -1, 0
    if trunc_len and length > trunc_len:
        return trunc_len, 0
    return length, 0


def _ssl_tls(packet: bytes) -> tuple[Any, ...]:
    """``packet_parse_ssl``: ``{ssl_tls, [], ContentType, {Major, Minor}, Data}``."""
    if packet[0] & 0x80 and packet[2] == 1:
        length = len(packet) - 3
        data = b"\x01" + (length & 0xFFFFFF).to_bytes(3, "big") + packet[3:]
        return (_SSL_TLS, [], 22, (packet[3], packet[4]), data)
    return (_SSL_TLS, [], packet[0], (packet[1], packet[2]), packet[5:])


def _body(code: int, packet: bytes) -> bytes:
    """``packet_get_body``: the packet without its length header (or fcgi padding)."""
    if code == PB2:
        return packet[2:]
    if code == PB4:
        return packet[4:]
    if code == PB1:
        return packet[1:]
    if code == FCGI:
        return packet[: len(packet) - packet[6]]
    return packet


def _uint(value: Any) -> int:
    if value.__class__ is bool or not isinstance(value, int) or not 0 <= value <= _UINT_MAX:
        raise Badarg()
    return value


def decode_packet(type: Any, data: Any, options: Any = ()) -> tuple[Any, ...]:
    """Decode one packet from ``data``: emulates ``erlang:decode_packet/3``.

    ``type`` is ``0``/``"raw"``, ``1``, ``2``, ``4``, ``"asn1"``, ``"cdr"``, ``"sunrm"``,
    ``"fcgi"``, ``"tpkt"``, ``"line"``, ``"http"``, ``"httph"``, ``"http_bin"``,
    ``"httph_bin"`` or ``"ssl_tls"``; ``options`` a list of ``("packet_size", N)``,
    ``("line_length", N)`` and, for ``line``, ``("line_delimiter", Byte)``.

    Returns, as Erlang does:

    - ``("ok", Packet, Rest)``: ``Packet`` is ``bytes`` (the body, without a 1/2/4-byte
      header), an HTTP term, or an ``ssl_tls`` tuple; ``Rest`` the bytes after it;
    - ``("more", Length)``: ``Length`` is the whole packet's size when the header gave it,
      else ``undefined``;
    - ``("error", "invalid")``: a bad header or a packet over ``packet_size``.

    Raises `actors.Badarg` for an unknown type, data that is not bytes-like, or a bad
    option (as Erlang raises ``badarg``).

    Deviations: ``data`` may also be a ``bytearray`` or ``memoryview`` (Python's other
    binaries); bitstrings do not exist here. Erlang's empty string ``[]`` in HTTP terms is
    ``""`` (or ``b""`` for the ``_bin`` types); the ``[]`` of ``ssl_tls`` stays ``[]``.
    """
    code = packet_type(type)
    if isinstance(data, bytes):
        d = data
    elif isinstance(data, (bytearray, memoryview)):
        d = bytes(data)
    else:
        raise Badarg()
    if not isinstance(options, (list, tuple)) or (
        isinstance(options, tuple) and options != ()
    ):
        raise Badarg()
    max_plen = 0
    trunc_len = 0
    delim = 10
    for option in options:
        if not isinstance(option, tuple) or len(option) != 2:
            raise Badarg()
        name, value = option
        value = _uint(value)
        if name == "packet_size":
            max_plen = value
        elif name == "line_length":
            trunc_len = value
        elif name == "line_delimiter" and code == LINE and value <= 255:
            delim = value
        else:
            raise Badarg()
    n = len(d)
    if code in _HTTP_TYPES:
        header = code in _HEADER_TYPES
        size, _ = http_length(d, 0, n, max_plen, trunc_len, header, 0)
    elif code == LINE:
        size, _ = _line_length(d, 0, n, max_plen, trunc_len, delim, 0)
    else:
        size = _fixed_length(code, d, 0, n, max_plen)
    if size < 0:
        return (_ERROR, _INVALID)
    if size == 0:
        return (_MORE, _UNDEFINED)
    if size > n:
        return (_MORE, size)
    packet = d[:size]
    rest = d[size:]
    if code in _HTTP_TYPES:
        term, _ = parse_http(packet, 1 if code in _HEADER_TYPES else 0, code in _BIN_TYPES)
        return (_OK, term, rest)
    if code == SSL_TLS:
        return (_OK, _ssl_tls(packet), rest)
    return (_OK, _body(code, packet), rest)


_HEADER_SIZE: Final = {PB1: 1, PB2: 2, PB4: 4}


def encode_packet(packet: Any, data: bytes) -> list[bytes]:
    """The buffers ``gen_tcp:send/2`` writes for ``data`` under ``{packet, packet}``.

    For ``1``, ``2`` and ``4``: ``[header, data]``, the header being the length in that
    many big-endian bytes; like Erlang's inet driver, an oversized length is silently
    truncated (``len mod 2**8``, ``2**16``, ``2**32``). Every other type sends the data
    unchanged: ``[data]`` (checked against OTP 25: ``line``, ``asn1``, ``cdr``,
    ``sunrm``, ``fcgi``, ``tpkt`` and the HTTP types add nothing). The data is never
    copied, so a caller can ``writelines`` the result. Raises `actors.Badarg` for an
    unknown packet type.
    """
    code = packet_type(packet)
    size = _HEADER_SIZE.get(code)
    if size is None:
        return [data]
    length = len(data) & ((1 << (8 * size)) - 1)
    return [length.to_bytes(size, "big"), data]


class PacketDecoder:
    """Incremental framing for a port: `feed` bytes, take packets (emulates inet_drv).

    ``packet`` is a packet type as in `decode_packet`; ``packet_size`` the ``packet_size``
    option (0 = no limit); ``line_delimiter`` the ``line_delimiter`` option;
    ``buffer_size`` the ``buffer`` option, which for ``line`` truncates long lines into
    ``buffer_size`` pieces and for the HTTP types limits a line when ``packet_size`` is 0;
    ``binary_http`` whether HTTP strings are ``bytes`` (default: true for the ``_bin``
    types, as Erlang chooses by type).

    `next` returns one packet (``bytes``, or the HTTP term) or None when more data is
    needed; `packets` returns every complete packet at once. Both raise `PacketError`
    (``emsgsize``) when the buffered data breaks the framing; the bad data stays buffered,
    so asking again raises again. The HTTP state (request line, then headers, then
    ``http_eoh``) is kept between packets as the inet driver keeps it.

    Linear in its input: bytes fed while a packet is incomplete are kept aside and only
    joined once they can complete it, and a search for a line end never revisits bytes it
    already searched.

    Deviation: inet_drv sees a line through its receive buffer of ``buffer`` bytes; this
    decoder models that by searching at most ``buffer_size`` bytes for the delimiter,
    which gives the same packets however the data was split.
    """

    __slots__ = (
        "_buf",
        "_pos",
        "_chunks",
        "_chunks_len",
        "_searched",
        "_need",
        "_wait_delim",
        "_scan",
        "_state",
        "_code",
        "_packet_size",
        "_delim",
        "_buffer_size",
        "_binary_http",
        "_binary_http_opt",
    )

    def __init__(
        self,
        packet: Any = 0,
        packet_size: int = 0,
        line_delimiter: int = 10,
        buffer_size: int = 1460,
        binary_http: bool | None = None,
    ) -> None:
        self._buf = b""
        self._pos = 0
        self._chunks: list[bytes] = []
        self._chunks_len = 0
        self._searched = 0
        self._need = 0
        self._wait_delim = -1
        self._scan = 0
        self._state = 0
        self._code = -1
        self._packet_size = 0
        self._delim = 10
        self._buffer_size = 0
        self._binary_http = False
        self._binary_http_opt: bool | None = None
        self.set_packet(packet, packet_size, line_delimiter, buffer_size, binary_http)

    # -- configuration -------------------------------------------------------------------

    def set_packet(
        self,
        packet: Any = None,
        packet_size: int | None = None,
        line_delimiter: int | None = None,
        buffer_size: int | None = None,
        binary_http: bool | None = None,
    ) -> None:
        """Change the packet type or options mid-stream (as ``inet:setopts/2`` does).

        None keeps a setting. Buffered bytes are framed with the new settings from the
        next call on. Changing the type restarts the HTTP state at the request line.
        Raises `actors.Badarg` for an unknown type or a bad value.
        """
        if packet is not None:
            code = packet_type(packet)
            if code != self._code:
                self._state = 0
            self._code = code
        if packet_size is not None:
            self._packet_size = _uint(packet_size)
        if line_delimiter is not None:
            if _uint(line_delimiter) > 255:
                raise Badarg()
            self._delim = line_delimiter
        if buffer_size is not None:
            self._buffer_size = _uint(buffer_size)
        if binary_http is not None:
            self._binary_http_opt = bool(binary_http)
        self._binary_http = (
            self._code in _BIN_TYPES if self._binary_http_opt is None else self._binary_http_opt
        )
        self._scan = 0
        self._join()

    @property
    def packet(self) -> int:
        """The internal code of the current packet type."""
        return self._code

    # -- input ---------------------------------------------------------------------------

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Append bytes read from the socket (not copied when they are ``bytes``)."""
        if not data:
            return
        chunk = data if data.__class__ is bytes else bytes(data)
        if self._pos >= len(self._buf) and not self._chunks:
            self._buf = chunk
            self._pos = 0
            self._scan = 0
            return
        self._chunks.append(chunk)
        self._chunks_len += len(chunk)

    def _ready(self) -> bool:
        """Join the bytes kept aside once they can complete a packet; False if not yet."""
        chunks = self._chunks
        if len(self._buf) - self._pos + self._chunks_len >= self._need:
            self._join()
            return True
        delim = self._wait_delim
        if delim >= 0:
            for i in range(self._searched, len(chunks)):
                if delim in chunks[i]:
                    self._join()
                    return True
            self._searched = len(chunks)
        return False

    def _join(self) -> None:
        if self._chunks:
            self._chunks.insert(0, self._buf[self._pos :])
            self._buf = b"".join(self._chunks)
            self._pos = 0
            self._chunks.clear()
            self._chunks_len = 0
        self._searched = 0

    def pending(self) -> int:
        """How many bytes are buffered (not yet returned as packets)."""
        return len(self._buf) - self._pos + self._chunks_len

    def take_all(self) -> bytes:
        """Remove and return every buffered byte, whatever the packet type."""
        self._join()
        data = self._buf[self._pos :]
        self._buf = b""
        self._pos = 0
        self._scan = 0
        return data

    # -- output --------------------------------------------------------------------------

    def _more(self, need: int, wait_delim: int) -> None:
        self._need = need
        self._wait_delim = wait_delim

    def next_raw(self, length: int = 0, cap: int = 0) -> bytes | None:
        """Raw mode (``{packet, raw}``) receive of ``length`` bytes, as ``gen_tcp:recv/2``.

        ``length`` > 0: exactly that many bytes, or None while fewer are buffered.
        ``length`` 0: everything buffered (at most ``cap`` bytes when ``cap`` > 0), or
        None when nothing is.
        """
        if self._chunks and not self._ready():
            return None
        avail = len(self._buf) - self._pos
        if length:
            if avail < length:
                self._more(length, -1)
                return None
            take = length
        else:
            if not avail:
                self._more(1, -1)
                return None
            take = min(avail, cap) if cap else avail
        pos = self._pos
        if pos == 0 and take == len(self._buf):
            data = self._buf
            self._buf = b""
        else:
            data = self._buf[pos : pos + take]
            self._pos = pos + take
        self._need = 0
        return data

    def next(self) -> Any:
        """One complete packet, or None when more data is needed.

        Returns ``bytes`` for raw/1/2/4/line/asn1/cdr/sunrm/fcgi/tpkt (the body, without
        the length header, as the inet driver delivers it), the HTTP term for the HTTP
        types (see `decode_packet`), the ``ssl_tls`` tuple for ``ssl_tls``. Raises
        `PacketError` (``emsgsize``) when the buffered data breaks the framing.
        """
        if self._chunks and not self._ready():
            return None
        code = self._code
        if code == RAW:
            return self.next_raw(0)
        d = self._buf
        pos = self._pos
        end = len(d)
        if pos >= end:
            self._more(1, -1)
            return None
        max_plen = self._packet_size
        if code == LINE:
            trunc = self._buffer_size
            wend = pos + trunc if trunc and end - pos > trunc else end
            size, self._scan = _line_length(d, pos, wend, max_plen, trunc, self._delim, self._scan)
            if size == 0:
                limit = trunc
                if max_plen and (not limit or max_plen + 1 < limit):
                    limit = max_plen + 1
                self._more(limit or 1 << 62, self._delim)
                return None
        elif code in _HTTP_TYPES:
            header = code in _HEADER_TYPES or self._state != 0
            size, self._scan = http_length(
                d, pos, end, max_plen, self._buffer_size, header, self._scan
            )
            if size == 0:
                avail = end - pos
                if self._scan < avail:
                    need = avail + 1  # a line end at the end: the next byte decides
                else:
                    need = max_plen or self._buffer_size or 1 << 62
                self._more(need, 10)
                return None
        else:
            size = _fixed_length(code, d, pos, end, max_plen)
            if size == 0 or size > end - pos:
                self._more(size if size > 0 else end - pos + 1, -1)
                return None
        if size < 0:
            self._need = 0  # the bad bytes stay: the next attempt fails the same way
            raise PacketError(_EMSGSIZE)
        self._scan = 0
        self._need = 0
        stop = pos + size
        self._pos = stop
        if code == LINE:
            return d[pos:stop]
        if code == PB2:
            return d[pos + 2 : stop]
        if code == PB4:
            return d[pos + 4 : stop]
        if code == PB1:
            return d[pos + 1 : stop]
        packet = d[pos:stop]
        if code in _HTTP_TYPES:
            state = 1 if code in _HEADER_TYPES else self._state
            term, self._state = parse_http(packet, state, self._binary_http)
            return term
        if code == SSL_TLS:
            return _ssl_tls(packet)
        return _body(code, packet)

    def packets(self, limit: int = 0) -> list[Any]:
        """Every complete packet buffered (at most ``limit`` when ``limit`` > 0).

        Returns a list, empty when more data is needed. When the framing breaks after
        some packets, those are returned and the next call raises `PacketError`; when it
        breaks at once, this call raises.
        """
        if self._chunks and not self._ready():
            return []
        code = self._code
        if code == PB2 or code == PB4 or code == PB1:
            return self._packets_fixed(limit)
        if code == LINE:
            return self._packets_line(limit)
        return self._next_loop([], limit)

    def _next_loop(self, out: list[Any], limit: int) -> list[Any]:
        append = out.append
        while not limit or len(out) < limit:
            try:
                packet = self.next()
            except PacketError:
                if out:
                    return out
                raise
            if packet is None:
                break
            append(packet)
        return out

    def _packets_fixed(self, limit: int) -> list[Any]:
        d = self._buf
        pos = self._pos
        end = len(d)
        code = self._code
        hlen = 2 if code == PB2 else 4 if code == PB4 else 1
        # Larger lengths go the slow way, which reproduces Erlang's C arithmetic.
        max_plen = min(self._packet_size or _INT_MAX, _INT_MAX - hlen)
        out: list[Any] = []
        append = out.append
        if code == PB2 and not limit:
            # The hot loop of {packet, 2}, kept free of every other branch.
            while True:
                h = pos + 2
                if h > end:
                    break
                plen = d[pos] << 8 | d[pos + 1]
                stop = h + plen
                if stop > end or plen > max_plen:
                    break
                append(d[h:stop])
                pos = stop
        else:
            count = limit or -1
            while count:
                h = pos + hlen
                if h > end:
                    break
                if code == PB2:
                    plen = d[pos] << 8 | d[pos + 1]
                elif code == PB4:
                    plen = int.from_bytes(d[pos:h], "big")
                else:
                    plen = d[pos]
                stop = h + plen
                if stop > end or plen > max_plen:
                    break
                append(d[h:stop])
                pos = stop
                count -= 1
        self._pos = pos
        self._need = 0
        if not limit or len(out) < limit:
            return self._next_loop(out, limit)
        return out

    def _packets_line(self, limit: int) -> list[Any]:
        trunc = self._buffer_size
        max_plen = self._packet_size
        out: list[Any] = []
        if (
            not limit
            and (not max_plen or (trunc and max_plen >= trunc))
            and self._pos < len(self._buf)
        ):
            out = self._lines_bulk(trunc, self._delim)
        return self._next_loop(out, limit)

    def _lines_bulk(self, trunc: int, delim: int) -> list[Any]:
        """Every whole line at once, when no limit can give an error.

        Short lines go through C-speed splitting (``splitlines``, or a regex when the
        data holds a CR or the delimiter is not LF); long ones through a ``find`` loop,
        which copies each line once and searches at C's ``memchr`` speed.
        """
        d = self._buf
        pos = self._pos
        end = len(d)
        first = d.find(delim, pos + self._scan, pos + trunc if trunc else end)
        if first < 0:
            return []
        if first - pos > 200:
            lines: list[Any] = []
            append = lines.append
            find = d.find
            i = first
            while True:
                i += 1
                append(d[pos:i])
                pos = i
                i = find(delim, pos, pos + trunc if trunc else end)
                if i < 0:
                    break
            last = pos - 1
        else:
            last = d.rfind(delim, first, end)
            whole = last + 1 == end
            region = d if whole and not pos else d[pos : last + 1]
            if delim == 10 and 13 not in region:
                lines = region.splitlines(True)
            else:
                lines = _line_splitter(delim).findall(region)
            if trunc and max(map(len, lines)) > trunc:
                return []
        self._pos = last + 1
        self._scan = 0
        self._need = 0
        return lines


_line_splitters: dict[int, re.Pattern[bytes]] = {}


def _line_splitter(delim: int) -> re.Pattern[bytes]:
    pattern = _line_splitters.get(delim)
    if pattern is None:
        d = re.escape(bytes([delim]))
        pattern = _line_splitters[delim] = re.compile(b"[^" + d + b"]*" + d)
    return pattern

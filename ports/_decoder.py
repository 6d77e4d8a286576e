"""The port's incremental packet decoder: bytes in as the socket reads them, packets out.

`PacketDecoder` frames a TCP stream as Erlang's inet driver does for every
``{packet, Type}``, including its ``buffer`` rule for lines and its HTTP state. It is
sans-IO: the port `feed`s what it reads and asks for packets, one at a time (`next`,
`next_raw`: ``recv`` and ``{active, once}``) or many at once (`take`: ``{active, true}``
and ``{active, N}``). Both ways give the same packets and the same errors.

Where a packet ends is decided by `ports._framing`; HTTP lines are parsed by `ports._http`.
"""

from __future__ import annotations

from typing import Any, Final

from mypy_extensions import i64

from actors import Badarg

from ._framing import (
    BIN_TYPES,
    COMPILED,
    EMSGSIZE,
    HEADER_TYPES,
    HTTP_TYPES,
    INT_MAX,
    LINE,
    NO_LIMIT,
    PB1,
    PB2,
    PB4,
    RAW,
    SSL_TLS,
    SCAN,
    PacketError,
    find_byte,
    find_far,
    fixed_length,
    line_length,
    packet_body,
    packet_type,
    split_fixed,
    split_lines,
    ssl_tls_term,
    uint,
)
from ._http import PARSED, http_length, parse_http

__all__ = ["PacketDecoder"]

_SP_TAB: Final = (32, 9)


class PacketDecoder:
    """Incremental framing for a port: `feed` bytes, take packets (emulates inet_drv).

    ``packet`` is a packet type as in `ports.decode_packet`; ``packet_size`` the
    ``packet_size`` option (0 = no limit); ``line_delimiter`` the ``line_delimiter``
    option; ``buffer_size`` the ``buffer`` option, which for ``line`` truncates long lines
    into ``buffer_size`` pieces and for the HTTP types limits a line when ``packet_size``
    is 0; ``binary_http`` whether HTTP strings are ``bytes`` (default: true for the
    ``_bin`` types, as Erlang chooses by type).

    Packets come out one at a time (`next`, `next_raw`, or iterating: ``for packet in
    decoder`` stops where `next` answers None) or in a list (`take`); `take` is the same
    as calling `next` (or ``next_raw(0, cap)`` in raw mode) until it answers None, only
    faster. A framing error raises `PacketError` (``emsgsize``); the bad data
    stays buffered, so asking again raises again. The HTTP state (request line, then
    headers, then ``http_eoh``) is kept between packets as the inet driver keeps it.

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
        "_body_max",
        "_window",
        "_short",
    )

    def __init__(
        self,
        packet: Any = 0,
        packet_size: int = 0,
        line_delimiter: int = 10,
        buffer_size: int = 1460,
        binary_http: bool | None = None,
    ) -> None:
        # The buffer is `_buf[_pos:]` followed by `_chunks` (fed while a packet was
        # incomplete, `_chunks_len` bytes); `_need`/`_wait_delim` say what the last None
        # answer waits for (a byte count, a delimiter in the chunks) and are reset (0/-1)
        # whenever the buffer is joined or replaced or the settings change.
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
        self._body_max = 0
        self._window = 0
        self._short = True  # the last line was short: search the next one byte by byte first
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
        _configure(self, packet, packet_size, line_delimiter, buffer_size, binary_http)

    # -- input ---------------------------------------------------------------------------

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Append bytes read from the socket (not copied when they are ``bytes``)."""
        if not data:
            return
        chunk = data if type(data) is bytes else bytes(data)
        if self._pos >= len(self._buf) and not self._chunks:
            self._buf = chunk
            self._pos = 0
            self._scan = 0
            self._need = 0
            return
        self._chunks.append(chunk)
        self._chunks_len += len(chunk)

    def pending(self) -> int:
        """How many bytes are buffered (not yet returned as packets)."""
        return len(self._buf) - self._pos + self._chunks_len

    def _join(self) -> None:
        """Make the buffer one ``bytes`` again (`_buf` from `_pos`); forget what a None
        answer waited for."""
        if self._chunks:
            self._chunks.insert(0, self._buf[self._pos :])
            self._buf = b"".join(self._chunks)
            self._pos = 0
            self._chunks.clear()
            self._chunks_len = 0
        self._searched = 0
        self._need = 0
        self._wait_delim = -1

    # -- output, one packet at a time ----------------------------------------------------

    def next_raw(self, length: int = 0, cap: int = 0) -> bytes | None:
        """Raw mode (``{packet, raw}``) receive of ``length`` bytes, as ``gen_tcp:recv/2``.

        ``length`` > 0: exactly that many bytes, or None while fewer are buffered.
        ``length`` 0: everything buffered (at most ``cap`` bytes when ``cap`` > 0), or
        None when nothing is. Works whatever the packet type (the port calls it in raw
        mode only).
        """
        if self._chunks:
            if length and len(self._buf) - self._pos + self._chunks_len < length:
                return None
            self._join()
        pos = self._pos
        avail = len(self._buf) - pos
        if length:
            if avail < length:
                return None
            take = length
        elif not avail:
            return None
        else:
            take = cap if cap and cap < avail else avail
        if pos == 0 and take == avail:
            data = self._buf
            self._buf = b""
        else:
            data = self._buf[pos : pos + take]
            self._pos = pos + take
        return data

    def next(self) -> Any:
        """One complete packet, or None when more data is needed.

        Returns ``bytes`` for raw/1/2/4/line/asn1/cdr/sunrm/fcgi/tpkt (the body, without
        the length header, as the inet driver delivers it), the HTTP term for the HTTP
        types (see `ports.decode_packet`), the ``ssl_tls`` tuple for ``ssl_tls``. Raises
        `PacketError` (``emsgsize``) when the buffered data breaks the framing.
        """
        if self._chunks and not _ready(self):
            return None
        code = self._code
        d = self._buf
        pos: i64 = self._pos  # (native ints when compiled: no tagged-int checks)
        # Fast paths for the common types; anything unusual goes the slow way.
        if code == PB2:
            h = pos + 2
            n = len(d)
            if h <= n:
                stop = h + (d[pos] << 8 | d[pos + 1])
                if stop <= n and stop - h <= self._body_max:
                    self._pos = stop
                    return d[h:stop]
        elif code == LINE:
            start, end = pos + self._scan, pos + self._window
            if not COMPILED:
                i: i64 = d.find(self._delim, start, end)
            elif self._short:
                i = find_byte(d, self._delim, start, end)
            else:
                i = find_far(d, self._delim, start, end)
            if i >= 0:
                self._short = i - start < SCAN  # long lines go straight to memchr
                i += 1
                self._pos = i
                self._scan = 0
                return d[pos:i]
        elif code == PB4:
            h = pos + 4
            if h <= len(d):
                stop = h + int.from_bytes(d[pos:h], "big")
                if stop <= len(d) and stop - h <= self._body_max:
                    self._pos = stop
                    return d[h:stop]
        elif code in HTTP_TYPES:
            if pos >= len(d):
                return None  # nothing buffered (as `_decode` answers)
            # The common case inline (`_decode` takes every other): a whole line within
            # the limit and, in header state, not continued by a line that starts with a
            # space or tab (an empty line ending the buffer is whole); a line seen lately
            # comes parsed from `_http`'s cache.
            state = 1 if code in HEADER_TYPES else self._state
            start = pos + self._scan
            if COMPILED:  # (not a conditional expression: its value would be boxed)
                i = find_byte(d, 10, start, len(d))
            else:
                i = d.find(b"\n", start)
            if i >= 0:
                j = i + 1
                plen = j - pos
                limit = self._window
                if not state:
                    whole = True
                elif j < len(d):
                    whole = plen <= 2 or d[j] not in _SP_TAB
                else:  # the next byte decides, unless the line is empty
                    whole = plen == 1 or (plen == 2 and d[pos] == 13)
                if whole and (not limit or plen <= limit):
                    self._scan = 0
                    self._pos = j
                    line = d[pos:j]
                    hit = PARSED[self._binary_http][state != 0].get(line)
                    term, self._state = hit if hit is not None else parse_http(line, state, self._binary_http)
                    return term
        return _decode(self, code, d, pos)

    def __iter__(self) -> PacketDecoder:
        return self

    def __next__(self) -> Any:
        """`next` as an iterator: ``for packet in decoder`` takes every whole packet.

        Ends (StopIteration) where `next` answers None; a later `feed` makes it go on.
        Compiled, this is the type's C iteration slot: iterated from C (``list(decoder)``,
        ``deque.extend``), each packet costs a native call, as the port's compiled
        dispatch calls `next`, and no Python-level call.
        """
        packet = self.next()
        if packet is None:
            raise StopIteration
        return packet

    # -- output, many packets at once ----------------------------------------------------

    def take(self, limit: int = 0, cap: int = 0) -> list[Any]:
        """Up to ``limit`` complete packets (every one when ``limit`` is 0), in order.

        The same as calling `next` until it answers None (in raw mode ``next_raw(0,
        cap)``: then the chunks are at most ``cap`` bytes when ``cap`` > 0), or until
        ``limit`` packets were taken, only faster; an empty list means more data is
        needed. Errors come where `next` would raise them: when the framing breaks after
        some good packets, those are returned and the bad data stays, so the next call
        (`take` or `next`) raises `PacketError`; when it breaks at the first packet, this
        call raises.
        """
        code = self._code
        out: list[Any] = []
        if code == RAW:
            while not limit or len(out) < limit:
                data = self.next_raw(0, cap)
                if data is None:
                    break
                out.append(data)
            return out
        if self._chunks and not _ready(self):
            return out
        d = self._buf
        pos = self._pos
        if code == PB2 or code == PB4 or code == PB1:
            self._pos = split_fixed(d, pos, code, self._body_max, limit, out)
        elif code == LINE:
            window = self._window
            first = d.find(self._delim, pos + self._scan, pos + window)
            if first >= 0:
                out, self._pos = split_lines(d, pos, first, window, limit)
                self._scan = 0
        append = out.append
        http = code in HTTP_TYPES  # (`next` has their shortcut)
        # Then every other case the general way (no bytes wait aside: nothing is fed meanwhile).
        while not limit or len(out) < limit:
            try:
                packet = self.next() if http else _decode(self, code, self._buf, self._pos)
            except PacketError:
                if out:
                    return out
                raise
            if packet is None:
                break
            append(packet)
        return out


# -- the general paths, out of the class: settings, joining, `next` for every case --------


def _configure(
    dec: PacketDecoder,
    packet: Any,
    packet_size: int | None,
    line_delimiter: int | None,
    buffer_size: int | None,
    binary_http: bool | None,
) -> None:
    """`PacketDecoder.set_packet`: check every value (`actors.Badarg`), then apply them."""
    code = dec._code if packet is None else packet_type(packet)
    size = dec._packet_size if packet_size is None else uint(packet_size)
    delim = dec._delim if line_delimiter is None else uint(line_delimiter)
    if delim > 255:
        raise Badarg()
    buffer = dec._buffer_size if buffer_size is None else uint(buffer_size)
    if code != dec._code:
        dec._state = 0
    dec._code = code
    dec._packet_size = size
    dec._delim = delim
    dec._buffer_size = buffer
    if binary_http is not None:
        dec._binary_http_opt = bool(binary_http)
    opt = dec._binary_http_opt
    dec._binary_http = code in BIN_TYPES if opt is None else opt
    # The fast paths' limits: a body of 1/2/4 up to `_body_max` bytes (larger ones go the
    # slow way, which reproduces Erlang's C arithmetic); a line of at most `_window` bytes,
    # neither cut at `buffer` nor over `packet_size` (longer ones and line ends not found
    # within `_window` bytes go the slow way).
    hlen = 2 if code == PB2 else 4 if code == PB4 else 1
    dec._body_max = min(size or INT_MAX, INT_MAX - hlen)
    dec._window = min(buffer or NO_LIMIT, size or NO_LIMIT)
    if code in HTTP_TYPES:  # an HTTP line's limit: packet_size, else buffer (`http_length`)
        dec._window = size or buffer
    dec._scan = 0
    dec._join()


def _ready(dec: PacketDecoder) -> bool:
    """Join the bytes kept aside once they can complete a packet; False if not yet."""
    if len(dec._buf) - dec._pos + dec._chunks_len >= dec._need:
        dec._join()
        return True
    delim = dec._wait_delim
    if delim >= 0:
        chunks = dec._chunks
        for i in range(dec._searched, len(chunks)):
            if delim in chunks[i]:
                dec._join()
                return True
        dec._searched = len(chunks)
    return False


def _decode(dec: PacketDecoder, code: int, d: bytes, pos: int) -> Any:
    """`PacketDecoder.next` for every type and case (need more, errors, long lines, HTTP)
    on ``d`` from ``pos``, no bytes kept aside: the packet as `next` returns it, or None
    after noting what to wait for; raises `PacketError` as `next` does."""
    if code == RAW:
        return dec.next_raw(0)
    end = len(d)
    if pos >= end:
        return None  # nothing to wait for: the next `feed` replaces the buffer
    max_plen = dec._packet_size
    if code == LINE:
        trunc = dec._buffer_size
        wend = pos + trunc if trunc and end - pos > trunc else end
        size, dec._scan = line_length(d, pos, wend, max_plen, trunc, dec._delim, dec._scan)
        if size == 0:
            limit = trunc
            if max_plen and (not limit or max_plen + 1 < limit):
                limit = max_plen + 1
            dec._need = limit or NO_LIMIT  # keep new bytes aside until a line can end
            dec._wait_delim = dec._delim
            return None
    elif code in HTTP_TYPES:
        header = code in HEADER_TYPES or dec._state != 0
        size, dec._scan = http_length(d, pos, end, max_plen, dec._buffer_size, header, dec._scan)
        if size == 0:
            avail = end - pos
            if dec._scan < avail:
                dec._need = avail + 1  # a line end at the end: the next byte decides
            else:
                dec._need = max_plen or dec._buffer_size or NO_LIMIT
            dec._wait_delim = 10
            return None
    else:
        size = fixed_length(code, d, pos, end, max_plen)
        if size == 0 or size > end - pos:
            dec._need = size if size > 0 else end - pos + 1
            dec._wait_delim = -1
            return None
    if size < 0:
        dec._need = 0  # the bad bytes stay: the next attempt fails the same way
        raise PacketError(EMSGSIZE)
    dec._scan = 0
    stop = pos + size
    dec._pos = stop
    packet = d[pos:stop]
    if code in HTTP_TYPES:
        state = 1 if code in HEADER_TYPES else dec._state
        term, dec._state = parse_http(packet, state, dec._binary_http)
        return term
    if code == SSL_TLS:
        return ssl_tls_term(packet)
    return packet_body(code, packet)

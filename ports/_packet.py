"""The packet codec: every ``{packet, Type}`` of Erlang, as a sans-IO framer.

Bytes in, packets out, "need more data" as an explicit answer. The codec has no I/O: it
imports neither ``socket`` nor ``asyncio`` nor the actor runtime (only the term types of
`actors`: `Atom` and `Badarg`). This module is its front:

- `decode_packet`, which mirrors ``erlang:decode_packet/3`` term for term;
- `encode_packet`, the header ``gen_tcp:send/2`` puts in front of the data;
- `PacketDecoder` (from `ports._decoder`), the incremental decoder a port feeds with what
  the socket reads, which frames as Erlang's inet driver does;
- `PacketError`, raised by the decoder when the stream breaks the framing (``emsgsize``).

Where a packet ends is decided by `ports._framing`; HTTP lines are parsed by `ports._http`.
"""

from __future__ import annotations

import builtins
from typing import Any, Final

from actors import Atom, Badarg

from ._decoder import PacketDecoder
from ._framing import (
    BIN_TYPES,
    COMPILED,
    HEADER_TYPES,
    HTTP_TYPES,
    LINE,
    PB1,
    PB2,
    PB4,
    SSL_TLS,
    PacketError,
    find_byte,
    fixed_length,
    line_length,
    packet_body,
    packet_type,
    ssl_tls_term,
    uint,
)
from ._http import http_length, parse_http

__all__ = [
    "PacketDecoder",
    "PacketError",
    "decode_packet",
    "encode_packet",
    "packet_type",
]

_OK: Final = Atom("ok")
_MORE: Final = Atom("more")
_ERROR: Final = Atom("error")
_INVALID: Final = Atom("invalid")
_UNDEFINED: Final = Atom("undefined")


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
    if builtins.type(data) is bytes and (
        (isinstance(options, list) and not options) or (isinstance(options, tuple) and not options)
    ):
        # The common calls (2, raw, line, no options) without `packet_type`'s dict lookup
        # or the general path; the type is tested as `_TYPES` keys it (no bool, no float).
        d: bytes = data
        if isinstance(type, int):
            if not isinstance(type, bool):
                if type == 2:
                    n = len(d)
                    if n < 2:
                        return (_MORE, _UNDEFINED)
                    size = 2 + (d[0] << 8 | d[1])
                    if size > n:
                        return (_MORE, size)
                    if size == n:  # nothing after the packet: no second slice
                        return (_OK, d[2:], b"")
                    return (_OK, d[2:size], d[size:])
                if type == 0:
                    return (_OK, d, b"") if d else (_MORE, _UNDEFINED)
        elif isinstance(type, str):
            if type == "line":
                n = len(d)
                if COMPILED:  # (not a conditional expression: its value would be boxed)
                    end = find_byte(d, 10, 0, n) + 1
                else:
                    end = d.find(b"\n") + 1
                if not end:
                    return (_MORE, _UNDEFINED)
                if end == n:  # the whole binary is the line (as `d[:n]` is `d`)
                    return (_OK, d, b"")
                return (_OK, d[:end], d[end:])
            if type == "raw":
                return (_OK, d, b"") if d else (_MORE, _UNDEFINED)
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
        value = uint(value)
        if name == "packet_size":
            max_plen = value
        elif name == "line_length":
            trunc_len = value
        elif name == "line_delimiter" and code == LINE and value <= 255:
            delim = value
        else:
            raise Badarg()
    n = len(d)
    if code in HTTP_TYPES:
        header = code in HEADER_TYPES
        size, _ = http_length(d, 0, n, max_plen, trunc_len, header, 0)
    elif code == LINE:
        size, _ = line_length(d, 0, n, max_plen, trunc_len, delim, 0)
    else:
        size = fixed_length(code, d, 0, n, max_plen)
    if size < 0:
        return (_ERROR, _INVALID)
    if size == 0:
        return (_MORE, _UNDEFINED)
    if size > n:
        return (_MORE, size)
    packet = d[:size]
    rest = d[size:]
    if code in HTTP_TYPES:
        term, _ = parse_http(packet, 1 if code in HEADER_TYPES else 0, code in BIN_TYPES)
        return (_OK, term, rest)
    if code == SSL_TLS:
        return (_OK, ssl_tls_term(packet), rest)
    return (_OK, packet_body(code, packet), rest)


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



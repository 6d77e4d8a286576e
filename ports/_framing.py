"""Framing primitives of the packet codec: packet types and where a packet ends.

Sans-IO and stateless: each function looks at bytes and answers a length, an Erlang term,
or "need more". They follow ``packet_get_length``, ``packet_get_body`` and
``packet_parse_ssl`` in Erlang/OTP 25's erts/emulator/beam/packet_parser.c, including its
C integer arithmetic (lengths that wrap at 32 bits). `ports._packet` (``decode_packet``)
and `ports._decoder` (the port's incremental decoder) are built on them.
"""

from __future__ import annotations

import importlib
import re
from types import FunctionType
from typing import Any, Callable, Final

from mypy_extensions import i64, u8

try:
    from librt.strings import read_i64_le  # a mypyc primitive; mypyc brings librt
except ImportError:  # pragma: no cover - interpreted without mypy installed
    pass

from actors import Atom, Badarg

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
HTTP_TYPES: Final = frozenset((HTTP, HTTPH, HTTP_BIN, HTTPH_BIN))
HEADER_TYPES: Final = frozenset((HTTPH, HTTPH_BIN))
BIN_TYPES: Final = frozenset((HTTP_BIN, HTTPH_BIN))

SSL_TLS_ATOM: Final = Atom("ssl_tls")
EMSGSIZE: Final = Atom("emsgsize")
UINT_MAX: Final = 0xFFFFFFFF
INT_MAX: Final = 0x7FFFFFFF
#: "No limit" for sizes and search windows (larger than any buffer).
NO_LIMIT: Final = 1 << 62


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
    if type(packet) is bool or not isinstance(packet, (int, str)):
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


def fixed_length(code: int, d: bytes, pos: int, end: int, max_plen: int) -> int:
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
        return _remain(4, ((d[pos + 2] << 8 | d[pos + 3]) - 4) & UINT_MAX, max_plen)
    if code == SSL_TLS:
        if n < 5:
            return 0
        if d[pos] & 0x80 and d[pos + 2] == 1:  # SSLv2 client hello
            plen = (((d[pos] << 8 | d[pos + 1]) & 0x7FFF) - 3) & UINT_MAX
        else:
            plen = d[pos + 3] << 8 | d[pos + 4]
        return _remain(5, plen, max_plen)
    raise AssertionError(code)  # pragma: no cover


def _probe() -> None:
    """Its type tells whether this module runs compiled (`COMPILED`)."""


COMPILED: Final = not isinstance(_probe, FunctionType)
"""This module is compiled: a short search word by word beats a call of ``bytes.find``
(whose arguments are parsed from a tuple); interpreted, ``bytes.find`` is the fast way."""

def _c_find() -> Callable[[bytes, int, int, int], int] | None:
    """``ports._memchr.find`` (C, built with the compiled build), or None."""
    try:
        find: Callable[[bytes, int, int, int], int] = importlib.import_module("ports._memchr").find
    except ImportError:
        return None
    return find


_FIND: Final = _c_find()

SCAN: Final = 64
"""`find_byte` looks at this many bytes itself before it calls ``memchr`` (C's
``ports._memchr.find``, built with the compiled build, the only one that calls
`find_byte`): compiled, its scan costs about 2.5 instructions a byte, a call of C's find
about 25 ns, a call of ``bytes.find`` about 100 ns before ``memchr`` starts."""

_ONES: Final = 0x0101010101010101


def find_byte(d: bytes, byte: u8, start: i64, end: i64) -> i64:
    """``d.find(byte, start, end)`` for ``0 <= start``, the compiled way (see `COMPILED`):
    the first `SCAN` bytes eight at a time, the rest with C's ``memchr`` (or
    ``bytes.find``). Call it only
    when `COMPILED` (interpreted, it gives the same answers, slowly).

    Eight bytes are read as one native integer (``librt.strings.read_i64_le``, a mypyc
    primitive) and XORed with the byte repeated: the word holds the byte if the result
    has a zero byte, which ``(v - 0x01..01) & ~v & 0x80..80`` tells exactly (the classic
    "has zero byte" test, Hacker's Delight 6-1), and its lowest set bit is in the first
    zero byte. The last few bytes are looked at one by one. (Interpreted, the arithmetic
    is on Python ints, and the low 64 bits, all that is used, are the same.)"""
    n: i64 = len(d)
    if end > n:
        end = n
    stop = start + SCAN
    if stop > end:
        stop = end
    k = start
    ones = i64(_ONES)
    pattern = i64(byte) * ones
    while k + 8 <= stop:
        v = read_i64_le(d, k) ^ pattern
        zero = (v - ones) & ~v & (ones << 7)
        if zero:
            # The first zero byte of `v` is the lowest with its 0x80 bit set in `zero`:
            # below it, 0x01 in each byte; multiplied by 0x01..01, the count in the top byte.
            below = ((zero & -zero) >> 7) - 1
            return k + ((((below & ones) * ones) >> 56) & 0xFF)
        k += 8
    while k < stop:
        if u8(d[k]) == byte:
            return k
        k += 1
    if stop >= end:
        return -1
    if _FIND is not None:
        return _FIND(d, byte, stop, end)
    return d.find(byte, stop, end)


def find_far(d: bytes, byte: u8, start: i64, end: i64) -> i64:
    """`find_byte` for a byte that is likely far off (the lines seen so far were long):
    ``memchr`` at once, without the word-by-word scan (``bytes.find`` where C's is not
    built)."""
    if _FIND is not None:
        return _FIND(d, byte, start, end)
    return d.find(byte, start, end)


def line_length(
    d: bytes, pos: int, end: int, max_plen: int, trunc_len: int, delim: int, scan: int
) -> tuple[int, int]:
    """``packet_get_length`` for ``line``: ``(length, resume)``.

    Length as `fixed_length`; ``scan`` is where (from ``pos``) the search for the
    delimiter resumes, ``resume`` the value to pass next time.
    """
    n = end - pos
    if COMPILED:  # (not a conditional expression: its value would be boxed)
        i = find_byte(d, delim, pos + scan, end)
    else:
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


def ssl_tls_term(packet: bytes) -> tuple[Any, ...]:
    """``packet_parse_ssl``: ``{ssl_tls, [], ContentType, {Major, Minor}, Data}``."""
    if packet[0] & 0x80 and packet[2] == 1:
        length = len(packet) - 3
        data = b"\x01" + (length & 0xFFFFFF).to_bytes(3, "big") + packet[3:]
        return (SSL_TLS_ATOM, [], 22, (packet[3], packet[4]), data)
    return (SSL_TLS_ATOM, [], packet[0], (packet[1], packet[2]), packet[5:])


def packet_body(code: int, packet: bytes) -> bytes:
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


def uint(value: Any) -> int:
    if value.__class__ is bool or not isinstance(value, int) or not 0 <= value <= UINT_MAX:
        raise Badarg()
    return value


# -- many packets at once --------------------------------------------------------------------


def split_fixed(d: bytes, pos: int, code: int, body_max: int, limit: int, out: list[Any]) -> int:
    """Append to ``out`` the whole packets of 1/2/4 from ``pos`` (up to ``limit``, 0: all)
    whose body is at most ``body_max`` bytes; return where the first other one starts.

    Each is the body that `fixed_length` and `packet_body` give (the first packet that
    is incomplete, over ``body_max`` or beyond ``limit`` is left for them).
    """
    end = len(d)
    append = out.append
    if code == PB2 and not limit and body_max >= 0xFFFF:
        # The hot loop of {packet, 2}, kept free of every other branch: no length is
        # over the limit, and the header that is cut off ends it by an IndexError.
        try:
            while True:
                h = pos + 2
                stop = h + (d[pos] << 8 | d[pos + 1])
                if stop > end:
                    return pos
                append(d[h:stop])
                pos = stop
        except IndexError:
            return pos
    hlen = 2 if code == PB2 else 4 if code == PB4 else 1
    count = limit or -1
    while count:
        h = pos + hlen
        if h > end:
            break
        stop = h + int.from_bytes(d[pos:h], "big")
        if stop > end or stop - h > body_max:
            break
        append(d[h:stop])
        pos = stop
        count -= 1
    return pos


def split_lines(d: bytes, pos: int, first: int, window: int, limit: int) -> tuple[list[Any], int]:
    """The lines from ``pos`` (up to ``limit``, 0: all) that end within ``window`` bytes
    of their start, and where the first other one starts.

    ``first`` is the end of the first line (its delimiter's index, which must be within
    ``window`` bytes of ``pos``); the delimiter is the byte there. Compiled, `find_byte`
    finds each line end (`_scan_lines`). Interpreted, without a limit, short lines go
    through C-speed splitting (``splitlines``, or a regex when the data holds a CR or the
    delimiter is not LF); otherwise a ``find`` loop copies each line once and searches at
    C's ``memchr`` speed.
    """
    delim = d[first]
    if COMPILED:
        return _scan_lines(d, pos, first, window, limit, delim)
    if not limit and first - pos < 200:
        last = d.rfind(delim, first)
        region = d if pos == 0 and last + 1 == len(d) else d[pos : last + 1]
        if delim == 10 and 13 not in region:
            lines: list[Any] = region.splitlines(True)
        else:
            lines = _line_splitter(delim).findall(region)
        if window >= len(region) or max(map(len, lines)) <= window:
            return lines, last + 1
    lines = []
    append = lines.append
    find = d.find
    i = first
    if limit:
        while limit and i >= 0:
            i += 1
            append(d[pos:i])
            pos = i
            limit -= 1
            i = find(delim, pos, pos + window)
    else:
        while i >= 0:
            i += 1
            append(d[pos:i])
            pos = i
            i = find(delim, pos, pos + window)
    return lines, pos


def _scan_lines(d: bytes, pos: i64, first: i64, window: i64, limit: i64, delim: u8) -> tuple[list[Any], int]:
    """`split_lines`, compiled: each line end found by `find_byte` (or by `find_far`
    after a line longer than `SCAN`), each line copied once. Cheaper there than
    ``splitlines`` (which looks at every byte for CR and LF: 8.5 instructions a byte)."""
    lines: list[Any] = []
    i = first
    short = i - pos < SCAN
    while True:
        i += 1
        lines.append(d[pos:i])
        pos = i
        if limit:
            limit -= 1
            if not limit:
                break
        end = pos + window
        if short:  # (not a conditional expression: its value would be boxed)
            i = find_byte(d, delim, pos, end)
        else:
            i = find_far(d, delim, pos, end)
        if i < 0:
            break
        short = i - pos < SCAN
    return lines, pos


_line_splitters: dict[int, re.Pattern[bytes]] = {}


def _line_splitter(delim: int) -> re.Pattern[bytes]:
    """A regex that finds every line ending in ``delim`` (the delimiter included)."""
    pattern = _line_splitters.get(delim)
    if pattern is None:
        d = re.escape(bytes([delim]))
        pattern = _line_splitters[delim] = re.compile(b"[^" + d + b"]*" + d)
    return pattern

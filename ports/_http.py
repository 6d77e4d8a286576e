"""HTTP packet parsing for the packet codec: one line (or header) in, one Erlang term out.

This module turns one complete HTTP packet, as framed by `ports._packet`, into the term
Erlang's packet parser builds for ``{packet, http | httph | http_bin | httph_bin}``:
``{http_request, Method, Uri, Version}``, ``{http_response, Version, Status, Phrase}``,
``{http_header, Bit, Field, UnmodifiedField, Value}``, ``http_eoh`` and
``{http_error, Line}``. It also finds where an HTTP packet ends (header lines may continue
on lines that start with a space or tab).

It emulates ``packet_parse_http`` and the HTTP branch of ``packet_get_length`` of
Erlang/OTP 25 (erts/emulator/beam/packet_parser.c), including their quirks: integers wrap
as C ``int`` does, trailing garbage after a request's version is ignored, header names of
more than 50 characters keep their original case, and so on. Strings are ``str`` (code
points 0..255) for ``http``/``httph`` and ``bytes`` for the ``_bin`` types.

Sans-IO: no sockets, no event loop, no runtime; only `actors.Atom`.
"""

from __future__ import annotations

import re
from typing import Any, Final

from actors import Atom

__all__ = ["PARSED", "http_length", "parse_http"]

#: Header names Erlang knows, in the order of its table: a known field is returned as
#: an atom with ``Bit`` = its position + 1, any other as a string with ``Bit`` = 0.
_HEADERS: Final = (
    "Cache-Control Connection Date Pragma Transfer-Encoding Upgrade Via Accept "
    "Accept-Charset Accept-Encoding Accept-Language Authorization From Host "
    "If-Modified-Since If-Match If-None-Match If-Range If-Unmodified-Since Max-Forwards "
    "Proxy-Authorization Range Referer User-Agent Age Location Proxy-Authenticate Public "
    "Retry-After Server Vary Warning Www-Authenticate Allow Content-Base Content-Encoding "
    "Content-Language Content-Length Content-Location Content-Md5 Content-Range "
    "Content-Type Etag Expires Last-Modified Accept-Ranges Set-Cookie Set-Cookie2 "
    "X-Forwarded-For Cookie Keep-Alive Proxy-Connection"
).split()
_HEADER_ATOMS: Final[dict[bytes, tuple[int, Atom]]] = {
    name.encode(): (i + 1, Atom(name)) for i, name in enumerate(_HEADERS)
}
_METHOD_ATOMS: Final[dict[bytes, Atom]] = {
    m.encode(): Atom(m) for m in ("OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE")
}
_MAX_NAME_LEN: Final = 50

# A "token" byte is one that is not a tspecial in Erlang's parser: 33..127 minus the
# separators. (127 is a token byte there: its table leaves that entry unset.)
_SPECIALS: Final = b'()<>@,;:\\"/[]?={} \t'
_TOKEN_CLASS: Final = b"".join(
    re.escape(bytes([c])) for c in range(33, 128) if c not in _SPECIALS
)
_TOKEN_RUN: Final = re.compile(b"[" + _TOKEN_CLASS + b"]*")
_DIGITS: Final = re.compile(rb"[0-9]*")
_SP_RUN: Final = re.compile(b"[ \t]*")
_NON_SP_RUN: Final = re.compile(b"[^ \t]*")
_SP: Final = (32, 9)

_EOH: Final = Atom("http_eoh")
_HTTP_ERROR: Final = Atom("http_error")
_HTTP_REQUEST: Final = Atom("http_request")
_HTTP_RESPONSE: Final = Atom("http_response")
_HTTP_HEADER: Final = Atom("http_header")
_ABS_PATH: Final = Atom("abs_path")
_ABSOLUTE_URI: Final = Atom("absoluteURI")
_SCHEME: Final = Atom("scheme")
_STAR: Final = Atom("*")
_HTTP: Final = Atom("http")
_HTTPS: Final = Atom("https")
_UNDEFINED: Final = Atom("undefined")

_case_cache: dict[bytes, bytes] = {}

#: Lines parsed lately, by (binary, header state) (the decoder looks here first): clients repeat the same request line
#: and headers on every request, and a term (tuples, atoms, ints, bytes or str) can be
#: shared, since nothing changes it. Bounded: a full cache starts again empty.
_CACHE_SIZE: Final = 1024
_CACHE_LINE: Final = 256
PARSED: Final[tuple[tuple[dict[bytes, tuple[Any, int]], ...], ...]] = (({}, {}), ({}, {}))


def _c_int(digits: bytes) -> int:
    """The value C's ``i = 10*i + d`` loop leaves in a 32-bit ``int`` (it wraps)."""
    if not digits:
        return 0
    # 10**k is 0 modulo 2**32 for k >= 32, so only the last 32 digits count.
    v = int(digits[-32:]) & 0xFFFFFFFF
    return v - 0x100000000 if v & 0x80000000 else v


def _adjust_case(name: bytes) -> bytes:
    """Erlang's header-name casing: upper after start or ``-``, lower elsewhere."""
    cached = _case_cache.get(name)
    if cached is not None:
        return cached
    out = bytearray(name)
    up = True
    for i in range(len(out)):  # (by index: mypyc fails on iterating a bytearray)
        c = out[i]
        if up:
            if 97 <= c <= 122:
                out[i] = c - 32
            up = False
        elif 65 <= c <= 90:
            out[i] = c + 32
        elif c == 45:
            up = True
    result = bytes(out)
    if len(_case_cache) < 4096:
        _case_cache[name] = result
    return result


def http_length(
    data: bytes, pos: int, end: int, max_plen: int, trunc_len: int, header: bool, scan: int
) -> tuple[int, int]:
    """Where the HTTP packet starting at ``data[pos]`` ends: ``(length, resume)``.

    Emulates the HTTP branch of ``packet_get_length``: ``length`` > 0 is the packet's
    length, 0 means more data is needed, -1 is an error (a line longer than the limit).
    ``header`` is true in header state, where a line followed by one that starts with a
    space or tab continues. ``scan`` is an offset (from ``pos``) before which no newline
    remains to be found in the current line; ``resume`` is the one to pass next time, so
    that an incremental caller never searches the same bytes twice.
    """
    n = end - pos
    if n == 1 and data[pos] == 10:
        return 1, 0
    if n == 2 and data[pos] == 13 and data[pos + 1] == 10:
        return 2, 0
    if not max_plen:
        # Erlang's compatibility rule: line_length limits HTTP lines when packet_size is 0.
        max_plen = trunc_len
    find = data.find
    start = pos + scan
    while True:
        i = find(b"\n", start, end)
        if i < 0:
            if max_plen and n >= max_plen:
                return -1, 0
            return 0, end - pos
        plen = i - pos + 1
        if not header:
            if max_plen and plen > max_plen:
                return -1, 0
            return plen, 0
        if plen < n:
            if data[i + 1] in _SP and plen > 2:
                start = i + 1
                continue
            if max_plen and plen > max_plen:
                return -1, 0
            return plen, 0
        if max_plen and plen > max_plen:
            return -1, 0
        # The line ends the buffer: whether it continues depends on the next byte.
        return 0, i - pos


def parse_http(buf: bytes, state: int, binary: bool) -> tuple[Any, int]:
    """Parse one complete HTTP packet ``buf`` (ending in LF): ``(term, new_state)``.

    Emulates ``packet_parse_http`` with Erlang's term builders (erl_bif_port.c): state 0
    expects a request or status line, any other state a header line (or the empty line
    that ends the headers, which returns ``http_eoh`` and state 0). A line that does not
    parse gives ``{http_error, Line}`` (the line with its line end) and keeps the state.
    """
    cache = PARSED[binary][state != 0]
    hit = cache.get(buf)
    if hit is not None:
        return hit
    term = _parse(buf, state, binary)
    if term is None:
        return (_HTTP_ERROR, buf if binary else buf.decode("latin-1")), state
    result = (term, 0) if term is _EOH else (term, 1)
    if len(buf) <= _CACHE_LINE:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[buf] = result
    return result


def _parse(buf: bytes, state: int, binary: bool) -> Any:
    n = len(buf)
    if n >= 2 and buf[n - 2] == 13:
        n -= 2
    elif n >= 1 and buf[n - 1] == 10:
        n -= 1

    def s(b: bytes) -> Any:
        return b if binary else b.decode("latin-1")

    if state == 0:
        if n >= 5 and buf.startswith(b"HTTP/"):
            return _parse_response(buf, n, s)
        return _parse_request(buf, n, s)
    if n == 0:
        return _EOH
    m = _TOKEN_RUN.match(buf, 0, n)
    assert m is not None
    q = m.end()
    if q == n or buf[q] != 58:  # ':'
        return None
    oname = buf[:q]
    known = None
    if q <= _MAX_NAME_LEN:
        name = _adjust_case(oname)
        known = _HEADER_ATOMS.get(name)
    else:
        name = oname
    p = q + 1
    sp = _SP_RUN.match(buf, p, n)
    assert sp is not None
    value = buf[sp.end() : n]
    if known is not None:
        return (_HTTP_HEADER, known[0], known[1], s(oname), s(value))
    return (_HTTP_HEADER, 0, s(name), s(oname), s(value))


def _version(buf: bytes, p: int, n: int) -> tuple[int, int, int] | None:
    """``1*DIGIT "." 1*DIGIT`` at ``buf[p]``: ``(major, minor, end)`` or None."""
    m = _DIGITS.match(buf, p, n)
    assert m is not None
    q = m.end()
    if q == p or q == n or buf[q] != 46:  # '.'
        return None
    major = _c_int(buf[p:q])
    p = q + 1
    m = _DIGITS.match(buf, p, n)
    assert m is not None
    q = m.end()
    if q == p:
        return None
    return major, _c_int(buf[p:q]), q


def _parse_response(buf: bytes, n: int, s: Any) -> Any:
    v = _version(buf, 5, n)
    if v is None:
        return None
    major, minor, p = v
    m = _SP_RUN.match(buf, p, n)
    assert m is not None
    if m.end() == p:
        return None
    p = m.end()
    m = _DIGITS.match(buf, p, n)
    assert m is not None
    status = _c_int(buf[p : m.end()])
    p = m.end()
    m = _SP_RUN.match(buf, p, n)
    assert m is not None
    if m.end() == p and p < n:
        return None
    return (_HTTP_RESPONSE, (major, minor), status, s(buf[m.end() : n]))


def _parse_request(buf: bytes, n: int, s: Any) -> Any:
    m = _TOKEN_RUN.match(buf, 0, n)
    assert m is not None
    p = m.end()
    if p == n or p == 0 or buf[p] not in _SP:
        return None
    meth_bytes = buf[:p]
    method = _METHOD_ATOMS.get(meth_bytes)
    m = _SP_RUN.match(buf, p, n)
    assert m is not None
    uri_start = m.end()
    m = _NON_SP_RUN.match(buf, uri_start, n)
    assert m is not None
    uri_end = m.end()
    if uri_end == uri_start:
        return None
    m = _SP_RUN.match(buf, uri_end, n)
    assert m is not None
    p = m.end()
    if p == n:
        major, minor = 0, 9
    else:
        if n - p < 8 or not buf.startswith(b"HTTP/", p):
            return None
        v = _version(buf, p + 5, n)
        if v is None:
            return None
        major, minor, _ = v
    uri = _parse_uri(buf[uri_start:uri_end], s)
    return (
        _HTTP_REQUEST,
        method if method is not None else s(meth_bytes),
        uri,
        (major, minor),
    )


def _parse_uri(u: bytes, s: Any) -> Any:
    """Emulates ``http_parse_uri``: '*', abs_path, absoluteURI, scheme or a plain string."""
    if u == b"*":
        return _STAR
    if len(u) <= 1 or u[0] == 47:  # '/'
        return (_ABS_PATH, s(u))
    head = u[:8].lower()
    if head.startswith(b"http://"):
        return _absolute_uri(_HTTP, u[7:], s)
    if head == b"https://":
        return _absolute_uri(_HTTPS, u[8:], s)
    i = u.find(b":")
    if i < 0:
        return s(u)
    return (_SCHEME, s(u[:i]), s(u[i + 1 :]))


def _absolute_uri(scheme: Atom, u: bytes, s: Any) -> Any:
    """Emulates OTP 25's ``http_parse_absoluteURI``: host, port (or undefined), path."""
    i = u.find(b"/")
    if i < 0:
        path = b"/"
        hostport = u
    else:
        path = u[i:]
        hostport = u[:i]
    port: Any = _UNDEFINED
    j = hostport.find(b":")
    if j < 0:
        host = hostport
    else:
        host = hostport[:j]
        digits = hostport[j + 1 :]
        m = _DIGITS.match(digits)
        assert m is not None
        if m.end() == len(digits):
            value = _c_int(digits)
            if value != 0:
                port = value
    return (_ABSOLUTE_URI, scheme, s(host), port, s(path))

"""Differential tests: `ports.decode_packet` against the real ``erlang:decode_packet/3``.

Tens of thousands of generated inputs (well-formed, truncated, oversized, random, every
packet type and option, HTTP lines with odd spacing, methods, versions, URIs and header
continuations, bad arguments) go to Erlang in one escript run per batch; every result must
be identical, term for term, to ours.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from actors import Atom, ErlangError
from ports._packet import decode_packet
from tests.erlang_oracle import (
    SKIP_REASON,
    binary_to_term,
    canonical,
    erlang_available,
    run_escript,
    term_to_binary,
)

pytestmark = [
    pytest.mark.erlang,
    pytest.mark.skipif(not erlang_available(), reason=SKIP_REASON),
]

A = Atom
Case = tuple[Any, Any, Any]

ORACLE = r"""
-mode(compile).
main([In, Out]) ->
    Cases = binary_to_term(element(2, file:read_file(In))),
    Results = [run(C) || C <- Cases],
    ok = file:write_file(Out, term_to_binary(Results)).

run({Type, Data, Options}) ->
    try erlang:decode_packet(Type, Data, Options)
    catch error:Reason -> {'EXIT', Reason}
    end.
"""


def erlang_results(cases: list[Case]) -> list[Any]:
    result = binary_to_term(run_escript(ORACLE, term_to_binary(cases)))
    assert isinstance(result, list)
    return result


def python_result(case: Case) -> Any:
    try:
        return decode_packet(*case)
    except ErlangError as e:
        return (A("EXIT"), e.reason)


def check(cases: list[Case]) -> None:
    expected = erlang_results(cases)
    assert len(expected) == len(cases)
    mismatches = []
    for case, want in zip(cases, expected):
        got = python_result(case)
        if canonical(got) != canonical(want):
            mismatches.append((case, want, got))
    assert not mismatches, (
        f"{len(mismatches)} of {len(cases)} differ; first ones:\n"
        + "\n".join(f"  {c!r}\n    erlang: {w!r}\n    python: {g!r}" for c, w, g in mismatches[:10])
    )


# -- generators ------------------------------------------------------------------------------

FRAMED = [0, A("raw"), 1, 2, 4, A("asn1"), A("sunrm"), A("cdr"), A("fcgi"), A("tpkt"), A("ssl_tls")]
HTTP_TYPES = [A("http"), A("httph"), A("http_bin"), A("httph_bin")]


def rand_bytes(rng: random.Random, n: int) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(n))


def framed_packet(rng: random.Random, ptype: Any) -> bytes:
    """A well-formed packet of ``ptype`` (or, sometimes, a subtly wrong one)."""
    body = rand_bytes(rng, rng.choice([0, 1, 2, 5, 17, 100, 255, 256, 300, 1000]))
    if ptype in (0, "raw"):
        return body
    if ptype == 1:
        return bytes([len(body) & 255]) + body
    if ptype == 2:
        return len(body).to_bytes(2, "big") + body
    if ptype == 4:
        return len(body).to_bytes(4, "big") + body
    if ptype == "sunrm":
        return (len(body) | (rng.getrandbits(1) << 31)).to_bytes(4, "big") + body
    if ptype == "asn1":
        tag = rng.choice([b"\x30", b"\x02", b"\x1f\x81\x01", b"\x3f\x05", b"\xff\x80\x80\x01"])
        n = len(body)
        form = rng.randrange(4)
        if n < 128 and form == 0:
            length = bytes([n])
        elif form == 3:
            length = b"\x80"  # indefinite form: length 0
        else:
            k = rng.choice([1, 2, 3, 4]) if n < 256 else rng.choice([2, 3, 4])
            length = bytes([0x80 | k]) + n.to_bytes(k, "big")
        return tag + length + body
    if ptype == "cdr":
        flags = rng.randrange(4)
        order = "little" if flags & 1 else "big"
        magic = b"GIOP" if rng.random() < 0.9 else b"GIOX"
        return magic + bytes([1, 2, flags, rng.randrange(8)]) + len(body).to_bytes(4, order) + body
    if ptype == "fcgi":
        pad = rng.randrange(8)
        version = 1 if rng.random() < 0.9 else rng.randrange(256)
        body = body[:65535]
        head = bytes([version, rng.randrange(12), 0, 1]) + len(body).to_bytes(2, "big")
        return head + bytes([pad, 0]) + body + rand_bytes(rng, pad)
    if ptype == "tpkt":
        version = 3 if rng.random() < 0.9 else rng.randrange(256)
        return bytes([version, 0]) + (len(body) + 4).to_bytes(2, "big") + body
    if ptype == "ssl_tls":
        if rng.random() < 0.3:  # SSLv2 client hello
            n = len(body) + 3
            return bytes([0x80 | (n >> 8), n & 255, 1]) + bytes([3, 1]) + body
        return bytes([rng.choice([20, 21, 22, 23]), 3, rng.randrange(4)]) + len(body).to_bytes(
            2, "big"
        ) + body
    raise AssertionError(ptype)


def options(rng: random.Random, ptype: Any, n: int) -> list[Any]:
    opts: list[Any] = []
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
        kind = rng.randrange(3)
        if kind == 0:
            value = rng.choice([0, 1, 2, 3, 5, 10, n, n - 1, n + 1, max(n // 2, 0), 1000, 2**32 - 1])
            opts.append((A("packet_size"), max(value, 0)))
        elif kind == 1:
            value = rng.choice([0, 1, 2, 5, 10, n, n - 1, n + 1, max(n // 2, 0), 1000])
            opts.append((A("line_length"), max(value, 0)))
        elif ptype == "line":
            opts.append((A("line_delimiter"), rng.choice([10, 13, 0, 32, 97, 255])))
    return opts


def framed_cases(rng: random.Random, count: int) -> Iterator[Case]:
    for _ in range(count):
        ptype = rng.choice(FRAMED)
        data = framed_packet(rng, ptype)
        roll = rng.random()
        if roll < 0.3:
            data = data[: rng.randrange(len(data) + 1)]  # truncated
        elif roll < 0.5:
            data += framed_packet(rng, ptype)  # trailing data
        elif roll < 0.6:
            data = rand_bytes(rng, rng.randrange(16))  # random bytes
        elif roll < 0.65:
            data = bytes([rng.choice([0x7F, 0x80, 0xFF])]) * rng.randrange(1, 8)  # huge lengths
        yield (ptype, data, options(rng, ptype, len(data)))


def line_cases(rng: random.Random, count: int) -> Iterator[Case]:
    alphabet = b"ab\n\r \x00\xff"
    for _ in range(count):
        n = rng.choice([0, 1, 2, 3, 5, 10, 30, 100])
        data = bytes(rng.choice(alphabet) for _ in range(n))
        yield (A("line"), data, options(rng, "line", n))


METHODS = ["GET", "POST", "OPTIONS", "HEAD", "PUT", "DELETE", "TRACE", "get", "PATCH", "FOO",
           "M-SEARCH", "G\x7fT", "GE(T", "", "X" * 60]
URIS = ["/", "*", "/a/b?c=d#e", "http://host/path", "http://host:8080/p", "HTTP://Host:0/",
        "https://h:443", "https://h", "http://h:99999999999999/x", "http://h:12a/x",
        "http://[::1]:80/x", "http://h:/", "ftp://x.y/z", "urn:isbn:1", "a", "ab", "%", "**",
        "http:/x", "https:/", "http://", "mailto:", "/\x80\xff", "h:", ":x", "http://a:65536"]
VERSIONS = ["HTTP/1.1", "HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/12.345", "HTTP/1.", "HTTP/.1",
            "HTTP/1.1x", "HTTP/x.y", "HTTP/1", "HTTP/99999999999.4294967297", "http/1.1",
            "HTTP/1.1 extra", "", "HTTP/1.1\t", "HTTP/01.01"]
SPACES = [" ", " ", " ", "  ", "\t", " \t ", ""]
ENDINGS = ["\r\n", "\r\n", "\n", "\r\r\n", "", "\r"]
HEADERS = ["Host", "host", "HOST", "content-type", "Content-Length", "content-md5", "ETAG",
           "www-authenticate", "Set-Cookie2", "x-forwarded-for", "X-Custom", "x--y", "-x",
           "a-b-c", "A1-b2", "Keep-Alive", "Proxy-Connection", "", "N" * 50, "n" * 51,
           "Accept_Charset", "X\x7fY", "foo bar", "foo;bar"]
PHRASES = ["OK", "Not Found", "", " spaced ", "\x80\xff"]
STATUSES = ["200", "404", "", "2x", "99999999999", "0"]


def http_line(rng: random.Random, kind: int) -> str:
    if kind == 0:
        line = rng.choice(METHODS) + rng.choice(SPACES) + rng.choice(URIS)
        if rng.random() < 0.85:
            line += rng.choice(SPACES) + rng.choice(VERSIONS)
    elif kind == 1:
        line = rng.choice(VERSIONS) + rng.choice(SPACES) + rng.choice(STATUSES)
        line += rng.choice(SPACES) + rng.choice(PHRASES)
    elif kind == 2:
        line = rng.choice(HEADERS) + rng.choice([":", ": ", ":\t ", " :", ""])
        line += rng.choice(["value", "", "a b", " x ", "\x80"])
        if rng.random() < 0.2:
            line += rng.choice(ENDINGS) + rng.choice([" ", "\t"]) + "continued"
    else:
        line = rng.choice(["", "garbage", "HTTP/", "HTTP/1.1", " ", "\x00", "GET"])
    return line + rng.choice(ENDINGS[:4] if rng.random() < 0.8 else ENDINGS)


def http_cases(rng: random.Random, count: int) -> Iterator[Case]:
    for _ in range(count):
        kind = rng.choice([0, 0, 1, 2, 2, 2, 3])
        text = http_line(rng, kind)
        if rng.random() < 0.4:
            text += http_line(rng, rng.choice([kind, 2, 3]))
        if rng.random() < 0.5:
            text += rng.choice(["\r\n", "X: y\r\n", "\n"])
        data = text.encode("latin-1")
        if rng.random() < 0.1:
            data = data[: rng.randrange(len(data) + 1)]
        if kind == 2 or (kind == 3 and rng.random() < 0.5):
            ptype = rng.choice([A("httph"), A("httph_bin"), A("httph"), A("http")])
        else:
            ptype = rng.choice([A("http"), A("http_bin"), A("http"), A("httph")])
        opts = options(rng, "http", len(data)) if rng.random() < 0.25 else []
        yield (ptype, data, opts)


def random_cases(rng: random.Random, count: int) -> Iterator[Case]:
    types = FRAMED + HTTP_TYPES + [A("line")]
    for _ in range(count):
        ptype = rng.choice(types)
        data = rand_bytes(rng, rng.choice([0, 1, 2, 4, 8, 20, 64]))
        yield (ptype, data, options(rng, ptype, len(data)))


BAD_CASES: list[Case] = [
    (3, b"", []),
    (5, b"", []),
    (-1, b"", []),
    (A("foo"), b"", []),
    (A("line"), b"", [(A("line_delimiter"), 256)]),
    (2, b"", [(A("line_delimiter"), 10)]),
    (A("http"), b"", [(A("line_delimiter"), 10)]),
    (2, b"", [(A("packet_size"), -1)]),
    (2, b"", [(A("packet_size"), 2**32)]),
    (2, b"", [(A("packet_size"), 2**32 - 1)]),
    (2, b"\xff\xff\xff\xff", [(A("packet_size"), 2**32 - 1)]),
    (4, b"\xff\xff\xff\xfc", [(A("packet_size"), 2**32 - 1)]),
    (4, b"\xff\xff\xff\xfb", [(A("packet_size"), 2**32 - 1)]),
    (A("tpkt"), b"\x03\x00\x00\x00", [(A("packet_size"), 2**32 - 1)]),
    (A("tpkt"), b"\x03\x00\x00\x01", [(A("packet_size"), 2**32 - 1)]),
    (A("sunrm"), b"\xff\xff\xff\xff", [(A("packet_size"), 2**32 - 1)]),
    (2, b"", [(A("bogus"), 1)]),
    (2, b"", [(A("packet_size"), 1, 2)]),
    (2, b"", [A("packet_size")]),
    (2, b"", [(A("line_length"), A("x"))]),
    (2, [1, 2], []),
    (2, "ab", []),
    (2, 7, []),
    (2, b"", A("x")),
    (2, b"", (A("packet_size"), 1)),
    (A("line"), b"abc\n", [(A("line_delimiter"), 99)]),
    (A("line"), b"", [(A("line_length"), 0), (A("packet_size"), 0)]),
    (2, b"\x00\x01", [(A("packet_size"), 1), (A("packet_size"), 0)]),
]


def test_bad_arguments_raise_badarg_like_erlang() -> None:
    """Unknown types, bad options and non-binary data: badarg exactly where Erlang raises."""
    check(BAD_CASES)


@cache
def all_generated() -> dict[str, list[Case]]:
    rng = random.Random(20240404)
    return {
        "framed": list(framed_cases(rng, 16000)),
        "line": list(line_cases(rng, 8000)),
        "http": list(http_cases(rng, 24000)),
        "random": list(random_cases(rng, 8000)),
    }


@pytest.mark.parametrize("family", ["framed", "line", "http", "random"])
def test_generated_inputs_match_erlang(family: str) -> None:
    """Every generated input decodes to exactly what erlang:decode_packet/3 returns."""
    check(all_generated()[family])


def test_direct_path_inputs_match_erlang() -> None:
    """decode_packet's direct path (2, 0, raw, line with no options, exact bytes) against
    Erlang, on the inputs that test_packet.py gives it and the general path alike: empty
    and short data, cut headers, whole packets with and without data after them, lines
    around the compiled 64-byte scan, badarg for ``true``/``false``."""
    from tests.ports.test_packet import DIRECT_DATA

    types: list[Any] = [2, 0, A("raw"), A("line"), True, False]
    check([(t, data, []) for t in types for data in DIRECT_DATA])

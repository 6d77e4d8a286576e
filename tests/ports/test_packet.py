"""The packet codec: framing all at once, byte by byte and with trailing data; round trips;
the incremental decoder against `decode_packet`; errors; fuzzing.

The term-for-term comparison with Erlang itself is in test_packet_erlang.py.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors import Atom, Badarg
from ports import decode_packet as exported_decode_packet
from ports import _decoder
from ports._packet import (
    PacketDecoder,
    PacketError,
    decode_packet,
    encode_packet,
)

A = Atom
DETERMINISTIC = settings(derandomize=True, database=None, max_examples=200, deadline=None)

FRAMED_TYPES: list[Any] = [1, 2, 4, "asn1", "sunrm", "cdr", "fcgi", "tpkt"]


def frame(ptype: Any, body: bytes) -> bytes:
    """A well-formed packet of ``ptype`` carrying ``body``."""
    if ptype in (1, 2, 4):
        return b"".join(encode_packet(ptype, body))
    if ptype == "sunrm":
        return (len(body) | 0x80000000).to_bytes(4, "big") + body
    if ptype == "asn1":
        if len(body) < 128:
            return b"\x04" + bytes([len(body)]) + body
        return b"\x04\x82" + len(body).to_bytes(2, "big") + body
    if ptype == "cdr":
        return b"GIOP\x01\x02\x01\x00" + len(body).to_bytes(4, "little") + body
    if ptype == "fcgi":
        return b"\x01\x05\x00\x01" + len(body).to_bytes(2, "big") + b"\x03\x00" + body + b"pad"
    if ptype == "tpkt":
        return b"\x03\x00" + (len(body) + 4).to_bytes(2, "big") + body
    raise AssertionError(ptype)


def delivered(ptype: Any, body: bytes) -> bytes:
    """What Erlang delivers for a packet: the body for 1/2/4, fcgi without padding, else all."""
    if ptype in (1, 2, 4):
        return body
    if ptype == "fcgi":
        return frame(ptype, body)[:-3]
    return frame(ptype, body)


def drain(decoder: PacketDecoder, out: list[Any] | None = None) -> list[Any]:
    """Call next() until None; packets land in ``out`` even if it raises."""
    if out is None:
        out = []
    while (packet := decoder.next()) is not None:
        out.append(packet)
    return out


BODIES = [b"", b"x", b"hello", bytes(range(256)) * 3, b"\n\r\x00" * 50]


# -- decode_packet basics ----------------------------------------------------------------


def test_decode_packet_is_exported_from_ports() -> None:
    assert exported_decode_packet is decode_packet


@pytest.mark.parametrize("ptype", FRAMED_TYPES)
def test_decode_packet_each_framed_type_with_trailing_data(ptype: Any) -> None:
    """A whole packet followed by more bytes: the packet, and the rest untouched."""
    for body in BODIES:
        if ptype == 1 and len(body) > 255:
            continue
        data = frame(ptype, body) + b"trailing"
        assert decode_packet(ptype, data, []) == ("ok", delivered(ptype, body), b"trailing")


@pytest.mark.parametrize("ptype", FRAMED_TYPES)
def test_decode_packet_every_truncation_asks_for_more(ptype: Any) -> None:
    """Every proper prefix of a packet is ("more", total or undefined), never an error."""
    data = frame(ptype, b"0123456789")
    for i in range(len(data)):
        result = decode_packet(ptype, data[:i], [])
        assert result[0] == "more"
        assert result[1] == A("undefined") or result[1] == len(data) - (3 if ptype == "fcgi" else 0) + (
            3 if ptype == "fcgi" else 0
        )


def test_decode_packet_results_use_atoms() -> None:
    ok = decode_packet(2, b"\x00\x01ab", [])
    assert ok == (A("ok"), b"a", b"b") and type(ok[0]) is Atom
    assert repr(decode_packet(2, b"\x00", [])) == "(more, undefined)"
    assert repr(decode_packet(2, b"\x00\x05", [("packet_size", 4)])) == "(error, invalid)"


def test_decode_packet_http_terms() -> None:
    """The HTTP terms, as Erlang builds them, with str or bytes strings by type."""
    assert decode_packet("http", b"GET /a?b HTTP/1.1\r\nrest", []) == (
        "ok",
        ("http_request", A("GET"), ("abs_path", "/a?b"), (1, 1)),
        b"rest",
    )
    assert decode_packet("http_bin", b"HTTP/1.0 404 Not Found\r\n", []) == (
        "ok",
        ("http_response", (1, 0), 404, b"Not Found"),
        b"",
    )
    assert decode_packet("http", b"get http://h:8080/p HTTP/1.0\n", [])[1] == (
        "http_request",
        "get",
        ("absoluteURI", A("http"), "h", 8080, "/p"),
        (1, 0),
    )
    assert decode_packet("httph", b"content-length: 5\r\n\r\n", [])[1] == (
        "http_header",
        38,
        A("Content-Length"),
        "content-length",
        "5",
    )
    assert decode_packet("httph_bin", b"x-my-header: a\r\n b\r\n\r\n", [])[1] == (
        "http_header",
        0,
        b"X-My-Header",
        b"x-my-header",
        b"a\r\n b",
    )
    assert decode_packet("httph", b"\r\n", []) == ("ok", "http_eoh", b"")
    assert decode_packet("http", b"bad\r\n", []) == ("ok", ("http_error", "bad\r\n"), b"")
    # A header line at the end of the data may continue: Erlang waits for the next byte.
    assert decode_packet("httph", b"Host: x\r\n", []) == ("more", "undefined")


@pytest.mark.parametrize(
    ("ptype", "data", "options"),
    [
        (3, b"", []),
        ("nope", b"", []),
        (True, b"", []),
        (2.0, b"", []),
        (2, "text", []),
        (2, [1, 2], []),
        (2, None, []),
        (2, b"", [("packet_size", -1)]),
        (2, b"", [("packet_size", 2**32)]),
        (2, b"", [("packet_size", True)]),
        (2, b"", [("line_delimiter", 10)]),
        ("line", b"", [("line_delimiter", 256)]),
        (2, b"", [("other", 1)]),
        (2, b"", ["packet_size"]),
        (2, b"", "packet_size"),
        (2, b"", None),
    ],
)
def test_decode_packet_bad_arguments_raise_badarg(ptype: Any, data: Any, options: Any) -> None:
    with pytest.raises(Badarg):
        decode_packet(ptype, data, options)


# -- encode_packet -------------------------------------------------------------------------


def test_encode_packet_headers_truncate_like_erlang() -> None:
    """Oversized payloads get a header of len mod 2**8/2**16, as inet_drv sends them."""
    assert encode_packet(1, b"a" * 300) == [bytes([300 % 256]), b"a" * 300]
    assert encode_packet(2, b"a" * 70000) == [(70000 % 65536).to_bytes(2, "big"), b"a" * 70000]
    assert encode_packet(4, b"abc") == [b"\x00\x00\x00\x03", b"abc"]
    assert encode_packet(1, b"") == [b"\x00", b""]


@pytest.mark.parametrize("ptype", [0, "raw", "line", "asn1", "cdr", "sunrm", "fcgi", "tpkt", "http", "httph_bin"])
def test_encode_packet_other_types_send_data_unchanged(ptype: Any) -> None:
    data = b"abc"
    out = encode_packet(ptype, data)
    assert out == [data] and out[0] is data


def test_encode_packet_bad_type_is_badarg() -> None:
    with pytest.raises(Badarg):
        encode_packet(3, b"")


@DETERMINISTIC
@given(st.sampled_from([1, 2, 4]), st.lists(st.binary(max_size=300), max_size=20), st.data())
def test_round_trip_length_prefixed(ptype: int, bodies: list[bytes], data: st.DataObject) -> None:
    """encode then decode gives the bodies back, however the stream is split."""
    if ptype == 1:
        bodies = [b[:255] for b in bodies]
    stream = b"".join(b"".join(encode_packet(ptype, b)) for b in bodies)
    decoder = PacketDecoder(ptype)
    out: list[Any] = []
    pos = 0
    while pos < len(stream):
        step = data.draw(st.integers(1, 64))
        decoder.feed(stream[pos : pos + step])
        pos += step
        out.extend(decoder.take())
    assert out == bodies
    assert decoder.pending() == 0


@DETERMINISTIC
@given(
    st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=20),
    st.integers(1, 200),
)
def test_round_trip_lines(lines: list[bytes], chunk: int) -> None:
    """Lines shorter than the buffer come back whole, with their delimiter."""
    stream = b"".join(line + b"\n" for line in lines)
    decoder = PacketDecoder("line", buffer_size=1460)
    out: list[Any] = []
    for i in range(0, len(stream), chunk):
        decoder.feed(stream[i : i + chunk])
        out.extend(decoder.take())
    assert out == [line + b"\n" for line in lines]


# -- the incremental decoder: all at once, byte by byte, trailing data ---------------------------


@pytest.mark.parametrize("ptype", FRAMED_TYPES)
@pytest.mark.parametrize("split", ["all", "bytes", "trailing"])
def test_decoder_framed_types(ptype: Any, split: str) -> None:
    bodies = [b for b in BODIES if ptype != 1 or len(b) < 256]
    stream = b"".join(frame(ptype, b) for b in bodies)
    expected = [delivered(ptype, b) for b in bodies]
    decoder = PacketDecoder(ptype)
    if split == "all":
        decoder.feed(stream)
        assert decoder.take() == expected
    elif split == "bytes":
        out = []
        for i in range(len(stream)):
            decoder.feed(stream[i : i + 1])
            out.extend(drain(decoder))
        assert out == expected
    else:
        decoder.feed(stream + frame(ptype, b"partial")[:-1])
        assert drain(decoder) == expected
        assert decoder.next() is None
        decoder.feed(b"l")
        assert decoder.next() == delivered(ptype, b"partial")
    assert decoder.pending() == 0


HTTP_STREAM = (
    b"POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\n"
    b"X-Long: a\r\n  b\r\n\r\nGET * HTTP/1.0\nAccept: */*\n\n"
)


def http_reference(stream: bytes, binary: bool) -> list[Any]:
    """Packets by decode_packet, keeping the request/header state as inet_drv keeps it."""
    out = []
    header = False
    while stream:
        ptype = ("httph" if header else "http") + ("_bin" if binary else "")
        result = decode_packet(ptype, stream, [])
        if result[0] != "ok":
            break
        term = result[1]
        out.append(term)
        stream = result[2]
        if term == "http_eoh":
            header = False
        elif term[0] != "http_error":
            header = True
    return out


@pytest.mark.parametrize("ptype", ["http", "http_bin"])
@pytest.mark.parametrize("split", ["all", "bytes", "trailing"])
def test_decoder_http_keeps_state_like_inet(ptype: str, split: str) -> None:
    """Request line, headers (one continued), http_eoh, then the next request."""
    binary = ptype == "http_bin"
    expected = http_reference(HTTP_STREAM, binary)
    assert [t if t == "http_eoh" else t[0] for t in expected] == [
        "http_request", "http_header", "http_header", "http_header", "http_eoh",
        "http_request", "http_header", "http_eoh",
    ]
    decoder = PacketDecoder(ptype)
    if split == "all":
        decoder.feed(HTTP_STREAM)
        assert decoder.take() == expected
    elif split == "bytes":
        out = []
        for i in range(len(HTTP_STREAM)):
            decoder.feed(HTTP_STREAM[i : i + 1])
            out.extend(drain(decoder))
        assert out == expected
    else:
        decoder.feed(HTTP_STREAM + b"DELETE /x HTTP/1.1")
        assert decoder.take() == expected
        decoder.feed(b"\r\n")
        assert decoder.next() == ("http_request", A("DELETE"), ("abs_path", b"/x" if binary else "/x"), (1, 1))


@pytest.mark.parametrize("value_len", [0, 40, *range(50, 60), 130, *range(240, 252), 1000])
@pytest.mark.parametrize("at", [0, 7])
def test_decoder_http_finds_line_ends_on_either_side_of_its_scan(
    value_len: int, at: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Header lines of every length around the decoder's own scan window (`SCAN`, 256
    bytes, then bytes.find) give the packets decode_packet gives, fed whole, with bytes
    before the line, or byte by byte. (Interpreted, the scan is switched on here; compiled,
    it always runs.)"""
    monkeypatch.setattr(_decoder, "COMPILED", True)
    head = b"GET / HTTP/1.1\r\nHost: h\r\n"
    line = b"X-Long: " + b"v" * value_len + b"\r\n"
    stream = head + line + line[:-2] + b"\n" + b"\r\n"
    expected = http_reference(stream, True)
    assert len(expected) == 5 and expected[-1] == "http_eoh"
    assert expected[2][4] == b"v" * value_len  # the line went as one header
    whole = PacketDecoder("http_bin")
    whole.feed(stream[:at])
    whole.feed(stream[at:])
    assert drain(whole) == expected
    by_byte = PacketDecoder("http_bin")
    out = []
    for i in range(len(stream)):
        by_byte.feed(stream[i : i + 1])
        out.extend(drain(by_byte))
    assert out == expected


def test_decoder_httph_always_parses_headers() -> None:
    decoder = PacketDecoder("httph_bin")
    decoder.feed(b"A: b\r\n\r\nB: c\r\n\r\n")
    assert decoder.take() == [
        ("http_header", 0, b"A", b"A", b"b"),
        "http_eoh",
        ("http_header", 0, b"B", b"B", b"c"),
        "http_eoh",
    ]


def test_decoder_binary_http_override() -> None:
    decoder = PacketDecoder("http", binary_http=True)
    decoder.feed(b"GET / HTTP/1.1\r\n")
    assert decoder.next() == ("http_request", "GET", ("abs_path", b"/"), (1, 1))


def test_decoder_line_longer_than_buffer_comes_in_buffer_sized_pieces() -> None:
    """inet: {buffer, 10} and a 20-character line give two 10-byte pieces, then "\\n"."""
    for chunks in ([b"abcdefghijklmnopqrst\nxy"], [bytes([c]) for c in b"abcdefghijklmnopqrst\nxy"]):
        decoder = PacketDecoder("line", buffer_size=10)
        out = []
        for c in chunks:
            decoder.feed(c)
            out.extend(decoder.take())
        assert out == [b"abcdefghij", b"klmnopqrst", b"\n"]
        assert decoder.pending() == 2


def test_decoder_line_packet_size_below_buffer_is_emsgsize() -> None:
    """inet: {buffer, 10}, {packet_size, 5} and a long line: {error, emsgsize}."""
    decoder = PacketDecoder("line", packet_size=5, buffer_size=10)
    decoder.feed(b"abcdefghijklmnopqrst\nxy")
    with pytest.raises(PacketError) as info:
        decoder.next()
    assert info.value.reason == "emsgsize" and type(info.value.reason) is Atom
    # packet_size above the buffer size: pieces, as inet gives them.
    decoder = PacketDecoder("line", packet_size=15, buffer_size=10)
    decoder.feed(b"abcdefghijklmnopqrst\nxy")
    assert decoder.take() == [b"abcdefghij", b"klmnopqrst", b"\n"]


def test_decoder_line_delimiter() -> None:
    decoder = PacketDecoder("line", line_delimiter=ord(";"))
    decoder.feed(b"a;bb;\nc")
    assert decoder.take() == [b"a;", b"bb;"]
    assert decoder.pending() == 2


def test_decoder_packet_size_gives_emsgsize() -> None:
    """{packet, 2}, {packet_size, 3} and a 4-byte packet: emsgsize, as inet answers."""
    decoder = PacketDecoder(2, packet_size=3)
    decoder.feed(b"\x00\x02ok\x00\x04abcd")
    assert decoder.take() == [b"ok"]
    with pytest.raises(PacketError):
        decoder.take()
    with pytest.raises(PacketError):  # the bad bytes stay: asking again fails again
        decoder.next()


def test_decoder_bad_header_gives_emsgsize() -> None:
    decoder = PacketDecoder("tpkt")
    decoder.feed(b"\x01\x02\x03\x04")
    with pytest.raises(PacketError):
        decoder.next()


def test_decoder_http_line_over_buffer_is_emsgsize() -> None:
    """inet: {packet, http_bin}, {buffer, 10}, a long request line: emsgsize."""
    decoder = PacketDecoder("http_bin", buffer_size=10)
    decoder.feed(b"GET /aaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n")
    with pytest.raises(PacketError):
        decoder.next()


def test_decoder_set_packet_reframes_buffered_bytes() -> None:
    """A request read with {packet, http_bin}, then its body with raw: the bytes carry over."""
    decoder = PacketDecoder("http_bin")
    decoder.feed(b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody\x00\x01x")
    assert decoder.take() == [
        ("http_request", A("POST"), ("abs_path", b"/"), (1, 1)),
        ("http_header", 38, A("Content-Length"), b"Content-Length", b"4"),
        "http_eoh",
    ]
    decoder.set_packet("raw")
    assert decoder.next_raw(4) == b"body"
    decoder.set_packet(2)
    assert decoder.next() == b"x"
    assert decoder.pending() == 0
    with pytest.raises(Badarg):
        decoder.set_packet("bogus")


def test_decoder_raw_mode() -> None:
    """recv(S, N) in raw mode: exactly N bytes or wait; recv(S, 0): what is there."""
    decoder = PacketDecoder(0)
    assert decoder.next() is None
    decoder.feed(b"abc")
    assert decoder.next_raw(5) is None
    decoder.feed(b"de")
    decoder.feed(b"fgh")
    assert decoder.next_raw(5) == b"abcde"
    assert decoder.next_raw(0, cap=2) == b"fg"
    assert decoder.next() == b"h"
    assert decoder.next_raw(0) is None
    decoder.feed(bytearray(b"xy"))
    decoder.feed(memoryview(b"z"))
    assert decoder.next_raw(0) == b"xyz"


def test_decoder_take_limit() -> None:
    decoder = PacketDecoder(1)
    decoder.feed(b"\x01a\x01b\x01c")
    assert decoder.take(2) == [b"a", b"b"]
    assert decoder.take(2) == [b"c"]
    decoder = PacketDecoder("line")
    decoder.feed(b"a\nb\nc\n")
    assert decoder.take(1) == [b"a\n"]
    assert decoder.take() == [b"b\n", b"c\n"]


def test_decoder_large_packets_in_small_chunks() -> None:
    """A 1 MB packet and a 200 kB header line fed in small pieces (linear, not quadratic)."""
    body = bytes(range(256)) * 4096
    decoder = PacketDecoder(4)
    stream = b"".join(encode_packet(4, body))
    for i in range(0, len(stream), 100):
        decoder.feed(stream[i : i + 100])
        assert decoder.next() is None or i + 100 >= len(stream)
    decoder.feed(b"")
    decoder = PacketDecoder(4)
    for i in range(0, len(stream), 1000):
        decoder.feed(stream[i : i + 1000])
    assert decoder.next() == body
    line = b"X-Big: " + b"v" * 200_000 + b"\r\n\r\n"
    decoder = PacketDecoder("httph_bin", packet_size=1 << 20)
    out = []
    for i in range(0, len(line), 50):
        decoder.feed(line[i : i + 50])
        out.extend(decoder.take())
    assert out == [("http_header", 0, b"X-Big", b"X-Big", b"v" * 200_000), "http_eoh"]


# -- the decoder agrees with decode_packet on random streams ----------------------------------


def reference_packets(ptype: Any, stream: bytes, packet_size: int, buffer_size: int) -> tuple[list[Any], bool]:
    """What the decoder must deliver for ``stream``: (packets, ends in an error)."""
    out: list[Any] = []
    if ptype in ("http", "httph", "http_bin", "httph_bin"):
        header = ptype.startswith("httph")
        binary = ptype.endswith("_bin")
        while stream:
            kind = ("httph" if header else "http") + ("_bin" if binary else "")
            result = decode_packet(kind, stream, [("packet_size", packet_size), ("line_length", buffer_size)])
            if result[0] == "error":
                return out, True
            if result[0] == "more":
                break
            term = result[1]
            out.append(term)
            stream = result[2]
            if ptype.startswith("httph"):
                header = True
            elif term == "http_eoh":
                header = False
            elif term[0] != "http_error":
                header = True
        return out, False
    while stream:
        window = stream[:buffer_size] if ptype == "line" else stream
        result = decode_packet(ptype, window, [("packet_size", packet_size), ("line_length", buffer_size)])
        if result[0] == "error":
            return out, True
        if result[0] == "more":
            break
        out.append(result[1])
        stream = stream[len(window) - len(result[2]) :] if ptype == "line" else result[2]
    return out, False


STREAM_TYPES = [1, 2, 4, "asn1", "sunrm", "cdr", "fcgi", "tpkt", "line", "http", "httph", "http_bin", "httph_bin"]


def random_stream(rng: random.Random, ptype: Any) -> bytes:
    parts = []
    for _ in range(rng.randrange(12)):
        if ptype in FRAMED_TYPES and rng.random() < 0.9:
            parts.append(frame(ptype, bytes(rng.getrandbits(8) for _ in range(rng.randrange(40)))))
        elif isinstance(ptype, str) and ptype.startswith("http"):
            parts.append(
                rng.choice(
                    [b"GET / HTTP/1.1\r\n", b"Host: a\r\n", b" cont\r\n", b"\r\n", b"\n", b"junk\r\n",
                     b"HTTP/1.1 200 OK\r\n", b"X-" + b"y" * rng.randrange(30) + b": z\r\n"]
                )
            )
        else:
            parts.append(bytes(rng.choice(b"ab\n\x00\x80") for _ in range(rng.randrange(20))))
    return b"".join(parts)


@pytest.mark.parametrize("ptype", STREAM_TYPES)
def test_decoder_matches_decode_packet_on_random_streams(ptype: Any) -> None:
    """Fed in random pieces, the decoder delivers what decode_packet finds, then the error."""
    rng = random.Random(f"decoder-{ptype}")
    for _ in range(300):
        stream = random_stream(rng, ptype)
        packet_size = rng.choice([0, 0, 5, 20, 1000])
        buffer_size = rng.choice([1460, 16, 7])
        expected, error = reference_packets(ptype, stream, packet_size, buffer_size)
        decoder = PacketDecoder(ptype, packet_size=packet_size, buffer_size=buffer_size)
        out: list[Any] = []
        failed = False
        pos = 0
        while pos < len(stream) and not failed:
            step = rng.randrange(1, 30)
            decoder.feed(stream[pos : pos + step])
            pos += step
            try:
                if rng.random() < 0.5:
                    out.extend(decoder.take())
                else:
                    drain(decoder, out)
            except PacketError as e:
                assert e.reason == "emsgsize"
                failed = True
        if not failed:
            try:
                out.extend(decoder.take())
            except PacketError:
                failed = True
        assert (out, failed) == (expected, error), (ptype, stream, packet_size, buffer_size)


# -- fuzzing -------------------------------------------------------------------------------

ANY_TYPE = st.one_of(
    st.sampled_from([0, 1, 2, 3, 4, "raw", "line", "asn1", "cdr", "sunrm", "fcgi", "tpkt", "http",
                     "httph", "http_bin", "httph_bin", "ssl_tls", "bogus", True, None, 2.0]),
    st.integers(-5, 10),
)
ANY_OPTION = st.one_of(
    st.tuples(
        st.sampled_from(["packet_size", "line_length", "line_delimiter", "other"]),
        st.one_of(st.integers(-2, 2**33), st.booleans(), st.none()),
    ),
    st.tuples(st.just("packet_size")),
    st.integers(),
    st.text(max_size=3),
)


@settings(derandomize=True, database=None, max_examples=2000, deadline=None)
@given(ANY_TYPE, st.one_of(st.binary(max_size=64), st.text(max_size=4), st.none()), st.lists(ANY_OPTION, max_size=3))
def test_fuzz_decode_packet_only_documented_results(ptype: Any, data: Any, options: Any) -> None:
    """Random arguments give ok/more/error tuples or badarg, never another exception."""
    try:
        result = decode_packet(ptype, data, options)
    except Badarg:
        return
    assert isinstance(result, tuple)
    assert result[0] in ("ok", "more", "error")
    if result[0] == "ok":
        assert isinstance(result[2], bytes)
        # the rest is what follows the packet: a proper suffix of the input
        assert len(result[2]) < len(data) and bytes(data).endswith(result[2])
    elif result[0] == "more":
        assert result[1] == "undefined" or (isinstance(result[1], int) and result[1] > len(data))
    else:
        assert result == ("error", "invalid")


@settings(derandomize=True, database=None, max_examples=1000, deadline=None)
@given(st.sampled_from(STREAM_TYPES + [0]), st.lists(st.binary(max_size=50), max_size=10), st.integers(0, 30))
def test_fuzz_decoder_only_packets_none_or_emsgsize(ptype: Any, chunks: list[bytes], packet_size: int) -> None:
    decoder = PacketDecoder(ptype, packet_size=packet_size, buffer_size=16)
    for chunk in chunks:
        decoder.feed(chunk)
        try:
            for packet in decoder.take():
                assert packet is not None
        except PacketError as e:
            assert e.reason == "emsgsize"
            return


@pytest.mark.parametrize(
    "length", [1, 2, 7, 8, 9, 16, 17, 40, 62, 63, 64, 65, 66, 67, 127, 128, 129, 255, 256, 257, 258, 1000]
)
@pytest.mark.parametrize("scan", [False, True])
def test_line_ends_on_either_side_of_the_byte_scan(length: int, scan: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines of every length around the compiled search (8 bytes at a time, `SCAN` = 256, then
    bytes.find) split where the delimiter is, for decode_packet (with and without options)
    and the port's decoder (one packet at a time and all at once), from the start of the
    data or after other lines, as erlang:decode_packet(line, ...) splits them."""
    from ports import _framing, _packet

    for module in (_framing, _packet, _decoder):
        monkeypatch.setattr(module, "COMPILED", scan)
    line = bytes(97 + i % 26 for i in range(length - 1)) + b"\n"
    rest = b"tail"
    assert decode_packet("line", line + rest, []) == ("ok", line, rest)
    assert decode_packet("line", line[:-1], []) == ("more", "undefined")
    assert decode_packet("line", line + rest, [("packet_size", 0)]) == ("ok", line, rest)
    stream = b"ab\n" + line + line + rest
    for take in (False, True):
        decoder = PacketDecoder("line")
        decoder.feed(stream)
        got = decoder.take() if take else [p for p in iter(decoder.next, None)]
        assert got == [b"ab\n", line, line]


# -- decode_packet's direct path (2, raw, line with no options) ----------------------------

_LONG = bytes(97 + i % 26 for i in range(257))
DIRECT_DATA = [
    b"", b"\x00", b"\n", b"\x00\x00", b"\x00\x05", b"\x00\x05hel", b"\x00\x05hello",
    b"\x00\x05hello\x00\x01x", b"\x00\x01ab", b"\xff\xffabc", b"abc", b"abc\n", b"abc\nde",
    b"\n\n", b"hello world\n",
    *(_LONG[:n] + b"\n" + tail for n in (6, 7, 8, 62, 63, 64, 65, 129, 255, 256, 257) for tail in (b"", b"tail")),
    _LONG,
]


class _Bytes(bytes):
    """A bytes subclass: not exact bytes, so the general path takes it."""


@pytest.mark.parametrize("ptype", [2, 0, "raw", A("raw"), "line", A("line")])
@pytest.mark.parametrize("options", [[], ()])
def test_decode_packet_direct_path_answers_as_the_general_path(ptype: Any, options: Any) -> None:
    """With no options and exact bytes, 2/raw/line answer without the general path; they
    give term for term what the general path gives it (reached by a neutral option, a
    bytearray or a bytes subclass), packets and rests as exact bytes and atoms as atoms.
    (The same inputs go to Erlang in test_packet_erlang.py.)"""
    for data in DIRECT_DATA:
        want = decode_packet(ptype, data, [("packet_size", 0)])
        for got in (
            decode_packet(ptype, data, options),
            decode_packet(ptype, bytearray(data), options),
            decode_packet(ptype, _Bytes(data), options),
        ):
            assert got == want, data
            assert all(type(x) in (Atom, bytes, int) for x in got)
            assert type(got[0]) is Atom and type(got[-1]) is not bool


def test_decode_packet_direct_path_results_recorded_from_erlang() -> None:
    """The direct path's answers, as erlang:decode_packet/3 gave them (OTP 25)."""
    assert decode_packet("line", b"hello world\n", []) == ("ok", b"hello world\n", b"")
    assert decode_packet("line", b"\n", []) == ("ok", b"\n", b"")
    assert decode_packet("line", b"abc\nde", []) == ("ok", b"abc\n", b"de")
    assert decode_packet("line", b"abc", []) == ("more", "undefined")
    assert decode_packet("line", b"", []) == ("more", "undefined")
    assert decode_packet("raw", b"", []) == ("more", "undefined")
    assert decode_packet(0, b"x", []) == ("ok", b"x", b"")
    assert decode_packet(2, b"\x00", []) == ("more", "undefined")
    assert decode_packet(2, b"\x00\x05hel", []) == ("more", 7)
    assert decode_packet(2, b"\x00\x05hello", []) == ("ok", b"hello", b"")
    assert decode_packet(2, b"\x00\x00", []) == ("ok", b"", b"")
    assert decode_packet(2, b"\x00\x01ab", []) == ("ok", b"a", b"b")


@pytest.mark.parametrize("ptype", [True, False, 2.0, 0.0, "RAW", b"raw", "line ", None])
@pytest.mark.parametrize("options", [[], ()])
def test_decode_packet_direct_path_keeps_badarg(ptype: Any, options: Any) -> None:
    """Values near the direct path's types (a bool is not 0 or 1 here, as ``true`` is
    not in Erlang: badarg; a float, another spelling) raise badarg, as the general path does."""
    with pytest.raises(Badarg):
        decode_packet(ptype, b"\x00\x01ab\n", options)
    with pytest.raises(Badarg):
        decode_packet(ptype, bytearray(b"\x00\x01ab\n"), options)


@pytest.mark.parametrize("ptype", [2, 0, "raw", "line"])
def test_decode_packet_direct_path_keeps_option_checks(ptype: Any) -> None:
    """Only an empty list or tuple of options takes the direct path: a non-empty tuple, a
    string or None is still badarg, and a neutral option list answers as no options."""
    for options in ((("packet_size", 0),), "", None, 0):
        with pytest.raises(Badarg):
            decode_packet(ptype, b"\x00\x01ab\n", options)
    assert decode_packet(ptype, b"\x00\x01ab\n", [("packet_size", 0)]) == decode_packet(ptype, b"\x00\x01ab\n", [])


@pytest.mark.parametrize("buffer_size", [8, 9, 10, 11, 12, 13, 1460])
@pytest.mark.parametrize("delim", [10, ord(";")])
@pytest.mark.parametrize("cr", [b"", b"\r"])
def test_decoder_take_lines_around_the_buffer_size(buffer_size: int, delim: int, cr: bytes) -> None:
    """take() splits short lines at C speed and then checks that none is over ``buffer``
    (the longest line, 10 bytes here or 11 with the CR, fits a buffer of its size and is
    cut by one byte less); it gives what next() gives one packet at a time, whichever the
    splitter (splitlines, or a regex with a CR or another delimiter)."""
    end = bytes([delim])
    stream = b"ab" + end + cr + b"x" * 9 + end + b"cd" + end + b"tail"
    expected_whole = [b"ab" + end, cr + b"x" * 9 + end, b"cd" + end]
    one = PacketDecoder("line", line_delimiter=delim, buffer_size=buffer_size)
    one.feed(stream)
    want = drain(one)
    many = PacketDecoder("line", line_delimiter=delim, buffer_size=buffer_size)
    many.feed(stream)
    assert many.take() == want
    assert many.pending() == one.pending() == 4
    longest = max(map(len, expected_whole))
    assert (want == expected_whole) == (buffer_size >= longest)


def test_find_byte_answers_as_bytes_find() -> None:
    """`find_byte` (compiled: eight bytes at a time with the "has zero byte" test, then
    byte by byte, then bytes.find past `SCAN`) gives ``bytes.find``'s index for every byte
    value, including those the word test could confuse (0x00, 0x01, 0x7f, 0x80, 0xff, the
    byte plus or minus one), at every offset of the words, with windows that end before,
    inside and after the data, around `SCAN`."""
    from ports._framing import SCAN, find_byte

    rng = random.Random(11)
    edge = [0x00, 0x01, 0x7F, 0x80, 0x81, 0xFE, 0xFF]
    for byte in [*edge, 10, 13, 59, 0x41]:
        near = [*edge, (byte + 1) & 0xFF, (byte - 1) & 0xFF, byte ^ 0x80, byte ^ 0x01]
        for size in [0, 1, 7, 8, 9, 15, 16, 17, 31, 64, SCAN - 1, SCAN, SCAN + 1, SCAN + 9, 2 * SCAN + 3]:
            filler = bytes(rng.choice(near) for _ in range(size))
            cases = [filler]
            cases += [filler[:at] + bytes([byte]) + filler[at:] for at in {0, size // 2, max(size - 1, 0), size}]
            cases.append(bytes(rng.choice([*near, byte]) for _ in range(size)))
            for d in cases:
                for start in {0, 1, 7, 8, 9, len(d) // 3, len(d)}:
                    if start > len(d):
                        continue
                    for end in {start, start + 1, start + 8, start + SCAN, start + SCAN + 5, len(d), len(d) + 5}:
                        assert find_byte(d, byte, start, end) == d.find(byte, start, end), (byte, d, start, end)

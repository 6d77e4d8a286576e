"""The decoder's two ways out: `PacketDecoder.take` (many packets at once, the port's
``{active, true}`` and ``{active, N}`` path) gives exactly what `PacketDecoder.next` (one
at a time, ``recv`` and ``{active, once}``) gives, errors included, however the stream is
split; plus the bookkeeping that lets both skip work (what a None answer waits for).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ports._packet import PacketDecoder, PacketError, encode_packet

from .test_packet import BODIES, FRAMED_TYPES, HTTP_STREAM, delivered, frame, http_reference

DETERMINISTIC = settings(derandomize=True, database=None, max_examples=1500, deadline=None)


def next_until_none(decoder: PacketDecoder, limit: int = 0, cap: int = 0, raw: bool = False) -> list[Any]:
    """What `take` must equal: `next` (``next_raw(0, cap)`` in raw mode) until None or
    ``limit`` packets; an error after good packets leaves them returned and the error for
    the next call."""
    out: list[Any] = []
    while not limit or len(out) < limit:
        try:
            packet = decoder.next_raw(0, cap) if raw else decoder.next()
        except PacketError:
            if out:
                return out
            raise
        if packet is None:
            break
        out.append(packet)
    return out


def outcome(call: Any, *args: Any) -> tuple[str, Any]:
    try:
        return ("ok", call(*args))
    except PacketError as e:
        return ("error", e.reason)


# -- all at once, byte by byte, with trailing data -----------------------------------------------


def two_of_each() -> list[tuple[Any, bytes, list[Any]]]:
    """(type, stream, packets) for every framed type, lines and HTTP."""
    cases: list[tuple[Any, bytes, list[Any]]] = []
    for ptype in FRAMED_TYPES:
        bodies = [b for b in BODIES if ptype != 1 or len(b) < 256]
        cases.append((ptype, b"".join(frame(ptype, b) for b in bodies), [delivered(ptype, b) for b in bodies]))
    lines = [b"a\n", b"\n", b"b\r\n", b"x" * 300 + b"\n"]
    cases.append(("line", b"".join(lines), lines))
    cases.append(("http_bin", HTTP_STREAM, http_reference(HTTP_STREAM, True)))
    return cases


@pytest.mark.parametrize(("ptype", "stream", "expected"), two_of_each(), ids=lambda v: str(v)[:10])
def test_take_all_at_once(ptype: Any, stream: bytes, expected: list[Any]) -> None:
    decoder = PacketDecoder(ptype)
    decoder.feed(stream)
    assert decoder.take() == expected
    assert decoder.take() == []
    assert decoder.pending() == 0


@pytest.mark.parametrize(("ptype", "stream", "expected"), two_of_each(), ids=lambda v: str(v)[:10])
def test_take_byte_by_byte(ptype: Any, stream: bytes, expected: list[Any]) -> None:
    decoder = PacketDecoder(ptype)
    out: list[Any] = []
    for i in range(len(stream)):
        decoder.feed(stream[i : i + 1])
        out.extend(decoder.take())
    assert out == expected
    assert decoder.pending() == 0


@pytest.mark.parametrize(("ptype", "stream", "expected"), two_of_each(), ids=lambda v: str(v)[:10])
def test_take_with_trailing_data(ptype: Any, stream: bytes, expected: list[Any]) -> None:
    """The whole packets come out; the incomplete one stays until its last byte comes."""
    last = frame(ptype, b"tail") if ptype in FRAMED_TYPES else b"tail\n" if ptype == "line" else b"X: tail\r\n"
    decoder = PacketDecoder(ptype)
    decoder.feed(stream + last[:-1])
    assert decoder.take() == expected
    assert decoder.take() == []
    assert decoder.pending() == len(last) - 1
    decoder.feed(last[-1:])
    assert len(decoder.take()) == 1
    assert decoder.pending() == 0


@pytest.mark.parametrize(("ptype", "stream", "expected"), two_of_each(), ids=lambda v: str(v)[:10])
def test_iterating_takes_what_next_gives_and_goes_on_after_feed(
    ptype: Any, stream: bytes, expected: list[Any]
) -> None:
    """``for packet in decoder`` (the C iteration slot when compiled) ends where `next`
    answers None, keeps the incomplete packet, and goes on once it is fed."""
    half = len(stream) // 2
    decoder = PacketDecoder(ptype)
    assert iter(decoder) is decoder
    assert list(decoder) == []
    decoder.feed(stream[:half])
    first = list(decoder)
    decoder.feed(stream[half:])
    second = [packet for packet in decoder]
    assert first + second == expected
    assert second  # the half fed last completed at least one packet
    assert list(decoder) == []
    assert decoder.pending() == 0


def test_iterating_raises_the_framing_error_after_the_good_packets() -> None:
    decoder = PacketDecoder(2, packet_size=4)
    decoder.feed(b"\x00\x02ok\x00\x09too long!")
    it = iter(decoder)
    assert next(it) == b"ok"
    with pytest.raises(PacketError):
        next(it)
    with pytest.raises(PacketError):  # the bad bytes stay, as with `next`
        next(it)
    assert decoder.pending() == 11


def test_take_limit_counts_packets_and_keeps_the_rest() -> None:
    for ptype in (1, 2, 4, "line", "asn1"):
        bodies = [bytes([97 + i]) * 3 + (b"\n" if ptype == "line" else b"") for i in range(5)]
        stream = b"".join(b"".join(encode_packet(ptype, b)) if ptype != "asn1" else frame(ptype, b) for b in bodies)
        expected = [delivered(ptype, b) if ptype != "line" else b for b in bodies]
        decoder = PacketDecoder(ptype)
        decoder.feed(stream)
        assert decoder.take(2) == expected[:2]
        assert decoder.take(1) == expected[2:3]
        assert decoder.next() == expected[3]
        assert decoder.take(9) == expected[4:]


def test_take_raw_chunks_as_next_raw_with_cap() -> None:
    """Raw mode: everything buffered, in pieces of at most ``cap`` bytes when given."""
    decoder = PacketDecoder("raw")
    decoder.feed(b"abcdefg")
    decoder.feed(b"h")
    assert decoder.take(0, 3) == [b"abc", b"def", b"gh"]
    decoder.feed(b"ijklm")
    assert decoder.take(2, 2) == [b"ij", b"kl"]
    assert decoder.take() == [b"m"]
    assert decoder.take() == []


# -- errors come where next() raises them -----------------------------------------------------


@pytest.mark.parametrize("ptype", [1, 2, 4, "line"])
def test_take_returns_the_good_packets_then_raises(ptype: Any) -> None:
    """A packet over packet_size after two good ones: take gives the two, then raises
    emsgsize on every later call (the bad bytes stay), as next() does."""
    good = [b"ab\n", b"cd\n"] if ptype == "line" else [b"ab", b"cd"]
    bad = b"x" * 9 + b"\n" if ptype == "line" else b"".join(encode_packet(ptype, b"x" * 9))
    stream = b"".join(good) if ptype == "line" else b"".join(b"".join(encode_packet(ptype, g)) for g in good)
    decoder = PacketDecoder(ptype, packet_size=5)
    decoder.feed(stream + bad)
    assert decoder.take() == good
    pending = decoder.pending()
    for call in (decoder.take, decoder.next, decoder.take):
        with pytest.raises(PacketError) as info:
            call()
        assert info.value.reason == "emsgsize"
        assert decoder.pending() == pending


def test_take_within_limit_does_not_reach_the_error() -> None:
    decoder = PacketDecoder(2, packet_size=5)
    decoder.feed(b"\x00\x01a\x00\x01b\x00\x09" + b"x" * 9)
    assert decoder.take(2) == [b"a", b"b"]
    with pytest.raises(PacketError):
        decoder.take(2)


# -- property: take() is repeated next(), whatever the settings and the splits ----------------

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("feed"), st.binary(max_size=40)),
        st.tuples(st.just("feed"), st.lists(st.sampled_from([b"a", b"\n", b"\r", b";", b"\x01"]), max_size=40).map(b"".join)),
        st.tuples(st.just("feed"), st.sampled_from([b"\n", b"\r\n", b"\x00\x02ab", b"\x00\x00\x00\x01z", b"\x02\x00"])),
        st.tuples(st.just("take"), st.integers(0, 3)),
        st.tuples(st.just("next"), st.none()),
        st.tuples(st.just("set_packet"), st.sampled_from([0, 1, 2, 4, "line", "asn1", "httph_bin"])),
        st.tuples(st.just("take"), st.just(0)),
    ),
    max_size=30,
)


@DETERMINISTIC
@given(
    st.sampled_from([0, 1, 2, 2, 4, "line", "line", "line", "asn1", "tpkt", "http_bin", "httph", "ssl_tls"]),
    st.sampled_from([0, 0, 3, 12, 70000]),
    st.sampled_from([0, 1460, 8]),
    st.sampled_from([10, 59]),  # LF, ";"
    st.integers(0, 4),
    OPS,
)
def test_take_equals_repeated_next(
    ptype: Any, packet_size: int, buffer_size: int, delim: int, cap: int, ops: list[tuple[str, Any]]
) -> None:
    """Two decoders get the same operations; where one calls take(limit) the other calls
    next() until None or limit packets: every answer, packet and error is the same."""
    subject = PacketDecoder(ptype, packet_size=packet_size, line_delimiter=delim, buffer_size=buffer_size)
    model = PacketDecoder(ptype, packet_size=packet_size, line_delimiter=delim, buffer_size=buffer_size)
    for op, arg in ops:
        if op == "feed":
            subject.feed(arg)
            model.feed(arg)
        elif op == "take":
            assert outcome(subject.take, arg, cap) == outcome(next_until_none, model, arg, cap, ptype == 0)
        elif op == "next":
            assert outcome(subject.next) == outcome(model.next)
        else:
            ptype = arg
            subject.set_packet(arg)
            model.set_packet(arg)
        assert subject.pending() == model.pending()
    assert outcome(subject.take, 0, cap) == outcome(next_until_none, model, 0, cap, ptype == 0)


@DETERMINISTIC
@given(st.sampled_from([2, "line"]), st.lists(st.binary(min_size=1, max_size=30), max_size=8), st.integers(0, 3))
def test_take_on_one_buffer_equals_take_on_pieces(ptype: Any, pieces: list[bytes], limit: int) -> None:
    """However the bytes arrive and whatever the limit, the packets taken are the same."""
    stream = b"".join(pieces)
    whole = PacketDecoder(ptype)
    whole.feed(stream)
    expected = outcome(next_until_none, whole)
    split = PacketDecoder(ptype)
    got: list[Any] = []
    for piece in pieces:
        split.feed(piece)
        got.extend(split.take(limit))
    got.extend(split.take())
    if expected[0] == "ok":
        assert got == expected[1]


# -- what a None answer waits for -------------------------------------------------------------


def test_new_packet_type_does_not_wait_for_the_old_length() -> None:
    """A {packet, 2} header asked for 1000 bytes; after a switch to line, a line end is
    enough (the wait of the old type is forgotten)."""
    decoder = PacketDecoder(2)
    decoder.feed(b"\x03\xe8abc")
    assert decoder.next() is None
    decoder.set_packet("line")
    decoder.feed(b"x\n")
    assert decoder.next() == b"\x03\xe8abcx\n"


def test_raw_recv_of_fewer_bytes_after_a_longer_one() -> None:
    """recv(S, 5) waited with 2 bytes buffered; a later recv(S, 3) gets 3 when the third
    comes, without waiting for the 5 of the earlier one."""
    decoder = PacketDecoder(0)
    decoder.feed(b"ab")
    assert decoder.next_raw(5) is None
    decoder.feed(b"c")
    assert decoder.next_raw(3) == b"abc"



@pytest.mark.parametrize("buffer_size", [0, 100, 256, 300, 1460])
@pytest.mark.parametrize("limit", [0, 1, 2, 5])
@pytest.mark.parametrize("delim", [10, 59])
def test_take_lines_short_and_long_equals_repeated_next(buffer_size: int, limit: int, delim: int) -> None:
    """Short lines and lines longer than the compiled scan window (256 bytes: after one,
    the search goes straight to bytes.find until a short line comes back), some over
    ``buffer``, taken with and without a limit: the same packets as next() until None."""
    end = bytes([delim])
    lengths = [3, 300, 5, 600, 10, 257, 256, 255, 2, 1000, 1, 64, 65]
    stream = b"".join(bytes(97 + (i + n) % 26 for i in range(n - 1)) + end for n in lengths) + b"tail"
    subject = PacketDecoder("line", line_delimiter=delim, buffer_size=buffer_size)
    model = PacketDecoder("line", line_delimiter=delim, buffer_size=buffer_size)
    subject.feed(stream)
    model.feed(stream)
    while True:
        got = subject.take(limit)
        assert got == next_until_none(model, limit)
        assert subject.pending() == model.pending()
        if not got:
            break
    assert subject.pending() == 4

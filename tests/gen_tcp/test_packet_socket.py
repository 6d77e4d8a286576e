"""Packet framing on a live socket: ``{packet,N}``, ``packet_size``, line, header, deliver.

Each test mirrors a behaviour recorded on real Erlang/OTP 25 (inet backend); its docstring
names the Erlang call and the exact Erlang result. ``C`` connects, ``A`` is accepted, ``L``
listens, as ``pair(LOpts, COpts)`` in ``helpers.py`` opens them.
"""

from __future__ import annotations

from typing import Any

import pytest

import actors
import gen_tcp
from actors.testing import refute_receive
from gen_tcp import inet

from .helpers import about, next_about, scoped_pair


RAW_PEER = [("active", False), "binary"]  # the accepted side reads raw bytes


# -- 119, 120: what goes on the wire --------------------------------------------------------


@pytest.mark.parametrize(
    "ptype, wire",
    [
        ("raw", b"hello"),
        (0, b"hello"),
        (1, b"\x05hello"),
        (2, b"\x00\x05hello"),
        (4, b"\x00\x00\x00\x05hello"),
    ],
)
async def test_packet_header_on_the_wire(ptype: Any, wire: bytes) -> None:
    """Sending "hello" puts raw/0 ``<<"hello">>``, 1 ``<<5,"hello">>``,
    2 ``<<0,5,"hello">>``, 4 ``<<0,0,0,5,"hello">>`` (big-endian) on the wire."""
    async with scoped_pair(RAW_PEER, [("packet", ptype), ("active", False)]) as (_l, c, a):
        assert await gen_tcp.send(c, "hello") == "ok"
        assert await gen_tcp.recv(a, len(wire), 2000) == ("ok", wire)
        assert await gen_tcp.recv(a, 0, 50) == ("error", "timeout")


@pytest.mark.parametrize(
    "ptype, size, header",
    [(1, 255, 255), (1, 256, 0), (1, 300, 44), (2, 65535, 65535), (2, 65541, 5)],
)
async def test_oversized_payload_is_sent_with_truncated_length(ptype: int, size: int, header: int) -> None:
    """A payload too big for the header is sent anyway, ``send`` → ``ok``,
    and the header on the wire is the length mod 2^8 / 2^16 (255→255, 256→0, 300→44,
    65535→65535, 65541→5); no ``emsgsize``."""
    payload = bytes(i % 251 for i in range(size))
    async with scoped_pair(RAW_PEER, [("packet", ptype), ("active", False), "binary"]) as (_l, c, a):
        assert await gen_tcp.send(c, payload) == "ok"
        ok, hdr = await gen_tcp.recv(a, ptype, 2000)
        assert ok == "ok"
        assert int.from_bytes(hdr, "big") == header
        assert await gen_tcp.recv(a, size, 5000) == ("ok", payload)


# -- 122: the receiver splits and reassembles ---------------------------------------------


async def test_receiver_splits_packets_written_together() -> None:
    """``<<0,3,"abc",0,2,"de">>`` in one write gives ``{ok,"abc"}`` then
    ``{ok,"de"}``."""
    async with scoped_pair(RAW_PEER, [("packet", 2), ("active", False)]) as (_l, c, a):
        assert await gen_tcp.send(a, b"\x00\x03abc\x00\x02de") == "ok"
        assert await gen_tcp.recv(c, 0, 2000) == ("ok", "abc")
        assert await gen_tcp.recv(c, 0, 2000) == ("ok", "de")


async def test_receiver_reassembles_split_packet_after_timeout() -> None:
    """A split ``<<0,5,"ab">>`` makes recv time out (``{error,timeout}``);
    when the rest arrives, inet gives ``{ok,"abcde"}``."""
    async with scoped_pair(RAW_PEER, [("packet", 2), ("active", False)]) as (_l, c, a):
        assert await gen_tcp.send(a, b"\x00\x05ab") == "ok"
        assert await gen_tcp.recv(c, 0, 200) == ("error", "timeout")
        assert await gen_tcp.send(a, b"cde") == "ok"
        assert await gen_tcp.recv(c, 0, 2000) == ("ok", "abcde")


# -- 123, 124, 125: packet_size -------------------------------------------------------------


async def test_packet_size_exceeded_passive_tears_connection_down() -> None:
    """``{packet,2},{packet_size,10}``: a 10-byte packet → ``{ok,..}``, an
    11-byte one → ``{error,emsgsize}``; then inet: recv ``{error,enotconn}``, send
    ``{error,enotconn}``, and the peer sees ``{error,closed}``."""
    copts = [("packet", 2), ("packet_size", 10), ("active", False)]
    async with scoped_pair([("active", False), ("packet", 2)], copts) as (_l, c, a):
        assert await gen_tcp.send(a, "0123456789") == "ok"
        assert await gen_tcp.recv(c, 0, 2000) == ("ok", "0123456789")
        assert await gen_tcp.send(a, "0123456789X") == "ok"
        assert await gen_tcp.recv(c, 0, 2000) == ("error", "emsgsize")
        assert await gen_tcp.recv(c, 0, 200) == ("error", "enotconn")
        assert await gen_tcp.send(c, "x") == ("error", "enotconn")
        assert await gen_tcp.recv(a, 0, 2000) == ("error", "closed")


async def test_packet_size_exceeded_active_gives_tcp_error_then_closed() -> None:
    """Active, inet: ``[{tcp_error,'C',emsgsize},{tcp_closed,'C'}]``; the
    peer then gets ``{tcp_closed,_}``; ``getopts`` → ``{error,einval}``."""
    copts = [("packet", 2), ("packet_size", 10), ("active", True)]
    async with scoped_pair([("active", True)], copts) as (_l, c, a):
        assert await gen_tcp.send(a, b"\x00\x0b" + b"x" * 11) == "ok"
        assert await next_about(c) == ("tcp_error", c, "emsgsize")
        assert await next_about(c) == ("tcp_closed", c)
        assert await next_about(a) == ("tcp_closed", a)
        assert await inet.getopts(c, ["active"]) == ("error", "einval")
        await refute_receive(about(c), timeout=50)


async def test_negative_packet4_length_is_emsgsize() -> None:
    """A ``{packet,4}`` header of ``16#FFFFFFFF`` gives the same sequence:
    ``[{tcp_error,'C',emsgsize},{tcp_closed,'C'}]``."""
    async with scoped_pair([("active", False)], [("packet", 4), ("active", True)]) as (_l, c, a):
        assert await gen_tcp.send(a, b"\xff\xff\xff\xffabc") == "ok"
        assert await next_about(c) == ("tcp_error", c, "emsgsize")
        assert await next_about(c) == ("tcp_closed", c)
        await refute_receive(about(c), timeout=50)


async def test_packet_size_does_not_limit_sending() -> None:
    """A 10-byte send with ``packet_size`` 5 → ``ok``, and it is received."""
    copts = [("packet", 2), ("packet_size", 5), ("active", False)]
    async with scoped_pair([("active", False), ("packet", 2)], copts) as (_l, c, a):
        assert await gen_tcp.send(c, "0123456789") == "ok"
        assert await gen_tcp.recv(a, 0, 2000) == ("ok", "0123456789")


# -- 126, 128, 129: lines and partial packets ------------------------------------------------


async def test_line_mode_includes_newline_and_partial_line_waits() -> None:
    """``"abc\\ndef\\ngh"``, later ``"i\\n"``: ``{ok,"abc\\n"}``,
    ``{ok,"def\\n"}``, ``{error,timeout}``, ``{ok,"ghi\\n"}``."""
    async with scoped_pair([("active", False)], [("packet", "line"), ("active", False)]) as (_l, c, a):
        assert await gen_tcp.send(a, "abc\ndef\ngh") == "ok"
        assert await gen_tcp.recv(c, 0, 2000) == ("ok", "abc\n")
        assert await gen_tcp.recv(c, 0, 2000) == ("ok", "def\n")
        assert await gen_tcp.recv(c, 0, 200) == ("error", "timeout")
        assert await gen_tcp.send(a, "i\n") == "ok"
        assert await gen_tcp.recv(c, 0, 2000) == ("ok", "ghi\n")


async def test_line_longer_than_packet_size_is_emsgsize() -> None:
    """``{packet,line},{packet_size,5}`` and a 10-character line →
    ``{error,emsgsize}``; next recv, inet: ``{error,enotconn}``."""
    copts = [("packet", "line"), ("packet_size", 5), ("active", False)]
    async with scoped_pair([("active", False)], copts) as (_l, c, a):
        assert await gen_tcp.send(a, "abcdefghij\n") == "ok"
        assert await gen_tcp.recv(c, 0, 2000) == ("error", "emsgsize")
        assert await gen_tcp.recv(c, 0, 200) == ("error", "enotconn")


async def test_line_longer_than_buffer_comes_in_buffer_sized_pieces() -> None:
    """``{buffer,10}`` and a 20-character line: inet gives
    ``{ok,"abcdefghij"}``, ``{ok,"klmnopqrst"}``, ``{ok,"\\n"}``."""
    copts = [("packet", "line"), ("buffer", 10), ("active", False)]
    async with scoped_pair([("active", False)], copts) as (_l, c, a):
        assert await gen_tcp.send(a, "abcdefghijklmnopqrst\n") == "ok"
        assert await gen_tcp.recv(c, 0, 2000) == ("ok", "abcdefghij")
        assert await gen_tcp.recv(c, 0, 2000) == ("ok", "klmnopqrst")
        assert await gen_tcp.recv(c, 0, 2000) == ("ok", "\n")


async def test_partial_line_at_close_is_dropped_passive() -> None:
    """Line, ``"full\\npartial"`` then close → ``{ok,"full\\n"}``, then
    ``{error,closed}``; ``"partial"`` is never delivered."""
    async with scoped_pair([("active", False)], [("packet", "line"), ("active", False)]) as (_l, c, a):
        assert await gen_tcp.send(a, "full\npartial") == "ok"
        assert await gen_tcp.close(a) == "ok"
        assert await gen_tcp.recv(c, 0, 2000) == ("ok", "full\n")
        assert await gen_tcp.recv(c, 0, 2000) == ("error", "closed")


async def test_partial_line_at_close_is_dropped_active() -> None:
    """Line mode, active, ``"full\\npartial"`` then close:
    ``[{tcp,_,"full\\n"},{tcp_closed,_}]``."""
    async with scoped_pair([("active", False)], [("packet", "line"), ("active", True)]) as (_l, c, a):
        assert await gen_tcp.send(a, "full\npartial") == "ok"
        assert await gen_tcp.close(a) == "ok"
        assert await next_about(c) == ("tcp", c, "full\n")
        assert await next_about(c) == ("tcp_closed", c)
        await refute_receive(about(c), timeout=50)


async def test_truncated_packet_at_close_is_dropped_passive() -> None:
    """``{packet,2}``, a truncated packet then close → ``{error,closed}``."""
    async with scoped_pair(RAW_PEER, [("packet", 2), ("active", False)]) as (_l, c, a):
        assert await gen_tcp.send(a, b"\x00\x05ab") == "ok"
        assert await gen_tcp.close(a) == "ok"
        assert await gen_tcp.recv(c, 0, 2000) == ("error", "closed")


async def test_truncated_packet_at_close_is_dropped_active() -> None:
    """``{packet,2}``, active, a truncated packet then close: only ``[{tcp_closed,_}]``."""
    async with scoped_pair([("active", False)], [("packet", 2), ("active", True)]) as (_l, c, a):
        assert await gen_tcp.send(a, b"\x00\x05ab") == "ok"
        assert await gen_tcp.close(a) == "ok"
        assert await next_about(c) == ("tcp_closed", c)
        await refute_receive(about(c), timeout=50)


# -- 131, 132: packet option values, other packet types ------------------------------------


async def test_packet_values_read_back() -> None:
    """inet: ``{packet,raw}`` reads back ``{packet,0}``, ``0`` as ``0``,
    ``line`` as ``line``; ``{packet,3}``, ``{packet,foo}`` and ``{packet_size,-1}`` →
    ``{error,einval}``."""
    async with scoped_pair([("active", False)], [("active", False)]) as (_l, c, _a):
        assert await inet.setopts(c, [("packet", "raw")]) == "ok"
        assert await inet.getopts(c, ["packet"]) == ("ok", [("packet", 0)])
        assert await inet.setopts(c, [("packet", 0)]) == "ok"
        assert await inet.getopts(c, ["packet"]) == ("ok", [("packet", 0)])
        assert await inet.setopts(c, [("packet", "line")]) == "ok"
        assert await inet.getopts(c, ["packet"]) == ("ok", [("packet", "line")])
        assert await inet.setopts(c, [("packet", 3)]) == ("error", "einval")
        assert await inet.setopts(c, [("packet", actors.Atom("foo"))]) == ("error", "einval")
        assert await inet.setopts(c, [("packet_size", -1)]) == ("error", "einval")
        assert await inet.getopts(c, ["packet"]) == ("ok", [("packet", "line")])


@pytest.mark.parametrize(
    "ptype", ["asn1", "cdr", "sunrm", "fcgi", "tpkt", "http", "http_bin", "httph", "httph_bin"]
)
async def test_other_packet_types_accepted_and_read_back(ptype: str) -> None:
    """``asn1``, ``cdr``, ``sunrm``, ``fcgi``, ``tpkt``, ``http``,
    ``http_bin``, ``httph``, ``httph_bin``: ``setopts`` → ``ok`` and read back as set."""
    async with scoped_pair([("active", False)], [("active", False)]) as (_l, c, _a):
        assert await inet.setopts(c, [("packet", ptype)]) == "ok"
        assert await inet.getopts(c, ["packet"]) == ("ok", [("packet", ptype)])


async def test_http_packets_passive() -> None:
    """``http`` passive: ``{ok,{http_request,'GET',{abs_path,"/"},{1,1}}}``,
    ``{ok,{http_header,14,'Host',"Host","x"}}``, ``{ok,http_eoh}``."""
    async with scoped_pair([("active", False)], [("packet", "http"), ("active", False)]) as (_l, c, a):
        assert await gen_tcp.send(a, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") == "ok"
        ok, req = await gen_tcp.recv(c, 0, 2000)
        assert (ok, req) == ("ok", ("http_request", "GET", ("abs_path", "/"), (1, 1)))
        assert isinstance(req[0], actors.Atom) and isinstance(req[1], actors.Atom)
        ok, hdr = await gen_tcp.recv(c, 0, 2000)
        assert (ok, hdr) == ("ok", ("http_header", 14, "Host", "Host", "x"))
        assert isinstance(hdr[2], actors.Atom) and not isinstance(hdr[3], actors.Atom)
        ok, eoh = await gen_tcp.recv(c, 0, 2000)
        assert (ok, eoh) == ("ok", "http_eoh") and isinstance(eoh, actors.Atom)


async def test_http_bin_active_messages_are_tagged_http() -> None:
    """Active ``http_bin`` messages are tagged ``http``:
    ``{http,S,{http_request,'GET',{abs_path,<<"/">>},{1,1}}}``, then
    ``{http,S,{http_header,14,'Host',<<"Host">>,<<"x">>}}``, ``{http,S,http_eoh}``."""
    async with scoped_pair([("active", False)], [("packet", "http_bin"), ("active", True)]) as (_l, c, a):
        assert await gen_tcp.send(a, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") == "ok"
        assert await next_about(c) == ("http", c, ("http_request", "GET", ("abs_path", b"/"), (1, 1)))
        assert await next_about(c) == ("http", c, ("http_header", 14, "Host", b"Host", b"x"))
        assert await next_about(c) == ("http", c, "http_eoh")


# -- 133, 135: header and deliver ------------------------------------------------------------


async def test_header_in_binary_mode_gives_byte_list_with_binary_tail() -> None:
    """inet, binary, ``{header,2}``: ``"hello"`` → ``{ok,[104,101|<<"llo">>]}``,
    a 1-byte packet ``"h"`` → ``{ok,"h"}`` (a plain list), exactly 2 bytes →
    ``{ok,[97,98|<<>>]}``."""
    copts = ["binary", ("header", 2), ("active", False)]
    async with scoped_pair([("active", False)], copts) as (_l, c, a):
        assert await gen_tcp.send(a, "hello") == "ok"
        assert await gen_tcp.recv(c, 5, 2000) == ("ok", [104, 101, b"llo"])
        assert await gen_tcp.send(a, "h") == "ok"
        # Erlang's [104] is both the string "h" and a one-byte header list: either Python
        # shape is that term; what the item pins down is that no binary tail follows.
        assert await gen_tcp.recv(c, 1, 2000) in (("ok", "h"), ("ok", [104]))
        assert await gen_tcp.send(a, "ab") == "ok"
        assert await gen_tcp.recv(c, 2, 2000) == ("ok", [97, 98, b""])


async def test_header_is_ignored_in_list_mode() -> None:
    """In list mode ``header`` is ignored: ``{ok,"hello"}``."""
    async with scoped_pair([("active", False)], ["list", ("header", 2), ("active", False)]) as (_l, c, a):
        assert await gen_tcp.send(a, "hello") == "ok"
        assert await gen_tcp.recv(c, 5, 2000) == ("ok", "hello")


async def test_header_with_packet2_active() -> None:
    """``{packet,2}``, active, ``{header,1}``: ``{tcp,'C',[120|<<"yz">>]}``."""
    copts = ["binary", ("packet", 2), ("header", 1), ("active", True)]
    async with scoped_pair([("active", False), ("packet", 2)], copts) as (_l, c, a):
        assert await gen_tcp.send(a, "xyz") == "ok"
        assert await next_about(c) == ("tcp", c, [120, b"yz"])


async def test_deliver_port_message_shape() -> None:
    """``{deliver,port}``: ``getopts`` → ``{deliver,port}``; messages
    ``[{'C',{data,"hello"}}]``; the close message is still ``{tcp_closed,'C'}``."""
    async with scoped_pair([("active", False), ("packet", 2)], [("packet", 2), ("deliver", "port"), ("active", True)]) as (
        _l,
        c,
        a,
    ):
        assert await inet.getopts(c, ["deliver"]) == ("ok", [("deliver", "port")])
        assert await gen_tcp.send(a, "hello") == "ok"
        assert await next_about(c) == (c, ("data", "hello"))
        assert await gen_tcp.close(a) == "ok"
        assert await next_about(c) == ("tcp_closed", c)
        await refute_receive(about(c), timeout=50)


async def test_deliver_port_with_header() -> None:
    """``{deliver,port}`` with ``{header,1}`` in binary mode:
    ``{'C',{data,[104|<<"ello">>]}}``."""
    copts = ["binary", ("packet", 2), ("header", 1), ("deliver", "port"), ("active", True)]
    async with scoped_pair([("active", False), ("packet", 2)], copts) as (_l, c, a):
        assert await gen_tcp.send(a, "hello") == "ok"
        assert await next_about(c) == (c, ("data", [104, b"ello"]))

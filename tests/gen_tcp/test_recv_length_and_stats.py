"""recv's Length as the inet driver takes it, and getstat's counts with packet headers
(each checked on Erlang/OTP 25, inet backend)."""

from __future__ import annotations

import gen_tcp
from gen_tcp import inet

from .helpers import scoped_pair


async def test_recv_length_wraps_as_a_32_bit_integer() -> None:
    """erl, 6 bytes buffered: ``recv(A, 1 bsl 32 + 2, 0)`` -> ``{ok, <<"ab">>}``;
    ``recv(A, 1 bsl 31, 0)`` (negative as int32: taken as 0) -> ``{ok, <<"cdef">>}``;
    then ``1 bsl 40``, ``1 bsl 40 + 1``, ``1 bsl 32 - 1`` -> ``{error, timeout}``;
    ``1 bsl 26`` -> ``{error, timeout}``; ``1 bsl 26 + 1`` -> ``{error, enomem}``."""
    async with scoped_pair([("active", False), "binary"], [("active", False), "binary"]) as (_l, c, a):
        assert await gen_tcp.send(c, b"abcdef") == "ok"

        ok, got = await gen_tcp.recv(a, 6, 2000)
        assert (ok, got) == ("ok", b"abcdef")
        assert await gen_tcp.send(c, b"abcdef") == "ok"
        assert await gen_tcp.recv(a, (1 << 32) + 2, 2000) == ("ok", b"ab")
        assert await gen_tcp.recv(a, 1 << 31, 2000) == ("ok", b"cdef")
        for n in (1 << 40, (1 << 40) + 1, (1 << 32) - 1, 1 << 26):
            assert await gen_tcp.recv(a, n, 0) == ("error", "timeout"), n
        assert await gen_tcp.recv(a, (1 << 26) + 1, 0) == ("error", "enomem")


async def test_getstat_counts_packet_headers() -> None:
    """erl, ``{packet, 2}`` both sides, sending ``<<"hello">>`` and ``<<"world!">>``:
    the sender's ``send_oct`` 15, ``send_cnt`` 2, ``send_max`` 8, ``send_avg`` 7; the
    receiver's ``recv_oct`` 15, ``recv_cnt`` 2, ``recv_max`` 8, ``recv_avg`` 7. With
    ``{packet, line}`` (``"hello\\n"``, ``"world!\\n"``): 13, 2, 7, 6 on both sides."""
    for packet, data, expect in ((2, (b"hello", b"world!"), (15, 2, 8, 7)), ("line", (b"hello\n", b"world!\n"), (13, 2, 7, 6))):
        opts = [("active", False), "binary", ("packet", packet)]
        async with scoped_pair(opts, opts) as (_l, c, a):
            for d in data:
                assert await gen_tcp.send(c, d) == "ok"
            for d in data:
                assert await gen_tcp.recv(a, 0, 2000) == ("ok", d)
            ok, sent = await inet.getstat(c, ["send_oct", "send_cnt", "send_max", "send_avg"])
            ok, got = await inet.getstat(a, ["recv_oct", "recv_cnt", "recv_max", "recv_avg"])
            assert tuple(v for _, v in sent) == expect
            assert tuple(v for _, v in got) == expect

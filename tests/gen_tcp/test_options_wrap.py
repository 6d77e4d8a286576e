"""inet:setopts/getopts with integers that do not fit 32 bits, as OTP 25's inet driver.

prim_inet sends every integer option to the driver in 32 bits, so a huge value wraps;
each row below was run in erl (``setopts(S, [{Name, V}])`` then ``getopts(S, [Name])``
on a connected inet socket): what setopts answered and what getopts reads back.
"""

from __future__ import annotations

from typing import Any

import pytest

from actors import Atom
from gen_tcp import inet

from .helpers import opened

OK = "ok"
EINVAL = ("error", "einval")
INF = Atom("infinity")

ROWS: list[tuple[str, int, Any, Any]] = [
    # packet_size and header: unsigned 32 bits
    ("packet_size", 2**31, OK, 2**31),
    ("packet_size", 2**32 - 1, OK, 2**32 - 1),
    ("packet_size", 2**32, OK, 0),
    ("packet_size", 2**40, OK, 0),
    ("packet_size", 2**32 + 5, OK, 5),
    ("packet_size", 2**64, OK, 0),
    ("header", 2**31, OK, 2**31),
    ("header", 2**32, OK, 0),
    ("header", 2**40, OK, 0),
    ("header", 2**32 + 7, OK, 7),
    # buffer: signed 32 bits, at least 1
    ("buffer", 2**31, OK, 1),
    ("buffer", 2**32, OK, 1),
    ("buffer", 2**40, OK, 1),
    ("buffer", 2**32 + 5, OK, 5),
    # port-queue watermarks: signed 32 bits, negatives are 0
    ("high_watermark", 2**31, OK, 0),
    ("high_watermark", 2**40, OK, 0),
    ("high_watermark", 2**32 + 5, OK, 5),
    ("low_watermark", 2**32 - 1, OK, 0),
    # message-queue watermarks: 0 and -1 refused, other negatives the largest size
    ("high_msgq_watermark", 2**31, OK, 2**31 - 1),
    ("high_msgq_watermark", 2**32 - 2, OK, 2**31 - 1),
    ("high_msgq_watermark", -5, OK, 2**31 - 1),
    ("high_msgq_watermark", 2**32 - 1, EINVAL, 8192),
    ("high_msgq_watermark", 2**32, EINVAL, 8192),
    ("high_msgq_watermark", 2**40, EINVAL, 8192),
    ("high_msgq_watermark", 2**32 + 5, OK, 5),
    ("low_msgq_watermark", 2**31, OK, 2**31 - 1),
    ("low_msgq_watermark", 2**64, EINVAL, 4096),
    # send_timeout: signed 32 bits, -1 is infinity
    ("send_timeout", 2**31, OK, -(2**31)),
    ("send_timeout", 2**32 - 1, OK, INF),
    ("send_timeout", 2**32 - 2, OK, -2),
    ("send_timeout", 2**32, OK, 0),
    ("send_timeout", 2**40, OK, 0),
    ("send_timeout", 2**32 + 5, OK, 5),
    # priority: signed 32 bits (negatives left out: they need CAP_NET_ADMIN)
    ("priority", 2**40, OK, 0),
    ("priority", 2**32 + 5, OK, 5),
]


@pytest.mark.parametrize(("name", "value", "answer", "reads"), ROWS, ids=[f"{r[0]}-{r[1]}" for r in ROWS])
async def test_huge_integer_option_wraps_as_in_erlang(name: str, value: int, answer: Any, reads: Any) -> None:
    """erl: ``setopts(S, [{Name, V}])`` answers, and ``getopts(S, [Name])`` reads back,
    as in the row (e.g. ``packet_size`` 2^40 -> ``ok``, reads 0)."""
    async with opened([("active", False)], [("active", False)]) as (_l, c, _a):
        assert await inet.setopts(c, [(name, value)]) == answer
        assert await inet.getopts(c, [name]) == ("ok", [(name, reads)])


@pytest.mark.parametrize(("name", "value", "reads"), [("packet_size", 2**40, 0), ("header", 2**32, 0)])
async def test_huge_value_at_connect_reads_back_wrapped(name: str, value: int, reads: int) -> None:
    """erl: ``connect(..., [{packet_size, 2^40}])`` and ``[{header, 2^32}]`` -> ``{ok, S}``;
    ``getopts`` reads back 0."""
    async with opened([("active", False)], [("active", False), (name, value)]) as (_l, c, _a):
        assert await inet.getopts(c, [name]) == ("ok", [(name, reads)])

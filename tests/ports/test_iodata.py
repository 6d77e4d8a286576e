"""iodata flattening (`ports._iodata`): what `gen_tcp:send/2` accepts, at any depth.

Erlang, checked in erl: ``Acc = [Acc, <<"x">>]`` folded 1,000,000 times is sent with
``ok`` (all 1,000,000 bytes arrive); the same shape 1,000 deep with an atom at the
bottom, or ``[[[256]]]``, gives ``{error, einval}``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

import gen_tcp
from ports._iodata import NotIodata, iodata_to_bytes

from ..gen_tcp.helpers import opened, scoped_pair

SOCKET = ("inet_backend", "socket")


@pytest.fixture(scope="module")
def million() -> list[Any]:
    """``[Acc, <<"x">>]`` folded 1,000,000 times, built once for this module (building
    it takes longer than flattening it); no test changes it."""
    return _deep(1_000_000)


def _deep(depth: int, bottom: Any = None, chunk: Any = b"x") -> list[Any]:
    """``Acc = [Acc, Chunk]`` folded `depth` times, from ``[]`` (or ``[bottom]``)."""
    acc: list[Any] = [] if bottom is None else [bottom]
    for _ in range(depth):
        acc = [acc, chunk]
    return acc


def test_flat_and_nested_forms() -> None:
    """Every accepted form, alone and nested, in order."""
    assert iodata_to_bytes(b"ab") == b"ab"
    assert iodata_to_bytes(bytearray(b"ab")) == b"ab"
    assert iodata_to_bytes(memoryview(b"ab")) == b"ab"
    assert iodata_to_bytes("\xe9a") == b"\xe9a"
    assert iodata_to_bytes([]) == b""
    assert iodata_to_bytes([[], [[]], b""]) == b""
    data = [1, [b"b", ["c", [bytearray(b"d"), []], memoryview(b"e")], 255], "f"]
    assert iodata_to_bytes(data) == b"\x01bcde\xfff"


def test_resumes_each_list_where_it_left_it() -> None:
    """After an inner list the outer one goes on from the next element, at every level."""
    data = [b"a", [b"b", [b"c"], b"d", [[b"e"], b"f"]], b"g", [[[b"h"]]], b"i"]
    assert iodata_to_bytes(data) == b"abcdefghi"


def test_a_million_levels_deep(million: list[Any]) -> None:
    """erl: ``[Acc, <<"x">>]`` folded 1,000,000 times is 1,000,000 bytes (no recursion
    limit here either), in a bounded time."""
    t0 = time.monotonic()
    out = iodata_to_bytes(million)
    seconds = time.monotonic() - t0
    assert out == b"x" * 1_000_000
    assert seconds < 5, seconds


def test_deep_left_and_right_nesting() -> None:
    """Nesting on the right (``[Chunk, Rest]``) is as deep and as fine as on the left."""
    right: list[Any] = []
    for i in range(100_000):
        right = [bytes([i % 256]), right]
    assert iodata_to_bytes(right) == bytes(i % 256 for i in reversed(range(100_000)))


@pytest.mark.parametrize(
    "bad",
    [_deep(1000, bottom=1.5), _deep(1000, chunk=256), [[[256]]], [[[-1]]], [[["\u0100"]]], [[[(1,)]]]],
    ids=["float-1000-deep", "256-chunks", "256-3-deep", "minus1", "str-over-255", "tuple"],
)
def test_not_iodata_at_any_depth(bad: Any) -> None:
    """erl: a bad element 1,000 levels down, or ``[[[256]]]``, is ``{error, einval}``
    (here `NotIodata`, which send turns into that)."""
    with pytest.raises(NotIodata):
        iodata_to_bytes(bad)


@pytest.mark.parametrize("head", [[], [SOCKET]], ids=["inet", "socket"])
async def test_send_a_million_levels_deep(million: list[Any], head: list[Any]) -> None:
    """erl: ``gen_tcp:send(C, Acc)`` with ``Acc`` 1,000,000 levels deep -> ``ok``; the
    peer reads all 1,000,000 bytes."""
    async with opened([*head, ("active", False), "binary"], [("active", False)]) as (_l, c, a):
        assert await gen_tcp.send(c, million) == "ok"
        assert await gen_tcp.recv(a, 1_000_000, 5000) == ("ok", b"x" * 1_000_000)


async def test_send_deep_non_iodata_is_einval() -> None:
    """erl: 1,000 levels with an atom at the bottom -> ``{error, einval}``; the socket
    still sends after."""
    async with scoped_pair([("active", False), "binary"], [("active", False)]) as (_l, c, a):
        assert await gen_tcp.send(c, _deep(1000, bottom=1.5)) == ("error", "einval")
        assert await gen_tcp.send(c, "ok") == "ok"
        assert await gen_tcp.recv(a, 2, 2000) == ("ok", b"ok")

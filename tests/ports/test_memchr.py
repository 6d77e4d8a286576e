"""``ports._memchr.find``, the compiled build's memchr over bytes, answers as
``bytes.find(byte, start, end)`` does for ``0 <= start``; and the codec's two searches
(`find_byte`, word by word then memchr, and `find_far`) answer the same on either build.
The C module is loaded from the compiled build's files whichever build this run uses."""

from __future__ import annotations

import random
from types import ModuleType

import pytest

from ports._framing import SCAN, find_byte, find_far
from tests.c_build import load_c_module


@pytest.fixture(scope="module")
def memchr() -> ModuleType:
    return load_c_module("ports._memchr")


def _cases() -> list[tuple[bytes, int, int, int]]:
    rng = random.Random(11)
    cases = []
    for size in (0, 1, 7, 8, 9, SCAN - 1, SCAN, SCAN + 1, 200, 1024, 4099):
        for _ in range(6):
            d = bytes(rng.choice(b"ab\n\r\x00\xff") if rng.random() < 0.02 else 0x61 for _ in range(size))
            start = rng.randrange(0, size + 2)
            end = rng.randrange(start, size + 10)
            byte = rng.choice([10, 13, 0, 255, 0x61])
            cases.append((d, byte, start, end))
    return cases


@pytest.mark.parametrize("d,byte,start,end", _cases())
def test_find_answers_as_bytes_find(memchr: ModuleType, d: bytes, byte: int, start: int, end: int) -> None:
    want = d.find(byte, start, end)
    assert memchr.find(d, byte, start, end) == want
    assert find_byte(d, byte, start, end) == want
    assert find_far(d, byte, start, end) == want


def test_the_first_of_several_and_the_last_byte(memchr: ModuleType) -> None:
    d = b"x" * 100 + b"\n" + b"y" * 50 + b"\n"
    assert memchr.find(d, 10, 0, len(d)) == 100
    assert memchr.find(d, 10, 101, len(d)) == 151
    assert memchr.find(d, 10, 101, 151) == -1  # end excludes it
    assert memchr.find(d, 10, 0, 10**6) == 100  # end clipped to the length


def test_bad_arguments_raise_instead_of_reading_past_the_buffer(memchr: ModuleType) -> None:
    with pytest.raises(TypeError):
        memchr.find(bytearray(b"a\n"), 10, 0, 2)
    with pytest.raises(TypeError):
        memchr.find(b"a\n", 10, 0)
    with pytest.raises(ValueError):
        memchr.find(b"a\n", 256, 0, 2)
    with pytest.raises(ValueError):
        memchr.find(b"a\n", 10, -1, 2)

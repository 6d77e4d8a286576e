"""`actors.term_to_binary` / `binary_to_term` on their own: known encodings, round trips,
and hostile input (fuzzed, truncated, huge length fields, deep nesting, zlib bombs).

The expected bytes below are what ``erlang:term_to_binary/1`` gives in OTP 25; the
differential test against a real ``erl`` is in ``test_etf_erlang.py``.
"""

from __future__ import annotations

import random
import zlib

import pytest

from actors import LOCAL_NODE, Atom, Badarg, Pid, Ref, binary_to_term, term_to_binary
from actors._etf_order import ref_number
from ports import Port
from tests.actors.etf_terms import gen_term, same

A = Atom


@pytest.mark.parametrize(
    "term, erlang",
    [
        (1, [97, 1]),
        (256, [98, 0, 0, 1, 0]),
        (-1, [98, 255, 255, 255, 255]),
        (2**31, [110, 4, 0, 0, 0, 0, 128]),
        (-(2**31) - 1, [110, 4, 1, 1, 0, 0, 128]),
        (1.5, [70, 63, 248, 0, 0, 0, 0, 0, 0]),
        (-0.0, [70, 128, 0, 0, 0, 0, 0, 0, 0]),
        (A("ok"), [100, 0, 2, 111, 107]),
        (A("\xe9"), [100, 0, 1, 233]),  # Latin-1 atoms are ATOM_EXT in OTP 25
        (A("\u012c"), [119, 2, 196, 172]),
        (True, [100, 0, 4, 116, 114, 117, 101]),
        (b"\x01\x02", [109, 0, 0, 0, 2, 1, 2]),
        ("abc", [107, 0, 3, 97, 98, 99]),
        ([1, 2, 3], [107, 0, 3, 1, 2, 3]),  # the same Erlang term as "\x01\x02\x03"
        ([256], [108, 0, 0, 0, 1, 98, 0, 0, 1, 0, 106]),
        ("", [106]),
        ([], [106]),
        ((), [104, 0]),
        ({A("b"): 1, A("a"): 2, 1: A("x")}, [116, 0, 0, 0, 3, 97, 1, 100, 0, 1, 120, 100, 0, 1, 97, 97, 2, 100, 0, 1, 98, 97, 1]),
        ({2: A("a"), 1.5: A("b"), -1: A("c")}, [116, 0, 0, 0, 3, 98, 255, 255, 255, 255, 100, 0, 1, 99, 97, 2, 100, 0, 1, 97, 70, 63, 248, 0, 0, 0, 0, 0, 0, 100, 0, 1, 98]),
        (Pid(LOCAL_NODE, 9), [88, 100, 0, 13, *b"nonode@nohost", 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0]),
        (Ref("a@b", ref_number([5, 0, 0])), [90, 0, 3, 100, 0, 3, 97, 64, 98, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0]),
        (Port("a@b", 9), [89, 100, 0, 3, 97, 64, 98, 0, 0, 0, 9, 0, 0, 0, 0]),
        (Port("a@b", 2**40), [120, 100, 0, 3, 97, 64, 98, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    ],
)
def test_encodings_are_erlangs(term: object, erlang: list[int]) -> None:
    """Each term encodes to the bytes OTP 25's term_to_binary/1 gives for it."""
    assert term_to_binary(term) == bytes([131, *erlang])


@pytest.mark.parametrize(
    "term",
    [object(), float("nan"), float("inf"), A("a" * 256), {1, 2}, 1j, Pid(LOCAL_NODE, 2**32), lambda: 0],
)
def test_terms_outside_the_mapping_raise_badarg(term: object) -> None:
    """What has no Erlang term (or a term Erlang cannot hold) raises badarg at the sender."""
    with pytest.raises(Badarg):
        term_to_binary(term)


def test_round_trip_of_generated_terms() -> None:
    """Decoding our encoding gives the very term back, types included."""
    r = random.Random(7)
    for _ in range(1500):
        term = gen_term(r, large_maps=True)
        assert same(binary_to_term(term_to_binary(term)), term)


def test_erlangs_other_encodings_are_read() -> None:
    """Older or alternative encodings Erlang also reads: UTF-8 and small atoms, old floats,
    a string as a list's tail, and a list of no elements, which Erlang reads as its tail."""
    assert binary_to_term(b"\x83s\x02ab") == A("ab")
    assert binary_to_term(b"\x83v\x00\x02ab") == A("ab")
    assert binary_to_term(b"\x83c" + b"1.50000000000000000000e+00".ljust(31, b"\0")) == 1.5
    assert binary_to_term(b"\x83l\x00\x00\x00\x01a\x01k\x00\x02\x01\x02") == [1, 1, 2]
    assert binary_to_term(b"\x83l\x00\x00\x00\x00a\x01") == 1
    assert binary_to_term(b"\x83a\x01\x00") == 1  # bytes after the term are ignored


def test_compressed_input_is_read_within_its_declared_size() -> None:
    """Tag 80 (zlib) is read when the inflated size is exactly the declared one."""
    inner = term_to_binary([A("x")] * 1000)[1:]
    data = b"\x83P" + len(inner).to_bytes(4, "big") + zlib.compress(inner)
    assert binary_to_term(data) == [A("x")] * 1000
    for declared in (len(inner) - 1, len(inner) + 1):
        with pytest.raises(Badarg):
            binary_to_term(b"\x83P" + declared.to_bytes(4, "big") + zlib.compress(inner))


def test_a_zlib_bomb_is_refused_without_inflating_it() -> None:
    """A declared size out of proportion to the compressed bytes is refused at once."""
    bomb = zlib.compress(b"j" * 10_000_000)
    with pytest.raises(Badarg):
        binary_to_term(b"\x83P" + (10_000_000).to_bytes(4, "big") + bomb[:100])
    with pytest.raises(Badarg):
        binary_to_term(b"\x83P\xff\xff\xff\xff" + bomb)


def test_huge_length_fields_allocate_nothing() -> None:
    """A list, tuple, map or binary claiming 2^32 - 1 elements is refused before anything
    is allocated for them."""
    for tag in (b"l", b"i", b"t", b"m", b"o"):
        with pytest.raises(Badarg):
            binary_to_term(b"\x83" + tag + b"\xff\xff\xff\xff" + b"a\x01" * 8)


def test_deep_nesting_neither_recurses_nor_fails() -> None:
    """Two hundred thousand nested lists decode and encode without recursion."""
    depth = 200_000
    data = b"\x83" + b"l\x00\x00\x00\x01" * depth + b"j" * (depth + 1)
    term = binary_to_term(data)
    assert term_to_binary(term) == data
    del term


def test_unhashable_or_colliding_map_keys_raise_badarg() -> None:
    """A map key Python cannot hold (a map, a list that is no string) or two keys Python
    holds equal (1 and 1.0, an atom and the string of its name) raise badarg."""
    one = b"a\x01"
    for key in (b"t\x00\x00\x00\x00", b"l\x00\x00\x00\x01F\x3f\xf8\x00\x00\x00\x00\x00\x00j"):
        with pytest.raises(Badarg):
            binary_to_term(b"\x83t\x00\x00\x00\x01" + key + one)
    for a, b in ((b"a\x01", b"F\x3f\xf0\x00\x00\x00\x00\x00\x00"), (b"d\x00\x01x", b"k\x00\x01x")):
        with pytest.raises(Badarg):
            binary_to_term(b"\x83t\x00\x00\x00\x02" + a + one + b + one)
    assert binary_to_term(b"\x83t\x00\x00\x00\x01l\x00\x00\x00\x01b\x00\x00\x01\x00ja\x01") == {"\u0100": 1}


def test_pids_refs_and_ports_keep_their_node() -> None:
    """Pids, references and ports read back equal, with their node; creation is dropped."""
    for term in (Pid("a@b", 7, 3), Ref("\u0444@x", ref_number([1, 2])), Port("n@h", 5)):
        back = binary_to_term(term_to_binary(term))
        assert back == term and back.node == term.node
    with_creation = b"\x83X\x77\x03a@b\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x07"
    assert binary_to_term(with_creation) == Pid("a@b", 1, 2)


def test_fuzzed_input_raises_only_badarg() -> None:
    """Random mutations of valid encodings either decode or raise Badarg: never another
    exception, never a hang."""
    r = random.Random(99)
    seeds = [term_to_binary(gen_term(r)) for _ in range(200)]
    decoded = refused = 0
    for _ in range(20_000):
        data = bytearray(r.choice(seeds))
        for _ in range(r.randint(1, 4)):
            op = r.randrange(3)
            i = r.randrange(len(data))
            if op == 0:
                data[i] = r.randrange(256)
            elif op == 1:
                del data[i:]
            else:
                data[i:i] = r.randbytes(r.randint(1, 4))
            if not data:
                data = bytearray(b"\x83")
        try:
            binary_to_term(bytes(data))
            decoded += 1
        except Badarg:
            refused += 1
    assert decoded > 1000 and refused > 1000

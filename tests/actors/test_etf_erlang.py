"""Differential tests: `actors.term_to_binary` / `binary_to_term` against the real Erlang/OTP.

One escript run takes thousands of terms generated here (seeded) and encoded by us: Erlang
decodes each one and encodes it again with ``erlang:term_to_binary/1``, and those bytes must
be ours, byte for byte (but for maps of more than 32 keys, which Erlang writes in its hash
trie's order), and must decode here to the very term we started from. In the same run
Erlang generates thousands of terms of its own (atoms of every kind, integers of every
size, floats, binaries, strings, lists, tuples, small and large maps, its own pids,
references and ports, and other nodes' ones); we must decode each one and encode it back to
Erlang's bytes. Bad input is checked against Erlang too: what Erlang refuses we refuse.
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

import pytest

import ports  # noqa: F401  (registers Port with the codec)
from actors import Atom, Badarg, binary_to_term, term_to_binary
from tests.actors.etf_terms import gen_term, has_large_map, same
from tests.erlang_oracle import SKIP_REASON, erlang_available, run_escript

pytestmark = [
    pytest.mark.erlang,
    pytest.mark.skipif(not erlang_available(), reason=SKIP_REASON),
]

OURS = 6000
THEIRS = 4000
SEED = 20240609

ORACLE = r"""
-mode(compile).
main([In, Out]) ->
    {Ours, Seed, Count, Bad} = binary_to_term(element(2, file:read_file(In))),
    Again = [reencode(B) || B <- Ours],
    rand:seed(exsss, Seed),
    Theirs = [term_to_binary(gen(0)) || _ <- lists:seq(1, Count)],
    BadResults = [try binary_to_term(B), ok catch error:badarg -> badarg end || B <- Bad],
    ok = file:write_file(Out, term_to_binary({Again, Theirs, BadResults})).

reencode(B) ->
    try term_to_binary(binary_to_term(B))
    catch error:Reason -> {error, Reason}
    end.

gen(Depth) when Depth >= 4 -> leaf();
gen(Depth) ->
    case rand:uniform(10) of
        1 -> list_to_tuple([gen(Depth + 1) || _ <- lists:seq(1, rand:uniform(6) - 1)]);
        2 -> [gen(Depth + 1) || _ <- lists:seq(1, rand:uniform(6))];
        3 -> maps:from_list([{key(), gen(Depth + 1)} || _ <- lists:seq(1, size())]);
        4 -> [rand:uniform(255) || _ <- lists:seq(1, rand:uniform(20))];
        5 -> [rand:uniform(16#10FFFF) || _ <- lists:seq(1, rand:uniform(5))] ++ [300];
        _ -> leaf()
    end.

size() ->
    case rand:uniform(10) of
        1 -> 32 + rand:uniform(60);
        2 -> 32;
        _ -> rand:uniform(8) - 1
    end.

key() ->
    case rand:uniform(5) of
        1 -> rand:uniform(1 bsl 40) - (1 bsl 39);
        2 -> rand:bytes(rand:uniform(4));
        3 -> {rand:uniform(9), atom()};
        4 -> atom();
        5 -> [0 | [rand:uniform(255) || _ <- lists:seq(1, rand:uniform(3))]]
    end.

atom() ->
    Chars = case rand:uniform(4) of
        1 -> [$a + rand:uniform(25) || _ <- lists:seq(1, rand:uniform(10))];
        2 -> [rand:uniform(255) || _ <- lists:seq(1, rand:uniform(10))];
        3 -> [rand:uniform(16#D7FF) || _ <- lists:seq(1, rand:uniform(10))];
        4 -> lists:duplicate(255, lists:nth(rand:uniform(3), [$a, 233, 16#4E2D]))
    end,
    case list_to_atom(Chars) of
        B when is_boolean(B) -> ok;
        A -> A
    end.

leaf() ->
    case rand:uniform(16) of
        1 -> rand:uniform(256) - 1;
        2 -> rand:uniform(1 bsl 32) - (1 bsl 31);
        3 -> (rand:uniform(1 bsl 3000) - (1 bsl 2999)) bsr rand:uniform(3000);
        4 -> <<F/float>> = <<(rand:uniform(16#7FEFFFFFFFFFFFFF)):64>>, F * (rand:uniform(3) - 2);
        5 -> atom();
        6 -> rand:bytes(rand:uniform(40) - 1);
        7 -> self();
        8 -> make_ref();
        9 -> hd(erlang:ports());
        10 -> binary_to_term(<<131, 88, 100, 3:16, "a@b", (rand:uniform(1 bsl 32) - 1):32,
                               (rand:uniform(1 bsl 32) - 1):32, 0:32>>);
        11 -> N = rand:uniform(5) - 1,
              binary_to_term(iolist_to_binary([<<131, 90, N:16, 100, 3:16, "a@b", 0:32>>,
                                               [<<(rand:uniform(1 bsl 32) - 1):32>> || _ <- lists:seq(1, N)]]));
        12 -> binary_to_term(<<131, 120, 100, 3:16, "a@b", (rand:uniform(1 bsl 64) - 1):64, 0:32>>);
        13 -> [];
        14 -> true;
        15 -> list_to_pid("<0." ++ integer_to_list(rand:uniform(32767)) ++ ".0>");
        16 -> -0.0
    end.
"""

BAD_INPUTS: list[bytes] = [
    b"",
    b"\x83",
    b"\x82a\x01",
    b"\x83a",
    b"\x83b\x00\x00",
    b"\x83F\x7f\xf0\x00\x00\x00\x00\x00\x00",  # infinity
    b"\x83v\x00\x02\xff\xff",  # bad UTF-8
    b"\x83w\x01\xc8",
    b"\x83t\x00\x00\x00\x02a\x01a\x01a\x01a\x02",  # a key twice
    b"\x83l\x00\x00\x00\x01a\x01",  # no tail
    b"\x83l\xff\xff\xff\xffj",  # 2^32 - 1 elements claimed
    b"\x83h\x02a\x01",
    b"\x83m\xff\xff\xff\xff",
    b"\x83Z\x00\x06w\x03a@b\x00\x00\x00\x00" + b"\x00\x00\x00\x01" * 6,  # 6 words
    b"\x83P\x00\x00\x00\x01x\x9cKd\x04\x00\x00\xc5\x00c",  # declared size too small
    b"\x83P\x00\x00\x00\x03x\x9cKd\x04\x00\x00\xc5\x00c",  # declared size too large
    b"\x83P\xff\xff\xff\xffx\x9cKd\x04\x00\x00\xc5\x00c",  # 4 GiB declared
    b"\x83\x99",  # unknown tag
]


@cache
def oracle() -> tuple[list[bytes], list[Any], list[bytes], list[Any]]:
    r = random.Random(SEED)
    terms = [gen_term(r, large_maps=True) for _ in range(OURS)]
    ours = [term_to_binary(t) for t in terms]
    answer = binary_to_term(run_escript(ORACLE, term_to_binary((ours, (1, 2, SEED), THEIRS, BAD_INPUTS))))
    again, theirs, bad = answer
    assert len(again) == OURS and len(theirs) == THEIRS
    return ours, list(zip(terms, again)), theirs, bad


def test_our_bytes_are_erlangs_and_read_back_to_the_same_term() -> None:
    """Erlang reads each of our encodings and encodes the term again: the same bytes (but in
    maps of more than 32 keys, whose order is Erlang's hash trie's), and those bytes decode
    here to the very term we started from."""
    ours, pairs, _, _ = oracle()
    differ, unequal, compared = [], [], 0
    for mine, (term, back) in zip(ours, pairs):
        assert isinstance(back, bytes), (term, back)
        if not has_large_map(term):
            compared += 1
            if back != mine:
                differ.append((term, mine, back))
        if not same(binary_to_term(back), term):
            unequal.append((term, binary_to_term(back)))
    assert not differ, f"{len(differ)} of {compared} differ; first: {differ[:3]!r}"
    assert not unequal, f"{len(unequal)} read back differently; first: {unequal[:3]!r}"
    assert compared > OURS // 2


def test_erlangs_bytes_decode_and_encode_back_to_erlangs() -> None:
    """Terms Erlang made (its own pids, refs and ports among them) decode here, and encode
    back to Erlang's bytes; a map of more than 32 keys encodes to a map Erlang reads as
    equal (checked by the round trip through our decoder)."""
    _, _, theirs, _ = oracle()
    differ, large = [], 0
    for data in theirs:
        term = binary_to_term(data)
        again = term_to_binary(term)
        if has_large_map(term):
            large += 1
            assert same(binary_to_term(again), term)
        elif again != data:
            differ.append((term, data, again))
    assert not differ, f"{len(differ)} of {len(theirs)} differ; first: {differ[:3]!r}"
    assert large > 0


def test_bad_input_is_refused_where_erlang_refuses_it() -> None:
    """Each malformed input that Erlang's binary_to_term/1 refuses with badarg is refused
    here with Badarg too."""
    _, _, _, bad = oracle()
    assert bad == [Atom("badarg")] * len(BAD_INPUTS)
    for data in BAD_INPUTS:
        with pytest.raises(Badarg):
            binary_to_term(data)

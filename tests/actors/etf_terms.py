"""Seeded generators of Python terms for the external term format tests, and a strict equality.

`gen_term` makes terms in their canonical Python form (the form `binary_to_term` gives
back), so that a round trip can be checked with `same`, which, unlike ``==``, tells
``1`` from ``1.0`` and ``True``, ``0.0`` from ``-0.0``, an `Atom` from a ``str``.
"""

from __future__ import annotations

import random
import struct
from typing import Any

from actors import Atom, Pid, Ref
from actors._etf_order import ref_number
from ports import Port

LOCAL = "nonode@nohost"
NODES = [LOCAL, "a@b", "node1@host", "b@a", "\xe9t\xe9@h\xf4te", "\u0444@x"]
ATOM_CHARS = "abcxyzABC_@ 0'\"\\\n\xe9\xff\u0100\u4e2d\U0001f600"


def gen_atom(r: random.Random) -> Any:
    roll = r.random()
    if roll < 0.05:
        return r.choice([True, False])
    if roll < 0.1:
        return Atom(r.choice(["", "ok", "undefined", "EXIT", "nonode@nohost"]))
    if roll < 0.13:  # long atoms, at Erlang's limit of 255 characters
        return Atom(r.choice("a\xe9\u0100") * r.choice([254, 255]))
    return Atom("".join(r.choice(ATOM_CHARS) for _ in range(r.randint(1, 12))))


def gen_int(r: random.Random) -> int:
    bits = r.choice([1, 7, 8, 9, 16, 31, 32, 33, 63, 64, 65, 200, 2040, 2048, 2100, 5000])
    n = r.getrandbits(bits)
    if r.random() < 0.05:
        n = r.choice([0, 255, 256, 2**31 - 1, 2**31, 2**2040 - 1, 2**2040])
    return -n if r.random() < 0.4 else n


def gen_float(r: random.Random) -> float:
    roll = r.random()
    if roll < 0.2:
        return r.choice([0.0, -0.0, 1.0, -1.5, 5e-324, 1.7976931348623157e308, 0.1])
    while True:
        (f,) = struct.unpack(">d", r.getrandbits(64).to_bytes(8, "big"))
        if f == f and abs(f) != float("inf"):
            return float(f)


def gen_str(r: random.Random, big: bool = False) -> Any:
    """A string in canonical form: a ``str`` of code points < 256 (shorter than 65536)."""
    n = r.choice([1, 2, 5, 30, 300]) if not big or r.random() < 0.9 else r.choice([65535, 65536, 70000])
    s = "".join(chr(r.randrange(256)) for _ in range(min(n, 400)))
    s = (s * (n // len(s) + 1))[:n]
    if n >= 65536:  # Erlang sends it as a LIST_EXT: read back as a list of integers
        return [ord(c) for c in s]
    return s


def gen_pid(r: random.Random) -> Pid:
    node = r.choice(NODES)
    if node == LOCAL:  # Erlang refuses its own node's pids beyond its process table
        return Pid(node, r.getrandbits(r.choice([3, 15])), r.getrandbits(r.choice([0, 13])))
    return Pid(node, r.getrandbits(r.choice([3, 32])), r.getrandbits(r.choice([0, 32])))


def gen_ref(r: random.Random) -> Ref:
    node = r.choice(NODES)
    if node == LOCAL:  # its own references: 3 words, the first of 18 bits
        words = [r.getrandbits(18), r.getrandbits(32), r.getrandbits(32)]
    else:
        # (no reference of 0 words: OTP 25 crashes hashing one as a map key)
        words = [r.getrandbits(32) for _ in range(r.choice([1, 2, 3, 3, 3, 4, 5]))]
    return Ref(node, ref_number(words))


def gen_port(r: random.Random) -> Port:
    node = r.choice(NODES)
    if node == LOCAL:
        return Port(node, r.getrandbits(r.choice([3, 20, 27])))
    return Port(node, r.getrandbits(r.choice([3, 28, 29, 32, 33, 64])))


def gen_key(r: random.Random, depth: int) -> Any:
    """A map key Python can hash."""
    roll = r.random()
    if roll < 0.15 and depth < 3:
        return tuple(gen_key(r, depth + 1) for _ in range(r.randint(0, 3)))
    leaf = gen_leaf(r)
    return "" if leaf == [] else leaf  # [] is "" as a key (a list cannot be one)


def gen_leaf(r: random.Random) -> Any:
    kind = r.randrange(11)
    if kind == 0:
        return gen_atom(r)
    if kind == 1:
        return gen_int(r)
    if kind == 2:
        return gen_float(r)
    if kind == 3:
        return r.randbytes(r.choice([0, 1, 3, 100]))
    if kind == 4:
        s = gen_str(r)
        return s if isinstance(s, str) else bytes(8)
    if kind == 5:
        return gen_pid(r)
    if kind == 6:
        return gen_ref(r)
    if kind == 7:
        return gen_port(r)
    if kind == 8:
        return r.randrange(256)
    if kind == 9:
        return gen_atom(r)
    return []


def gen_term(r: random.Random, depth: int = 0, large_maps: bool = False) -> Any:
    if depth >= 4 or r.random() < 0.35:
        return gen_leaf(r)
    kind = r.randrange(5)
    if kind == 0:
        if depth == 0 and r.random() < 0.05:
            return tuple(gen_leaf(r) for _ in range(r.choice([255, 256, 300])))
        return tuple(gen_term(r, depth + 1, large_maps) for _ in range(r.choice([0, 1, 2, 3, 5])))
    if kind == 1:
        items = [gen_term(r, depth + 1, large_maps) for _ in range(r.choice([1, 2, 4, 7]))]
        if all(x.__class__ is int and 0 <= x < 256 for x in items):
            return "".join(map(chr, items))  # Erlang sends it as a string
        return items
    if kind == 2:
        return gen_str(r, big=depth == 0)
    if kind == 3:  # a string with code points above 255 is a list of integers
        return [r.choice([r.randrange(256), r.randrange(256, 0x110000)]) for _ in range(r.randint(1, 6))] + [300]
    if large_maps and depth < 2 and r.random() < 0.2:
        return {gen_key(r, depth): gen_leaf(r) for _ in range(r.choice([33, 40, 100]))}
    return {gen_key(r, depth): gen_term(r, depth + 1, large_maps) for _ in range(r.choice([0, 1, 2, 5, 32 if depth == 0 else 3]))}


def has_large_map(t: Any) -> bool:
    """Whether `t` holds a map of more than 32 keys (Erlang writes those in hash order)."""
    if isinstance(t, dict):
        return len(t) > 32 or any(has_large_map(k) or has_large_map(v) for k, v in t.items())
    if isinstance(t, (list, tuple)):
        return any(has_large_map(x) for x in t)
    return False


def same(a: Any, b: Any) -> bool:
    """Strict equality of two terms: same types all the way down (``1 != 1.0 != True``)."""
    if a.__class__ is not b.__class__:
        return False
    if isinstance(a, float):
        return struct.pack(">d", a) == struct.pack(">d", b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        if len(a) != len(b):
            return False
        keys = {k: k for k in b}
        return all(k in keys and same(k, keys[k]) and same(v, b[k]) for k, v in a.items())
    if isinstance(a, (Pid, Ref, Port)):
        return bool(a == b and a.node == b.node)
    return bool(a == b)

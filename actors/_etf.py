"""Erlang's external term format: `term_to_binary` and `binary_to_term`, as OTP 25 does them.

`term_to_binary(term)` gives the bytes ``erlang:term_to_binary/1`` gives for the term the
value stands for (see the term mapping), byte for byte, for every type of the mapping:

- atoms as ``ATOM_EXT`` when every character is Latin-1 (OTP 25's choice), otherwise
  ``SMALL_ATOM_UTF8_EXT`` / ``ATOM_UTF8_EXT``; ``True``/``False`` are ``true``/``false``
  and ``None`` is ``undefined``;
- integers as ``SMALL_INTEGER_EXT``, ``INTEGER_EXT``, ``SMALL_BIG_EXT``, ``LARGE_BIG_EXT``;
  floats as ``NEW_FLOAT_EXT`` (Erlang has no NaN or infinity: those raise badarg);
- ``bytes`` (also ``bytearray``, ``memoryview``) as ``BINARY_EXT``;
- a ``str`` is a list of code points: ``STRING_EXT`` when shorter than 65536 with every
  code point below 256, else a ``LIST_EXT`` of integers; a ``list`` of integers 0..255 is
  the same Erlang term and is encoded the same way; ``[]`` and ``""`` are ``NIL_EXT``;
- tuples as ``SMALL_TUPLE_EXT`` / ``LARGE_TUPLE_EXT``; dicts as ``MAP_EXT`` with the keys
  of a map of up to 32 keys in Erlang's order (`actors._etf_order`);
- pids as ``NEW_PID_EXT``, references as ``NEWER_REFERENCE_EXT``, ports (a handle class
  registered with `register_handle`) as ``NEW_PORT_EXT`` or ``V4_PORT_EXT``, each with its
  node's name and creation 0.

What differs from Erlang: a map of more than 32 keys is a hash trie in Erlang and is
written in the trie's order; here its keys are written in term order (Erlang decodes
either to the same map). Creation is always written as 0 and dropped when read. Anything
outside the mapping raises `Badarg`.
"""

from __future__ import annotations

import math
import struct
from typing import Any, Callable, Final

from ._etf_decode import MAX_UNCOMPRESSED, binary_to_term, set_port_class
from ._etf_order import order_key, ref_words
from ._terms import Atom, Badarg, Pid, Ref

__all__ = ["term_to_binary", "binary_to_term", "register_handle", "MAX_UNCOMPRESSED"]

_pack_H: Final = struct.Struct(">H").pack
_pack_I: Final = struct.Struct(">I").pack
_pack_i: Final = struct.Struct(">i").pack
_pack_d: Final = struct.Struct(">d").pack
_pack_II: Final = struct.Struct(">II").pack
_pack_III: Final = struct.Struct(">III").pack
_pack_QI: Final = struct.Struct(">QI").pack
_pack_IB: Final = struct.Struct(">IB").pack

_SMALL_MAP: Final = 32
_MAX_ATOM_CHARS: Final = 255
_ATOM_CACHE_MAX: Final = 4096
_atom_cache: dict[str, bytes] = {}


def _atom_bytes(name: str) -> bytes:
    """The encoding of the atom `name` (cached: atoms repeat)."""
    enc = _atom_cache.get(name)
    if enc is not None:
        return enc
    if len(name) > _MAX_ATOM_CHARS:
        raise Badarg()
    try:
        raw = name.encode("latin-1")
        enc = b"d" + _pack_H(len(raw)) + raw
    except UnicodeEncodeError:
        raw = name.encode("utf-8")
        if len(raw) < 256:
            enc = bytes((119, len(raw))) + raw
        else:
            enc = b"v" + _pack_H(len(raw)) + raw
    if len(_atom_cache) >= _ATOM_CACHE_MAX:
        _atom_cache.clear()
    _atom_cache[str(name)] = enc
    return enc


_TRUE: Final = _atom_bytes("true")
_FALSE: Final = _atom_bytes("false")
_UNDEFINED: Final = _atom_bytes("undefined")


_SMALL_INTS: Final = tuple(b"a" + bytes((i,)) for i in range(256))  # SMALL_INTEGER_EXT


def _int(t: int, out: bytearray) -> None:
    if 0 <= t < 256:
        out += _SMALL_INTS[t]
    elif -0x80000000 <= t < 0x80000000:
        out += b"b" + _pack_i(t)
    else:
        mag = -t if t < 0 else t
        digits = mag.to_bytes((mag.bit_length() + 7) // 8, "little")
        if len(digits) < 256:
            out += bytes((110, len(digits), t < 0)) + digits
        else:
            out += b"o" + _pack_IB(len(digits), t < 0) + digits


def _float(t: float, out: bytearray) -> None:
    if not math.isfinite(t):
        raise Badarg()
    out += b"F" + _pack_d(t)


def _str(t: str, out: bytearray) -> None:
    n = len(t)
    if n == 0:
        out += b"j"
        return
    try:
        raw = t.encode("latin-1")
    except UnicodeEncodeError:
        out += b"l" + _pack_I(n)
        for c in t:
            _int(ord(c), out)
        out += b"j"
        return
    if n < 65536:
        out += b"k" + _pack_H(n) + raw
    else:
        cells = bytearray(2 * n)
        cells[0::2] = b"a" * n
        cells[1::2] = raw
        out += b"l" + _pack_I(n) + cells + b"j"


def _bytes_like(t: Any, out: bytearray) -> None:
    data = bytes(t)
    out += b"m" + _pack_I(len(data)) + data


def _pid(t: Pid, out: bytearray) -> None:
    out += b"X" + _atom_bytes(t.node) + _pack_III(t.number, t.serial, 0)


def _ref(t: Ref, out: bytearray) -> None:
    words = ref_words(t.number)
    out += b"Z" + _pack_H(len(words)) + _atom_bytes(t.node) + b"\0\0\0\0"
    for w in words:
        out += _pack_I(w)


def _port(t: Any, out: bytearray) -> None:
    number = t.number
    if number < 0x10000000:  # OTP 25 writes NEW_PORT_EXT up to 28 bits, V4_PORT_EXT beyond
        out += b"Y" + _atom_bytes(t.node) + _pack_II(number, 0)
    else:
        out += b"x" + _atom_bytes(t.node) + _pack_QI(number, 0)


# Leaf encoders by exact class; containers are handled inline in `_encode`.
_LEAVES: dict[type, Callable[[Any, bytearray], None]] = {
    float: _float,
    bytes: _bytes_like,
    bytearray: _bytes_like,
    memoryview: _bytes_like,
    Pid: _pid,
    Ref: _ref,
}


def register_handle(kind: str, cls: type) -> None:
    """Let instances of `cls` (a `Handle` subclass: ``node`` and ``number``) travel as
    Erlang terms of `kind`; binary_to_term makes them with ``cls(node, number)``.

    Only ``"port"`` is a kind for now (pids and references are built in); `ports`
    registers its `Port` class at import through `actors.runtime`.
    """
    if kind != "port":
        raise ValueError(f"unknown handle kind {kind!r}")
    _LEAVES[cls] = _port
    set_port_class(cls)


def _is_byte_list(t: list[Any]) -> bool:
    for x in t:
        if type(x) is not int or not 0 <= x < 256:
            return False
    return True


def _encode(term: Any, out: bytearray) -> None:
    """Append the encoding of `term`, without recursion (depth is bounded by memory only)."""
    stack = [term]
    pop = stack.pop
    push = stack.append
    extend = stack.extend
    leaves = _LEAVES
    while stack:
        t = pop()
        cls = type(t)  # (compiled: the object's type slot; ``__class__`` is a lookup)
        if cls is int:
            v: int = t
            if 0 <= v < 256:
                out += _SMALL_INTS[v]
            else:
                _int(v, out)
        elif cls is Atom:
            out += _atom_bytes(t)
        elif cls is tuple:
            n = len(t)
            if n < 256:
                out += bytes((104, n))
            else:
                out += b"i" + _pack_I(n)
            extend(reversed(t))
        elif cls is list:
            n = len(t)
            if n == 0:
                out += b"j"
            elif n < 65536 and _is_byte_list(t):
                out += b"k" + _pack_H(n) + bytes(t)
            else:
                out += b"l" + _pack_I(n)
                push([])  # the tail: [] encodes as NIL_EXT
                extend(reversed(t))
        elif cls is str:
            _str(t, out)
        elif t is True:
            out += _TRUE
        elif t is False:
            out += _FALSE
        elif cls is dict:
            out += b"t" + _pack_I(len(t))
            keys = sorted(t, key=order_key)
            keys.reverse()
            for k in keys:
                push(t[k])
                push(k)
        else:
            leaf = leaves.get(cls)
            if leaf is not None:
                leaf(t, out)
            else:
                push(_coerce(t))


def _coerce(t: Any) -> Any:
    """A value of an exact class `_encode` handles, for a subclass or None; else badarg."""
    if t is None:
        return Atom("undefined")
    if isinstance(t, bool):
        return bool(t)
    if isinstance(t, Atom):
        return Atom(str(t))
    bases: tuple[Callable[[Any], Any], ...] = (int, float, str, tuple, list, dict, bytes, bytearray)
    for base in bases:
        if isinstance(t, base):  # type: ignore[arg-type]
            return base(t)
    raise Badarg()


def term_to_binary(term: Any) -> bytes:
    """``erlang:term_to_binary/1``: the external term format of `term`, byte for byte.

    Raises `Badarg` for a value outside the term mapping (or a float NaN or infinity,
    an atom longer than 255 characters, a pid number beyond 32 bits).
    """
    out = bytearray(b"\x83")
    try:
        _encode(term, out)
    except Badarg:
        raise
    except (TypeError, ValueError, OverflowError, struct.error, RecursionError, AttributeError):
        raise Badarg() from None
    return bytes(out)

"""Erlang's map-key order, for encoding maps as ``erlang:term_to_binary/1`` does.

A map of up to 32 keys is encoded with its keys in Erlang's term order, in the exact
variant maps use for keys: every integer sorts before every float (``2 < 1.5``), also
inside tuples, lists and maps. `order_key` maps a term to a Python value whose natural
order is that order. Measured in OTP 25:

- number < atom < reference < port < pid < tuple < map < list (``[]`` first) < binary;
- atoms by code point; binaries byte by byte, a prefix first;
- tuples by size, then element by element; maps by size, then keys, then values;
- references by node name, then number of words, then the words from the last one;
- ports by node name, then number; pids by serial, then number, then node name.
"""

from __future__ import annotations

from typing import Any, Final

from ._terms import Atom, Pid, Ref

__all__ = ["order_key", "ref_words", "ref_number"]

# A reference is as many 32-bit words as Erlang gave it (0..5; Erlang makes 3). `Ref.number`
# holds them little-endian; a length other than 3 is kept in the bits above the words.
_LEN_SHIFT: Final = 160
_WORDS_MASK: Final = (1 << _LEN_SHIFT) - 1


def ref_words(number: int) -> list[int]:
    """The words of a reference number (see `ref_number`); raises ValueError if none fit."""
    if number < 0:
        raise ValueError("negative reference number")
    marker = number >> _LEN_SHIFT
    n = 3 if marker == 0 else marker - 1
    if n > 5 or (marker and n == 3):
        raise ValueError("reference number out of range")
    words = number & _WORDS_MASK
    if words >> (32 * n):
        raise ValueError("reference number out of range")
    return [(words >> (32 * i)) & 0xFFFFFFFF for i in range(n)]


def ref_number(words: list[int]) -> int:
    """The `Ref.number` of a reference of these 32-bit words (little-endian, length kept)."""
    number = 0
    for i, w in enumerate(words):
        number |= w << (32 * i)
    if len(words) != 3:
        number |= (len(words) + 1) << _LEN_SHIFT
    return number


def order_key(t: Any) -> Any:
    """A Python value ordered as Erlang orders map keys (exact term order)."""
    cls = type(t)
    if cls is int:
        return (0, 0, t)
    if cls is Atom:
        return (1, str(t))
    if cls is bool:
        return (1, "true" if t else "false")
    if cls is float:
        return (0, 1, t)
    if cls is tuple:
        return (6, len(t), tuple(order_key(x) for x in t))
    if cls is str:
        return (8, tuple((0, 0, ord(c)) for c in t))
    if cls is list:
        return (8, tuple(order_key(x) for x in t))
    if cls is bytes or cls is bytearray or cls is memoryview:
        return (9, bytes(t))
    if cls is Pid:
        return (5, t.serial, t.number, t.node)
    if cls is Ref:
        words = ref_words(t.number)
        return (2, t.node, len(words), tuple(reversed(words)))
    if cls is dict:
        keys = sorted(t, key=order_key)
        return (7, len(t), tuple(order_key(k) for k in keys), tuple(order_key(t[k]) for k in keys))
    if t is None:
        return (1, "undefined")
    return _order_key_other(t)


def _order_key_other(t: Any) -> Any:
    if isinstance(t, bool):
        return (1, "true" if t else "false")
    if isinstance(t, int):
        return (0, 0, int(t))
    if isinstance(t, float):
        return (0, 1, float(t))
    if isinstance(t, Atom):
        return (1, str(t))
    if isinstance(t, str):
        return (8, tuple((0, 0, ord(c)) for c in t))
    if isinstance(t, (bytes, bytearray, memoryview)):
        return (9, bytes(t))
    if isinstance(t, tuple):
        return (6, len(t), tuple(order_key(x) for x in t))
    if isinstance(t, list):
        return (8, tuple(order_key(x) for x in t))
    # a registered handle class: ports (the only kind besides pids and refs)
    return (4, t.node, t.number)

"""`binary_to_term`: Erlang's external term format back to Python terms, without recursion.

Every malformed input raises `Badarg`, as ``erlang:binary_to_term/1`` does; nothing is
allocated from a length field before the bytes are there (every element takes at least
one byte of input, so a count larger than what is left is refused at once), nesting is
kept on an explicit stack (no recursion limit), and compressed input (tag 80) is inflated
only up to the size it declares, itself bounded by `MAX_UNCOMPRESSED` and zlib's ratio.

As Erlang's ``binary_to_term/1``, bytes after the term are ignored. Read in the term
mapping: atoms are `Atom` (``true``/``false`` are ``True``/``False``), ``STRING_EXT``
is a ``str``, other lists are ``list`` (a list of integers stays a list), maps are
``dict``. A map key Python cannot hash (a list of code points becomes the ``str`` it
stands for) or two keys Python holds equal (``1`` and ``1.0``, ``1`` and ``true``) raise
badarg, as do terms outside the mapping: funs, exports, bit strings, improper lists.
The creation of pids, references and ports is read and dropped.
"""

from __future__ import annotations

import math
import struct
import zlib
from typing import Any, Final

from ._etf_order import ref_number
from ._terms import Atom, Badarg, Pid, Ref

__all__ = ["binary_to_term", "set_port_class", "MAX_UNCOMPRESSED"]

MAX_UNCOMPRESSED: Final = 1 << 28
"""The largest size compressed input may declare (256 MiB)."""
_ZLIB_MAX_RATIO: Final = 1100  # deflate expands at most ~1032:1

_H: Final = struct.Struct(">H").unpack_from
_I: Final = struct.Struct(">I").unpack_from
_i: Final = struct.Struct(">i").unpack_from
_d: Final = struct.Struct(">d").unpack_from
_II: Final = struct.Struct(">II").unpack_from
_III: Final = struct.Struct(">III").unpack_from
_QI: Final = struct.Struct(">QI").unpack_from

_TUPLE, _LIST, _MAP = 0, 1, 2

_port_class: list[Any] = []
_ATOM_CACHE_MAX: Final = 4096
_latin1_atoms: dict[bytes, Any] = {}
_utf8_atoms: dict[bytes, Any] = {}


def set_port_class(cls: type) -> None:
    """The class that decoded ports are made of (registered by `ports`)."""
    _port_class[:] = [cls]


class _Bad(Exception):
    pass


def _atom(raw: bytes, utf8: bool) -> Any:
    cache = _utf8_atoms if utf8 else _latin1_atoms
    a = cache.get(raw)
    if a is None:
        name = raw.decode("utf-8") if utf8 else raw.decode("latin-1")
        if len(name) > 255:
            raise _Bad
        a = True if name == "true" else False if name == "false" else Atom(name)
        if len(cache) >= _ATOM_CACHE_MAX:
            cache.clear()
        cache[raw] = a
    return a


def _node(d: bytes, pos: int) -> tuple[str, int]:
    """A node name atom at `pos`: (name, position after it)."""
    tag = d[pos]
    if tag == 100 or tag == 118:
        (n,) = _H(d, pos + 1)
        start = pos + 3
    elif tag == 115 or tag == 119:
        n = d[pos + 1]
        start = pos + 2
    else:
        raise _Bad
    end = start + n
    if end > len(d):
        raise _Bad
    a = _atom(d[start:end], tag == 118 or tag == 119)
    if a is True or a is False:
        return ("true" if a else "false"), end
    return str(a), end


def _map_key(k: Any) -> Any:
    cls = type(k)
    if cls is list:
        if all(type(x) is int and 0 <= x < 0x110000 for x in k):
            return "".join(map(chr, k))
        raise _Bad
    if cls is dict:
        raise _Bad
    if cls is tuple:
        return tuple(_map_key(x) for x in k)
    return k


def _build(kind: int, items: list[Any]) -> Any:
    if kind == _TUPLE:
        return tuple(items)
    if kind == _LIST:
        tail = items.pop()
        if not items:
            return tail  # LIST_EXT of no elements: Erlang reads it as its tail
        cls = type(tail)
        if cls is list:
            if tail:
                items.extend(tail)
        elif cls is str:
            items.extend(map(ord, tail))
        else:
            raise _Bad  # an improper list has no Python form
        return items
    it = iter(items)
    result = {}
    for k in it:
        result[_map_key(k)] = next(it)
    if 2 * len(result) != len(items):
        raise _Bad  # a key twice (or two keys Python holds equal)
    return result


class _Frame:
    """A container being decoded: its kind, how many values it still takes, its items."""

    __slots__ = ("kind", "left", "items")

    def __init__(self, kind: int, left: int) -> None:
        self.kind = kind
        self.left = left
        self.items: list[Any] = []


def _decode(d: bytes, pos: int) -> Any:
    size = len(d)
    stack: list[_Frame] = []  # (typed: compiled, a frame's fields are native)
    while True:
        tag = d[pos]
        pos += 1
        if tag == 97:  # SMALL_INTEGER_EXT
            value: Any = d[pos]
            pos += 1
        elif tag == 100 or tag == 119 or tag == 115 or tag == 118:  # atoms
            if tag == 100 or tag == 118:
                (n,) = _H(d, pos)
                pos += 2
            else:
                n = d[pos]
                pos += 1
            end = pos + n
            if end > size:
                raise _Bad
            value = _atom(d[pos:end], tag >= 118)
            pos = end
        elif tag == 104 or tag == 105 or tag == 108 or tag == 116:  # containers
            if tag == 104:
                n = d[pos]
                pos += 1
            else:
                (n,) = _I(d, pos)
                pos += 4
            if tag == 116:
                kind, count = _MAP, 2 * n
            elif tag == 108:
                kind, count = _LIST, n + 1
            else:
                kind, count = _TUPLE, n
            if count > size - pos:
                raise _Bad
            if count:
                stack.append(_Frame(kind, count))
                continue
            value = () if kind == _TUPLE else {}
        elif tag == 109:  # BINARY_EXT
            (n,) = _I(d, pos)
            pos += 4
            end = pos + n
            if end > size:
                raise _Bad
            value = d[pos:end]
            pos = end
        elif tag == 106:  # NIL_EXT
            value = []
        elif tag == 107:  # STRING_EXT
            (n,) = _H(d, pos)
            pos += 2
            end = pos + n
            if end > size:
                raise _Bad
            value = d[pos:end].decode("latin-1")
            pos = end
        elif tag == 98:  # INTEGER_EXT
            (value,) = _i(d, pos)
            pos += 4
        elif tag == 70:  # NEW_FLOAT_EXT
            (value,) = _d(d, pos)
            pos += 8
            if not math.isfinite(value):
                raise _Bad
        else:
            value, pos = _decode_other(tag, d, pos)
        # attach the value to its container; finished containers become values in turn
        while stack:
            frame = stack[-1]
            frame.items.append(value)
            frame.left -= 1
            if frame.left:
                break
            stack.pop()
            value = _build(frame.kind, frame.items)
        else:
            return value


def _decode_other(tag: int, d: bytes, pos: int) -> tuple[Any, int]:
    size = len(d)
    if tag == 110 or tag == 111:  # SMALL_BIG_EXT, LARGE_BIG_EXT
        if tag == 110:
            n, sign = d[pos], d[pos + 1]
            pos += 2
        else:
            (n,) = _I(d, pos)
            sign = d[pos + 4]
            pos += 5
        end = pos + n
        if end > size:
            raise _Bad
        value = int.from_bytes(d[pos:end], "little")
        return (-value if sign else value), end
    if tag == 88 or tag == 103:  # NEW_PID_EXT, PID_EXT
        node, pos = _node(d, pos)
        number, serial = _II(d, pos)
        pos += 12 if tag == 88 else 9
        if pos > size:
            raise _Bad
        return Pid(node, number, serial), pos
    if tag == 90 or tag == 114 or tag == 101:  # NEWER_, NEW_, REFERENCE_EXT
        if tag == 101:
            n = 1
        else:
            (n,) = _H(d, pos)
            pos += 2
        node, pos = _node(d, pos)
        pos += 4 if tag == 90 else 1  # creation
        if n > 5 or pos + 4 * n > size:
            raise _Bad
        words = [_I(d, pos + 4 * i)[0] for i in range(n)]
        if tag == 101:
            words[0] &= 0x3FFFF  # the old format's 18-bit id
        if node == "nonode@nohost" and n < 3:
            words += [0] * (3 - n)  # Erlang pads references of its own node to 3 words
        return Ref(node, ref_number(words)), pos + 4 * n
    if tag == 89 or tag == 120 or tag == 102:  # NEW_PORT_EXT, V4_PORT_EXT, PORT_EXT
        if not _port_class:
            raise _Bad
        node, pos = _node(d, pos)
        if tag == 120:
            number, _ = _QI(d, pos)
            pos += 12
        else:
            (number,) = _I(d, pos)
            pos += 8 if tag == 89 else 5
        if pos > size:
            raise _Bad
        return _port_class[0](node, number), pos
    if tag == 99:  # FLOAT_EXT: 31 bytes of "%.20e"
        end = pos + 31
        if end > size:
            raise _Bad
        f = float(d[pos:end].split(b"\0", 1)[0].decode("ascii"))
        if not math.isfinite(f):
            raise _Bad
        return f, end
    raise _Bad  # funs, exports, bit strings, atom cache references, unknown tags


def _inflate(d: bytes) -> bytes:
    (declared,) = _I(d, 2)
    compressed = d[6:]
    if declared > MAX_UNCOMPRESSED or declared > _ZLIB_MAX_RATIO * len(compressed) + 64:
        raise _Bad
    z = zlib.decompressobj()
    raw = z.decompress(compressed, declared)
    if len(raw) != declared:
        raise _Bad
    if not z.eof and (z.decompress(z.unconsumed_tail, 1) or not z.eof):
        raise _Bad  # more data than declared, or a stream that does not end
    return raw


def binary_to_term(data: Any) -> Any:
    """``erlang:binary_to_term/1``: the term encoded in `data` (bytes-like).

    Raises `Badarg` for anything that is not a well-formed external term of the mapping.
    """
    if type(data) is not bytes:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise Badarg()
        data = bytes(data)
    try:
        if data[0] != 131:
            raise _Bad
        if data[1] == 80:
            return _decode(_inflate(data), 0)
        return _decode(data, 1)
    except (_Bad, IndexError, struct.error, UnicodeDecodeError, ValueError, TypeError, zlib.error):
        raise Badarg() from None

"""Erlang terms that Python lacks: atoms, pids, references, and the errors Erlang raises.

`Atom` is a `str` subclass (``Atom("ok") == "ok"``) whose ``repr`` prints the atom as
Erlang prints it (``ok``, ``'EXIT'``). `Pid` and `Ref` are immutable, hashable handles
that name their node, so they can later travel between nodes unchanged.
"""

from __future__ import annotations

import re
from typing import Any, Final

from mypy_extensions import mypyc_attr

__all__ = [
    "Atom",
    "Pid",
    "Ref",
    "Handle",
    "ErlangError",
    "Badarg",
    "format_term",
    "LOCAL_NODE",
    "all_known_nodes",
    "local_node_names",
    "node_index",
]

LOCAL_NODE: Final = "nonode@nohost"

_local_names: set[str] = {LOCAL_NODE}
_remote_index: dict[str, int] = {}


def local_node_names() -> set[str]:
    """The names of the nodes this OS process runs (a `Node` adds its own): their pids,
    refs and ports print with 0 as Erlang prints local ones."""
    return _local_names


def all_known_nodes() -> list[str]:
    """Every other node a pid, ref or port of was printed or numbered here."""
    return list(_remote_index)


def node_index(node: str) -> int:
    """The first number Erlang prints in a pid, ref or port of `node`: 0 for a node of
    this OS process, otherwise a number the node keeps for as long as it runs (as
    Erlang's ``<5913.87.0>``)."""
    if node in _local_names:
        return 0
    i = _remote_index.get(node)
    if i is None:
        i = _remote_index[node] = len(_remote_index) + 1
    return i

_UNQUOTED = re.compile(r"[a-z\xdf-\xf6\xf8-\xff][A-Za-z0-9_@\xc0-\xd6\xd8-\xf6\xf8-\xff]*\Z")
_RESERVED: Final = frozenset(
    "after and andalso band begin bnot bor bsl bsr bxor case catch cond div end fun if "
    "let not of or orelse receive rem try when xor".split()
)
_ESCAPES: Final = {
    "'": "\\'",
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\x0b": "\\v",
    "\b": "\\b",
    "\f": "\\f",
    "\x1b": "\\e",
    "\x7f": "\\d",
}


def _quote_atom(name: str) -> str:
    if _UNQUOTED.match(name) and name not in _RESERVED:
        return name
    out = []
    for ch in name:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ord(ch) < 32:
            out.append("\\^" + chr(ord(ch) + 64))
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


@mypyc_attr(native_class=False)  # a str subclass: mypyc compiles no native one
class Atom(str):
    """An Erlang atom: a `str` that prints as Erlang prints the atom.

    ``Atom("ok") == "ok"`` and hashes as the string does, so plain strings work wherever
    the runtime compares atoms (patterns, options, reasons).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return _quote_atom(self)

    def __str__(self) -> str:
        return str.__str__(self)


class Pid:
    """A process identifier, printed as Erlang prints it: ``<0.83.0>``.

    Immutable (by contract: only the runtime sets `proc`) and hashable. It names its node,
    so it stays valid when pids cross nodes. Pids are made by the runtime (`spawn`); there
    is no public constructor contract.
    """

    __slots__ = ("node", "number", "serial", "proc")

    node: str
    number: int
    serial: int
    proc: Any  # the live local process, set by the runtime (not part of the identity)

    def __init__(self, node: str, number: int, serial: int = 0) -> None:
        # no __setattr__ guard: compiled, this is a native class, which object.__setattr__
        # cannot write past one
        self.node = node
        self.number = number
        self.serial = serial
        self.proc = None

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is Pid
            and self.number == other.number
            and self.node == other.node
            and self.serial == other.serial
        )

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        # The number alone: unique on its node, and cheap (pids key every table).
        return self.number

    def __lt__(self, other: Pid) -> bool:
        return (self.node, self.number, self.serial) < (other.node, other.number, other.serial)

    def __repr__(self) -> str:
        node = self.node
        x = 0 if node in _local_names else node_index(node)
        return f"<{x}.{self.number}.{self.serial}>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Pid, (self.node, self.number, self.serial))


@mypyc_attr(allow_interpreted_subclasses=True)  # ports.Port
class Handle:
    """An immutable (by contract), hashable identity: a node's name and a number unique on that node.

    The base of `Ref` and of the ports' `Port`; equal only to a handle of the same class.
    """

    __slots__ = ("node", "number", "_hash")

    node: str
    number: int
    _hash: int

    def __init__(self, node: str, number: int) -> None:
        self.node = node
        self.number = number
        self._hash = hash(node) ^ hash(number)  # no tuple: a ref is made on every call

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and self.number == other.number
            and self.node == other.node
        )

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.node, self.number))


class Ref(Handle):
    """A unique reference, printed as Erlang prints it: ``#Ref<0.1234.5678.91011>``."""

    __slots__ = ()

    def __repr__(self) -> str:
        n = self.number
        return f"#Ref<{node_index(self.node)}.{(n >> 40) & 0xFFFFFFFF}.{(n >> 20) & 0xFFFFF}.{n & 0xFFFFF}>"



class ErlangError(Exception):
    """An exception Erlang would raise: ``reason`` is the Erlang reason term.

    ``kind`` is the Erlang exception class, ``"error"`` (from ``erlang:error/1``) or
    ``"exit"`` (as `gen_tcp:listen/2` raises ``exit:badarg``). Only the reason matters
    for matching; the kind records which class Erlang used.
    """

    def __init__(self, reason: Any, kind: str = "error") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind

    def __repr__(self) -> str:
        return f"{type(self).__name__}({format_term(self.reason)})"

    def __str__(self) -> str:
        return f"{self.kind}:{format_term(self.reason)}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ErlangError) and other.reason == self.reason

    def __hash__(self) -> int:
        return hash(("ErlangError", repr(self.reason)))


class Badarg(ErlangError):
    """``badarg``: a bad argument, as Erlang raises it."""

    def __init__(self, kind: str = "error") -> None:
        super().__init__(Atom("badarg"), kind)


# interpreted, not compiled with the rest of this module: its recursion must meet Python's
# recursion limit (a RecursionError), not overflow the C stack
from ._format import format_term  # noqa: E402

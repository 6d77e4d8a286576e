"""Receive patterns: how a message is tested against the patterns of a `receive`.

A pattern is `ANY` (matches anything), a tuple (matched element by element, nesting
allowed), a class (matches its instances), a callable predicate, or any other value
(compared with ``==``, except that booleans only match booleans, as ``true`` is not ``1``
in Erlang).
"""

from __future__ import annotations

from typing import Any, Final

from ._terms import Atom, Pid, Ref

__all__ = ["ANY", "TIMEOUT", "matches"]


class _Any:
    __slots__ = ()

    def __repr__(self) -> str:
        return "ANY"

    def __reduce__(self) -> str:
        return "ANY"


class _Timeout:
    __slots__ = ()

    def __repr__(self) -> str:
        return "TIMEOUT"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "TIMEOUT"


ANY: Final = _Any()
"""A pattern that matches any value (Erlang's ``_``)."""

TIMEOUT: Final = _Timeout()
"""What `receive` returns when its timeout passes (it is falsy)."""


PLAIN: Final[set[type]] = {str, Atom, int, float, bytes, Pid, Ref}
"""Classes whose patterns match by plain equality (handle types add themselves)."""


def matches(pattern: Any, msg: Any) -> bool:
    """Tell whether `msg` matches `pattern` (see the module docstring)."""
    if pattern is ANY:
        return True
    cls = type(pattern)
    if cls is tuple:
        if not isinstance(msg, tuple):
            return False
        t: tuple[Any, ...] = pattern
        m_t: tuple[Any, ...] = msg
        n = len(t)
        if len(m_t) != n:
            return False
        for k in range(n):  # by index: no zip object, no pair per element
            p = t[k]
            if p is ANY:
                continue
            m = m_t[k]
            if p is m:  # the common case: the same atom, handle or pid object
                continue
            pc = type(p)
            if pc is str or pc is Atom:  # a str pattern equals the atom of that name
                if type(m) is bool or not _str_eq(p, m):
                    return False
            elif pc in PLAIN and type(m) is not bool:
                if p != m:
                    return False
            elif not matches(p, m):
                return False
        return True
    if cls is type:
        return isinstance(msg, pattern)
    if cls is bool or type(msg) is bool:
        return pattern is msg
    if callable(pattern) and not isinstance(pattern, (str, bytes, int, float, list, dict)):
        return bool(pattern(msg))
    try:
        return bool(pattern == msg)
    except Exception:
        return False


def _str_eq(p: str, m: Any) -> bool:
    """A str pattern against an element: equal strings (an `Atom` is a str)."""
    return isinstance(m, str) and p == m

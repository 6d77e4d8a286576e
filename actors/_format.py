"""`format_term`: a Python value as Erlang prints the term it stands for.

Kept out of the compiled `actors._terms` (which re-exports it): it recurses into nested
terms, and only interpreted code meets Python's recursion limit on a very deep term
instead of overflowing the C stack.
"""

from __future__ import annotations

from typing import Any

from . import _terms

__all__ = ["format_term"]


def format_term(term: Any) -> str:
    """Render a Python value as Erlang would print the term it stands for."""
    if term is True:
        return "true"
    if term is False:
        return "false"
    if term is None:
        return "undefined"
    if isinstance(term, (_terms.Atom, _terms.Pid, _terms.Ref)):
        return repr(term)
    if isinstance(term, str):
        return '"' + term.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(term, (bytes, bytearray, memoryview)):
        data = bytes(term)
        if data and all(32 <= b < 127 for b in data):
            return '<<"' + data.decode().replace("\\", "\\\\").replace('"', '\\"') + '">>'
        return "<<" + ",".join(str(b) for b in data) + ">>"
    if isinstance(term, tuple):
        return "{" + ",".join(format_term(t) for t in term) + "}"
    if isinstance(term, list):
        return "[" + ",".join(format_term(t) for t in term) + "]"
    if isinstance(term, dict):
        return "#{" + ",".join(f"{format_term(k)} => {format_term(v)}" for k, v in term.items()) + "}"
    return repr(term)

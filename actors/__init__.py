"""Erlang processes for Python: pids, mailboxes, selective receive, links, monitors."""

from __future__ import annotations

from ._terms import LOCAL_NODE, Atom, Badarg, ErlangError, Pid, Ref, format_term

__all__ = ["Atom", "Pid", "Ref", "ErlangError", "Badarg", "format_term", "LOCAL_NODE"]

"""Erlang's gen_tcp API on port actors."""

from __future__ import annotations

__all__: list[str] = []

"""Port actors: sockets owned by processes, the packet codec, the option table."""

from __future__ import annotations

__all__: list[str] = []

"""Port actors: sockets owned by processes, the packet codec, the option table."""

from __future__ import annotations

from ._packet import decode_packet

__all__: list[str] = ["decode_packet"]

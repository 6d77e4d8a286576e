"""The records between a node and its gateway over their Unix socket (sans-IO).

A record is ``length:u32 kind:u8 name_length:u8 name body`` (length counts what follows
it). Kinds, node -> gateway: ``F`` a frame for node `name`; ``C`` connect to `name` at
the gateway address in body (``ip:port``); ``D`` disconnect `name`; ``A`` the reply to the
gateway's challenge. Gateway -> node: ``H`` the challenge (and the gateway is ready);
``F`` a frame from `name`; ``U`` `name` is up; ``N`` `name` is down, reason in body;
``R`` a refused frame, reason in body.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

_HEAD = struct.Struct(">IBB")
HEAD_SIZE = _HEAD.size

FRAME, CONNECT, DISCONNECT, ANSWER = ord("F"), ord("C"), ord("D"), ord("A")
CHALLENGE, UP, DOWN, REFUSED = ord("H"), ord("U"), ord("N"), ord("R")


def record(kind: int, name: bytes, body: bytes = b"") -> bytes:
    """One record; `name` at most 255 bytes."""
    return _HEAD.pack(len(body) + len(name) + 2, kind, len(name)) + name + body


class Reader:
    """Feed bytes, take whole records as (kind, name, body); keeps any partial record."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, data: bytes) -> Iterator[tuple[int, bytes, bytes]]:
        buf = self._buf + data if self._buf else data
        pos, end = 0, len(buf)
        unpack = _HEAD.unpack_from
        while end - pos >= HEAD_SIZE:
            size, kind, nlen = unpack(buf, pos)
            stop = pos + 4 + size
            if stop > end:
                break
            start = pos + HEAD_SIZE
            yield kind, buf[start : start + nlen], buf[start + nlen : stop]
            pos = stop
        self._buf = buf[pos:]

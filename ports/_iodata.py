"""iodata: turning what `send` accepts into bytes, with Erlang's rule for what is not.

Accepted: ``bytes``, ``bytearray``, ``memoryview``, ``str`` of code points 0..255, ints
0..255, and lists nesting
any of these. Anything else is not iodata: the caller answers as Erlang does.
"""

from __future__ import annotations

from typing import Any

__all__ = ["iodata_to_bytes", "NotIodata"]


class NotIodata(ValueError):
    """The value is not iodata."""


def iodata_to_bytes(data: Any) -> bytes:
    """Flatten iodata into one ``bytes`` object; raise `NotIodata` when it is not iodata."""
    cls = type(data)
    if cls is bytes:
        return data  # type: ignore[no-any-return]
    if cls is bytearray or cls is memoryview:
        return bytes(data)
    if cls is str:
        try:
            return data.encode("latin-1")  # type: ignore[no-any-return]
        except UnicodeEncodeError:
            raise NotIodata(data) from None
    if cls is list:
        out = bytearray()
        _flatten(data, out)
        return bytes(out)
    raise NotIodata(data)


def _flatten(items: list[Any], out: bytearray) -> None:
    # Iterative: an iolist built as ``Acc = [Acc, Chunk]`` nests as deep as it has
    # chunks (Erlang sends one of 1,000,000). A nested list suspends the current
    # iterator on `stack` and the loop resumes it, where it stopped, when the inner
    # list is done; a flat list never touches the stack.
    stack: list[Any] = []
    it = iter(items)
    while True:
        for x in it:
            cls = type(x)
            if cls is int:
                if not 0 <= x <= 255:
                    raise NotIodata(x)
                out.append(x)
            elif cls is bytes or cls is bytearray or cls is memoryview:
                out += x
            elif cls is list:
                stack.append(it)
                it = iter(x)
                break
            elif cls is str:
                try:
                    out += x.encode("latin-1")
                except UnicodeEncodeError:
                    raise NotIodata(x) from None
            else:
                raise NotIodata(x)
        else:
            if not stack:
                return
            it = stack.pop()

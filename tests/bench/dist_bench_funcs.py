"""What bench_cluster runs on the other node (importable there by module and name)."""

from __future__ import annotations

from typing import Any

import actors


async def echo() -> None:
    """Send X back to From for every (From, X), until ``stop``."""
    while True:
        m = await actors.receive()
        if m == "stop":
            return
        actors.send(m[0], m[1])


async def sink(parent: Any, n: int) -> None:
    """Take `n` messages, then tell `parent` ``done``."""
    for _ in range(n):
        await actors.receive()
    actors.send(parent, "done")


async def wait_forever() -> None:
    await actors.receive("$never")

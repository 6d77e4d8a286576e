"""Timeouts of socket calls: Erlang's milliseconds (or ``infinity``) as seconds."""

from __future__ import annotations

import asyncio
from typing import Any

from .atoms import E_TIMEOUT

__all__ = ["timeout_seconds", "expire"]


def timeout_seconds(timeout: Any) -> float | None:
    """Milliseconds as seconds; None for ``infinity`` (a negative value waits forever,
    as inet does)."""
    if timeout == "infinity" or timeout is None or timeout < 0:
        return None
    return float(timeout) / 1000.0


def expire(fut: asyncio.Future[Any], result: Any = E_TIMEOUT) -> None:
    """A timer passed: settle `fut` with `result` (``{error, timeout}``) unless done."""
    if not fut.done():
        fut.set_result(result)

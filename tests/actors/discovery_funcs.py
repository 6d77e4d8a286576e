"""Functions the discovery tests run on other nodes (by name: they cross as references)."""

from __future__ import annotations

from typing import Any

import actors
from actors import rpc

from . import dist_funcs

FUNCS: dict[str, Any] = {"os_pid": dist_funcs.os_pid, "ping": actors.ping, "nodes": actors.nodes}


async def relay(node: str, fn: str, args: list[Any]) -> Any:
    """``rpc:call(Node, Fn, Args)`` made by the node this runs on."""
    return await rpc.call(node, FUNCS[fn], args)

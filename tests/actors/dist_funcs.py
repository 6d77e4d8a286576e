"""Functions that tests run on other nodes (named by module and name, so importable)."""

from __future__ import annotations

import os
from typing import Any

import actors


async def echo() -> str:
    """Send back ``("echo", X)`` for every ``(From, X)`` until ``stop``."""
    while True:
        m = await actors.receive()
        if m == "stop":
            return "stopped"
        sender, x = m
        actors.send(sender, ("echo", x))


async def wait_forever() -> None:
    await actors.receive("$never")


async def crash(x: Any) -> None:
    raise actors.ErlangError(("crashed", x))


async def register_and_wait(name: str, report_to: Any) -> None:
    actors.register(name, actors.self())
    actors.send(report_to, ("registered", actors.self()))
    while True:
        m = await actors.receive()
        actors.send(report_to, ("got", m))


async def trap_and_report(report_to: Any) -> None:
    actors.process_flag("trap_exit", True)
    actors.send(report_to, ("trapping", actors.self()))
    while True:
        actors.send(report_to, ("got", await actors.receive()))


def add(a: int, b: int) -> int:
    return a + b


async def add_later(a: int, b: int) -> int:
    await actors.sleep(1)
    return a + b


def fail() -> None:
    raise actors.ErlangError(actors.Atom("boom"))


def leave() -> None:
    actors.exit(actors.Atom("bye"))


async def nap(ms: int) -> str:
    await actors.sleep(ms)
    return "rested"


def os_pid() -> int:
    return os.getpid()


def whoami() -> Any:
    return actors.node()


class Counter:
    """A gen_server callback module: ``("add", n)`` adds and replies the sum."""

    def init(self, start: int) -> Any:
        return ("ok", start)

    def handle_call(self, request: Any, from_: Any, n: int) -> Any:
        if request == "crash":
            raise actors.ErlangError(actors.Atom("asked"))
        return ("reply", n + request[1], n + request[1])

    def handle_cast(self, msg: Any, n: int) -> Any:
        return ("noreply", 0)


async def start_counter(name: str) -> Any:
    """Start a registered counter server (not linked: it outlives this process)."""
    from actors import gen_server

    return await gen_server.start(Counter(), 0, name)

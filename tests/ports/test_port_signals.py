"""Exit signals reaching a port (checked in erl, OTP 25, inet): a linked process that
exits normally leaves the port open, an abnormal exit closes it, and ``exit(Port, R)``
from the owner closes it for any reason, ``normal`` included."""

from __future__ import annotations

from typing import Any

import actors
import gen_tcp
from gen_tcp import inet

LOOP = (127, 0, 0, 1)


async def _listen() -> Any:
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), ("active", False)])
    assert ok == "ok"
    return ls


async def _linked_exit(port: Any, how: str) -> None:
    """A process links to `port`, then ends normally or with reason boom."""
    me = actors.self()

    async def linker() -> None:
        actors.link(port)
        actors.send(me, "linked")
        await actors.receive("go")
        if how == "boom":
            actors.exit("boom")

    pid, ref = actors.spawn_monitor(linker)
    await actors.receive("linked")
    actors.send(pid, "go")
    await actors.receive(("DOWN", ref, "process", pid, actors.ANY))


async def test_linked_process_exiting_normally_leaves_the_port_open() -> None:
    """erl: ``link(L)`` in B, B exits normally: ``inet:port(L)`` -> ``{ok,P}``."""
    ls = await _listen()
    await _linked_exit(ls, "normal")
    assert (await inet.port(ls))[0] == "ok"
    assert await gen_tcp.close(ls) == "ok"


async def test_linked_process_exiting_abnormally_closes_the_port() -> None:
    """erl: B exits with ``boom``: the port closes, ``inet:port(L)`` -> ``{error,einval}``."""
    ls = await _listen()
    await _linked_exit(ls, "boom")
    assert await inet.port(ls) == ("error", "einval")


async def test_exit_signal_from_the_owner_closes_the_port_even_normal() -> None:
    """erl: ``exit(L, foo)`` and ``exit(L, normal)`` by the owner both close the port."""
    for reason in ("foo", "normal"):
        ls = await _listen()
        assert actors.exit(ls, reason) is True
        assert await inet.port(ls) == ("error", "einval")

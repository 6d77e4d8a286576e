"""Children and callback modules for the supervisor tests."""

from __future__ import annotations

from typing import Any

import actors
from actors import ANY, Pid, proc_lib, supervisor
from actors.testing import assert_receive


class Sup:
    """A supervisor callback module returning what it was given."""

    def init(self, arg: Any) -> Any:
        return arg


async def child(id: Any, report: Pid) -> None:
    """A worker that tells `report` it started and then waits."""
    actors.send(report, ("started", id, actors.self()))
    await actors.receive("never")


async def sync_child(id: Any, report: Pid) -> None:
    """`child` started through proc_lib: it has reported when its start returns."""
    actors.send(report, ("started", id, actors.self()))
    proc_lib.init_ack(("ok", actors.self()))
    await actors.receive("never")


async def trapper(id: Any, report: Pid) -> None:
    """A worker that traps exits, reports the first one and then ignores everything."""
    actors.process_flag("trap_exit", True)
    actors.send(report, ("started", id, actors.self()))
    _, _, reason = await actors.receive(("EXIT", ANY, ANY))
    actors.send(report, ("got", id, reason))
    await actors.receive("never")


def spec(id: Any, report: Pid, **kw: Any) -> dict[str, Any]:
    """A child spec of a `sync_child` (started when the supervisor moves on)."""
    return {"id": id, "start": (proc_lib.start_link, (sync_child, (id, report))), **kw}


async def started(id: Any) -> Pid:
    """Wait for child `id` to report its start; its pid."""
    return (await assert_receive(("started", id, ANY)))[2]  # type: ignore[no-any-return]


async def start_sup(flags: dict[str, Any], specs: list[Any], name: Any = None) -> Pid:
    ok, pid = await supervisor.start_link(Sup(), ("ok", (flags, specs)), name)
    assert ok == "ok", pid
    return pid  # type: ignore[no-any-return]


async def stop_sup(sup: Pid) -> Any:
    """Stop a linked supervisor with shutdown, as its parent would; its exit reason."""
    ref = actors.monitor("process", sup)
    actors.unlink(sup)
    actors.exit(sup, "shutdown")
    return await down(ref)


async def down(ref: actors.Ref) -> Any:
    return (await assert_receive(("DOWN", ref, "process", ANY, ANY)))[4]


async def wait_down(pid: Pid) -> Any:
    """The exit reason of `pid` (monitored now: noproc if it is already gone)."""
    return await down(actors.monitor("process", pid))

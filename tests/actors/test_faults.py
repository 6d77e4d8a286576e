"""Faults that must never take the node down: long link chains, crashes that cannot be
reported, exit hooks that raise. Each test checks that the process still ends completely:
its monitors get DOWN, its links the exit signal, it leaves ``processes()``."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
import structlog.testing

import actors
from actors import ANY, ErlangError, Pid
from actors.runtime import current, on_exit
from actors.testing import assert_receive

# -- a chain of linked processes -------------------------------------------------------


async def chain_link(n: int, to: Pid) -> None:
    """Spawn-link the next link of the chain, `n` more below this one; the last one
    tells `to` its pid. Every link then waits forever."""
    if n == 0:
        actors.send(to, ("tail", actors.self()))
    else:
        actors.spawn_link(chain_link, n - 1, to)
    await actors.receive("never")


async def kill_chain_tail(length: int) -> float:
    """Build a chain of `length` linked processes, kill its tail; the seconds until the
    head's exit reaches the (trapping) caller, after every link has ended."""
    actors.process_flag("trap_exit", True)
    head = actors.spawn_link(chain_link, length - 1, actors.self())
    _, tail = await assert_receive(("tail", ANY), timeout=60_000)
    assert len(actors.processes()) == length + 1
    t0 = time.perf_counter()
    actors.exit(tail, "kill")
    await assert_receive(("EXIT", head, "killed"), timeout=60_000)
    elapsed = time.perf_counter() - t0
    assert actors.processes() == [actors.self()]
    return elapsed


async def test_killing_the_tail_of_a_20000_link_chain_ends_every_link() -> None:
    """Erlang: ``exit(Tail, kill)`` on the last of a chain of 20,000 ``spawn_link``ed
    processes ends every one of them, each with ``killed``, and the head's ``{'EXIT',
    Head, killed}`` reaches the trapping parent, in about a tenth of a second. Exit
    signals here travel from a queue, not by recursion (500 links used to raise
    RecursionError); the bound is loose, only to catch a quadratic regression."""
    elapsed = await kill_chain_tail(20_000)
    assert elapsed < 5.0, elapsed


# -- crashes that cannot be reported ------------------------------------------------------


class UnprintableError(Exception):
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")

    def __str__(self) -> str:
        raise RuntimeError("no str either")


def deep_term(depth: int) -> Any:
    term: Any = "bottom"
    for _ in range(depth):
        term = (term,)
    return term


async def raise_when_told(exc: BaseException) -> None:
    await actors.receive("go")
    raise exc


async def crash_and_watch(exc: BaseException) -> tuple[Any, list[str]]:
    """Spawn a linked and monitored process that raises `exc`; the DOWN reason, after
    checking that the EXIT arrived, the process left ``processes()`` and its exit hook
    ran. Returns the reason and the hook's record."""
    me = current()
    actors.process_flag("trap_exit", True)
    pid = actors.spawn_link(raise_when_told, exc)
    ref = actors.monitor("process", pid)
    hooked: list[str] = []
    on_exit(me.node.table[pid], lambda p: hooked.append("ran"))  # type: ignore[arg-type]
    actors.send(pid, "go")
    reason = (await assert_receive(("DOWN", ref, "process", pid, ANY)))[4]
    await assert_receive(("EXIT", pid, ANY))
    assert pid not in actors.processes()
    assert hooked == ["ran"]
    actors.process_flag("trap_exit", False)
    return reason, hooked


async def test_an_exception_whose_repr_raises_still_ends_the_process() -> None:
    """A crash whose exception cannot be printed ends the process like any crash (DOWN,
    EXIT, gone from processes()); the report shows a fallback text for the reason."""
    exc = UnprintableError()
    with structlog.testing.capture_logs() as logs:
        reason, _ = await crash_and_watch(exc)
    assert reason is exc
    [report] = [e for e in logs if e["event"] == "process_crashed"]
    assert "unprintable UnprintableError" in report["reason"]


async def test_an_error_holding_a_very_deep_term_still_ends_the_process() -> None:
    """An ``ErlangError`` whose reason is nested 5,000 deep (too deep to format by
    recursion) ends the process; the report is still written, with a fallback text."""
    exc = ErlangError(deep_term(5_000))
    with structlog.testing.capture_logs() as logs:
        reason, _ = await crash_and_watch(exc)
    assert reason is exc
    [report] = [e for e in logs if e["event"] == "process_crashed"]
    assert report["reason"].startswith("<unprintable ErlangError")


@pytest.fixture
def structlog_config() -> Iterator[None]:
    """Restore structlog's configuration after a test that changes it."""
    saved = structlog.get_config()
    try:
        yield
    finally:
        structlog.configure(**saved)


async def test_a_closed_stdout_does_not_stop_a_crash_from_ending_the_process(
    structlog_config: None,
) -> None:
    """structlog's default logger writing to a closed stream raises at every call; the
    crashing process still ends completely."""
    closed = io.StringIO()
    closed.close()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=closed))
    reason, _ = await crash_and_watch(ValueError("boom"))
    assert isinstance(reason, ValueError)


async def test_a_logger_that_raises_does_not_stop_a_crash_from_ending_the_process(
    structlog_config: None,
) -> None:
    """A structlog processor that raises on every event: the crash still ends the
    process, and the node keeps running processes afterwards."""
    calls: list[str] = []

    def explode(logger: Any, method: str, event: Any) -> Any:
        calls.append(event["event"])
        raise OSError("log sink is gone")

    structlog.configure(processors=[explode])
    reason, _ = await crash_and_watch(ValueError("boom"))
    assert isinstance(reason, ValueError)
    assert "process_crashed" in calls
    pid, ref = actors.spawn_monitor(actors.receive, "x")
    actors.send(pid, "x")
    await assert_receive(("DOWN", ref, "process", pid, "normal"))


async def test_an_exit_hook_that_raises_stops_neither_the_exit_nor_other_hooks() -> None:
    """Exit hooks (a port watching its owner) run one after another; one that raises is
    logged and the hooks after it, and the exit itself, still happen."""
    me = current()
    pid = actors.spawn(actors.receive, "go")
    ref = actors.monitor("process", pid)
    ran: list[str] = []

    def bad(p: Any) -> None:
        ran.append("bad")
        raise RuntimeError("hook failed")

    proc = me.node.table[pid]
    on_exit(proc, bad)  # type: ignore[arg-type]
    on_exit(proc, lambda p: ran.append("good"))  # type: ignore[arg-type]
    with structlog.testing.capture_logs() as logs:
        actors.send(pid, "go")
        await assert_receive(("DOWN", ref, "process", pid, "normal"))
    assert ran == ["bad", "good"]
    assert pid not in actors.processes()
    assert [e["event"] for e in logs] == ["exit_hook_failed"]


async def test_a_crash_that_cannot_be_reported_still_closes_the_process_ports() -> None:
    """A listening socket is a port owned by the process that opened it; when that
    process crashes with an unprintable exception, the port closes with it, as after any
    crash."""
    import gen_tcp

    async def listener(to: Pid) -> None:
        ok, ls = await gen_tcp.listen(0, [("ip", (127, 0, 0, 1))])
        assert ok == "ok"
        actors.send(to, ("listening", ls))
        await actors.receive("go")
        raise UnprintableError()

    me = current()
    pid, ref = actors.spawn_monitor(listener, actors.self())
    _, ls = await assert_receive(("listening", ANY))
    assert ls in me.node.table
    with structlog.testing.capture_logs():
        actors.send(pid, "go")
        await assert_receive(("DOWN", ref, "process", pid, ANY))
    assert ls not in me.node.table

"""pytest plugin for tests of processes and ports, loaded automatically with the package.

- An ``async def`` test marked ``@pytest.mark.actors`` (or every one, with the ini option
  ``actors_auto = true``) runs as the first process of a fresh node.
- Such a test fails if it leaves a process or a port alive, or a file descriptor open:
  processes still alive when it returns get a short grace period, watched with monitors,
  to finish what they were told to do; then they are reported, killed and the test fails.
- `assert_receive` / `refute_receive` check the mailbox in the spirit of ExUnit.
- The ``node`` fixture gives a synchronous test a running node on a thread of its own;
  the ``no_fd_leak`` fixture fails a test that leaves a file descriptor open.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Iterator
from typing import Any

import pytest

from ._match import ANY, TIMEOUT
from ._node import Node, new_event_loop
from ._process import Process, current
from ._terms import format_term
from .atoms import DOWN

__all__ = ["assert_receive", "refute_receive", "run_isolated", "open_fds", "LeakError"]

GRACE_MS = 2000


class LeakError(AssertionError):
    """A test left a process, a port or a file descriptor behind."""


def open_fds() -> dict[int, str]:
    """The file descriptors this OS process has open, with what they point to."""
    fds: dict[int, str] = {}
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:  # pragma: no cover - not Linux
        return fds
    for name in names:
        fd = int(name)
        try:
            fds[fd] = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue  # the listing's own descriptor, already closed
    return fds


def _fd_leaks(before: dict[int, str], after: dict[int, str]) -> list[str]:
    return [f"fd {fd} -> {target}" for fd, target in sorted(after.items()) if before.get(fd) != target]


async def assert_receive(*patterns: Any, timeout: int = 1000) -> Any:
    """Wait up to `timeout` ms for a message matching any of `patterns`; return it.

    Fails the test, showing the mailbox, if none arrives.
    """
    from ._api import receive

    msg = await receive(*(patterns or (ANY,)), timeout=timeout)
    if msg is TIMEOUT:
        me = current()
        shown = ", ".join(format_term(m) for m in me.messages()) or "(empty)"
        pats = ", ".join(format_term(p) for p in patterns)
        raise AssertionError(f"no message matching {pats} within {timeout} ms; mailbox: {shown}")
    return msg


async def refute_receive(*patterns: Any, timeout: int = 100) -> None:
    """Fail the test if a message matching any of `patterns` arrives within `timeout` ms."""
    from ._api import receive

    msg = await receive(*(patterns or (ANY,)), timeout=timeout)
    if msg is not TIMEOUT:
        raise AssertionError(f"unexpected message {format_term(msg)}")


async def _leftovers(node: Node, me: Process) -> list[str]:
    """Wait (bounded) for other processes to end, then describe what is still alive."""
    others = [p for p in node.processes() if p is not me]
    if others:
        from ._api import monitor

        refs = {monitor("process", p.handle) for p in others}
        deadline = node.loop.time() + GRACE_MS / 1000
        while refs:
            left = deadline - node.loop.time()
            if left <= 0:
                break
            msg = await me.receive(
                ((DOWN, lambda r: r in refs, ANY, ANY, ANY),), round(left * 1000)
            )
            if msg is TIMEOUT:
                break
            refs.discard(msg[1])
    leaks = [
        f"process {p.handle!r} ({format_term(p.initial_call)})"
        for p in node.processes()
        if p is not me
    ]
    for e in list(node.table.values()):
        if not isinstance(e, Process):
            leaks.append(f"port {e.handle!r}")
    return leaks


def run_isolated(fn: Any, kwargs: dict[str, Any]) -> Any:
    """Run ``fn(**kwargs)`` as the first process of a fresh node; fail on any leak."""
    before = open_fds()
    node = Node()
    leaks: list[str] = []

    async def main() -> Any:
        result = await fn(**kwargs)
        leaks.extend(await _leftovers(node, current()))
        return result

    try:
        result = node.loop.run_until_complete(node.run_process(main))
    finally:
        node.close()
    leaks.extend(_fd_leaks(before, open_fds()))
    if leaks:
        raise LeakError("test left behind: " + "; ".join(leaks))
    return result


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "actors_auto",
        "run every async def test as a process on a fresh node",
        type="bool",
        default=False,
    )


def pytest_configure(config: pytest.Config) -> None:
    # uvloop opens a pipe for the whole OS process with its first loop: open it now so
    # that the descriptor check does not blame the first test for it.
    warm = new_event_loop()
    warm.run_until_complete(asyncio.sleep(0))
    warm.close()
    config.addinivalue_line("markers", "actors: run this async test as a process on a fresh node")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    fn = pyfuncitem.obj
    if not inspect.iscoroutinefunction(fn):
        return None
    if not (pyfuncitem.config.getini("actors_auto") or pyfuncitem.get_closest_marker("actors")):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    run_isolated(fn, {name: pyfuncitem.funcargs[name] for name in names})
    return True


@pytest.fixture
def no_fd_leak() -> Iterator[None]:
    """Fail the test if it leaves a file descriptor open."""
    before = open_fds()
    yield
    leaks = _fd_leaks(before, open_fds())
    if leaks:
        raise LeakError("test left behind: " + "; ".join(leaks))


@pytest.fixture
def node() -> Iterator[Node]:
    """A running node on a thread of its own, stopped after the test."""
    n = Node().start()
    try:
        yield n
    finally:
        n.stop()

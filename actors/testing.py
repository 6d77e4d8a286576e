"""pytest plugin for tests of processes and ports, loaded automatically with the package.

- An ``async def`` test marked ``@pytest.mark.actors`` (or every one, with the ini option
  ``actors_auto = true``) runs as the first process of a fresh node. Its async fixtures
  (function scope) run in that process before the test, their teardown after it, so a
  listen socket a fixture opens belongs to the test's process.
- Such a test fails if it leaves a process or a port alive, or a file descriptor open:
  processes still alive when it returns get a short grace period, watched with monitors,
  to finish what they were told to do; then they are reported, killed and the test fails.
- `assert_receive` / `refute_receive` check the mailbox in the spirit of ExUnit; a failure
  shows the patterns and the mailbox in Erlang's notation, each message with the first
  element where it differs from the pattern.
- With pytest-asyncio in auto mode, both plugins would claim every async test: the run
  stops at once with a message naming the conflict.
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
from ._test_report import describe_port, fd_leaks, first_difference, format_pattern, mismatch_report
from .atoms import DOWN

__all__ = [
    "assert_receive",
    "refute_receive",
    "run_isolated",
    "open_fds",
    "LeakError",
    "format_pattern",
    "first_difference",
    "mismatch_report",
]

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


async def assert_receive(*patterns: Any, timeout: int = 1000) -> Any:
    """Wait up to `timeout` ms for a message matching any of `patterns`; return it.

    Fails the test if none arrives, showing the patterns and the mailbox in Erlang's
    notation (``_`` for `ANY`), each message with where it first differs.
    """
    __tracebackhide__ = True
    from ._api import receive

    msg = await receive(*(patterns or (ANY,)), timeout=timeout)
    if msg is TIMEOUT:
        raise AssertionError(mismatch_report(patterns or (ANY,), current().messages(), timeout))
    return msg


async def refute_receive(*patterns: Any, timeout: int = 100) -> None:
    """Fail the test if a message matching any of `patterns` arrives within `timeout` ms."""
    __tracebackhide__ = True
    from ._api import receive

    msg = await receive(*(patterns or (ANY,)), timeout=timeout)
    if msg is not TIMEOUT:
        pats = " or ".join(format_pattern(p) for p in patterns or (ANY,))
        raise AssertionError(f"unexpected message {format_term(msg)} matching {pats}")


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
            leaks.append(describe_port(e))
    return leaks


class AsyncFixture:
    """An async fixture of an actors test, set up later as the test's process."""

    def __init__(self, name: str, func: Any, kwargs: dict[str, Any]) -> None:
        self.name = name
        self.func = func
        self.kwargs = kwargs
        self.started = False
        self.value: Any = None

    async def setup(self, teardowns: list[Any]) -> Any:
        if not self.started:
            kwargs = {k: await _resolve(v, teardowns) for k, v in self.kwargs.items()}
            result = self.func(**kwargs)
            if inspect.isasyncgen(result):
                self.value = await result.__anext__()
                teardowns.append((self.name, result))
            else:
                self.value = await result
            self.started = True
        return self.value


async def _resolve(value: Any, teardowns: list[Any]) -> Any:
    return await value.setup(teardowns) if isinstance(value, AsyncFixture) else value


async def _teardown(teardowns: list[Any]) -> None:
    while teardowns:
        name, agen = teardowns.pop()
        try:
            await agen.__anext__()
        except StopAsyncIteration:
            continue
        await agen.aclose()
        raise AssertionError(f"async fixture {name!r} yielded more than once")


def run_isolated(fn: Any, kwargs: dict[str, Any], node_options: dict[str, Any] | None = None) -> Any:
    """Run ``fn(**kwargs)`` as the first process of a fresh node; fail on any leak.

    Arguments that are `AsyncFixture` are set up first, in that process, and torn down
    after `fn` returns or fails, before the leak check. `node_options` are `Node`'s
    (``name``, ``cookie``: ``@pytest.mark.actors(name="a")`` makes a distributed node;
    ``name=True`` a fresh name for each test)."""
    __tracebackhide__ = True
    before = open_fds()
    if node_options and node_options.get("name") is True:
        from .peer import random_name

        node_options = {**node_options, "name": random_name("test")}
    node = Node(**(node_options or {}))
    leaks: list[str] = []
    if node_options and node_options.get("name"):
        try:
            node.loop.run_until_complete(node.start_distribution())
        except BaseException:
            node.close()
            raise

    async def main() -> Any:
        teardowns: list[Any] = []
        try:
            args = {k: await _resolve(v, teardowns) for k, v in kwargs.items()}
            result = await fn(**args)
        finally:
            await _teardown(teardowns)
        leaks.extend(await _leftovers(node, current()))
        return result

    try:
        result = node.loop.run_until_complete(node.run_process(main))
    finally:
        node.close()
    leaks.extend(fd_leaks(before, open_fds()))
    if leaks:
        raise LeakError("test left behind: " + "; ".join(leaks))
    return result


def _is_actors_test(item: Any) -> bool:
    return (
        isinstance(item, pytest.Function)
        and inspect.iscoroutinefunction(item.obj)
        and bool(item.config.getini("actors_auto") or item.get_closest_marker("actors"))
    )


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
    config.addinivalue_line(
        "markers",
        "actors(name=None, cookie=None): run this async test as a process on a fresh node "
        "(a distributed one when named)",
    )
    _check_pytest_asyncio(config)


def _check_pytest_asyncio(config: pytest.Config) -> None:
    """pytest-asyncio in auto mode wraps every async test before this plugin sees it,
    so none would run as a process: stop the run with what to change."""
    if not config.pluginmanager.hasplugin("asyncio"):
        return
    try:
        mode = config.getoption("asyncio_mode", None) or config.getini("asyncio_mode")
    except ValueError:
        return
    if str(mode) == "auto":
        raise pytest.UsageError(
            "pytest-asyncio runs in auto mode, which takes every async test away from the "
            "actors plugin (their tests would not run as processes). Set asyncio_mode = "
            "strict (and mark pytest-asyncio's tests with @pytest.mark.asyncio), or disable "
            "it with -p no:asyncio."
        )


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Any:
    """An async fixture of an actors test: deferred, to run as the test's process."""
    func = fixturedef.func
    if not (inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)):
        return None
    item = getattr(request, "_pyfuncitem", None)
    if not _is_actors_test(item):
        return None  # pytest reports the async fixture it cannot run
    if fixturedef.scope != "function":
        pytest.fail(
            f"async fixture {fixturedef.argname!r} has scope {fixturedef.scope!r}: an async "
            "fixture runs in the test's own process on the test's own node, so it must be "
            "function-scoped",
            pytrace=False,
        )
    if request.instance is not None and hasattr(func, "__get__"):
        func = func.__get__(request.instance)
    kwargs = {name: request.getfixturevalue(name) for name in fixturedef.argnames}
    value = AsyncFixture(fixturedef.argname, func, kwargs)
    fixturedef.cached_result = (value, fixturedef.cache_key(request), None)
    return value


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    __tracebackhide__ = True
    if not _is_actors_test(pyfuncitem):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    marker = pyfuncitem.get_closest_marker("actors")
    options = dict(marker.kwargs) if marker is not None else None
    run_isolated(pyfuncitem.obj, {name: pyfuncitem.funcargs[name] for name in names}, options)
    return True


@pytest.fixture
def no_fd_leak() -> Iterator[None]:
    """Fail the test if it leaves a file descriptor open."""
    before = open_fds()
    yield
    leaks = fd_leaks(before, open_fds())
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

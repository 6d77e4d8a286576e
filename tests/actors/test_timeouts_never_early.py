"""No timeout ends early, on either event loop.

Erlang never ends a wait before the time asked (OTP's own suites check that a 200 ms
``receive ... after`` or ``gen_tcp:accept/2`` takes at least 200 ms). uvloop's timers can
fire up to a millisecond early (its clock is cached, in whole milliseconds), so each
test here makes 200 short waits, from concurrent processes that keep the loop busy, and
measures every one with `time.monotonic`: none may be shorter than asked.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from time import monotonic

import pytest

import actors
import actors.runtime
from actors import ANY, Pid, new_event_loop
from actors.runtime import call_later
from actors.testing import run_isolated

try:
    import uvloop  # noqa: F401

    HAVE_UVLOOP = True
except ImportError:  # pragma: no cover
    HAVE_UVLOOP = False

LOOPS = ["asyncio", pytest.param("uvloop", marks=pytest.mark.skipif(not HAVE_UVLOOP, reason="no uvloop"))]
WAITERS = 40
WAITS_EACH = 5  # 200 waits in all, 5 to 20 ms each


@pytest.fixture(scope="module", autouse=True)
def _uvloop_pipe_opened() -> Iterator[None]:
    """uvloop opens a pipe for the whole OS process with its first loop: open it before
    the descriptor check of the first test here (the suite may run on asyncio)."""
    if HAVE_UVLOOP:
        loop = uvloop.new_event_loop()
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()
    yield


def busy(seconds: float) -> None:
    """Hold the loop for `seconds`, as a process doing work does (so the loop's cached
    clock falls behind real time)."""
    end = monotonic() + seconds
    while monotonic() < end:
        pass


async def wait_once(kind: str, ms: int) -> None:
    if kind == "receive":
        assert await actors.receive("never", timeout=ms) is actors.TIMEOUT
    elif kind == "send_after":
        actors.send_after(ms, actors.self(), "tick")
        await actors.receive("tick")
    elif kind == "sleep":
        await actors.sleep(ms)
    else:  # the runtime's timer for ports
        loop = actors.runtime.current().node.loop
        fut: asyncio.Future[None] = loop.create_future()
        call_later(loop, ms / 1000.0, fut.set_result, None)
        await fut


async def waiter(kind: str, waits: list[int], to: Pid) -> None:
    """Make each wait, measured; report how much longer than asked each one took."""
    excess = []
    for ms in waits:
        t0 = monotonic()
        await wait_once(kind, ms)
        excess.append((monotonic() - t0) * 1000.0 - ms)
        busy(0.0003)
    actors.send(to, ("done", actors.self(), excess))


async def shortest_excess(kind: str) -> float:
    """Run every waiter at once; the smallest (elapsed - asked), in ms, over all waits."""
    rng = random.Random(7)
    me = actors.self()
    pids = {
        actors.spawn(waiter, kind, [rng.randint(5, 20) for _ in range(WAITS_EACH)], me)
        for _ in range(WAITERS)
    }
    excess: list[float] = []
    while pids:
        _, pid, e = await actors.receive(("done", ANY, ANY), timeout=10_000)
        pids.discard(pid)
        excess.extend(e)
    assert len(excess) == WAITERS * WAITS_EACH
    return min(excess)


@pytest.mark.parametrize("kind", ["receive", "send_after", "sleep", "call_later"])
@pytest.mark.parametrize("loop", LOOPS)
def test_no_timeout_ends_before_the_time_asked(loop: str, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``receive`` timeout, a ``send_after`` timer, a ``sleep`` and the runtime's
    ``call_later`` (every port timeout) each take at least the milliseconds asked."""
    monkeypatch.setenv("ACTORS_LOOP", loop)
    probe = new_event_loop()
    assert ("uvloop" in type(probe).__module__) == (loop == "uvloop")
    probe.close()
    assert run_isolated(shortest_excess, {"kind": kind}) >= 0.0

"""No socket timeout ends early, on either event loop (OTP's ``t_accept_timeout`` and
``t_recv_timeout`` require a 200 ms timeout to take at least 200 ms).

uvloop's timers can fire up to a millisecond early; the ports' timeouts go through
`actors.runtime.call_later`, which never does. Here 40 processes each make 5 waits of
5 to 20 ms at once, each measured with `time.monotonic`: none may be shorter than asked.
"""

from __future__ import annotations

import random
from time import monotonic

import pytest

import actors
import gen_tcp
from actors import ANY, Pid, new_event_loop
from actors.testing import run_isolated
from gen_tcp import inet

from ..actors.test_timeouts_never_early import LOOPS, _uvloop_pipe_opened, busy  # noqa: F401

LOOP = (127, 0, 0, 1)
WAITERS = 40
WAITS_EACH = 5


async def waiter(kind: str, waits: list[int], to: Pid) -> None:
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), ("active", False)])
    sockets = [ls]
    if kind == "recv":
        ok, port = await inet.port(ls)
        ok, c = await gen_tcp.connect(LOOP, port, [("active", False)])
        ok, a = await gen_tcp.accept(ls, 1000)
        sockets += [c, a]
    excess = []
    for ms in waits:
        t0 = monotonic()
        if kind == "accept":
            assert await gen_tcp.accept(ls, ms) == ("error", "timeout")
        else:
            assert await gen_tcp.recv(sockets[1], 0, ms) == ("error", "timeout")
        excess.append((monotonic() - t0) * 1000.0 - ms)
        busy(0.0003)
    for s in sockets:
        await gen_tcp.close(s)
    actors.send(to, ("done", actors.self(), excess))


async def shortest_excess(kind: str) -> float:
    rng = random.Random(11)
    me = actors.self()
    pids = {
        actors.spawn(waiter, kind, [rng.randint(5, 20) for _ in range(WAITS_EACH)], me) for _ in range(WAITERS)
    }
    excess: list[float] = []
    while pids:
        _, pid, e = await actors.receive(("done", ANY, ANY), timeout=10_000)
        pids.discard(pid)
        excess.extend(e)
    assert len(excess) == WAITERS * WAITS_EACH
    return min(excess)


@pytest.mark.parametrize("kind", ["accept", "recv"])
@pytest.mark.parametrize("loop", LOOPS)
def test_no_socket_timeout_ends_before_the_time_asked(loop: str, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``gen_tcp:accept/2`` and ``gen_tcp:recv/3`` that time out take at least the
    milliseconds asked (``{error, timeout}`` never early)."""
    monkeypatch.setenv("ACTORS_LOOP", loop)
    probe = new_event_loop()
    assert ("uvloop" in type(probe).__module__) == (loop == "uvloop")
    probe.close()
    assert run_isolated(shortest_excess, {"kind": kind}) >= 0.0

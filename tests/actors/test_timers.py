"""make_ref, send_after, cancel_timer and sleep (erlang:make_ref/0, send_after/3, ...)."""

from __future__ import annotations

import pytest

import actors
from actors import ANY, Atom, ErlangError, Ref
from actors.testing import assert_receive, refute_receive


async def test_make_ref_is_unique_and_prints_as_erlang() -> None:
    """``make_ref()`` gives distinct refs printed ``#Ref<0.A.B.C>``."""
    refs = {actors.make_ref() for _ in range(1000)}
    assert len(refs) == 1000
    r = next(iter(refs))
    assert isinstance(r, Ref) and repr(r).startswith("#Ref<0.")
    assert hash(r) == hash(r) and r == r


async def test_send_after_delivers_later() -> None:
    """``erlang:send_after(10, self(), tick)`` delivers ``tick`` after ~10 ms."""
    ref = actors.send_after(10, actors.self(), "tick")
    assert isinstance(ref, Ref)
    assert await assert_receive("tick") == "tick"
    assert actors.cancel_timer(ref) is False  # already fired


async def test_send_after_to_a_name() -> None:
    """``send_after`` to a registered name resolves the name when it fires."""
    actors.register("timed", actors.self())
    actors.send_after(0, "timed", "by_name")
    assert await assert_receive("by_name") == "by_name"
    actors.unregister("timed")


async def test_cancel_timer_returns_time_left_then_false() -> None:
    """``cancel_timer`` returns the ms left (1000 at once); a second call returns false."""
    ref = actors.send_after(1000, actors.self(), "never")
    left = actors.cancel_timer(ref)
    assert isinstance(left, int) and 990 <= left <= 1000
    assert actors.cancel_timer(ref) is False
    await refute_receive("never", timeout=0)


async def test_timers_keep_their_order() -> None:
    """Timers fire in deadline order."""
    actors.send_after(30, actors.self(), 3)
    actors.send_after(10, actors.self(), 1)
    actors.send_after(20, actors.self(), 2)
    assert [await actors.receive(), await actors.receive(), await actors.receive()] == [1, 2, 3]


async def test_send_after_and_cancel_timer_badarg() -> None:
    """Negative time, a bad destination or ``cancel_timer(foo)`` raise badarg."""
    for args in [(-1, actors.self(), "x"), (1.5, actors.self(), "x"), (1, 42, "x")]:
        with pytest.raises(ErlangError) as e:
            actors.send_after(*args)
        assert e.value.reason == Atom("badarg")
    with pytest.raises(ErlangError):
        actors.cancel_timer("foo")


async def test_timer_to_a_process_that_died_is_dropped() -> None:
    """A timer aimed at a dead process delivers nothing and cancel_timer says false."""

    async def short() -> None:
        pass

    pid, mref = actors.spawn_monitor(short)
    ref = actors.send_after(1000, pid, "late")
    await assert_receive(("DOWN", mref, ANY, ANY, ANY))
    assert actors.cancel_timer(ref) is False


async def test_sleep_returns_ok_and_keeps_messages_queued() -> None:
    """``timer:sleep(5)`` returns ok; messages sent meanwhile stay queued."""
    actors.send(actors.self(), "queued")
    assert await actors.sleep(5) == "ok"
    assert await actors.receive(timeout=0) == "queued"


async def test_sleep_bad_argument_is_badarg() -> None:
    """``timer:sleep(-1)`` is an error."""
    with pytest.raises(ErlangError):
        await actors.sleep(-1)


async def test_sleep_infinity_until_killed() -> None:
    """``timer:sleep(infinity)`` never returns; the process can still be killed."""

    async def ready_then_sleep(to: actors.Pid) -> None:
        actors.send(to, "ready")
        await actors.sleep("infinity")

    pid, ref = actors.spawn_monitor(ready_then_sleep, actors.self())
    await assert_receive("ready")
    assert actors.process_info(pid, "status") == ("status", "waiting")
    actors.exit(pid, "kill")
    assert (await assert_receive(("DOWN", ref, ANY, ANY, ANY)))[4] == "killed"

"""receive: patterns, timeouts and selective receive, as Erlang's ``receive ... after``."""

from __future__ import annotations

from typing import Any

import pytest

import actors
from actors import ANY, TIMEOUT, Atom, ErlangError, Pid
from actors.testing import assert_receive


def me() -> Pid:
    return actors.self()


async def test_receive_without_pattern_takes_the_first_message() -> None:
    """``receive M -> M end`` takes the oldest message."""
    actors.send(me(), "a")
    actors.send(me(), "b")
    assert await actors.receive() == "a"
    assert await actors.receive() == "b"


async def test_value_pattern_compares_with_equality() -> None:
    """``receive hello -> ...``: a literal matches an equal message only."""
    actors.send(me(), "x")
    actors.send(me(), 3)
    assert await actors.receive(3) == 3
    assert await actors.receive("x") == "x"


async def test_atoms_and_strings_match_each_other() -> None:
    """Atoms are strs: ``Atom('ok')`` matches ``'ok'`` and the other way round."""
    actors.send(me(), Atom("ok"))
    actors.send(me(), "ok")
    assert repr(await actors.receive("ok")) == "ok"
    assert await actors.receive(Atom("ok")) == "ok"


async def test_booleans_do_not_match_integers() -> None:
    """``true`` is not ``1`` in Erlang: receive true does not take 1."""
    actors.send(me(), 1)
    actors.send(me(), True)
    assert await actors.receive(True) is True
    assert await actors.receive(1) == 1


async def test_tuple_pattern_matches_element_by_element() -> None:
    """``{tag, _}`` matches 2-tuples tagged tag, not other sizes or tags."""
    for m in [("tag", 1, 2), ("other", 1), "tag", ("tag", 7)]:
        actors.send(me(), m)
    assert await actors.receive(("tag", ANY)) == ("tag", 7)
    assert await actors.receive() == ("tag", 1, 2)


async def test_nested_tuple_patterns() -> None:
    """``{a, {b, _}, [1]}`` matches nested terms."""
    actors.send(me(), ("a", ("b", 0), [2]))
    actors.send(me(), ("a", ("b", 9), [1]))
    assert await actors.receive(("a", ("b", ANY), [1])) == ("a", ("b", 9), [1])
    assert await actors.receive() == ("a", ("b", 0), [2])


async def test_any_matches_every_message() -> None:
    """``_`` matches anything."""
    actors.send(me(), {"k": 1})
    assert await actors.receive(ANY) == {"k": 1}


async def test_predicate_pattern() -> None:
    """A guard: ``X when X > 10`` is a callable predicate."""
    for m in [1, 5, 11, 12]:
        actors.send(me(), m)
    assert await actors.receive(lambda m: isinstance(m, int) and m > 10) == 11


async def test_predicate_inside_a_tuple() -> None:
    """``{n, X} when X rem 2 == 0``: a predicate as a tuple element."""
    for i in range(5):
        actors.send(me(), ("n", i))
    assert await actors.receive(("n", lambda x: x % 2 == 1)) == ("n", 1)


async def test_class_pattern_matches_instances() -> None:
    """``X when is_binary(X)``: a class matches its instances."""
    actors.send(me(), "text")
    actors.send(me(), b"bytes")
    assert await actors.receive(bytes) == b"bytes"
    assert await actors.receive(str) == "text"


async def test_several_patterns_take_the_first_message_matching_any() -> None:
    """A receive with several clauses takes the oldest message matching any clause."""
    for m in ["c", "b", "a"]:
        actors.send(me(), m)
    assert await actors.receive("a", "b") == "b"


async def test_selective_receive_leaves_other_messages_queued_in_order() -> None:
    """Skipped messages stay in the mailbox, in order."""
    for i in range(10):
        actors.send(me(), ("m", i))
    assert await actors.receive(("m", 5)) == ("m", 5)
    assert await actors.receive(("m", 8)) == ("m", 8)
    rest = [(await actors.receive())[1] for _ in range(8)]
    assert rest == [0, 1, 2, 3, 4, 6, 7, 9]


async def test_many_selective_takes_keep_order() -> None:
    """Taking every other message of a long queue keeps both halves in order."""
    for i in range(300):
        actors.send(me(), i)
    odds = [await actors.receive(lambda m, i=i: m == i) for i in range(1, 300, 2)]
    evens = [await actors.receive() for _ in range(150)]
    assert odds == list(range(1, 300, 2))
    assert evens == list(range(0, 300, 2))
    assert actors.process_info(me(), "message_queue_len") == ("message_queue_len", 0)


async def test_timeout_zero_polls() -> None:
    """``after 0``: returns TIMEOUT at once when nothing matches, else the message."""
    assert await actors.receive(timeout=0) is TIMEOUT
    actors.send(me(), "x")
    assert await actors.receive("y", timeout=0) is TIMEOUT
    assert await actors.receive("x", timeout=0) == "x"


async def test_timeout_passes_and_returns_timeout() -> None:
    """``after 20 -> timeout``: the sentinel TIMEOUT (falsy) when time runs out."""
    actors.send(me(), "unrelated")
    result = await actors.receive("never", timeout=20)
    assert result is TIMEOUT and not result
    assert await actors.receive(timeout=0) == "unrelated"


async def test_message_arriving_before_the_timeout_is_taken() -> None:
    """A message that arrives while waiting ends the wait."""

    async def later(to: Pid) -> None:
        actors.send(to, "late")

    actors.spawn(later, me())
    assert await actors.receive("late", timeout=5000) == "late"


@pytest.mark.parametrize("bad", [-1, "soon", None.__class__, 1.5j])
async def test_bad_timeout_is_timeout_value(bad: Any) -> None:
    """``after -1`` raises ``timeout_value``."""
    with pytest.raises(ErlangError) as e:
        await actors.receive(timeout=bad)
    assert e.value.reason == "timeout_value"


async def test_infinity_timeout_waits() -> None:
    """``after infinity`` is the same as no after."""
    actors.send_after(1, me(), "tick")
    assert await actors.receive("tick", timeout=Atom("infinity")) == "tick"


# -- scanning cost: each message is tested at most once ---------------------------------


async def test_receive_for_a_fresh_ref_skips_older_messages() -> None:
    """Erlang's receive marker: a receive for a ref made after N messages queued tests
    none of the N (``Ref = make_ref(), ..., receive {Ref, R} -> R end``)."""
    for i in range(10_000):
        actors.send(me(), ("old", i))
    tested: list[Any] = []

    def counting(x: Any) -> bool:
        tested.append(x)
        return True

    ref = actors.make_ref()

    async def replier(to: Pid, r: actors.Ref) -> None:
        actors.send(to, ("reply", r))

    actors.spawn(replier, me(), ref)
    assert await actors.receive((counting, ref)) == ("reply", ref)
    assert tested == ["reply"]
    assert actors.process_info(me(), "message_queue_len") == ("message_queue_len", 10_000)
    assert await actors.receive(("old", 0)) == ("old", 0)
    actors.process_info(me(), "messages")
    while await actors.receive(timeout=0) is not TIMEOUT:
        pass


async def test_monitor_ref_receive_skips_older_messages() -> None:
    """``monitor/2`` also sets the marker: waiting for the DOWN skips older messages."""
    for i in range(1000):
        actors.send(me(), ("old", i))
    tested: list[Any] = []

    def counting(x: Any) -> bool:
        tested.append(x)
        return True

    pid = actors.spawn(actors.sleep, 0)
    ref = actors.monitor("process", pid)
    assert (await actors.receive((counting, ref, ANY, ANY, ANY)))[1] == ref
    assert tested == ["DOWN"]
    while await actors.receive(timeout=0) is not TIMEOUT:
        pass


async def test_resumed_receive_does_not_retest_earlier_messages() -> None:
    """A receive woken by a new message tests only the new one, not the whole queue."""
    for i in range(1000):
        actors.send(me(), ("old", i))
    tested: list[Any] = []

    async def feeder(to: Pid) -> None:
        for k in range(50):
            actors.send(to, ("new", k))
            # wait until the receiver has tested this message: it is then waiting again
            await actors.receive(("tested", k))
        actors.send(to, "match")

    feeder_pid = actors.spawn(feeder, me())

    def pred(m: Any) -> bool:
        tested.append(m)
        if isinstance(m, tuple) and m[0] == "new":
            actors.send(feeder_pid, ("tested", m[1]))
        return m == "match"

    assert await actors.receive(pred) == "match"
    assert len(tested) == 1000 + 50 + 1
    assert len(set(map(repr, tested))) == len(tested)  # none tested twice
    assert actors.process_info(me(), "message_queue_len") == ("message_queue_len", 1050)
    while await actors.receive(timeout=0) is not TIMEOUT:
        pass


async def test_timeout_holds_while_non_matching_messages_arrive() -> None:
    """``receive x -> ok after 50 -> timeout end`` still times out when other messages
    keep arriving during the wait (they wake the process but do not reset the timer)."""

    async def chatter(to: Pid) -> None:
        while True:
            actors.send(to, "noise")
            if await actors.receive("stop", timeout=5) == "stop":
                return

    pid = actors.spawn(chatter, me())
    assert await actors.receive("never", timeout=50) is TIMEOUT
    actors.send(pid, "stop")
    while await actors.receive("noise", timeout=0) is not TIMEOUT:
        pass

"""gen_tcp:controlling_process/2: who may call it, what moves with the socket.

Each test mirrors a behaviour recorded on real Erlang/OTP 25 (default inet backend); its
docstring names the Erlang call and the exact Erlang result. ``C`` connects, ``A``
is accepted, ``L`` listens, all owned by the test process unless a test moves them.
"""

from __future__ import annotations

from typing import Any

import pytest

import actors
import gen_tcp
from actors.testing import assert_receive, refute_receive
from gen_tcp import inet
from tests.gen_tcp.helpers import close_all, opened, pair

ANY = actors.ANY


async def own_mailbox() -> list[Any]:
    """Every message queued for the calling process right now, in order (removed)."""
    msgs = []
    while (m := await actors.receive(timeout=0)) is not actors.TIMEOUT:
        msgs.append(m)
    return msgs


async def _reporter(parent: actors.Pid) -> None:
    """A new owner: on ``go`` reports its whole mailbox (arrival order), then ends on ``stop``."""
    await actors.receive("go")
    msgs = []
    while (m := await actors.receive(timeout=100)) is not actors.TIMEOUT:
        msgs.append(m)
    actors.send(parent, ("mailbox", msgs))


async def _holder() -> None:
    """A process that only waits to be told to stop (owning whatever it was given)."""
    await actors.receive("stop")


async def stop(pid: actors.Pid) -> None:
    """Tell a `_holder` to stop and wait until it is gone (its sockets close with it)."""
    ref = actors.monitor("process", pid)
    actors.send(pid, "stop")
    await assert_receive(("DOWN", ref, "process", pid, ANY))


async def _try_transfer(parent: actors.Pid, c: Any, l: Any) -> None:
    me = actors.self()
    actors.send(parent, ("tried", await gen_tcp.controlling_process(c, me), await gen_tcp.controlling_process(l, me)))


async def test_only_the_owner_may_call_controlling_process() -> None:
    """``gen_tcp:controlling_process(S,Pid)`` called by a non-owner -> ``{error,not_owner}``,
    for a connected and a listen socket."""
    async with opened() as (l, c, _a):
        actors.spawn(_try_transfer, actors.self(), c, l)
        msg = await assert_receive(("tried", ANY, ANY))
        assert msg == ("tried", ("error", "not_owner"), ("error", "not_owner"))
        # Nothing moved: the test process still owns both.
        assert await gen_tcp.controlling_process(c, actors.self()) == "ok"
        assert await gen_tcp.controlling_process(l, actors.self()) == "ok"


async def _return() -> None:
    return None


async def test_to_self_ok_dead_pid_badarg_non_pid_function_clause() -> None:
    """``gen_tcp:controlling_process(C,Pid)``: to itself ``ok``; to a dead pid (inet)
    ``{error,badarg}``; to ``foo`` ``{raised,error,function_clause}``; socket argument ``foo``
    ``{raised,error,function_clause}``."""
    async with opened() as (_l, c, a):
        assert await gen_tcp.controlling_process(c, actors.self()) == "ok"
        dead, ref = actors.spawn_monitor(_return)
        await assert_receive(("DOWN", ref, "process", dead, ANY))
        assert await gen_tcp.controlling_process(c, dead) == ("error", "badarg")
        with pytest.raises(actors.ErlangError) as info:
            await gen_tcp.controlling_process(c, "foo")
        assert info.value.reason == "function_clause"
        with pytest.raises(actors.ErlangError) as info:
            await gen_tcp.controlling_process("foo", actors.self())
        assert info.value.reason == "function_clause"
        # The socket is still ours and still works.
        await gen_tcp.send(a, "still mine")
        assert await assert_receive(("tcp", c, ANY)) == ("tcp", c, "still mine")


async def test_queued_tcp_messages_move_to_new_owner_in_order_others_stay() -> None:
    """Active mode, old owner's mailbox ``unrelated_before, {tcp,C,"m1"}, unrelated_middle,
    {tcp,C,"m2"}``; ``controlling_process(C,New)`` -> ``ok``; the old owner keeps
    ``[unrelated_before,unrelated_middle]``, the new owner gets
    ``[{tcp,'C',"m1"},{tcp,'C',"m2"}]``.

    The mailbox is built without consuming the data messages: ``{active,1}`` and a
    selective receive of the ``tcp_passive`` that follows each one (re-run on OTP 25 this
    way, then ``{active,true}`` before the transfer: the same result)."""
    async with opened([("active", False)], [("active", False)]) as (_l, c, a):
        me = actors.self()
        actors.send(me, "unrelated_before")
        assert await inet.setopts(c, [("active", 1)]) == "ok"
        assert await gen_tcp.send(a, "m1") == "ok"
        await assert_receive(("tcp_passive", c))
        actors.send(me, "unrelated_middle")
        assert await inet.setopts(c, [("active", 1)]) == "ok"
        assert await gen_tcp.send(a, "m2") == "ok"
        await assert_receive(("tcp_passive", c))
        assert await inet.setopts(c, [("active", True)]) == "ok"

        new = actors.spawn(_reporter, me)
        assert await gen_tcp.controlling_process(c, new) == "ok"
        assert await own_mailbox() == ["unrelated_before", "unrelated_middle"]
        actors.send(new, "go")
        msg = await assert_receive(("mailbox", ANY))
        assert msg[1] == [("tcp", c, "m1"), ("tcp", c, "m2")]
        await refute_receive()


async def test_already_closed_socket_gives_closed_and_messages_stay() -> None:
    """Socket already closed by the peer, ``{tcp,..}`` and ``{tcp_closed,..}`` queued,
    ``exit_on_close`` true (inet): ``controlling_process`` -> ``{error,closed}``, and both
    messages stay with the old owner.

    The ``{tcp_closed,C}`` is taken with a selective receive (the data message stays queued
    ahead of it) and put back at the end of the mailbox, so the mailbox holds
    ``[{tcp,C,"data"},{tcp_closed,C}]`` as in the Erlang run."""
    async with opened() as (_l, c, a):
        assert await gen_tcp.send(a, "data") == "ok"
        assert await gen_tcp.close(a) == "ok"
        closed = await assert_receive(("tcp_closed", c))
        actors.send(actors.self(), closed)

        new = actors.spawn(_reporter, actors.self())
        assert await gen_tcp.controlling_process(c, new) == ("error", "closed")
        assert await own_mailbox() == [("tcp", c, "data"), ("tcp_closed", c)]
        actors.send(new, "go")
        assert await assert_receive(("mailbox", ANY)) == ("mailbox", [])


async def test_active_mode_kept_across_transfer() -> None:
    """The active mode survives the transfer: ``true``, ``once``, ``{active,4}`` and ``false``
    all read back unchanged after ``controlling_process`` (``{ok,[{active,Mode}]}``)."""
    for mode in (True, "once", 4, False):
        async with opened([], [("active", mode)]) as (_l, c, _a):
            holder = actors.spawn(_holder)
            assert await gen_tcp.controlling_process(c, holder) == "ok"
            res = await inet.getopts(c, ["active"])
            assert res == ("ok", [("active", mode)]), (mode, res)
            assert type(res[1][0][1]) is type(mode) or isinstance(mode, str), (mode, res)
            await stop(holder)


async def _new_owner(parent: actors.Pid, c: Any) -> None:
    msg = await actors.receive(("tcp", c, ANY), timeout=2000)
    actors.send(parent, ("got", msg))


async def test_after_transfer_new_data_goes_only_to_new_owner() -> None:
    """After ``controlling_process(C,New)`` -> ``ok``, ``{tcp,C,Data}`` goes to the new owner
    only."""
    async with opened([("active", False)]) as (_l, c, a):
        new = actors.spawn(_new_owner, actors.self(), c)
        assert await gen_tcp.controlling_process(c, new) == "ok"
        assert await gen_tcp.send(a, "new") == "ok"
        assert await assert_receive(("got", ANY)) == ("got", ("tcp", c, "new"))
        await refute_receive(("tcp", c, ANY))


async def test_controlling_process_on_closed_socket() -> None:
    """``gen_tcp:controlling_process(S,self())`` -> ``{error,closed}`` for a closed connected
    socket and a closed listen socket."""
    l, c, a = await pair([("active", False)])
    await close_all(c, a, l)
    assert await gen_tcp.controlling_process(c, actors.self()) == ("error", "closed")
    assert await gen_tcp.controlling_process(l, actors.self()) == ("error", "closed")
    await refute_receive(("tcp", c, ANY))

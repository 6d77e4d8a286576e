"""`actors.runtime.Ready`: the awaitable of an answer that is already there (what
gen_tcp.send and inet.setopts answer once they have done their work). The compiled
build's is C (``actors._csched``), pure Python's a class; both behave the same."""

from __future__ import annotations

from typing import Any

import pytest

from actors.runtime import Ready


async def test_awaiting_gives_the_value_any_number_of_times() -> None:
    ready = Ready(("error", "closed"))
    assert await ready == ("error", "closed")
    assert await ready == ("error", "closed")
    assert "('error', 'closed')" in repr(ready)


@pytest.mark.parametrize("value", [("a", 1), None, [1, 2], ValueError("as a value")])
def test_the_iterator_protocol_stops_with_the_value_unchanged(value: Any) -> None:
    """What a ``yield from`` (or compiled code) sees: StopIteration carrying the value
    itself - a tuple is not taken for the exception's arguments."""
    it = Ready(value).__await__()
    with pytest.raises(StopIteration) as stop:
        next(it)
    assert stop.value.value is value


def test_yield_from_in_a_generator_returns_the_value() -> None:
    def gen() -> Any:
        got = yield from Ready(("ok", 7)).__await__()
        return got

    g = gen()
    with pytest.raises(StopIteration) as stop:
        next(g)
    assert stop.value.value == ("ok", 7)

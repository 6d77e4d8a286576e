"""A first check that the plugin runs async tests as processes."""

from __future__ import annotations

import actors
from actors.testing import assert_receive


async def test_send_to_self_is_received() -> None:
    """``self() ! hello, receive hello -> ok end`` delivers to the caller's mailbox."""
    actors.send(actors.self(), "hello")
    assert await assert_receive("hello") == "hello"

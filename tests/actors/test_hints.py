"""Errors for common first mistakes say what to do, and actors.run stops on Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from pathlib import Path

import pexpect
import pytest

import actors
from actors import ErlangError

ROOT = Path(__file__).resolve().parents[2]


def test_outside_a_process_the_error_says_how_to_run() -> None:
    """An API function called with no process around raises not_a_process, and its
    note names actors.run."""
    with pytest.raises(ErlangError) as e:
        actors.self()
    assert e.value.reason == "not_a_process"
    assert any("actors.run(main)" in n for n in e.value.__notes__)


def test_an_api_coroutine_awaited_by_plain_asyncio_says_how_to_run() -> None:
    """``asyncio.run(receive())`` is the same mistake: the note names actors.run."""
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(ErlangError) as e:
            loop.run_until_complete(actors.sleep(0))
    finally:
        loop.close()
    assert any("actors.run(main)" in n for n in e.value.__notes__)


async def test_spawn_of_a_coroutine_object_says_so() -> None:
    """``spawn(worker(1))`` is badarg, as spawn of a non-function is in Erlang; the note
    shows the right call and the coroutine is closed (no 'never awaited' warning)."""

    async def worker(n: int) -> None:
        pass

    with pytest.raises(ErlangError) as e:
        actors.spawn(worker(1))  # type: ignore[arg-type]
    assert e.value.reason == "badarg"
    assert any("spawn(" in n and "worker" in n and "not the coroutine" in n for n in e.value.__notes__)


def test_ctrl_c_ends_actors_run_with_a_bare_keyboard_interrupt(tmp_path: Path) -> None:
    """Ctrl-C in a program blocked in actors.run: the node stops (the process's finally
    runs), run raises KeyboardInterrupt, nothing else is printed."""
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent("""
        import actors
        async def main():
            try:
                print("ready", flush=True)
                await actors.receive()
            finally:
                print("cleaned up", flush=True)
        try:
            actors.run(main)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    """))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = pexpect.spawn(sys.executable, [str(script)], env=env, encoding="utf-8", timeout=15)
    try:
        child.expect_exact("ready\r\n")
        child.sendintr()
        child.expect(pexpect.EOF)
        assert child.before.replace("^C", "").split() == ["cleaned", "up", "interrupted"]
    finally:
        child.close()
    assert child.exitstatus == 0

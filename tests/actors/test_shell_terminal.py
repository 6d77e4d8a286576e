"""The shell as a terminal program: completion, history, top-level await, a process
that never awaits, flags. Driven through a pseudo-terminal as a person types."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pexpect

from tests.actors.test_shell import PROMPT, ROOT, Session

BUSY = ("async def busy():", "    while True:", "        pass")
LOUD_BUSY = ("async def loud_busy():", "    print('spinning now')", "    while True:", "        pass")


def test_tab_completes_module_attributes_and_history_outlives_the_shell(tmp_path: Path) -> None:
    """Tab completes ``gen_tcp.conn`` to ``gen_tcp.connect(``; lines typed in one shell
    are in the next one's history (up arrow), as erl and Python keep them."""
    history = tmp_path / "history"
    s = Session(history)
    try:
        s.child.send("gen_tcp.conn\t")
        s.child.expect_exact("gen_tcp.connect(")
        s.child.sendline("")  # an incomplete call: Ctrl-C clears it
        s.child.expect_exact("... ")
        s.child.sendintr()
        s.child.expect(PROMPT)
        assert s.run("marker = 12345") == ""
    finally:
        s.close()
    assert "marker = 12345" in history.read_text()
    s = Session(history)
    try:
        s.child.send("\x1b[A\x1b[A")  # up, up: past q() to the marker line
        s.child.expect_exact("marker = 12345")
        s.child.sendline("")
        s.child.expect(PROMPT)
        assert s.run("marker") == "12345"
    finally:
        s.close()


def test_top_level_await_runs_as_the_shell_process(tmp_path: Path) -> None:
    """``ls = await mymodule.start()`` runs the coroutine as the shell's process: the
    listen socket it opens belongs to the shell and closes when that process ends, as
    after ``echo:start()`` in erl. Without await, the shell says how to run it;
    ``import actors`` gives the prompt's own (synchronous) module."""
    (tmp_path / "mymodule.py").write_text(textwrap.dedent("""
        import gen_tcp

        async def start():
            ok, ls = await gen_tcp.listen(0, [])
            return ls
    """))
    s = Session(tmp_path / "history", cwd=tmp_path)
    try:
        assert s.run("import mymodule, actors") == ""
        assert s.run("actors.self() == self()") == "true"
        assert s.run("mymodule.start()").startswith("** a coroutine, not run: write await")
        assert s.run("ls = await mymodule.start()") == ""
        assert s.run("inet.port(ls)[0]") == "ok"
        assert s.run("await sleep(1)") == "ok"
        assert "** exception exit: bye" in s.run("exit('bye')")
        assert s.run("inet.port(ls)") == "{error,einval}"
    finally:
        s.close()


def test_a_process_that_never_awaits_is_killed_by_exit_ctrl_c_and_q(tmp_path: Path) -> None:
    """A process that never awaits cannot lock the user out: a command waiting on the
    node kills it after the step limit; Ctrl-C kills it at once; q() still quits."""
    s = Session(tmp_path / "history", "--step-limit", "1")
    try:
        s.define(*BUSY)
        s.define(*LOUD_BUSY)
        assert s.run("P = spawn(busy)") == "** the node is busy (a process that never awaits?)"
        out = s.run("exit(P, kill)")
        assert re.search(r"\*\* process <0\.\d+\.0> ran \d\.\d s without awaiting: killed", out), out
        assert out.endswith("true")
        assert s.run("is_process_alive(P)") == "false"
        # Ctrl-C: killed without waiting for the limit
        s.child.sendline("P = spawn(loud_busy); receive()")
        s.child.expect_exact("spinning now")  # it runs, holding the node, while receive() waits
        started = time.monotonic()
        s.child.sendintr()
        s.child.expect(r"ran \d\.\d s without awaiting: killed")
        s.child.expect(PROMPT)
        assert time.monotonic() - started < 1.0
        assert s.run("is_process_alive(P)") == "false"
        # q() with a runaway process
        s.run("P = spawn(busy)")
        s.child.sendline("q()")
        s.child.expect(pexpect.EOF, timeout=5)
    finally:
        s.close()
    assert s.child.exitstatus == 0


def test_help_and_unknown_flags() -> None:
    """``python -m actors --help`` prints usage; an unknown flag is an error (status 2)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "actors", "--help"], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and r.stdout.startswith("usage: python -m actors")
    assert "--step-limit" in r.stdout
    r = subprocess.run([sys.executable, "-m", "actors", "--frobnicate"], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "unrecognized arguments: --frobnicate" in r.stderr


def test_output_of_a_process_is_printed_above_the_line_being_typed(tmp_path: Path) -> None:
    """A process printing while the user types: the line goes above the prompt, the
    prompt and the typed text are drawn again, and the typed command still runs."""
    flag = tmp_path / "go"
    s = Session(tmp_path / "history")
    try:
        s.define(
            "async def later(path):",
            "    while not os.path.exists(path):",
            "        await sleep(10)",
            "    print('hello from a process')",
        )
        s.run("import os")
        s.run(f"P = spawn(later, {str(flag)!r})")
        s.child.send("40 + ")
        s.child.expect_exact("40 + ")
        flag.touch()  # the process prints now, while "40 + " is on the line
        s.child.expect_exact("hello from a process\r\n")
        s.child.expect(r"\d+> 40 \+ ")  # the prompt and the typed text, drawn again
        assert s.run("2") == "42"
    finally:
        s.close()

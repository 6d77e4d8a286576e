"""The shell (``python -m actors``), driven through a real pseudo-terminal as a person
would type at it: processes, messages, flush(), i(), regs(), a linked crash, Ctrl-C."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

ROOT = Path(__file__).resolve().parents[2]
PROMPT = r"\r\n(\d+)> "
PID = r"<0\.\d+\.0>"


class Session:
    def __init__(self, history: Path, *args: str, cwd: Path = ROOT) -> None:
        env = dict(
            os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(cwd)]), TERM="dumb",
            ACTORS_SHELL_HISTORY=str(history),
        )
        self.child = pexpect.spawn(
            sys.executable, ["-m", "actors", *args], cwd=str(cwd), env=env, encoding="utf-8",
            timeout=15, dimensions=(24, 200),
        )
        self.child.expect(r"The calling thread is process (<0\.\d+\.0>)")
        self.child.delaybeforesend = None
        self.first_pid = self.child.match.group(1)
        self.child.expect(PROMPT)

    def run(self, line: str) -> str:
        """Type `line`, wait for the next prompt; what the shell printed in between."""
        self.child.sendline(line)
        self.child.expect(PROMPT)
        out = self.child.before.replace("\r\n", "\n")
        first, _, rest = out.partition("\n")  # drop the echo of the typed line
        return rest.strip("\n")

    def define(self, *lines: str) -> None:
        """Type a multi-line definition (a blank line ends it)."""
        for line in lines:
            self.child.sendline(line)
            self.child.expect_exact("... ")
        self.run("")

    def close(self) -> None:
        if self.child.isalive():
            self.child.sendline("q()")
            self.child.expect(pexpect.EOF)
        self.child.close()


@pytest.fixture
def shell(tmp_path: Path) -> Iterator[Session]:
    s = Session(tmp_path / "history")
    try:
        yield s
    finally:
        s.close()


def test_shell_session(shell: Session) -> None:
    """A session as in erl: self(), spawn, send, receive, flush(), i(), regs(); every
    value printed in Erlang's notation, results, flush() and i() alike."""
    me = shell.run("self()")
    assert re.fullmatch(PID, me) and me == shell.first_pid
    # atoms are names and print bare
    assert shell.run("ok, binary, active, once, infinity, EXIT") == "{ok,binary,active,once,infinity,'EXIT'}"
    # a process that echoes, typed as an async def using the same (sync) names
    shell.define(
        "async def echo():",
        "    while True:",
        "        sender, msg = await receive()",
        "        send(sender, ('echo', msg))",
    )
    pid = shell.run("p = spawn(echo); p")
    assert re.fullmatch(PID, pid)
    assert shell.run("send(p, (self(), 'hi'))") == f'{{{me},"hi"}}'
    assert shell.run("receive(('echo', ANY))") == '{"echo","hi"}'
    assert shell.run("receive(timeout=0)") == "TIMEOUT"  # the sentinel
    # flush() prints each queued message as erl does
    shell.run("send(p, (self(), 1)); send(self(), (tcp, 5, b'hello'))")
    out = shell.run("flush()")
    assert out.splitlines() == ['Shell got {"echo",1}', 'Shell got {tcp,5,<<"hello">>}', "ok"]
    assert shell.run("flush()") == "ok"
    # i() lists processes with initial call, queue length and status
    assert shell.run("register('echo_server', p)") == "true"
    listing = shell.run("i()")
    assert "Initial Call" in listing and "Status" in listing
    line = next(ln for ln in listing.splitlines() if ln.startswith(pid))
    assert "echo" in line and "waiting" in line and "echo_server" in line
    assert next(ln for ln in listing.splitlines() if ln.startswith(me)).split()[-1] == "running"
    regs = shell.run("regs()")
    assert "echo_server" in regs and pid in regs
    assert shell.run("whereis('echo_server') == p") == "true"
    assert shell.run("whereis('nobody')") == "undefined"
    assert shell.run("send('nobody', 1)") == "** exception error: badarg"
    assert shell.run("process_info(p, 'status')") == "{status,waiting}"
    assert shell.run("actors.is_process_alive(p)") == "true"  # the module, sync too
    # pid(0, N, 0) and v(N) as in erl
    number = int(pid.split(".")[1])
    assert shell.run(f"pid(0, {number}, 0) == p") == "true"
    assert shell.run("exit(p, kill)") == "true"
    assert shell.run("is_process_alive(p)") == "false"
    assert shell.run("v(-1)") == "false"  # the previous command's value
    assert shell.run("v(1)") == me


def test_errors_are_one_line_and_tb_shows_the_user_frames(shell: Session, tmp_path: Path) -> None:
    """A Python exception prints as erl prints an error (``** exception error: ...``),
    here in one line; tb() shows the traceback of the user's code without the
    runtime's frames. As in erl, v(N) of a failed command is ``{'EXIT', Reason}``."""
    shell.define("def f():", "    return 1 / 0")
    assert shell.run("f()") == "** exception error: ZeroDivisionError: division by zero  (tb() shows where)"
    # erl: the value of a failed command is {'EXIT', Reason}
    assert shell.run("v(-1)") == "{'EXIT',ZeroDivisionError('division by zero')}"
    tb = shell.run("tb()")
    assert tb.splitlines()[0] == "Traceback (most recent call last):"
    assert "in f" in tb and tb.endswith("ZeroDivisionError: division by zero")
    assert "actors/" not in tb and "code.py" not in tb
    assert shell.run("1 +") == "** syntax error: SyntaxError: invalid syntax"
    assert shell.run("exit") == "Use exit(), q() or Ctrl-D to leave the shell"
    assert "pid(0, N, 0)" in shell.run("help()") and "v(N)" in shell.run("h()")
    listing = shell.run("help(gen_tcp)")
    assert listing.startswith("gen_tcp at the shell prompt:")
    assert "without await" in listing and re.search(r"^  connect\(", listing, re.M)
    shell.child.sendline("quit()")
    shell.child.expect(pexpect.EOF)


def test_linked_crash_kills_the_shell_process_which_restarts(shell: Session) -> None:
    """A linked process that crashes kills the shell's process: erl prints
    ``** exception exit: Reason`` and the shell carries on with a new pid."""
    me = shell.run("self()")
    shell.define(
        "async def crasher():",
        "    await receive('go')",
        "    exit('boom')",
    )
    shell.run("c = spawn_link(crasher)")
    out = shell.run("send(c, 'go')")
    assert "** exception exit: boom" in out
    new = shell.run("self()")
    assert re.fullmatch(PID, new) and new != me
    # exit/1 at the prompt ends the shell's process too, and it restarts
    out = shell.run("exit('goodbye')")
    assert "** exception exit: goodbye" in out
    assert shell.run("self()") not in (me, new)
    # a crash while the shell blocks in receive: erl's crash report, then the exit
    shell.define(
        "async def raiser(shell):",
        "    while process_info(shell, 'status') != ('status', 'waiting'):",
        "        await sleep(1)",
        "    raise ValueError('bad')",
    )
    shell.run("r = spawn_link(raiser, self())")
    out = shell.run("receive()")
    assert out.endswith("** exception exit: ValueError('bad')")
    assert "=CRASH REPORT====" in out and "exception error: ValueError('bad')" in out


def test_ctrl_c_cancels_a_blocking_receive(shell: Session) -> None:
    """Ctrl-C while ``receive()`` blocks cancels the call and returns to the prompt;
    the shell's process and mailbox are intact."""
    me = shell.run("self()")
    # the marker is printed by the command itself (the echo of the line cannot match
    # it), so Ctrl-C is sent once the command runs, never while the line is read
    shell.child.sendline("print('block' + 'ing'); receive('never')")
    shell.child.expect_exact("blocking")
    shell.child.sendintr()
    shell.child.expect(PROMPT)
    assert "KeyboardInterrupt" in shell.child.before
    assert shell.run("self()") == me
    assert shell.run("process_info(self(), 'status')") == "{status,running}"
    assert shell.run("send(self(), 42); receive()") == "42\n42"


def test_gen_tcp_at_the_prompt(shell: Session) -> None:
    """gen_tcp and inet work without await at the prompt, as in erl: listen, connect,
    accept, send; the shell's process owns C and gets ``{tcp,C,"hello"}``; inet.i()
    lists the sockets; the peer's close arrives as ``tcp_closed``."""
    assert shell.run("ok, L = gen_tcp.listen(0, [('active', True)])") == ""
    assert shell.run("ok, P = inet.port(L)") == ""
    assert shell.run("ok, C = gen_tcp.connect('localhost', P, [])") == ""
    assert shell.run("ok, A = gen_tcp.accept(L, 5000)") == ""
    assert shell.run("gen_tcp.send(A, 'hello')") == "ok"
    assert shell.run("receive(('tcp', C, ANY), timeout=5000)") == '{tcp,#Port<0.2>,"hello"}'
    listing = shell.run("inet.i()")
    assert "LISTEN" in listing and listing.count("CONNECTED") == 2, listing
    assert shell.run("gen_tcp.close(A)") == "ok"
    assert shell.run("receive(('tcp_closed', C), timeout=5000)") == "{tcp_closed,#Port<0.2>}"
    assert shell.run("gen_tcp.close(C), gen_tcp.close(L)") == "{ok,ok}"
    assert "CONNECTED" not in shell.run("inet.i()")

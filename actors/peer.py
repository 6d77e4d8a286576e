"""Peer nodes: start another node of the cluster on this machine, in the spirit of OTP's
``peer`` module.

``ok, pid, node = await peer.start_link(name="b")`` starts ``python -m actors -sname b
-noshell`` as an OS process with this node's cookie, waits until it is up and connected,
and returns a control process and the node's name. The peer lives as long as its control
process: ``peer.stop(pid)``, the control process's death (it is linked to the caller with
`start_link`), or the death of this OS process (the peer's standard input closes) ends it.
When the peer's OS process ends first, the control process exits with
``("exit_status", code)``.

`pass_fds` hands open file descriptors to the peer under the same numbers (for a listen
socket that several nodes accept on: ``gen_tcp.listen(0, [("fd", fd)])`` in each).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from typing import Any, Sequence

import structlog

from ._api import exit as _exit
from ._api import monitor, receive, self, send, spawn, spawn_link
from ._dist.api import ping
from ._match import ANY, TIMEOUT
from ._process import current
from ._terms import Atom, ErlangError, Pid
from .atoms import DOWN, ERROR, OK

__all__ = ["start", "start_link", "stop", "random_name"]

log = structlog.get_logger("actors.peer")

_STARTED = Atom("$peer_started")
_STOP = Atom("$peer_stop")


def random_name(prefix: str = "peer") -> str:
    """A node name no other node on this machine uses (``peer_<pid>_<n>``: an atom that
    prints without quotes)."""
    return f"{prefix}_{os.getpid()}_{next(_counter)}"


_counter = itertools.count(1)


async def start(name: str | None = None, *, args: Sequence[str] = (), pass_fds: Sequence[int] = (),
                timeout: int = 30000) -> tuple[Any, ...]:
    """``peer:start/1``: ``("ok", control_pid, node)`` or ``("error", reason)``."""
    return await _start(spawn, name, args, pass_fds, timeout)


async def start_link(name: str | None = None, *, args: Sequence[str] = (), pass_fds: Sequence[int] = (),
                     timeout: int = 30000) -> tuple[Any, ...]:
    """``peer:start_link/1``: as `start`, with the control process linked to the caller."""
    return await _start(spawn_link, name, args, pass_fds, timeout)


async def _start(how: Any, name: str | None, args: Sequence[str], pass_fds: Sequence[int], timeout: int) -> tuple[Any, ...]:
    me = current()
    dist = me.node.dist
    if dist is None:
        raise ErlangError(Atom("not_alive"))
    short = name or random_name()
    host = me.node.name.partition("@")[2]
    full = short if "@" in short else f"{short}@{host}"
    cookie = dist.cookie
    pid = how(_control, self(), full, list(args), list(pass_fds), cookie)
    mref = monitor("process", pid)
    got = await receive((_STARTED, pid, ANY), (DOWN, mref, ANY, ANY, ANY), timeout=timeout)
    if got is TIMEOUT:
        _exit(pid, Atom("kill"))
        await receive((DOWN, mref, ANY, ANY, ANY))
        return (ERROR, Atom("timeout"))
    if got[0] == DOWN:
        return (ERROR, got[4])
    from ._api import demonitor

    demonitor(mref, ["flush"])
    if got[2] != OK:
        return (ERROR, got[2])
    return (OK, pid, Atom(full))


def stop(pid: Pid) -> Atom:
    """``peer:stop/1``: stop the peer node (its control process ends ``normal``)."""
    send(pid, _STOP)
    return OK


async def _control(parent: Pid, node: str, args: list[str], pass_fds: list[int], cookie: str) -> None:
    """The control process: owns the peer's OS process, ends it when it ends."""
    me = current()
    flag = "-name" if "." in node.partition("@")[2] else "-sname"
    argv = [sys.executable, "-m", "actors", flag, node, "-setcookie", cookie, "-noshell", "--halt-on-eof", *args]
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", os.pathsep.join(p for p in sys.path if p))
    os_proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, pass_fds=pass_fds, env=env
    )
    from . import runtime

    runtime.on_exit(me, lambda _p: _kill(os_proc))
    assert os_proc.stdout is not None
    line = await os_proc.stdout.readline()
    while line and not line.startswith(b"actors node "):  # whatever it printed before
        line = await os_proc.stdout.readline()
    if not line.startswith(b"actors node "):
        send(parent, (_STARTED, me.handle, ("exit_status", await os_proc.wait())))
        return
    if await ping(node) != "pong":
        send(parent, (_STARTED, me.handle, Atom("noconnection")))
        return
    send(parent, (_STARTED, me.handle, OK))
    spawn_link(_wait_exit, me.handle, os_proc)
    got = await receive(_STOP, ("$peer_exit", ANY))
    if got == _STOP:
        _kill(os_proc, graceful=True)
        await receive(("$peer_exit", ANY))
        return
    raise ErlangError(("exit_status", got[1]), "exit")


async def _wait_exit(control: Pid, os_proc: Any) -> None:
    code = await os_proc.wait()
    send(control, ("$peer_exit", code))


def _kill(os_proc: Any, graceful: bool = False) -> None:
    if os_proc.returncode is not None:
        return
    try:
        if graceful and os_proc.stdin is not None:
            os_proc.stdin.close()  # the peer halts on end of input, as it does when we die
        os_proc.terminate() if graceful else os_proc.kill()
    except ProcessLookupError:
        pass

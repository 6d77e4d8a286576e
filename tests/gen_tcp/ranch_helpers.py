"""Protocols, transports and clients for the gen_tcp.ranch tests.

- `Echo`: a ranch protocol that echoes (passive recv loop) until the peer closes.
- `Notify(pid)`: a protocol that tells `pid` ``("conn", conn_pid, socket)`` after its
  handshake and then obeys ``("send", data)``, ``("close",)``, ``("crash",)``,
  ``("remove",)`` (remove_connection), and exits when the peer closes.
- `listener(ref, protocol, **trans_opts)`: start a listener on an OS-chosen loopback
  port; `stopped(ref)` stops it (a context manager `running` does both).
- `client(port)`: a passive binary client socket; `echo_once(port)` connects, sends,
  reads the echo back and closes.
- `conns(ref)`: the pids of the listener's connections.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import actors
import gen_tcp
from actors import ANY, Pid
from actors.testing import assert_receive
from gen_tcp import ranch

LOOP = (127, 0, 0, 1)


class Echo:
    """Echo every chunk back; close when the peer closes."""

    def __repr__(self) -> str:
        return "echo_protocol"

    def start_link(self, ref: Any, transport: Any, opts: Any) -> Any:
        return ("ok", actors.spawn_link(self.loop, ref, transport))

    async def loop(self, ref: Any, transport: Any) -> None:
        ok, sock = await ranch.handshake(ref)
        while True:
            r = await transport.recv(sock, 0, "infinity")
            if r[0] != "ok":
                await transport.close(sock)
                return
            await transport.send(sock, r[1])


class Notify:
    """Report each connection to `pid`, then do what it is told."""

    def __init__(self, pid: Pid) -> None:
        self.pid = pid

    def start_link(self, ref: Any, transport: Any, opts: Any) -> Any:
        return ("ok", actors.spawn_link(self.loop, ref, transport, opts))

    async def loop(self, ref: Any, transport: Any, opts: Any) -> None:
        ok, sock = await ranch.handshake(ref)
        await transport.setopts(sock, [("active", "once")])
        actors.send(self.pid, ("conn", actors.self(), sock))
        while True:
            msg = await actors.receive()
            match msg:
                case ("send", data):
                    await transport.send(sock, data)
                case ("close",):
                    await transport.close(sock)
                    return
                case ("crash",):
                    raise RuntimeError("protocol crashed on purpose")
                case ("remove",):
                    ranch.remove_connection(ref)
                    actors.send(self.pid, ("removed", actors.self()))
                case ("opts", to):
                    actors.send(to, ("opts", opts))
                case ("tcp", _, data):
                    actors.send(self.pid, ("data", actors.self(), data))
                    await transport.setopts(sock, [("active", "once")])
                case ("tcp_closed", _) | ("tcp_error", _, _):
                    return


async def listener(ref: Any, protocol: Any, proto_opts: Any = None, **trans_opts: Any) -> Pid:
    opts = {"socket_opts": [("ip", LOOP), ("port", 0)], **trans_opts}
    r = await ranch.start_listener(ref, ranch.tcp, opts, protocol, proto_opts if proto_opts is not None else [])
    assert r[0] == "ok", r
    return r[1]  # type: ignore[no-any-return]


async def stopped(ref: Any) -> None:
    assert await ranch.stop_listener(ref) == "ok"


@contextlib.asynccontextmanager
async def running(ref: Any, protocol: Any, **trans_opts: Any) -> AsyncIterator[Pid]:
    pid = await listener(ref, protocol, **trans_opts)
    try:
        yield pid
    finally:
        await stopped(ref)


async def client(port: int, timeout: int = 5000) -> Any:
    ok, s = await gen_tcp.connect(LOOP, port, ["binary", ("active", False)], timeout)
    assert ok == "ok", s
    return s


async def echo_once(port: int, data: bytes = b"ping") -> bytes:
    s = await client(port)
    try:
        assert await gen_tcp.send(s, data) == "ok"
        got = b""
        while len(got) < len(data):
            r = await gen_tcp.recv(s, 0, 5000)
            assert r[0] == "ok", r
            got += r[1]
        return got
    finally:
        await gen_tcp.close(s)


async def next_conn() -> tuple[Pid, Any]:
    _, pid, sock = await assert_receive(("conn", ANY, ANY), timeout=5000)
    return pid, sock


async def conns(ref: Any) -> list[Pid]:
    return await ranch.procs(ref, "connections")


async def wait_down(pid: Pid) -> Any:
    ref = actors.monitor("process", pid)
    return (await assert_receive(("DOWN", ref, "process", pid, ANY), timeout=5000))[4]


async def kill(pid: Pid) -> Any:
    """Kill `pid` and wait for it to be gone; its exit reason (``killed``)."""
    ref = actors.monitor("process", pid)
    actors.exit(pid, "kill")
    return (await assert_receive(("DOWN", ref, "process", pid, ANY), timeout=5000))[4]

"""A listening TCP socket as a port actor, for both backends.

Acceptors are served first come, first served; the descriptor is watched only while
someone waits. Closing the listen socket (or its owner dying) fails every waiting
acceptor with ``{error, closed}``. An accepted socket belongs to the acceptor and takes
the listen socket's options.
"""

from __future__ import annotations

import asyncio
import collections
import socket
from typing import Any, Final

from actors.runtime import Atom, Node, Pid, Process, call_later, current

from .atoms import E_CLOSED, E_TIMEOUT, ERROR, OK, TCP_PASSIVE
from ._attach import attach
from ._backend import Backend, SocketHandle
from ._errors import reason_from_oserror
from ._options import accept_port_opts, apply_sockopts
from ._port import PortActor
from ._timeouts import expire, timeout_seconds

__all__ = ["TcpListen"]

_V6ONLY: Final = (socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)


class TcpListen(PortActor):
    """A listening TCP socket (see the module docstring). Made by `ports._sockets`."""

    __slots__ = ("backend", "sock", "opts", "sockopts", "active", "acceptors", "reading", "family", "accepted")

    def __init__(
        self,
        node: Node,
        owner: Pid,
        sock: socket.socket,
        opts: dict[str, Any],
        sockopts: list[Any],
        family: str,
        backend: Backend,
    ) -> None:
        self.backend = backend
        handle = SocketHandle._make(node) if backend.monitors_owner else None
        super().__init__(node, owner, handle, backend.monitors_owner)
        self.sock = sock
        self.opts = {k: v for k, v in opts.items() if k != "active"}
        self.sockopts = sockopts
        self.family = family
        self.active: Any = opts.get("active", True)
        self.acceptors: collections.deque[tuple[asyncio.Future[Any], Pid]] = collections.deque()
        self.reading = False
        self.accepted = accept_port_opts(opts)  # an accepted socket's options

    def passive_event(self) -> None:
        owner = self.owner_process()
        if owner is not None:
            owner.deliver((TCP_PASSIVE, self.handle))

    def options(self) -> dict[str, Any]:
        """Every port option, ``active`` included (what getopts reads and accepts take)."""
        d = dict(self.opts)
        d["active"] = self.active
        return d

    def set_options(self, opts: dict[str, Any], sockopts: list[Any]) -> None:
        """Take the whole option set a setopts computed, and the OS options it set (for
        the sockets accepted later)."""
        self.opts = {k: v for k, v in opts.items() if k != "active"}
        self.active = opts.get("active", False)
        self.sockopts = [*self.sockopts, *sockopts]
        self.accepted = accept_port_opts(opts)

    def controlling_process(self, caller: Pid, new_owner: Pid) -> Any:
        """``gen_tcp:controlling_process/2``: inet refuses a dead new owner (``badarg``);
        the socket backend takes it and the socket closes."""
        answer, target = self.handover(caller, new_owner, self.backend.dead_owner_accepted)
        if answer is not None:
            return answer
        self.connect_owner(new_owner)
        if target is None:
            self.close()
        return OK

    async def accept(self, timeout: Any) -> Any:
        """``gen_tcp:accept/2``: ``(ok, socket)``, ``(error, timeout)``, ``(error, closed)``.

        inet's ``accept(L, 0)`` takes a pending connection; the socket backend's gives
        ``{error, timeout}`` at once."""
        me = current()
        if timeout == 0 and not self.backend.accept_zero_polls:
            return E_TIMEOUT
        if not self.acceptors:
            got = self._try_accept()
            if got is not None:
                return await self._adopt(me, got)
        seconds = timeout_seconds(timeout)
        if seconds == 0:
            return E_TIMEOUT
        loop = self.node.loop
        fut: asyncio.Future[Any] = loop.create_future()
        entry = (fut, me.handle)
        self.acceptors.append(entry)
        self._want_reading()
        handle = call_later(loop, seconds, expire, fut) if seconds is not None else None
        try:
            got = await fut
        except BaseException:
            if fut.done() and not fut.cancelled():
                r = fut.result()
                if isinstance(r, socket.socket):
                    r.close()
            raise
        finally:
            if handle is not None:
                handle.cancel()
            try:
                self.acceptors.remove(entry)
            except ValueError:
                pass
            self._want_reading()
        return await self._adopt(me, got)

    def _try_accept(self) -> socket.socket | tuple[Atom, Atom] | None:
        try:
            conn, _ = self.sock.accept()
        except (BlockingIOError, InterruptedError):
            return None
        except OSError as e:
            return (ERROR, reason_from_oserror(e))
        conn.setblocking(False)
        return conn

    def _want_reading(self) -> None:
        want = bool(self.acceptors) and self.alive
        if want and not self.reading:
            self.node.loop.add_reader(self.sock.fileno(), self._on_readable)
            self.reading = True
        elif not want and self.reading:
            self.node.loop.remove_reader(self.sock.fileno())
            self.reading = False

    def _on_readable(self) -> None:
        while self.acceptors:
            fut, pid = self.acceptors[0]
            if fut.done():
                self.acceptors.popleft()
                continue
            got = self._try_accept()
            if got is None:
                return
            self.acceptors.popleft()
            fut.set_result(got)
            if not isinstance(got, socket.socket):
                # e.g. emfile: stop watching until an acceptor asks again
                break
        self._want_reading()

    async def _adopt(self, me: Process, got: Any) -> Any:
        """The accepted OS socket becomes a port of the acceptor.

        inet: the kernel copies most of the listen socket's options to the accepted
        one, but not all (priority: Linux derives it from tos again), so they are set
        again; one the accepted socket refuses is not an error (``IPV6_V6ONLY`` cannot
        change any more). The socket backend sets them all and fails the accept on a
        refusal."""
        if not isinstance(got, socket.socket):
            return got
        if self.backend.accept_options_strict:
            try:
                err = apply_sockopts(got, self.sockopts)
            except OSError as e:
                got.close()
                return (ERROR, reason_from_oserror(e))
            if err is not None:
                got.close()
                return (ERROR, err)
        else:
            inherited = [o for o in self.sockopts if o[:2] != _V6ONLY]
            if inherited:
                try:
                    apply_sockopts(got, inherited)
                except OSError:
                    pass
        port = await attach(
            self.node, me.handle, got, self.accepted, self.family, self.backend, self.sockopts
        )
        if not isinstance(port, PortActor):
            return port
        if not port.alive and self.backend.accept_options_strict:
            return E_CLOSED
        # inet: a peer that closed at once is reported by messages after this returns
        return (OK, port.handle)

    def _close_resources(self) -> None:
        if self.reading:
            self.node.loop.remove_reader(self.sock.fileno())
            self.reading = False
        self.sock.close()
        while self.acceptors:
            fut, _ = self.acceptors.popleft()
            if not fut.done():
                fut.set_result(E_CLOSED)

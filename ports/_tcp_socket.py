"""The ``{inet_backend, socket}`` backend: OTP's ``gen_tcp_socket`` on the TCP ports.

Erlang/OTP's socket backend is a ``gen_statem`` server per socket on the ``socket`` NIF,
named by ``{'$inet', gen_tcp_socket, {Pid, {'$socket', Ref}}}``. Here such a socket is a
`SocketTcpSocket` / `SocketTcpListen`: subclasses of the inet ports that override only
what CONFORMANCE.md records as different for this backend; the inet code paths are not
touched. The differences:

* **Handle** (item 1): `SocketHandle`, a tuple of exactly Erlang's shape, so it prints,
  compares and hashes as that term (``is_tuple``; not a `Port`).
* **No driver queue** (items 147-151): `send` writes straight to the kernel and waits,
  while the kernel buffer is full, until everything is written or ``send_timeout``
  passed: ``{error, {timeout, RestData}}`` (``{error, timeout}`` and a closed socket with
  ``send_timeout_close``). There is no asyncio transport: the socket's descriptor is
  watched with ``add_reader`` / ``add_writer`` by the port itself.
* **The owner is monitored, not linked** (the gen_statem monitors it): its exit closes
  the socket, but nothing links the two, so a trapping owner never sees ``'EXIT'`` from
  the socket, and giving the socket to a dead pid returns ``ok`` and then closes it
  (item 92).
* **End of stream keeps the socket** (items 51-53, 79, 110, 112, 113): ``exit_on_close``
  closes nothing; recv repeats ``{error, closed}``; send still works; getopts/setopts
  give ``einval`` and peername ``enotconn`` once the close was reported.
* **After close, everything is ``{error, closed}``** (items 101-105), a second close too.
* **shutdown takes effect at once** (manual note): ``write`` shuts the kernel socket
  (no queue to wait for); ``read`` makes recv give ``{error, closed}`` (item 115).
* **Framing** (items 59, 123, 124, 128): recv's Length is ignored in packet modes; an
  oversized packet gives ``emsgsize`` without tearing the connection down (passive: again
  on the next recv; active: ``{tcp_error, S, emsgsize}`` and the socket turns passive);
  lines are not cut at ``buffer``.
* **Options** (items 9-11, 13, 131, 154-157, 165): defaults ``packet raw``,
  ``packet_size 67108864``, ``buffer 8192``, ``low_watermark 1``; no high/msgq
  watermarks, ``backlog`` or ``ip`` to read (left out); ``line_delimiter`` readable;
  ``{packet, raw}`` reads back as ``raw``; recbuf leaves ``buffer`` alone; setopts
  applies options first to last and keeps those before a bad one; ``nodelay`` on a
  ``local`` socket is ``{error, enotsup}`` (manual note). ``{active, N}`` to ``false``
  sends ``{tcp_passive, S}`` (item 75).

**The Pid in the handle is an identifier, not a process.** Erlang's Pid is the socket's
gen_statem server. Here the port actor already is that server: an entity of the node,
driven by commands on the loop thread, that owns the socket state; a process per socket
would add a task, a mailbox and a context to every connection (the acceptor-pool use
case holds thousands) and a message round trip to every call, for no behaviour a user
can observe through gen_tcp. What the server's process gives Erlang, monitoring the owner,
is done with an exit hook on the owner process, as a monitor would. Deviations that
follow: ``is_process_alive(Pid)`` is false and ``process_info`` knows nothing of it; the
monitor does not show in the owner's ``monitored_by``.

Not reproduced (behaviours of OTP's backend that look like bugs): a partial packet
whose recv timed out is never completed (item 122); two concurrent recvs both time out in
OTP (erl), here the second gets ``{error, ealready}`` as on inet; values setopts takes
unchecked (``{mode, foo}``) are answered ``ok`` but not stored. A Length that is no
integer, or ``getstat`` of an unknown name, crash the server in OTP: here the caller gets
an exit and the socket closes, the exit reasons simplified.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any, Final

from actors._node import Node
from actors._process import Process
from actors._terms import Atom, Badarg, ErlangError, Pid, format_term

from ._errors import reason_from_oserror
from ._iodata import NotIodata, iodata_to_bytes
from ._options import (
    OPTIONS,
    SETOPTS,
    accept_port_opts,
    apply_setopts,
    encode_sockopt,
    getopts as _getopts,
    parse_setopts,
)
from ._packet import encode_packet
from ._port import PortActor
from ._tcp import (
    MUST_WAIT,
    CLOSED,
    DATA,
    E_CLOSED,
    E_EINVAL,
    E_TIMEOUT,
    EALREADY,
    ECONNRESET,
    ERROR,
    HTTP,
    NOT_OWNER,
    OK,
    RAW_CODE,
    TCP,
    TCP_CLOSED,
    TCP_ERROR,
    TCP_PASSIVE,
    TIMEOUT_A,
    TcpListen,
    TcpSocket,
    _deadline_seconds,
)

__all__ = [
    "SocketHandle",
    "SocketTcpSocket",
    "SocketTcpListen",
    "SOCKET_DEFAULTS",
    "socket_port_opts",
    "socket_getopts",
    "socket_iodata",
]

INET_TAG: Final = Atom("$inet")
MODULE: Final = Atom("gen_tcp_socket")
SOCKET_TAG: Final = Atom("$socket")
RAW: Final = Atom("raw")
INVALID: Final = Atom("invalid")
STATE: Final = Atom("state")
ENOTSUP: Final = Atom("enotsup")
E_ENOTSUP: Final = (ERROR, ENOTSUP)
READ_SIZE: Final = 65536
LINE_UNCUT: Final = 0  # the decoder cuts no line

SOCKET_DEFAULTS: Final[dict[str, Any]] = {
    "packet": RAW,
    "packet_size": 67108864,
    "buffer": 8192,
    "low_watermark": 1,
}
"""The port options whose default differs from inet's (CONFORMANCE item 9)."""

_LEFT_OUT: Final = frozenset(
    {"high_watermark", "high_msgq_watermark", "low_msgq_watermark", "backlog", "ip"}
)
"""Names getopts accepts but never returns on this backend (items 9, 13, 165)."""

_UNREADABLE: Final = frozenset({"port", "binary", "list"})

# setopts values the socket backend takes without checking (item 156): answered ok.
_UNCHECKED: Final = frozenset(
    {"send_timeout", "header", "deliver", "mode", "packet_size", "send_timeout_close",
     "show_econnreset", "delay_send", "exit_on_close", "high_watermark", "low_watermark",
     "high_msgq_watermark", "low_msgq_watermark"}
)
_LEVEL_NAMES: Final = {
    socket.SOL_SOCKET: Atom("socket"),
    socket.IPPROTO_TCP: Atom("tcp"),
    socket.IPPROTO_IP: Atom("ip"),
    socket.IPPROTO_IPV6: Atom("ipv6"),
}
_OPT_NAMES: Final = {"recbuf": "rcvbuf", "sndbuf": "sndbuf", "tclass": "tclass"}


class SocketHandle(tuple):  # type: ignore[type-arg]
    """A socket-backend socket: the term ``{'$inet', gen_tcp_socket, {Pid, {'$socket',
    Ref}}}`` as a tuple. Immutable and hashable; equal to the same tuple built by hand.
    Made only by the backend (there is no public constructor)."""

    __slots__ = ()

    @classmethod
    def _make(cls, pid: Pid, ref: Any) -> SocketHandle:
        return cls((INET_TAG, MODULE, (pid, (SOCKET_TAG, ref))))

    @property
    def pid(self) -> Pid:
        return self[2][0]  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return format_term(tuple(self))


def _new_socket_handle(node: Node) -> SocketHandle:
    return SocketHandle._make(Pid(node.name, next(node._pids)), node.make_ref())


def socket_iodata(data: Any) -> bytes:
    """The bytes to send, raising as gen_tcp_socket raises for what is not iodata:
    ``badarg`` for a non-list (item 137), ``{invalid, {data, List}}`` for a bad list."""
    try:
        return iodata_to_bytes(data)
    except NotIodata:
        if isinstance(data, list):
            raise ErlangError((INVALID, (DATA, data))) from None
        raise Badarg() from None


def socket_port_opts(port_opts: dict[str, Any], given: list[Any]) -> dict[str, Any]:
    """The port options of a new socket-backend socket: the parsed options (`port_opts`)
    with this backend's defaults where the option list (`given`) did not name them, and
    ``{packet, raw}`` kept as ``raw`` (item 131)."""
    names = {_opt_name(o) for o in given}
    opts = dict(port_opts)
    for name, value in SOCKET_DEFAULTS.items():
        if name not in names:
            opts[name] = value
    packet = _last_packet(given)
    if packet is not None:
        opts["packet"] = packet
    return opts


def _opt_name(opt: Any) -> Any:
    if type(opt) is tuple and opt:
        return opt[0]
    return opt


def _last_packet(given: list[Any]) -> Any:
    """``raw`` when the last ``{packet, _}`` in `given` is ``{packet, raw}``, else None."""
    for opt in reversed(given):
        if type(opt) is tuple and len(opt) == 2 and opt[0] == "packet":
            return RAW if opt[1] == "raw" else None
    return None


def _uses_nodelay(sockopts: list[Any]) -> bool:
    return any(o[0] == socket.IPPROTO_TCP and o[1] == socket.TCP_NODELAY for o in sockopts)


def nodelay_refused(family: str, sockopts: list[Any]) -> bool:
    """``nodelay`` on a ``local`` socket: the socket backend fails with enotsup."""
    return family == "local" and _uses_nodelay(sockopts)


# ---------------------------------------------------------------------------------------
# The owner monitor, shared by both kinds of socket.


def _watch(port: Any, owner: Pid) -> None:
    proc = port.node.table.get(owner)
    if isinstance(proc, Process) and proc.alive:
        if proc.on_exit is None:
            proc.on_exit = []
        proc.on_exit.append(port._owner_down)
    else:
        # monitoring a dead pid gives an immediate DOWN: the socket closes
        port.node.loop.call_soon(port._owner_gone, owner)


def _unwatch(port: Any) -> None:
    proc = port.node.table.get(port.owner)
    # a dying owner is running its exit hooks: leave its list alone
    if isinstance(proc, Process) and proc.alive and proc.on_exit:
        try:
            proc.on_exit.remove(port._owner_down)
        except ValueError:
            pass


# ---------------------------------------------------------------------------------------
# The connected socket.


class _SocketBackendPort(PortActor):
    """What both socket-backend ports share: the tuple handle, and an owner that is
    monitored (its exit closes the port) rather than linked."""

    __slots__ = ()

    def _new_handle(self, node: Node) -> Any:
        return _new_socket_handle(node)

    def _watch_owner(self, owner: Pid) -> None:
        _watch(self, owner)

    def _unwatch_owner(self) -> None:
        _unwatch(self)

    def _owner_down(self, proc: Process) -> None:
        if self.alive and proc.handle == self.owner:
            self.close()

    def _owner_gone(self, owner: Pid) -> None:
        if self.alive and owner == self.owner:
            self.close()


class SocketTcpSocket(_SocketBackendPort, TcpSocket):
    """A connected TCP socket with the socket backend's behaviour (see the module doc)."""

    __slots__ = (
        "reading",
        "read_done",
        "read_shut",
        "write_waiter",
        "writing",
        "send_lock",
        "send_error",
    )

    def __init__(self, node: Node, owner: Pid, sock: socket.socket, opts: dict[str, Any], family: str) -> None:
        super().__init__(node, owner, sock, opts, family)
        self.reading = False
        self.read_done = False
        self.read_shut = False
        self.writing = False
        self.write_waiter: asyncio.Future[Any] | None = None
        self.send_lock = asyncio.Lock()
        self.send_error: Any = None
        self._set_decoder()

    def _set_decoder(self) -> None:
        o = self.opts
        # gen_tcp_socket does not cut lines at `buffer` (item 128)
        self.decoder.set_packet(
            o.get("packet", RAW), o.get("packet_size", 0), o.get("line_delimiter", 10), LINE_UNCUT
        )

    async def attach(self, loop: asyncio.AbstractEventLoop, sockopts: list[Any]) -> None:
        """Start watching the descriptor (no transport: sends go straight to the kernel)."""
        del loop, sockopts
        self._dispatch()

    def _apply_watermarks(self) -> None:
        pass

    # -- reading ---------------------------------------------------------------------

    def _flow(self) -> None:
        if self.fd_closed or self.read_done or not self.alive:
            return
        want = (
            self.recv_waiter is not None
            or self.active is not False
            or self.decoder.pending() < self.read_limit
        )
        if want and not self.reading:
            self.node.loop.add_reader(self.sock.fileno(), self._on_readable)
            self.reading = True
        elif not want and self.reading:
            self._stop_reading()

    def _stop_reading(self) -> None:
        if self.reading:
            self.reading = False
            self.node.loop.remove_reader(self.sock.fileno())

    def _on_readable(self) -> None:
        # Read until the kernel has nothing more: uvloop's poll may not report again
        # an end of stream that arrived together with the last data.
        for _ in range(16):
            try:
                data = self.sock.recv(READ_SIZE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                self.read_done = True
                self._stop_reading()
                self._on_eof(ECONNRESET if isinstance(e, ConnectionResetError) else reason_from_oserror(e))
                return
            if not data:
                self.read_done = True
                self._stop_reading()
                self._on_eof(None)
                return
            self._on_data(data)
            if not self.reading or self.fd_closed:
                return

    def _report_end(self) -> None:
        """The stream ended: tell a waiting recv or the owner; the socket stays open."""
        err = self.error if self.error is not None and self.show_econnreset else None
        w = self.recv_waiter
        if w is not None:
            self.recv_waiter = None
            self.close_reported = True
            w[0].set_result((ERROR, err or CLOSED))
            return
        if self.active is False:
            return
        self.close_reported = True
        owner = self.node.table.get(self.owner)
        if isinstance(owner, Process):
            if err is not None:
                owner.deliver((TCP_ERROR, self.handle, err))
            owner.deliver((TCP_CLOSED, self.handle))

    def _teardown_passive(self) -> None:
        """emsgsize while passive: the connection stays; the next recv fails again."""

    def _active_error(self, reason: Atom) -> None:
        """emsgsize while active: ``{tcp_error, S, emsgsize}``, then passive (item 124)."""
        self.active = False
        owner = self.node.table.get(self.owner)
        if isinstance(owner, Process):
            owner.deliver((TCP_ERROR, self.handle, reason))

    def _close_fd(self) -> None:
        self.fd_closed = True
        self._stop_reading()
        self.sock.close()

    async def recv(self, length: int, timeout: Any) -> Any:
        """``gen_tcp:recv/3``: Length is ignored in packet modes, has no upper limit, and
        ``{error, closed}`` repeats after the end of the stream (items 51, 59, 60)."""
        if self.close_reported or self.read_shut:
            return E_CLOSED
        if self.active is not False:
            return E_EINVAL
        if self.recv_waiter is not None:
            return (ERROR, EALREADY)
        if self.code != RAW_CODE:
            length = 0
        return await self._wait_recv(length, timeout)

    # -- sending -----------------------------------------------------------------------

    def send_now(self, data: Any) -> Any:
        """Never: a send on this backend always goes through `send` (it blocks)."""
        return MUST_WAIT

    async def send(self, data: Any) -> Any:
        """``gen_tcp:send/2`` without a queue: ``ok`` once the kernel took every byte;
        ``{error, {timeout, RestData}}`` when ``send_timeout`` passed first (RestData the
        bytes not sent, a binary); with ``send_timeout_close`` ``{error, timeout}`` and
        the socket closes. ``{error, closed}`` after shutdown(write) or a close; a broken
        connection gives ``closed`` (``econnreset`` with ``show_econnreset``) every time.
        Senders are served in turn. Raises for data that is not iodata (item 137)."""
        payload = socket_iodata(data)
        if self.write_shut or self.fd_closed:
            return E_CLOSED
        if self.send_error is not None:
            return self.send_error
        frame = payload if self.code == RAW_CODE else b"".join(encode_packet(self.opts["packet"], payload))
        send_timeout = self.opts.get("send_timeout", "infinity")
        seconds = _deadline_seconds(send_timeout)
        loop = self.node.loop
        deadline = None if seconds is None else loop.time() + seconds
        async with self.send_lock:
            return await self._send_all(frame, len(payload), deadline)

    async def _send_all(self, frame: bytes, size: int, deadline: float | None) -> Any:
        view = memoryview(frame)
        sent = 0
        total = len(frame)
        while sent < total:
            if not self.alive or self.fd_closed:
                return E_CLOSED
            if self.write_shut:
                return E_CLOSED
            try:
                sent += self.sock.send(view[sent:])
                continue
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as e:
                return self._send_failed(e)
            r = await self._writable(deadline)
            if r is TIMEOUT_A:
                if self.opts.get("send_timeout_close", False):
                    self.close()
                    return E_TIMEOUT
                return (ERROR, (TIMEOUT_A, bytes(view[sent:])))
            if r is not None:
                return r
        st = self.stats
        st.send_oct += size
        st.send_cnt += 1
        if size > st.send_max:
            st.send_max = size
        return OK

    def _send_failed(self, e: OSError) -> Any:
        if isinstance(e, (ConnectionResetError, BrokenPipeError)):
            reset = isinstance(e, ConnectionResetError) or self.error == ECONNRESET
            reason = ECONNRESET if reset and self.show_econnreset else CLOSED
        else:
            reason = reason_from_oserror(e)
        self.send_error = (ERROR, reason)
        return self.send_error

    async def _writable(self, deadline: float | None) -> Any:
        """Wait until the socket can take more: None, ``timeout``, or an error result."""
        loop = self.node.loop
        fut: asyncio.Future[Any] = loop.create_future()
        self.write_waiter = fut
        fd = self.sock.fileno()
        loop.add_writer(fd, _wake, fut)
        self.writing = True
        handle = loop.call_at(deadline, _wake_timeout, fut) if deadline is not None else None
        try:
            return await fut
        finally:
            if handle is not None:
                handle.cancel()
            self.write_waiter = None
            if self.writing:
                self.writing = False
                loop.remove_writer(fd)

    # -- other commands -------------------------------------------------------------------

    def shutdown(self, how: str) -> Any:
        """``gen_tcp:shutdown/2``, at once on the kernel socket (no queue to wait for)."""
        if self.fd_closed:
            return E_CLOSED
        mode = {"write": socket.SHUT_WR, "read": socket.SHUT_RD}.get(how, socket.SHUT_RDWR)
        try:
            self.sock.shutdown(mode)
        except OSError as e:
            return (ERROR, reason_from_oserror(e))
        if how != "read":
            self.write_shut = True
            w = self.write_waiter
            if w is not None and not w.done():
                w.set_result(E_CLOSED)
        if how != "write":
            self.read_shut = True
        return OK

    def controlling_process(self, caller: Pid, new_owner: Pid) -> Any:
        """``gen_tcp:controlling_process/2``: the caller's queued socket messages move
        (also after the close was reported, item 95); a dead new owner is accepted and
        then closes the socket, as its monitor fires (item 92)."""
        if self.owner != caller:
            return (ERROR, NOT_OWNER)
        if new_owner == caller:
            return OK
        me = self.node.table.get(caller)
        target = self.node.table.get(new_owner)
        if isinstance(me, Process):
            moved = me.extract(_ours(self.handle))
            if isinstance(target, Process):
                for m in moved:
                    target.deliver(m)
        self.connect_owner(new_owner)
        if not (isinstance(target, Process) and target.alive):
            self.close()
        return OK

    def setopts(self, options: Any) -> Any:
        """``inet:setopts/2`` on this backend (items 75, 154, 156, 157)."""
        return _setopts(self, options)

    def replace_opts(self, opts: dict[str, Any]) -> None:
        old = self.opts
        self.opts = opts
        self.active = opts.get("active", False)
        self._cache_opts()
        if any(old.get(k) != opts.get(k) for k in ("packet", "packet_size", "line_delimiter")):
            self._set_decoder()
        self._dispatch()

    def getopts(self, names: Any) -> Any:
        """``inet:getopts/2``: ``einval`` once the end of the stream was reported."""
        if not isinstance(names, list):
            raise ErlangError(Atom("function_clause"))
        if self.close_reported:
            return E_EINVAL
        return socket_getopts(names, self.opts, self.active, self.sock, self.family)

    def _close_resources(self) -> None:
        _unwatch(self)
        self.fd_closed = True
        w = self.recv_waiter
        self.recv_waiter = None
        if w is not None and not w[0].done():
            w[0].set_result(E_CLOSED)
        ww = self.write_waiter
        if ww is not None and not ww.done():
            ww.set_result(E_CLOSED)
        if self.writing:
            self.writing = False
            self.node.loop.remove_writer(self.sock.fileno())
        self._stop_reading()
        self.sock.close()

    def getstat(self) -> dict[str, int]:
        stats = super().getstat()
        # erl: sends of 8 and 2 bytes read back send_max 5: gen_tcp_socket reports the
        # average as the maximum; it has no queue, so nothing is pending
        stats["send_max"] = stats["send_avg"]
        stats["send_pend"] = 0
        return stats


def _wake(fut: asyncio.Future[Any]) -> None:
    if not fut.done():
        fut.set_result(None)


def _wake_timeout(fut: asyncio.Future[Any]) -> None:
    if not fut.done():
        fut.set_result(TIMEOUT_A)


def _ours(h: Any) -> Any:
    def pred(m: Any) -> bool:
        if m.__class__ is not tuple:
            return False
        n = len(m)
        if n == 3:
            return bool(m[1] == h and (m[0] == TCP or m[0] == HTTP or m[0] == TCP_ERROR))
        if n == 2:
            return bool(
                (m[1] == h and (m[0] == TCP_CLOSED or m[0] == TCP_PASSIVE))
                or (m[0] == h and m[1].__class__ is tuple and len(m[1]) == 2 and m[1][0] == DATA)
            )
        return False

    return pred


# ---------------------------------------------------------------------------------------
# The listen socket.


class SocketTcpListen(_SocketBackendPort, TcpListen):
    """A listening socket of the socket backend: ``accept(L, 0)`` never takes a pending
    connection (item 15); the owner is monitored; accepted sockets are socket-backend."""

    __slots__ = ()

    async def accept(self, timeout: Any) -> Any:
        """``gen_tcp:accept/2``; a timeout of 0 gives ``{error, timeout}`` at once."""
        if timeout == 0:
            return E_TIMEOUT
        return await super().accept(timeout)

    async def _adopt(self, me: Process, got: Any) -> Any:
        if not isinstance(got, socket.socket):
            return got
        from ._options import apply_sockopts

        try:
            err = apply_sockopts(got, self.sockopts)
        except OSError as e:
            got.close()
            return (ERROR, reason_from_oserror(e))
        if err is not None:
            got.close()
            return err
        port = SocketTcpSocket(self.node, me.handle, got, accept_port_opts(self.opts), self.family)
        await port.attach(self.node.loop, self.sockopts)
        if not port.alive:
            return E_CLOSED
        return (OK, port.handle)

    def controlling_process(self, caller: Pid, new_owner: Pid) -> Any:
        if self.owner != caller:
            return (ERROR, NOT_OWNER)
        if new_owner != caller:
            self.connect_owner(new_owner)
            target = self.node.table.get(new_owner)
            if not (isinstance(target, Process) and target.alive):
                self.close()
        return OK

    def setopts(self, options: Any) -> Any:
        return _setopts(self, options)

    def getopts(self, names: Any) -> Any:
        if not isinstance(names, list):
            raise ErlangError(Atom("function_clause"))
        return socket_getopts(names, self.opts, self.active, self.sock, self.family)

    def _close_resources(self) -> None:
        _unwatch(self)
        super()._close_resources()


# ---------------------------------------------------------------------------------------
# Options.


def socket_getopts(
    names: list[Any], opts: dict[str, Any], active: Any, sock: socket.socket, family: str
) -> Any:
    """``inet:getopts/2`` on this backend: ``line_delimiter`` readable; watermarks other
    than ``low_watermark``, ``backlog`` and ``ip`` left out; ``port``, ``binary``,
    ``list`` and unknown names fail the whole call with ``einval`` (items 9-11, 13, 165)."""
    for item in names:
        if isinstance(item, str) and (item in _UNREADABLE or (item not in OPTIONS)):
            return E_EINVAL
        if type(item) is not tuple and not isinstance(item, str):
            return E_EINVAL
    merged = dict(opts)
    merged["active"] = active
    out: list[Any] = []
    for item in names:
        if isinstance(item, str):
            if item in _LEFT_OUT:
                continue
            if item == "line_delimiter":
                out.append((Atom(item), merged.get(item, 10)))
                continue
            if item == "nodelay" and family == "local":
                continue
        r = _getopts([item], merged, sock)
        if r[0] != OK:
            return r
        out.extend(r[1])
    return (OK, out)


def _invalid_sockopt(name: str, value: Any) -> Any:
    spec = OPTIONS[name].sockopt
    level = _LEVEL_NAMES.get(spec[0], Atom("socket")) if spec is not None else Atom("socket")
    return (ERROR, (INVALID, (Atom("socket_option"), (level, Atom(_OPT_NAMES.get(name, name))), value)))


def _setopts(port: SocketTcpSocket | SocketTcpListen, options: Any) -> Any:
    """Apply `options` first to last, stopping at the first refused one and keeping those
    before it (item 157). Values gen_tcp_socket does not check are answered ``ok``
    (deviation: ignored here instead of stored, item 156)."""
    if not isinstance(options, list):
        raise ErlangError((Atom("bad_generator"), options))
    is_socket = isinstance(port, SocketTcpSocket)
    if is_socket and port.close_reported:  # type: ignore[union-attr]
        return E_EINVAL
    opts = dict(port.opts)
    old_active = port.active
    opts["active"] = old_active
    passive = False
    result: Any = OK
    sock = None if (is_socket and port.fd_closed) else port.sock  # type: ignore[union-attr]
    for opt in options:
        if not (isinstance(opt, tuple) or (isinstance(opt, str) and opt in ("binary", "list"))):
            raise Badarg(kind="exit")
        parsed = parse_setopts([opt])
        name = str(opt[0]) if isinstance(opt, tuple) and opt and isinstance(opt[0], str) else ""
        if isinstance(parsed, tuple):
            spec = OPTIONS.get(name)
            if spec is not None and SETOPTS in spec.ops:
                if spec.kind == "socket" and len(opt) == 2:
                    result = _invalid_sockopt(name, opt[1])
                    break
                if name in _UNCHECKED:
                    continue
            result = parsed
            break
        change = parsed[0]
        cname, value = change
        if cname == "buffer" and value < 0:
            result = (ERROR, (INVALID, (Atom("socket_option"), (Atom("otp"), Atom("rcvbuf")), value)))
            break
        if cname == "linger" and value[1] < 0:
            shown = {"linger": value[1], "onoff": value[0]}
            result = _invalid_sockopt("linger", shown)
            break
        if cname == "nodelay" and port.family == "local":
            result = E_ENOTSUP
            break
        buffer = opts.get("buffer")
        outcome = apply_setopts(opts, [change], sock)
        new = outcome.port_opts
        if cname == "recbuf":
            new["buffer"] = buffer  # the socket backend's buffer does not follow recbuf
        if cname == "packet":
            new["packet"] = RAW if opt[1] == "raw" else new["packet"]
        if outcome.tcp_passive:
            passive = True
        opts = new
        if outcome.result != OK:
            result = outcome.result
            break
    new_active = opts.get("active", False)
    if type(old_active) is int and new_active is False:
        passive = True  # gen_tcp_socket: {active,N} -> false sends tcp_passive (item 75)
    if isinstance(port, SocketTcpListen):
        port.sockopts = [*port.sockopts, *_listen_sockopts(options)]
    port.replace_opts(opts)
    if passive:
        port.passive_event()
    return result


def _listen_sockopts(options: list[Any]) -> list[Any]:
    out = []
    for opt in options:
        parsed = parse_setopts([opt]) if isinstance(opt, tuple) else []
        if isinstance(parsed, list):
            for name, value in parsed:
                if OPTIONS[name].kind == "socket":
                    out.append(encode_sockopt(name, value))
    return out

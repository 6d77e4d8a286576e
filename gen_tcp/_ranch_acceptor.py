"""``ranch_acceptor``: one process that accepts connections on the listen socket and
hands each to its connection supervisor.

It waits in ``accept``; gives the new socket to its connection supervisor and waits
until that one started the protocol process *and* has room for another connection
(back-pressure: at ``max_connections`` it stops accepting, the kernel backlog holds the
rest). ``emfile`` (out of file descriptors): a warning and 100 ms of rest, never a
crash loop. A closed listen socket ends it with ``closed``; other accept errors are
ignored; unexpected messages are logged and dropped.

Deviation: an acceptor whose connection supervisor died (and was restarted by its
supervisor) takes the new one from the table before handing it a socket, where Ranch's
would hand sockets to the dead one (closing them) until its next restart.
"""

from __future__ import annotations

from typing import Any, Final

import structlog

from actors import ANY, TIMEOUT, Atom, Pid, demonitor, exit, is_process_alive, monitor, receive, sleep, spawn_link

from ._ranch_conns_sup import start_protocol
from ._ranch_server import lookup

__all__ = ["start_link", "EMFILE_PAUSE_MS"]

EMFILE_PAUSE_MS: Final = 100
_INF: Final = Atom("infinity")
_log = structlog.get_logger("gen_tcp.ranch")


def start_link(ref: Any, acceptor_id: int, lsocket: Any, transport: Any) -> tuple[Atom, Pid]:
    """``ranch_acceptor:start_link``: ``("ok", pid)`` at once."""
    conns_sup = lookup(ref).conns_sup_for(acceptor_id)
    return (Atom("ok"), spawn_link(_loop, ref, acceptor_id, lsocket, transport, conns_sup))


async def _loop(ref: Any, acceptor_id: int, lsocket: Any, transport: Any, conns_sup: Pid) -> None:
    mref = monitor("process", conns_sup)
    accept, handover = transport.accept, transport.controlling_process
    while True:
        r = await accept(lsocket, _INF)
        if r[0] == "ok":
            sock = r[1]
            if not is_process_alive(conns_sup):  # restarted meanwhile: take the new one
                demonitor(mref, ["flush"])
                conns_sup = lookup(ref).conns_sup_for(acceptor_id)
                mref = monitor("process", conns_sup)
            if await handover(sock, conns_sup) == "ok":
                await start_protocol(conns_sup, mref, sock)
            else:
                await transport.close(sock)
        elif r[1] == "emfile":
            _log.warning("ranch_acceptor_reducing_accept_rate", ref=repr(ref), reason="emfile")
            await sleep(EMFILE_PAUSE_MS)
        elif r[1] == "closed":
            exit(Atom("closed"))
        while (msg := await receive(ANY, timeout=0)) is not TIMEOUT:
            _log.warning("ranch_acceptor_unexpected_message", ref=repr(ref), msg=repr(msg))

"""Erlang processes for Python: pids, mailboxes, selective receive, links, monitors.

``actors.run(main)`` starts a node and runs ``main`` as its first process; inside a
process the functions below behave as their Erlang namesakes.
"""

from __future__ import annotations

from . import _build

_build.select()  # first: the hot modules below load compiled or pure (see _build)

from ._api import (
    cancel_timer,
    demonitor,
    exit,
    is_process_alive,
    link,
    make_ref,
    monitor,
    node,
    process_flag,
    process_info,
    processes,
    receive,
    register,
    registered,
    self,
    send,
    send_after,
    sleep,
    spawn,
    spawn_link,
    spawn_monitor,
    unlink,
    unregister,
    whereis,
)
from ._dist.api import disconnect_node, monitor_node, nodes, ping
from ._etf import binary_to_term, term_to_binary
from ._match import ANY, TIMEOUT
from ._node import Node, new_event_loop, run
from ._process import Exit
from ._terms import LOCAL_NODE, Atom, Badarg, ErlangError, Pid, Ref, format_term
from . import gen_server, global_registry, peer, proc_lib, rpc, supervisor, sys  # noqa: E402 - OTP behaviours, on the API above

__all__ = [
    "ANY",
    "TIMEOUT",
    "Atom",
    "Badarg",
    "ErlangError",
    "Exit",
    "LOCAL_NODE",
    "Node",
    "Pid",
    "Ref",
    "binary_to_term",
    "cancel_timer",
    "demonitor",
    "disconnect_node",
    "exit",
    "format_term",
    "gen_server",
    "global_registry",
    "is_process_alive",
    "link",
    "make_ref",
    "monitor",
    "monitor_node",
    "new_event_loop",
    "node",
    "nodes",
    "peer",
    "ping",
    "process_flag",
    "process_info",
    "proc_lib",
    "processes",
    "receive",
    "register",
    "registered",
    "rpc",
    "run",
    "self",
    "send",
    "send_after",
    "sleep",
    "spawn",
    "spawn_link",
    "spawn_monitor",
    "supervisor",
    "sys",
    "term_to_binary",
    "unlink",
    "unregister",
    "whereis",
]

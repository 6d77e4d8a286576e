"""The shell (``python -m actors``): a REPL whose thread is a process of a running node.

The node runs on a thread of its own; the REPL's thread acts as one process of it (a
process with no coroutine of its own, see `Node.new_external_process`) through
`ProcessRunner`. Every API function is in the namespace without ``await`` (made by
`blocking_namespace`, never restated), with what the ``actors.shell`` entry points add
(``gen_tcp`` and ``inet``), the common atoms as names, and erl's shell helpers:
``flush()``, ``self()``, ``i()``, ``regs()``, ``q()``.

As in ``erl``: an exit signal that kills the shell's process prints
``** exception exit: Reason`` and the shell goes on with a fresh process (a new pid);
``exit(Reason)`` at the prompt does the same; errors Erlang raises print
``** exception error: Reason``. Ctrl-C while a call blocks (``receive()``) cancels it.
Unlike erl, a Python exception at the prompt keeps the shell's process (and mailbox).
"""

from __future__ import annotations

import builtins
import code
import datetime
import importlib.metadata
import sys
import types
from typing import Any, Callable, Final, MutableMapping, TextIO

import structlog

import actors

from ._node import Node
from ._process import Exit, Process
from ._sync import ProcessGone, ProcessRunner, blocking_namespace
from ._terms import Atom, ErlangError, format_term
from .atoms import OK

__all__ = ["Shell", "main", "ATOM_NAMES"]

ATOM_NAMES: Final = (
    "ok error true false undefined infinity normal kill killed shutdown noproc "
    "EXIT DOWN process trap_exit flush info "
    "binary active once packet raw line http http_bin httph httph_bin asn1 cdr sunrm fcgi tpkt "
    "reuseaddr reuseport nodelay keepalive linger recbuf sndbuf buffer header "
    "send_timeout send_timeout_close exit_on_close delay_send high_watermark low_watermark "
    "packet_size show_econnreset deliver backlog ip ifaddr port fd inet inet6 local "
    "inet_backend socket any loopback read write read_write "
    "tcp tcp_closed tcp_error tcp_passive closed timeout eof econnrefused econnreset "
    "eaddrinuse einval enotconn"
).split()

EXCLUDED: Final = ("run", "new_event_loop")  # they start nodes of their own


def _shadows_builtin(name: str) -> bool:
    return hasattr(builtins, name) or name in {"true", "false"}


class Shell(code.InteractiveConsole):
    """The REPL: runs each statement with the runner's process as ``self()``."""

    def __init__(self, node: Node, out: TextIO | None = None) -> None:
        self.node = node
        self.out = out or sys.stdout
        self.runner = ProcessRunner(node, "shell")
        super().__init__(self._namespace(), filename="<shell>")

    # -- the namespace ------------------------------------------------------------------

    def _namespace(self) -> dict[str, Any]:
        ns: dict[str, Any] = {"__name__": "__shell__", "__doc__": None}
        for name in ATOM_NAMES:
            if not _shadows_builtin(name):
                ns[name] = Atom(name)
        sync_actors = blocking_namespace(actors, self.runner, exclude=EXCLUDED)
        ns["actors"] = sync_actors
        ns.update({n: getattr(sync_actors, n) for n in actors.__all__ if n not in EXCLUDED})
        # Layers above actors (gen_tcp) add their names through the "actors.shell"
        # entry points: ``extend(namespace, wrap)``, wrap making a module synchronous.
        for ep in importlib.metadata.entry_points(group=SHELL_EXTENSIONS):
            ep.load()(ns, lambda module: blocking_namespace(module, self.runner))
        ns.update(flush=self.flush, i=self.i, regs=self.regs, q=self.q)
        return ns

    # -- erl's shell helpers ------------------------------------------------------------

    def _on_loop(self, fn: Callable[[], Any]) -> Any:
        self._renew_if_dead()
        return self.node.call_soon(fn)

    def flush(self) -> Atom:
        """``flush()``: print and drop every message in the shell's mailbox; ``ok``."""
        proc = self.runner.process
        for msg in self._on_loop(lambda: proc.extract(lambda m: True)):
            print(f"Shell got {format_term(msg)}", file=self.out)
        return OK

    def i(self) -> Atom:
        """``i()``: one line per process: pid, initial call, messages, status, name."""

        def collect() -> list[tuple[str, str, int, str, str]]:
            rows = []
            me = self.runner.process
            for p in sorted(self.node.processes(), key=lambda p: p.handle):
                status = "running" if p is me else _status(p)
                call = "{}:{}/{}".format(*p.initial_call)
                rows.append((repr(p.handle), call, p.queue_len(), status, p.name or ""))
            return rows

        rows = self._on_loop(collect)
        print(f"{'Pid':<12} {'Initial Call':<44} {'Msgs':>5} {'Status':<9} Registered", file=self.out)
        for pid, call, msgs, status, name in rows:
            print(f"{pid:<12} {call:<44} {msgs:>5} {status:<9} {name}", file=self.out)
        print(f"Total: {len(rows)} processes", file=self.out)
        return OK

    def regs(self) -> Atom:
        """``regs()``: the registered processes: name, pid, initial call, messages."""

        def collect() -> list[tuple[str, str, str, int]]:
            rows = []
            for name, h in sorted(self.node.names.items()):
                p = self.node.table.get(h)
                if isinstance(p, Process):
                    call = "{}:{}/{}".format(*p.initial_call)
                    rows.append((name, repr(h), call, p.queue_len()))
            return rows

        rows = self._on_loop(collect)
        print(f"** Registered procs on node {self.node.name} **", file=self.out)
        print(f"{'Name':<24} {'Pid':<12} {'Initial Call':<44} {'Msgs':>5}", file=self.out)
        for name, pid, call, msgs in rows:
            print(f"{name:<24} {pid:<12} {call:<44} {msgs:>5}", file=self.out)
        return OK

    def q(self) -> None:
        """``q()``: leave the shell (and stop the node)."""
        raise SystemExit(0)

    # -- running statements -------------------------------------------------------------

    def _exception_exit(self, reason: Any) -> None:
        print(f"** exception exit: {_format_reason(reason)}", file=self.out)

    def _renew_if_dead(self) -> None:
        try:
            self.runner.check()
        except ProcessGone as e:
            self._exception_exit(e.reason)

    def runcode(self, code: types.CodeType) -> None:
        self._renew_if_dead()
        try:
            exec(code, self.locals)
        except SystemExit:
            raise
        except ProcessGone as e:
            self._exception_exit(e.reason)
        except Exit as e:  # exit(Reason) at the prompt ends the shell's process
            self.runner.exit_process(e.reason)
            self._renew_if_dead()
        except ErlangError as e:
            print(f"** exception {e.kind}: {_format_reason(e.reason)}", file=self.out)
        except KeyboardInterrupt:
            print("KeyboardInterrupt (call cancelled)", file=self.out)
        except BaseException:
            self.showtraceback()
        # let what the statement set off run (a linked crash), then report a death;
        # a node busy for long (a process that never awaits) must not hang the prompt
        try:
            self.node.call_soon(lambda: None, timeout=BARRIER_SECONDS)
        except TimeoutError:
            print("** the node is busy (a process that never awaits?)", file=self.out)
            return
        self._renew_if_dead()


def _format_reason(reason: Any) -> str:
    """A reason as erl prints it; a plain str given as a reason is shown as the atom."""
    if type(reason) is str:
        reason = Atom(reason)
    return format_term(reason)


def _status(p: Process) -> str:
    if p.recv_wait or p.awaiting is not None:
        return "waiting"
    return "runnable"


def _erl_like_renderer(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> str:
    """Render log events for the shell; a crash as erl's error report."""
    now = datetime.datetime.now().strftime("%d-%b-%Y::%H:%M:%S.%f")
    if event.get("event") == "process_crashed":
        return (
            f"=ERROR REPORT==== {now} ===\n"
            f"Error in process {event.get('pid')} with exit value:\n"
            f"{event.get('traceback', event.get('reason'))}"
        )
    level = event.pop("level", "info")
    name = event.pop("event", "")
    rest = " ".join(f"{k}={v}" for k, v in event.items())
    return f"=={level.upper()} REPORT==== {now} ===\n{name} {rest}"


def configure_logging(stream: TextIO | None = None) -> None:
    """Log as the shell shows it: erl-style reports on stderr."""
    structlog.configure(
        processors=[structlog.processors.add_log_level, _erl_like_renderer],
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )


BARRIER_SECONDS: Final = 5.0
"""How long the prompt waits for the node to settle after a statement."""

SHELL_EXTENSIONS: Final = "actors.shell"
"""The entry-point group through which other packages add names to the shell."""

BANNER: Final = (
    "actors shell on node {node} (Python {py}). The calling thread is process {pid}.\n"
    "Every API function works without await: spawn, send, receive, link, monitor, ...\n"
    "flush(), self(), i(), regs() as in erl; q() or Ctrl-D quits; Ctrl-C cancels a call."
)


def main(argv: list[str] | None = None) -> int:
    """Run the shell until Ctrl-D or ``q()``; returns the exit status."""
    configure_logging()
    node = Node().start()
    try:
        shell = Shell(node)
        banner = BANNER.format(
            node=node.name, py=sys.version.split()[0], pid=repr(shell.runner.process.handle)
        )
        try:
            shell.interact(banner=banner, exitmsg="")
        except SystemExit as e:
            return int(e.code or 0)
        return 0
    finally:
        node.stop()

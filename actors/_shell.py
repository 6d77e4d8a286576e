"""The shell (``python -m actors``): a REPL whose thread is a process of a running node.

The node runs on a thread of its own; the REPL's thread acts as one process of it (a
process with no coroutine of its own, see `Node.new_external_process`) through
`ProcessRunner`. Every API function is in the namespace without ``await`` (made by
`blocking_namespace`, never restated), with what the ``actors.shell`` entry points add
(``gen_tcp`` and ``inet``), the common atoms as names, and erl's shell commands
(`actors._shell_cmds`). ``import actors`` at the prompt gives the same synchronous
modules. Top-level ``await`` runs a coroutine as the shell's process, so what it opens
(a listen socket) belongs to the shell, as after ``echo:start()`` in erl.

As in ``erl``: prompts are numbered (``v(N)`` is the value of command N); results,
``flush()`` and ``i()`` print terms in Erlang's notation; an exit signal that kills the
shell's process prints ``** exception exit: Reason`` and the shell goes on with a fresh
process; errors print as ``** exception error: ...`` in one line (``tb()`` shows the
Python traceback). Ctrl-C cancels a blocking call. A process step that holds the loop
for longer than the step limit is killed by the watchdog (`actors._watchdog`).
Unlike erl, a Python exception at the prompt keeps the shell's process (and mailbox).
"""

from __future__ import annotations

import argparse
import ast
import builtins
import code
import concurrent.futures
import importlib.metadata
import inspect
import os
import signal
import sys
import traceback
import types
from typing import Any, Final, TextIO

import actors

from ._node import Node
from ._process import Exit
from ._shell_cmds import Commands, Quit
from ._shell_term import PromptSafe, Terminal
from ._sync import ProcessGone, ProcessRunner, SyncModule, blocking_namespace
from ._terms import Atom, ErlangError, format_term
from ._watchdog import Watchdog
from .atoms import EXIT
from .logs import configure_shell_logging

__all__ = ["Shell", "main", "ATOM_NAMES", "parse_args"]

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

BARRIER_SECONDS: Final = 1.0
"""How long the prompt waits for the node to settle after a statement."""

SHELL_EXTENSIONS: Final = "actors.shell"
"""The entry-point group through which other packages add names to the shell."""


def _shadows_builtin(name: str) -> bool:
    return hasattr(builtins, name) or name in {"true", "false"}


class Shell(code.InteractiveConsole):
    """The REPL: runs each statement with the runner's process as ``self()``."""

    def __init__(self, node: Node, out: TextIO | PromptSafe | None = None) -> None:
        self.node = node
        self.out = out or sys.stdout
        self.runner = ProcessRunner(node, "shell")
        self.commands = Commands(self)
        self.results: dict[int, Any] = {}
        self.count = 0  # the number of the command being run
        self.last_exc: BaseException | None = None
        self.prompt_stream: PromptSafe | None = None
        self.modules: dict[str, SyncModule] = {}
        super().__init__(self._namespace(), filename="<shell>")
        self.compile.compiler.flags |= ast.PyCF_ALLOW_TOP_LEVEL_AWAIT

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
        self.modules = {v.__name__: v for v in ns.values() if isinstance(v, SyncModule)}
        for name, module in self.modules.items():  # gen_tcp.inet as an attribute too
            parent, _, leaf = name.rpartition(".")
            if parent in self.modules and not hasattr(self.modules[parent], leaf):
                setattr(self.modules[parent], leaf, module)
        commands = self.commands.names(sync_actors.exit)
        ns.update(commands)
        ns["__builtins__"] = dict(vars(builtins), __import__=self._import, **commands)
        return ns

    def _import(self, name: str, globals: Any = None, locals: Any = None,
                fromlist: Any = (), level: int = 0) -> Any:
        """``import actors`` (or gen_tcp, inet) at the prompt: the synchronous module
        the prompt already offers; any other import as usual."""
        module = builtins.__import__(name, globals, locals, fromlist, level)
        if level == 0 and globals is self.locals:
            key = name if fromlist else name.partition(".")[0]
            return self.modules.get(key, module)
        return module

    # -- running statements -------------------------------------------------------------

    def on_loop(self, fn: Any) -> Any:
        """Run plain ``fn()`` on the loop thread; its result."""
        self._renew_if_dead()
        return self.node.call_soon(fn)

    def raw_input(self, prompt: str = "") -> str:
        if prompt == sys.ps1:
            prompt = f"{self.count + 1}> "
        safe = self.prompt_stream
        if safe is not None:
            safe.prompt = prompt
        try:
            return input(prompt)
        finally:
            if safe is not None:
                safe.prompt = None

    def display(self, value: Any) -> None:
        """Print a result in Erlang's notation and keep it for ``v(N)``."""
        if value is None:
            return
        self.results[self.count] = value
        if inspect.iscoroutine(value):
            value.close()
            print("** a coroutine, not run: write await before the call to run it as the "
                  "shell's process", file=self.out)
            return
        print(format_term(value), file=self.out)

    def _exception_exit(self, reason: Any) -> None:
        print(f"** exception exit: {_format_reason(reason)}", file=self.out)

    def _renew_if_dead(self) -> None:
        try:
            self.runner.check()
        except ProcessGone as e:
            self._exception_exit(e.reason)

    def showsyntaxerror(self, filename: str | None = None, **kwargs: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is not None:
            self.last_exc = exc
            line = traceback.format_exception_only(exc)[-1].strip()
            print(f"** syntax error: {line}", file=self.out)

    def _failed(self, exc: BaseException, reason: Any) -> None:
        """As erl: the value of a failed command is ``{'EXIT', Reason}`` (for v(N))."""
        self.last_exc = exc
        self.results[self.count] = (EXIT, reason)

    def runcode(self, code: types.CodeType) -> None:
        self.count += 1
        self._renew_if_dead()
        hook, sys.displayhook = sys.displayhook, self.display
        try:
            if code.co_flags & inspect.CO_COROUTINE:
                self.runner.call(types.FunctionType(code, self.locals))
            else:
                exec(code, self.locals)
        except SystemExit:
            raise
        except ProcessGone as e:
            self._exception_exit(e.reason)
        except Exit as e:  # exit(Reason) at the prompt ends the shell's process
            self.runner.exit_process(e.reason)
            self._renew_if_dead()
        except ErlangError as e:
            self._failed(e, e.reason)
            print(f"** exception {e.kind}: {_format_reason(e.reason)}", file=self.out)
        except (KeyboardInterrupt, concurrent.futures.CancelledError):
            print("KeyboardInterrupt (call cancelled)", file=self.out)
        except BaseException as e:
            self._failed(e, e)
            print(f"** exception error: {_one_line(e)}", file=self.out)
        finally:
            sys.displayhook = hook
        # let what the statement set off run (a linked crash), then report a death;
        # a node busy for long (a process that never awaits) must not hang the prompt
        try:
            self.node.call_soon(lambda: None, timeout=BARRIER_SECONDS)
        except TimeoutError:
            print("** the node is busy (a process that never awaits?)", file=self.out)
            return
        self._renew_if_dead()


def _one_line(exc: BaseException) -> str:
    text = traceback.format_exception_only(exc)[0].strip().replace("\n", " ")
    return text + "  (tb() shows where)"


def _format_reason(reason: Any) -> str:
    """A reason as erl prints it; a plain str given as a reason is shown as the atom."""
    if type(reason) is str:
        reason = Atom(reason)
    return format_term(reason)


BANNER: Final = (
    "actors shell on node {node} (Python {py}). The calling thread is process {pid}.\n"
    "Every API function works without await: spawn, send, receive, link, monitor, ...\n"
    "help() lists the shell's commands; q(), exit() or Ctrl-D quits; Ctrl-C cancels a call."
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m actors",
        description="The actors shell: a Python REPL whose thread is a process of a running "
        "node, with erl's shell commands (help() at the prompt lists them).",
        epilog="History is kept in ~/.erlports_history (ACTORS_SHELL_HISTORY names another "
        "file; set it empty to keep none).",
    )
    p.add_argument("-sname", metavar="NAME", help="a distributed node with a short name (NAME@host)")
    p.add_argument("-name", metavar="NAME", help="a distributed node with a long name (NAME@host.domain)")
    p.add_argument("-setcookie", metavar="COOKIE", help="the cluster's cookie (default: "
                   "ACTORS_COOKIE, else ~/.erlang.cookie)")
    p.add_argument("-address", metavar="IP", help="the IPv4 address the node and its port mapper "
                   "listen on, for nodes on other hosts (default: loopback)")
    p.add_argument("-noshell", action="store_true", help="run the node without a shell, until "
                   "SIGTERM or Ctrl-C")
    p.add_argument("--halt-on-eof", action="store_true", help=argparse.SUPPRESS)  # peer nodes
    p.add_argument(
        "--step-limit", type=float, default=5.0, metavar="SECONDS",
        help="kill a process whose step holds the node longer than this (never awaits); "
        "0 turns the watchdog off (default 5)",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the shell until Ctrl-D or ``q()``; returns the exit status."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.sname and args.name:
        print("python -m actors: -sname and -name cannot be used together", file=sys.stderr)
        return 2
    if args.noshell:
        configure_shell_logging(sys.stderr)  # stdout carries only the "up" line
    try:
        node = Node(args.sname or args.name, cookie=args.setcookie, longnames=bool(args.name),
                    address=args.address).start()
    except Exception as e:  # noqa: BLE001 - a bad name or a node that cannot start: one line
        print(f"python -m actors: cannot start the node: {_one_line(e)}", file=sys.stderr)
        return 1
    if args.noshell:
        return run_noshell(node, args.halt_on_eof)
    out = PromptSafe(sys.stdout, Terminal({}))
    err = PromptSafe(sys.stderr, out.terminal)
    configure_shell_logging(err)
    watchdog = Watchdog(node, args.step_limit, lambda text: print(text, file=err)).start()
    saved = sys.stdout, signal.getsignal(signal.SIGINT)
    try:
        shell = Shell(node, out)
        shell.prompt_stream = out
        terminal = out.terminal = Terminal(shell.locals)
        err.terminal = terminal

        def on_sigint(signum: int, frame: Any) -> None:
            watchdog.urgent()  # a process holding the node is killed at once
            raise KeyboardInterrupt

        sys.stdout = out
        signal.signal(signal.SIGINT, on_sigint)
        banner = BANNER.format(
            node=node.name, py=sys.version.split()[0], pid=repr(shell.runner.process.handle)
        )
        try:
            shell.interact(banner=banner, exitmsg="")
        except SystemExit as e:
            return int(e.code or 0) if not isinstance(e, Quit) else 0
        finally:
            terminal.save()
        return 0
    finally:
        sys.stdout = saved[0]
        watchdog.urgent()
        node.stop()
        watchdog.stop()
        signal.signal(signal.SIGINT, saved[1])


def run_noshell(node: Node, halt_on_eof: bool) -> int:
    """``-noshell``: the node runs until SIGTERM or SIGINT (or, for a peer node, until
    its standard input closes: its parent is gone). Prints one line when it is up."""
    import threading

    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: done.set())
    if halt_on_eof:
        def watch_stdin() -> None:
            try:  # the raw descriptor: a buffered stdin's lock would hold up the exit
                while os.read(0, 4096):
                    pass
            except OSError:
                pass
            done.set()

        threading.Thread(target=watch_stdin, name="stdin watch", daemon=True).start()
    print(f"actors node {node.name} up", flush=True)
    try:
        while not done.wait(3600):
            pass
    finally:
        node.stop()
    return 0

"""The shell's own commands, as erl's shell has them: ``flush()``, ``i()``, ``regs()``,
``pid(0, N, 0)``, ``v(N)``, ``h()``/``help()``, ``tb()``, ``q()``, ``exit()``/``quit()``.

Every value they print goes through `format_term`, the notation of results, of
``flush()`` and of ``i()`` alike (``{tcp,#Port<0.3>,<<"hi">>}``).
"""

from __future__ import annotations

import builtins
import inspect
import threading
import traceback
from typing import TYPE_CHECKING, Any, Callable, Final

from ._process import Process
from ._sync import SyncModule
from ._terms import Atom, Pid, all_known_nodes, format_term, node_index
from .atoms import OK

if TYPE_CHECKING:
    from ._shell import Shell

__all__ = ["Commands", "COMMANDS", "Quit", "internal_frame"]

COMMANDS: Final = """\
Shell commands (erl's, and Python's where erl has none):
  flush()          print and drop every message in the shell's mailbox
  self()           the shell's pid (a fresh one after its process died)
  i()              every process: pid, initial call, queued messages, status
  regs()           the registered processes
  ni(), nregs()    i() and regs() of every node of the cluster (a named node: -sname)
  pid(0, N, 0)     the pid <0.N.0> (pid(X, N, 0): of the node printed as X)
  v(N)             the value of command N (v(-1): the previous one)
  tb()             the Python traceback of the last error, without the shell's frames
  help(X)          what X is: help(gen_tcp) lists what the prompt offers
  h(), help()      this text
  q(), exit(), quit(), Ctrl-D   leave the shell (the node stops)
At the prompt every API function runs without await, as the shell's process; await
works too (ls = await mymodule.start() runs your coroutine as the shell's process).
exit(Reason) ends the shell's process as in erl; exit(Pid, Reason) sends an exit signal.
Ctrl-C cancels a call, and kills a process that holds the node (never awaits)."""

_INTERNAL: Final = ("/actors/_", "/concurrent/futures/", "/code.py", "/asyncio/")


def internal_frame(filename: str) -> bool:
    """A frame of the runtime or the shell, hidden from user tracebacks."""
    return any(part in filename for part in _INTERNAL)


class Quit(SystemExit):
    """``q()``: leave the shell."""


class _ExitCommand:
    """``exit``/``quit``: with no argument, leave; with arguments, Erlang's exit/1,2."""

    def __init__(self, name: str, erlang_exit: Callable[..., Any] | None, commands: Commands) -> None:
        self.name = name
        self.erlang_exit = erlang_exit
        self.commands = commands

    def __call__(self, *args: Any) -> Any:
        if threading.current_thread() is not threading.main_thread():
            # in a process defined at the prompt: Erlang's exit/1,2 only, never a quit
            if self.erlang_exit is None or not args:
                raise TypeError(f"{self.name}() with no argument leaves the shell; in a process use exit(Reason)")
            return self.erlang_exit(*args)
        if not args or self.erlang_exit is None:
            return self.commands.q()
        return self.erlang_exit(*args)

    def __repr__(self) -> str:
        return f"Use {self.name}(), q() or Ctrl-D to leave the shell"


class Commands:
    """The commands, bound to one shell."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    def names(self, erlang_exit: Callable[..., Any]) -> dict[str, Any]:
        return {
            "flush": self.flush,
            "i": self.i,
            "regs": self.regs,
            "ni": self.ni,
            "nregs": self.nregs,
            "q": self.q,
            "pid": self.pid,
            "v": self.v,
            "h": self.help,
            "help": self.help,
            "tb": self.tb,
            "exit": _ExitCommand("exit", erlang_exit, self),
            "quit": _ExitCommand("quit", None, self),
        }

    def _print(self, text: str) -> None:
        print(text, file=self.shell.out)

    def flush(self) -> Atom:
        """``flush()``: print and drop every message in the shell's mailbox; ``ok``."""
        proc = self.shell.runner.process
        for msg in self.shell.on_loop(lambda: proc.extract(lambda m: True)):
            self._print(f"Shell got {format_term(msg)}")
        return OK

    def i(self) -> Atom:
        """``i()``: one line per process: pid, initial call, messages, status, name."""
        me = self.shell.runner.process

        def collect() -> list[tuple[str, str, int, str, str]]:
            rows = []
            for p in sorted(self.shell.node.processes(), key=lambda p: p.handle):
                status = "running" if p is me else _status(p)
                rows.append((format_term(p.handle), _call(p), p.queue_len(), status, p.name or ""))
            return rows

        rows = self.shell.on_loop(collect)
        self._print(f"{'Pid':<12} {'Initial Call':<44} {'Msgs':>5} {'Status':<9} Registered")
        for p, call, msgs, status, name in rows:
            self._print(f"{p:<12} {call:<44} {msgs:>5} {status:<9} {name}")
        self._print(f"Total: {len(rows)} processes")
        return OK

    def regs(self) -> Atom:
        """``regs()``: the registered processes: name, pid, initial call, messages."""
        node = self.shell.node

        def collect() -> list[tuple[str, str, str, int]]:
            rows = []
            for name, h in sorted(node.names.items()):
                p = node.table.get(h)
                if isinstance(p, Process):
                    rows.append((name, format_term(h), _call(p), p.queue_len()))
            return rows

        rows = self.shell.on_loop(collect)
        self._print(f"** Registered procs on node {node.name} **")
        self._print(f"{'Name':<24} {'Pid':<12} {'Initial Call':<44} {'Msgs':>5}")
        for name, p, call, msgs in rows:
            self._print(f"{name:<24} {p:<12} {call:<44} {msgs:>5}")
        return OK

    def _cluster(self, fn: Callable[[], Any]) -> list[tuple[str, Any]]:
        """``fn()`` on this node and every connected node (by rpc): (node, result)."""
        api = self.shell.locals["actors"]
        return [(str(n), api.rpc.call(n, fn, [], 10000)) for n in [api.node(), *api.nodes()]]

    def ni(self) -> Atom:
        """``ni()``: ``i()`` for every node of the cluster."""
        for node, rows in self._cluster(process_rows):
            self._print(f"** Processes on node {node} **")
            if not isinstance(rows, list):
                self._print(f"   {format_term(rows)}")
                continue
            self._print(f"{'Pid':<14} {'Initial Call':<44} {'Msgs':>5} {'Status':<9} Registered")
            for p, call, msgs, status, name in rows:
                self._print(f"{p:<14} {call:<44} {msgs:>5} {status:<9} {name}")
        return OK

    def nregs(self) -> Atom:
        """``nregs()``: ``regs()`` for every node of the cluster."""
        for node, rows in self._cluster(registered_rows):
            self._print(f"** Registered procs on node {node} **")
            if not isinstance(rows, list):
                self._print(f"   {format_term(rows)}")
                continue
            for name, p in rows:
                self._print(f"{name:<24} {p}")
        return OK

    def pid(self, x: int, y: int, z: int) -> Pid:
        """``pid(X, N, S)``: the pid ``<X.N.S>``: X 0 for this node's, else the number this
        node prints for another node."""
        if x == 0:
            return Pid(self.shell.node.name, y, z)
        for name in all_known_nodes():
            if node_index(name) == x:
                return Pid(name, y, z)
        raise ValueError(f"no node is printed as {x} here")

    def q(self) -> None:
        """``q()``: leave the shell (and stop the node)."""
        raise Quit(0)

    def v(self, n: int) -> Any:
        """``v(N)``: the value command N returned; ``v(-1)`` the previous command's."""
        results = self.shell.results
        key = self.shell.count + n if n < 0 else n
        if key not in results:
            raise LookupError(f"no value for command {n}")
        return results[key]

    def help(self, *what: Any) -> Any:
        """``help()``/``h()``: the shell's commands; ``help(X)``: what X is."""
        if not what:
            self._print(COMMANDS)
            return None
        (obj,) = what
        if isinstance(obj, SyncModule):
            self._print(describe(obj))
            return None
        return builtins.help(obj)

    def tb(self) -> None:
        """``tb()``: the Python traceback of the last error, the shell's frames left out."""
        exc = self.shell.last_exc
        if exc is None:
            self._print("no error yet")
            return
        self._print(format_user_traceback(exc))


def process_rows() -> list[tuple[str, str, int, str, str]]:
    """``i()``'s rows for the node this runs on (on its loop; also by rpc from a shell)."""
    from ._process import current_or_none

    me = current_or_none()
    if me is None:
        raise RuntimeError("process_rows runs as a process")
    rows = []
    for p in sorted(me.node.processes(), key=lambda p: p.handle):
        status = "running" if p is me else _status(p)
        rows.append((format_term(p.handle), _call(p), p.queue_len(), status, p.name or ""))
    return rows


def registered_rows() -> list[tuple[str, str]]:
    """``regs()``'s names and pids for the node this runs on."""
    from ._process import current

    node = current().node
    return [(str(name), format_term(h)) for name, h in sorted(node.names.items())]


def format_user_traceback(exc: BaseException) -> str:
    tb = exc.__traceback__
    frames = [f for f in traceback.extract_tb(tb) if not internal_frame(f.filename)]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(exc)
    return "".join(lines).rstrip("\n")


def describe(module: SyncModule) -> str:
    """``help(gen_tcp)`` at the prompt: the module's summary and its names as the prompt
    offers them (functions without await, with their signatures and first doc lines)."""
    doc = inspect.cleandoc(module.__doc__ or "").split("\n\n")[0]
    out = [f"{module.__name__} at the shell prompt: {doc}", "",
           "Every function runs without await, as the shell's process (await works too).", ""]
    for name, value in sorted(vars(module).items()):
        if name.startswith("_"):
            continue
        if callable(value) and not isinstance(value, type):
            try:
                sig = str(inspect.signature(value))
            except (TypeError, ValueError):
                sig = "(...)"
            first = (inspect.getdoc(value) or "").split("\n")[0]
            out.append(f"  {name}{sig}\n      {first}")
        elif isinstance(value, SyncModule):
            out.append(f"  {name}: module (help({module.__name__}.{name}))")
        elif isinstance(value, type):
            out.append(f"  {name}: class")
    out.append("")
    out.append(f"help({module.__name__}.NAME) shows one function in full.")
    return "\n".join(out)


def _call(p: Process) -> str:
    return "{}:{}/{}".format(*p.initial_call)


def _status(p: Process) -> str:
    if p.recv_wait or p.awaiting is not None:
        return "waiting"
    return "runnable"



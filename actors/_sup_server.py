"""The supervisor process: OTP 25's supervisor as a `gen_server` callback object.

`Supervisor` starts the children in ``init``, turns each child's ``EXIT`` into what its
restart type and the strategy say (restart, forget, auto_shutdown, or stop with
``shutdown`` past the restart intensity), and stops the children in ``terminate``.
Its child functions come from `actors._sup_calls`; see `actors.supervisor`.
"""

from __future__ import annotations

from typing import Any, Final

from . import _sup_child as sc
from . import gen_server
from ._api import process_flag, send
from ._process import current
from ._api import self as _me
from ._sup_calls import RESTARTING, SOFO, Calls
from ._sup_spec import Child, Flags, SpecError, check_flags, check_specs
from ._terms import Atom
from .atoms import ERROR, EXIT, IGNORE, OK, SHUTDOWN, UNDEFINED

__all__ = ["Supervisor"]

_TRY_AGAIN: Final = Atom("try_again_restart")


# -- the supervisor process -------------------------------------------------------------


class _Stop(Exception):
    pass


class Supervisor(Calls):
    """The gen_server callback module of one supervisor; its state is itself."""

    def __init__(self) -> None:
        self.name: Any = None
        self.module: Any = None
        self.flags = Flags(Atom("one_for_one"), 1, 5, Atom("never"))
        self.children: list[Child] = []  # static children, in start order
        self.dynamic: dict[Any, Child] = {}  # simple_one_for_one: pid (or child) -> child
        self.template: Child | None = None
        self.restarts: list[float] = []

    def format_status(self, opt: Any, data: list[Any]) -> Any:
        """``sys:get_status``'s part for a supervisor, as OTP's: its state and module."""
        return [(Atom("data"), [("State", data[1])]), (Atom("supervisor"), [("Callback", self.module)])]

    async def init(self, a: tuple[Any, Any, Any]) -> Any:
        module, args, name = a
        process_flag("trap_exit", True)
        self.name = name if name is not None else (_me(), module)
        self.module = module
        r = await gen_server.apply(getattr(module, "init"), args)
        if r == IGNORE:
            return IGNORE
        if not (r.__class__ is tuple and len(r) == 2 and r[0] == OK and r[1].__class__ is tuple and len(r[1]) == 2):
            return ("stop", (Atom("bad_return"), (module, Atom("init"), r)))
        flags, specs = r[1]
        try:
            self.flags = check_flags(flags)
        except SpecError as e:
            return ("stop", e.term)
        try:
            children = check_specs(specs, self.flags.auto_shutdown)
        except SpecError as e:
            return ("stop", ("start_spec", e.term))
        if self.flags.strategy == SOFO:
            if len(children) != 1:
                return ("stop", ("bad_start_spec", specs))
            self.template = children[0]
            return (OK, self)
        for c in children:
            r = await sc.start(c)
            if r.__class__ is tuple and r[0] == ERROR:
                sc.report(self.name, "start_error", r[1], c.report())
                await self._stop_children(self.children)
                return ("stop", (SHUTDOWN, ("failed_to_start_child", c.id, r[1])))
            self._started(c, r)
        return (OK, self)

    def _started(self, c: Child, r: Any) -> None:
        """Record the start result `r` (ok or ignore) of static child `c`."""
        if r == IGNORE:
            c.pid = UNDEFINED
            if c.restart == "temporary":
                if c in self.children:
                    self.children.remove(c)
                return
        else:
            c.pid = r[1]
            sc.progress(self.name, c)
        if c not in self.children:
            self.children.append(c)

    def handle_cast(self, msg: Any, st: Any) -> Any:
        return ("noreply", self)

    # -- exits ----------------------------------------------------------------------

    async def handle_info(self, msg: Any, st: Any) -> Any:
        try:
            if msg.__class__ is tuple and len(msg) == 3 and msg[0] == EXIT:
                await self._exited(msg[1], msg[2])
            elif msg.__class__ is tuple and len(msg) == 2 and msg[0] == _TRY_AGAIN:
                c = msg[1]
                if c.pid == RESTARTING and (c in self.children or self.dynamic.get(c) is c):
                    await self._restart(c)
            else:
                sc.report(self.name, "unexpected_message", msg, None)
        except _Stop:
            return ("stop", SHUTDOWN, self)
        return ("noreply", self)

    async def _exited(self, pid: Any, reason: Any) -> None:
        c = self.dynamic.pop(pid, None) if self.template is not None else self._find(pid)
        if c is None:
            return
        if c.restart == "permanent" or not gen_server.is_normal(reason):
            sc.report(self.name, "child_terminated", reason, c.report())  # with its pid
        if c.restart == "permanent" or (c.restart == "transient" and not gen_server.is_normal(reason)):
            await self._restart(c)
            return
        c.pid = UNDEFINED
        if self.template is None and c.restart == "temporary":
            self.children.remove(c)
        if self._auto_shutdown(c):
            raise _Stop()

    def _auto_shutdown(self, c: Child) -> bool:
        mode = self.flags.auto_shutdown
        if mode == "never" or not c.significant:
            return False
        if mode == "any_significant":
            return True
        kids = self.dynamic.values() if self.template is not None else self.children
        return not any(k.significant and k.running for k in kids)

    def _add_restart(self) -> bool:
        """Count a restart; False when that is more than `intensity` within `period`."""
        now = current().node.loop.time()
        threshold = now - self.flags.period
        self.restarts = [t for t in self.restarts if t >= threshold]
        self.restarts.append(now)
        return len(self.restarts) <= self.flags.intensity

    async def _restart(self, c: Child) -> None:
        if not self._add_restart():
            sc.report(self.name, "shutdown", Atom("reached_max_restart_intensity"), c.report())
            c.pid = UNDEFINED
            raise _Stop()
        c.pid = UNDEFINED  # it ended (or its last restart failed)
        strategy = self.flags.strategy
        if strategy == SOFO:
            self.dynamic.pop(c, None)  # a retry
            r = await sc.start(c, c.args)
            if r.__class__ is tuple and r[0] == OK:
                c.pid = r[1]
                self.dynamic[c.pid] = c
                sc.progress(self.name, c)
            elif r == IGNORE:
                c.pid = UNDEFINED
            else:
                self._failed(c, r[1])
                self.dynamic[c] = c
            return
        if strategy == "one_for_one":
            group = [c]
        else:
            i = self.children.index(c)
            group = self.children if strategy == "one_for_all" else self.children[i:]
            others = [k for k in group if k is not c]
            await self._stop_children(others)
            for k in others:
                if k.restart == "temporary":
                    self.children.remove(k)
            group = [k for k in group if k in self.children]
        for k in group:
            r = await sc.start(k)
            if r.__class__ is tuple and r[0] == ERROR:
                self._failed(k, r[1])
                return
            self._started(k, r)

    def _failed(self, c: Child, reason: Any) -> None:
        """A restart of `c` failed: report it and try again later (as OTP does)."""
        sc.report(self.name, "start_error", reason, c.report())
        c.pid = RESTARTING
        send(_me(), (_TRY_AGAIN, c))

    async def _stop_children(self, children: list[Child]) -> None:
        for k in reversed(children):
            if k.running:
                await sc.shutdown(self.name, k)
                k.pid = UNDEFINED

    async def terminate(self, reason: Any, st: Any) -> None:
        if self.template is not None:
            await sc.shutdown_all(self.name, list(self.dynamic.values()))
        else:
            await self._stop_children(self.children)


"""``supervisor``: OTP's supervisor, a `gen_server` that starts, watches and restarts
children, with OTP 25's strategies, restart types, results and errors (checked with
``erl``).

``module.init(args)`` returns ``("ok", (flags, [child_spec, ...]))`` or ``"ignore"``;
flags and child specs are dicts with OTP's keys and defaults (see `actors._sup_spec`).

- Strategies: ``one_for_one``; ``one_for_all`` (the others are stopped in reverse start
  order, then all start again in order); ``rest_for_one`` (the same for the children
  started after the one that ended); ``simple_one_for_one`` (one spec, children added
  with `start_child(sup, extra_args)`).
- Restart types: ``permanent`` always restarted; ``transient`` restarted unless it ends
  with ``normal``, ``shutdown`` or ``("shutdown", _)``; ``temporary`` never (and its
  spec goes). More than `intensity` restarts within `period` seconds: the supervisor
  stops its children and exits with ``shutdown``. A restart that fails is tried again
  (each try counts) while the child shows as ``restarting``.
- ``auto_shutdown``: ``any_significant`` / ``all_significant`` stop the supervisor
  (``shutdown``) when a significant child (or the last running one) ends by itself
  without being restarted; never when the supervisor stopped it.
- Children stop in reverse start order: ``shutdown`` then ``kill`` after their
  ``shutdown`` ms (``brutal_kill``: ``kill`` at once; ``infinity``: wait).

Deviation: where OTP puts its internal ``#child{}`` record in an error (``start_child``
of a static child that fails), this gives the child spec dict with every key.
"""

from __future__ import annotations

from typing import Any, Final

from . import _sup_child as sc
from . import gen_server, proc_lib
from ._api import is_process_alive, node, process_flag, send
from ._api import self as _me
from ._sup_spec import Child, Flags, SpecError, check_flags, check_spec, check_specs
from ._terms import Atom, Pid
from .atoms import ERROR, EXIT, IGNORE, INFINITY, OK, SHUTDOWN, UNDEFINED

__all__ = [
    "start_link", "start", "start_child", "terminate_child", "restart_child", "delete_child",
    "which_children", "count_children", "check_childspecs", "get_childspec", "worker",
]

RESTARTING: Final = Atom("restarting")
_RUNNING: Final = Atom("running")
_NOT_FOUND: Final = Atom("not_found")
_SOFO: Final = Atom("simple_one_for_one")
_TRY_AGAIN: Final = Atom("try_again_restart")


# -- the API ---------------------------------------------------------------------------


async def start_link(module: Any, args: Any, name: Any = None) -> Any:
    """``supervisor:start_link/2,3``: ``("ok", pid)``, ``"ignore"`` or
    ``("error", reason)``: ``("supervisor_data", E)``, ``("start_spec", E)``,
    ``("bad_start_spec", specs)``, ``("bad_return", (module, "init", R))``,
    ``("shutdown", ("failed_to_start_child", id, R))``, ``("already_started", pid)``."""
    return await gen_server.start_link(_Sup(), (module, args, name), name)


async def start(module: Any, args: Any, name: Any = None) -> Any:
    """As `start_link`, not linked to the caller."""
    return await gen_server.start(_Sup(), (module, args, name), name)


async def start_child(sup: Any, spec: Any) -> Any:
    """``supervisor:start_child/2``: `spec` is a child spec, or for a
    ``simple_one_for_one`` supervisor the list of extra start arguments.
    ``("ok", pid)``, ``("ok", pid, info)``, ``("ok", "undefined")`` (start returned
    ignore), ``("error", "already_present")``, ``("error", ("already_started", pid))``,
    ``("error", spec_error)`` or ``("error", reason)``."""
    return await gen_server.call(sup, ("start_child", spec), INFINITY)


async def terminate_child(sup: Any, id: Any) -> Any:
    """``supervisor:terminate_child/2``: ``ok`` or ``("error", "not_found")``;
    ``("error", "simple_one_for_one")`` for an id (not a pid) there."""
    return await gen_server.call(sup, ("terminate_child", id), INFINITY)


async def restart_child(sup: Any, id: Any) -> Any:
    """``supervisor:restart_child/2``: ``("ok", pid[, info])``, ``("ok", "undefined")``,
    ``("error", "running" | "restarting" | "not_found" | "simple_one_for_one" | R)``."""
    return await gen_server.call(sup, ("restart_child", id), INFINITY)


async def delete_child(sup: Any, id: Any) -> Any:
    """``supervisor:delete_child/2``: ``ok`` or
    ``("error", "running" | "restarting" | "not_found" | "simple_one_for_one")``."""
    return await gen_server.call(sup, ("delete_child", id), INFINITY)


async def which_children(sup: Any) -> Any:
    """``supervisor:which_children/1``: ``[(id, pid | "restarting" | "undefined", type,
    modules)]``, the most recently started first (as OTP lists them)."""
    return await gen_server.call(sup, ("which_children",), INFINITY)


async def count_children(sup: Any) -> Any:
    """``supervisor:count_children/1``:
    ``[("specs", n), ("active", n), ("supervisors", n), ("workers", n)]``."""
    return await gen_server.call(sup, ("count_children",), INFINITY)


async def get_childspec(sup: Any, id: Any) -> Any:
    """``supervisor:get_childspec/2``: ``("ok", spec)`` or ``("error", "not_found")``."""
    return await gen_server.call(sup, ("get_childspec", id), INFINITY)


def check_childspecs(specs: Any, auto_shutdown: Any = None) -> Any:
    """``supervisor:check_childspecs/1,2``: ``ok`` or ``("error", reason)``."""
    try:
        check_specs(specs, auto_shutdown)
    except SpecError as e:
        return (ERROR, e.term)
    return OK


def worker(fn: Any, *args: Any) -> tuple[Any, tuple[Any, ...]]:
    """The ``start`` of a child spec that runs ``fn(*args)`` (an ``async def``) as a
    supervised process: ``{"id": "w", "start": supervisor.worker(fn, 1)}``."""
    return (proc_lib.start_spawned, (fn, *args))


# -- the supervisor process -------------------------------------------------------------


class _Stop(Exception):
    pass


class _Sup:
    """The gen_server callback module of one supervisor; its state is itself."""

    def __init__(self) -> None:
        self.name: Any = None
        self.flags = Flags(Atom("one_for_one"), 1, 5, Atom("never"))
        self.children: list[Child] = []  # static children, in start order
        self.dynamic: dict[Any, Child] = {}  # simple_one_for_one: pid (or child) -> child
        self.template: Child | None = None
        self.restarts: list[float] = []

    async def init(self, a: tuple[Any, Any, Any]) -> Any:
        module, args, name = a
        process_flag("trap_exit", True)
        self.name = name if name is not None else (_me(), module)
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
        if self.flags.strategy == _SOFO:
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

    # -- calls --------------------------------------------------------------------

    async def handle_call(self, req: Any, from_: Any, st: Any) -> Any:
        return ("reply", await getattr(self, "_" + req[0])(*req[1:]), self)

    async def _start_child(self, spec: Any) -> Any:
        if self.template is not None:
            return await self._start_dynamic(self.template, tuple(spec))
        try:
            c = check_spec(spec)
            if c.significant and self.flags.auto_shutdown == "never":
                check_specs([spec], self.flags.auto_shutdown)
        except SpecError as e:
            return (ERROR, e.term)
        old = self._find(c.id)
        if old is not None:
            return (ERROR, ("already_started", old.pid) if old.running else Atom("already_present"))
        r = await sc.start(c)
        if r.__class__ is tuple and r[0] == ERROR:
            return (ERROR, (r[1], c.spec()))
        self._started(c, r)
        return (OK, UNDEFINED) if r == IGNORE else r

    async def _start_dynamic(self, t: Child, extra: tuple[Any, ...]) -> Any:
        r = await sc.start(t, extra)
        if r == IGNORE:
            return (OK, UNDEFINED)
        if r[0] == OK:
            c = t.copy(r[1], extra)
            self.dynamic[c.pid] = c
            sc.progress(self.name, c)
        return r

    async def _terminate_child(self, id: Any) -> Any:
        if self.template is not None:
            if id.__class__ is not Pid:
                return (ERROR, _SOFO)
            c = self.dynamic.pop(id, None)
            if c is None:  # OTP: ok for a pid that is gone, not_found for a live one
                return (ERROR, _NOT_FOUND) if is_process_alive(id) else OK
            await sc.shutdown(self.name, c)
            return OK
        c = self._find(id)
        if c is None:
            return (ERROR, _NOT_FOUND)
        if c.running:
            await sc.shutdown(self.name, c)
        if c.restart == "temporary":
            self.children.remove(c)
        c.pid = UNDEFINED
        return OK

    async def _restart_child(self, id: Any) -> Any:
        if self.template is not None:
            return (ERROR, _SOFO)
        c = self._find(id)
        if c is None:
            return (ERROR, _NOT_FOUND)
        if c.running:
            return (ERROR, _RUNNING)
        if c.pid == RESTARTING:
            return (ERROR, RESTARTING)
        r = await sc.start(c)
        if r.__class__ is tuple and r[0] == ERROR:
            return r
        self._started(c, r)
        return (OK, UNDEFINED) if r == IGNORE else r

    async def _delete_child(self, id: Any) -> Any:
        if self.template is not None:
            return (ERROR, _SOFO)
        c = self._find(id)
        if c is None:
            return (ERROR, _NOT_FOUND)
        if c.running:
            return (ERROR, _RUNNING)
        if c.pid == RESTARTING:
            return (ERROR, RESTARTING)
        self.children.remove(c)
        return OK

    async def _which_children(self) -> Any:
        if self.template is not None:
            return [(UNDEFINED, c.pid, c.type, c.modules) for c in self.dynamic.values()]
        return [(c.id, c.pid, c.type, c.modules) for c in reversed(self.children)]

    async def _count_children(self) -> Any:
        if self.template is not None:
            kids = list(self.dynamic.values())
            specs = 1
        else:
            kids = self.children
            specs = len(kids)
        sups = sum(1 for c in kids if c.type == "supervisor")
        active = sum(1 for c in kids if c.running)
        return [("specs", specs), ("active", active), ("supervisors", sups), ("workers", len(kids) - sups)]

    async def _get_childspec(self, id: Any) -> Any:
        if self.template is not None:
            c = self.dynamic.get(id) if id.__class__ is Pid else None
        else:
            c = self._find(id)
        return (ERROR, _NOT_FOUND) if c is None else (OK, c.spec())

    def _find(self, id: Any) -> Child | None:
        by_pid = id.__class__ is Pid
        for c in self.children:
            if (c.pid == id) if by_pid else (c.id == id):
                return c
        return None

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
        c.pid = UNDEFINED
        if c.restart == "permanent" or not gen_server.is_normal(reason):
            sc.report(self.name, "child_terminated", reason, c.report())
        if c.restart == "permanent" or (c.restart == "transient" and not gen_server.is_normal(reason)):
            await self._restart(c)
            return
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
        now = node().loop.time()
        threshold = now - self.flags.period
        self.restarts = [t for t in self.restarts if t >= threshold]
        self.restarts.append(now)
        return len(self.restarts) <= self.flags.intensity

    async def _restart(self, c: Child) -> None:
        if not self._add_restart():
            sc.report(self.name, "shutdown", Atom("reached_max_restart_intensity"), c.report())
            raise _Stop()
        strategy = self.flags.strategy
        if strategy == _SOFO:
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

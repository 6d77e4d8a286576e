"""A supervisor's child functions: the calls behind `actors.supervisor.start_child`,
``terminate_child``, ``restart_child``, ``delete_child``, ``which_children``,
``count_children`` and ``get_childspec``, with OTP 25's results (see `actors.supervisor`).

`Calls` is a mixin of the supervisor process's callback object (`actors._sup_server`).
"""

from __future__ import annotations

from typing import Any, Final

from . import _sup_child as sc
from ._api import is_process_alive
from ._sup_spec import Child, Flags, SpecError, check_spec, check_specs
from ._terms import Atom, Pid
from .atoms import ERROR, IGNORE, OK, UNDEFINED

__all__ = ["Calls", "RESTARTING"]

RESTARTING: Final = Atom("restarting")
_RUNNING: Final = Atom("running")
_NOT_FOUND: Final = Atom("not_found")
SOFO: Final = Atom("simple_one_for_one")


class Calls:
    """The child functions; the state they use is the supervisor's."""

    name: Any
    flags: Flags
    children: list[Child]
    dynamic: dict[Any, Child]
    template: Child | None

    def _started(self, c: Child, r: Any) -> None:
        raise NotImplementedError

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
                return (ERROR, SOFO)
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

    def _stopped_child(self, id: Any) -> Any:
        """The stopped child `id` (what restart_child and delete_child act on), or the
        error OTP answers: simple_one_for_one, not_found, running, restarting."""
        if self.template is not None:
            return (ERROR, SOFO)
        c = self._find(id)
        if c is None:
            return (ERROR, _NOT_FOUND)
        if c.running:
            return (ERROR, _RUNNING)
        if c.pid == RESTARTING:
            return (ERROR, RESTARTING)
        return c

    async def _restart_child(self, id: Any) -> Any:
        c = self._stopped_child(id)
        if c.__class__ is tuple:
            return c
        r = await sc.start(c)
        if r.__class__ is tuple and r[0] == ERROR:
            return r
        self._started(c, r)
        return (OK, UNDEFINED) if r == IGNORE else r

    async def _delete_child(self, id: Any) -> Any:
        c = self._stopped_child(id)
        if c.__class__ is tuple:
            return c
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


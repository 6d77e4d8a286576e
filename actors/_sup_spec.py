"""Supervisor flags and child specifications: OTP's keys, defaults and errors.

`check_flags` and `check_spec` turn what a supervisor's ``init`` returns into `Flags`
and `Child` records, or give OTP 25's error term (checked with ``erl``):
``("invalid_strategy", S)``, ``("invalid_intensity", I)``, ``("invalid_period", P)``,
``("invalid_auto_shutdown", A)``; ``"missing_id"``, ``"missing_start"``,
``("invalid_mfa", S)``, ``("invalid_restart_type", R)``, ``("invalid_shutdown", S)``,
``("invalid_child_type", T)``, ``("invalid_modules", M)``, ``("invalid_significant", S)``,
``("bad_combination", [("restart", "permanent"), ("significant", True)])``,
``("duplicate_child_name", Id)``, ``("invalid_child_spec", S)``. Unknown keys are ignored,
as OTP ignores them.
"""

from __future__ import annotations

from typing import Any, Final

from ._terms import Atom, Pid
from .atoms import INFINITY, UNDEFINED

__all__ = ["Flags", "Child", "check_flags", "check_spec", "check_specs", "SpecError"]

STRATEGIES: Final = ("one_for_one", "one_for_all", "rest_for_one", "simple_one_for_one")
AUTO_SHUTDOWN: Final = ("never", "any_significant", "all_significant")
RESTART_TYPES: Final = ("permanent", "transient", "temporary")
CHILD_TYPES: Final = ("worker", "supervisor")
BRUTAL_KILL: Final = Atom("brutal_kill")


class SpecError(Exception):
    """A flag or child spec OTP would refuse; `term` is OTP's error term."""

    def __init__(self, term: Any) -> None:
        super().__init__(term)
        self.term = term


class Flags:
    __slots__ = ("strategy", "intensity", "period", "auto_shutdown")

    def __init__(self, strategy: Atom, intensity: int, period: int, auto_shutdown: Atom) -> None:
        self.strategy = strategy
        self.intensity = intensity
        self.period = period
        self.auto_shutdown = auto_shutdown


class Child:
    """One child of a supervisor: its spec and, while it runs, its pid.

    `pid` is a `Pid`, ``undefined`` (not running) or ``restarting``; `args` are the
    extra start arguments of a child of a ``simple_one_for_one`` supervisor."""

    __slots__ = ("id", "start", "restart", "shutdown", "type", "modules", "significant", "pid", "args")

    def __init__(
        self, id: Any, start: tuple[Any, tuple[Any, ...]], restart: Atom, shutdown: Any,
        type: Atom, modules: Any, significant: bool,
    ) -> None:
        self.id = id
        self.start = start
        self.restart = restart
        self.shutdown = shutdown
        self.type = type
        self.modules = modules
        self.significant = significant
        self.pid: Any = UNDEFINED
        self.args: tuple[Any, ...] = ()

    def copy(self, pid: Any, args: tuple[Any, ...]) -> Child:
        c = Child(self.id, self.start, self.restart, self.shutdown, self.type, self.modules, self.significant)
        c.pid = pid
        c.args = args
        return c

    @property
    def running(self) -> bool:
        return self.pid.__class__ is Pid

    def spec(self) -> dict[str, Any]:
        """The child spec as a dict with every key (``supervisor:get_childspec``)."""
        return {
            "id": self.id, "start": self.start, "restart": self.restart, "shutdown": self.shutdown,
            "type": self.type, "modules": self.modules, "significant": self.significant,
        }

    def report(self) -> dict[str, Any]:
        """What a supervisor report says about this child (OTP's ``offender``)."""
        fn, args = self.start
        return {
            "pid": self.pid, "id": self.id, "mfargs": (fn, args + self.args), "restart_type": self.restart,
            "significant": self.significant, "shutdown": self.shutdown, "child_type": self.type,
        }


def check_flags(flags: Any) -> Flags:
    """`Flags` from a flags dict (defaults: ``one_for_one``, intensity 1, period 5,
    auto_shutdown ``never``), or `SpecError(("supervisor_data", ...))`."""
    if not isinstance(flags, dict):
        raise SpecError(("supervisor_data", ("invalid_type", flags)))
    strategy = flags.get("strategy", "one_for_one")
    if strategy not in STRATEGIES:
        raise SpecError(("supervisor_data", ("invalid_strategy", strategy)))
    intensity = flags.get("intensity", 1)
    if intensity.__class__ is not int or intensity < 0:
        raise SpecError(("supervisor_data", ("invalid_intensity", intensity)))
    period = flags.get("period", 5)
    if period.__class__ is not int or period <= 0:
        raise SpecError(("supervisor_data", ("invalid_period", period)))
    auto = flags.get("auto_shutdown", "never")
    if auto not in AUTO_SHUTDOWN:
        raise SpecError(("supervisor_data", ("invalid_auto_shutdown", auto)))
    return Flags(Atom(strategy), intensity, period, Atom(auto))


def _atom_in(value: Any, allowed: tuple[str, ...]) -> bool:
    return isinstance(value, str) and value in allowed


def check_spec(spec: Any) -> Child:
    """A `Child` from a child spec dict (or OTP's old 6-tuple), or `SpecError`."""
    if spec.__class__ is tuple and len(spec) == 6:
        keys = ("id", "start", "restart", "shutdown", "type", "modules")
        spec = dict(zip(keys, spec))
    if not isinstance(spec, dict):
        raise SpecError(("invalid_child_spec", spec))
    if "id" not in spec:
        raise SpecError("missing_id")
    if "start" not in spec:
        raise SpecError("missing_start")
    start = spec["start"]
    if not (start.__class__ is tuple and len(start) == 2 and callable(start[0]) and isinstance(start[1], (tuple, list))):
        raise SpecError(("invalid_mfa", start))
    restart = spec.get("restart", "permanent")
    if not _atom_in(restart, RESTART_TYPES):
        raise SpecError(("invalid_restart_type", restart))
    significant = spec.get("significant", False)
    if significant.__class__ is not bool:
        raise SpecError(("invalid_significant", significant))
    if significant and restart == "permanent":
        raise SpecError(("bad_combination", [("restart", Atom("permanent")), ("significant", True)]))
    ctype = spec.get("type", "worker")
    if not _atom_in(ctype, CHILD_TYPES):
        raise SpecError(("invalid_child_type", ctype))
    shutdown = spec.get("shutdown", INFINITY if ctype == "supervisor" else 5000)
    if not (_atom_in(shutdown, ("brutal_kill", "infinity")) or (shutdown.__class__ is int and shutdown >= 0)):
        raise SpecError(("invalid_shutdown", shutdown))
    modules = spec.get("modules", _default_modules(start))
    if not (modules == "dynamic" or isinstance(modules, list)):
        raise SpecError(("invalid_modules", modules))
    if isinstance(shutdown, str):
        shutdown = Atom(shutdown)
    return Child(spec["id"], (start[0], tuple(start[1])), Atom(restart), shutdown, Atom(ctype), modules, significant)


def _default_modules(start: tuple[Any, Any]) -> list[Any]:
    """OTP's default ``[M]`` for ``{M, F, A}``: here the callback module when the start
    function is a behaviour's (its first argument), else the start function."""
    fn, args = start
    if getattr(fn, "__module__", None) in ("actors.gen_server", "actors.supervisor", "actors.proc_lib") and args:
        return [args[0]]
    return [fn]


def check_specs(specs: Any, auto_shutdown: Any = None) -> list[Child]:
    """`Child` records for a list of specs, or `SpecError` (the first error found); with
    `auto_shutdown` ``never``, a significant child is a ``bad_combination``."""
    if not isinstance(specs, list):
        raise SpecError(("invalid_child_spec", specs))
    children: list[Child] = []
    seen: set[Any] = set()
    for s in specs:
        c = check_spec(s)
        key = _key(c.id)
        if key in seen:
            raise SpecError(("duplicate_child_name", c.id))
        seen.add(key)
        if c.significant and auto_shutdown == "never":
            raise SpecError(("bad_combination", [("auto_shutdown", Atom("never")), ("significant", True)]))
        children.append(c)
    return children


def _key(x: Any) -> Any:
    try:
        hash(x)
        return x
    except TypeError:
        return repr(x)

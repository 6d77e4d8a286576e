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

from typing import Any

from . import gen_server, proc_lib
from ._sup_server import Supervisor
from ._sup_spec import SpecError, check_specs
from .atoms import ERROR, INFINITY, OK

__all__ = [
    "start_link", "start", "start_child", "terminate_child", "restart_child", "delete_child",
    "which_children", "count_children", "check_childspecs", "get_childspec", "worker",
]



# -- the API ---------------------------------------------------------------------------


async def start_link(module: Any, args: Any, name: Any = None) -> Any:
    """``supervisor:start_link/2,3``: ``("ok", pid)``, ``"ignore"`` or
    ``("error", reason)``: ``("supervisor_data", E)``, ``("start_spec", E)``,
    ``("bad_start_spec", specs)``, ``("bad_return", (module, "init", R))``,
    ``("shutdown", ("failed_to_start_child", id, R))``, ``("already_started", pid)``."""
    return await gen_server.start_link(Supervisor(), (module, args, name), name)


async def start(module: Any, args: Any, name: Any = None) -> Any:
    """As `start_link`, not linked to the caller."""
    return await gen_server.start(Supervisor(), (module, args, name), name)


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

"""A supervisor's hands: start a child, shut children down, report, as OTP 25 does.

Everything here runs inside the supervisor process (which traps exits).

- `start` calls the child's start function (plain or ``async def``) and classifies the
  result: ``("ok", pid)``, ``("ok", pid, info)``, ``"ignore"`` or ``("error", reason)``
  (any other value is the reason itself; a raise is ``("EXIT", reason)``).
- `shutdown` stops a running child: unlink it and monitor it; an ``EXIT`` that already
  came gives that reason; ``brutal_kill`` sends ``kill``; otherwise ``shutdown``, then
  ``kill`` after the child's shutdown time (never for ``infinity``). A child that ends
  with a reason other than the one asked (``normal`` of a child that is not permanent
  aside) gets a ``shutdown_error`` report.
- `shutdown_all` stops the children of a ``simple_one_for_one`` supervisor at once.
- Reports go through structlog: ``supervisor_report`` (error) with ``error_context``
  ``child_terminated``, ``start_error``, ``shutdown_error`` or ``shutdown``, and
  ``progress`` (info) when a child started.
"""

from __future__ import annotations

from typing import Any, Iterable

import structlog

from ._api import demonitor, exit, monitor, receive, send_after, cancel_timer, unlink
from ._entity import Exit
from ._match import ANY
from ._process import current
from ._report import safe_repr
from ._sup_spec import Child
from ._terms import Atom, Pid, Ref
from .atoms import DOWN, ERROR, EXIT, IGNORE, KILL, KILLED, NORMAL, OK, PROCESS, SHUTDOWN

__all__ = ["start", "shutdown", "shutdown_all", "report", "progress"]

_log = structlog.get_logger("actors.supervisor")


def report(sup: Any, context: str, reason: Any, offender: Any) -> None:
    """OTP's supervisor report."""
    try:
        _log.error("supervisor_report", supervisor=sup, error_context=context, reason=safe_repr(reason), offender=offender)
    except Exception:  # noqa: BLE001 - a failing logger must not fail the supervisor
        pass


def progress(sup: Any, child: Child) -> None:
    """OTP's progress report: a child started."""
    try:
        _log.info("progress", supervisor=sup, started=child.report())
    except Exception:  # noqa: BLE001
        pass


async def start(child: Child, extra: tuple[Any, ...] = ()) -> Any:
    """Run the start function of `child` (with `extra` arguments); see the module doc."""
    from .gen_server import apply, reason_of

    fn, args = child.start
    try:
        r = await apply(fn, *args, *extra)
    except (Exception, Exit) as e:
        return (ERROR, (EXIT, reason_of(e)))
    if r.__class__ is tuple:
        if len(r) in (2, 3) and r[0] == OK and r[1].__class__ is Pid:
            return r
        if len(r) == 2 and r[0] == ERROR:
            return r
    if r == IGNORE:
        return IGNORE
    return (ERROR, r)


async def shutdown(sup: Any, child: Child) -> None:
    """Stop `child` (running) as OTP's ``supervisor:shutdown/1``; report a surprise."""
    pid = child.pid
    ref = monitor(PROCESS, pid)
    unlink(pid)
    early = current().extract(lambda m: m.__class__ is tuple and len(m) == 3 and m[0] == EXIT and m[1] == pid)
    if early:
        await receive((DOWN, ref, PROCESS, ANY, ANY))
        reason = early[0][2]
        if not (reason == NORMAL and child.restart != "permanent"):
            report(sup, "shutdown_error", reason, child.report())
        return
    how = child.shutdown
    if how == "brutal_kill":
        expected: Atom = KILLED
        exit(pid, KILL)
        msg = await receive((DOWN, ref, PROCESS, ANY, ANY))
    else:
        expected = SHUTDOWN
        exit(pid, SHUTDOWN)
        msg = await receive((DOWN, ref, PROCESS, ANY, ANY), timeout=how)
        if msg.__class__ is not tuple:  # the shutdown time passed
            exit(pid, KILL)
            msg = await receive((DOWN, ref, PROCESS, ANY, ANY))
            expected = KILLED
            if msg[4] == KILLED:
                report(sup, "shutdown_error", KILLED, child.report())
                return
    if msg[4] != expected:
        report(sup, "shutdown_error", msg[4], child.report())


async def shutdown_all(sup: Any, children: Iterable[Child]) -> None:
    """Stop the dynamic children of a ``simple_one_for_one`` supervisor all at once:
    ``shutdown`` to each (``kill`` for ``brutal_kill``), ``kill`` to those left when
    the shutdown time passed."""
    refs: dict[Ref, Child] = {}
    how: Any = None
    for c in children:
        if c.running:
            pid = c.pid
            refs[monitor(PROCESS, pid)] = c
            unlink(pid)
            how = c.shutdown
            exit(pid, KILL if how == "brutal_kill" else SHUTDOWN)
    if not refs:
        return
    expected = KILLED if how == "brutal_kill" else SHUTDOWN
    timer = None
    tag = ("sup_shutdown_timeout", current().handle)
    if how.__class__ is int:
        timer = send_after(how, current().handle, tag)
    try:
        while refs:
            msg = await receive((DOWN, lambda r: r in refs, PROCESS, ANY, ANY), tag)
            if msg == tag:
                for ref, c in refs.items():
                    exit(c.pid, KILL)
                expected = KILLED
                continue
            c = refs.pop(msg[1])
            current().extract(lambda m: m.__class__ is tuple and len(m) == 3 and m[0] == EXIT and m[1] == c.pid)
            if msg[4] != expected and not (msg[4] == NORMAL and c.restart != "permanent"):
                report(sup, "shutdown_error", msg[4], c.report())
    finally:
        if timer is not None and cancel_timer(timer) is False:
            current().extract(lambda m: m == tag)
        for ref in refs:
            demonitor(ref, ["flush"])

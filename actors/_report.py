"""Reports the runtime logs about its processes, written so that they can never fail.

A crash report is written after the process has ended (its links, monitors and exit
hooks were already signalled), and nothing in it may raise into the runtime: a value
whose ``repr`` raises or recurses too deep is shown by a fallback text, and a logger that
raises (a closed stdout, a broken processor) loses the report, never the node. As in
Erlang, where the error logger is another process, termination never waits on logging.

Logging goes through structlog (logger ``actors``); the library never configures it.
"""

from __future__ import annotations

import traceback
from typing import Any

import structlog

__all__ = ["safe_repr", "report_error", "report_crash"]

_log = structlog.get_logger("actors")


def safe_repr(value: Any) -> str:
    """``repr(value)``, or a fallback text naming its type when that raises (a broken
    ``__repr__``, a term nested too deep to print)."""
    try:
        return repr(value)
    except Exception as e:  # noqa: BLE001 - any failure gets the fallback
        return f"<unprintable {_type_name(value)}: {_type_name(e)} in repr>"


def _type_name(value: Any) -> str:
    try:
        return type(value).__qualname__
    except Exception:  # noqa: BLE001 - pragma: no cover - a type without a name
        return "object"


def _safe_traceback(exc: BaseException) -> str:
    try:
        return "".join(traceback.format_exception(exc))
    except Exception as e:  # noqa: BLE001
        return f"<traceback unavailable: {_type_name(e)}>"


def report_error(event: str, **fields: Any) -> None:
    """Log `event` at error level; if the logger raises, retry with the field values as
    fallback texts, then give up silently."""
    try:
        _log.error(event, **fields)
        return
    except Exception:  # noqa: BLE001 - a failing logger must not fail the caller
        pass
    try:
        _log.error(event, **{k: v if v.__class__ is str else safe_repr(v) for k, v in fields.items()})
    except Exception:  # noqa: BLE001
        pass


def report_crash(pid: Any, name: Any, initial_call: Any, exc: BaseException) -> None:
    """Log ``process_crashed`` (Erlang's crash report) for a process that raised `exc`."""
    report_error(
        "process_crashed",
        pid=safe_repr(pid),
        registered_name=name,
        initial_call=initial_call,
        reason=safe_repr(exc),
        traceback=_safe_traceback(exc),
    )

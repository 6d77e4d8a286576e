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

__all__ = ["safe_repr", "report_error", "report_crash", "strip_runtime_frames"]

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


def _fallback(fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` as plain texts; an exception as its formatted ``traceback``."""
    out: dict[str, Any] = {}
    for k, v in fields.items():
        if k == "exc_info":
            out["traceback"] = _safe_traceback(v)
        else:
            out[k] = v if v.__class__ is str else safe_repr(v)
    return out


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
        _log.error(event, **_fallback(fields))
    except Exception:  # noqa: BLE001
        pass


def strip_runtime_frames(exc: BaseException) -> BaseException:
    """`exc` with the scheduler's own frames dropped from the head of its traceback, so
    that a report starts at the process's function."""
    try:
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename.endswith(_RUNTIME_FILES):
            tb = tb.tb_next
        if tb is not None:
            exc.__traceback__ = tb
    except Exception:  # noqa: BLE001 - a report never fails
        pass
    return exc


_RUNTIME_FILES = ("actors/_sched.py", "actors/_node.py")


def report_crash(
    pid: Any,
    name: Any,
    initial_call: Any,
    exc: BaseException,
    *,
    links: Any = None,
    message_queue_len: int | None = None,
    ancestors: Any = None,
) -> None:
    """Log ``process_crashed`` (Erlang's crash report) for a process that raised `exc`.

    The event carries what SASL's crash report shows: ``pid``, ``registered_name`` (only
    when the process had one), ``initial_call``, ``ancestors`` (when known: a
    ``$ancestors`` entry of the process dictionary, as proc_lib keeps it), ``links`` and
    ``message_queue_len``, the ``reason`` as text, and the exception as ``exc_info`` (its
    traceback starting at the process's function), so that structlog's renderers print
    or structure it and stdlib logging receives it as its own ``exc_info``.
    """
    fields: dict[str, Any] = {"pid": safe_repr(pid)}
    if name is not None:
        fields["registered_name"] = name
    fields["initial_call"] = initial_call
    if ancestors is not None:
        fields["ancestors"] = [safe_repr(a) for a in ancestors]
    if links is not None:
        fields["links"] = sorted(safe_repr(link) for link in links)
    if message_queue_len is not None:
        fields["message_queue_len"] = message_queue_len
    fields["reason"] = safe_repr(exc)
    fields["exc_info"] = strip_runtime_frames(exc)
    report_error("process_crashed", **fields)

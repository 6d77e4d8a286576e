"""Logging for applications of the runtime: an erl-style renderer for structlog.

The runtime logs through structlog (logger ``actors``) and never configures it. A crash
of a process is the event ``process_crashed`` with the fields of SASL's crash report
(``pid``, ``registered_name`` when there is one, ``initial_call``, ``ancestors`` when
known, ``links``, ``message_queue_len``, ``reason``) and the exception as ``exc_info``,
so every structlog setup renders it its own way:

- ``structlog.dev.ConsoleRenderer`` pretty-prints the traceback;
- ``structlog.processors.dict_tracebacks`` + ``JSONRenderer`` give structured frames;
- ``structlog.stdlib.render_to_log_kwargs`` hands it to stdlib ``logging`` as the
  record's own ``exc_info`` (``logger.exception`` style), every field in ``extra``.

`ErlRenderer` renders events as erl's logger prints reports::

    structlog.configure(processors=[structlog.processors.add_log_level, ErlRenderer()])
"""

from __future__ import annotations

import datetime
import io
import logging
import traceback
from typing import Any, MutableMapping, TextIO, cast

import structlog

__all__ = ["ErlRenderer", "configure_shell_logging"]

_CRASH_FIELDS = ("initial_call", "pid", "registered_name", "reason", "ancestors",
                 "message_queue_len", "links")


class ErlRenderer:
    """A structlog processor (the last one) that renders an event as erl's logger
    prints a report: ``process_crashed`` as a ``CRASH REPORT``, any other event as an
    ``ERROR``/``WARNING``/``INFO REPORT`` with its fields as ``key: value`` lines.
    Expects the level as ``level`` (``structlog.processors.add_log_level``)."""

    def __init__(self, timestamps: bool = True) -> None:
        self.timestamps = timestamps

    def _header(self, kind: str) -> str:
        if not self.timestamps:
            return f"={kind} REPORT===="
        now = datetime.datetime.now()
        stamp = f"{now.day}-{now:%b-%Y::%H:%M:%S.%f}"
        return f"={kind} REPORT==== {stamp} ==="

    def __call__(self, _logger: Any, _name: str, event: MutableMapping[str, Any]) -> str:
        event = dict(event)
        level = str(event.pop("level", event.pop("log_level", "info"))).upper()
        name = event.pop("event", "")
        exc = event.pop("exc_info", None)
        if name == "process_crashed":
            lines = [self._header("CRASH"), "  crasher:"]
            for key in _CRASH_FIELDS:
                if key in event:
                    value = event.pop(key)
                    if key == "initial_call" and isinstance(value, tuple) and len(value) == 3:
                        value = "{}:{}/{}".format(*value)
                    if key == "reason":
                        lines.append(f"    exception error: {value}")
                        continue
                    lines.append(f"    {key.replace('_', ' ') if key == 'initial_call' else key}: {_text(value)}")
        else:
            lines = [self._header(level), f"    {name}"]
        lines += [f"    {k}: {_text(v)}" for k, v in event.items()]
        if isinstance(exc, BaseException):
            lines += ["      " + ln for ln in "".join(traceback.format_exception(exc)).rstrip().split("\n")]
        return "\n".join(lines)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ",".join(str(v) for v in value) + "]"
    return str(value)


def configure_shell_logging(stream: TextIO | io.TextIOBase) -> None:
    """What the shell (an application) sets up: erl-style reports on `stream`, from
    warnings up (erl's shell shows no info or progress reports either: its logger level
    is notice)."""
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        processors=[structlog.processors.add_log_level, ErlRenderer()],
        logger_factory=structlog.PrintLoggerFactory(cast(TextIO, stream)),
        cache_logger_on_first_use=False,
    )

"""Crash reports through every structlog renderer: console, JSON, stdlib logging and
the erl-style one. Erlang's SASL crash report shows the crasher's initial call, pid,
registered name, exception, ancestors, message queue length and links; these do too."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

import actors
from actors import ANY
from actors.logs import ErlRenderer
from actors.testing import assert_receive


async def crasher(to: actors.Pid) -> None:
    actors.register("crashy", actors.self())
    actors.link(to)
    actors.send(actors.self(), "unread")
    actors.send(to, "crashing")
    raise RuntimeError("kaboom")


@pytest.fixture
def configured() -> Iterator[None]:
    saved = structlog.get_config()
    try:
        yield
    finally:
        structlog.configure(**saved)


async def crash_once() -> actors.Pid:
    """Run `crasher` linked to a helper that traps exits; return the crasher's pid."""
    async def helper(parent: actors.Pid) -> None:
        actors.process_flag("trap_exit", True)
        pid = actors.spawn(crasher, actors.self())
        await actors.receive("crashing")
        await actors.receive(("EXIT", pid, ANY))
        actors.send(parent, ("done", pid))

    actors.spawn(helper, actors.self())
    return (await assert_receive(("done", ANY)))[1]


async def test_console_renderer_pretty_prints_the_traceback(configured: None) -> None:
    """ConsoleRenderer gets the exception as exc_info and prints its traceback, which
    starts at the process's function (no scheduler frame)."""
    out = io.StringIO()
    structlog.configure(
        processors=[structlog.processors.add_log_level, structlog.dev.ConsoleRenderer(colors=False)],
        logger_factory=structlog.PrintLoggerFactory(out),
    )
    pid = await crash_once()
    text = out.getvalue()
    assert "process_crashed" in text and f"pid={pid!r}" in text and "registered_name=crashy" in text
    assert "message_queue_len=1" in text and "links=" in text
    assert "RuntimeError: kaboom" in text and "in crasher" in text
    assert "_sched.py" not in text


async def test_json_renderer_with_dict_tracebacks(configured: None) -> None:
    """dict_tracebacks + JSONRenderer: the fields and structured frames, the first one
    the crasher's."""
    out = io.StringIO()
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.dict_tracebacks,
            structlog.processors.JSONRenderer(),
        ],
        logger_factory=structlog.PrintLoggerFactory(out),
    )
    pid = await crash_once()
    (line,) = [ln for ln in out.getvalue().splitlines() if "process_crashed" in ln]
    event = json.loads(line)
    assert event["pid"] == repr(pid) and event["registered_name"] == "crashy"
    assert event["initial_call"][1] == "crasher" and event["message_queue_len"] == 1
    assert len(event["links"]) == 1
    (exc,) = event["exception"]
    assert exc["exc_type"] == "RuntimeError" and exc["exc_value"] == "kaboom"
    assert exc["frames"][0]["name"] == "crasher"


async def test_stdlib_logging_receives_exc_info_and_fields(configured: None) -> None:
    """render_to_log_kwargs hands the event to stdlib logging: the record has the
    exception as its own exc_info and every field as an attribute."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("actors")
    handler = Keep()
    logger.addHandler(handler)
    logger.propagate = False
    try:
        structlog.configure(
            processors=[structlog.stdlib.render_to_log_kwargs],
            logger_factory=structlog.stdlib.LoggerFactory(),
            wrapper_class=structlog.stdlib.BoundLogger,
        )
        pid = await crash_once()
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    (record,) = [r for r in records if r.getMessage() == "process_crashed"]
    rec: Any = record
    assert record.levelno == logging.ERROR and rec.pid == repr(pid)
    assert rec.registered_name == "crashy" and rec.message_queue_len == 1
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    assert "in crasher" in logging.Formatter().formatException(record.exc_info)


async def test_erl_renderer_prints_a_crash_report(configured: None) -> None:
    """ErlRenderer prints erl's CRASH REPORT: crasher, initial call, pid, registered
    name, exception, message queue length, links, then the traceback."""
    out = io.StringIO()
    structlog.configure(
        processors=[structlog.processors.add_log_level, ErlRenderer()],
        logger_factory=structlog.PrintLoggerFactory(out),
    )
    pid = await crash_once()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("=CRASH REPORT==== ") and lines[0].endswith(" ===")
    assert lines[1] == "  crasher:"
    assert lines[2].startswith("    initial call: ") and lines[2].endswith(":crasher/1")
    assert lines[3] == f"    pid: {pid!r}"
    assert lines[4] == "    registered_name: crashy"
    assert lines[5] == "    exception error: RuntimeError('kaboom')"
    assert lines[6] == "    message_queue_len: 1"
    assert lines[7].startswith("    links: [<0.")
    assert lines[-1] == "      RuntimeError: kaboom"


def test_erl_renderer_other_events() -> None:
    """Any other event is an erl-style report of its level with its fields."""
    text = ErlRenderer(timestamps=False)(None, "warning", {"event": "acceptor_stopped", "level": "warning", "reason": "closed"})
    assert text == "=WARNING REPORT====\n    acceptor_stopped\n    reason: closed"

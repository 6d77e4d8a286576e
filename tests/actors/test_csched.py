"""``actors._csched``, the compiled build's scheduler helpers, on their own: ``step``
(one step of a coroutine in a context, as a given process), ``running`` (that process,
while its context is the current one), ``once`` (yield a value once, then return None).
The module is loaded from the compiled build's files whichever build this run uses; the
whole suite exercises it inside the scheduler on the compiled build."""

from __future__ import annotations

import contextvars
import types
from types import ModuleType
from typing import Any, Generator

import pytest

from tests.c_build import load_c_module

DONE = object()


@pytest.fixture(scope="module")
def csched() -> ModuleType:
    return load_c_module("actors._csched")


def test_step_sends_into_the_coroutine_inside_its_context(csched: ModuleType) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="outside")
    context = contextvars.Context()
    context.run(var.set, "inside")
    proc = object()
    seen: list[Any] = []

    @types.coroutine
    def pause() -> Generator[Any, None, None]:
        yield "paused"

    async def body() -> str:
        seen.append((var.get(), csched.running() is proc))
        await pause()
        seen.append((var.get(), csched.running() is proc))
        return "returned"

    coro = body()
    assert csched.step(context, coro, DONE, proc) == "paused"
    assert csched.running() is None and var.get() == "outside"  # restored after the step
    assert csched.step(context, coro, DONE, proc) is DONE  # the value returned is dropped
    assert seen == [("inside", True), ("inside", True)]


def test_step_raises_what_the_coroutine_raises_and_restores_the_context(csched: ModuleType) -> None:
    context = contextvars.Context()

    async def body() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        csched.step(context, body(), DONE, object())
    assert csched.running() is None
    never_run = body()
    with pytest.raises(TypeError):
        csched.step({}, never_run, DONE, object())  # not a Context
    never_run.close()


def test_running_answers_only_in_the_stepped_process_context(csched: ModuleType) -> None:
    """Code the step runs in another context (as a spawn runs the new process's function
    in the new process's context) does not see the stepped process."""
    context = contextvars.Context()
    proc = object()
    seen: list[Any] = []

    async def body() -> None:
        seen.append(csched.running())
        seen.append(contextvars.Context().run(csched.running))

    assert csched.step(context, body(), DONE, proc) is DONE
    assert seen == [proc, None]


def test_once_yields_its_value_once_then_returns_none(csched: ModuleType) -> None:
    marker = object()

    async def waits() -> str:
        got = await csched.once(marker)
        return f"resumed with {got!r}"

    coro = waits()
    assert coro.send(None) is marker
    with pytest.raises(StopIteration) as stop:
        coro.send(None)
    assert stop.value.value == "resumed with None"


def test_once_passes_a_thrown_exception_back(csched: ModuleType) -> None:
    """A kill is thrown into the coroutine suspended on it: the exception comes out."""

    async def waits() -> None:
        await csched.once("suspend")

    coro = waits()
    assert coro.send(None) == "suspend"
    with pytest.raises(KeyError):
        coro.throw(KeyError("killed"))

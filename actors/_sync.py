"""The sync facade: the async API, callable without ``await`` from a thread outside the node.

One mechanism makes every synchronous name: `blocking(fn, runner)` wraps a function of the
async API (a coroutine function, a function returning an awaitable such as
`actors.receive`, or a plain function such as `actors.send`) so that a call from another
thread runs it on the node's loop *as the runner's process* and waits for the result;
`blocking_namespace(module, runner)` applies it to every public function of a module
(its ``__all__``), recursing into public submodules. Nothing here restates an API
function: the shell's ``spawn``, ``receive`` or ``gen_tcp.connect`` are the async ones,
wrapped.

A wrapped function called on the loop thread itself (from a process spawned at the
shell prompt) calls the original directly, so ``await receive()`` still works there.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import types
from typing import Any, Callable, Iterable

from ._node import Node
from ._process import Process

__all__ = ["ProcessRunner", "blocking", "blocking_namespace", "ProcessGone", "SyncModule"]


class ProcessGone(Exception):
    """The runner's process was ended by an exit signal while (or before) a call ran.

    ``reason`` is the exit reason. The runner starts a fresh process for the next call.
    """

    def __init__(self, pid: Any, reason: Any) -> None:
        super().__init__(reason)
        self.pid = pid
        self.reason = reason


class ProcessRunner:
    """Runs calls on a node's loop as one process that has no coroutine of its own.

    `call` is thread-safe and blocks the calling thread until the call completes. When
    the process dies (an exit signal, ``exit/1``), the next `call` or the blocked one
    raises `ProcessGone` and the runner moves on to a fresh process (a new pid), as the
    Erlang shell restarts its evaluator.
    """

    def __init__(self, node: Node, label: str = "shell") -> None:
        self.node = node
        self.label = label
        self.process: Process = node.call_soon(node.new_external_process, label)
        self._running = False

    def renew(self) -> Process:
        """Replace a dead process with a fresh one; returns it."""
        self.process = self.node.call_soon(self.node.new_external_process, self.label)
        return self.process

    def check(self) -> None:
        """Raise `ProcessGone` (and renew) if the process has died since the last call."""
        proc = self.process
        if not proc.alive:
            self.renew()
            raise ProcessGone(proc.handle, proc.reason)

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` as the process on the loop; its (awaited) result."""
        self.check()
        proc = self.process
        loop = self.node.loop
        cf: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def settle(value: Any, exc: BaseException | None) -> None:
            self._running = False
            if exc is None:
                cf.set_result(value)
            elif isinstance(exc, asyncio.CancelledError):
                # Ctrl-C, or the process was killed while waiting
                cf.set_exception(concurrent.futures.CancelledError())
            else:
                cf.set_exception(exc)

        async def wait_for(awaitable: Any) -> Any:
            return await awaitable

        def start() -> None:
            if not cf.set_running_or_notify_cancel():
                return
            if not proc.alive:
                cf.set_exception(ProcessGone(proc.handle, proc.reason))
                return
            try:
                result = proc.context.run(fn, *args, **kwargs)
            except BaseException as e:
                cf.set_exception(e)
                return
            if inspect.isawaitable(result):
                coro = result if inspect.iscoroutine(result) else wait_for(result)
                self._running = True
                self.node.drive(proc, coro, settle)
            else:
                cf.set_result(result)

        try:  # Ctrl-C at any point from here on cancels the call, started or not
            loop.call_soon_threadsafe(start)
            return self._outcome(cf)
        except KeyboardInterrupt:
            self._cancel(cf)
            raise

    def _outcome(self, cf: concurrent.futures.Future[Any]) -> Any:
        proc = self.process
        try:
            return cf.result()
        except concurrent.futures.CancelledError:
            if not proc.alive:
                self.renew()
                raise ProcessGone(proc.handle, proc.reason) from None
            raise
        except ProcessGone:
            self.renew()
            raise

    def _cancel(self, cf: concurrent.futures.Future[Any]) -> None:
        """Ctrl-C: cancel the running call on the loop and wait (briefly) until it ends."""

        def cancel() -> None:
            if self._running:
                self.node.interrupt(self.process)
            elif not cf.done():
                cf.cancel()

        self.node.loop.call_soon_threadsafe(cancel)
        try:
            cf.result(timeout=5)
        except BaseException:
            pass

    def exit_process(self, reason: Any) -> None:
        """End the process with `reason` (what ``exit/1`` at the prompt does)."""
        proc = self.process
        self.node.call_soon(proc.terminate, reason)


def _on_loop_thread() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def blocking(fn: Callable[..., Any], runner: ProcessRunner) -> Callable[..., Any]:
    """`fn` made synchronous: called from another thread, it runs on the node as the
    runner's process and returns the awaited result. On the loop thread it is `fn`."""

    @functools.wraps(fn)
    def sync(*args: Any, **kwargs: Any) -> Any:
        if _on_loop_thread():
            return fn(*args, **kwargs)
        return runner.call(fn, *args, **kwargs)

    return sync


class SyncModule(types.SimpleNamespace):
    """The synchronous face of a module, made by `blocking_namespace`."""

    def __repr__(self) -> str:
        return f"<sync module {self.__name__!r}>"


def blocking_namespace(
    module: types.ModuleType, runner: ProcessRunner, exclude: Iterable[str] = ()
) -> SyncModule:
    """A namespace with every public name of `module` (its ``__all__``): functions
    wrapped by `blocking`, public submodules wrapped the same way, the rest as they are
    (classes, constants). Names in `exclude` are passed through unwrapped."""
    skip = set(exclude)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    ns = SyncModule()
    ns.__name__ = module.__name__
    ns.__doc__ = module.__doc__
    for name in names:
        value = getattr(module, name)
        if name in skip:
            pass
        elif isinstance(value, types.ModuleType):
            if value.__name__.startswith(module.__name__ + "."):
                value = blocking_namespace(value, runner)
        elif inspect.isroutine(value):  # a compiled (mypyc) function is no isfunction
            value = blocking(value, runner)
        setattr(ns, name, value)
    return ns

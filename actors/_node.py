"""The node: one event loop hosting every process and port, and its tables.

A node owns the loop (uvloop when installed, unless ``ACTORS_LOOP=asyncio``), the table
of live entities (processes and ports, keyed by their handle), the name registry
(`actors._registry`), the ``send_after`` timers (`actors._timer`), the queue of exit
signals (`actors._signals`) and the counters that make pids, refs and port ids. A
process that ends tells the node through `Node.forget`. `run` runs one function as
the first process of a fresh node; `Node.start` runs a node on a thread of its own for
longer-lived use (the shell, synchronous tests).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import os
import threading
from typing import Any, Awaitable, Callable, TypeVar

from ._entity import Entity
from ._interrupt import not_a_function, sigint_stops
from ._process import Process
from ._registry import Registry
from ._report import report_error, safe_repr
from ._sched import Scheduler
from ._spawn import coroutine_of, finish, spawn_plain
from ._spawn import keep_result as keep_result_of
from ._signals import ExitSignals
from ._terms import LOCAL_NODE, Atom, ErlangError, Pid, Ref, local_node_names
from ._timer import Timers
from .atoms import KILLED, NORMAL

__all__ = ["Node", "run", "new_event_loop"]


T = TypeVar("T")


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A fresh event loop: uvloop when it is installed, unless ``ACTORS_LOOP=asyncio``."""
    if os.environ.get("ACTORS_LOOP", "") != "asyncio":
        try:
            import uvloop

            loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
            return loop
        except ImportError:
            pass
    return asyncio.new_event_loop()


class Node:
    """A node: the loop, the process and port tables, the registry and the timers."""

    def __init__(
        self,
        name: str | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        *,
        cookie: str | None = None,
        longnames: bool = False,
        address: str | None = None,
    ) -> None:
        """A node; with `name` (``"a"`` or ``"a@host"``) a distributed one, which joins
        the cluster when its loop starts (`run`, `start`), authenticated by `cookie`
        (default: ``ACTORS_COOKIE`` or ``~/.erlang.cookie``) and bound to `address`
        (default loopback)."""
        self.dist: Any = None  # the distribution runtime (actors._dist.runtime.Dist) once started
        self._dist_config: tuple[str | None, str | None] | None = None
        if name is None or name == LOCAL_NODE:
            name = LOCAL_NODE
        else:
            from ._dist.names import full_name

            name = full_name(name, longnames)
            self._dist_config = (cookie, address)
            local_node_names().add(name)
        self.name = name
        self.loop: asyncio.AbstractEventLoop = loop if loop is not None else new_event_loop()
        self.table: dict[Any, Entity] = {}
        self.names = Registry()
        self._pids = itertools.count(80)
        self._refs = itertools.count(0x1F2E3D4C << 40 | 1)
        self._port_ids = itertools.count(1)
        self.timers = Timers(self.loop, self.make_ref, self._deliver_timed)
        self.sched = Scheduler(self.loop, finish, self, self.table, self._pids, self._refs, self.timers.by_dest)
        self.shutdown_hooks: list[Callable[[Node], None]] = []
        self.exit_signals = ExitSignals()
        self._thread: threading.Thread | None = None

    # -- identities ----------------------------------------------------------------

    def make_ref(self) -> Ref:
        return Ref(self.name, next(self._refs))

    def new_pid(self) -> Pid:
        """A fresh pid of this node (the process, if any, is made by the caller)."""
        return Pid(self.name, next(self._pids))

    def new_port_id(self) -> int:
        return next(self._port_ids)

    def processes(self) -> list[Process]:
        return [e for e in self.table.values() if isinstance(e, Process)]

    def resolve(self, dest: Any) -> Entity | None:
        """The live entity `dest` names (a handle or a registered name), or None."""
        if isinstance(dest, str):
            dest = self.names.get(dest)
        return self.table.get(dest)

    def add_shutdown_hook(self, hook: Callable[[Node], None]) -> None:
        """Run ``hook(node)`` at shutdown, after every process was killed (a hook added
        twice runs once)."""
        if hook not in self.shutdown_hooks:
            self.shutdown_hooks.append(hook)

    # -- processes -----------------------------------------------------------------

    def spawn(
        self,
        fn: Callable[..., Awaitable[Any]],
        args: tuple[Any, ...],
        link_to: Process | None = None,
        monitor_by: Process | None = None,
        keep_result: bool = False,
    ) -> tuple[Process, Ref | None]:
        """Create a process running ``fn(*args)``; optionally linked or monitored, or
        keeping the value ``fn`` returns in ``proc.result``."""
        if not callable(fn):
            raise not_a_function(fn)
        pid = self.new_pid()
        proc = Process(self, pid, fn, len(args))
        self.table[pid] = proc
        ref = None
        if link_to is not None:
            proc.links.add(link_to.handle)
            link_to.links.add(pid)
        if monitor_by is not None:
            ref = self.make_ref()
            monitor_by.add_monitor(ref, proc)
        body = coroutine_of(proc, fn, args)
        self.sched.start(proc, keep_result_of(proc, body) if keep_result else body)
        return proc, ref

    def spawn_plain(self, fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...]) -> Pid:
        """`spawn` without link or monitor, the hot path of `actors.spawn`; the pid."""
        return spawn_plain(self.sched, fn, args)

    def new_external_process(self, label: str) -> Process:
        """A process with no coroutine of its own, driven from another thread (the shell):
        `drive` runs one coroutine at a time as this process."""
        pid = self.new_pid()
        proc = Process(self, pid, (Atom(label), Atom("start"), 0), 0)
        self.table[pid] = proc
        return proc

    # -- timers ----------------------------------------------------------------------

    def _deliver_timed(self, dest: Any, msg: Any) -> None:
        target = self.resolve(dest)
        if isinstance(target, Process):
            target.deliver(msg)

    # -- running on the loop ---------------------------------------------------------

    async def run_process(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run ``fn(*args)`` as a new process and return its result (or raise)."""
        done: asyncio.Future[T] = self.loop.create_future()
        proc, _ = self.spawn(fn, args, keep_result=True)
        proc.on_exit = [lambda p: _settle(done, p)]
        return await done

    def shutdown_processes(self) -> None:
        """Leave the cluster (other nodes see this node go down, as after ``halt()``),
        kill every process and run the shutdown hooks (which close the ports)."""
        if self.dist is not None:
            self.dist.stop()
        for proc in self.processes():
            proc.terminate(KILLED)
        for hook in list(self.shutdown_hooks):
            try:
                hook(self)
            except Exception as e:  # a hook must not stop the shutdown
                report_error("node_shutdown_hook_failed", hook=safe_repr(hook), reason=safe_repr(e))
        self.timers.clear()

    async def _drain(self) -> None:
        # killed processes unwind at their next step (CancelledError at their await)
        for _ in range(3):
            await asyncio.sleep(0)
        # a process in an uninterruptible block finishes the call it awaits first
        for _ in range(100):
            if not any(p.shielded for p in self.processes()):
                break
            await asyncio.sleep(0.001)
        self.sched.close_all(self.processes())
        me = asyncio.current_task()
        for _ in range(3):
            tasks = [t for t in asyncio.all_tasks(self.loop) if t is not me]
            if not tasks:
                break
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def drive(self, proc: Process, coro: Any, on_done: Callable[[Any, BaseException | None], None]) -> None:
        """Run `coro` as `proc` (a process made by `new_external_process`); when it ends,
        call ``on_done(value, exception)`` instead of ending the process."""
        proc.on_done = on_done
        proc.result = None
        self.sched.start(proc, keep_result_of(proc, coro))

    def interrupt(self, proc: Process) -> None:
        """Cancel the coroutine `drive` runs as `proc` (Ctrl-C in the shell)."""
        self.sched.interrupt(proc, asyncio.CancelledError())

    def close(self) -> None:
        """Stop everything on a node whose loop is not running, then close the loop."""
        loop = self.loop
        try:
            self.shutdown_processes()
            loop.run_until_complete(self._drain())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()

    # -- distribution ----------------------------------------------------------------

    async def start_distribution(self) -> None:
        """Join the cluster (a named node, once, on its loop); a no-op otherwise."""
        if self._dist_config is None or self.dist is not None:
            return
        from ._dist.runtime import Dist

        cookie, address = self._dist_config
        self.dist = await Dist.start(self, cookie, address)

    # -- a node on its own thread ------------------------------------------------------

    def start(self) -> Node:
        """Run the node's loop on a daemon thread of its own; returns the node."""
        if self._thread is not None:
            raise RuntimeError("node already started")
        ready = threading.Event()

        def main() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.call_soon(ready.set)
            self.loop.run_forever()

        self._thread = threading.Thread(target=main, name=f"node {self.name}", daemon=True)
        self._thread.start()
        ready.wait()
        if self._dist_config is not None:
            try:
                asyncio.run_coroutine_threadsafe(self.start_distribution(), self.loop).result()
            except BaseException:
                self.stop()
                raise
        return self

    def stop(self) -> None:
        """Stop a node started with `start`: kill its processes, close ports and loop."""
        if self._thread is None:
            return
        fut = asyncio.run_coroutine_threadsafe(self._stop_inside(), self.loop)
        fut.result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self._thread = None
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    async def _stop_inside(self) -> None:
        self.shutdown_processes()
        await self._drain()

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any, timeout: float | None = None) -> T:
        """From another thread: run ``fn(*args)`` as a process on this node; its result."""
        fut = asyncio.run_coroutine_threadsafe(self.run_process(fn, *args), self.loop)
        try:
            return fut.result(timeout)
        except concurrent.futures.TimeoutError:
            fut.cancel()
            raise

    def call_soon(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """From another thread: run plain ``fn(*args)`` on the loop thread; its result.

        With `timeout` (seconds), raises `TimeoutError` if the loop did not get to it in
        time (a process that never awaits holds the loop)."""
        cf: concurrent.futures.Future[T] = concurrent.futures.Future()

        def go() -> None:
            if not cf.set_running_or_notify_cancel():
                return
            try:
                cf.set_result(fn(*args))
            except BaseException as e:
                cf.set_exception(e)

        self.loop.call_soon_threadsafe(go)
        try:
            return cf.result(timeout)
        except concurrent.futures.TimeoutError:
            cf.cancel()
            raise TimeoutError("the node's loop did not answer in time") from None


def _settle(done: asyncio.Future[Any], proc: Process) -> None:
    if done.done():
        return
    if proc.crash is not None:
        done.set_exception(proc.crash)
    elif proc.reason == NORMAL:
        done.set_result(proc.result)
    else:
        done.set_exception(ErlangError(proc.reason, "exit"))


def run(
    fn: Callable[..., Awaitable[T]],
    *args: Any,
    name: str | None = None,
    cookie: str | None = None,
    longnames: bool = False,
    address: str | None = None,
) -> T:
    """Start a fresh node, run ``fn(*args)`` as its first process, then stop the node.

    With `name` the node is distributed (see `Node`): it joins the cluster before `fn`
    starts and leaves it when the node stops.

    Returns what `fn` returned, or raises what it raised. If the first process is ended
    by an exit signal or by ``actors.exit(reason)`` with a reason other than ``normal``,
    raises `ErlangError(reason, "exit")`. Processes still alive at the end are killed and
    ports closed.
    """
    node = Node(name, cookie=cookie, longnames=longnames, address=address)
    if node._dist_config is not None:
        try:
            node.loop.run_until_complete(node.start_distribution())
        except BaseException:
            node.close()
            raise
    main = node.loop.create_task(node.run_process(fn, *args))
    with sigint_stops(node.loop, main) as interrupted:
        try:
            return node.loop.run_until_complete(main)
        except asyncio.CancelledError:
            if not interrupted:
                raise
        finally:
            node.close()
            if main.done() and not main.cancelled():
                main.exception()  # retrieved: an interrupted run ends without a stray report
    raise KeyboardInterrupt

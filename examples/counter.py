"""A supervised counter to play with in the shell (``python -m actors``).

    >>> import sys; sys.path.insert(0, "examples"); import counter
    >>> supervisor.start_link(counter.CounterSup(), 0, "counter_sup")
    (ok, <0.85.0>)
    >>> gen_server.call("counter", ("add", 5))
    5
    >>> exit(whereis("counter"), kill)          # the supervisor starts a fresh one...
    >>> supervisor.which_children("counter_sup")
    [(counter, <0.87.0>, worker, [counter])]
    >>> gen_server.call("counter", "get")       # ...from its start value
    0

``Counter`` is a gen_server (registered as ``counter``) under ``CounterSup``, a
one_for_one supervisor allowing 3 restarts in 5 seconds. ``python examples/counter.py``
runs the same story and prints it.
"""

from __future__ import annotations

from typing import Any

import actors
from actors import gen_server, supervisor


class Counter:
    """A counter: ``get``, ``("add", n)``, ``reset`` (a cast), ``crash``."""

    def init(self, start: int) -> Any:
        return ("ok", start)

    def handle_call(self, request: Any, from_: Any, n: int) -> Any:
        match request:
            case "get":
                return ("reply", n, n)
            case ("add", k):
                return ("reply", n + k, n + k)
            case "crash":
                raise RuntimeError("asked to crash")
        return ("reply", ("error", "unknown_request"), n)

    def handle_cast(self, msg: Any, n: int) -> Any:
        return ("noreply", 0 if msg == "reset" else n)


class CounterSup:
    """The supervisor of the counter: one_for_one, 3 restarts in 5 seconds."""

    def init(self, start: int) -> Any:
        flags = {"strategy": "one_for_one", "intensity": 3, "period": 5}
        child = {"id": "counter", "start": (gen_server.start_link, (Counter(), start, "counter"))}
        return ("ok", (flags, [child]))


async def demo() -> list[Any]:
    """The docstring's session, as a process: what each step gave."""
    out: list[Any] = []
    ok, sup = await supervisor.start_link(CounterSup(), 0, "counter_sup")
    out.append(await gen_server.call("counter", ("add", 5)))
    first = actors.whereis("counter")
    ref = actors.monitor("process", first)
    actors.exit(first, "kill")
    await actors.receive(("DOWN", ref, "process", first, actors.ANY))
    # a call to the supervisor is answered after it handled the EXIT (and the restart)
    out.append([(w[0], w[1] != first) for w in await supervisor.which_children("counter_sup")])
    out.append(await gen_server.call("counter", "get"))
    actors.unlink(sup)
    await gen_server.stop(sup, "shutdown")
    return out


if __name__ == "__main__":
    for line in actors.run(demo):
        print(line)

"""What a node's table holds (`Entity`: a process or a port) and the `Exit` exception.

A process is built in layers, one module per job, all on one slotted object so that the
hot paths read plain attributes:

- `Entity` (here): the handle that names it, its node, its links, whether it is alive;
- `actors._mailbox.Mailbox`: the message queue and selective receive;
- `actors._signals.Signals`: links, monitors and Erlang's exit-signal rules;
- `actors._process.Process`: the coroutine and what ends it.

A port (in `ports`) is an `Entity` with its own `exit_signal`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mypy_extensions import mypyc_attr

if TYPE_CHECKING:
    from ._node import Node

__all__ = ["Entity", "Exit"]


class Exit(BaseException):
    """Raised by `actors.exit(reason)`: ends the calling process with `reason`.

    Like Erlang's ``exit/1`` it unwinds the process; ``except Exception`` does not catch
    it, as ``catch error:_`` does not catch an exit in Erlang.
    """

    def __init__(self, reason: Any) -> None:
        super().__init__(reason)
        self.reason = reason


@mypyc_attr(allow_interpreted_subclasses=True)  # ports.PortActor
class Entity:
    """Something that can be linked to and receive exit signals: a process or a port.

    Subclasses implement `exit_signal`. `handle` is the hashable term that names the
    entity (a `Pid`, or a port handle) and `links` the handles it is linked to.
    """

    __slots__ = ("handle", "node", "_links", "alive", "__weakref__")

    handle: Any
    node: Node
    _links: set[Any] | None
    alive: bool

    # A property here, not a slot a subclass overrides with one: compiled code reads an
    # attribute of the class it knows directly, so an override would not be seen.
    @property
    def links(self) -> set[Any]:
        """The handles this entity is linked to (a process creates the set on first use,
        so an idle one stays small)."""
        s = self._links
        if s is None:
            s = self._links = set()
        return s

    @links.setter
    def links(self, value: set[Any]) -> None:
        self._links = value

    def exit_signal(self, sender: Any, reason: Any, from_link: bool) -> None:
        """Receive an exit signal from `sender` (`from_link`: sent because a linked
        entity ended, not by ``exit/2``)."""
        raise NotImplementedError

"""The inet driver's small rules for port options.

How inet_drv changes a port's options: `add_active` (the ``{active, N}`` counter),
`set_watermark` (the four watermarks clamp each other), ``buffer`` following
``recbuf``, and `accept_port_opts` (what an accepted socket inherits from its listen
socket). Pure functions on the ``port_opts`` dict; no sockets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from actors import Atom

from ._option_table import ACTIVE_MAX, BUFFER_SET_KEY

__all__ = [
    "ActiveResult",
    "accept_port_opts",
    "add_active",
    "apply_port_change",
    "recbuf_sets_buffer",
    "set_watermark",
]

_EINVAL: Final = Atom("einval")


def accept_port_opts(listen_port_opts: dict[str, Any]) -> dict[str, Any]:
    """The port options of a socket accepted from a listen socket with these options.

    The accepted socket inherits every port option, the active count included (erl:
    ``packet``, ``show_econnreset`` and ``delay_send`` of the listen socket hold on the
    accepted one, and a ``setopts`` on the listen socket changes only later accepts).
    Whether ``buffer`` was set explicitly is not inherited (erl: a listen socket with
    ``{buffer,100}``, then ``setopts(A, [{recbuf,20000}])`` on the accepted socket
    gives ``buffer 20000``).
    """
    return {k: v for k, v in listen_port_opts.items() if not k.startswith("$")}


@dataclass(frozen=True)
class ActiveResult:
    """What `add_active` decided: the new ``active`` value, and whether the port
    must now send ``{tcp_passive, S}`` to its owner."""

    active: Any
    tcp_passive: bool


def add_active(current: Any, value: Any) -> ActiveResult | None:
    """Apply ``{active, value}`` to a port whose active mode is ``current``.

    Emulates inet_drv: ``true``/``false``/``once`` replace the mode, dropping any
    count, and send no message; an integer N is added to the count when the port is in
    ``{active,N}`` mode (erl: 3 then 2 gives 5, then -1 gives 4), else it starts a
    count at N. A count above 32767 is refused: None, meaning ``{error, einval}`` with
    the mode unchanged. A count of 0 or below (``{active,0}`` on a passive port, or
    ``{active,-5}`` on a count of 3) turns the port passive (``False``) and asks for
    ``tcp_passive`` at once.
    """
    if not (type(value) is int):
        return ActiveResult(value, False)
    base = current if type(current) is int else 0
    new = base + value
    if new > ACTIVE_MAX:
        return None
    if new <= 0:
        return ActiveResult(False, True)
    return ActiveResult(new, False)


def set_watermark(port_opts: dict[str, Any], name: str, value: int) -> bool:
    """Set one of the four watermarks in ``port_opts`` as inet_drv does.

    Port-queue marks: a negative value becomes 0; raising ``low_watermark`` above
    ``high_watermark`` raises high to it; lowering ``high_watermark`` below low
    lowers low to it. Message-queue marks clamp the same way but refuse 0 and -1
    (returns False: einval); any other negative (the 32-bit value wrapped, e.g. 2^31)
    is taken as the largest size and reads back 2147483647 (erl, checked). Returns
    True when set.
    """
    if name.endswith("msgq_watermark"):
        if value in (0, -1):
            return False
        if value < 0:
            value = 2**31 - 1
        high, low = "high_msgq_watermark", "low_msgq_watermark"
    else:
        value = max(value, 0)
        high, low = "high_watermark", "low_watermark"
    if name == high:
        if port_opts[low] > value:
            port_opts[low] = value
    elif port_opts[high] < value:
        port_opts[high] = value
    port_opts[name] = value
    return True


def apply_port_change(port_opts: dict[str, Any], name: str, value: Any) -> Any:
    """Apply one validated port option in place. Returns None on success, the
    reason atom when the driver refuses it, or ``"tcp_passive"`` when the active
    count reached 0."""
    if name == "active":
        result = add_active(port_opts["active"], value)
        if result is None:
            return _EINVAL
        port_opts["active"] = result.active
        return Atom("tcp_passive") if result.tcp_passive else None
    if name.endswith("watermark"):
        return None if set_watermark(port_opts, name, value) else _EINVAL
    if name == "buffer":
        # inet_drv: at least 1 byte; the value is 32-bit.
        port_opts["buffer"] = max(value, 1)
        port_opts[BUFFER_SET_KEY] = True
        return None
    if name == "line_delimiter":
        port_opts[name] = value & 0xFF
        return None
    port_opts[name] = value
    return None


def recbuf_sets_buffer(port_opts: dict[str, Any], value: int) -> None:
    # inet_drv keeps buffer >= recbuf unless buffer was set explicitly on this
    # socket (erl: ``{recbuf,4096}`` reads back ``{buffer,4096}``; a recbuf smaller
    # than buffer leaves buffer alone, and a recbuf set after an explicit buffer, in
    # any call, leaves it alone too).
    if not port_opts.get(BUFFER_SET_KEY) and value > port_opts["buffer"]:
        port_opts["buffer"] = value

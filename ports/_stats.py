"""A socket's traffic counters, and ``inet:getstat/1``'s view of them."""

from __future__ import annotations

from typing import Final

__all__ = ["Stats", "STAT_KEYS"]

STAT_KEYS: Final = (
    "recv_oct",
    "recv_cnt",
    "recv_max",
    "recv_avg",
    "recv_dvi",
    "send_oct",
    "send_cnt",
    "send_max",
    "send_avg",
    "send_pend",
)
"""``inet:getstat/1``'s keys, in the order OTP 25 returns them (erl: ``inet:getstat(S)``
lists recv_oct, recv_cnt, recv_max, recv_avg, recv_dvi, send_oct, send_cnt, send_max,
send_avg, send_pend)."""


class Stats:
    """Octets and packets received and sent, and the largest of each."""

    __slots__ = ("recv_oct", "recv_cnt", "recv_max", "send_oct", "send_cnt", "send_max")

    def __init__(self) -> None:
        self.recv_oct = self.recv_cnt = self.recv_max = 0
        self.send_oct = self.send_cnt = self.send_max = 0

    def sent(self, size: int) -> None:
        self.send_oct += size
        self.send_cnt += 1
        if size > self.send_max:
            self.send_max = size

    def view(self, send_pend: int) -> dict[str, int]:
        """Every counter by its ``inet:getstat`` name (averages by integer division)."""
        return {
            "recv_oct": self.recv_oct,
            "recv_cnt": self.recv_cnt,
            "recv_max": self.recv_max,
            "recv_avg": self.recv_oct // self.recv_cnt if self.recv_cnt else 0,
            "recv_dvi": 0,
            "send_oct": self.send_oct,
            "send_cnt": self.send_cnt,
            "send_max": self.send_max,
            "send_avg": self.send_oct // self.send_cnt if self.send_cnt else 0,
            "send_pend": send_pend,
        }

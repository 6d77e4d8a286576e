"""The atoms the runtime and its users name again and again, made once.

``from actors.atoms import OK, ERROR`` instead of ``Atom("ok")`` at every use: one
object per atom, so hot paths can compare by identity first. Socket-specific atoms
(``tcp``, ``tcp_closed``, ...) live in `ports` beside the code that sends them.
"""

from __future__ import annotations

from typing import Final

from ._terms import Atom

__all__ = [
    "OK",
    "ERROR",
    "UNDEFINED",
    "INFINITY",
    "TIMEOUT",
    "NORMAL",
    "SHUTDOWN",
    "KILL",
    "KILLED",
    "NOPROC",
    "NOCONNECTION",
    "BADARG",
    "FUNCTION_CLAUSE",
    "EXIT",
    "DOWN",
    "PROCESS",
    "IGNORE",
]

OK: Final = Atom("ok")
ERROR: Final = Atom("error")
UNDEFINED: Final = Atom("undefined")
INFINITY: Final = Atom("infinity")
TIMEOUT: Final = Atom("timeout")
NORMAL: Final = Atom("normal")
SHUTDOWN: Final = Atom("shutdown")
KILL: Final = Atom("kill")
KILLED: Final = Atom("killed")
NOPROC: Final = Atom("noproc")
NOCONNECTION: Final = Atom("noconnection")
BADARG: Final = Atom("badarg")
FUNCTION_CLAUSE: Final = Atom("function_clause")
EXIT: Final = Atom("EXIT")
DOWN: Final = Atom("DOWN")
PROCESS: Final = Atom("process")
IGNORE: Final = Atom("ignore")

"""The options ``help(gen_tcp.listen)``, ``connect`` and ``inet.setopts`` list.

The lists follow OTP 25 (which options each call accepts); a test checks them against
the option table of the ports layer, so they cannot drift.
"""

from __future__ import annotations

from typing import Any, Callable, Final

__all__ = ["OPTION_DOCS", "document"]

_PORT: Final = """\
    Data and delivery (the port's own options):
      binary | list | ("mode", binary|list)   data as bytes or as a str
      ("active", true|false|once|N)           messages {tcp,S,Data}, or recv (false)
      ("packet", 0|1|2|4|raw|line|http|httph|http_bin|httph_bin|asn1|cdr|sunrm|fcgi|tpkt)
      ("packet_size", N)  ("header", N)  ("buffer", N)  ("deliver", port|term)
      ("exit_on_close", bool)  ("show_econnreset", bool)  ("delay_send", bool)
      ("send_timeout", ms|infinity)  ("send_timeout_close", bool)
      ("high_watermark", N)  ("low_watermark", N)
      ("high_msgq_watermark", N)  ("low_msgq_watermark", N)  ("debug", bool)
"""

_SOCKET: Final = """\
    Socket options (the kernel's):
      ("nodelay", bool)  ("keepalive", bool)  ("reuseaddr", bool)
      ("linger", (bool, seconds))  ("recbuf", N)  ("sndbuf", N)  ("priority", N)
      ("tos", N)  ("ttl", N)  ("tclass", N)  ("recvtos", bool)  ("recvttl", bool)
      ("recvtclass", bool)  ("bind_to_device", bytes)  ("raw", Level, Opt, bytes)
"""

_OPEN: Final = """\
    Opening the socket:
      inet | inet6 | local   the address family
      ("ip", Address)  ("ifaddr", Address)  ("port", N)  ("fd", N)  ("netns", Path)
      ("tcp_module", Module)  ("inet_backend", inet|socket) (first in the list only)
"""

OPTION_DOCS: Final[dict[str, str]] = {
    "connect": "\n    Options (OTP 25's gen_tcp:connect):\n" + _PORT
    + '      ("line_delimiter", Char)\n' + _SOCKET + _OPEN,
    "listen": "\n    Options (OTP 25's gen_tcp:listen):\n" + _PORT + _SOCKET
    + '      ("ipv6_v6only", bool)\n' + _OPEN + '      ("backlog", N)\n',
    "setopts": "\n    Options (OTP 25's inet:setopts):\n" + _PORT
    + '      ("line_delimiter", Char)\n' + _SOCKET
    + '      ("ipv6_v6only", bool)  ("dontroute", bool)  ("broadcast", bool)'
    + '  ("nopush", bool)\n      ("netns", Path)\n',
}


COMPILED: Final[dict[str, str]] = {"gen_tcp._hot.setopts": "setopts"}
"""The documented functions that compile (a compiled function's ``__doc__`` is read-only):
``mypyc_build.py`` writes the options list into their docstrings itself."""


def document(**functions: Callable[..., Any]) -> None:
    """Append the options list of each name (connect, listen, setopts) to its function's
    docstring (a compiled one has it already: see `COMPILED`)."""
    for name, fn in functions.items():
        try:
            fn.__doc__ = (fn.__doc__ or "").rstrip() + "\n" + OPTION_DOCS[name]
        except AttributeError:  # compiled: read-only, and the list is in it already
            pass

"""Erlang reasons for OS errors: the one place where `OSError` becomes an atom.

`reason_from_oserror` turns any exception raised by the `socket` module (or by a
resolver call) into the reason atom that `inet_drv` / `inet` would return for the same
failure: ``ECONNREFUSED`` becomes ``econnrefused``, a failed name lookup ``nxdomain``.
`format_error` mirrors `inet:format_error/1` (which falls through to
`erl_posix_msg:message/1`) string for string; the table below was generated from
Erlang/OTP 25 and is checked against a live ``erl`` by the differential test.

This module does no I/O and imports neither asyncio nor the actors runtime.
"""

from __future__ import annotations

import errno
import socket
from typing import Any, Final

from actors import Atom

__all__ = ["reason_from_oserror", "format_error", "POSIX_MESSAGES", "UNKNOWN_POSIX_ERROR"]

UNKNOWN_POSIX_ERROR: Final = "unknown POSIX error"

# erl_posix_msg:message/1 of Erlang/OTP 25 for every atom it knows (143 of them).
POSIX_MESSAGES: Final[dict[str, str]] = {
    "e2big": "argument list too long",
    "eacces": "permission denied",
    "eaddrinuse": "address already in use",
    "eaddrnotavail": "can't assign requested address",
    "eadv": "advertise error",
    "eafnosupport": "address family not supported by protocol family",
    "eagain": "resource temporarily unavailable",
    "ealign": "EALIGN",
    "ealready": "operation already in progress",
    "ebade": "bad exchange descriptor",
    "ebadf": "bad file number",
    "ebadfd": "file descriptor in bad state",
    "ebadmsg": "not a data message",
    "ebadr": "bad request descriptor",
    "ebadrpc": "RPC structure is bad",
    "ebadrqc": "bad request code",
    "ebadslt": "invalid slot",
    "ebfont": "bad font file format",
    "ebusy": "file busy",
    "echild": "no children",
    "echrng": "channel number out of range",
    "ecomm": "communication error on send",
    "econnaborted": "software caused connection abort",
    "econnrefused": "connection refused",
    "econnreset": "connection reset by peer",
    "edeadlk": "resource deadlock avoided",
    "edeadlock": "resource deadlock avoided",
    "edestaddrreq": "destination address required",
    "edirty": "mounting a dirty fs w/o force",
    "edom": "math argument out of range",
    "edotdot": "cross mount point",
    "edquot": "disk quota exceeded",
    "eduppkg": "duplicate package name",
    "eexist": "file already exists",
    "efault": "bad address in system call argument",
    "efbig": "file too large",
    "eftype": "EFTYPE",
    "ehostdown": "host is down",
    "ehostunreach": "host is unreachable",
    "eidrm": "identifier removed",
    "einit": "initialization error",
    "einprogress": "operation now in progress",
    "eintr": "interrupted system call",
    "einval": "invalid argument",
    "eio": "I/O error",
    "eisconn": "socket is already connected",
    "eisdir": "illegal operation on a directory",
    "eisnam": "is a name file",
    "el2hlt": "level 2 halted",
    "el2nsync": "level 2 not synchronized",
    "el3hlt": "level 3 halted",
    "el3rst": "level 3 reset",
    "elbin": "ELBIN",
    "elibacc": "cannot access a needed shared library",
    "elibbad": "accessing a corrupted shared library",
    "elibexec": "cannot exec a shared library directly",
    "elibmax": "attempting to link in more shared libraries than system limit",
    "elibscn": ".lib section in a.out corrupted",
    "elnrng": "link number out of range",
    "eloop": "too many levels of symbolic links",
    "emfile": "too many open files",
    "emlink": "too many links",
    "emsgsize": "message too long",
    "emultihop": "multihop attempted",
    "enametoolong": "file name too long",
    "enavail": "not available",
    "enet": "ENET",
    "enetdown": "network is down",
    "enetreset": "network dropped connection on reset",
    "enetunreach": "network is unreachable",
    "enfile": "file table overflow",
    "enoano": "anode table overflow",
    "enobufs": "no buffer space available",
    "enocsi": "no CSI structure available",
    "enodata": "no data available",
    "enodev": "no such device",
    "enoent": "no such file or directory",
    "enoexec": "exec format error",
    "enolck": "no locks available",
    "enolink": "link has be severed",
    "enomem": "not enough memory",
    "enomsg": "no message of desired type",
    "enonet": "machine is not on the network",
    "enopkg": "package not installed",
    "enoprotoopt": "bad proocol option",
    "enospc": "no space left on device",
    "enosr": "out of stream resources or not a stream device",
    "enostr": "not a stream",
    "enosym": "unresolved symbol name",
    "enosys": "function not implemented",
    "enotblk": "block device required",
    "enotconn": "socket is not connected",
    "enotdir": "not a directory",
    "enotempty": "directory not empty",
    "enotnam": "not a name file",
    "enotsock": "socket operation on non-socket",
    "enotsup": "operation not supported",
    "enotty": "inappropriate device for ioctl",
    "enotuniq": "name not unique on network",
    "enxio": "no such device or address",
    "eopnotsupp": "operation not supported on socket",
    "eoverflow": "offset too large for file system",
    "eperm": "not owner",
    "epfnosupport": "protocol family not supported",
    "epipe": "broken pipe",
    "eproclim": "too many processes",
    "eprocunavail": "bad procedure for program",
    "eprogmismatch": "program version wrong",
    "eprogunavail": "RPC program not available",
    "eproto": "protocol error",
    "eprotonosupport": "protocol not supported",
    "eprototype": "protocol wrong type for socket",
    "erange": "math result unrepresentable",
    "erefused": "EREFUSED",
    "eremchg": "remote address changed",
    "eremdev": "remote device",
    "eremote": "pathname hit remote file system",
    "eremoteio": "remote i/o error",
    "eremoterelease": "EREMOTERELEASE",
    "erofs": "read-only file system",
    "erpcmismatch": "RPC version is wrong",
    "erremote": "object is remote",
    "eshutdown": "can't send after socket shutdown",
    "esocktnosupport": "socket type not supported",
    "espipe": "invalid seek",
    "esrch": "no such process",
    "esrmnt": "srmount error",
    "estale": "stale remote file handle",
    "esuccess": "Error 0",
    "etime": "timer expired",
    "etimedout": "connection timed out",
    "etoomanyrefs": "too many references: can't splice",
    "etxtbsy": "text file or pseudo-device busy",
    "euclean": "structure needs cleaning",
    "eunatch": "protocol driver not attached",
    "eusers": "too many users",
    "eversion": "version mismatch",
    "ewouldblock": "operation would block",
    "exbadport": "inet_drv bad port state",
    "exbadseq": "inet_drv bad request sequence",
    "exdev": "cross-domain link",
    "exfull": "message tables full",
    "nxdomain": "non-existing domain",
}

# inet:format_error/1 answers these itself before asking erl_posix_msg.
_INET_MESSAGES: Final[dict[str, str]] = {
    "exbadport": "invalid port state",
    "exbadseq": "bad command sequence",
    "system_limit": "a system limit was hit, probably not enough ports",
}

# getaddrinfo failures.  Erlang resolves names itself (inet_db: hosts file, then the
# native resolver) and reports every "this name has no address" outcome as nxdomain,
# including on a machine without DNS, where glibc answers EAI_AGAIN or EAI_NONAME
# (erl: connecting to an unknown host name gives {error,nxdomain}).  So every lookup
# failure that means "no answer" maps to nxdomain; only failures that are about the
# request itself keep a POSIX reason.
_GAI_REASONS: Final[dict[int, str]] = {}
for _name, _reason in (
    ("EAI_NONAME", "nxdomain"),
    ("EAI_NODATA", "nxdomain"),
    ("EAI_AGAIN", "nxdomain"),
    ("EAI_FAIL", "nxdomain"),
    ("EAI_ADDRFAMILY", "nxdomain"),
    ("EAI_FAMILY", "eafnosupport"),
    ("EAI_MEMORY", "enomem"),
    ("EAI_SERVICE", "einval"),
    ("EAI_SOCKTYPE", "einval"),
    ("EAI_BADFLAGS", "einval"),
):
    _code = getattr(socket, _name, None)
    if isinstance(_code, int):
        _GAI_REASONS.setdefault(_code, _reason)


def reason_from_oserror(exc: BaseException) -> Atom:
    """Return the Erlang reason atom for an exception raised by a socket operation.

    Mapping, in order:

    * `socket.gaierror` (getaddrinfo): "no address for this name" in any form
      (EAI_NONAME, EAI_NODATA, EAI_AGAIN, EAI_FAIL) is ``nxdomain``, as Erlang's
      resolver reports it; EAI_FAMILY is ``eafnosupport``; EAI_SYSTEM uses its errno.
    * `UnicodeError`: the IDNA codec refused the name (``"."``, an empty label, a
      label over 63 characters); Erlang looks such a name up and finds nothing, so
      ``nxdomain`` (erl: ``connect(".", P, [])`` gives ``{error,nxdomain}``).
    * `TimeoutError` without an errno is a Python-side timeout (``settimeout``),
      which Erlang reports as ``timeout``; with ``ETIMEDOUT`` it is the kernel's
      ``etimedout``, kept distinct as Erlang keeps it.
    * any other `OSError` with an errno: the errno's symbolic name lowercased, as
      inet_drv does (``ECONNREFUSED`` -> ``econnrefused``).  ``EWOULDBLOCK`` and
      ``EAGAIN`` share a number on Linux, as do ``ENOTSUP`` / ``EOPNOTSUPP`` and
      ``EDEADLK`` / ``EDEADLOCK``; Erlang's driver names them ``eagain``,
      ``eopnotsupp`` and ``edeadlk`` (erl_errno_id), and so does this.
    * anything else: ``einval`` (an argument the OS refused without saying why).
    """
    if isinstance(exc, socket.gaierror):
        code = exc.errno if isinstance(exc.errno, int) else None
        if code is not None and code == getattr(socket, "EAI_SYSTEM", None):
            inner = exc.args[1] if len(exc.args) > 1 else None
            if isinstance(inner, int):
                return _errno_atom(inner)
            return Atom("nxdomain")
        return Atom(_GAI_REASONS.get(code, "nxdomain") if code is not None else "nxdomain")
    if isinstance(exc, UnicodeError):
        return Atom("nxdomain")
    if isinstance(exc, TimeoutError) and exc.errno is None:
        return Atom("timeout")
    if isinstance(exc, OSError) and isinstance(exc.errno, int):
        return _errno_atom(exc.errno)
    return Atom("einval")


# Linux numbers with two names: inet_drv (erl_errno_id) uses these.
_ERRNO_ALIASES: Final[dict[int, str]] = {
    errno.EAGAIN: "eagain",
    errno.EOPNOTSUPP: "eopnotsupp",
    errno.EDEADLK: "edeadlk",
}


def _errno_atom(code: int) -> Atom:
    alias = _ERRNO_ALIASES.get(code)
    if alias is not None:
        return Atom(alias)
    name = errno.errorcode.get(code)
    if name is None:
        return Atom("einval")
    return Atom(name.lower())


def format_error(reason: Any) -> str:
    """Emulate `inet:format_error/1`: an English description of ``reason``.

    ``exbadport``, ``exbadseq`` and ``system_limit`` have inet's own texts; every
    POSIX atom has `erl_posix_msg`'s text; anything else, including ``closed``,
    ``timeout``, non-atoms and unknown atoms, is ``"unknown POSIX error"``, exactly
    as OTP 25 prints it.  Erlang returns a string (a list); so does this.
    """
    # A plain str stands for an atom here (Atom("x") == "x"); nothing else can match.
    if not isinstance(reason, str):
        return UNKNOWN_POSIX_ERROR
    text = _INET_MESSAGES.get(reason)
    if text is not None:
        return text
    return POSIX_MESSAGES.get(reason, UNKNOWN_POSIX_ERROR)

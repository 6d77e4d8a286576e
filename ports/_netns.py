"""Network namespaces: open a socket inside another namespace (the ``netns`` option).

Linux's ``setns(2)`` moves the calling thread into the namespace named by a file (such
as ``/var/run/netns/NAME``); a socket created there stays in that namespace for its whole
life. The thread moves back at once, so only the new socket is affected. Python 3.11
has no ``os.setns``: libc's is called through ctypes.
"""

from __future__ import annotations

import ctypes
import os
import socket
from typing import Final

__all__ = ["socket_in_netns"]

CLONE_NEWNET: Final = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def socket_in_netns(path: bytes, family: int) -> socket.socket:
    """A new stream socket of `family` created in the network namespace at `path`.

    Raises `OSError` (``ENOENT`` for a missing namespace, ``EPERM`` without the
    privilege) and leaves the calling thread in its own namespace either way.
    """
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        target = os.open(path, os.O_RDONLY)
        try:
            _setns(target)
            try:
                return socket.socket(family, socket.SOCK_STREAM)
            finally:
                _setns(home)
        finally:
            os.close(target)
    finally:
        os.close(home)

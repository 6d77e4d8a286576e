"""The error results gen_tcp's checks answer with."""

from __future__ import annotations

from ports._atoms import E_CLOSED, E_EINVAL, E_ENOTCONN, E_TIMEOUT

__all__ = ["E_CLOSED", "E_EINVAL", "E_ENOTCONN", "E_TIMEOUT"]

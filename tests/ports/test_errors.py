"""ports._errors: OSError -> reason atoms, and inet:format_error/1.

The Erlang terms in the docstrings are what real Erlang/OTP 25 (inet backend) returns.
"""

from __future__ import annotations

import errno
import socket

import pytest

from actors import Atom
from ports._errors import POSIX_MESSAGES, UNKNOWN_POSIX_ERROR, format_error, reason_from_oserror
from tests.erlang_oracle import binary_to_term, run_escript, term_to_binary


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ECONNREFUSED, "econnrefused"),
        (errno.EADDRINUSE, "eaddrinuse"),
        (errno.ECONNRESET, "econnreset"),
        (errno.ENOTCONN, "enotconn"),
        (errno.EMFILE, "emfile"),
        (errno.EAFNOSUPPORT, "eafnosupport"),
        (errno.EHOSTUNREACH, "ehostunreach"),
        (errno.EAGAIN, "eagain"),
        (errno.EOPNOTSUPP, "eopnotsupp"),
        (errno.ETIMEDOUT, "etimedout"),
    ],
)
def test_errno_becomes_lowercase_name(code: int, reason: str) -> None:
    """inet_drv reports errno by its lowercased name ({error,econnrefused})."""
    got = reason_from_oserror(OSError(code, "x"))
    assert got == reason and isinstance(got, Atom)


def test_subclass_oserrors_map_by_errno() -> None:
    """Python's OSError subclasses carry the errno; the subclass does not matter."""
    assert reason_from_oserror(ConnectionRefusedError(errno.ECONNREFUSED, "x")) == "econnrefused"
    assert reason_from_oserror(BrokenPipeError(errno.EPIPE, "x")) == "epipe"


def test_timeout_without_errno_is_timeout() -> None:
    """A Python-side timeout is Erlang's `timeout`, not the kernel's etimedout."""
    assert reason_from_oserror(TimeoutError()) == "timeout"
    assert reason_from_oserror(socket.timeout("timed out")) == "timeout"


def test_unknown_host_is_nxdomain() -> None:
    """gen_tcp:connect("non-existing-host-xxx",...) -> {error,nxdomain}."""
    with pytest.raises(socket.gaierror) as info:
        socket.getaddrinfo("non-existing-host-xxx.invalid", None, socket.AF_INET)
    assert reason_from_oserror(info.value) == "nxdomain"


def test_gai_codes() -> None:
    """Every "no address" answer of getaddrinfo is nxdomain; a bad family is eafnosupport."""
    assert reason_from_oserror(socket.gaierror(socket.EAI_NONAME, "x")) == "nxdomain"
    assert reason_from_oserror(socket.gaierror(socket.EAI_AGAIN, "x")) == "nxdomain"
    assert reason_from_oserror(socket.gaierror(socket.EAI_FAMILY, "x")) == "eafnosupport"


def test_idna_failure_is_nxdomain() -> None:
    """Looking up "." gives {error,nxdomain}; Python fails in the IDNA codec."""
    assert reason_from_oserror(UnicodeError("label empty")) == "nxdomain"


def test_other_exceptions_are_einval() -> None:
    """An OSError without errno, or anything else, is einval."""
    assert reason_from_oserror(OSError("no errno")) == "einval"
    assert reason_from_oserror(ValueError("x")) == "einval"


def test_format_error_known_texts() -> None:
    """inet:format_error/1 texts, as printed by OTP 25."""
    assert format_error("eaddrinuse") == "address already in use"
    assert format_error(Atom("econnrefused")) == "connection refused"
    assert format_error("nxdomain") == "non-existing domain"
    assert format_error("einval") == "invalid argument"
    assert format_error("emfile") == "too many open files"
    assert format_error("system_limit") == "a system limit was hit, probably not enough ports"
    assert format_error("exbadport") == "invalid port state"
    assert format_error("exbadseq") == "bad command sequence"


def test_format_error_unknown() -> None:
    """closed, timeout, unknown atoms and non-atoms: "unknown POSIX error" in OTP 25."""
    for reason in ("closed", "timeout", "foo", "badarg", 42, ("foo",), b"x"):
        assert format_error(reason) == UNKNOWN_POSIX_ERROR


_FORMAT_ERROR_ESCRIPT = r"""
-mode(compile).
main([In, Out]) ->
    {ok, Bin} = file:read_file(In),
    Atoms = binary_to_term(Bin),
    Texts = [unicode:characters_to_binary(inet:format_error(A)) || A <- Atoms],
    ok = file:write_file(Out, term_to_binary(Texts)).
"""


@pytest.mark.erlang
def test_format_error_matches_erlang_for_every_atom() -> None:
    """Differential: inet:format_error/1 of real Erlang for every POSIX atom we know,
    the inet-specific ones and a few unknown ones."""
    atoms = sorted(POSIX_MESSAGES) + [
        "closed", "timeout", "system_limit", "exbadport", "exbadseq", "not_owner",
        "no_such_reason",
    ]
    answer = binary_to_term(
        run_escript(_FORMAT_ERROR_ESCRIPT, term_to_binary([Atom(a) for a in atoms]))
    )
    expected = [b.decode() for b in answer]
    assert [format_error(a) for a in atoms] == expected


def test_every_linux_errno_gets_an_atom_erlang_can_format() -> None:
    """Each errno Linux has maps to an atom; the common ones are in Erlang's table."""
    for code in errno.errorcode:
        reason = reason_from_oserror(OSError(code, "x"))
        assert isinstance(reason, Atom) and reason.islower()
    for name in ("econnrefused", "econnreset", "epipe", "enotconn", "eaddrinuse"):
        assert name in POSIX_MESSAGES

"""``ports._sendfd``, the compiled build's send that keeps the GIL, answers as
``socket.send`` / ``socket.sendmsg`` do: the bytes taken, or the same OSError subclass
with the same errno. It is loaded from the compiled build's files whichever build this
run uses (``make test`` builds it before both runs)."""

from __future__ import annotations

import socket
from types import ModuleType
from typing import Any, Callable, Iterator

import pytest

from tests.c_build import load_c_module


@pytest.fixture(scope="module")
def sendfd() -> ModuleType:
    return load_c_module("ports._sendfd")


def _outcome(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except OSError as e:
        return (type(e), e.errno)


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected pair, the first non-blocking (as a port's socket); closed after."""
    a, b = socket.socketpair()
    a.setblocking(False)
    yield a, b
    a.close()
    b.close()


@pytest.mark.parametrize("data", [b"hello", bytearray(b"hello"), memoryview(b"xhellox")[1:6], b""])
def test_send_takes_what_socket_send_takes(sendfd: ModuleType, pair: Any, data: Any) -> None:
    a, b = pair
    assert sendfd.send(a.fileno(), data) == a.send(data) == len(data)
    if data:
        assert b.recv(100) == bytes(data) * 2


def test_sendv_sends_every_part_in_one_call(sendfd: ModuleType, pair: Any) -> None:
    a, b = pair
    parts = [b"\x00\x05", b"hello"]
    assert sendfd.sendv(a.fileno(), parts) == a.sendmsg(parts) == 7
    assert b.recv(100) == b"\x00\x05hello" * 2
    assert sendfd.sendv(a.fileno(), (b"a", bytearray(b"b"), memoryview(b"c"))) == 3
    assert b.recv(100) == b"abc"


def test_full_buffer_partial_then_blocking_io_error(sendfd: ModuleType, pair: Any) -> None:
    a, b = pair
    chunk = b"x" * 65536
    total = 0
    while True:
        n = _outcome(lambda: sendfd.send(a.fileno(), chunk))
        if not isinstance(n, int):
            break
        assert 0 < n <= len(chunk)
        total += n
    assert n == (BlockingIOError, _outcome(lambda: a.send(chunk))[1])
    assert total > 0
    assert _outcome(lambda: sendfd.sendv(a.fileno(), [chunk])) == n


def test_errors_are_socket_sends_errors(sendfd: ModuleType, pair: Any) -> None:
    a, b = pair
    b.close()
    theirs = _outcome(lambda: a.send(b"x"))
    assert theirs[0] is BrokenPipeError
    assert _outcome(lambda: sendfd.send(a.fileno(), b"x")) == theirs
    assert _outcome(lambda: sendfd.sendv(a.fileno(), [b"x"])) == theirs
    a.close()
    # a closed socket's fileno() is -1: EBADF, as socket.send raises
    assert _outcome(lambda: a.send(b"x")) == (OSError, 9)
    assert _outcome(lambda: sendfd.send(a.fileno(), b"x")) == (OSError, 9)
    assert _outcome(lambda: sendfd.sendv(a.fileno(), [b"x"])) == (OSError, 9)


def test_bad_arguments_raise(sendfd: ModuleType, pair: Any) -> None:
    a, b = pair
    with pytest.raises(TypeError):
        sendfd.send(a.fileno())
    with pytest.raises(TypeError):
        sendfd.send(a.fileno(), "text")
    with pytest.raises(TypeError):
        sendfd.send("3", b"x")
    with pytest.raises(TypeError):
        sendfd.sendv(a.fileno(), b"not a list of buffers")
    with pytest.raises(ValueError):
        sendfd.sendv(a.fileno(), [b"x"] * 9)
    with pytest.raises(TypeError):
        sendfd.sendv(a.fileno(), [b"x", 3])

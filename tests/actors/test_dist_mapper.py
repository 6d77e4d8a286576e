"""The port mapper alone (``python -m actors.epmd``): epmd's requests, and what it does
with clients that are wrong, slow or too many. It must survive all of them without
dying, leaking or running anything, as a daemon that anyone on its network can reach."""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from actors._dist import _mapper

from .dist_helpers import end_mapper, mapper_port, start_mapper
from .dist_helpers import mapper_names as names

THIRD = "127.0.0.3"


def _connect() -> socket.socket:
    s = socket.create_connection((THIRD, mapper_port()), timeout=10)
    return s


def _closed_by_mapper(s: socket.socket) -> bool:
    """True when the mapper closes `s` (reading what it says first)."""
    try:
        while s.recv(4096):
            pass
    except ConnectionResetError:
        pass
    return True


def _alive2(name: bytes, gw_port: int = 4000, highest: int = 6) -> bytes:
    body = _mapper.ALIVE2_FIELDS.pack(gw_port, 77, 0, highest, 5, len(name)) + name + b"\0\0"
    return _mapper.request(bytes([_mapper.ALIVE2_REQ]) + body)


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@pytest.fixture
def mapper() -> Iterator[subprocess.Popen[bytes]]:
    """A mapper of the test's own on 127.0.0.3 that waits 0.5 s for a request."""
    proc = start_mapper(THIRD, "--request-timeout", "0.5")
    try:
        yield proc
    finally:
        end_mapper(proc)


def test_registration_lives_as_long_as_its_connection(mapper: subprocess.Popen[bytes]) -> None:
    """ALIVE2: result 0 and a four-byte creation (ALIVE2_X_RESP; ALIVE2_RESP with two
    bytes to a node of version 5, as epmd answers); the same name again is refused
    (result 1) while the first connection is open, and free once it closes; malformed
    names are refused; PORT_PLEASE2 of an unknown name is result 1."""
    first = _connect()
    first.sendall(_alive2(b"x"))
    reply = first.recv(16)
    assert reply[:2] == bytes([_mapper.ALIVE2_X_RESP, 0]) and len(reply) == 6
    assert names(THIRD) == {"x": 4000}
    for name in (b"x", b"", b"a b", b"\xff", b"x" * 300, b"a@b"):
        with _connect() as s:
            s.sendall(_alive2(name))
            assert s.recv(16)[:2] == bytes([_mapper.ALIVE2_X_RESP, 1]), name
    first.close()
    deadline = time.monotonic() + 10
    while names(THIRD):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    with _connect() as s:
        s.sendall(_alive2(b"old", 4002, highest=5))
        assert s.recv(16)[:2] == bytes([_mapper.ALIVE2_RESP, 0])
    with _connect() as s:
        s.sendall(_mapper.request(bytes([_mapper.PORT_PLEASE2_REQ]) + b"nobody"))
        assert s.recv(16) == bytes([_mapper.PORT2_RESP, 1])
    with _connect() as s:
        s.sendall(_alive2(b"x", 4001))
        assert s.recv(16)[:2] == bytes([_mapper.ALIVE2_X_RESP, 0])
        with _connect() as q:
            q.sendall(_mapper.request(bytes([_mapper.PORT_PLEASE2_REQ]) + b"x"))
            assert q.recv(64)[:4] == bytes([_mapper.PORT2_RESP, 0]) + (4001).to_bytes(2, "big")


def test_garbage_slow_and_many_clients_do_no_harm(
    mapper: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    """Garbage, a huge length, a pickle that would run a command, a client that stalls
    mid-request and more idle clients than the mapper takes: each connection is closed
    (the stalled ones after the request timeout), nothing runs, and the mapper still
    answers with no descriptor more than before."""
    before = _fds(mapper.pid)
    marker = tmp_path / "ran"
    evil = pickle.dumps(_Evil(str(marker)))
    for data in (os.urandom(512), b"\xff\xff" + b"x" * 100, evil, _mapper.request(b"\x80" + evil),
                 _mapper.request(bytes([_mapper.ALIVE2_REQ]) + b"\x00" * 3)):
        with _connect() as s:
            s.sendall(data)
            assert _closed_by_mapper(s)
    stalled = [_connect() for _ in range(_mapper.MAX_WAITING + 10)]
    for s in stalled[:10]:
        s.sendall(b"\x00")  # a request begun, never finished
    try:
        for s in stalled:
            assert _closed_by_mapper(s)
    finally:
        for s in stalled:
            s.close()
    assert not marker.exists()
    assert names(THIRD) == {}
    deadline = time.monotonic() + 10
    while _fds(mapper.pid) > before:
        assert time.monotonic() < deadline, f"{_fds(mapper.pid)} descriptors, {before} before"
        time.sleep(0.02)
    assert mapper.poll() is None


class _Evil:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> Any:
        return (os.system, (f"touch {self.path}",))

"""examples/http_server.py under real HTTP clients: http.client, raw sockets and curl.

The server runs inside the test's node (its acceptors are processes beside the test); the
clients are blocking Python code run in a thread (``asyncio.to_thread``) or a curl
subprocess, so they talk to it over loopback as any client would. Its Erlang twin,
tests/bench/http_server.erl, answers each of these exchanges with the same bytes.
"""

from __future__ import annotations

import asyncio
import http.client
import importlib.util
import os
import shutil
import socket
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

import pytest

import actors
import gen_tcp
from actors.testing import assert_receive
from gen_tcp import inet

T = TypeVar("T")
EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "http_server.py")
TIMEOUT = 10.0  # seconds a client waits for the server before the test fails

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n"
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n"
HELLO = OK + b"\r\nHello world"
MISSING = NOT_FOUND + b"\r\nNot Found"
BAD = b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request"


def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("http_server_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def start() -> tuple[Any, int]:
    """The example's listen socket (2 acceptors) and its port number."""
    ls = await example().start(0, 2)
    ok, port = await inet.port(ls)
    assert ok == "ok"
    return ls, port


async def stop(ls: Any) -> None:
    """Close the listen socket; wait until every acceptor and connection process ended."""
    refs = [actors.monitor("process", p) for p in actors.processes() if p != actors.self()]
    assert await gen_tcp.close(ls) == "ok"
    for ref in refs:
        await assert_receive(("DOWN", ref, "process", actors.ANY, actors.ANY), timeout=5000)


async def client(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking client code in a thread, so the node keeps serving meanwhile."""
    return await asyncio.to_thread(fn, *args)


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)


def read_exactly(s: socket.socket, n: int) -> bytes:
    got = b""
    while len(got) < n:
        chunk = s.recv(n - len(got))
        assert chunk, f"the server closed after {got!r}"
        got += chunk
    return got


def read_to_end(s: socket.socket) -> bytes:
    """Everything until the server closes the connection."""
    got = b""
    while chunk := s.recv(65536):
        got += chunk
    return got


def exchange(port: int, request: bytes) -> bytes:
    """Send `request` (in one write), half-close, read until the server closes."""
    with connect(port) as s:
        s.sendall(request)
        s.shutdown(socket.SHUT_WR)
        return read_to_end(s)


async def test_keep_alive_serves_requests_on_one_connection() -> None:
    """HTTP/1.1 keeps the connection: http.client sends three requests over one socket
    (200, 404, 200) and the server never asks to close it."""
    ls, port = await start()

    def run() -> list[tuple[int, bytes, bool, int]]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        out = []
        try:
            for path in ("/", "/missing", "/"):
                conn.request("GET", path)
                r = conn.getresponse()
                body = r.read()
                assert conn.sock is not None
                out.append((r.status, body, r.will_close, conn.sock.fileno()))
        finally:
            conn.close()
        return out

    got = await client(run)
    assert [(status, body, close) for status, body, close, _ in got] == [
        (200, b"Hello world", False), (404, b"Not Found", False), (200, b"Hello world", False),
    ]
    assert len({fd for *_, fd in got}) == 1  # one socket throughout
    await stop(ls)


async def test_pipelined_requests_are_answered_in_order() -> None:
    """Requests written back to back in one packet are answered in order, each once."""
    ls, port = await start()
    requests = b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nUser-Agent: t\r\n\r\n"

    def run() -> bytes:
        with connect(port) as s:
            s.sendall(requests * 5)
            return read_exactly(s, 5 * len(HELLO + MISSING + HELLO))

    assert await client(run) == (HELLO + MISSING + HELLO) * 5
    await stop(ls)


async def test_connection_close_is_honoured() -> None:
    """"Connection: close" (in any case, among other tokens) gets the answer with
    "Connection: close", and then the server closes the connection."""
    ls, port = await start()
    request = b"GET / HTTP/1.1\r\nConnection: TE, Close\r\n\r\n"

    def run() -> bytes:
        with connect(port) as s:
            s.sendall(request)
            return read_to_end(s)  # no half-close: the server ends the connection

    assert await client(run) == OK + b"Connection: close\r\n\r\nHello world"
    await stop(ls)


async def test_http_1_0_closes_unless_keep_alive() -> None:
    """HTTP/1.0 closes after one answer; with "Connection: keep-alive" the server keeps
    the connection and says so in its answer."""
    ls, port = await start()
    closed = await client(exchange, port, b"GET / HTTP/1.0\r\n\r\n")
    assert closed == OK + b"Connection: close\r\n\r\nHello world"
    kept = await client(exchange, port, b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n" * 2)
    assert kept == (OK + b"Connection: keep-alive\r\n\r\nHello world") * 2
    await stop(ls)


async def test_body_with_content_length_is_read_and_skipped() -> None:
    """A body of Content-Length bytes is read raw (POST / is 404: only GET / exists),
    even when it looks like a request line; the next request on the connection follows
    it, and a body split over two writes is read whole."""
    ls, port = await start()
    body = b"GET /not-a-request HTTP/1.1\r\n\r\n"
    post = b"POST / HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(body)
    got = await client(exchange, port, post + body + b"GET / HTTP/1.1\r\n\r\n")
    assert got == MISSING + HELLO

    def split() -> bytes:
        with connect(port) as s:
            s.sendall(post + body[:10])
            s.sendall(body[10:] + b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
            return read_to_end(s)

    assert await client(split) == MISSING + OK + b"Connection: close\r\n\r\nHello world"
    await stop(ls)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GARBAGE\r\n\r\n",  # no request line: {http_error, _}
        b"GET / HTTP/1.1\r\nnot a header\r\n\r\n",  # {http_error, _} among the headers
        b"GET / HTTP/1.1\r\nContent-Length: ten\r\n\r\n",
    ],
)
async def test_bad_request_gets_400_and_close(request_bytes: bytes) -> None:
    """A line that does not parse ({http_error, Line}) or a Content-Length that is no
    number: 400 with "Connection: close", then the server closes."""
    ls, port = await start()
    assert await client(exchange, port, request_bytes) == BAD
    await stop(ls)


async def test_other_paths_and_methods_get_404() -> None:
    """Only GET / is found: another path, HEAD / and an absolute URI get 404."""
    ls, port = await start()
    requests = b"GET /x HTTP/1.1\r\n\r\nHEAD / HTTP/1.1\r\n\r\nGET http://h/ HTTP/1.1\r\n\r\n"
    assert await client(exchange, port, requests) == MISSING * 3
    await stop(ls)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
async def test_curl_reuses_its_connection() -> None:
    """curl fetches two URLs over one kept-alive connection: 200 then 404."""
    ls, port = await start()
    proc = await asyncio.create_subprocess_exec(
        "curl", "-s", "-S", "-v", "--max-time", "10",
        f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{port}/nothing",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err
    assert out == b"Hello worldNot Found"
    assert b"Re-using existing connection" in err
    assert b"< HTTP/1.1 404 Not Found" in err
    await stop(ls)

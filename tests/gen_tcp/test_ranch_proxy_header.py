"""gen_tcp.ranch: the PROXY protocol header (ranch_proxy_header), sans-IO and through a
listener, with headers written byte for byte as HAProxy sends them (send-proxy,
send-proxy-v2, send-proxy-v2-ssl-cn, and the v2 LOCAL of its health checks)."""

from __future__ import annotations

from typing import Any

import pytest

import actors
import gen_tcp
from actors import ANY, Pid
from actors.testing import assert_receive
from gen_tcp import ranch
from gen_tcp.ranch import proxy_header as ph

from .ranch_helpers import client, running

SIG = b"\r\n\r\n\x00\r\nQUIT\n"

V1_TCP4 = b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"
V1_TCP6 = b"PROXY TCP6 2001:db8::1 2001:db8::2 4124 443\r\n"
V1_UNKNOWN = b"PROXY UNKNOWN\r\n"
V1_UNKNOWN_ADDRS = b"PROXY UNKNOWN ffff:f::f ffff::f 65535 65535\r\n"
# send-proxy-v2: version 2 / PROXY, TCP over IPv4, 12 bytes of addresses
V2_TCP4 = SIG + b"\x21\x11\x00\x0c" + bytes([192, 168, 0, 1, 192, 168, 0, 11]) + b"\xdc\x04\x01\xbb"
V2_TCP6 = (
    SIG + b"\x21\x21\x00\x24"
    + bytes.fromhex("20010db8000000000000000000000001") + bytes.fromhex("20010db8000000000000000000000002")
    + b"\x10\x1c\x01\xbb"
)
V2_LOCAL = SIG + b"\x20\x00\x00\x00"  # a health check: LOCAL, AF_UNSPEC, no addresses


def tlv(kind: int, value: bytes) -> bytes:
    return bytes([kind]) + len(value).to_bytes(2, "big") + value


SSL = tlv(0x20, b"\x07" + b"\x00\x00\x00\x00" + tlv(0x21, b"TLSv1.3") + tlv(0x22, b"client.example")
          + tlv(0x23, b"TLS_AES_256_GCM_SHA384") + tlv(0x24, b"RSA-SHA256") + tlv(0x25, b"RSA2048"))
TLVS = tlv(0x01, b"h2") + tlv(0x02, b"example.com") + tlv(0x05, b"\x01" * 16) + SSL + tlv(0x04, b"\x00" * 3) \
    + tlv(0xE0, b"custom") + tlv(0x30, b"ns1")
ADDRS4 = bytes([10, 0, 0, 1, 10, 0, 0, 2]) + b"\x30\x39\x00\x50"
V2_TLVS = SIG + b"\x21\x11" + (12 + len(TLVS)).to_bytes(2, "big") + ADDRS4 + TLVS


def with_crc(body_tlvs: bytes) -> bytes:
    """A v2 header as HAProxy writes it with 'crc32c': the checksum over the whole
    header with the checksum field zeroed."""
    tlvs = body_tlvs + b"\x03\x00\x04\x00\x00\x00\x00"
    head = SIG + b"\x21\x11" + (12 + len(tlvs)).to_bytes(2, "big") + ADDRS4 + tlvs
    crc = ph.crc32c(head).to_bytes(4, "big")
    return head[:-4] + crc


TCP4 = {"version": 1, "command": "proxy", "transport_family": "ipv4", "transport_protocol": "stream",
        "src_address": (192, 168, 0, 1), "src_port": 56324, "dest_address": (192, 168, 0, 11), "dest_port": 443}
CASES = [
    (V1_TCP4, TCP4),
    (V1_TCP6, {"version": 1, "command": "proxy", "transport_family": "ipv6", "transport_protocol": "stream",
               "src_address": (0x2001, 0xDB8, 0, 0, 0, 0, 0, 1), "src_port": 4124,
               "dest_address": (0x2001, 0xDB8, 0, 0, 0, 0, 0, 2), "dest_port": 443}),
    (V1_UNKNOWN, {"version": 1, "command": "proxy", "transport_family": "undefined", "transport_protocol": "undefined"}),
    (V1_UNKNOWN_ADDRS, {"version": 1, "command": "proxy", "transport_family": "undefined",
                        "transport_protocol": "undefined"}),
    (V2_TCP4, {**TCP4, "version": 2}),
    (V2_TCP6, {"version": 2, "command": "proxy", "transport_family": "ipv6", "transport_protocol": "stream",
               "src_address": (0x2001, 0xDB8, 0, 0, 0, 0, 0, 1), "src_port": 4124,
               "dest_address": (0x2001, 0xDB8, 0, 0, 0, 0, 0, 2), "dest_port": 443}),
    (V2_LOCAL, {"version": 2, "command": "local"}),
    (V2_TLVS, {"version": 2, "command": "proxy", "transport_family": "ipv4", "transport_protocol": "stream",
               "src_address": (10, 0, 0, 1), "src_port": 12345, "dest_address": (10, 0, 0, 2), "dest_port": 80,
               "alpn": b"h2", "authority": b"example.com", "unique_id": b"\x01" * 16, "netns": b"ns1",
               "ssl": {"client": ["ssl", "cert_conn", "cert_sess"], "verified": True, "version": b"TLSv1.3",
                       "cn": b"client.example", "cipher": b"TLS_AES_256_GCM_SHA384", "sig_alg": b"RSA-SHA256",
                       "key_alg": b"RSA2048"},
               "raw_tlvs": [(0xE0, b"custom")]}),
]


@pytest.mark.parametrize("header,info", CASES)
def test_parse_all_at_once_with_trailing_data(header: bytes, info: dict[str, Any]) -> None:
    """parse gives Ranch's proxy_info map and the bytes after the header untouched."""
    assert ph.parse(header) == ("ok", info, b"")
    assert ph.parse(header + b"GET / HTTP/1.1\r\n") == ("ok", info, b"GET / HTTP/1.1\r\n")


@pytest.mark.parametrize("header,info", CASES)
def test_needed_byte_by_byte(header: bytes, info: dict[str, Any]) -> None:
    """Fed one byte at a time, needed says 'need more' (None) until the header's length
    is known, then that length, which never changes; trailing data does not move it."""
    answers = [ph.needed(header[:i]) for i in range(1, len(header) + 1)]
    known = [a for a in answers if a is not None]
    assert known and set(known) == {len(header)}
    assert answers[-1] == len(header) == ph.needed(header + b"tail")


def test_unix_addresses() -> None:
    """v2 over AF_UNIX: 108-byte NUL-padded paths, given as binaries."""
    addrs = b"/src".ljust(108, b"\x00") + b"/dst".ljust(108, b"\x00")
    h = SIG + b"\x21\x31" + (216).to_bytes(2, "big") + addrs
    assert ph.parse(h) == ("ok", {"version": 2, "command": "proxy", "transport_family": "unix",
                                  "transport_protocol": "stream", "src_address": b"/src", "dest_address": b"/dst"}, b"")


def test_crc32c() -> None:
    """CRC-32C of '123456789' is 0xE3069283 (the standard check value); a header with
    HAProxy's crc32c TLV passes, one with a flipped address byte fails as Ranch says."""
    assert ph.crc32c(b"123456789") == 0xE3069283
    good = with_crc(tlv(0x01, b"h2"))
    assert ph.parse(good)[0] == "ok"
    bad = bytearray(good)
    bad[16] ^= 1
    assert ph.parse(bytes(bad)) == ("error", "Failed CRC32C verification in PROXY protocol binary header. (PP 2.2)")


@pytest.mark.parametrize("data,text", [
    (b"GET / HTTP/1.1\r\n", "The PROXY protocol header signature was not recognized. (PP 2.1, PP 2.2)"),
    (b"PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n", "The INET protocol and family string was not recognized. (PP 2.1)"),
    (b"PROXY TCP4 192.1638.0.1 192.168.0.11 56324 443\r\n",
     "Failed to parse an IPv4 address in the PROXY protocol header line. (PP 2.1)"),
    (b"PROXY TCP4 01.2.3.4 1.2.3.4 1 2\r\n", "Failed to parse an IPv4 address in the PROXY protocol header line. (PP 2.1)"),
    (b"PROXY TCP6 2001:db8::1 2001:db8:;:2 1 2\r\n",
     "Failed to parse an IPv6 address in the PROXY protocol header line. (PP 2.1)"),
    (b"PROXY TCP4 192.168.0.1 192.168.0.11 1111111 443\r\n",
     "Failed to parse a port number in the PROXY protocol header line. (PP 2.1)"),
    (b"PROXY TCP4 192.168.0.1 192.168.0.11 0 443\r\n",
     "Failed to parse a port number in the PROXY protocol header line. (PP 2.1)"),
    (b"PROXY TCP4 192.168.0.1 192.168.0.11 1 443", "Malformed or incomplete PROXY protocol header line. (PP 2.1)"),
    (SIG + b"\x31\x11\x00\x00", "Invalid version in the PROXY protocol binary header. (PP 2.2)"),
    (SIG + b"\x22\x11\x00\x00", "Invalid command in the PROXY protocol binary header. (PP 2.2)"),
    (SIG + b"\x21\x41\x00\x00", "Invalid address family in the PROXY protocol binary header. (PP 2.2)"),
    (SIG + b"\x21\x13\x00\x00", "Invalid transport protocol in the PROXY protocol binary header. (PP 2.2)"),
    (SIG + b"\x21\x11\x00\x0c\x01", "Missing data in the PROXY protocol binary header. (PP 2.2)"),
    (SIG + b"\x21\x11\x00\x04\x01\x02\x03\x04", "Invalid length in the PROXY protocol binary header. (PP 2.2)"),
    (SIG + b"\x21\x11\x00\x0f" + ADDRS4 + b"\x01\x00\x09", "Invalid TLV length in the PROXY protocol binary header. (PP 2.2)"),
])
def test_errors(data: bytes, text: str) -> None:
    """Malformed headers give {error, Text} with Ranch's texts."""
    assert ph.parse(data) == ("error", text)


class ProxyProto:
    """Reads the PROXY header before the handshake, then the first data after it."""

    def __init__(self, report: Pid) -> None:
        self.report = report

    def start_link(self, ref: Any, transport: Any, opts: Any) -> Any:
        return ("ok", actors.spawn_link(self.loop, ref, transport))

    async def loop(self, ref: Any, transport: Any) -> None:
        info = await ranch.recv_proxy_header(ref, 1000)
        ok, sock = await ranch.handshake(ref)
        data = await transport.recv(sock, 0, 1000)
        actors.send(self.report, ("proxy", info, data))
        await transport.close(sock)


@pytest.mark.parametrize("header", [V1_TCP4, V2_TLVS, V2_LOCAL])
async def test_recv_proxy_header_through_a_listener(header: bytes) -> None:
    """recv_proxy_header(Ref, Timeout) before handshake gives {ok, Info}; the handshake
    still works and the bytes sent after the header are the protocol's first data."""
    me = actors.self()
    async with running("px", ProxyProto(me), num_acceptors=1):
        c = await client(ranch.get_port("px"))
        await gen_tcp.send(c, header + b"hello")
        _, info, data = await assert_receive(("proxy", ANY, ANY))
        assert info == ("ok", ph.parse(header)[1])
        assert data == ("ok", b"hello")
        await gen_tcp.close(c)


async def test_recv_proxy_header_errors_through_a_listener() -> None:
    """Not a header: {error, protocol_error, Text}; nothing within the timeout:
    {error, timeout}."""
    me = actors.self()
    async with running("pe", ProxyProto(me), num_acceptors=1):
        c = await client(ranch.get_port("pe"))
        await gen_tcp.send(c, b"GET / HTTP/1.1\r\n")
        _, info, _ = await assert_receive(("proxy", ANY, ANY), timeout=3000)
        assert info == ("error", "protocol_error", "The PROXY protocol header signature was not recognized. (PP 2.1, PP 2.2)")
        await gen_tcp.close(c)
        c = await client(ranch.get_port("pe"))
        _, info, _ = await assert_receive(("proxy", ANY, ANY), timeout=3000)
        assert info == ("error", "timeout")
        await gen_tcp.close(c)

"""The PROXY protocol header, versions 1 and 2, sans-IO (Ranch's ``ranch_proxy_header``).

`needed(data)` says how many bytes the header at the start of `data` takes (``None``:
need more data to know); `parse(data)` turns a complete header into Ranch's
``proxy_info`` dict: ``("ok", info, rest)`` or ``("error", text)``. Neither does I/O.

The info dict has Ranch's keys: ``version`` (1 | 2), ``command`` (``proxy`` | ``local``),
``transport_family`` (``ipv4`` | ``ipv6`` | ``unix`` | ``undefined``),
``transport_protocol`` (``stream`` | ``dgram`` | ``undefined``), ``src_address``,
``src_port``, ``dest_address``, ``dest_port`` (addresses as Erlang's tuples, or bytes
for unix), and for v2 the TLVs: ``alpn``, ``authority``, ``unique_id``, ``netns``,
``ssl`` (a dict: ``client``, ``verified``, ``version``, ``cipher``, ``sig_alg``,
``key_alg``, ``cn``) and ``raw_tlvs`` for the others. The texts of errors are Ranch's.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Final

from actors import Atom

__all__ = ["V2_SIGNATURE", "crc32c", "needed", "parse"]

V2_SIGNATURE: Final = b"\r\n\r\n\x00\r\nQUIT\n"
V1_MAX: Final = 107  # the longest v1 line, CRLF included (PP 2.1)

_E_SIG: Final = "The PROXY protocol header signature was not recognized. (PP 2.1, PP 2.2)"
_E_FAMILY: Final = "The INET protocol and family string was not recognized. (PP 2.1)"
_E_LINE: Final = "Malformed or incomplete PROXY protocol header line. (PP 2.1)"
_E_IPV4: Final = "Failed to parse an IPv4 address in the PROXY protocol header line. (PP 2.1)"
_E_IPV6: Final = "Failed to parse an IPv6 address in the PROXY protocol header line. (PP 2.1)"
_E_PORT: Final = "Failed to parse a port number in the PROXY protocol header line. (PP 2.1)"
_E_MISSING: Final = "Missing data in the PROXY protocol binary header. (PP 2.2)"
_E_VERSION: Final = "Invalid version in the PROXY protocol binary header. (PP 2.2)"
_E_COMMAND: Final = "Invalid command in the PROXY protocol binary header. (PP 2.2)"
_E_AF: Final = "Invalid address family in the PROXY protocol binary header. (PP 2.2)"
_E_PROTO: Final = "Invalid transport protocol in the PROXY protocol binary header. (PP 2.2)"
_E_LEN: Final = "Invalid length in the PROXY protocol binary header. (PP 2.2)"
_E_UNIX: Final = "Invalid UNIX address in PROXY protocol binary header. (PP 2.2)"
_E_TLV: Final = "Invalid TLV length in the PROXY protocol binary header. (PP 2.2)"
_E_UNIQUE: Final = "Invalid TLV length in the PROXY protocol binary header. (PP 2.2, PP 2.2.5)"
_E_CRC: Final = "Failed CRC32C verification in PROXY protocol binary header. (PP 2.2)"
_E_SSL_SUB: Final = "Invalid TLV subtype for PP2_TYPE_SSL in PROXY protocol binary header. (PP 2.2)"

_OK: Final = Atom("ok")
_ERROR: Final = Atom("error")
_UNDEF: Final = Atom("undefined")
_FAMILIES: Final = (_UNDEF, Atom("ipv4"), Atom("ipv6"), Atom("unix"))
_PROTOCOLS: Final = (_UNDEF, Atom("stream"), Atom("dgram"))
_V4_PART: Final = re.compile(rb"0|[1-9][0-9]{0,2}")
_PORT: Final = re.compile(rb"[0-9]{1,5}")

# TLV types (PP 2.2.7); the SSL sub-TLVs (2.2.5)
_TLVS: Final = {0x01: "alpn", 0x02: "authority", 0x05: "unique_id", 0x30: "netns"}
_SSL_SUBS: Final = {0x21: "version", 0x22: "cn", 0x23: "cipher", 0x24: "sig_alg", 0x25: "key_alg"}


def needed(data: bytes) -> int | None:
    """How many bytes the header at the start of `data` has, or ``None`` while that
    cannot be known yet. A v1 line that has no CRLF within 107 bytes, or data that is no
    header at all, answers ``len(data)`` (parse then reports the error)."""
    if data[:12] == V2_SIGNATURE[: len(data)] and len(data) < 16:
        return None
    if data.startswith(V2_SIGNATURE):
        return 16 + int.from_bytes(data[14:16], "big")
    if b"PROXY "[: len(data)] == data[:6]:
        end = data.find(b"\r\n")
        if end >= 0:
            return end + 2
        return None if len(data) < V1_MAX else len(data)
    return len(data)


def parse(data: bytes) -> tuple[Any, ...]:
    """``ranch_proxy_header:parse/1``: ``("ok", info, rest)`` or ``("error", text)``."""
    if data.startswith(V2_SIGNATURE):
        return _parse_v2(data[12:])
    if data.startswith(b"PROXY "):
        return _parse_v1(data[6:])
    return (_ERROR, _E_SIG)


# -- version 1: a text line ---------------------------------------------------------------


def _parse_v1(data: bytes) -> tuple[Any, ...]:
    base = {"version": 1, "command": Atom("proxy")}
    if data.startswith(b"UNKNOWN\r\n"):
        return (_OK, {**base, "transport_family": _UNDEF, "transport_protocol": _UNDEF}, data[9:])
    if data.startswith(b"UNKNOWN "):
        end = data.find(b"\r\n")
        if end < 0:
            return (_ERROR, _E_LINE)
        return (_OK, {**base, "transport_family": _UNDEF, "transport_protocol": _UNDEF}, data[end + 2 :])
    if data.startswith(b"TCP4 "):
        family = _FAMILIES[1]
    elif data.startswith(b"TCP6 "):
        family = _FAMILIES[2]
    else:
        return (_ERROR, _E_FAMILY)
    end = data.find(b"\r\n")
    if end < 0:
        return (_ERROR, _E_LINE)
    fields = data[5:end].split(b" ")
    if len(fields) != 4:
        return (_ERROR, _E_LINE)
    parse_ip = _ipv4 if family == "ipv4" else _ipv6
    src, dst = parse_ip(fields[0]), parse_ip(fields[1])
    if src is None or dst is None:
        return (_ERROR, _E_IPV4 if family == "ipv4" else _E_IPV6)
    sport, dport = _port(fields[2]), _port(fields[3])
    if sport is None or dport is None:
        return (_ERROR, _E_PORT)
    info = {
        **base, "transport_family": family, "transport_protocol": _PROTOCOLS[1],
        "src_address": src, "src_port": sport, "dest_address": dst, "dest_port": dport,
    }
    return (_OK, info, data[end + 2 :])


def _ipv4(text: bytes) -> tuple[int, ...] | None:
    """``inet:parse_ipv4strict_address``: four decimal parts, no leading zeros (erl
    rejects ``"01.2.3.4"``)."""
    parts = text.split(b".")
    if len(parts) != 4 or not all(_V4_PART.fullmatch(p) for p in parts):
        return None
    nums = tuple(int(p) for p in parts)
    return nums if all(n <= 255 for n in nums) else None


def _ipv6(text: bytes) -> tuple[int, ...] | None:
    """``inet:parse_ipv6strict_address``: eight 16-bit numbers (a scope is dropped, as
    erl drops it)."""
    try:
        packed = ipaddress.IPv6Address(text.decode("ascii")).packed
    except (ValueError, UnicodeDecodeError):
        return None
    return tuple(int.from_bytes(packed[i : i + 2], "big") for i in range(0, 16, 2))


def _port(text: bytes) -> int | None:
    if not _PORT.fullmatch(text):
        return None
    n = int(text)
    return n if 0 < n <= 65535 else None


# -- version 2: binary --------------------------------------------------------------------


def _parse_v2(data: bytes) -> tuple[Any, ...]:
    if len(data) < 4:
        return (_ERROR, _E_MISSING)
    ver, cmd, fam, proto = data[0] >> 4, data[0] & 15, data[1] >> 4, data[1] & 15
    size = int.from_bytes(data[2:4], "big")
    body, rest = data[4 : 4 + size], data[4 + size :]
    if ver == 2 and cmd == 0:
        if len(body) < size:
            return (_ERROR, _E_MISSING)
        return (_OK, {"version": 2, "command": Atom("local")}, rest)
    if ver != 2:
        return (_ERROR, _E_VERSION)
    if cmd > 1:
        return (_ERROR, _E_COMMAND)
    if fam > 3:
        return (_ERROR, _E_AF)
    if proto > 2:
        return (_ERROR, _E_PROTO)
    if len(body) < size:
        return (_ERROR, _E_MISSING)
    info: dict[str, Any] = {"version": 2, "command": Atom("proxy")}
    if fam == 0 or proto == 0:
        info.update(transport_family=_UNDEF, transport_protocol=_UNDEF)
        return (_OK, info, rest)
    info.update(transport_family=_FAMILIES[fam], transport_protocol=_PROTOCOLS[proto])
    if fam == 1 and size >= 12:
        info.update(
            src_address=tuple(body[0:4]), dest_address=tuple(body[4:8]),
            src_port=int.from_bytes(body[8:10], "big"), dest_port=int.from_bytes(body[10:12], "big"),
        )
        tlvs = body[12:]
    elif fam == 2 and size >= 36:
        words = [int.from_bytes(body[i : i + 2], "big") for i in range(0, 32, 2)]
        info.update(
            src_address=tuple(words[:8]), dest_address=tuple(words[8:]),
            src_port=int.from_bytes(body[32:34], "big"), dest_port=int.from_bytes(body[34:36], "big"),
        )
        tlvs = body[36:]
    elif fam == 3 and size >= 216:
        src, dst = body[:108].split(b"\x00")[0], body[108:216].split(b"\x00")[0]
        if not src or not dst or b"\x00" not in body[:108] or b"\x00" not in body[108:216]:
            return (_ERROR, _E_UNIX)
        info.update(src_address=src, dest_address=dst)
        tlvs = body[216:]
    else:
        return (_ERROR, _E_LEN)
    err = _parse_tlvs(tlvs, V2_SIGNATURE + data[: 4 + size], info)
    return (_ERROR, err) if err else (_OK, info, rest)


def _split_tlvs(data: bytes) -> list[tuple[int, bytes, int]] | None:
    """The TLVs of `data` as ``(type, value, offset)``, or ``None`` if one overruns."""
    out, i = [], 0
    while i < len(data):
        if len(data) - i < 3:
            return None
        kind, size = data[i], int.from_bytes(data[i + 1 : i + 3], "big")
        value = data[i + 3 : i + 3 + size]
        if len(value) < size:
            return None
        out.append((kind, value, i))
        i += 3 + size
    return out


def _parse_tlvs(data: bytes, header: bytes, info: dict[str, Any]) -> str | None:
    """Add the TLVs of `data` to `info`; an error text, or ``None``. `header` is the
    whole header, which a CRC32C TLV is checked against."""
    tlvs = _split_tlvs(data)
    if tlvs is None:
        return _E_TLV
    raw: list[tuple[int, bytes]] = []
    base = len(header) - len(data)
    for kind, value, at in tlvs:
        if kind in _TLVS:
            if kind == 0x05 and len(value) > 128:
                return _E_UNIQUE
            info[_TLVS[kind]] = value
        elif kind == 0x03 and len(value) == 4:  # PP2_TYPE_CRC32C, over the header with it zeroed
            at += base
            zeroed = header[: at + 3] + b"\x00\x00\x00\x00" + header[at + 7 :]
            if crc32c(zeroed) != int.from_bytes(value, "big"):
                return _E_CRC
        elif kind == 0x20:  # PP2_TYPE_SSL
            if len(value) < 5:
                return _E_TLV
            client, verify = value[0], int.from_bytes(value[1:5], "big")
            ssl: dict[str, Any] = {
                "client": [Atom(n) for b, n in ((1, "ssl"), (2, "cert_conn"), (4, "cert_sess")) if client & b],
                "verified": verify == 0,
            }
            subs = _split_tlvs(value[5:])
            if subs is None:
                return _E_TLV
            for sk, sv, _ in subs:
                if sk not in _SSL_SUBS:
                    return _E_SSL_SUB
                ssl[_SSL_SUBS[sk]] = sv
            info["ssl"] = ssl
        elif kind == 0x04:  # PP2_TYPE_NOOP: padding
            continue
        else:  # unknown types are given raw, the last first (as Ranch prepends them)
            raw.insert(0, (kind, value))
    if raw:
        info["raw_tlvs"] = raw
    return None


def _crc_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC: Final = _crc_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), the checksum of PP2_TYPE_CRC32C."""
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF

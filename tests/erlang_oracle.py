"""Real Erlang/OTP as a test oracle: run an escript on a batch of inputs, read its answer.

Conformance tests compare this runtime with Erlang by running one escript per batch (not
one per case: an escript starts in a few hundred milliseconds). Terms travel both ways in
Erlang's external term format: `term_to_binary` and `binary_to_term` here implement the
subset the tests need (atoms, integers, floats, binaries, strings, lists, tuples, maps).

Mapping, as the project's contract has it: `Atom` <-> atom (``true``/``false`` <->
``True``/``False``), ``bytes`` <-> binary, ``str`` <-> string (a list of character
codes), ``tuple``/``list``/``dict`` <-> tuple/list/map, ``None`` -> ``undefined``.
A string read back from Erlang is a ``str`` when Erlang encoded it as a string and a
``list`` of ints otherwise; `canonical` makes both (and ``[]`` versus ``""``) compare equal.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
from typing import Any

from actors import Atom

__all__ = [
    "binary_to_term",
    "canonical",
    "erlang_available",
    "run_escript",
    "term_to_binary",
    "SKIP_REASON",
]

SKIP_REASON = "needs a real Erlang/OTP: escript is not on PATH (install erlang-base)"


def erlang_available() -> bool:
    """Whether ``escript`` (Erlang/OTP) can be run here."""
    return shutil.which("escript") is not None


def run_escript(source: str, input_bytes: bytes = b"", timeout: float = 300) -> bytes:
    """Run escript ``source`` and return what it wrote to its output file.

    The escript's ``main/1`` receives ``[InputPath, OutputPath]``: the file at
    ``InputPath`` holds ``input_bytes``, and whatever the script writes to
    ``OutputPath`` is returned. Put ``-mode(compile).`` in the source for speed.
    Raises ``RuntimeError`` with the script's output if it fails.
    """
    with tempfile.TemporaryDirectory(prefix="erlang_oracle_") as tmp:
        script = os.path.join(tmp, "oracle.escript")
        infile = os.path.join(tmp, "input.bin")
        outfile = os.path.join(tmp, "output.bin")
        with open(script, "w", encoding="utf-8") as f:
            if not source.startswith("#!"):
                f.write("#!/usr/bin/env escript\n")
            f.write(source)
        with open(infile, "wb") as f:
            f.write(input_bytes)
        proc = subprocess.run(
            ["escript", script, infile, outfile],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0 or not os.path.exists(outfile):
            raise RuntimeError(
                f"escript failed ({proc.returncode}):\n{proc.stdout.decode(errors='replace')}"
                f"\n{proc.stderr.decode(errors='replace')}"
            )
        with open(outfile, "rb") as f:
            return f.read()


# -- external term format ------------------------------------------------------------------


def term_to_binary(term: Any) -> bytes:
    """Encode a Python value as Erlang's ``term_to_binary/1`` would encode the term."""
    out = bytearray(b"\x83")
    _encode(term, out)
    return bytes(out)


def _encode_atom(name: str, out: bytearray) -> None:
    raw = name.encode("utf-8")
    if len(raw) < 256:
        out += bytes((119, len(raw))) + raw
    else:
        out += b"v" + struct.pack(">H", len(raw)) + raw


def _encode(term: Any, out: bytearray) -> None:
    if term is True or term is False:
        _encode_atom("true" if term else "false", out)
    elif term is None:
        _encode_atom("undefined", out)
    elif isinstance(term, Atom):
        _encode_atom(term, out)
    elif isinstance(term, int):
        if 0 <= term < 256:
            out += bytes((97, term))
        elif -(2**31) <= term < 2**31:
            out += b"b" + struct.pack(">i", term)
        else:
            mag = abs(term)
            digits = mag.to_bytes((mag.bit_length() + 7) // 8, "little")
            if len(digits) < 256:
                out += bytes((110, len(digits), term < 0)) + digits
            else:
                out += b"o" + struct.pack(">IB", len(digits), term < 0) + digits
    elif isinstance(term, float):
        out += b"F" + struct.pack(">d", term)
    elif isinstance(term, (bytes, bytearray, memoryview)):
        data = bytes(term)
        out += b"m" + struct.pack(">I", len(data)) + data
    elif isinstance(term, str):
        if not term:
            out += b"j"
        elif len(term) < 65536 and all(ord(c) < 256 for c in term):
            out += b"k" + struct.pack(">H", len(term)) + term.encode("latin-1")
        else:
            _encode([ord(c) for c in term], out)
    elif isinstance(term, tuple):
        if len(term) < 256:
            out += bytes((104, len(term)))
        else:
            out += b"i" + struct.pack(">I", len(term))
        for item in term:
            _encode(item, out)
    elif isinstance(term, list):
        if not term:
            out += b"j"
            return
        out += b"l" + struct.pack(">I", len(term))
        for item in term:
            _encode(item, out)
        out += b"j"
    elif isinstance(term, dict):
        out += b"t" + struct.pack(">I", len(term))
        for key, value in term.items():
            _encode(key, out)
            _encode(value, out)
    else:
        raise TypeError(f"no Erlang term for {term!r}")


def binary_to_term(data: bytes) -> Any:
    """Decode Erlang's external term format (the subset `term_to_binary` writes)."""
    if not data or data[0] != 131:
        raise ValueError("not an Erlang external term")
    term, pos = _decode(data, 1)
    if pos != len(data):
        raise ValueError("trailing bytes after the term")
    return term


def _atom(name: str) -> Any:
    if name == "true":
        return True
    if name == "false":
        return False
    return Atom(name)


def _decode(d: bytes, pos: int) -> tuple[Any, int]:
    tag = d[pos]
    pos += 1
    if tag == 97:  # SMALL_INTEGER_EXT
        return d[pos], pos + 1
    if tag == 98:  # INTEGER_EXT
        return struct.unpack_from(">i", d, pos)[0], pos + 4
    if tag in (110, 111):  # SMALL_BIG_EXT, LARGE_BIG_EXT
        if tag == 110:
            n, sign = d[pos], d[pos + 1]
            pos += 2
        else:
            n, sign = struct.unpack_from(">IB", d, pos)
            pos += 5
        value = int.from_bytes(d[pos : pos + n], "little")
        return (-value if sign else value), pos + n
    if tag == 70:  # NEW_FLOAT_EXT
        return struct.unpack_from(">d", d, pos)[0], pos + 8
    if tag in (100, 118):  # ATOM_EXT, ATOM_UTF8_EXT
        (n,) = struct.unpack_from(">H", d, pos)
        pos += 2
        enc = "latin-1" if tag == 100 else "utf-8"
        return _atom(d[pos : pos + n].decode(enc)), pos + n
    if tag in (115, 119):  # SMALL_ATOM_EXT, SMALL_ATOM_UTF8_EXT
        n = d[pos]
        pos += 1
        enc = "latin-1" if tag == 115 else "utf-8"
        return _atom(d[pos : pos + n].decode(enc)), pos + n
    if tag == 109:  # BINARY_EXT
        (n,) = struct.unpack_from(">I", d, pos)
        pos += 4
        return d[pos : pos + n], pos + n
    if tag == 106:  # NIL_EXT
        return [], pos
    if tag == 107:  # STRING_EXT
        (n,) = struct.unpack_from(">H", d, pos)
        pos += 2
        return d[pos : pos + n].decode("latin-1"), pos + n
    if tag == 108:  # LIST_EXT
        (n,) = struct.unpack_from(">I", d, pos)
        pos += 4
        items = []
        for _ in range(n):
            item, pos = _decode(d, pos)
            items.append(item)
        tail, pos = _decode(d, pos)
        if tail != []:
            items.append(("$improper_tail", tail))
        return items, pos
    if tag in (104, 105):  # SMALL_TUPLE_EXT, LARGE_TUPLE_EXT
        if tag == 104:
            n = d[pos]
            pos += 1
        else:
            (n,) = struct.unpack_from(">I", d, pos)
            pos += 4
        items = []
        for _ in range(n):
            item, pos = _decode(d, pos)
            items.append(item)
        return tuple(items), pos
    if tag == 116:  # MAP_EXT
        (n,) = struct.unpack_from(">I", d, pos)
        pos += 4
        result = {}
        for _ in range(n):
            key, pos = _decode(d, pos)
            value, pos = _decode(d, pos)
            result[key] = value
        return result, pos
    raise ValueError(f"unsupported external term tag {tag} at {pos - 1}")


def canonical(term: Any) -> Any:
    """A form in which equal Erlang terms compare equal whatever their Python shape.

    Strings (``str``, lists of character codes, ``[]``) all become ``("$str", text)``;
    atoms become ``("$atom", name)`` so that an atom never equals a string.
    """
    if term is True or term is False or term is None:
        return term
    if isinstance(term, Atom):
        return ("$atom", str(term))
    if isinstance(term, str):
        return ("$str", term)
    if isinstance(term, list):
        if all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x < 0x110000 for x in term):
            return ("$str", "".join(map(chr, term)))
        return [canonical(x) for x in term]
    if isinstance(term, tuple):
        return tuple(canonical(x) for x in term)
    if isinstance(term, dict):
        return {canonical(k): canonical(v) for k, v in term.items()}
    if isinstance(term, (bytearray, memoryview)):
        return bytes(term)
    return term

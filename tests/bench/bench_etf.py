"""External term format: `actors.term_to_binary` / `binary_to_term` beside pickle and Erlang.

Four workloads: a typical message (``{Pid, Ref, {ok, <<64 bytes>>}}``), a map of 20 atom
keys to mixed values, a list of 1000 integers, and a nested mixed term of about 300 nodes.
Prints encodes/s and decodes/s for ours, for ``pickle`` (protocol 5) on the same Python
values, and for Erlang's own ``term_to_binary/1`` / ``binary_to_term/1`` (one escript
run, same terms), with our time as a multiple of Erlang's (``3.0x``: three times its time).
Run with ``python tests/bench/bench_etf.py`` or ``python -m tests.bench etf``.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from collections.abc import Callable
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from actors import LOCAL_NODE, Atom, Pid, Ref, binary_to_term, term_to_binary  # noqa: E402
from actors._etf_order import ref_number  # noqa: E402
from tests.erlang_oracle import erlang_available, run_escript  # noqa: E402

A = Atom


def workloads() -> dict[str, Any]:
    nested: Any = [(A("leaf"), i, float(i), b"x" * i, "str") for i in range(40)]
    nested = {A("items"): nested, A("meta"): (A("v"), 1, [A("a"), A("b")])}
    return {
        "message": (Pid(LOCAL_NODE, 83), Ref(LOCAL_NODE, ref_number([1, 2, 3])), (A("ok"), bytes(64))),
        "map20": {A(f"key{i}"): (i, "value", b"bin") if i % 2 else i * 1000 for i in range(20)},
        "ints1000": list(range(-500, 500)),
        "nested": nested,
    }


def rate(fn: Callable[[], Any], seconds: float = 0.3) -> float:
    n, t0 = 0, time.perf_counter()
    while True:
        for _ in range(50):
            fn()
        n += 50
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return n / elapsed


ERLANG = r"""
-mode(compile).
main([In, Out]) ->
    Bins = binary_to_term(element(2, file:read_file(In))),
    R = [{rate(fun() -> term_to_binary(T) end), rate(fun() -> binary_to_term(B) end)}
         || B <- Bins, T <- [binary_to_term(B)]],
    ok = file:write_file(Out, term_to_binary(R)).

rate(F) -> rate(F, 0, erlang:monotonic_time(microsecond)).
rate(F, N, T0) ->
    [F() || _ <- lists:seq(1, 200)],
    Elapsed = erlang:monotonic_time(microsecond) - T0,
    if Elapsed >= 300000 -> (N + 200) * 1000000 / Elapsed;
       true -> rate(F, N + 200, T0)
    end.
"""


def main() -> None:
    terms = workloads()
    erl: list[Any] = []
    if erlang_available():
        erl = binary_to_term(run_escript(ERLANG, term_to_binary([term_to_binary(t) for t in terms.values()])))
    print(f"{'workload':10} {'bytes':>6} {'enc/s':>10} {'dec/s':>10} {'pickle enc':>11} {'pickle dec':>11} {'erl enc':>10} {'erl dec':>10}")
    for i, (name, term) in enumerate(terms.items()):
        data = term_to_binary(term)
        pdata = pickle.dumps(term, 5)
        enc = rate(lambda: term_to_binary(term))
        dec = rate(lambda: binary_to_term(data))
        penc = rate(lambda: pickle.dumps(term, 5))
        pdec = rate(lambda: pickle.loads(pdata))
        line = f"{name:10} {len(data):6} {enc:10.0f} {dec:10.0f} {penc:11.0f} {pdec:11.0f}"
        if erl:
            eenc, edec = erl[i]
            line += f" {eenc:10.0f} {edec:10.0f}  (ours: enc {eenc / enc:.1f}x, dec {edec / dec:.1f}x Erlang's time)"
        print(line)


if __name__ == "__main__":
    main()

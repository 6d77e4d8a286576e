"""gen_tcp's and inet's public signatures carry real types (for editors and mypy)."""

from __future__ import annotations

import ast
import typing
from pathlib import Path
from typing import Any

import pytest

import gen_tcp
from gen_tcp import inet, types


@pytest.mark.parametrize("fn", [gen_tcp.listen, gen_tcp.accept, gen_tcp.send, gen_tcp.recv, gen_tcp.close,
                                gen_tcp.shutdown, gen_tcp.controlling_process, inet.setopts, inet.getopts,
                                inet.port, inet.peername, inet.sockname, inet.getstat, inet.getfd])
def test_public_functions_have_typed_parameters(fn: Any) -> None:
    """Every parameter and the result have a type other than Any; the socket parameter
    is the Socket union of the two backends' handles."""
    if not hasattr(fn, "__code__"):  # compiled (gen_tcp._hot): read the source's annotations
        path = Path(gen_tcp.__file__).parent.parent / (fn.__module__.replace(".", "/") + ".py")
        node = next(n for n in ast.parse(path.read_text()).body
                    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == fn.__name__)
        assert node.returns is not None
        returns = ast.unparse(node.returns)  # Ok, or Awaitable[Ok]
        assert returns != "Any" and not returns.endswith(", Any]"), returns
        for arg in node.args.args:
            assert arg.annotation is not None and ast.unparse(arg.annotation) != "Any", arg.arg
        assert ast.unparse(node.args.args[0].annotation) == "Socket"  # type: ignore[arg-type]
        return
    hints = typing.get_type_hints(fn)
    assert "return" in hints and hints["return"] is not Any
    params = [p for p in fn.__code__.co_varnames[: fn.__code__.co_argcount]]
    for name in params:
        assert hints.get(name, Any) is not Any, f"{fn.__name__}({name}) is untyped"
    if params[0] in ("s", "listen_socket"):
        assert hints[params[0]] == types.Socket


def test_connect_overloads_name_both_forms() -> None:
    """connect(Address, Port, Options, Timeout) and connect(SockaddrMap, Options, Timeout)."""
    overloads = typing.get_overloads(gen_tcp.connect)
    assert len(overloads) == 2
    first = typing.get_type_hints(overloads[0])
    second = typing.get_type_hints(overloads[1])
    assert first["address"] == dict[str, Any] and second["port"] is int

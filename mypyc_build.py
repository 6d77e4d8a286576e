"""Compile the hot modules with mypyc, out of tree: ``python mypyc_build.py`` (``make build``).

``python mypyc_build.py --built`` tells (exit status 0 or 1) whether a compiled build is there.

The extensions go to ``build/mypyc/lib`` and the sources stay where they are; the manifest
``build/mypyc/manifest.json``, written last, tells ``actors._build`` at import which
modules are compiled and for which sources (a hash of the three packages), so a stale
build is never used. Without a C compiler or the Python headers the manifest records the
build as unavailable and the package runs pure Python (with one warning line). When they
are present, a failed compilation is an error: the compiled build is then required.

mypyc gives a compiled function only its signature as ``__doc__``; `keep_docstrings` writes
each function's source docstring into the generated C before it is compiled, so ``help()``
reads the same on both builds.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shutil
import sys
import sysconfig
import textwrap
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent


def _load_build_module() -> ModuleType:
    """actors/_build.py alone, without importing (and so choosing a build for) actors."""
    spec = importlib.util.spec_from_file_location("_actors_build", ROOT / "actors/_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_build = _load_build_module()
BUILD_DIR, MANIFEST = _build.BUILD_DIR, _build.MANIFEST
python_tag, source_hash = _build.python_tag, _build.source_hash

HOT = [
    "actors/_terms.py",
    "actors/_entity.py",
    "actors/_sched.py",
    "actors/_mailbox.py",
    "actors/_signals.py",
    "actors/_process.py",
    "actors/_spawn.py",
    "actors/_api.py",
    "actors/_gen_call.py",
    "actors/_gen_loop.py",
    "actors/_match.py",
    "actors/_etf.py",
    "actors/_etf_decode.py",
    "actors/_etf_order.py",
    "ports/_framing.py",
    "ports/_decoder.py",
    "ports/_packet.py",
    "ports/_iodata.py",
    "ports/_state.py",
    "ports/_stats.py",
    "ports/_port.py",
    "ports/_delivery.py",
    "ports/_transport_send.py",
    "ports/_io_transport.py",
    "ports/_conn.py",
    "ports/_port_opts.py",
    "ports/_http.py",
    "gen_tcp/_hot.py",
]
"""The compiled modules; everything else stays interpreted. What compiling them asked of
the code (mypyc 2.4), so that edits keep them compilable:

- a class an interpreted module subclasses says so: ``@mypyc_attr(allow_interpreted_
  subclasses=True)`` (Entity, Handle, PortActor); a str subclass (Atom) is
  ``native_class=False`` (mypy-extensions is a runtime dependency for the decorator);
- no ``object.__setattr__`` on a native class that defines ``__setattr__`` (Pid and Handle
  lost their guard and are immutable by contract);
- a compiled function does not bind as a method: no ``name = function`` in a class body;
- a ``del obj.attr`` needs ``__deletable__``;
- mypyc trusts mypy's narrowing: ``isinstance``/``__class__ is`` tests that narrow a value
  to ``bool | int`` make it an int (True becomes 1), and an attribute narrowed by an
  assignment stays narrowed across calls and awaits (assign it at its declared type);
- a value typed ``Atom`` compared with ``==`` to another typed ``Atom`` compiles to an
  identity test (Atom is not compiled; its str equality is not seen): type one side Any;
- compiled code reads a native attribute directly, so a subclass's property over a base
  class attribute (a process's ``links``) is only seen through an Any-typed reference;
- a ``types.coroutine`` generator awaited by interpreted code lives in an interpreted
  module (``actors._yield``);
- iterate a bytearray by index (``for b in bytearray`` hit an internal mypyc error), and
  a list of Any forward (``for k in reversed(sorted(...))`` hit another: reverse it in
  place, as ``actors._etf`` does);
- compiled recursion has no recursion limit: recursive formatting stays interpreted
  (``actors._format``).

Left out: the rest of gen_tcp._api and gen_tcp.inet (``gen_tcp._hot`` holds their hot
calls, send and setopts; gen_tcp._docs writes connect's and listen's __doc__, read-only
once compiled, and ``docstrings`` writes setopts' options list into the compiled one);
actors._node (its ``_thread`` attribute becomes a C field ``__thread``, a C keyword; and a
native Node cannot be weakly referenced, which actors._memory and gen_tcp._ranch_server
do)."""


C_MODULES = {
    "ports._sendfd": "ports/_sendfd.c",
    "ports._memchr": "ports/_memchr.c",
    "actors._csched": "actors/_csched.c",
}
"""Modules written in C, built with the compiled build and only there (the pure build has
no C): each is optional to the code that uses it, which falls back to Python's own call
when the import fails. ``ports._sendfd``: a send that keeps the GIL; ``ports._memchr``:
memchr over bytes, for the codec's line search; ``actors._csched``: the
scheduler's step of a process, the running process, and the awaitable of an answer that
is already there (see their comments)."""


def docstrings(paths: list[str]) -> dict[tuple[str, str | None, str], str]:
    """The docstrings of the functions and methods in `paths`, by (module, class, name).

    mypyc 2.4 gives a compiled function only its signature as ``__doc__``; `keep_docstrings`
    gives it back its docstring, so ``help()`` reads the same on both builds."""
    docs: dict[tuple[str, str | None, str], str] = {}
    for path in paths:
        module = path.removesuffix(".py").replace("/", ".")
        tree = ast.parse((ROOT / path).read_text(), path)
        for node in tree.body:
            scopes: list[tuple[str | None, ast.AST]] = [(None, node)]
            if isinstance(node, ast.ClassDef):
                scopes = [(node.name, n) for n in node.body]
                doc = ast.get_docstring(node)
                if doc:  # a class: its C name is made as a module-level function's
                    docs[(module, None, node.name)] = doc
            for cls, fn in scopes:
                if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    doc = ast.get_docstring(fn)
                    if doc:
                        docs[(module, cls, fn.name)] = doc
    # the options lists gen_tcp._docs.document appends on the pure build
    spec = importlib.util.spec_from_file_location("_gen_tcp_docs", ROOT / "gen_tcp/_docs.py")
    assert spec is not None and spec.loader is not None
    gen_tcp_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_tcp_docs)
    for qualname, name in gen_tcp_docs.COMPILED.items():
        module, _, function = qualname.rpartition(".")
        if (module, None, function) in docs:
            extra = textwrap.dedent(gen_tcp_docs.OPTION_DOCS[name]).rstrip()
            docs[(module, None, function)] += "\n" + extra
    return docs


_STRING = r'(NULL|"(?:[^"\\]|\\.)*")'
_DOC_SLOT = re.compile(r"\(PyCFunction\)CPyPy_(\w+),(\s*METH_[A-Z_ |]*,\s*)PyDoc_STR\(" + _STRING + r"\)")
_TYPE_DOC_SLOT = re.compile(
    r"static PyTypeObject CPyType_(\w+)_template_ = \{((?:(?!\};).)*?\.tp_doc = )PyDoc_STR\(" + _STRING + r"\)",
    re.DOTALL,
)


def _c_string(text: str) -> str:
    """`text` as the body of a C string literal (UTF-8, escaped)."""
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch == "\n":
            out.append("\\n")
        elif ch in '"\\?':
            out.append("\\" + ch)
        elif 32 <= byte < 127:
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    return "".join(out)


def keep_docstrings(c_files: list[str], docs: dict[tuple[str, str | None, str], str]) -> int:
    """Put each compiled function's docstring back into the generated C, after the text
    signature mypyc writes (the ``name(sig)\\n--\\n\\n`` form from which CPython reads
    ``__text_signature__``), and each class's into its type; the number of functions and
    classes given their docstring.

    mypyc 2.4 is itself compiled, so its code generator cannot be patched: the C it wrote
    is, before it is compiled. Functions are found by their C names, which mypyc's own
    `NameGenerator` gives for the modules built together."""
    from mypyc.namegen import NameGenerator

    names = NameGenerator([[p.removesuffix(".py").replace("/", ".") for p in HOT]])
    by_cname = {
        names.private_name(module, name if cls is None else f"{cls}.{name}"): doc
        for (module, cls, name), doc in docs.items()
    }
    done = 0

    def with_doc(cname: str, sig: str) -> str | None:
        """The C literal of the signature `sig` followed by the docstring of `cname`."""
        nonlocal done
        doc = by_cname.get(cname)
        if doc is None:
            return None
        body = _c_string(doc)
        if sig.endswith(body + '"'):  # already there (mypyc kept an unchanged file)
            return None
        done += 1
        return f'"{body}"' if sig == "NULL" else f'{sig[:-1]}{body}"'

    def fill(m: re.Match[str]) -> str:
        text = with_doc(m.group(1), m.group(3))
        return m.group(0) if text is None else f"(PyCFunction)CPyPy_{m.group(1)},{m.group(2)}PyDoc_STR({text})"

    def fill_type(m: re.Match[str]) -> str:
        text = with_doc(m.group(1), m.group(3))
        if text is None:
            return m.group(0)
        return f"static PyTypeObject CPyType_{m.group(1)}_template_ = {{{m.group(2)}PyDoc_STR({text})"

    for path in c_files:
        source = Path(path).read_text()
        changed = _TYPE_DOC_SLOT.sub(fill_type, _DOC_SLOT.sub(fill, source))
        if changed != source:
            Path(path).write_text(changed)
    return done


def write_manifest(**fields: object) -> None:
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    tmp = MANIFEST.with_suffix(".tmp")
    tmp.write_text(json.dumps(fields, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, MANIFEST)


def missing_toolchain() -> str | None:
    """Why a compiled build is impossible here, or None."""
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return "no Python headers (Python.h)"
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    if shutil.which(cc.split()[0]) is None:
        return f"no C compiler ({cc.split()[0]})"
    try:
        import mypyc.build  # noqa: F401
        import setuptools  # noqa: F401
    except ImportError as e:
        return f"no mypyc/setuptools ({e})"
    return None


def built() -> int:
    """``--built``: 0 when the manifest says a compiled build is there, else 1 and why not."""
    try:
        manifest = json.loads(MANIFEST.read_text())
    except (OSError, ValueError) as e:
        manifest = {"reason": str(e)}
    if manifest.get("status") == "ok":
        return 0
    print(f"no compiled build here: {manifest.get('reason', 'unknown')}")
    return 1


def main() -> int:
    os.chdir(ROOT)
    MANIFEST.unlink(missing_ok=True)
    why = missing_toolchain()
    if why is not None:
        write_manifest(status="unavailable", reason=why, python=python_tag())
        print(f"mypyc_build: compiled build unavailable: {why}; pure Python runs")
        return 0
    from mypyc.build import mypycify
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    started, before = time.monotonic(), source_hash(ROOT)
    shutil.rmtree(BUILD_DIR / "lib", ignore_errors=True)
    extensions = mypycify(HOT, opt_level="3", target_dir=str(BUILD_DIR / "c"))
    keep_docstrings([src for e in extensions for src in e.sources if src.endswith(".c")], docstrings(HOT))
    extensions += [Extension(name, [path], extra_compile_args=["-O2"]) for name, path in C_MODULES.items()]
    command = build_ext(Distribution({"ext_modules": extensions}))
    command.build_lib = str(BUILD_DIR / "lib")
    command.build_temp = str(BUILD_DIR / "temp")
    command.parallel = os.cpu_count() or 1
    command.ensure_finalized()
    command.run()
    if source_hash(ROOT) != before:
        print("mypyc_build: the sources changed during the build; run it again")
        return 1
    files = {
        e.name: Path(command.get_ext_fullpath(e.name)).relative_to(BUILD_DIR).as_posix()
        for e in extensions
    }
    modules = [p.removesuffix(".py").replace("/", ".") for p in HOT]
    write_manifest(
        status="ok", python=python_tag(), source_hash=before, modules=modules,
        c_modules=list(C_MODULES), files=files,
    )
    print(f"mypyc_build: compiled {len(modules)} modules in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(built() if sys.argv[1:] == ["--built"] else main())

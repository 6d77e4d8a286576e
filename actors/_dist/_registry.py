"""Finding a node by name on this host: a per-user directory of node entries.

Like epmd, but with no daemon to start and none to lose: each running node's launcher
writes ``<dir>/<node name>`` (JSON: the IP and port of the node's gateway actor, and the
launcher's OS pid) and removes it when the node stops, also after the node was killed
(the launcher outlives its node). An entry whose launcher is gone is stale and ignored.
Any node can die without the others losing each other, and a new node joins by writing
its entry. The directory is ``$ACTORS_DIST_DIR``, else ``$XDG_RUNTIME_DIR/erlports-dist``,
else ``<tmp>/erlports-dist-<uid>``; it is created mode 0700 and refused when another user
owns it or others can write it.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from typing import NamedTuple


class Entry(NamedTuple):
    ip: str
    port: int
    pid: int


def directory() -> str:
    """The registry directory, created (mode 0700) when missing; OSError when unsafe."""
    path = os.environ.get("ACTORS_DIST_DIR")
    if not path:
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        path = (
            os.path.join(runtime, "erlports-dist")
            if runtime
            else os.path.join(tempfile.gettempdir(), f"erlports-dist-{os.getuid()}")
        )
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o022:
        raise PermissionError(f"unsafe node registry directory {path}")
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lookup(name: str, where: str | None = None) -> Entry | None:
    """The live entry of node `name`, or None."""
    if "/" in name or name.startswith("."):
        return None
    try:
        with open(os.path.join(where or directory(), name)) as f:
            raw = json.load(f)
        entry = Entry(str(raw["ip"]), int(raw["port"]), int(raw["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return entry if _alive(entry.pid) else None


def register(name: str, entry: Entry, where: str) -> bool:
    """Write `name`'s entry; False when a live node holds the name already."""
    if lookup(name, where) is not None:
        return False
    tmp = os.path.join(where, f".{name}.{os.getpid()}")
    with open(tmp, "w") as f:
        json.dump(entry._asdict(), f)
    os.replace(tmp, os.path.join(where, name))
    return True


def unregister(name: str, pid: int, where: str) -> None:
    """Remove `name`'s entry if it is still the one launcher `pid` wrote."""
    path = os.path.join(where, name)
    try:
        with open(path) as f:
            if int(json.load(f)["pid"]) != pid:
                return
        os.unlink(path)
    except (OSError, ValueError, KeyError, TypeError):
        pass

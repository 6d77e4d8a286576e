"""``python -m actors._dist._launcher``: hosts one node's thespian system and gateway.

The node starts this small process instead of forking itself (a node runs an event loop
and maybe threads; forking that is unsafe, and thespian forks and daemonizes its admin).
It reads its orders as one JSON line on stdin (the cookie travels there, never in argv):
``{"name", "cookie", "sock", "dir", "ip", "registry"}``, then

1. installs the cookie's signing serializer and the bind address (`_secure.install`);
   its environment, set by the node, already points thespian's own log file into the
   node's private directory and switches it off;
2. starts a ``multiprocTCPBase`` system on a free admin port of `ip`, creates the
   gateway, and has it connect to the node's Unix socket `sock`;
3. registers the node's name with the port mapper of its address (`_portmap`, which
   starts the mapper when none runs, and registers again if the mapper is lost) and in
   this user's node directory (`_registry`), then writes ``ok`` (or ``error <why>``) as
   one line to its stdout;
4. waits for ``stop`` or the end of stdin (the node died, even by SIGKILL), then closes
   its mapper connection (ending the mapper's entry), has the gateway tell its peers,
   shuts the thespian system down, removes the registry entry and the private
   directory, and exits.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sys
from typing import Any

LOG_DEFS = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"err": {"class": "logging.StreamHandler", "level": "ERROR"}},
    "root": {"handlers": ["err"], "level": "ERROR"},
}


def _free_port(ip: str) -> int:
    with socket.socket() as s:
        s.bind((ip, 0))
        return int(s.getsockname()[1])


def _start(cfg: dict[str, Any]) -> tuple[Any, Any]:
    from thespian.actors import ActorSystem

    from ._gateway import Gateway

    ip = cfg["ip"]
    for attempt in range(3):
        port = _free_port(ip)
        try:
            asys = ActorSystem(
                "multiprocTCPBase",
                {"Admin Port": port, "Process Startup Method": "fork"},
                logDefs=LOG_DEFS,
                transientUnique=True,
            )
            break
        except Exception:
            if attempt == 2:
                raise
    gateway = asys.createActor(Gateway)
    reply = asys.ask(
        gateway, ("init", cfg["name"], cfg["sock"], cfg["registry"], os.getpid()), 15
    )
    if not (isinstance(reply, tuple) and reply and reply[0] == "ready"):
        asys.shutdown()
        raise RuntimeError(f"gateway did not start: {reply!r}")
    return asys, (gateway, reply[1], reply[2])


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the node decides when this stops
    cfg = json.loads(sys.stdin.readline())
    status = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # what thespian's processes print goes to stderr, not the status pipe

    from . import _portmap, _registry, _secure

    _secure.install(cfg.pop("cookie"), cfg["ip"])
    name, where = cfg["name"], cfg["registry"]
    asys = mapped = gateway = None
    alive = name.partition("@")[0]
    try:
        if _registry.lookup(name, where) is not None or _portmap.taken(alive, cfg["ip"]):
            raise RuntimeError(f"the name {name} seems to be in use by another node")
        asys, (gateway, gw_ip, gw_port) = _start(cfg)
        mapped = _portmap.Registration(alive, gw_port, cfg["ip"])
        try:
            mapped.start()
        except _portmap.NameTaken:
            raise RuntimeError(f"the name {name} seems to be in use by another node") from None
        except OSError as e:
            raise RuntimeError(
                f"no port mapper at {cfg['ip']}:{mapped.mport} ({e}); "
                f"ACTORS_EPMD_PORT chooses another port"
            ) from None
        if not _registry.register(name, _registry.Entry(gw_ip, gw_port, os.getpid()), where):
            raise RuntimeError(f"the name {name} seems to be in use by another node")
        status.write("ok\n")
        status.close()
        while True:
            line = sys.stdin.readline()
            if not line or line.strip() == "stop":
                break
        mapped.close()
        try:
            asys.ask(gateway, ("stop",), 2)
        finally:
            gateway = None
            _registry.unregister(name, os.getpid(), where)
        return 0
    except Exception as exc:
        if not status.closed:
            status.write(f"error {exc}\n")
            status.close()
        return 1
    finally:
        if mapped is not None:
            mapped.close()
        if asys is not None:
            try:
                if gateway is not None:  # a failed start: the gateway is connected, stop it
                    asys.ask(gateway, ("stop",), 2)
            finally:
                asys.shutdown()
        shutil.rmtree(cfg["dir"], ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

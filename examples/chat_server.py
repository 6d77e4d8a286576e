"""A line-based chat server: a gen_server room, connections as ranch protocols, and a
supervisor on top.

    python examples/chat_server.py --port 5679
    nc localhost 5679          # first line: your nick; then chat; /who, /quit

The tree (``supervisor.which_children("chat_sup")``)::

    chat_sup (rest_for_one)
    ├── chat_room               a gen_server: members, nicks, broadcast
    └── ("ranch_embedded_sup", "chat")   the listener (ranch.child_spec), one process
                                         per connection running `ChatConnection`

rest_for_one: if the room dies, the listener restarts after it, so no connection talks
to a room that forgot it. A connection that crashes only loses its own client.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import structlog

import actors
from actors import gen_server, supervisor
from gen_tcp import ranch

ROOM = "chat_room"


class Room:
    """The room: ``("join", nick)`` (a call), ``("say", text)`` (a cast),
    ``"who"`` (a call); members are monitored and leave when they end."""

    def init(self, _: Any) -> Any:
        return ("ok", {})  # pid -> nick

    def handle_call(self, request: Any, from_: Any, members: dict[Any, str]) -> Any:
        pid = from_[0]
        match request:
            case ("join", nick):
                if nick in members.values() or not nick:
                    return ("reply", ("error", "nick_taken"), members)
                actors.monitor("process", pid)
                _broadcast(members, f"* {nick} joined")
                return ("reply", "ok", {**members, pid: nick})
            case "who":
                return ("reply", sorted(members.values()), members)
        return ("reply", ("error", "unknown"), members)

    def handle_cast(self, msg: Any, members: dict[Any, str]) -> Any:
        match msg:
            case ("say", pid, text) if pid in members:
                _broadcast(members, f"<{members[pid]}> {text}", skip=pid)
        return ("noreply", members)

    def handle_info(self, msg: Any, members: dict[Any, str]) -> Any:
        match msg:
            case ("DOWN", _, "process", pid, _) if pid in members:
                nick = members[pid]
                members = {p: n for p, n in members.items() if p != pid}
                _broadcast(members, f"* {nick} left")
        return ("noreply", members)


def _broadcast(members: dict[Any, str], line: str, skip: Any = None) -> None:
    for pid in members:
        if pid != skip:
            actors.send(pid, ("chat_line", line.encode() + b"\n"))


class ChatConnection:
    """The ranch protocol: one process per client, lines in and out."""

    def __repr__(self) -> str:
        return "chat_connection"

    def start_link(self, ref: Any, transport: Any, opts: Any) -> Any:
        return ("ok", actors.spawn_link(self.serve, ref, transport))

    async def serve(self, ref: Any, transport: Any) -> None:
        ok, sock = await ranch.handshake(ref)
        await transport.setopts(sock, [("packet", "line"), ("active", "once")])
        await transport.send(sock, b"nick?\n")
        nick = None
        data_tag, closed_tag, error_tag, _ = transport.messages()
        while True:
            msg = await actors.receive((data_tag, sock, actors.ANY), (closed_tag, sock), (error_tag, sock, actors.ANY),
                                       ("chat_line", actors.ANY))
            if msg[0] == "chat_line":
                await transport.send(sock, msg[1])
                continue
            if msg[0] != data_tag:
                return
            line = msg[2].rstrip(b"\r\n").decode("utf-8", "replace")
            if nick is None:
                if await gen_server.call(ROOM, ("join", line)) == "ok":
                    nick = line
                    await transport.send(sock, f"welcome, {nick}\n".encode())
                else:
                    await transport.send(sock, b"nick taken, another?\n")
            elif line == "/quit":
                await transport.close(sock)
                return
            elif line == "/who":
                await transport.send(sock, (" ".join(await gen_server.call(ROOM, "who")) + "\n").encode())
            else:
                gen_server.cast(ROOM, ("say", actors.self(), line))
            await transport.setopts(sock, [("active", "once")])


class ChatSup:
    """The top supervisor: the room, then the listener (rest_for_one)."""

    def init(self, port: int) -> Any:
        flags = {"strategy": "rest_for_one", "intensity": 5, "period": 10}
        room = {"id": ROOM, "start": (gen_server.start_link, (Room(), None, ROOM))}
        listener = ranch.child_spec("chat", ranch.tcp, {"socket_opts": [("port", port)], "num_acceptors": 4},
                                    ChatConnection(), [])
        return ("ok", (flags, [room, listener]))


async def start(port: int) -> Any:
    """Start the chat's tree: ``("ok", sup)``; the port is ``ranch.get_port("chat")``."""
    return await supervisor.start_link(ChatSup(), port, "chat_sup")


async def main(args: argparse.Namespace) -> None:
    ok, sup = await start(args.port)
    if ok != "ok":
        raise SystemExit(f"chat failed to start: {sup}")
    print(f"chat on port {ranch.get_port('chat')} (supervisor {sup})", flush=True)
    await actors.receive()


if __name__ == "__main__":
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=5679)
    try:
        actors.run(main, p.parse_args(sys.argv[1:]))
    except KeyboardInterrupt:
        pass

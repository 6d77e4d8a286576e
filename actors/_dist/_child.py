"""The launcher as the node's child process: the PYTHONPATH it needs, and waiting for
its exit without blocking the node's loop."""

from __future__ import annotations

import asyncio
import os
import subprocess

__all__ = ["exited", "pythonpath"]


async def exited(loop: asyncio.AbstractEventLoop, proc: subprocess.Popen[bytes]) -> None:
    """Wait, without blocking the loop, until `proc` has exited (and reap it)."""
    try:
        fd = os.pidfd_open(proc.pid)
    except OSError:  # pragma: no cover - Linux before 5.3
        while proc.poll() is None:
            await asyncio.sleep(0.02)
        return
    try:
        if proc.poll() is None:
            done: asyncio.Future[None] = loop.create_future()

            def readable() -> None:
                if not done.done():
                    done.set_result(None)

            loop.add_reader(fd, readable)
            try:
                await done
            finally:
                loop.remove_reader(fd)
        proc.wait()
    finally:
        os.close(fd)


def pythonpath() -> str:
    """PYTHONPATH for the launcher: where this package was imported from, then the rest."""
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    rest = os.environ.get("PYTHONPATH")
    return here + (os.pathsep + rest if rest else "")

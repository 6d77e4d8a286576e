"""The shell's terminal: line editing, history kept between sessions, tab completion,
and output from other threads that does not break the line being typed.

GNU readline (or libedit) gives the arrow keys, Ctrl-R and history, as Python's own
REPL has them. The history lives in ``~/.erlports_history`` (``ACTORS_SHELL_HISTORY``
names another file, an empty value keeps none). Tab completes names of the shell's
namespace and attributes (``gen_tcp.con<Tab>``).
"""

from __future__ import annotations

import io
import os
import threading
from typing import Any, TextIO

__all__ = ["Terminal", "PromptSafe", "history_path"]

HISTORY_LENGTH = 1000


def history_path() -> str | None:
    path = os.environ.get("ACTORS_SHELL_HISTORY")
    if path is None:
        return os.path.join(os.path.expanduser("~"), ".erlports_history")
    return path or None


class Terminal:
    """Readline set up for a namespace: completion on Tab, history loaded and saved."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.history = history_path()
        try:
            import readline
            import rlcompleter
        except ImportError:  # pragma: no cover - a Python built without readline
            self.readline: Any = None
            return
        self.readline = readline
        completer = rlcompleter.Completer(namespace)
        readline.set_completer(completer.complete)
        readline.set_completer_delims(" \t\n`~!@#$%^&*()-=+[{]}\\|;:'\",<>/?")
        if "libedit" in (readline.__doc__ or ""):  # pragma: no cover - macOS
            readline.parse_and_bind("bind ^I rl_complete")
        else:
            readline.parse_and_bind("tab: complete")
        readline.set_history_length(HISTORY_LENGTH)
        if self.history and os.path.exists(self.history):
            try:
                readline.read_history_file(self.history)
            except OSError:
                pass

    def line_buffer(self) -> str:
        return self.readline.get_line_buffer() if self.readline is not None else ""

    def save(self) -> None:
        if self.readline is None or not self.history:
            return
        try:
            self.readline.write_history_file(self.history)
        except OSError:
            pass


class PromptSafe(io.TextIOBase):
    """A text stream for output of other threads (processes, crash reports, the
    watchdog): while the user types at the prompt, each complete line is written above
    it and the prompt with the typed text is redrawn."""

    def __init__(self, stream: TextIO, terminal: Terminal) -> None:
        self.stream = stream
        self.terminal = terminal
        self.prompt: str | None = None  # set while the prompt waits for input
        self._lock = threading.Lock()
        self._partial: dict[int, str] = {}

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]  # input() needs it for readline
        return self.stream.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.stream.errors

    def write(self, s: str) -> int:
        if self.prompt is None or threading.current_thread() is threading.main_thread():
            self.stream.write(s)
            self.stream.flush()
            return len(s)
        with self._lock:
            ident = threading.get_ident()
            text = self._partial.pop(ident, "") + s
            lines, sep, rest = text.rpartition("\n")
            if rest:
                self._partial[ident] = rest
            prompt = self.prompt
            if sep and prompt is not None:
                self.stream.write("\r\x1b[K" + lines + "\n" + prompt + self.terminal.line_buffer())
                self.stream.flush()
        return len(s)

    def flush(self) -> None:
        self.stream.flush()

    def fileno(self) -> int:
        return self.stream.fileno()

    def isatty(self) -> bool:
        return self.stream.isatty()

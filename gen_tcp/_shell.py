"""gen_tcp at the shell's prompt: the ``actors.shell`` entry point of this package.

`actors` sits below `gen_tcp` and never imports it; the shell instead asks the installed
packages (entry-point group ``actors.shell``) to add their names. This one adds
``gen_tcp`` and ``inet``, made synchronous by the shell's own wrapper.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

import gen_tcp
from gen_tcp import inet

__all__ = ["extend"]


def extend(namespace: dict[str, Any], wrap: Callable[[ModuleType], Any]) -> None:
    """Put the synchronous ``gen_tcp`` and ``inet`` into the shell's `namespace`."""
    namespace["gen_tcp"] = wrap(gen_tcp)
    namespace["inet"] = wrap(inet)

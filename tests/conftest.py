"""Project-wide test settings: leak checks everywhere, Erlang-backed tests gated."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator

import pytest

from .actors.dist_helpers import own_port_mapper

HAVE_ERLANG = shutil.which("escript") is not None and shutil.which("erl") is not None


@pytest.fixture(scope="session", autouse=True)
def _port_mapper() -> Iterator[int]:
    """The nodes the tests start use a port mapper of this run's own, ended at its end."""
    yield from own_port_mapper()


@pytest.fixture(autouse=True)
def _no_fd_leak(no_fd_leak: None) -> None:
    """Every test, sync or async, must close every file descriptor it opened."""


def pytest_configure(config: pytest.Config) -> None:
    # A shell without job control starts a background command (``make test &``) with
    # SIGINT ignored, and a program inherits that through exec: the tests that stop a
    # program with Ctrl-C would see it ignored. Catching SIGINT here (Python's default
    # handler) makes every program the tests start get the default disposition.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if HAVE_ERLANG:
        return
    if os.environ.get("ACTORS_REQUIRE_ERLANG"):
        raise pytest.UsageError("ACTORS_REQUIRE_ERLANG is set but erl/escript are not on PATH")
    skip = pytest.mark.skip(reason="needs Erlang/OTP (apt-get install erlang-base); required in CI")
    for item in items:
        if item.get_closest_marker("erlang"):
            item.add_marker(skip)

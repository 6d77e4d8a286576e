"""help(gen_tcp.listen), connect and inet.setopts list the options each accepts."""

from __future__ import annotations

import re

import pytest

import gen_tcp
from gen_tcp import inet
from ports._options import OPTIONS


@pytest.mark.parametrize(("op", "fn"), [("connect", gen_tcp.connect), ("listen", gen_tcp.listen), ("setopts", inet.setopts)])
def test_each_accepted_option_is_listed_and_no_other(op: str, fn: object) -> None:
    """The docstring names exactly the options OTP 25 accepts for the call (the ports
    layer's table), plus the bare mode and family atoms."""
    doc = fn.__doc__ or ""
    listed = set(re.findall(r'\("([a-z_0-9]+)"', doc.split("Options (", 1)[1]))
    accepted = {name for name, o in OPTIONS.items() if op in o.ops}
    assert listed == accepted

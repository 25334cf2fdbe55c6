"""Fixtures of the network tests: real trickling servers on 127.0.0.1 (see ``_trickle``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _trickle import Trickler


@pytest.fixture
def trickler() -> Iterator[Trickler]:
    """A server that sends its answer one byte every 0.5 s (headers at once, body trickles)."""
    t = Trickler()
    yield t
    t.close()


@pytest.fixture
def slow_head() -> Iterator[Trickler]:
    """A server that trickles even its status line and headers."""
    t = Trickler(trickle_head=True)
    yield t
    t.close()

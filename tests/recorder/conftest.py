"""Fixtures of the recorder tests: real liquidations from ../shared/data and the harness that
runs the recorder against local replay servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest
import pytest_asyncio
from recorder_harness import Harness
from recorder_wsdata import Event, tape_events

from liqmap.exchanges.okx.stream import CONTRACT_VALUES


@pytest.fixture(scope="session")
def events(shared_data: Path) -> list[Event]:
    """1,500 real BTCUSDT and 1,500 real ETHUSDT liquidations from the shared tapes."""
    return tape_events(shared_data, 1500)


@pytest_asyncio.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(tmp_path)
    try:
        yield h
    finally:
        await h.close()


@pytest.fixture
def okx_ct() -> Mapping[str, float]:
    return CONTRACT_VALUES

"""The real venues, for a few seconds (``pytest -m live``; deselected by default).

Liquidations of the chosen symbols may or may not happen in that time, so these check what
must hold anyway: the subscription is accepted, every message decodes, nothing is refused.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from liqmap.domain.enums import Venue
from liqmap.recorder import ParquetSink, Recorder, RecorderConfig, read_recorded
from liqmap.settings import Settings

SECONDS = 8.0


@pytest.mark.live
@pytest.mark.asyncio
@pytest.mark.parametrize("venue", [Venue.BINANCE, Venue.BYBIT, Venue.OKX])
async def test_live_stream_subscribes_and_decodes(venue: Venue, tmp_path: Path) -> None:
    config = RecorderConfig(
        venues=(venue,), symbols=("BTCUSDT", "ETHUSDT", "SOLUSDT"), duration_s=SECONDS
    )
    env = Settings.from_env()  # honours LIQMAP_<VENUE>_WS_URL (proxies)
    settings = Settings(home=tmp_path, ws_urls=env.ws_urls)
    recorder = Recorder(config, ParquetSink(tmp_path / "parts"), settings)
    report = await asyncio.wait_for(recorder.run(), SECONDS + 30)
    v = report.venue(venue)
    assert v["first_subscribed_ms"] is not None, v["last_error"]
    assert v["malformed"] == 0, v["malformed_samples"]
    assert not v["state"].startswith("refused")
    assert report.rows_pending == 0
    frame = read_recorded(tmp_path / "parts")
    assert len(frame) == v["events"]
    assert set(frame["side"].to_list()) <= {1, -1}
    assert (frame["notional_usd"] > 0).all()

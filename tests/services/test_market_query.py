"""``liqmap.services.market``: the one market query behind liqmap.api, the CLI and the web."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from liqmap import api
from liqmap.domain.enums import Venue
from liqmap.domain.market_data import MarketData
from liqmap.errors import InputError, ParameterError
from liqmap.services.market import DEMO, EXCHANGE, MarketQuery, query_markets

DAY = 86_400_000


def _bars(path: Path, start_ms: int = 1_767_225_600_000, n: int = 600) -> Path:
    ts = start_ms + 60_000 * np.arange(n)
    close = 100.0 + np.cumsum(np.sin(np.arange(n) / 7.0))
    rows = ["open_time,open,high,low,close,volume"]
    rows += [f"{t},{c},{c + 0.5},{c - 0.5},{c},{10.0}" for t, c in zip(ts, close, strict=True)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_api_names_are_the_query_module_s() -> None:
    assert api.MarketData is MarketData
    assert api.load_market.__module__ == "liqmap.services.market"
    assert api.DEMO == DEMO


def test_demo_query_is_one_simulated_market_per_venue_list() -> None:
    q = MarketQuery("BTCUSDT", (Venue.BINANCE,), DEMO, window_ms=DAY, seed=3, demo_days=2.0)
    got = query_markets(q)
    assert list(got) == [Venue.BINANCE]
    md = got[Venue.BINANCE]
    assert md.source == DEMO and md.simulation is not None
    assert md.candles.ts_ms[-1] - md.candles.ts_ms[0] >= 1.9 * DAY
    same = api.load_market("BTCUSDT", DEMO, demo_days=2.0, seed=3)
    np.testing.assert_array_equal(md.candles.close, same.candles.close)


def test_demo_days_default_to_the_window_plus_a_day_at_least_a_week() -> None:
    assert MarketQuery("X", window_ms=DAY).days() == 7.0
    assert MarketQuery("X", window_ms=10 * DAY).days() == 11.0
    assert MarketQuery("X", window_ms=10 * DAY, demo_days=2.0).days() == 2.0


def test_a_file_read_once_serves_every_venue_naming_it(tmp_path: Path) -> None:
    bars = _bars(tmp_path / "bars.csv")
    q = MarketQuery("BTCUSDT", (Venue.BINANCE, Venue.BYBIT), str(bars))
    got = query_markets(q)
    assert list(got) == [Venue.BINANCE, Venue.BYBIT]
    assert got[Venue.BINANCE] is got[Venue.BYBIT]  # one read, shared
    assert len(got[Venue.BINANCE].candles) == 600


def test_per_venue_sources_must_name_every_venue(tmp_path: Path) -> None:
    bars = _bars(tmp_path / "bars.csv")
    q = MarketQuery("BTCUSDT", (Venue.BINANCE, Venue.OKX), f"binance={bars}")
    with pytest.raises(ParameterError, match="no bars given for okx; add okx=PATH"):
        query_markets(q)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (MarketQuery("BTCUSDT", (), DEMO), "give at least one exchange"),
        (MarketQuery("BTCUSDT", source=EXCHANGE, oi="oi.csv"), "apply to file sources"),
        (
            MarketQuery("BTCUSDT", (Venue.BINANCE, Venue.OKX), "a.csv", mark="m.csv"),
            "--mark goes with one --exchange",
        ),
        (MarketQuery("BTCUSDT", source="no/such/bars.csv"), "no such file"),
    ],
)
def test_bad_queries_say_what_to_change(query: MarketQuery, message: str) -> None:
    with pytest.raises(InputError, match=message):
        query_markets(query)


def test_offline_store_query_names_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liqmap.settings import Settings

    monkeypatch.setenv("LIQMAP_HOME", str(tmp_path))
    q = MarketQuery("BTCUSDT", (Venue.BINANCE,), EXCHANGE, window_ms=DAY, offline=True)
    with pytest.raises(InputError, match="candles"):
        query_markets(q, settings=Settings.from_env())

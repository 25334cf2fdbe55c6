"""The dashboard's store sources read stored markets through the library's one read
(``liqmap.services.stored_market.read_window`` / ``read_newer``): the same bars, OI, events and
cached margin tiers as ``liqmap map --source exchange --offline``, and only what is newer on a
refresh."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from _web import serve

from liqmap import api
from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.settings import Settings
from liqmap.web import create_app

pytest.importorskip("liqmap.store", reason="needs the exchange-data store")

SYM = "BTCUSDT"


def _table() -> MarginTable:
    tiers = (
        MarginTier(1, 0, 50_000, 0.006, 0, 125),
        MarginTier(2, 50_000, 10_000_000_000, 0.012, 300, 100),
    )
    return MarginTable(SYM, "binance", tiers, as_of="2026-01-20", source="cached by a test")


def _fill(home: Path, md: api.MarketData, upto: int, *, table: MarginTable | None) -> None:
    from liqmap.store import Store

    with Store.open(home / "liqmap.duckdb", settings=Settings(home=home)) as store:
        store.write_candles("binance", SYM, md.candles.take(slice(0, upto)))
        assert md.oi is not None and md.liquidations is not None
        store.write_open_interest("binance", SYM, md.oi)
        store.write_liquidations("binance", SYM, md.liquidations)
        if table is not None:
            store.write_brackets("binance", table, int(md.candles.ts_ms[0]))


@pytest.fixture(scope="module")
def demo() -> api.MarketData:
    return api.load_market(SYM, "demo", demo_days=3)


def test_snapshot_is_the_librarys_read_with_the_cached_tiers(
    tmp_path: Path, demo: api.MarketData
) -> None:
    from liqmap.services.stored_market import read_window
    from liqmap.store import Store
    from liqmap.web.stored import ReopeningStore, store_sources

    n = len(demo.candles) - 7
    _fill(tmp_path, demo, n, table=_table())
    settings = Settings(home=tmp_path)
    (src,) = store_sources(ReopeningStore(tmp_path / "liqmap.duckdb", settings))
    snap = src.snapshot(SYM)
    assert snap.data.margin_table == _table()  # the dashboard uses the stored tiers
    assert len(snap.data.candles) == n and snap.data.oi is not None
    with Store.open(tmp_path / "liqmap.duckdb", settings=settings, read_only=True) as st:
        first = int(demo.candles.ts_ms[0])
        same = read_window(st, Venue.BINANCE, SYM, start_ms=first, interval_ms=60_000)
    assert same.candles.ts_ms.tolist() == snap.data.candles.ts_ms.tolist()
    assert same.margin_table == snap.data.margin_table

    assert src.refresh() == []  # nothing newer
    _fill(tmp_path, demo, len(demo.candles), table=None)
    moved = src.refresh()
    assert [s for s, _ in moved] == [SYM] and moved[0][1] > snap.version
    again = src.snapshot(SYM)
    assert len(again.data.candles) == len(demo.candles) and again.version == moved[0][1]


def test_dashboard_map_of_a_stored_symbol_names_the_cached_table(
    tmp_path: Path, demo: api.MarketData
) -> None:
    from liqmap.store import Store

    _fill(tmp_path, demo, len(demo.candles), table=_table())
    settings = Settings(home=tmp_path)
    with Store.open(tmp_path / "liqmap.duckdb", settings=settings, read_only=True) as opened:
        app = create_app(settings, opened)  # an open Store is held, not reopened
        with serve(app) as s:
            params = {"source": "binance", "symbol": SYM, "window": "24h"}
            got = httpx.get(f"{s.url}/api/v1/map", params=params, timeout=30).json()
    assert any("cached by a test" in n for n in got["notes"]), got["notes"]
    stored = api.MarketData(demo.candles, demo.oi, demo.liquidations, margin_table=_table())
    expected = api.estimate_map(stored, window="24h").to_dict()
    assert got["totals"] == pytest.approx(expected["totals"])

"""The dated all-symbol Binance snapshots shipped as package data (issue 11 item 1) and the
fallback for symbols without tiers (item 3)."""

from __future__ import annotations

import csv
import gzip
import math
import warnings
from collections import defaultdict
from pathlib import Path

import pytest

from liqmap.domain.enums import Venue
from liqmap.errors import FallbackTableWarning
from liqmap.io.bracket_snapshots import fallback_ladder, snapshot_dates, snapshot_symbols
from liqmap.io.brackets import default_table
from liqmap.io.fallback import fallback_table, is_fallback
from liqmap.io.tables import resolve_table, table_note

SNAPSHOTS = "brackets/binance-um-leverage-brackets-all-symbols-7-snapshots-2024-08_2026-03.csv.gz"
DAY = 86_400_000


def _ms(date: str) -> int:
    from datetime import UTC, datetime

    return int(datetime.fromisoformat(date).replace(tzinfo=UTC).timestamp() * 1000)


def test_package_data_reproduces_every_row_of_the_shared_snapshots(shared_data: Path) -> None:
    rows: dict[tuple[str, str], list[tuple[int, float, float, float, float, float]]] = defaultdict(
        list
    )
    with gzip.open(shared_data / SNAPSHOTS, "rt", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows[(r["symbol"], r["snapshot_date"])].append(
                (int(r["bracket"]), float(r["notionalFloor"]), float(r["notionalCap"]),
                 float(r["maintMarginRatio"]), float(r["cum"]), float(r["initialLeverage"]))
            )  # fmt: skip
    assert len(rows) > 4_000 and sum(len(v) for v in rows.values()) == 34_787
    for (sym, date), want in rows.items():
        t = default_table(Venue.BINANCE, sym, as_of_ms=_ms(date) + DAY // 2)
        assert t.as_of == date, (sym, date)
        got = [(x.tier, x.notional_floor, x.notional_cap, x.maint_margin_ratio, x.maint_amount,
                x.max_leverage) for x in t.tiers]  # fmt: skip
        # Binance publishes 3 empty brackets (floor == cap, BEAMXUSDT); they hold nothing
        assert got == sorted(w for w in want if w[2] > w[1]), (sym, date)


def test_snapshot_in_force_at_the_map_time() -> None:
    dates = snapshot_dates()
    assert dates == ("2024-08-01", "2025-04-03", "2025-10-09", "2026-01-29", "2026-02-05",
                     "2026-02-26", "2026-03-05")  # fmt: skip
    # the latest snapshot dated on or before the time
    assert default_table("binance", "BTCUSDT", as_of_ms=_ms("2025-12-31")).as_of == "2025-10-09"
    assert default_table("binance", "BTCUSDT", as_of_ms=_ms("2026-02-05")).as_of == "2026-02-05"
    assert default_table("binance", "BTCUSDT").as_of == "2026-03-05"  # no time: the latest
    before = default_table("binance", "BTCUSDT", as_of_ms=_ms("2023-01-01"))
    assert before.as_of == "2024-08-01" and "before the first snapshot" in before.source


def test_symbol_not_listed_at_the_time_takes_the_nearest_snapshot_and_says_so() -> None:
    late = next(i for i in snapshot_symbols() if i.first_date == "2026-03-05")
    t = default_table("binance", late.symbol, as_of_ms=_ms("2024-09-01"))
    assert t.as_of == "2026-03-05" and "not listed on 2024-08-01" in t.source


def test_every_shipped_symbol_maps_to_a_valid_table() -> None:
    infos = snapshot_symbols()
    assert len(infos) == 701 and sum(i.listed_last for i in infos) == 687
    for i in infos:
        t = default_table("binance", i.symbol)
        assert t.tiers[0].notional_floor == 0 and t.max_leverage == i.max_leverage


def test_fallback_ladder_is_the_most_common_at_that_max_leverage() -> None:
    ladder, lev, n = fallback_ladder()
    assert lev == 50 and n == 114 and ladder[0] == (0, 5000, 0.015, 0, 50)
    _, lev20, _ = fallback_ladder(22)  # no perpetual has 22x: the nearest lower, 21x
    assert lev20 == 21


@pytest.mark.parametrize("venue", list(Venue))
def test_fallback_is_labelled_warns_and_names_the_fix(venue: Venue) -> None:
    with pytest.warns(FallbackTableWarning, match=r"--brackets.*liqmap tiers sync"):
        t = fallback_table(venue, "ZZZQQQ")
    assert is_fallback(t) and t.source.startswith("FALLBACK")
    assert "NO TIERS KNOWN" in table_note(t)
    if venue is Venue.OKX:
        assert all(x.maint_amount == 0 for x in t.tiers)  # whole-position rule
    if venue is Venue.HYPERLIQUID:
        assert t.tiers[0].maint_margin_ratio == pytest.approx(1 / 20) and math.isinf(
            t.tiers[0].notional_cap
        )


def test_fallback_prefers_the_same_coins_binance_ladder() -> None:
    with pytest.warns(FallbackTableWarning):
        t = fallback_table(Venue.BYBIT, "SOLUSDT", as_of_ms=_ms("2026-02-10"))
    sol = default_table("binance", "SOLUSDT", as_of_ms=_ms("2026-02-10"))
    assert t.tiers == sol.tiers and "SOLUSDT ladder (snapshot 2026-02-05)" in t.source


def test_resolution_order() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        snap = resolve_table(Venue.BINANCE, "SOL", as_of_ms=_ms("2026-01-30"))
    assert snap.as_of == "2026-01-29" and table_note(snap).startswith(
        "margin table: SOLUSDT binance (snapshot 2026-01-29)"
    )
    live = snap.__class__("SOLUSDT", "binance", snap.tiers, as_of="2026-11-01", source="x GET y")
    # a cached live table applies to current maps, not to a map 30+ days before its fetch
    assert resolve_table(Venue.BINANCE, "SOL", cached=live) is live
    assert resolve_table(Venue.BINANCE, "SOL", as_of_ms=_ms("2026-01-30"), cached=live) == snap
    quiet = resolve_table(Venue.OKX, "ZZZQQQ", warn=False)
    assert is_fallback(quiet)

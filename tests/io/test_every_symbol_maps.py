"""Issue 11 target: ``map`` and ``liqprice`` work for every symbol of the shipped Binance snapshots
(the map on a real BTCUSDT 5m path, price-scaled per symbol; each symbol's own dated table)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from liqmap import api
from liqmap.domain.enums import Venue
from liqmap.domain.market import Candles
from liqmap.io.bracket_snapshots import snapshot_dates, snapshot_symbols
from liqmap.io.files import load_candles

BARS = "bars/binance-um-5m-BTCUSDT-2024-12-31_2026-02-19.csv.gz"


def test_every_snapshot_symbol_maps_and_quotes(shared_data: Path) -> None:
    btc = load_candles(shared_data / BARS, symbol="BTCUSDT")
    keep = btc.ts_ms >= btc.ts_ms[-1] - 2 * 86_400_000
    infos = snapshot_symbols()
    rng = np.random.default_rng(3)
    failures: list[tuple[str, str]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no symbol may fall back to the stand-in table
        for i in infos:
            f = float(10 ** rng.uniform(-5, 0))
            c = Candles(i.symbol, btc.interval_ms, btc.ts_ms[keep], btc.open[keep] * f,
                        btc.high[keep] * f, btc.low[keep] * f, btc.close[keep] * f,
                        btc.volume[keep] / f, btc.taker_buy_volume[keep] / f)  # fmt: skip
            try:
                m = api.estimate_map(c, window="24h", bins=80)
                assert m.notes[0].startswith(f"margin table: {i.symbol} binance (snapshot ")
                assert m.total_long_usd > 0 and m.total_short_usd > 0
                table = api.margin_table(Venue.BINANCE, i.symbol)
                lev = min(10.0, table.tier_for(1_000.0).max_leverage)
                q = api.liquidation_price(
                    Venue.BINANCE, "long", entry=float(c.close[-1]), leverage=lev,
                    notional=1_000.0, symbol=i.symbol,
                )  # fmt: skip
                assert 0 <= q.liquidation_price < float(c.close[-1])
            except Exception as exc:
                failures.append((i.symbol, repr(exc)))
    # ETHBTC is quoted in BTC (its table is in BTC): the one symbol with no USD-sized map, and
    # the error says why
    coin_quoted = [(s, e) for s, e in failures if not s.endswith(("USDT", "USDC", "USD"))]
    assert [s for s, _ in coin_quoted] == ["ETHBTC"] and "quoted in a coin" in coin_quoted[0][1]
    rest = [f for f in failures if f not in coin_quoted]
    assert rest == [], f"{len(rest)} of {len(infos)} symbols fail: {rest[:5]}"
    assert len(infos) == 701 and snapshot_dates()[-1] == "2026-03-05"

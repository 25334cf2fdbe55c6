"""``LiquidationMap.usd_if``: the map's levels crossed by a move plus its fresh positions (2.17)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _markets import MINUTE, make_candles

from liqmap.core.bands import band_factors
from liqmap.core.maps import estimate_map
from liqmap.core.results import LiquidationMap, Side
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, OpenInterest
from liqmap.model_config import DEFAULT_PARAMS

H = 3_600_000
DAY = 86_400_000


def _map(candles: Candles, table: MarginTable, **params: float) -> LiquidationMap:
    p = dataclasses.replace(DEFAULT_PARAMS, **params) if params else DEFAULT_PARAMS
    return estimate_map(candles, window_ms=DAY, table=table, params=p)


def test_without_fresh_share_it_is_the_levels_between_price_and_extreme(
    candles: Candles, table: MarginTable
) -> None:
    m = _map(candles, table, fresh_share=0.0)
    lo, hi = m.price * 0.99, m.price * 1.02
    assert m.usd_if(lo, hi, "long") == pytest.approx(m.usd_between(lo, m.price, "long"))
    assert m.usd_if(lo, hi, "short") == pytest.approx(m.usd_between(m.price, hi, "short"))
    assert m.usd_if(lo, hi) == pytest.approx(m.usd_if(lo, hi, "long") + m.usd_if(lo, hi, "short"))


def test_fresh_positions_fill_a_range_the_levels_leave_empty(
    candles: Candles, table: MarginTable
) -> None:
    m = _map(candles, table)
    assert m.fresh is not None and m.fresh.source == "volume"
    lo, hi = m.price * 0.985, m.price * 1.015
    sides: tuple[Side, ...] = ("long", "short")
    for side in sides:
        levels = _map(candles, table, fresh_share=0.0).usd_if(lo, hi, side)
        assert m.usd_if(lo, hi, side) > levels
        # more time, more fresh positions; a wider move, more of them reached
        assert m.usd_if(lo, hi, side, 4 * H) > m.usd_if(lo, hi, side, H)
        assert m.usd_if(m.price * 0.97, m.price * 1.03, side) > m.usd_if(lo, hi, side)
    # no move, nothing fresh and no level crossed
    assert m.usd_if(m.price, m.price) == 0.0


def test_flow_rate_is_the_days_usd_volume_per_hour(candles: Candles, table: MarginTable) -> None:
    m = _map(candles, table)
    typical = (candles.high + candles.low + candles.close) / 3.0
    hours = len(candles.ts_ms) * MINUTE / H  # 600 bars: all within the day before as_of
    assert m.fresh is not None
    assert m.fresh.rate_usd_per_hour == pytest.approx(
        float((candles.volume * typical).sum()) / hours
    )
    assert m.to_dict()["fresh"] == {"rate_usd_per_hour": m.fresh.rate_usd_per_hour,
                                    "source": "volume"}  # fmt: skip


def test_bars_without_volume_size_the_flow_by_the_turnover(table: MarginTable) -> None:
    c = make_candles(flow=False)
    c = dataclasses.replace(c, volume=np.full(len(c.ts_ms), np.nan))
    oi = OpenInterest(c.ts_ms[::5], np.linspace(1e9, 1.1e9, len(c.ts_ms[::5])))  # OI-only bars
    m = estimate_map(c, window_ms=DAY, table=table, oi=oi)
    assert m.fresh is not None and m.fresh.source == "turnover"
    stock = m.total_long_usd + m.total_short_usd
    assert m.fresh.rate_usd_per_hour == pytest.approx(stock * DEFAULT_PARAMS.turnover_per_day / 24)


def test_band_adds_the_fresh_part_times_the_band_factors(
    candles: Candles, table: MarginTable
) -> None:
    m = _map(candles, table)
    lo, hi = m.price * 0.985, m.price * 1.015
    band, levels = m.usd_if_band(lo, hi, "long"), m.usd_between_band(lo, m.price, "long")
    assert band is not None and levels is not None
    fresh = m.usd_if(lo, hi, "long") - m.usd_between(lo, m.price, "long")
    f10, f90 = band_factors(m.params)
    assert band[0] == pytest.approx(levels[0] + fresh * f10)
    assert band[1] == pytest.approx(levels[1] + fresh * f90)
    assert band[0] <= band[1]


def test_bad_input_is_refused(candles: Candles, table: MarginTable) -> None:
    m = _map(candles, table)
    with pytest.raises(ValueError, match="side"):
        m.usd_if(1.0, 2.0, "up")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="low must be <= high"):
        m.usd_if(2.0, 1.0)

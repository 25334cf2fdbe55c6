"""Each demo symbol simulates its own market (issue 14 item 5)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from liqmap.errors import UnknownSymbolError
from liqmap.sim import SimConfig, simulate
from liqmap.sim.markets import DEMO_MARKETS, demo_config


def test_btc_demo_is_the_default_market_with_whales_capped() -> None:
    cfg = demo_config("BTCUSDT")
    assert cfg == replace(SimConfig.preset("mixed"), symbol="BTCUSDT", max_notional_usd=400_000.0)


def test_no_single_minute_moves_the_demo_oi_by_a_seam() -> None:
    """The cause of the heatmap's whole-column seams (issue 14 item 7): one position opening or
    closing moved OI by 10-15% in a minute, and the estimator scales all levels with OI."""
    res = simulate(replace(demo_config("BTCUSDT"), duration_minutes=2 * 1440))
    step = np.abs(np.diff(np.log(res.open_interest.value_usd)))
    assert float(step.max()) < 0.06


def test_symbols_differ_in_price_sizes_activity_and_seed() -> None:
    btc, eth = demo_config("BTCUSDT", seed=3), demo_config("ETHUSDT", seed=3)
    assert eth.start_price < btc.start_price / 10
    assert eth.notional_median_usd < btc.notional_median_usd
    assert eth.depth_usd_per_pct < btc.depth_usd_per_pct
    assert eth.seed != btc.seed
    assert demo_config("ETHUSDT", seed=3) == eth  # still reproducible
    assert set(DEMO_MARKETS) == {"BTC", "ETH"}


def test_simulated_markets_are_not_copies() -> None:
    short = {"duration_minutes": 360, "warmup_minutes": 360}
    btc = simulate(replace(demo_config("BTCUSDT"), **short))
    eth = simulate(replace(demo_config("ETHUSDT"), **short))
    r_btc = np.diff(np.log(btc.candles.close))
    r_eth = np.diff(np.log(eth.candles.close))
    assert abs(float(np.corrcoef(r_btc, r_eth)[0, 1])) < 0.5  # own price path
    oi_btc, oi_eth = float(btc.open_interest.value_usd[-1]), float(eth.open_interest.value_usd[-1])
    assert abs(oi_btc - oi_eth) > 0.1 * max(oi_btc, oi_eth)  # own totals


def test_unknown_demo_symbol_names_the_choices() -> None:
    with pytest.raises(UnknownSymbolError, match="BTCUSDT, ETHUSDT"):
        demo_config("DOGEUSDT")

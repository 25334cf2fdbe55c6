"""SimConfig: defaults, presets and validation."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest

import liqmap.sim
from liqmap.domain.enums import Venue
from liqmap.errors import ParameterError, UnknownSymbolError
from liqmap.io.brackets import default_table
from liqmap.sim import LEVERAGE_POPULATIONS, PRESETS, SimConfig, simulate
from liqmap.sim.agents import max_notional_for


def test_public_surface_resolves() -> None:
    for name in liqmap.sim.__all__:
        assert hasattr(liqmap.sim, name), name


def test_defaults_are_documented_values() -> None:
    cfg = SimConfig()
    assert cfg.symbol == "BTCUSDT"
    assert cfg.start_ms == 1_767_225_600_000  # 2026-01-01T00:00:00Z
    assert cfg.duration_minutes == 7 * 1440
    assert cfg.step_ms * cfg.steps_per_minute == 60_000
    assert cfg.total_minutes == cfg.warmup_minutes + cfg.duration_minutes


@pytest.mark.parametrize("name", PRESETS)
def test_presets_build(name: str) -> None:
    cfg = SimConfig.preset(name)  # type: ignore[arg-type]
    assert cfg.regime in ("mixed", "trend", "range", "crash")
    assert math.isclose(sum(cfg.leverage_weights), 1.0)


def test_leverage_presets_shift_the_population() -> None:
    def mean_lev(cfg: SimConfig) -> float:
        return sum(lv * w for lv, w in zip(cfg.leverages, cfg.leverage_weights, strict=True))

    high = SimConfig.preset("high-leverage")
    low = SimConfig.preset("low-leverage")
    assert mean_lev(low) < mean_lev(SimConfig()) < mean_lev(high)
    for levs, weights in LEVERAGE_POPULATIONS.values():
        assert math.isclose(sum(weights), 1.0)
        assert list(levs) == sorted(levs)


def test_unknown_preset_names_the_choices() -> None:
    with pytest.raises(ParameterError, match="crash"):
        SimConfig.preset("boom")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("regime", "sideways", "regime"),
        ("steps_per_minute", 7, "divide 60000"),
        ("volatility_pct", -1.0, "volatility_pct"),
        ("leverage_weights", (0.5,) * 10, "sum to 1"),
        ("leverages", (10.0, 5.0, 2.0, 3.0, 20.0, 25.0, 50.0, 75.0, 100.0, 125.0), "increasing"),
        ("oi_valuation", "notional", "oi_valuation"),
        ("duration_minutes", 0, "duration_minutes"),
        ("stop_loss_distance", 1.0, "stop_loss_distance"),
        ("min_notional_usd", 1e8, "exceeds"),
    ],
)
def test_bad_values_are_rejected_by_name(field: str, value: object, match: str) -> None:
    change: dict[str, Any] = {field: value}
    with pytest.raises(ParameterError, match=match):
        replace(SimConfig(), **change)


def test_leverage_above_the_bracket_table_is_rejected() -> None:
    cfg = replace(
        SimConfig(duration_minutes=10, warmup_minutes=0),
        leverages=(10.0, 200.0),
        leverage_weights=(0.5, 0.5),
    )
    with pytest.raises(ParameterError, match="200x"):
        simulate(cfg)


def test_unknown_symbol_without_table() -> None:
    with pytest.raises(UnknownSymbolError):
        simulate(SimConfig(symbol="NOPEUSDT", duration_minutes=10, warmup_minutes=0))


def test_max_notional_follows_the_brackets() -> None:
    table = default_table(Venue.BINANCE, "BTCUSDT")
    assert max_notional_for(125.0, table) < 300_000.0 <= max_notional_for(100.0, table)
    assert max_notional_for(100.0, table) < 800_000.0
    assert max_notional_for(10.0, table) >= 70_000_000.0 - 1.0

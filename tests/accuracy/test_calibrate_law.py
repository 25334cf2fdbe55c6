"""``liqmap calibrate --law`` on the real development tape, and the law's building blocks."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from liqmap import api
from liqmap.cli.app import main
from liqmap.cli.calibrate_law import recorded_spans
from liqmap.errors import ParameterError
from liqmap.leverage_law import turnover_half_life_10x
from liqmap.model_config import DEFAULT_PARAMS, EstimatorParams, lognormal_cells

DAY = 86_400_000


def test_law_cells_mass_and_mean_distance() -> None:
    levs, w = lognormal_cells(20.0, 0.8)
    assert sum(w) == pytest.approx(1.0)
    assert list(levs) == sorted(levs) and all(2.0 <= lev <= 125.0 for lev in levs)
    # the median cell (15..35x) holds the most mass for a median of 20x
    assert max(range(len(w)), key=lambda k: w[k]) == 3
    # a narrow law centred in a cell puts (almost) all its mass there, at about its median
    levs, w = lognormal_cells(50.0, 0.05)
    assert w[4] == pytest.approx(1.0, abs=1e-6) and levs[4] == pytest.approx(50.0, rel=0.02)


def test_params_derive_tiers_and_round_trip() -> None:
    p = EstimatorParams(leverage_median=30.0, leverage_sigma=0.7)
    assert p.derived and len(p.leverages) == 6
    assert p.half_life_hours[2] == pytest.approx(23.6 * (p.leverages[2] / 10) ** -0.88)
    d = p.to_dict()
    assert "leverages" not in d and d["derived_tiers"]["leverages"] == list(p.leverages)
    assert EstimatorParams.from_dict(json.loads(json.dumps(d))) == p
    with pytest.raises(ParameterError, match="unknown key"):
        EstimatorParams.from_dict({**d, "leverage_mode": 1})
    with pytest.raises(ParameterError, match="leverage_sigma"):
        EstimatorParams(leverage_sigma=0.0)


def test_recorded_spans_remove_outages() -> None:
    assert recorded_spans(0, 100, ((10, 20), (50, 60))) == ((0, 10), (20, 50), (60, 100))
    assert recorded_spans(0, 100, ((-5, 5), (90, 120))) == ((5, 90),)


def test_law_fit_on_the_dev_tape_writes_params_map_reads(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bars = shared_data / "bars" / "binance-um-5m-BTCUSDT-2024-12-31_2026-02-19.csv.gz"
    tape = shared_data / "liquidations" / "binance-btc-forceorder-2026-01-27_2026-02-16.csv.gz"
    out = tmp_path / "law.json"
    args = ["calibrate", "BTCUSDT", "--source", str(bars), "--liquidations", str(tape), "--law",
            "--draws", "2", "--from", "2026-02-11", "--to", "2026-02-14", "--warmup", "2d",
            "--out", str(out), "--json"]  # fmt: skip
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "liqmap.calibration-law/1"
    fit = doc["fit"]
    assert 2.0 <= fit["median"] <= 125.0 and 0.3 <= fit["sigma"] <= 3.0
    lo, hi = fit["median_ci95"]
    assert lo <= hi
    assert fit["loss"] <= fit["loss_base"] + 1e-12  # the optimiser starts at the base
    # the tape's price is beyond the bar close by about the maintenance rate (bankruptcy price)
    assert 0.1 < fit["bankruptcy_offset"]["long_median_pct"] < 1.5
    p = api.load_params(out)
    assert p.leverage_median == pytest.approx(fit["median"]) and p.derived
    assert math.isfinite(p.band_log_sigma)


def test_default_half_lives_follow_the_turnover_identity() -> None:
    # docs/model.md 2.11: the stock-weighted closing hazard ln 2 / sum_k w_k h_k equals the
    # market's turnover_per_day / 2 per day (every trade changes two positions)
    p = DEFAULT_PARAMS
    h10 = turnover_half_life_10x(p.turnover_per_day, p.leverages, p.weights, p.half_life_exponent)
    assert p.half_life_10x_hours == pytest.approx(h10, abs=0.05)
    hazard_per_day = (
        24.0 * math.log(2.0) / sum(w * h for w, h in zip(p.weights, p.half_life_hours, strict=True))
    )
    assert hazard_per_day == pytest.approx(p.turnover_per_day / 2.0, rel=0.01)
    # twice the turnover halves the half-lives; a law with more high leverage lengthens h10
    assert turnover_half_life_10x(
        2 * p.turnover_per_day, p.leverages, p.weights, p.half_life_exponent
    ) == pytest.approx(h10 / 2)
    hi = EstimatorParams(leverage_median=100.0, leverage_sigma=1.0)
    assert (
        turnover_half_life_10x(p.turnover_per_day, hi.leverages, hi.weights, p.half_life_exponent)
        > h10
    )
    with pytest.raises(ParameterError, match="turnover_per_day"):
        turnover_half_life_10x(0.0, p.leverages, p.weights, p.half_life_exponent)

"""Calibration: the parameter space, recovery of a known leverage population, the written file."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from liqmap import api
from liqmap.accuracy.calibrate import (
    CalibrationConfig,
    CalibrationResult,
    Problem,
    Space,
    calibrate,
    fit_params,
)
from liqmap.errors import EmptyWindowError, ParameterError
from liqmap.model_config import EstimatorParams
from liqmap.sim import SimConfig, SimulationResult, simulate

H = 3_600_000
TIERS = EstimatorParams(leverages=(20.0, 100.0), weights=(0.5, 0.5), half_life_hours=(24.0, 6.0))


def _population(lev: float, seed: int = 1) -> SimulationResult:
    """Two simulated days in which every trader uses leverage ``lev``."""
    cfg = replace(
        SimConfig(), seed=seed, leverages=(lev,), leverage_weights=(1.0,),
        duration_minutes=2 * 1440, warmup_minutes=1440,
    )  # fmt: skip
    return simulate(cfg)


def _fit(sim: SimulationResult, **cfg: object) -> CalibrationResult:
    config = CalibrationConfig(**{"fit": ("weights",), "max_evals": 25, "ridge": 0.0, **cfg})  # type: ignore[arg-type]
    return calibrate(
        sim.candles, sim.liquidations, start_ms=sim.start_ms + 24 * H, end_ms=sim.end_ms,
        oi=sim.open_interest, table=sim.margin_table, base=TIERS, config=config,
        truth_span=(sim.start_ms, sim.end_ms),
    )  # fmt: skip


FIVE = EstimatorParams(
    leverages=(5.0, 10.0, 25.0, 50.0, 100.0),
    weights=(0.1, 0.3, 0.3, 0.2, 0.1),
    half_life_hours=(168.0, 96.0, 48.0, 24.0, 12.0),
)  # the tier mix this (pre-law) calibration was built for


def test_space_maps_x0_to_base_and_stays_on_the_simplex() -> None:
    sp = Space(FIVE, ("weights", "half_lives", "side_split", "entry_spread"))
    p = sp.params(sp.x0)
    assert p.weights == pytest.approx(FIVE.weights)
    assert p.half_life_hours == pytest.approx(FIVE.half_life_hours)
    assert (p.side_split_strength, p.entry_spread) == (1.0, 1.0)
    assert sp.penalty(sp.x0, 1.0) == 0.0
    far = sp.params(np.full(len(sp.x0), 50.0))  # clipped into the bounds
    assert sum(far.weights) == pytest.approx(1.0) and min(far.weights) >= 0
    assert far.entry_spread == 1.0 and far.side_split_strength == 2.0
    # half-lives: scale tau and tilt delta (> 0 shortens high leverage relative to low)
    x = sp.x0.copy()
    x[4:6] = (math.log(2.0), 0.5)
    hl = np.array(sp.params(x).half_life_hours) / np.array(FIVE.half_life_hours)
    assert np.all(np.diff(hl) < 0) and math.exp(np.mean(np.log(hl))) == pytest.approx(2.0)
    simplex = sp.simplex()
    assert simplex.shape == (len(sp.x0) + 1, len(sp.x0))
    assert np.all(simplex <= np.array([b[1] for b in sp.bounds]))  # entry_spread 1 steps inward


@pytest.mark.parametrize("lev", [20.0, 100.0])
def test_fit_moves_toward_the_known_leverage_population(lev: float) -> None:
    """Traders all at 20x (or all at 100x): starting from 50/50, the fitted weight of the true tier
    grows, with a complete tape (tape share 1) and with the tape share unknown (profiled)."""
    sim = _population(lev)
    for share in (1.0, None):
        r = _fit(sim, tape_share=share)
        w_true = r.params.weights[TIERS.leverages.index(lev)]
        assert w_true > 0.55, (share, r.params.weights)
        assert r.in_sample[1].total <= r.in_sample[0].total


def test_naive_comparison_rewards_high_leverage_for_being_near() -> None:
    """On the simulator's default population, the *where* term without the reach correction
    falls steeply as weight moves to 100x (its levels sit where price goes anyway), while the
    corrected terms (conditional on the visit, or weighted by reach probability) hardly move."""
    sim = simulate(replace(SimConfig.preset("mixed"), seed=2, duration_minutes=2 * 1440))
    where = {}
    for reach in ("visit", "probability", "none"):
        pb = Problem(
            sim.candles, sim.liquidations, start_ms=sim.start_ms + 24 * H, end_ms=sim.end_ms,
            oi=sim.open_interest, table=sim.margin_table, truth_span=(sim.start_ms, sim.end_ms),
            config=CalibrationConfig(reach=reach),  # type: ignore[arg-type]
        )  # fmt: skip
        where[reach] = [
            # net-OI rule (oi_anchor=False): under the stock-flow rule the 100x weight also changes
            # what the refill replaces, a model change unrelated to the reach correction
            pb.objective(
                replace(TIERS, leverages=(10.0, 100.0), weights=(1 - w, w), oi_anchor=False)
            ).where
            for w in (0.1, 0.9)
        ]
    assert where["none"][1] < where["none"][0] - 1.0, where
    for reach in ("visit", "probability"):
        assert abs(where[reach][1] - where[reach][0]) < 0.1, where


def test_budget_determinism_and_holdout(tmp_path: Path) -> None:
    sim = _population(100.0, seed=2)
    a = _fit(sim, max_evals=4)
    assert a.evaluations == 4 and a.stopped == "budget"
    b = _fit(sim, max_evals=4)
    assert a.params == b.params  # deterministic
    r = calibrate(
        sim.candles, sim.liquidations, start_ms=sim.start_ms + 24 * H, end_ms=sim.end_ms,
        holdout_ms=sim.end_ms - 8 * H, oi=sim.open_interest, table=sim.margin_table, base=TIERS,
        config=CalibrationConfig(fit=("weights", "half_lives"), max_evals=6, every_ms=2 * H),
        truth_span=(sim.start_ms, sim.end_ms),
    )  # fmt: skip
    assert r.fit_span[1] == sim.end_ms - 12 * H  # horizons of the fit end before the holdout
    assert r.out_of_sample is not None and r.out_of_sample[0].cases > 0
    seen: list[tuple[int, float]] = []
    pb = Problem(
        sim.candles, sim.liquidations, start_ms=sim.start_ms + 24 * H, end_ms=sim.end_ms,
        oi=sim.open_interest, table=sim.margin_table, truth_span=(sim.start_ms, sim.end_ms),
        config=CalibrationConfig(fit=("weights",), max_evals=5),
    )  # fmt: skip
    p, n, how = fit_params(pb, TIERS, lambda k, best: seen.append((k, best)))
    assert (n, how) == (5, "budget") and [k for k, _ in seen] == [1, 2, 3, 4, 5]
    assert all(b1 >= b2 for (_, b1), (_, b2) in itertools.pairwise(seen))  # best so far
    assert pb.objective(p).total <= seen[-1][1]  # the best value includes the ridge penalty
    de = _fit(sim, method="differential-evolution", max_evals=8, seed=3)
    assert de.evaluations <= 8 and sum(de.params.weights) == pytest.approx(1.0)


def test_file_round_trips_through_load_params(tmp_path: Path) -> None:
    sim = _population(100.0, seed=3)
    r = _fit(sim, max_evals=3)
    path = r.write(tmp_path / "params.json", {"symbol": "BTCUSDT", "source": "demo"})
    d = json.loads(path.read_text(encoding="utf-8"))
    assert d["schema"] == "liqmap.calibration/1"
    assert d["fitted_on"]["symbol"] == "BTCUSDT" and d["fitted_on"]["reach"] == "visit"
    assert set(d["objective"]["in_sample"]) == {"base", "fitted"}
    assert d["objective"]["out_of_sample"] is None and d["created"]
    assert api.load_params(path) == r.params
    assert EstimatorParams.from_dict(d["base_params"]) == TIERS


def test_bad_inputs_raise_parameter_errors() -> None:
    sim = _population(20.0)
    with pytest.raises(ParameterError, match="--fit"):
        CalibrationConfig(fit=("weights", "leverage"))
    with pytest.raises(ParameterError, match="--reach"):
        CalibrationConfig(reach="maybe")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="--tape-share"):
        CalibrationConfig(tape_share=1.5)
    with pytest.raises(ParameterError, match="--holdout"):
        calibrate(sim.candles, sim.liquidations, start_ms=sim.start_ms, end_ms=sim.end_ms,
                  holdout_ms=sim.end_ms + H)  # fmt: skip
    with pytest.raises(EmptyWindowError):
        Problem(sim.candles, sim.liquidations, start_ms=sim.end_ms + 30 * 24 * H,
                end_ms=sim.end_ms + 31 * 24 * H)  # fmt: skip


def test_problem_maps_use_only_earlier_data() -> None:
    """The map at each evaluation time does not change when later flow and OI change."""
    sim = _population(100.0, seed=4)
    start, t_cut = sim.start_ms + 24 * H, sim.start_ms + 30 * H
    cfg = CalibrationConfig(every_ms=H, horizons_ms=(H,))
    c, oi = sim.candles, sim.open_interest

    def maps(candles: object, open_interest: object) -> np.ndarray:  # type: ignore[type-arg]
        pb = Problem(
            candles, sim.liquidations, start_ms=start, end_ms=start + 12 * H,  # type: ignore[arg-type]
            oi=open_interest, table=sim.margin_table, config=cfg,  # type: ignore[arg-type]
            truth_span=(sim.start_ms, sim.end_ms),
        )  # fmt: skip
        return pb.simulate(TIERS)[0]

    late = c.ts_ms >= t_cut
    moved = replace(c, taker_buy_volume=np.where(late, c.volume, c.taker_buy_volume))
    moved_oi = replace(oi, value_usd=np.where(oi.ts_ms > t_cut, oi.value_usd * 1.3, oi.value_usd))
    a, b = maps(c, oi), maps(moved, moved_oi)
    k = (t_cut - start) // H  # evaluation times start, start + 1h, ..., t_cut use bars before t_cut
    assert np.array_equal(a[: k + 1], b[: k + 1])
    assert not np.array_equal(a[k + 1 :], b[k + 1 :])

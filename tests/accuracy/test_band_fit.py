"""Split-conformal band calibration (liqmap.accuracy.band_fit, docs/model.md 2.14)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqmap.accuracy.band_fit import FLOOR_GRID, LOG_CLIP, fit_band_quantiles
from liqmap.accuracy.interval_result import ScoreRow
from liqmap.errors import ParameterError
from liqmap.model_config import EstimatorParams

H = 3_600_000


def _row(
    i: int, act: tuple[float, float], band: tuple[float, float, float, float], uni: float = 0.0
) -> ScoreRow:
    pred = {"model": 1.0, "range": 0.01, "oi_range": 1.0, "ladder": 1.0, "uniform": uni}
    return ScoreRow(i * H, H, 100.0, 99.0, 101.0, act[0], act[1], pred, dict(pred), band)


def test_quantiles_are_the_order_statistics_of_the_log_ratios() -> None:
    rng = np.random.default_rng(3)
    ratio = np.exp(rng.normal(-2.0, 1.0, 1000))  # observed / predicted, both sides
    rows = [
        _row(i, (10.0 * ratio[2 * i], 20.0 * ratio[2 * i + 1]), (10.0, 10.0, 20.0, 20.0))
        for i in range(500)
    ]
    fit = fit_band_quantiles(rows, H)
    logs = np.log(ratio)
    assert fit.q10 == pytest.approx(float(np.quantile(logs, 0.1, method="lower")))
    assert fit.q90 == pytest.approx(float(np.quantile(logs, 0.9, method="higher")))
    assert fit.floor_share == 0.0  # the bands are never empty here: no floor is the tightest
    assert fit.n == 1000
    assert fit.below == pytest.approx(0.1, abs=0.002) and fit.above == pytest.approx(0.1, abs=0.002)
    assert fit.coverage == pytest.approx(0.8, abs=0.004)


def test_empty_bands_get_a_floor_so_outcomes_there_can_be_covered() -> None:
    # a third of the outcomes fall where the map has nothing (p90 = 0): no factor covers them
    rows = []
    for i in range(300):
        empty = i % 3 == 0
        band = (0.0, 0.0, 0.0, 0.0) if empty else (5.0, 10.0, 5.0, 10.0)
        rows.append(_row(i, (3.0 + i % 7, 4.0 + i % 5), band, uni=8.0))
    fit = fit_band_quantiles(rows, H)
    assert fit.floor_share in FLOOR_GRID and fit.floor_share > 0
    assert fit.above <= 0.1 + 1e-9
    assert math.isfinite(fit.q90) and abs(fit.q90) < LOG_CLIP
    without = [_row(r.t // H, (r.actual_long, r.actual_short), r.bands, uni=0.0) for r in rows]
    assert fit_band_quantiles(without, H).q90 == LOG_CLIP  # clipped: +inf ratios above 10%


def test_zero_outcomes_count_below_and_zero_over_zero_is_inside() -> None:
    rows = [_row(i, (0.0, 0.0), (1.0, 2.0, 0.0, 0.0)) for i in range(20)]
    fit = fit_band_quantiles(rows, H)
    assert fit.q10 == -LOG_CLIP  # most long outcomes are 0 < any positive lower band
    assert fit.below == pytest.approx(0.5)  # the long half; the short 0/0 rows are inside


def test_no_rows_of_the_horizon_is_an_error() -> None:
    with pytest.raises(ValueError, match="nothing to calibrate"):
        fit_band_quantiles([_row(0, (1.0, 1.0), (1.0, 1.0, 1.0, 1.0))], 2 * H)
    nan_rows = [_row(0, (1.0, 1.0), (math.nan,) * 4)]
    with pytest.raises(ValueError, match="nothing to calibrate"):
        fit_band_quantiles(nan_rows, H)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"band_log_q10": -1.0, "band_log_q90": None}, "go together"),
        ({"band_log_q10": 1.0, "band_log_q90": -1.0}, "must be <="),
        ({"band_log_q10": -50.0, "band_log_q90": 0.0}, "band_log_q10"),
        ({"band_floor_share": -0.1}, "band_floor_share"),
        ({"cell_spread": 1.5}, "cell_spread"),
    ],
)
def test_band_and_spread_parameters_are_validated(kw: dict[str, object], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        EstimatorParams(**kw)  # type: ignore[arg-type]


def test_params_file_round_trip_keeps_the_band_fields() -> None:
    p = EstimatorParams(band_log_q10=-2.5, band_log_q90=0.25, band_floor_share=0.3, cell_spread=0.5)
    q = EstimatorParams.from_dict(p.to_dict())
    assert (q.band_log_q10, q.band_log_q90, q.band_floor_share, q.cell_spread) == (
        -2.5,
        0.25,
        0.3,
        0.5,
    )
    assert q == p


def test_blocks_cover_every_time_block_not_only_the_pool() -> None:
    """A calm first half and a wild second half: the pooled fit undercovers the wild half, the
    block fit holds at least 80% in each half (and so is wider)."""
    rng = np.random.default_rng(11)
    calm = np.exp(rng.normal(-2.0, 0.3, 400))
    wild = np.exp(rng.normal(-2.0, 2.0, 400))
    ratio = np.concatenate([calm, wild])
    rows = [
        _row(i, (10.0 * ratio[2 * i], 10.0 * ratio[2 * i + 1]), (10.0, 10.0, 10.0, 10.0))
        for i in range(400)
    ]
    pooled = fit_band_quantiles(rows, H)
    robust = fit_band_quantiles(list(reversed(rows)), H, blocks=2)  # input order does not matter
    assert robust.q10 < pooled.q10 and robust.q90 > pooled.q90
    logs_wild = np.log(wild)
    inside = np.mean((logs_wild >= robust.q10) & (logs_wild <= robust.q90))
    assert inside >= 0.8 - 1e-9
    assert np.mean((logs_wild >= pooled.q10) & (logs_wild <= pooled.q90)) < 0.8
    assert fit_band_quantiles(rows, H, blocks=1) == pooled
    with pytest.raises(ValueError, match="blocks must be >= 1"):
        fit_band_quantiles(rows, H, blocks=0)

"""Interval metrics on small constructed cases with known answers, checked against independent
reference computations (regression residuals, closed forms)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqmap.accuracy import interval_metrics as im
from liqmap.accuracy.interval_magnet import base_rate
from liqmap.accuracy.metrics import log_corr, rankdata

DAY = 86_400_000


def _residual_corr(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> float:
    """Partial correlation the long way: correlate the residuals of x ~ z and y ~ z."""
    a = np.column_stack([np.ones_like(z), z])
    rx = x - a @ np.linalg.lstsq(a, x, rcond=None)[0]
    ry = y - a @ np.linalg.lstsq(a, y, rcond=None)[0]
    return float(np.corrcoef(rx, ry)[0, 1])


def test_spearman_monotone_reversed_and_nan_rows() -> None:
    x = np.array([1.0, 5.0, 2.0, 8.0, math.nan, 3.0])
    assert im.spearman(x, x**3) == pytest.approx(1.0)
    assert im.spearman(x, -x) == pytest.approx(-1.0)
    assert math.isnan(im.spearman([1.0, 2.0], [1.0, 2.0]))  # too few rows
    assert math.isnan(im.spearman([1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 3.0, 4.0]))  # constant


def test_spearman_known_value_with_ties() -> None:
    # ranks x: 1, 2.5, 2.5, 4; y: 1, 2, 3, 4 -> Pearson of the ranks
    rx, ry = np.array([1, 2.5, 2.5, 4]), np.array([1, 2, 3, 4.0])
    expected = float(np.corrcoef(rx, ry)[0, 1])
    assert im.spearman([1.0, 2.0, 2.0, 9.0], [0.1, 0.2, 0.3, 0.4]) == pytest.approx(expected)
    assert expected == pytest.approx(0.9486833, abs=1e-6)


def test_partial_spearman_matches_rank_residual_correlation() -> None:
    rng = np.random.default_rng(3)
    z = rng.lognormal(size=200)
    x = z * rng.lognormal(size=200)
    y = z**2 * rng.lognormal(size=200) + x
    ref = _residual_corr(rankdata(x), rankdata(y), rankdata(z))
    assert im.partial_spearman(x, y, z) == pytest.approx(ref, abs=1e-9)


def test_partial_spearman_is_zero_when_the_control_explains_all() -> None:
    rng = np.random.default_rng(5)
    z = rng.normal(size=4000)
    y = z + 0.3 * rng.normal(size=4000)  # y depends on z only
    x = z + 0.3 * rng.normal(size=4000)  # x too, through independent noise
    assert im.spearman(x, y) > 0.8
    assert abs(im.partial_spearman(x, y, z)) < 0.05
    assert math.isnan(im.partial_spearman(z, y, z))  # pred == control: undefined


def test_partial_log_corr_matches_log_residuals_and_is_unit_free() -> None:
    rng = np.random.default_rng(7)
    r = rng.uniform(0.001, 0.05, 300)
    actual = 1e6 * r * rng.lognormal(size=300)
    pred = 1e6 * r * rng.lognormal(size=300) + actual
    c = 0.01 * np.median(pred)
    ref = _residual_corr(np.log(pred + c), np.log1p(actual), np.log(r))
    assert im.partial_log_corr(pred, actual, r) == pytest.approx(ref, abs=1e-9)
    assert im.partial_log_corr(pred / 1e6, actual, r) == pytest.approx(ref, abs=1e-9)


def test_top_decile_hit_known_cases() -> None:
    a = np.arange(1.0, 21.0)  # 20 rows: k = 2, realised top = {19, 20}
    assert im.top_decile_hit(a, a) == 1.0
    assert im.top_decile_hit(-a, a) == 0.0
    half = a.copy()
    half[[18, 0]] = half[[0, 18]]  # the predictor ranks row 0 (actual 1) second
    assert im.top_decile_hit(half, a) == 0.5
    # a constant predictor gets its ties resolved against it: no free hits
    assert im.top_decile_hit(np.zeros(20), a) == 0.0
    assert math.isnan(im.top_decile_hit(a[:9], a[:9]))


def test_zero_share_known_case() -> None:
    pred = np.array([0.0, 0.5, 10.0, 0.0, 7.0])
    actual = np.array([100.0, 300.0, 600.0, 0.0, 50.0])
    rng = np.array([0.01, 0.02, 0.01, 0.01, 0.0])  # last row: no range, not counted
    hours, usd = im.zero_share(pred, actual, rng)
    assert hours == pytest.approx(2 / 3)
    assert usd == pytest.approx(400 / 1000)
    assert all(math.isnan(v) for v in im.zero_share([1.0], [0.0], [0.01]))


def test_band_coverage_known_case() -> None:
    actual = [5.0, 1.0, 12.0, 7.0]
    assert im.band_coverage(actual, [4, 2, 0, 7], [6, 3, 11, 7]) == 0.5
    assert math.isnan(im.band_coverage([1.0], [math.nan], [2.0]))


def test_day_blocks_group_by_utc_day() -> None:
    ts = np.array([0, 3_600_000, DAY, DAY + 5, 3 * DAY])
    blocks = im.day_blocks(ts)
    assert [b.tolist() for b in blocks] == [[0, 1], [2, 3], [4]]


def test_bootstrap_interval_contains_the_truth_on_a_synthetic_case() -> None:
    # 40 days x 24 hours of a bivariate normal with rho 0.6: Spearman = (6/pi) asin(rho/2)
    rng = np.random.default_rng(11)
    n = 40 * 24
    rho = 0.6
    x = rng.normal(size=n)
    y = rho * x + math.sqrt(1 - rho**2) * rng.normal(size=n)
    noise = rng.normal(size=n)  # a useless second predictor: true Spearman 0
    ts = np.arange(n, dtype=np.int64) * 3_600_000
    truth = 6 / math.pi * math.asin(rho / 2)

    def stat(ix: np.ndarray) -> list[float]:
        a, b = im.spearman(x[ix], y[ix]), im.spearman(noise[ix], y[ix])
        return [a, b, a - b]

    s = im.bootstrap(stat, im.day_blocks(ts), n_boot=400, seed=1)
    assert s.shape == (400, 3)
    lo, hi = im.percentile_interval(s[:, 0])
    assert lo < truth < hi and hi - lo < 0.15
    dlo, dhi = im.percentile_interval(s[:, 2])
    assert dlo < truth < dhi and dlo > 0  # the difference excludes 0
    nlo, nhi = im.percentile_interval(s[:, 1])
    assert nlo < 0.0 < nhi


def test_percentile_interval_nan_when_mostly_undefined() -> None:
    assert all(math.isnan(v) for v in im.percentile_interval([math.nan] * 6 + [1.0, 2.0]))
    assert im.percentile_interval(np.arange(101.0), 0.9) == pytest.approx((5.0, 95.0))


def test_base_rate_docstring_example() -> None:
    got = base_rate(np.array([0.02, -0.01]), np.array([0.01, 0.03]), np.array([-0.02, 0.0]))
    assert got.tolist() == [0.5, 0.5]


@pytest.mark.parametrize("with_nan", [False, True])
def test_fast_group_metrics_equal_the_metric_functions(with_nan: bool) -> None:
    from liqmap.accuracy.interval_result import METHODS, METRICS, _group_metrics, _metric

    rng = np.random.default_rng(2)
    n = 60
    g = {m: rng.lognormal(size=n) for m in METHODS}
    g["actual"] = np.where(rng.random(n) < 0.2, 0.0, rng.lognormal(size=n))
    g["range"] = g["range"]
    if with_nan:
        g["oi_range"][:5] = np.nan  # no OI known for some hours
    i = rng.integers(0, n, n)  # a resample, with repeats (ties in every rank)
    got = _group_metrics(g, i)
    k = 0
    for m in METHODS:
        for name in METRICS:
            if m == "range" and name.startswith("partial"):
                assert math.isnan(got[k])
            else:
                want = _metric(name, g[m][i], g["actual"][i], g["range"][i])
                assert got[k] == pytest.approx(want, abs=1e-12, nan_ok=True), (m, name)
            k += 1


def test_partial_spearman_given_one_control_is_partial_spearman() -> None:
    from liqmap.accuracy.interval_metrics import partial_spearman, partial_spearman_given

    rng = np.random.default_rng(3)
    c = rng.random(200)
    p, a = c + rng.random(200), c + rng.random(200)
    assert partial_spearman_given(p, a, c) == pytest.approx(partial_spearman(p, a, c), abs=1e-12)


def test_a_second_control_removes_what_it_explains() -> None:
    from liqmap.accuracy.interval_metrics import partial_spearman, partial_spearman_given

    rng = np.random.default_rng(4)
    own, other = rng.random(500), rng.random(500)
    actual = own + other + 0.3 * rng.random(500)
    pred = other + 0.05 * rng.random(500)  # its skill beyond `own` is all in `other`
    assert partial_spearman(pred, actual, own) > 0.6
    assert abs(partial_spearman_given(pred, actual, own, other)) < 0.2


def test_log_corr_interval_resamples_whole_days() -> None:
    rng = np.random.default_rng(3)
    pred = np.exp(rng.normal(size=60))
    actual = pred * np.exp(rng.normal(scale=0.8, size=60))
    ts = np.repeat(np.arange(12), 5) * 86_400_000 + 3_600_000
    r = log_corr(pred, actual)
    lo, hi = im.log_corr_interval(pred, actual, ts)
    assert -1 < lo < r < hi < 1 and hi - lo > 0.05
    assert im.log_corr_interval(pred, pred * 3, ts) == pytest.approx((1.0, 1.0))
    assert all(np.isnan(im.log_corr_interval(pred[:20], actual[:20], ts[:20])))  # 4 days
    assert im.log_corr_interval(pred, actual, ts, seed=1) != (lo, hi)  # a real resampling

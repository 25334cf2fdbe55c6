"""Accuracy metrics on small cases computed by hand (and NaN, never a warning, when undefined)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqmap.accuracy.metrics import (
    calibration_buckets,
    log_corr,
    partial_corr,
    pearson,
    spearman_visited,
    top_share,
)

ALL4 = np.ones(4, dtype=bool)


def test_spearman_four_bins_by_hand() -> None:
    # ranks [4,3,2,1] and [4,1,3,2]: d = [0,2,-1,-1], rho = 1 - 6*6 / (4*(16-1)) = 0.4
    assert spearman_visited([4, 3, 2, 1], [10, 0, 5, 1], ALL4) == pytest.approx(0.4)


def test_spearman_ignores_unvisited_bins() -> None:
    pred = [4, 3, 2, 1, 100]
    actual = [10, 0, 5, 1, 0]
    visited = [True, True, True, True, False]
    assert spearman_visited(pred, actual, visited) == pytest.approx(0.4)


def test_spearman_ties_use_average_ranks() -> None:
    # pred ranks [1.5,1.5,3,4] vs [1,2,3,4]: cov 4.5, var 4.5 and 5 -> 3 / sqrt(10)
    assert spearman_visited([1, 1, 2, 3], [1, 2, 3, 4], ALL4) == pytest.approx(3 / math.sqrt(10))


def test_spearman_extremes() -> None:
    assert spearman_visited([1, 2, 3], [10, 20, 30], np.ones(3, bool)) == pytest.approx(1.0)
    assert spearman_visited([1, 2, 3], [30, 20, 10], np.ones(3, bool)) == pytest.approx(-1.0)


@pytest.mark.parametrize(
    ("pred", "actual", "visited"),
    [
        ([5, 5, 5, 5], [1, 2, 3, 4], ALL4),  # constant map
        ([1, 2, 3, 4], [0, 0, 0, 0], ALL4),  # nothing liquidated
        ([1, 2, 3, 4], [1, 2, 3, 4], [True, True, False, False]),  # fewer than 3 bins
    ],
)
def test_spearman_undefined_is_nan(pred: list[float], actual: list[float], visited: object) -> None:
    assert math.isnan(spearman_visited(pred, actual, visited))  # type: ignore[arg-type]


def test_bin_metrics_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="finite"):
        spearman_visited([1, np.nan, 2, 3], [1, 2, 3, 4], ALL4)
    with pytest.raises(ValueError, match="one length"):
        top_share([1, 2], [1, 2, 3], [True, True, True])
    with pytest.raises(ValueError, match="q must be"):
        top_share([1, 2], [1, 2], [True, True], q=0.0)


def test_top_share_by_hand() -> None:
    pred, actual = [4, 3, 2, 1, 0], [0, 6, 2, 1, 1]
    vis = np.ones(5, bool)
    assert top_share(pred, actual, vis, q=0.2) == pytest.approx(0.0)  # top bin holds 0 of 10
    assert top_share(pred, actual, vis, q=0.4) == pytest.approx(0.6)  # bins 4 and 3: 6 of 10
    assert top_share(pred, actual, vis, q=1.0) == pytest.approx(1.0)


def test_top_share_splits_ties_pro_rata() -> None:
    # need 0.4 * 5 = 2 bins: pred 2 (holds 0) + half of the two bins at pred 1 (hold 4) -> 2 / 10
    assert top_share([2, 1, 1, 0, 0], [0, 4, 0, 5, 1], np.ones(5, bool), 0.4) == pytest.approx(0.2)


def test_top_share_of_a_constant_map_is_q() -> None:
    rng = np.random.default_rng(0)
    actual = rng.exponential(size=37)
    assert top_share(np.full(37, 3.0), actual, np.ones(37, bool)) == pytest.approx(0.2)


def test_top_share_without_actual_is_nan() -> None:
    assert math.isnan(top_share([1, 2, 3], [0, 0, 0], np.ones(3, bool)))
    assert math.isnan(top_share([1, 2, 3], [1, 1, 1], np.zeros(3, bool)))


def test_log_corr_is_one_for_a_power_law_and_skips_zeros() -> None:
    x = np.array([1.0, 2.0, 3.0, 5.0])
    pred, actual = np.exp(x), np.exp(2 * x + 1)
    assert log_corr(pred, actual) == pytest.approx(1.0)
    assert log_corr(np.r_[pred, 0.0, 7.0], np.r_[actual, 9.0, 0.0]) == pytest.approx(1.0)
    assert math.isnan(log_corr([1.0, 2.0], [3.0, 4.0]))  # too few pairs
    assert math.isnan(log_corr([2.0, 2.0, 2.0], [1.0, 2.0, 3.0]))  # constant
    assert math.isnan(log_corr([1.0, np.nan, 3.0, 4.0], [0.0, 2.0, 3.0, 4.0]))  # 2 usable pairs


# Three mutually orthogonal, zero-mean vectors (Hadamard columns), each of squared norm 4.
Z = np.array([1.0, -1.0, 1.0, -1.0])
E1 = np.array([1.0, 1.0, -1.0, -1.0])
E2 = np.array([1.0, -1.0, -1.0, 1.0])


def test_partial_corr_closed_form_zero() -> None:
    # x = z + e1, y = z + e2: r_xy = 0.5 only through z; r_xz = r_yz = 1/sqrt(2) -> 0
    x, y = Z + E1, Z + E2
    assert pearson(x, y) == pytest.approx(0.5)
    assert partial_corr(x, y, Z) == pytest.approx(0.0, abs=1e-12)


def test_partial_corr_closed_form_nonzero() -> None:
    # x = z + e1, y = z + e1 + e2: r_xy = 8/sqrt(96), r_xz = 1/sqrt(2), r_yz = 1/sqrt(3);
    # (r_xy - r_xz r_yz) / sqrt((1 - 1/2)(1 - 1/3)) = 1/sqrt(2) = corr(e1, e1 + e2), the residuals
    assert partial_corr(Z + E1, Z + E1 + E2, Z) == pytest.approx(1 / math.sqrt(2))


def test_partial_corr_matches_residual_regression() -> None:
    rng = np.random.default_rng(3)
    z = rng.normal(size=200)
    x = 2 * z + rng.normal(size=200)
    y = -z + 0.5 * x + rng.normal(size=200)
    rx = x - np.polyval(np.polyfit(z, x, 1), z)
    ry = y - np.polyval(np.polyfit(z, y, 1), z)
    assert partial_corr(x, y, z) == pytest.approx(np.corrcoef(rx, ry)[0, 1], abs=1e-9)


def test_partial_corr_undefined_is_nan() -> None:
    assert math.isnan(partial_corr(Z, Z + E1, Z))  # x is the control
    assert math.isnan(partial_corr([1.0, 2.0, 3.0], [1.0, 3.0, 2.0], [0.0, 1.0, 0.0]))  # n < 4
    assert math.isnan(partial_corr(Z + E1, np.full(4, 2.0), Z))  # constant y
    # non-finite rows are dropped: 4 finite rows remain, the closed-form case
    x = np.r_[Z + E1, np.nan]
    assert partial_corr(x, np.r_[Z + E2, 1.0], np.r_[Z, 1.0]) == pytest.approx(0.0, abs=1e-12)


def test_calibration_buckets_by_hand() -> None:
    pred = np.arange(1.0, 11.0)
    pm, am, counts = calibration_buckets(pred, 2 * pred, n=5)
    np.testing.assert_allclose(pm, [1.5, 3.5, 5.5, 7.5, 9.5])
    np.testing.assert_allclose(am, 2 * pm)
    assert counts.tolist() == [2, 2, 2, 2, 2]


def test_calibration_buckets_keep_ties_together_and_drop_nan() -> None:
    pm, am, counts = calibration_buckets([1, 1, 1, 5, np.nan], [2, 4, 6, 10, 3], n=2)
    assert counts.tolist() == [3, 1]
    np.testing.assert_allclose(pm, [1, 5])
    np.testing.assert_allclose(am, [4, 10])
    e = calibration_buckets([], [], n=10)
    assert all(len(a) == 0 for a in e)
    with pytest.raises(ValueError, match="n must be"):
        calibration_buckets([1.0], [1.0], n=0)

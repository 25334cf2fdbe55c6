"""Cluster detection on hand-built maps with Gaussian lumps of known centre, USD and tiers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from liqmap.core.clusters import ClusterConfig, cluster_score, detect_clusters, usd_near_price
from liqmap.core.results import Cluster
from liqmap.errors import ParameterError

PRICE = 60_000.0
LumpSpec = tuple[str, float, float, float, Sequence[float]]  # side, centre, usd, sigma %, weights

_erf = np.vectorize(math.erf)


def build_map(
    n: int, lumps: Sequence[LumpSpec], *, lo: float = 0.7, hi: float = 1.3, n_tiers: int = 3
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Edges over [lo, hi] x PRICE and exact per-bin USD of Gaussian lumps (CDF differences)."""
    edges = np.linspace(PRICE * lo, PRICE * hi, n + 1)
    long_usd = np.zeros((n_tiers, n))
    short_usd = np.zeros((n_tiers, n))
    for side, centre, usd, sigma_pct, weights in lumps:
        z = (edges - centre) / (centre * sigma_pct / 100.0 * math.sqrt(2.0))
        mass = np.diff(0.5 * (1.0 + _erf(z))) * usd
        target = long_usd if side == "long" else short_usd
        w = np.asarray(weights, dtype=np.float64)
        target += np.outer(w / w.sum(), mass)
    return edges, long_usd, short_usd


def raw_sum(c: Cluster, edges: NDArray[np.float64], usd: NDArray[np.float64]) -> float:
    lo = int(np.searchsorted(edges, c.price_low))
    hi = int(np.searchsorted(edges, c.price_high))
    return float(usd[:, lo:hi].sum())


TWO_LUMPS: list[LumpSpec] = [
    ("long", 58_800.0, 40e6, 0.4, (0.1, 0.6, 0.3)),
    ("short", 62_400.0, 25e6, 0.5, (0.5, 0.3, 0.2)),
]


def test_two_gaussian_clusters_found_with_centre_usd_and_tiers() -> None:
    edges, lu, su = build_map(2000, TWO_LUMPS)
    clusters = detect_clusters(edges, lu, su, PRICE)
    assert [c.side for c in clusters] == ["long", "short"]
    width = edges[1] - edges[0]
    for c, (side, centre, usd, _, weights) in zip(clusters, TWO_LUMPS, strict=True):
        arr = lu if side == "long" else su
        assert abs(c.price - centre) <= width
        assert c.price_low < c.price < c.price_high
        assert c.price_low in edges and c.price_high in edges
        assert c.usd == pytest.approx(raw_sum(c, edges, arr), rel=1e-12)
        assert 0.75 * usd <= c.usd <= usd  # the half-maximum core of a Gaussian holds ~80 %
        assert c.usd_by_tier == pytest.approx([w * c.usd for w in weights], rel=1e-9)
        assert c.share_of_side == pytest.approx(c.usd / arr.sum())
        assert c.distance_pct == pytest.approx((c.price / PRICE - 1) * 100)
        assert c.score == pytest.approx(cluster_score(c.usd, c.distance_pct))


def test_near_medium_cluster_outranks_far_slightly_bigger() -> None:
    lumps: list[LumpSpec] = [
        ("long", PRICE * 0.99, 20e6, 0.2, (1, 1, 1)),
        ("long", PRICE * 0.94, 25e6, 0.2, (1, 1, 1)),
    ]
    edges, lu, su = build_map(1000, lumps)
    near, far = detect_clusters(edges, lu, su, PRICE)
    assert near.distance_pct == pytest.approx(-1.0, abs=0.05)
    assert far.distance_pct == pytest.approx(-6.0, abs=0.05)
    assert far.usd > near.usd
    # 20M / (1 + 1/2) = 13.3M beats 25M / (1 + 6/2) = 6.25M
    assert near.score == pytest.approx(near.usd / 1.5, rel=0.01)
    assert far.score == pytest.approx(far.usd / 4.0, rel=0.01)
    assert (near.rank, far.rank) == (1, 2)


def test_far_much_bigger_cluster_outranks_near_tiny_one() -> None:
    lumps: list[LumpSpec] = [
        ("long", PRICE * 0.995, 5e6, 0.1, (1, 1, 1)),
        ("short", PRICE * 1.08, 200e6, 0.5, (1, 1, 1)),
    ]
    edges, lu, su = build_map(2000, lumps)
    big, tiny = detect_clusters(edges, lu, su, PRICE)
    assert (big.side, big.rank) == ("short", 1)
    assert (tiny.side, tiny.rank) == ("long", 2)
    assert big.score > tiny.score


def test_empty_map_has_no_clusters() -> None:
    edges, lu, su = build_map(200, [])
    assert detect_clusters(edges, lu, su, PRICE) == ()


def test_flat_map_has_no_dense_cluster() -> None:
    edges, lu, su = build_map(500, [])
    centres = 0.5 * (edges[:-1] + edges[1:])
    lu[:] = np.where(centres < PRICE, 1e5, 0.0)
    assert detect_clusters(edges, lu, su, PRICE) == ()


def test_levels_on_the_wrong_side_are_ignored() -> None:
    lumps: list[LumpSpec] = [
        ("long", PRICE * 1.05, 90e6, 0.3, (1, 1, 1)),  # longs above price: ignored
        ("short", PRICE * 0.95, 90e6, 0.3, (1, 1, 1)),  # shorts below price: ignored
        ("long", PRICE * 0.97, 10e6, 0.3, (1, 1, 1)),
    ]
    edges, lu, su = build_map(1000, lumps)
    (only,) = detect_clusters(edges, lu, su, PRICE)
    assert only.side == "long"
    assert only.price == pytest.approx(PRICE * 0.97, rel=1e-3)
    assert only.share_of_side < 0.1  # share is of the side's total over all bins


@pytest.mark.parametrize("n_small", [200, 300])
def test_resolution_independence(n_small: int) -> None:
    lumps: list[LumpSpec] = [
        *TWO_LUMPS,
        ("long", 54_000.0, 30e6, 0.8, (0.3, 0.3, 0.4)),
        ("short", 66_000.0, 12e6, 0.6, (0.2, 0.3, 0.5)),
    ]
    coarse = detect_clusters(*build_map(n_small, lumps), PRICE)
    fine = detect_clusters(*build_map(2000, lumps), PRICE)
    assert len(coarse) == len(fine) == 4
    bin_width = 0.6 * PRICE / n_small
    for a, b in zip(coarse, fine, strict=True):
        assert a.side == b.side
        assert abs(a.price - b.price) <= bin_width
        assert a.usd == pytest.approx(b.usd, rel=0.15)  # extents are whole bins


def test_clusters_below_min_share_are_dropped() -> None:
    lumps: list[LumpSpec] = [
        ("long", PRICE * 0.97, 70e6, 0.3, (1, 1, 1)),
        ("long", PRICE * 0.92, 20e6, 0.3, (1, 1, 1)),
    ]
    edges, lu, su = build_map(2000, lumps)
    both = detect_clusters(edges, lu, su, PRICE)
    assert len(both) == 2
    small = min(c.share_of_side for c in both)
    strict = ClusterConfig(min_share=small + 0.01)
    (kept,) = detect_clusters(edges, lu, su, PRICE, config=strict)
    assert kept.price == pytest.approx(PRICE * 0.97, rel=1e-3)


def test_max_per_side_keeps_the_tallest() -> None:
    centres = [PRICE * (1 - 0.03 * k) for k in range(1, 7)]
    lumps: list[LumpSpec] = [
        ("long", c, 10e6 * k, 0.3, (1, 1, 1)) for k, c in enumerate(centres, start=1)
    ]
    edges, lu, su = build_map(2000, lumps)
    clusters = detect_clusters(edges, lu, su, PRICE, config=ClusterConfig(max_per_side=3))
    found = sorted(c.price for c in clusters)
    assert found == pytest.approx(sorted(centres[3:]), rel=1e-3)


def test_close_lumps_merge_into_one_cluster() -> None:
    lumps: list[LumpSpec] = [
        ("long", PRICE * 0.970, 20e6, 0.4, (1, 1, 1)),
        ("long", PRICE * 0.962, 20e6, 0.4, (1, 1, 1)),  # 2 sigma apart: one dense zone
    ]
    edges, lu, su = build_map(2000, lumps)
    (one,) = detect_clusters(edges, lu, su, PRICE)
    assert one.price == pytest.approx(PRICE * 0.966, rel=1e-3)


def test_price_outside_the_map_puts_everything_on_one_side() -> None:
    edges, lu, su = build_map(400, [("long", PRICE * 0.9, 10e6, 0.5, (1, 1, 1))], hi=0.99)
    (c,) = detect_clusters(edges, lu, su, PRICE)
    assert c.side == "long"
    assert c.distance_pct == pytest.approx(-10.0, abs=0.1)


def test_cluster_score_worked_example() -> None:
    assert cluster_score(20e6, -1.0) == pytest.approx(20e6 / 1.5)
    assert cluster_score(25e6, 6.0) == pytest.approx(6.25e6)
    assert cluster_score(10e6, 4.0, d0_pct=4.0) == pytest.approx(5e6)


def test_usd_near_price_counts_partial_bins() -> None:
    edges = np.array([96.0, 98.0, 100.0, 102.0, 104.0])
    lu = np.array([[4.0, 2.0, 0.0, 0.0]])
    su = np.array([[0.0, 0.0, 6.0, 8.0]])
    below, above = usd_near_price(edges, lu, su, 100.0, 3.0)
    assert below == pytest.approx(2.0 + 4.0 * 0.5)
    assert above == pytest.approx(6.0 + 8.0 * 0.5)
    assert usd_near_price(edges, lu, su, 100.0, 0.0) == (0.0, 0.0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("smooth_pct", -0.1),
        ("density_ratio", float("nan")),
        ("active_quantile", 0.5),
        ("edge_ratio", 0.0),
        ("edge_ratio", 1.5),
        ("min_share", 2.0),
        ("max_per_side", 0),
        ("max_per_side", 2.5),
        ("d0_pct", 0.0),
    ],
)
def test_config_rejects_bad_values(field: str, value: float) -> None:
    with pytest.raises(ParameterError, match=field):
        kwargs: dict[str, Any] = {field: value}
        ClusterConfig(**kwargs)


def test_config_defaults_are_documented_values() -> None:
    cfg = ClusterConfig()
    assert (cfg.smooth_pct, cfg.density_ratio, cfg.edge_ratio) == (0.15, 1.25, 0.5)
    assert (cfg.min_share, cfg.max_per_side, cfg.d0_pct) == (0.02, 5, 2.0)


def test_bad_inputs_raise_value_error() -> None:
    edges, lu, su = build_map(10, [])
    with pytest.raises(ValueError, match="shape"):
        detect_clusters(edges, lu[:, :-1], su, PRICE)
    with pytest.raises(ValueError, match="increasing"):
        detect_clusters(edges[::-1], lu, su, PRICE)
    with pytest.raises(ValueError, match="price"):
        detect_clusters(edges, lu, su, 0.0)
    bad = lu.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        detect_clusters(edges, bad, su, PRICE)
    with pytest.raises(ValueError, match="pct"):
        usd_near_price(edges, lu, su, PRICE, -1.0)

"""Hypothesis properties of cluster detection and of the reading built from it."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from liqmap.core.clusters import ClusterConfig, detect_clusters
from liqmap.core.reading import compose_reading, format_usd

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class RandomMap:
    edges: FloatArray
    long_usd: FloatArray
    short_usd: FloatArray
    price: float


usd_value = st.one_of(st.just(0.0), st.floats(1e-2, 1e10))


@st.composite
def random_maps(draw: st.DrawFn) -> RandomMap:
    n = draw(st.integers(1, 120))
    n_tiers = draw(st.integers(1, 4))
    lo = draw(st.floats(1e-2, 1e5))
    steps = draw(st.lists(st.floats(1e-4, 0.1), min_size=n, max_size=n))
    edges = lo * np.concatenate(([1.0], 1.0 + np.cumsum(steps)))
    price = draw(st.floats(float(edges[0]) * 0.8, float(edges[-1]) * 1.2))
    values = draw(st.lists(usd_value, min_size=2 * n_tiers * n, max_size=2 * n_tiers * n))
    both = np.asarray(values, dtype=np.float64).reshape(2, n_tiers, n)
    return RandomMap(edges, both[0], both[1], price)


configs = st.builds(
    ClusterConfig,
    smooth_pct=st.floats(0.0, 2.0),
    density_ratio=st.floats(0.0, 3.0),
    edge_ratio=st.floats(0.05, 1.0),
    min_share=st.floats(0.0, 0.5),
    max_per_side=st.integers(1, 6),
)


@settings(max_examples=300, deadline=None)
@given(m=random_maps(), cfg=configs)
def test_cluster_invariants(m: RandomMap, cfg: ClusterConfig) -> None:
    clusters = detect_clusters(m.edges, m.long_usd, m.short_usd, m.price, config=cfg)
    totals = {"long": float(m.long_usd.sum()), "short": float(m.short_usd.sum())}
    for side, total in totals.items():
        mine = [c for c in clusters if c.side == side]
        assert len(mine) <= cfg.max_per_side
        assert sum(c.usd for c in mine) <= total * (1 + 1e-9)
    for c in clusters:
        assert 0 < c.usd <= totals[c.side] * (1 + 1e-9)
        assert 0 < c.share_of_side <= 1
        assert c.price_low <= c.price <= c.price_high
        assert abs(sum(c.usd_by_tier) - c.usd) <= 1e-9 * c.usd
        if c.side == "long":
            assert c.distance_pct < 0
        else:
            assert c.distance_pct > 0
    extents = sorted((c.price_low, c.price_high) for c in clusters)
    for (_, high), (low, _) in itertools.pairwise(extents):
        assert high <= low
    assert [c.rank for c in clusters] == list(range(1, len(clusters) + 1))
    scores = [c.score for c in clusters]
    assert all(a >= b for a, b in itertools.pairwise(scores))


@settings(max_examples=150, deadline=None)
@given(m=random_maps(), near_pct=st.sampled_from([1.0, 2.5, 3.0, 5.0]))
def test_reading_is_deterministic_and_quotes_only_input_amounts(
    m: RandomMap, near_pct: float
) -> None:
    clusters = detect_clusters(m.edges, m.long_usd, m.short_usd, m.price)
    leverages = tuple(float(5 * (i + 1)) for i in range(m.long_usd.shape[0]))
    args = (m.price, clusters, float(m.long_usd.sum()), float(m.short_usd.sum()))
    text = compose_reading(*args, coverage=None, leverages=leverages, near_pct=near_pct)
    again = compose_reading(*args, coverage=None, leverages=leverages, near_pct=near_pct)
    assert text == again
    allowed = {format_usd(c.usd) for c in clusters} | {format_usd(a) for a in args[2:]}
    for side in ("long", "short"):
        near = [c for c in clusters if c.side == side and abs(c.distance_pct) <= near_pct]
        allowed.add(format_usd(sum(c.usd for c in near)))
    assert set(re.findall(r"\$[0-9.]+[kMBT]?", text)) <= allowed
    assert 1 <= text.count(". ") + 1 <= 5

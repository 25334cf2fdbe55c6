"""The plain-language reading: formatting helpers, rules, determinism, numbers traced to input."""

from __future__ import annotations

import re

import pytest

from liqmap.core.reading import (
    compose_reading,
    coverage_caveat,
    dominant_tiers,
    format_distance,
    format_duration,
    format_price,
    format_usd,
)
from liqmap.core.results import Cluster, Coverage
from liqmap.domain.market import Gap

P = 62_500.0
LEVERAGES = (5.0, 10.0, 25.0, 50.0, 100.0)
HOUR = 3_600_000


def cl(
    side: str, price: float, usd: float, tiers: tuple[float, ...], *, share: float, rank: int
) -> Cluster:
    d = (price / P - 1) * 100
    score = usd / (1 + abs(d) / 2)
    return Cluster(side, price * 0.998, price * 1.002, price, usd, tiers, d, share, score, rank)


CLUSTERS = (
    cl("long", 61_200.0, 41.2e6, (2e6, 3e6, 16e6, 15e6, 5.2e6), share=0.31, rank=1),
    cl("short", 63_050.0, 9.8e6, (1e6, 2e6, 3e6, 2.8e6, 1e6), share=0.19, rank=2),
    cl("long", 52_000.0, 120e6, (60e6, 40e6, 10e6, 5e6, 5e6), share=0.5, rank=3),
)
GAPPY = Coverage(
    bars=835,
    expected_bars=1440,
    gaps=(Gap(0, 6 * HOUR + 12 * 60_000, 372), Gap(0, 60_000, 1), Gap(0, 120_000, 2)),
    oi_source="level",
    taker_flow=True,
)


def read(clusters: tuple[Cluster, ...] = CLUSTERS, **kw: object) -> str:
    args: dict[str, object] = {"coverage": None, "leverages": LEVERAGES, "symbol": "BTCUSDT"}
    args.update(kw)
    return compose_reading(P, clusters, 240e6, 51e6, **args)  # type: ignore[arg-type]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.) (?=[A-Z])", text) if s]


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0.0, "$0"),
        (850.0, "$850"),
        (999.6, "$1.0k"),
        (12_345.0, "$12.3k"),
        (850_000.0, "$850k"),
        (999_960.0, "$1.0M"),
        (41_230_000.0, "$41.2M"),
        (412e6, "$412M"),
        (1.2e9, "$1.2B"),
        (-2.5e6, "-$2.5M"),
        (-0.2, "$0"),
    ],
)
def test_format_usd(x: float, text: str) -> None:
    assert format_usd(x) == text


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (104_250.0, "104,250"),
        (61_200.4, "61,200"),
        (2_431.52, "2,431.5"),
        (143.267, "143.27"),
        (1.23456, "1.2346"),
        (0.23451, "0.2345"),
        (0.000012346, "0.00001235"),
        (0.0, "0"),
    ],
)
def test_format_price_adapts_to_magnitude(x: float, text: str) -> None:
    assert format_price(x) == text


def test_format_distance_and_duration() -> None:
    assert format_distance(-2.08) == "-2.1%"
    assert format_distance(0.873) == "+0.87%"
    assert format_duration(6 * HOUR + 12 * 60_000) == "6h 12m"
    assert format_duration(51 * HOUR) == "2d 3h"
    assert format_duration(6 * HOUR) == "6h"
    assert format_duration(45 * 60_000) == "45m"
    assert format_duration(30_000) == "30s"


@pytest.mark.parametrize(
    ("tiers", "text"),
    [
        ((2.0, 3.0, 16.0, 15.0, 5.0), "25x–50x"),
        ((30.0, 5.0, 5.0, 50.0, 10.0), "5x and 50x"),
        ((5.0, 5.0, 80.0, 5.0, 5.0), "25x"),
        ((20.0, 20.0, 20.0, 20.0, 20.0), ""),
    ],
)
def test_dominant_tiers(tiers: tuple[float, ...], text: str) -> None:
    c = Cluster("long", 1.0, 2.0, 1.5, sum(tiers), tiers, -1.0, 0.5, 1.0, 1)
    assert dominant_tiers(c, LEVERAGES) == text


def test_reading_golden_example() -> None:
    assert read(coverage=GAPPY) == (
        "BTCUSDT at 62,500: top cluster is longs $41.2M at 61,200 (-2.1%), 31% of all longs, "
        "mostly 25x–50x. "
        "Shorts are thinner above: $9.8M clustered within 3% vs $41.2M of longs clustered "
        "within 3% below. "
        "Nearest: shorts $9.8M at 63,050 (+0.88%); largest: longs $120M at 52,000 (-16.8%). "
        "Bias: downside wick risk (more long liquidation fuel below). "
        "Input covers 58% of the window (3 gaps, longest 6h 12m); "
        "levels from missing bars are absent."
    )


def test_reading_is_deterministic_and_order_independent() -> None:
    text = read()
    assert read() == text
    assert read(clusters=tuple(reversed(CLUSTERS))) == text


def test_every_number_in_the_text_comes_from_the_input() -> None:
    text = read(near_usd=(52.3e6, 18.0e6))
    units = {"": 1.0, "k": 1e3, "M": 1e6, "B": 1e9}
    amounts = [float(v) * units[u] for v, u in re.findall(r"\$([0-9.]+)([kMB]?)", text)]
    inputs = [c.usd for c in CLUSTERS] + [52.3e6, 18.0e6]
    for a in amounts:
        assert any(abs(a - x) <= 0.05 * 1e6 + 1e-9 for x in inputs), a
    places = re.findall(r"at ([0-9,.]+) \(([-+][0-9.]+)%\)", text)
    assert len(places) == 3
    for price_text, dist_text in places:
        price = float(price_text.replace(",", ""))
        match = [c for c in CLUSTERS if abs(c.price - price) <= 0.5]
        assert len(match) == 1
        assert float(dist_text) == pytest.approx(match[0].distance_pct, abs=0.05)
    shares = [int(s) for s in re.findall(r"(\d+)% of all", text)]
    assert shares == [round(CLUSTERS[0].share_of_side * 100)]
    assert re.findall(r"within (\d+)%", text) == ["3", "3"]


def test_near_usd_wording_and_bias_rules() -> None:
    heavy_longs = read(near_usd=(52.3e6, 18.0e6))
    assert "Shorts are thinner above: $18.0M within 3% vs $52.3M of longs within 3% below." in (
        heavy_longs
    )
    assert "downside wick risk" in heavy_longs
    heavy_shorts = read(near_usd=(10e6, 15e6))
    assert "Longs are thinner below: $10.0M within 3% vs $15.0M of shorts within 3% above." in (
        heavy_shorts
    )
    assert "upside squeeze risk" in heavy_shorts
    balanced = read(near_usd=(10e6, 14.9e6))
    assert "Balanced within 3%: longs $10.0M below vs shorts $14.9M above." in balanced
    assert "two-sided" in balanced
    nothing = read(near_usd=(0.0, 0.0))
    assert "Nothing within 3% of price" in nothing
    assert "Bias: neutral" in nothing


def test_near_pct_changes_what_counts_as_near() -> None:
    wide = read(near_pct=20.0)
    assert "$161M of longs clustered within 20% below" in wide


@pytest.mark.parametrize(
    ("coverage", "caveat"),
    [
        (None, ""),
        (Coverage(bars=100, expected_bars=100), ""),
        (Coverage(bars=90, expected_bars=100), ""),
        (
            Coverage(bars=89, expected_bars=100),
            "Input covers 89% of the window; levels from missing bars are absent.",
        ),
        (
            Coverage(bars=998, expected_bars=1000, gaps=(Gap(0, 2 * 60_000, 2),)),
            "Input covers 99.8% of the window (1 gap of 2m); levels from missing bars are absent.",
        ),
        (
            Coverage(
                bars=900, expected_bars=1000, gaps=(Gap(0, HOUR, 60), Gap(0, 100 * 60_000, 40))
            ),
            "Input covers 90% of the window (2 gaps, longest 1h 40m); "
            "levels from missing bars are absent.",
        ),
    ],
)
def test_coverage_caveat_exactly_when_gaps_or_low_fraction(
    coverage: Coverage | None, caveat: str
) -> None:
    assert coverage_caveat(coverage) == caveat
    text = read(coverage=coverage)
    assert text.endswith(caveat)
    assert ("Input covers" in text) == bool(caveat)


def test_sentence_count_is_two_to_five() -> None:
    for clusters in (CLUSTERS, CLUSTERS[:1], ()):
        for coverage in (None, GAPPY):
            assert 2 <= len(sentences(read(clusters=clusters, coverage=coverage))) <= 5


def test_empty_map_says_so() -> None:
    text = compose_reading(P, (), 0.0, 0.0, coverage=None, leverages=LEVERAGES, symbol="ETHUSDT")
    assert text == "ETHUSDT at 62,500: the map is empty, no estimated liquidation levels in range."
    with_caveat = compose_reading(P, (), 0.0, 0.0, coverage=GAPPY, leverages=LEVERAGES)
    assert with_caveat.startswith("At 62,500: the map is empty")
    assert with_caveat.endswith("levels from missing bars are absent.")


def test_no_clusters_but_levels_reports_totals() -> None:
    text = read(clusters=())
    assert text.startswith(
        "BTCUSDT at 62,500: no dense clusters; $240M of longs below and $51.0M of shorts above"
    )


def test_single_tier_map_names_no_tiers() -> None:
    c = Cluster("short", 63_000.0, 64_000.0, 63_500.0, 5e6, (5e6,), 1.6, 1.0, 3e6, 1)
    text = compose_reading(P, (c,), 0.0, 5e6, coverage=None, leverages=(10.0,))
    assert "mostly" not in text
    assert "upside squeeze risk" in text


def test_tier_count_mismatch_is_rejected() -> None:
    with pytest.raises(ValueError, match="tiers"):
        read(leverages=(10.0, 20.0))


def test_no_taker_flow_states_no_bias_and_says_why() -> None:
    """Issue 14 item 3: a bias needs evidence of which side holds the positions."""
    bare = Coverage(bars=1440, expected_bars=1440, oi_source="none", taker_flow=False)
    text = read(coverage=bare)
    assert "downside wick risk" not in text and "squeeze" not in text
    assert "Bias: not stated; without taker flow" in text
    assert text.endswith(
        "No OI or taker flow in the input: sizes come from volume and new positions are "
        "split evenly between longs and shorts."
    )
    oi_only = Coverage(bars=1440, expected_bars=1440, oi_source="level", taker_flow=False)
    assert "No taker flow in the input" in read(coverage=oi_only)
    flow_only = Coverage(bars=1440, expected_bars=1440, oi_source="none", taker_flow=True)
    with_flow = read(coverage=flow_only)
    assert "Bias: downside wick risk" in with_flow
    assert with_flow.endswith("No OI in the input: position sizes come from traded volume.")
    # real positions (sides known) keep the bias without the estimator's caveat
    real = read(coverage=bare, sides_known=True)
    assert "Bias: downside wick risk" in real and "taker flow" not in real

"""Gap detection and interval inference (liqmap.core.gaps)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from liqmap.core.gaps import coverage, detect_gaps, infer_interval_ms
from liqmap.domain.market import Gap
from liqmap.errors import ParameterError

MIN = 60_000
T0 = 1_748_169_180_000  # 2025-05-25 10:33 UTC, a real bar open time


def test_worked_example_two_missing_minutes() -> None:
    # bars at 00:00, 00:01, 00:04 miss 00:02 and 00:03
    ts = [T0, T0 + MIN, T0 + 4 * MIN]
    assert detect_gaps(ts, MIN) == (Gap(start_ms=T0 + 2 * MIN, end_ms=T0 + 4 * MIN, missing=2),)


def test_no_gaps_and_short_inputs() -> None:
    assert detect_gaps(np.arange(10) * MIN + T0, MIN) == ()
    assert detect_gaps([T0], MIN) == ()
    assert detect_gaps(np.array([], dtype=np.int64), MIN) == ()


def test_several_gaps_in_order() -> None:
    ts = [0, MIN, 3 * MIN, 4 * MIN, 10 * MIN]
    gaps = detect_gaps(ts, MIN)
    assert [g.missing for g in gaps] == [1, 5]
    assert gaps[1] == Gap(5 * MIN, 10 * MIN, 5)


def test_spacing_not_a_multiple_counts_whole_missing_bars() -> None:
    # 2.5 intervals apart: 2 bars could fit in between (ceil(2.5) - 1)
    assert detect_gaps([0, 150_000], MIN) == (Gap(MIN, 150_000, 2),)


@pytest.mark.parametrize("bad", [[0, 0], [MIN, 0], [0, 2 * MIN, MIN]])
def test_not_strictly_increasing_is_an_error(bad: list[int]) -> None:
    with pytest.raises(ParameterError, match="strictly increasing"):
        detect_gaps(bad, MIN)
    with pytest.raises(ParameterError, match="sort the bars"):
        infer_interval_ms(bad)


def test_bad_interval_and_shape() -> None:
    with pytest.raises(ParameterError, match="interval_ms must be > 0"):
        detect_gaps([0, MIN], 0)
    with pytest.raises(ParameterError, match="1-d"):
        detect_gaps([[0, MIN]], MIN)


def test_infer_interval_is_median_spacing_despite_gaps() -> None:
    ts = np.concatenate([np.arange(10) * 5 * MIN, 100 * MIN + np.arange(5) * 5 * MIN])
    assert infer_interval_ms(ts) == 5 * MIN


def test_infer_interval_returns_a_spacing_that_occurs() -> None:
    # two spacings of each kind: the lower median is an actual spacing, not their mean
    assert infer_interval_ms([0, MIN, 2 * MIN, 4 * MIN, 6 * MIN]) == MIN


@pytest.mark.parametrize("n", [0, 1])
def test_infer_interval_needs_two_bars(n: int) -> None:
    with pytest.raises(ParameterError, match=f"from {n} bar.*interval_ms=60000"):
        infer_interval_ms(np.arange(n) * MIN)


def test_coverage() -> None:
    gaps = detect_gaps([0, MIN, 4 * MIN], MIN)
    assert coverage(3, gaps) == pytest.approx(3 / 5)
    assert coverage(3, ()) == 1.0
    assert coverage(0, ()) == 0.0


@given(st.sets(st.integers(min_value=0, max_value=500), min_size=2))
def test_present_plus_missing_fills_the_span(present: set[int]) -> None:
    idx = np.array(sorted(present), dtype=np.int64)
    ts = T0 + idx * MIN
    gaps = detect_gaps(ts, MIN)
    assert len(ts) + sum(g.missing for g in gaps) == idx[-1] - idx[0] + 1
    for g in gaps:
        assert g.start_ms not in set(ts.tolist())
        assert g.end_ms in set(ts.tolist())
        assert g.end_ms - g.start_ms == g.missing * MIN

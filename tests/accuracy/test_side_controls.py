"""side_controls: the per-side scores given the side's excursion and given both ranges."""

from __future__ import annotations

import numpy as np
import pytest

from liqmap.accuracy import interval_metrics as im
from liqmap.accuracy.interval_result import ScoreRow
from liqmap.accuracy.side_controls import SIDE_CONTROLS, side_controls

H = 3_600_000


def _rows(n: int = 240) -> list[ScoreRow]:
    rng = np.random.default_rng(7)
    out = []
    for k in range(n):
        down, up = rng.random() * 0.02, rng.random() * 0.02
        fresh_l = fresh_s = 1e6 * (down + up) * (1 + 0.1 * rng.random())  # over the whole range
        lv_l, lv_s = 5e7 * down * rng.random(), 5e7 * up * rng.random()
        pl = {"model": lv_l + fresh_l, "fresh": fresh_l, "range": down}
        ps = {"model": lv_s + fresh_s, "fresh": fresh_s, "range": up}
        yl, ys = lv_l * (1 + rng.random()), lv_s * (1 + rng.random())
        out.append(ScoreRow(k * H, H, 100.0, 100.0 * (1 - down), 100.0 * (1 + up), yl, ys,
                            pl, ps, (0.0, 0.0, 0.0, 0.0)))  # fmt: skip
    return out


def test_statistics_match_the_metrics_and_carry_intervals() -> None:
    rows = _rows()
    got = side_controls(rows, H, n_boot=50)
    assert list(got) == list(SIDE_CONTROLS)
    pl = np.array([r.pred_long["model"] for r in rows])
    yl = np.array([r.actual_long for r in rows])
    rl = np.array([r.pred_long["range"] for r in rows])
    assert got["long | own excursion"][0] == pytest.approx(im.partial_spearman(pl, yl, rl))
    for v, lo, hi in got.values():
        assert lo <= v <= hi or not np.isfinite(lo)
    # the levels carry the skill here, the fresh part (a function of the two ranges) none
    assert got["long+short, levels only | two-sided range"][0] > 0.5
    assert abs(got["long+short, fresh only | two-sided range"][0]) < 0.3

"""Fitting fresh_share on walk-forward rows (liqmap.accuracy.fresh_fit, docs/model.md 2.17)."""

from __future__ import annotations

import numpy as np
import pytest

from liqmap.accuracy.fresh_fit import fit_fresh_share
from liqmap.accuracy.interval_result import ScoreRow

H = 3_600_000


def _rows(true_share: float, used: float, n: int = 480, noise: float = 0.1) -> list[ScoreRow]:
    rng = np.random.default_rng(5)
    rows = []
    for i in range(n):
        preds, acts = [], []
        for _ in range(2):
            stock, fresh1 = rng.lognormal(10, 1.5) * (rng.random() < 0.7), rng.lognormal(9, 1.0)
            acts.append(0.02 * (stock + true_share * fresh1) * float(np.exp(rng.normal(0, noise))))
            p = {"model": stock + used * fresh1, "fresh": used * fresh1, "range": 0.01,
                 "oi_range": 1.0, "ladder": 1.0, "uniform": 1.0}  # fmt: skip
            preds.append(p)
        rows.append(ScoreRow(i * H, H, 100.0, 99.0, 101.0, acts[0], acts[1], preds[0], preds[1],
                             (0.0, 0.0, 0.0, 0.0)))  # fmt: skip
    return rows


def test_recovers_the_share_whatever_share_the_walk_used() -> None:
    for used in (1.0, 6.0):
        fit = fit_fresh_share(_rows(4.0, used), H, used, draws=20)
        assert fit.share == pytest.approx(4.0, rel=0.1)
        assert fit.ci[0] <= fit.share <= fit.ci[1]
        assert fit.loss < fit.loss_without
        assert fit.n == 960 and fit.days == 20


def test_refuses_rows_without_a_fresh_part() -> None:
    with pytest.raises(ValueError, match="share_used"):
        fit_fresh_share(_rows(4.0, 1.0), H, 0.0)
    with pytest.raises(ValueError, match="fresh part"):
        fit_fresh_share(_rows(4.0, 1.0), 2 * H, 1.0)

"""Markdown, verdicts and plots of backtest results."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from liqmap.accuracy import BacktestConfig, backtest
from liqmap.accuracy.report import (
    markdown_result,
    paired_difference,
    render_text,
    summary_table,
    verdicts,
    write_report,
)
from liqmap.accuracy.result import BacktestResult
from liqmap.domain.margin import MarginTable
from liqmap.sim import SimulationResult

HOUR = 3_600_000


@pytest.fixture(scope="module")
def result(market: SimulationResult, btc_table: MarginTable) -> BacktestResult:
    t0 = int(market.candles.ts_ms[0])
    cfg = BacktestConfig(every_ms=2 * HOUR, horizons_ms=(HOUR, 4 * HOUR))
    return backtest(market.candles, market.liquidations, table=btc_table, oi=market.open_interest,
                    config=cfg, start_ms=t0 + 24 * HOUR, end_ms=t0 + 60 * HOUR, label="sim",
                    notes=("a note",))  # fmt: skip


def test_markdown_has_every_table_row_and_verdicts(result: BacktestResult) -> None:
    md = markdown_result(result, "img.png")
    rows = [ln for ln in md.splitlines() if ln.startswith(("| 1h", "| 4h"))]
    assert len(rows) == 2 * 3
    assert "![" in md and "img.png" in md and "note: a note" in md
    v = verdicts(result)
    assert len(v) == 2 * 4
    assert all(any(w in s for w in ("beats", "does not beat", "is worse", "cannot")) for s in v[:3])


def test_paired_difference_is_model_minus_baseline(result: BacktestResult) -> None:
    d, se, n = paired_difference(result, HOUR, "all", "ladder")
    m = result.score(HOUR, "all", "model").spearman_mean
    lad = result.score(HOUR, "all", "ladder").spearman_mean
    assert n > 2 and se > 0
    assert abs(d - (m - lad)) < 0.2  # means over the paired subset, close to the difference


def test_text_table_lists_each_method(result: BacktestResult) -> None:
    text = render_text(summary_table(result))
    assert text.count("ladder") >= 6 and "uniform" in text


def test_write_report(result: BacktestResult, tmp_path: Path) -> None:
    other = replace(result, label="copy")
    md = write_report([result, other], tmp_path / "out", name="acc", title="T",
                      preamble="intro", img_dir=tmp_path / "out" / "img")  # fmt: skip
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# T") and "intro" in text and "img/acc-2.png" in text
    assert (tmp_path / "out" / "img" / "acc-1.png").is_file()


def test_public_surface() -> None:
    import liqmap.accuracy as acc

    assert all(hasattr(acc, name) for name in acc.__all__)
    assert {"spearman_visited", "top_share", "log_corr", "partial_corr"} <= set(acc.__all__)

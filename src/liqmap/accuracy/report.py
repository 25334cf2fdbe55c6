"""Presentation of backtest results: rich terminal table, Markdown tables, verdicts, PNG plots.

No model logic: everything here reads :class:`~liqmap.accuracy.result.BacktestResult` objects.
Plots are plain :class:`matplotlib.figure.Figure` objects on an Agg canvas (no pyplot); files are
written atomically.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import NDArray
from rich import box
from rich.console import Console
from rich.table import Table

from liqmap.accuracy.result import METHODS, SIDES, BacktestResult, horizon_label
from liqmap.core.results import iso_ms
from liqmap.io.atomic import atomic_writer, write_atomic

__all__ = [
    "METHOD_NOTES",
    "markdown_result",
    "paired_difference",
    "plot_result",
    "render_text",
    "summary_table",
    "verdict_word",
    "verdicts",
    "write_report",
]

_COLOURS = {"model": "#1f77b4", "ladder": "#ff7f0e", "uniform": "#7f7f7f"}

METHOD_NOTES = """\
*How to read the tables.* Every cell shows **model / ladder / uniform**. *Spearman*: rank
correlation of predicted vs actual liquidated USD per price bin over the bins price visited in the
horizon (mean over evaluation times). *Top 20%*: share of the actual USD of the visited bins that
lies in the 20% of them the map ranks highest (a map with no information scores 0.20; the uniform
map scores exactly 0.20 by construction). *Log corr*: correlation across evaluation times of
ln(predicted USD inside the visited range) and ln(actual USD liquidated); *partial*: the same after
controlling for ln(size of the visited range). *Ratio*: summed prediction / summed actual USD.
*Model > ladder*: share of evaluations where the model's Spearman beats the ladder's. The uniform
map is constant on one side of the price, so its Spearman is undefined there (n/a)."""


def _f(x: float, digits: int = 2) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:+.{digits}f}" if digits == 2 else f"{x:.{digits}f}"  # fmt: skip


def _triple(r: BacktestResult, h: int, side: str, attr: str, digits: int = 2) -> str:
    return " / ".join(_f(float(getattr(r.score(h, side, m), attr)), digits) for m in METHODS)


def _ratio(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:.3g}"


def _rows(r: BacktestResult) -> list[list[str]]:
    rows = []
    for h in r.config.horizons_ms:
        for side in SIDES:
            sm = r.score(h, side, "model")
            rows.append([
                horizon_label(h), side, str(sm.n),
                _triple(r, h, side, "spearman_mean"), _triple(r, h, side, "top_share_mean"),
                _triple(r, h, side, "log_corr"), _triple(r, h, side, "partial_corr"),
                " / ".join(_ratio(r.score(h, side, m).usd_ratio) for m in METHODS[:2]),
                "n/a" if not math.isfinite(sm.win_vs_ladder) else f"{sm.win_vs_ladder:.0%}",
            ])  # fmt: skip
    return rows


_HEAD = ["horizon", "side", "n", "Spearman", "top 20%", "log corr", "partial", "ratio m/l",
         "model > ladder"]  # fmt: skip


def _title(r: BacktestResult) -> str:
    cfg = r.config
    return (
        f"{r.symbol} {r.label}: {iso_ms(r.start_ms)[:16]} .. {iso_ms(r.end_ms)[:16]}, "
        f"{len(r.maps)}/{r.times} maps, window {horizon_label(cfg.window_ms)}, every "
        f"{horizon_label(cfg.every_ms)} (cells: model / ladder / uniform)"
    )


def summary_table(r: BacktestResult) -> Table:
    """The rich terminal table of one result: one row per horizon, side and map."""
    table = Table(
        title=_title(r).replace(" (cells: model / ladder / uniform)", ""), title_justify="left",
        box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0),
    )  # fmt: skip
    head = ("h", "side", "map", "n", "rho", "±SE", "top20%", "logcorr", "pcorr", "ratio",
            ">ladder")  # fmt: skip
    for col in head:
        table.add_column(col, justify="left" if col in ("horizon", "side", "map") else "right")
    for h in r.config.horizons_ms:
        for side in SIDES:
            for m in METHODS:
                s = r.score(h, side, m)
                table.add_row(
                    horizon_label(h) if side == "long" and m == "model" else "",
                    side if m == "model" else "", m, str(s.n), _f(s.spearman_mean),
                    _f(s.spearman_se, 2).lstrip("+"), _f(s.top_share_mean, 2).lstrip("+"),
                    _f(s.log_corr), _f(s.partial_corr), _ratio(s.usd_ratio),
                    "" if not math.isfinite(s.win_vs_ladder) else f"{s.win_vs_ladder:.0%}",
                    end_section=m == METHODS[-1],
                )  # fmt: skip
    skips = ", ".join(f"{k}={v}" for k, v in sorted(r.skipped.items())) or "none"
    table.caption = (
        f"rho: Spearman on visited bins; pcorr: log corr given the range size; ratio: predicted / "
        f"actual USD; >ladder: share of evaluations where rho beats the ladder's. "
        f"Evaluation times without a map: {skips}"
    )
    return table


def render_text(table: Table, width: int = 160) -> str:
    """A rich table as plain text."""
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, highlight=False).print(table)
    return buf.getvalue()


def paired_difference(
    r: BacktestResult | Sequence[BacktestResult],
    h: int,
    side: str,
    baseline: str,
    metric: str = "spearman",
) -> tuple[float, float, int]:
    """Mean of (model - baseline) over the evaluations scored by both (pooled over several
    results when given a sequence), its standard error with overlapping horizons counted once
    (``n_eff = n * min(1, every / h)``) and the number of pairs."""
    diffs, n_eff = [], 0.0
    for res in [r] if isinstance(r, BacktestResult) else r:
        p = res.points
        a = getattr(p, metric)[p.mask(h, side, "model")]
        b = getattr(p, metric)[p.mask(h, side, baseline)]
        d = (a - b)[np.isfinite(a) & np.isfinite(b)]
        diffs.append(d)
        n_eff += len(d) * min(1.0, res.config.every_ms / h)
    d = np.concatenate(diffs) if diffs else np.zeros(0)
    n = len(d)
    if n < 2:
        return (float(d.mean()) if n else math.nan), math.nan, n
    return float(d.mean()), float(d.std(ddof=1)) / math.sqrt(max(n_eff, 1.0)), n


def verdict_word(diff: float, se: float) -> str:
    """``beats`` / ``is worse than`` / ``does not beat`` by the 2-standard-error rule (bold)."""
    return _word(diff, se)


def _word(diff: float, se: float) -> str:
    if not (math.isfinite(diff) and math.isfinite(se)):
        return "cannot be compared (too few evaluations)"
    if diff > 2 * se:
        return "**beats**"
    if diff < -2 * se:
        return "**is worse than**"
    return "**does not beat**"


def verdicts(r: BacktestResult) -> list[str]:
    """Plain sentences: where the model beats a baseline and where it does not (2-SE rule)."""
    out = []
    for h in r.config.horizons_ms:
        hl = horizon_label(h)
        for side in SIDES:
            d, se, n = paired_difference(r, h, side, "ladder", "spearman")
            t, tse, _ = paired_difference(r, h, side, "ladder", "top_share")
            u, use, _ = paired_difference(r, h, side, "uniform", "top_share")
            out.append(
                f"{hl} {side}: on Spearman the model {_word(d, se)} the ladder "
                f"({_f(d)} ± {_f(se, 3)}, n={n}); on the top-20% share it {_word(t, tse)} the "
                f"ladder ({_f(t)} ± {_f(tse, 3)}) and {_word(u, use)} the uniform map "
                f"({_f(u)} ± {_f(use, 3)})."
            )
        sm, sl = r.score(h, "all", "model"), r.score(h, "all", "ladder")
        out.append(
            f"{hl} how much (all): log correlation {_f(sm.log_corr)} (ladder {_f(sl.log_corr)}), "
            f"partial on the range size {_f(sm.partial_corr)} (ladder {_f(sl.partial_corr)}), "
            f"n={sm.n_log}."
        )
    return out


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def markdown_result(r: BacktestResult, image: str | None = None) -> str:
    """One result as Markdown: scores, counts, verdicts and (optionally) its plot."""
    skips = ", ".join(f"{k} {v}" for k, v in sorted(r.skipped.items())) or "none"
    by_h = "; ".join(
        f"{horizon_label(h)}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items()))
        for h, c in r.skipped_by_horizon.items()
    )
    cov = r.maps.bar_coverage
    sized = r.maps.sized_share
    parts = [
        f"#### {r.symbol} — {r.label}",
        f"Evaluation times {iso_ms(r.start_ms)} .. {iso_ms(r.end_ms)} every "
        f"{horizon_label(r.config.every_ms)}: {r.times} times, {len(r.maps)} maps built "
        f"(without a map: {skips}). Per horizon: {by_h}. Mean bar coverage of a map's window "
        f"{_pct(cov)}; mean share of its bars with volume or an OI change {_pct(sized)}.",
        "",
        _md_table(_HEAD, _rows(r)),
        "",
        *[f"- {v}" for v in verdicts(r)],
    ]
    if r.notes:
        parts += ["", *[f"- note: {n}" for n in r.notes]]
    if image:
        parts += ["", f"![{r.symbol} {r.label}]({image})"]
    return "\n".join(parts) + "\n"


def _pct(x: NDArray[np.float64]) -> str:
    x = x[np.isfinite(x)]
    return f"{100 * float(x.mean()):.0f}%" if x.size else "n/a"


def _bars(ax: Axes, r: BacktestResult, attr: str, methods: Sequence[str], title: str) -> None:
    hs = r.config.horizons_ms
    x = np.arange(len(hs))
    w = 0.8 / len(methods)
    for k, m in enumerate(methods):
        vals = [getattr(r.score(h, "all", m), attr) for h in hs]
        ax.bar(x + (k - (len(methods) - 1) / 2) * w, vals, w, label=m, color=_COLOURS[m])
        if attr == "spearman_mean":
            ses = [2 * r.score(h, "all", m).spearman_se for h in hs]
            ax.errorbar(x + (k - (len(methods) - 1) / 2) * w, vals, yerr=ses, fmt="none",
                        ecolor="black", capsize=3, linewidth=0.8)  # fmt: skip
    ax.set_xticks(x, [horizon_label(h) for h in hs])
    ax.axhline(0.2 if attr == "top_share_mean" else 0.0, color="black", linewidth=0.6)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)


def _calibration(ax: Axes, r: BacktestResult) -> None:
    lo, hi = math.inf, 0.0
    styles = ("-", "--", ":")
    for k, h in enumerate(r.config.horizons_ms):
        for m in METHODS:
            pm, am, _ = r.calibration(h, "all", m)
            ok = (pm > 0) & (am > 0)
            if ok.any():
                ax.plot(pm[ok], am[ok], styles[k % 3], marker="o", markersize=3,
                        color=_COLOURS[m], label=f"{m} {horizon_label(h)}")  # fmt: skip
                lo = min(lo, float(pm[ok].min()), float(am[ok].min()))
                hi = max(hi, float(pm[ok].max()), float(am[ok].max()))
    if hi > 0:
        ax.plot([lo, hi], [lo, hi], color="black", linewidth=0.6, label="1:1")
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel("predicted USD in the visited range (bucket mean)", fontsize=8)
    ax.set_ylabel("actual USD liquidated (bucket mean)", fontsize=8)
    ax.set_title("calibration, deciles of the prediction (all sides)", fontsize=10)
    ax.legend(fontsize=6, ncol=2)


def plot_result(r: BacktestResult, path: Path) -> Path:
    """Spearman, top-20% share and calibration of one result, as a PNG."""
    fig = Figure(figsize=(15, 4.6), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 3)
    _bars(axes[0], r, "spearman_mean", ("model", "ladder"), "Spearman on visited bins (±2 SE)")
    _bars(axes[1], r, "top_share_mean", METHODS, "share of actual USD in top 20% of visited bins")
    _calibration(axes[2], r)
    fig.suptitle(_title(r).split(" (cells")[0], fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(path, "wb") as f:
        fig.savefig(f, format="png")
    return path


def write_report(
    results: Sequence[BacktestResult],
    out_dir: Path,
    *,
    name: str = "backtest",
    title: str = "Backtest",
    preamble: str = "",
    img_dir: Path | None = None,
) -> Path:
    """``out_dir/<name>.md`` with every result and its PNG (in ``img_dir``, default
    ``out_dir``, named ``<name>-<n>.png``); returns the Markdown path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    images = img_dir or out_dir
    sections = [f"# {title}\n", preamble, METHOD_NOTES + "\n"] if preamble else [
        f"# {title}\n", METHOD_NOTES + "\n"]  # fmt: skip
    for k, r in enumerate(results, 1):
        png = plot_result(r, images / f"{name}-{k}.png")
        rel = Path(_relative(png, out_dir)).as_posix()
        sections.append(markdown_result(r, rel))
    md = out_dir / f"{name}.md"
    write_atomic(md, "\n".join(sections))
    return md


def _relative(path: Path, start: Path) -> str:
    import os

    return os.path.relpath(path.resolve(), start.resolve())

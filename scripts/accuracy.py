"""Regenerate ``docs/accuracy.md`` (+ ``docs/img/accuracy-*.png``) from ``../shared/data``.

Usage::

    python scripts/accuracy.py                       # every window, writes docs (make accuracy)
    python scripts/accuracy.py --window dev --quick  # development window only, ~30 s, no docs
    python scripts/accuracy.py --fit-bands           # conformal band quantiles (dev window only)
    python scripts/accuracy.py --fit-fresh           # fresh_share (dev window only)
    python scripts/accuracy.py --side-controls       # per-side scores given both ranges (dev)

Walk-forward, one map per hour with the shipped defaults (24h window, default parameters, 400
bins), scored per interval against the hourly truth (the tapes summed per hour) with the
baselines range, OI x range, ladder and uniform, the magnet test and day-block bootstrap 95%
intervals. The evaluation windows are never used for tuning: nothing here has a parameter.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from liqmap.accuracy.band_fit import BLOCKS, fit_band_quantiles
from liqmap.accuracy.fresh_fit import fit_fresh_share
from liqmap.accuracy.interval_report import (
    cell,
    check_targets,
    diff_table,
    magnet_table,
    method_table,
    skip_text,
)
from liqmap.accuracy.interval_result import IntervalConfig, IntervalResult, evaluate_pooled
from liqmap.accuracy.intervals import IntervalWalk
from liqmap.accuracy.result import horizon_label
from liqmap.io.atomic import write_atomic
from liqmap.model_config import DEFAULT_PARAMS, EstimatorParams
from liqmap.testing.windows import StudyWindow, load_window

REPO = Path(__file__).resolve().parents[1]
CFG = IntervalConfig()
PROGRESS_COLUMNS = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())  # fmt: skip
GROUPS = {
    "dev": ("dev",),
    "eval": ("eval-btc", "eval-eth", "eval-sol"),
    "okx": ("okx-btc", "okx-eth", "okx-sol"),
}
TITLES = {
    "dev": "Development: Binance BTC tape 2026-01-27..02-16, Binance 5m bars",
    "eval": "Evaluation: mixed-venue tapes 2026-02-23..03-04 (BTC, ETH, SOL pooled), 1h bars",
    "okx": "Evaluation: OKX tape 2026-03-04..03-05 (BTC, ETH, SOL pooled), 1h bars",
}


def _walk(w: StudyWindow, progress: Progress, params: EstimatorParams | None = None) -> IntervalResult:  # fmt: skip
    walk = IntervalWalk(
        w.candles, w.truth, table=w.table, oi=w.oi, events=w.events, mark=w.mark, params=params,
        config=CFG,
    )  # fmt: skip
    task = progress.add_task(f"maps {w.name}", total=1)

    def tick(i: int, n: int) -> None:
        progress.update(task, completed=i + 1, total=n)

    return walk.run(w.start_ms, w.end_ms, label=w.name, notes=w.notes, progress=tick)


def run(data: Path, groups: list[str], n_boot: int, console: Console) -> dict[str, Any]:
    """Walk and score every window of ``groups``; pooled scores per group."""
    out: dict[str, Any] = {}
    with Progress(*PROGRESS_COLUMNS, console=console, transient=False) as progress:
        for g in groups:
            windows = [load_window(data, n) for n in GROUPS[g]]
            results = [_walk(w, progress) for w in windows]
            task = progress.add_task(f"bootstrap {g} ({n_boot} resamples)", total=None)
            ev = evaluate_pooled(results, n_boot=n_boot)
            per = [r.evaluate(n_boot=n_boot) for r in results] if len(results) > 1 else []
            progress.update(task, total=1, completed=1)
            out[g] = {"windows": windows, "results": results, "scores": ev, "per": per}
    return out


def _summary(console: Console, name: str, ev: dict[str, Any]) -> None:
    for h in CFG.horizons_ms:
        s = ev["horizons"][str(h)]["all"]
        t = Table(title=f"{name}, {horizon_label(h)}, long+short (n={s['n']}, {s['days']} days)")
        t.add_column("method")
        for k in ("Spearman", "partial Spearman", "partial log", "top-decile"):
            t.add_column(k)
        for m, cells in s["methods"].items():
            t.add_row(m, *(_v(cells[k]) for k in cells))
        console.print(t)
    for tg, text, ok in check_targets(ev, CFG.horizons_ms[0]):
        console.print(f"  {'MET ' if ok else 'n/a ' if ok is None else 'MISS'} {tg.text}: {text}")


def _v(c: dict[str, Any]) -> str:
    return "n/a" if c["value"] is None else f"{c['value']:.3f}"


# --- the page ----------------------------------------------------------------------------------


def _targets_md(ev: dict[str, Any]) -> tuple[str, int, int]:
    rows, met, total = [], 0, 0
    for tg, text, ok in check_targets(ev, CFG.horizons_ms[0]):
        word = "met" if ok else "not measurable" if ok is None else "**not met**"
        rows.append(f"| {tg.text} | {text} | {word} |")
        met += bool(ok)
        total += 1
    return "| target (1h, long+short) | measured | verdict |\n|---|---|---|\n" + "\n".join(rows), met, total  # fmt: skip


def _group_md(g: str, block: dict[str, Any], img: str | None) -> str:
    ev, results = block["scores"], block["results"]
    parts = [f"## {TITLES[g]}", ""]
    for w, r in zip(block["windows"], results, strict=True):
        skipped = skip_text(r.skipped)
        parts.append(f"- **{w.name}**: {r.times} hourly maps, {len(r.rows)} scored intervals (all horizons) "
                     f"(skipped: {skipped}). {'; '.join(r.notes)}.")  # fmt: skip
    t, met, total = _targets_md(ev)
    parts += ["", f"### Targets ({met} of {total} met)", "", t, ""]
    if block["per"]:
        parts += ["### Per symbol (1h, long+short)", "", _per_symbol_md(block), ""]
    for h in CFG.horizons_ms:
        for side in ("all", "long", "short"):
            parts += [f"### {horizon_label(h)}, {side}", ""]
            if ev["horizons"][str(h)][side]["n"] == 0:
                parts += [f"n = 0: no {horizon_label(h)} interval could be scored here (the "
                          "window's observed truth is shorter; see 'skipped' above).", ""]  # fmt: skip
                continue
            parts += [method_table(ev, h, side), "", diff_table(ev, h, side), ""]
    parts += [f"### Magnet test (largest cluster within {CFG.magnet_pct:g}%)", "",
              magnet_table(ev), ""]  # fmt: skip
    cov = {s: ev["horizons"][str(CFG.horizons_ms[0])][s]["band_coverage"] for s in ("long", "short", "all")}  # fmt: skip
    miss = ev["horizons"][str(CFG.horizons_ms[0])]["all"]["band_miss"]
    parts += ["### 80% bands and open notional", "",
              f"- band coverage (1h): long {_p(cov['long'])}, short {_p(cov['short'])}, both {_p(cov['all'])}"
              + (" (n/a: the maps carry no p10/p90 bands)" if cov["all"] is None else
                 f"; outcomes below p10 {_p(miss['below'])}, above p90 {_p(miss['above'])}"),
              f"- open notional vs OI proxy: {json.dumps(ev['notional'])}", ""]  # fmt: skip
    if img:
        parts += [f"![reliability]({img})", ""]
    return "\n".join(parts)


def _per_symbol_md(block: dict[str, Any]) -> str:
    h = str(CFG.horizons_ms[0])
    rows = []
    for w, ev in zip(block["windows"], block["per"], strict=True):
        s = ev["horizons"][h]["all"]
        m = s["methods"]
        zl = ev["horizons"][h]["long"]["zero"]["model"]["hours"]
        zs = ev["horizons"][h]["short"]["zero"]["model"]["hours"]
        rows.append(
            f"| {w.name} | {s['n']} | {cell(m['model']['spearman'])} | {cell(m['range']['spearman'])} "
            f"| {cell(m['oi_range']['spearman'])} | {cell(s['diff']['range']['spearman'])} "
            f"| {cell(m['model']['partial_spearman'])} | {cell(m['model']['top_decile_hit'])} "
            f"| {_p(zl)} / {_p(zs)} |"
        )
    head = ("| window | n | Spearman model | range | OI x range | model − range | partial Spearman "
            "| top-decile | $0 hours long / short |\n|---|---|---|---|---|---|---|---|---|\n")  # fmt: skip
    return head + "\n".join(rows)


def _p(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def _reliability_png(block: dict[str, Any], path: Path, title: str) -> None:
    """Mean realised USD (share of the window's total) per decile of each predictor."""
    fig = Figure(figsize=(10.5, 4.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 3, (1, 2))
    _band_panel(fig.add_subplot(1, 3, 3), block)
    h = CFG.horizons_ms[0]
    for m, style in (("model", "-o"), ("range", "--s"), ("oi_range", ":^"), ("ladder", "-.x")):
        xs, ys = [], []
        for r in block["results"]:
            rows = [x for x in r.rows if x.h == h]
            if len(rows) < 20:
                continue
            pred = np.array([x.pred_long[m] + x.pred_short[m] for x in rows])
            act = np.array([x.actual_long + x.actual_short for x in rows])
            ok = np.isfinite(pred)
            if ok.sum() < 20:
                continue
            q = np.argsort(np.argsort(pred[ok])) * 10 // ok.sum()
            share = act[ok] / act[ok].sum()
            ys.append([share[q == k].mean() * ok.sum() for k in range(10)])
            xs.append(range(1, 11))
        if ys:
            ax.plot(range(1, 11), np.mean(ys, axis=0), style, label=m)
    ax.set_yscale("log")
    ax.set_xlabel("decile of the predictor (1 = lowest)")
    ax.set_ylabel("realised USD / mean interval")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _band_panel(ax: Any, block: dict[str, Any]) -> None:
    """Where realised USD fell against the map's 80% band (1h): below p10, inside, above p90."""
    h = str(CFG.horizons_ms[0])
    sides = ("long", "short", "all")
    below, inside, above = [], [], []
    for side in sides:
        s = block["scores"]["horizons"][h][side]
        cov, miss = s["band_coverage"], s["band_miss"]
        below.append(miss["below"] or 0.0)
        inside.append(cov or 0.0)
        above.append(miss["above"] or 0.0)
    x = np.arange(len(sides))
    ax.bar(x, below, color="#c0504d", label="below p10")
    ax.bar(x, inside, bottom=below, color="#9bbb59", label="inside 80% band")
    ax.bar(x, above, bottom=np.add(below, inside), color="#4f81bd", label="above p90")
    ax.axhspan(0.7, 0.9, color="grey", alpha=0.15)
    ax.set_xticks(x, sides)
    ax.set_ylim(0, 1)
    ax.set_title("realised USD vs the 80% band", fontsize=9)
    ax.legend(fontsize=7, loc="upper right")


def write_page(blocks: dict[str, Any], docs: Path, seconds: float, n_boot: int) -> Path:
    img_dir = docs / "img"
    img_dir.mkdir(parents=True, exist_ok=True)
    sections = []
    for g, block in blocks.items():
        img = None
        if g in ("dev", "eval"):
            p = img_dir / f"accuracy-reliability-{g}.png"
            _reliability_png(block, p, TITLES[g] + " — 1h")
            img = f"img/{p.name}"
        sections.append(_group_md(g, block, img))
    head = (REPO / "scripts" / "accuracy_intro.md").read_text(encoding="utf-8")
    verdict = _verdict(blocks)
    text = head.replace("{VERDICT}", verdict).replace("{SECONDS}", f"{seconds:.0f}").replace("{BOOT}", str(n_boot))  # fmt: skip
    out = docs / "accuracy.md"
    write_atomic(out, text + "\n" + "\n\n".join(sections) + "\n")
    return out


def _verdict(blocks: dict[str, Any]) -> str:
    lines = []
    for g in ("eval", "okx", "dev"):
        if g not in blocks:
            continue
        ev = blocks[g]["scores"]
        checks = check_targets(ev, CFG.horizons_ms[0])
        met = [t.text for t, _, ok in checks if ok]
        missed = [f"{t.text} ({txt})" for t, txt, ok in checks if ok is False]
        na = [t.text for t, _, ok in checks if ok is None]
        days = ev["horizons"][str(CFG.horizons_ms[0])]["all"]["days"]
        few = f" (only {days} days: indicative, no intervals)" if days < 5 else ""
        lines.append(f"- **{g}**{few}: {len(met)} of {len(checks)} targets met. Not met: "
                     f"{'; '.join(missed) or 'none'}. Not measurable: {'; '.join(na) or 'none'}.")  # fmt: skip
        mg = ev["magnet"].get(str(24 * 3_600_000))
        if mg and mg["n_with_cluster"]:
            lines.append(
                f"  Magnet (24h, {mg['n_with_cluster']} maps with a cluster within "
                f"{CFG.magnet_pct:g}%): cluster reached {cell(mg['hit'])} vs mirror "
                f"{cell(mg['mirror'])} vs base rate {cell(mg['base'])}; cluster − mirror "
                f"{_c(mg['hit_minus_mirror'])}: {_magnet_word(mg['hit_minus_mirror'])}."
            )
    lines.append("")
    lines.append(_plain(blocks))
    return "\n".join(lines)


def _magnet_word(c: dict[str, Any]) -> str:
    if c["lo"] is None:
        return "too few days to tell"
    if c["lo"] > 0:
        return "the cluster is reached more often (a magnet effect)"
    if c["hi"] < 0:
        return "the cluster is reached LESS often than its mirror"
    return "no evidence of a magnet"


def _plain(blocks: dict[str, Any]) -> str:
    """One honest paragraph on the evaluation window (or dev when it alone was run)."""
    g = "eval" if "eval" in blocks else next(iter(blocks))
    ev = blocks[g]["scores"]
    s = ev["horizons"][str(CFG.horizons_ms[0])]["all"]
    d = s["diff"]["range"]["spearman"]
    ps = s["methods"]["model"]["partial_spearman"]
    if d["value"] is None:
        return "**Bottom line:** not enough data to compare the map with the range."
    if d["lo"] is not None and d["lo"] > 0:
        rank = "ranks hours by liquidated USD **better** than the hour's price range alone"
    elif d["hi"] is not None and d["hi"] < 0:
        rank = "ranks hours by liquidated USD **worse** than the hour's price range alone"
    else:
        rank = "ranks hours by liquidated USD **no better** than the hour's price range alone"
    beyond = ("adds information beyond the range" if ps["lo"] is not None and ps["lo"] > 0
              else "adds no information beyond the range that this sample can detect")  # fmt: skip
    return (f"**Bottom line ({g}, 1h):** the map {rank} (Spearman difference {_c(d)}) and "
            f"{beyond} (partial Spearman {cell(ps)}). Trust its levels as a picture of where "
            "forced orders could sit, not as a forecast of how much will be liquidated.")  # fmt: skip


def _c(c: dict[str, Any]) -> str:
    if c["value"] is None:
        return "n/a"
    if c["lo"] is None:
        return f"{c['value']:+.2f}"
    return f"{c['value']:+.2f} [{c['lo']:+.2f}, {c['hi']:+.2f}]"


def fit_bands(data: Path, console: Console) -> int:
    """Split-conformal band quantiles on the development window only (docs/model.md 2.14)."""
    w = load_window(data, "dev")
    params = replace(DEFAULT_PARAMS, band_log_q10=0.0, band_log_q90=0.0, band_floor_share=0.0)
    with Progress(*PROGRESS_COLUMNS, console=console) as progress:
        res = _walk(w, progress, params)  # the bands of the parameter draws alone
    fit = fit_band_quantiles(res.rows, CFG.horizons_ms[0], blocks=BLOCKS)
    console.print(f"dev, {horizon_label(CFG.horizons_ms[0])}, {fit.n} side-intervals, "
                  f"widest of {BLOCKS} time blocks: "
                  f"band_log_q10 = {fit.q10:.3f}, band_log_q90 = {fit.q90:.3f}, "
                  f"band_floor_share = {fit.floor_share:g} "
                  f"(in sample: {fit.below:.1%} below, {fit.above:.1%} above, "
                  f"{fit.coverage:.1%} inside)")  # fmt: skip
    print(json.dumps({"band_log_q10": round(fit.q10, 3), "band_log_q90": round(fit.q90, 3),
                      "band_floor_share": fit.floor_share}))  # fmt: skip
    return 0


def fit_fresh(data: Path, console: Console) -> int:
    """``fresh_share`` on the development window only (docs/model.md 2.17)."""
    w = load_window(data, "dev")
    params = replace(DEFAULT_PARAMS, fresh_share=1.0)
    with Progress(*PROGRESS_COLUMNS, console=console) as progress:
        res = _walk(w, progress, params)
    fit = fit_fresh_share(res.rows, CFG.horizons_ms[0], params.fresh_share)
    console.print(f"dev, {horizon_label(CFG.horizons_ms[0])}, {fit.n} side-intervals over "
                  f"{fit.days} days: fresh_share = {fit.share:.2f} (95% day-block bootstrap "
                  f"{fit.ci[0]:.2f}..{fit.ci[1]:.2f}); loss {fit.loss:.3f} vs "
                  f"{fit.loss_without:.3f} without fresh positions")  # fmt: skip
    print(json.dumps({"fresh_share": round(fit.share, 2),
                      "fresh_share_ci": [round(fit.ci[0], 2), round(fit.ci[1], 2)]}))  # fmt: skip
    return 0


def side_diagnostic(data: Path, console: Console) -> int:
    """Per-side partial Spearman given the side's excursion and given both ranges, and the
    levels' and fresh part's share of the total's, on the development window only."""
    from liqmap.accuracy.side_controls import side_controls

    w = load_window(data, "dev")
    with Progress(*PROGRESS_COLUMNS, console=console) as progress:
        res = _walk(w, progress)
    h = CFG.horizons_ms[0]
    for name, (v, lo, hi) in side_controls(res.rows, h).items():
        console.print(f"dev, {horizon_label(h)}, partial Spearman {name}: {v:.3f} [{lo:.2f}, {hi:.2f}]")  # fmt: skip
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("LIQMAP_SHARED_DATA", REPO.parent / "shared" / "data")))  # fmt: skip
    ap.add_argument("--docs", type=Path, default=REPO / "docs")
    ap.add_argument("--window", choices=("all", *GROUPS), default="all")
    ap.add_argument("--quick", action="store_true", help="100 bootstrap resamples, no docs")
    ap.add_argument("--boot", type=int, default=None, help="bootstrap resamples (default 500)")
    ap.add_argument("--json", type=Path, default=None, help="also write the scores as JSON")
    ap.add_argument("--fit-bands", action="store_true",
                    help="fit the conformal band quantiles on the development window and print them")  # fmt: skip
    ap.add_argument("--fit-fresh", action="store_true",
                    help="fit fresh_share on the development window and print it")  # fmt: skip
    ap.add_argument("--side-controls", action="store_true",
                    help="per-side partial Spearman given both ranges (development window)")  # fmt: skip
    args = ap.parse_args(argv)
    console = Console(stderr=True)
    if args.side_controls:
        return side_diagnostic(args.data, console)
    if args.fit_fresh:
        return fit_fresh(args.data, console)
    if args.fit_bands:
        return fit_bands(args.data, console)
    n_boot = args.boot or (100 if args.quick else 500)
    groups = list(GROUPS) if args.window == "all" else [args.window]
    t0 = time.perf_counter()
    blocks = run(args.data, groups, n_boot, console)
    seconds = time.perf_counter() - t0
    for g, b in blocks.items():
        _summary(console, g, b["scores"])
    if args.json:
        write_atomic(args.json, json.dumps({g: b["scores"] for g, b in blocks.items()}, indent=1))
    if args.window == "all" and not args.quick:
        out = write_page(blocks, args.docs, seconds, n_boot)
        console.print(f"wrote {out} in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

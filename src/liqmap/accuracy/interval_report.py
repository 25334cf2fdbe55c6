"""Markdown tables, targets and the plain-language verdict of the interval backtest.

Input: the dict of :meth:`~liqmap.accuracy.interval_result.IntervalResult.evaluate` /
:func:`~liqmap.accuracy.interval_result.evaluate_pooled`. Every cell is ``value [lo, hi]``
(day-block bootstrap 95%); a value that cannot be defined prints as ``n/a`` with the reason in
the legend, never as a silent blank or 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from liqmap.accuracy.interval_result import BASELINES, METHODS, METRICS
from liqmap.accuracy.result import horizon_label

__all__ = [
    "TARGETS",
    "Target",
    "cell",
    "check_targets",
    "diff_table",
    "magnet_table",
    "method_table",
    "skip_text",
]

_NAMES = {
    "spearman": "Spearman",
    "partial_spearman": "partial Spearman given range",
    "partial_log_corr": "partial log corr given range",
    "top_decile_hit": "top-decile hit",
}


def cell(c: dict[str, Any] | None, digits: int = 2) -> str:
    """``0.61 [0.52, 0.70]``; ``n/a`` when undefined."""
    if not c or c.get("value") is None:
        return "n/a"
    v = f"{c['value']:.{digits}f}"
    if c.get("lo") is None or c.get("hi") is None:
        return v
    return f"{v} [{c['lo']:.{digits}f}, {c['hi']:.{digits}f}]"


def skip_text(skipped: dict[str, int]) -> str:
    """``truth_missing (4h) 239, ...`` from the ``reason@horizon_ms`` counters."""
    parts = []
    for k, v in sorted(skipped.items()):
        reason, _, h = k.partition("@")
        parts.append(f"{reason} ({horizon_label(int(h))}) {v}" if h.isdigit() else f"{k} {v}")
    return ", ".join(parts) or "none"


def _md(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def method_table(ev: dict[str, Any], h: int, side: str) -> str:
    """Methods x metrics for one horizon and side, with the $0-predicted shares."""
    s = ev["horizons"][str(h)][side]
    rows = []
    for m in METHODS:
        cells = [
            "(is the control)" if (m == "range" and k == "partial_spearman") else cell(s["methods"][m][k])
            for k in METRICS
        ]  # fmt: skip
        z = s["zero"].get(m)
        zero = f"{_pct(z['hours'])} / {_pct(z['usd'])}" if z else "—"
        rows.append([m, *cells, zero])
    head = ["method", *(_NAMES[k] for k in METRICS), "$0 predicted: hours / USD"]
    return f"n = {s['n']} intervals over {s['days']} days\n\n" + _md(head, rows)


def diff_table(ev: dict[str, Any], h: int, side: str) -> str:
    """Model minus each baseline, per metric (an interval excluding 0 is marked **bold**)."""
    s = ev["horizons"][str(h)][side]
    rows = []
    for b in BASELINES:
        cells = []
        for k in METRICS:
            c = s["diff"][b][k]
            txt = cell(c)
            if c["lo"] is not None and c["hi"] is not None and (c["lo"] > 0 or c["hi"] < 0):
                txt = f"**{txt}**"
            cells.append(txt)
        rows.append([f"model − {b}", *cells])
    return _md(["difference", *(_NAMES[k] for k in METRICS)], rows)


def magnet_table(ev: dict[str, Any]) -> str:
    """Largest cluster within X%: hit rate vs mirror and base rate, per magnet horizon."""
    rows = []
    for h, m in ev["magnet"].items():
        rows.append([
            horizon_label(int(h)), f"{m['n_with_cluster']} / {m['n_times']}", cell(m["hit"]),
            cell(m["mirror"]), cell(m["base"]), cell(m["hit_minus_mirror"]),
            cell(m["hit_minus_base"]),
        ])  # fmt: skip
    head = ["within", "maps with a cluster / maps", "cluster reached", "mirror reached",
            "base rate", "cluster − mirror", "cluster − base"]  # fmt: skip
    return _md(head, rows)


@dataclass(frozen=True, slots=True)
class Target:
    """One target of issue 17 and how it is read off the scores."""

    name: str
    text: str


TARGETS = (
    Target("beats_range", "Spearman: model − range > 0, interval excludes 0"),
    Target("beats_oi_range", "Spearman: model − OI x range > 0, interval excludes 0"),
    Target("partial", "partial Spearman given range >= 0.45"),
    Target("top_decile", "top-decile hit rate >= 0.75"),
    Target("zero", "hours with $0 predicted inside a range that had liquidations <= 20%"),
    Target("bands", "80% bands cover 70-90% of outcomes"),
    Target("notional", "estimated open notional <= OI wherever OI is known"),
)


def _excludes_zero_above(c: dict[str, Any]) -> bool | None:
    if c["lo"] is None:
        return None
    return bool(c["lo"] > 0)


def check_targets(ev: dict[str, Any], h: int, side: str = "all") -> list[tuple[Target, str, bool | None]]:  # fmt: skip
    """``(target, measured text, met?)``; ``None`` = cannot be measured here (says why)."""
    s = ev["horizons"][str(h)][side]
    d, mm = s["diff"], s["methods"]["model"]
    cov = s["band_coverage"]
    zl = ev["horizons"][str(h)]["long"]["zero"]["model"]["hours"]
    zs = ev["horizons"][str(h)]["short"]["zero"]["model"]["hours"]
    zero = None if zl is None or zs is None else max(zl, zs)  # the worse side
    nt = ev["notional"]
    out: list[tuple[Target, str, bool | None]] = [
        (TARGETS[0], cell(d["range"]["spearman"]), _excludes_zero_above(d["range"]["spearman"])),
        (TARGETS[1], cell(d["oi_range"]["spearman"]), _excludes_zero_above(d["oi_range"]["spearman"])),
        (TARGETS[2], cell(mm["partial_spearman"]), None if mm["partial_spearman"]["value"] is None else mm["partial_spearman"]["value"] >= 0.45),
        (TARGETS[3], cell(mm["top_decile_hit"]), None if mm["top_decile_hit"]["value"] is None else mm["top_decile_hit"]["value"] >= 0.75),
        (TARGETS[4], f"long {_pct(zl)} / short {_pct(zs)}", None if zero is None else zero <= 0.20),
        (TARGETS[5], "n/a (the map carries no bands)" if cov is None else _pct(cov), None if cov is None else 0.70 <= cov <= 0.90),
        (TARGETS[6], "n/a (no OI)" if nt["share_above_oi"] is None else f"{_pct(nt['share_above_oi'])} of {nt['with_oi']} maps above OI (median map/OI {nt['median_ratio']:.2f})", None if nt["share_above_oi"] is None else nt["share_above_oi"] == 0.0),
    ]  # fmt: skip
    return out

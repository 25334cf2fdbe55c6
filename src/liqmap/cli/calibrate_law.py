"""``liqmap calibrate --law``: fit the log-normal leverage law (docs/model.md 2.11) and write a
parameter file that ``liqmap map --params FILE`` reads (unknown keys are rejected there)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from liqmap.accuracy.calibrate_leverage import LeverageFit, fit_leverage
from liqmap.cli import console
from liqmap.core.results import iso_ms
from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents
from liqmap.io.atomic import atomic_writer
from liqmap.model_config import EstimatorParams

__all__ = ["LAW_SCHEMA", "recorded_spans", "write_law"]

LAW_SCHEMA = "liqmap.calibration-law/1"


def recorded_spans(
    t0: int, t1: int, outages: tuple[tuple[int, int], ...]
) -> tuple[tuple[int, int], ...]:
    """``[t0, t1]`` minus the tape's outages."""
    spans, a = [], t0
    for o0, o1 in sorted(outages):
        if o1 <= a or o0 >= t1:
            continue
        if o0 > a:
            spans.append((a, o0))
        a = max(a, o1)
    if a < t1:
        spans.append((a, t1))
    return tuple(spans)


def write_law(
    candles: Candles, events: LiquidationEvents, *, t0: int, t1: int,
    outages: tuple[tuple[int, int], ...], venue: Venue, table: MarginTable | None,
    base: EstimatorParams, out: Path, draws: int, provenance: dict[str, Any], as_json: bool,
) -> LeverageFit:  # fmt: skip
    """Fit on ``[t0, t1]`` (bars before ``t0`` warm the model up) and write ``out`` atomically."""
    fit = fit_leverage(
        candles, events, start_ms=t0, end_ms=t1, spans=recorded_spans(t0, t1, outages),
        venue=venue, table=table, base=base, draws=draws,
    )  # fmt: skip
    doc = {
        "schema": LAW_SCHEMA,
        "params": fit.params.to_dict(),
        "fit": fit.to_dict(),
        "fitted_on": {**provenance, "fit_from": iso_ms(t0), "fit_to": iso_ms(t1)},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    with atomic_writer(out) as f:
        f.write(json.dumps(doc, indent=2, allow_nan=False) + "\n")
    if as_json:
        typer.echo(out.read_text(encoding="utf-8").strip())
    else:
        _print(fit, out)
    return fit


def _print(fit: LeverageFit, out: Path) -> None:
    t = Table(title="leverage law (95% day-block bootstrap intervals)", title_justify="left")
    for col in ("parameter", "estimate", "95% interval"):
        t.add_column(col, justify="left" if col == "parameter" else "right")
    rows = (("median leverage", fit.median, fit.median_ci), ("sigma (log)", fit.sigma, fit.sigma_ci),
            ("half-life scale", fit.half_life_scale, fit.half_life_scale_ci))  # fmt: skip
    for name, v, ci in rows:
        t.add_row(name, f"{v:.3g}", f"{ci[0]:.3g} .. {ci[1]:.3g}")
    console.out().print(t)
    p = fit.params
    cells = ", ".join(f"{lev:g}x {w:.1%}" for lev, w in zip(p.leverages, p.weights, strict=True))
    console.out().print(f"cells: {cells}", markup=False)
    console.out().print(
        f"loss {fit.loss:.4f} (base {fit.loss_base:.4f}) on {fit.cells} hour-side cells, "
        f"{fit.days} days; bankruptcy offset {json.dumps(fit.bankruptcy_offset)}",
        markup=False,
    )
    console.out().print(f"wrote [bold]{out}[/]; use it with: liqmap map SYMBOL --params {out}")

"""The options of ``liqmap calibrate``: types with their help (the command's signature stays
one line per option) and :class:`CalibrateArgs`, all of them as one record."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "CalibrateArgs", "Days", "Draws", "Every", "Fit", "From", "Holdout", "Horizons", "Law", "Liquidations",
    "MaxEvals", "MaxPriceDev", "MaxSeconds", "MethodOpt", "Out", "Outage", "Preset", "ReachOpt",
    "Ridge", "Seed", "SimSeed", "TapeShare", "To", "Warmup",
]  # fmt: skip

Out = Annotated[Path, typer.Option("--out", help="Parameter file to write (JSON).")]
Liquidations = Annotated[
    Path | None, typer.Option("--liquidations", help="Observed liquidations (files only).")
]
From = Annotated[str | None, typer.Option("--from", help="First evaluation time (UTC).")]
To = Annotated[str | None, typer.Option("--to", help="Last evaluation time (UTC).")]
Holdout = Annotated[
    str | None, typer.Option("--holdout", help="Fit before this time, score after it.")
]
Warmup = Annotated[
    str, typer.Option("--warmup", help="History fed to the model before the first time.")
]
Every = Annotated[str, typer.Option("--every", help="Time between evaluations.")]
Horizons = Annotated[str, typer.Option("--horizons", help="Comma-separated horizons.")]
ReachOpt = Annotated[
    str, typer.Option("--reach", help="Reach correction: visit, probability or none.")
]
Fit = Annotated[str, typer.Option("--fit", help="Groups to fit.")]
MethodOpt = Annotated[str, typer.Option("--method", help="nelder-mead or differential-evolution.")]
MaxEvals = Annotated[int, typer.Option("--max-evals", help="Objective evaluations.")]
MaxSeconds = Annotated[float, typer.Option("--max-seconds", help="Time budget.")]
Seed = Annotated[int, typer.Option("--seed", help="Seed (differential evolution).")]
Ridge = Annotated[float, typer.Option("--ridge", help="Pull toward the base parameters.")]
TapeShare = Annotated[
    str,
    typer.Option(
        "--tape-share",
        help="Share of all liquidations the tape holds, (0, 1], or 'free' to profile it "
        "(default: 1 for demo, free for files).",
    ),
]
Preset = Annotated[str, typer.Option("--preset", help="Demo market preset.")]
Days = Annotated[float, typer.Option("--days", help="Demo market length (days).")]
SimSeed = Annotated[int, typer.Option("--sim-seed", help="Demo market seed.")]
MaxPriceDev = Annotated[
    float, typer.Option("--max-price-dev", help="Drop events this far (%) outside their bar.")
]
Outage = Annotated[
    str, typer.Option("--outage", help="A tape silent this long was down (0 = never).")
]
Law = Annotated[
    bool,
    typer.Option("--law", help="Fit the log-normal leverage law (median, sigma) instead."),
]
Draws = Annotated[int, typer.Option("--draws", help="Bootstrap refits (--law).")]


@dataclass(frozen=True, slots=True)
class CalibrateArgs:
    """Every option of ``liqmap calibrate``, by the command's parameter names."""

    symbol: str
    out: Path
    source: str
    oi: Path | None
    flow: Path | None
    liquidations: Path | None
    start: str | None
    end: str | None
    holdout: str | None
    warmup: str
    every: str
    horizons: str
    reach: str
    fit: str
    method: str
    max_evals: int
    max_seconds: float
    seed: int
    ridge: float
    tape_share: str
    exchange: str
    brackets: Path | None
    leverage: str | None
    params: Path | None
    preset: str
    days: float
    sim_seed: int
    max_price_dev: float
    outage: str
    as_json: bool
    law: bool
    draws: int

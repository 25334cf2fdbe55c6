"""Options and helpers shared by ``liqmap cascade`` and ``liqmap plan``: depth and impact
models, the map of a request, where its data came from, ``--out`` handling."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Annotated

import typer

from liqmap import api
from liqmap.cli.options import MapRequest
from liqmap.core.depth import DepthProfile
from liqmap.core.depth_models import default_depth_name, depth_model
from liqmap.core.impact import ImpactModel, impact_from_bars
from liqmap.core.results import LiquidationMap
from liqmap.errors import ParameterError

__all__ = [
    "DepthModelOpt",
    "DepthOpt",
    "DepthScaleOpt",
    "ModelOpt",
    "check_out",
    "impact_for",
    "map_for",
    "parse_shock",
    "parse_usd",
    "resolve_depth",
    "source_of",
    "write_chart_or_json",
]

DepthOpt = Annotated[
    Path | None,
    typer.Option(
        "--depth",
        help="Order-book file: Binance depth recording (snapshot + diffs), REST depth JSON, "
        "bookDepth CSV, or Hyperliquid l2Book recording.",
    ),
]
DepthModelOpt = Annotated[
    str | None,
    typer.Option(
        "--depth-model",
        help="btc, eth, power:USD_AT_1PCT,EXPONENT (e.g. power:100M,1); with --depth: book "
        "(default) or power (the law fitted to the file).",
    ),
]
DepthScaleOpt = Annotated[
    float,
    typer.Option(
        "--depth-scale",
        help="Multiply every USD of book depth, and the market's volume for the impact law "
        "(sensitivity).",
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="impact (the fitted square-root law with the market's volatility and volume; the "
        "default) or book (the instant order book with no refill: an upper bound; the default "
        "with --depth/--depth-model).",
    ),
]
_USD = re.compile(r"^\s*([-+]?[0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*([kmb]?)\s*$", re.IGNORECASE)


MAX_USD = 1e12


def parse_usd(text: str, *, name: str) -> float:
    """``'5M'`` -> 5e6, ``'-250k'`` -> -2.5e5, ``'1e7'`` -> 1e7; at most :data:`MAX_USD` in
    magnitude (larger sizes overflow the depth integrals and mean nothing on any market)."""
    m = _USD.match(text)
    if not m:
        raise ParameterError(f"{name}: cannot read {text!r}; write USD like 5M, 250k, -2.5e6")
    v = float(m.group(1)) * {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9}[m.group(2).lower()]
    if not (math.isfinite(v) and abs(v) <= MAX_USD):
        raise ParameterError(
            f"{name}: {text!r} must be at most 1T USD in size (1e12); no market is that deep"
        )
    return v


def parse_shock(text: str) -> float:
    """``'-2%'`` or ``'-2'`` -> -2.0 (percent)."""
    t = text.strip().removesuffix("%")
    try:
        v = float(t)
    except ValueError:
        raise ParameterError(
            f"--shock: cannot read {text!r}; write a percent like -2% or 1.5%"
        ) from None
    if not (math.isfinite(v) and -100.0 < v <= 1000.0):
        raise ParameterError(f"--shock: {text!r} must be a percent above -100%")
    return v


def resolve_depth(
    symbol: str, depth: Path | None, model: str | None, scale: float = 1.0
) -> DepthProfile:
    """The depth profile the options ask for (file, named model, or the symbol's default)."""
    from liqmap.io.orderbook import load_depth

    if not (math.isfinite(scale) and scale > 0):
        raise ParameterError(f"--depth-scale must be > 0, got {scale}")
    if depth is not None:
        kind = (model or "book").lower()
        if kind not in ("book", "power"):
            raise ParameterError(f"with --depth, --depth-model is 'book' or 'power', got {model!r}")
        prof = load_depth(depth, model="power" if kind == "power" else "book")
    elif model is not None:
        prof = depth_model(model)
    else:
        name = default_depth_name(symbol)
        if name is None:
            raise ParameterError(
                f"no shipped depth model for {symbol}; pass --depth with an order-book file or "
                "--depth-model power:USD_AT_1PCT,EXPONENT"
            )
        prof = depth_model(name)
    return prof if scale == 1.0 else prof.scaled(scale)


def map_for(req: MapRequest) -> LiquidationMap:
    """The map of a request (same options and sources as ``liqmap map``, multi-venue too)."""
    return req.estimate()


def source_of(req: MapRequest, source: str) -> tuple[str, bool]:
    """(what the map was built from, whether that market is simulated)."""
    simulated = source == api.DEMO or req.data.simulation is not None
    if source == api.DEMO:
        return "demo: the built-in SIMULATED market (not real data)", True
    if source == "exchange":
        return f"{req.exchange} exchange data (local store)", simulated
    return req.data.source or source, simulated


def impact_for(req: MapRequest, m: LiquidationMap, scale: float) -> ImpactModel:
    """The impact model from the request's bars at the map's time (``--depth-scale`` scales the
    market's volume: ``x2`` = twice as liquid)."""
    try:
        imp = impact_from_bars(req.data.candles, m.as_of_ms)
    except ParameterError as e:
        raise ParameterError(
            f"{e}; or use --model book (the instant book with no refill: an upper bound)"
        ) from None
    return imp if scale == 1.0 else imp.scaled(scale)


def check_out(out: Path | None) -> None:
    """Refuse an ``--out`` suffix we cannot write before any work is done."""
    if out is not None and out.suffix.lower() not in (".png", ".html", ".json"):
        raise ParameterError(f"--out: use a .png, .html or .json file, got {out.name!r}")


def write_chart_or_json(out: Path, chart: object, data: dict[str, object]) -> None:
    """``--out``: .png/.html draw ``chart()``; .json writes ``data``."""
    from liqmap.io.atomic import write_atomic

    check_out(out)
    if out.suffix.lower() == ".json":
        write_atomic(out, json.dumps(data, allow_nan=False))
    elif callable(chart):
        chart()

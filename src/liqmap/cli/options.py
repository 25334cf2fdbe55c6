"""Options shared by the map-like commands (map, heatmap, levels) and their resolution."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from liqmap import api
from liqmap.config import EstimatorParams
from liqmap.core.maps import DEFAULT_BINS

__all__ = [
    "AtOpt",
    "BinsOpt",
    "BracketsOpt",
    "ExchangeOpt",
    "FlowOpt",
    "JsonOpt",
    "LeverageOpt",
    "LiqOpt",
    "MapRequest",
    "OiOpt",
    "OutOpt",
    "ParamsOpt",
    "RangeOpt",
    "SourceOpt",
    "SymbolArg",
    "WindowOpt",
]

SymbolArg = Annotated[str, typer.Argument(help="Symbol, e.g. BTCUSDT.")]
SourceOpt = Annotated[
    str, typer.Option("--source", help="'demo' (built-in simulated market) or a bars file path.")
]
OiOpt = Annotated[Path | None, typer.Option("--oi", help="Open-interest file (levels or changes).")]
FlowOpt = Annotated[
    Path | None,
    typer.Option("--flow", help="Per-minute taker buy/sell + OI-change file (recorder layout)."),
]
LiqOpt = Annotated[
    Path | None,
    typer.Option("--liquidations", help="Observed liquidation events to subtract from levels."),
]
WindowOpt = Annotated[
    str, typer.Option("--window", help="Look-back window: 12h, 24h, 3d, 7d, 30d (or N m/h/d/w).")
]
AtOpt = Annotated[
    str | None,
    typer.Option(
        "--at", help="Evaluate as of this UTC time (ISO or epoch ms); uses earlier data only."
    ),
]
BinsOpt = Annotated[int, typer.Option("--bins", help="Number of price bins (10..20000).")]
RangeOpt = Annotated[
    float | None,
    typer.Option("--range", help="Half-width of the price range in % (default: fits all tiers)."),
]
ExchangeOpt = Annotated[
    str, typer.Option("--exchange", help="binance, binance-coinm, bybit, okx, hyperliquid.")
]
LeverageOpt = Annotated[
    str | None,
    typer.Option("--leverage", help="Leverage mix, e.g. '10:0.3,25:0.3,50:0.25,100:0.15'."),
]
BracketsOpt = Annotated[
    Path | None,
    typer.Option(
        "--brackets", help="Bracket table JSON (Binance leverageBracket or liqmap layout)."
    ),
]
ParamsOpt = Annotated[
    Path | None, typer.Option("--params", help="Estimator parameter file (JSON).")
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Write the result: .png, .html, .json or .csv.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]


@dataclass(frozen=True, slots=True)
class MapRequest:
    """Everything a map-like command needs, resolved from its options."""

    data: api.MarketData
    params: EstimatorParams
    window: str
    at: str | None
    exchange: str
    brackets: Path | None
    bins: int = DEFAULT_BINS
    range_pct: float | None = None

    @classmethod
    def build(
        cls,
        symbol: str,
        *,
        source: str,
        oi: Path | None,
        flow: Path | None,
        liquidations: Path | None,
        window: str,
        at: str | None,
        exchange: str,
        brackets: Path | None,
        leverage: str | None,
        params: Path | None,
        bins: int,
        range_pct: float | None,
    ) -> MapRequest:
        """Resolve options (parameters and window first, so bad flags fail before loading)."""
        from liqmap.timeutil import parse_duration_ms

        p = api.resolve_params(params_file=params, leverage=leverage)
        days = parse_duration_ms(window) / 86_400_000 + 1.0
        data = api.load_market(
            symbol, source, oi=oi, flow=flow, liquidations=liquidations,
            demo_days=max(days, 7.0) if source == api.DEMO else None,
        )  # fmt: skip
        return cls(data, p, window, at, exchange, brackets, bins, range_pct)

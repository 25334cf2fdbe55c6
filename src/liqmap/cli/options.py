"""Options shared by the map-like commands (map, heatmap, levels) and their resolution."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from liqmap.domain.enums import Venue

if TYPE_CHECKING:  # the library loads when a command runs, not when its options are declared
    from liqmap import api
    from liqmap.core.results import LiquidationMap
    from liqmap.model_config import EstimatorParams

#: ``liqmap.core.maps.DEFAULT_BINS`` (a test keeps them equal; importing it loads the estimator).
DEFAULT_BINS = 400

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
    "MarkOpt",
    "OfflineOpt",
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
    str,
    typer.Option(
        "--source",
        help="'exchange' (the local store, synced from the exchange's public API first), 'demo' "
        "(built-in simulated market) or a bars file path.",
    ),
]
OfflineOpt = Annotated[
    bool,
    typer.Option(
        "--offline", help="With --source exchange: use stored data only; say what is missing."
    ),
]
OiOpt = Annotated[Path | None, typer.Option("--oi", help="Open-interest file (levels or changes).")]
MarkOpt = Annotated[
    Path | None,
    typer.Option("--mark", help="Mark-price bars file: levels are crossed on mark, as venues do."),
]
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
    str,
    typer.Option(
        "--exchange",
        help="binance, binance-coinm, bybit, okx, hyperliquid; several (binance,bybit,okx) or "
        "'all' for a combined multi-venue map.",
    ),
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
    """Everything a map-like command needs, resolved from its options.

    With several venues (``--exchange binance,bybit`` or ``all``) ``markets`` holds each venue's
    data; ``--source``, ``--oi``, ``--flow``, ``--liquidations`` and ``--brackets`` then take either
    one value for every venue or ``VENUE=PATH`` pairs.
    """

    data: api.MarketData
    params: EstimatorParams
    window: str
    at: str | None
    exchange: str
    brackets: Path | None
    bins: int = DEFAULT_BINS
    range_pct: float | None = None
    markets: dict[Venue, api.MarketData] | None = None

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
        offline: bool = False,
        extra_history_ms: int = 0,
        mark: Path | None = None,
    ) -> MapRequest:
        """Resolve options (parameters and window first, so bad flags fail before loading).

        ``extra_history_ms``: history needed before the window (a heatmap's warm-up).
        """
        from liqmap import api
        from liqmap.services.market import MarketQuery, query_markets
        from liqmap.timeutil import parse_duration_ms, parse_time_ms

        p = api.resolve_params(params_file=params, leverage=leverage)
        venues = api.parse_exchanges(exchange)
        query = MarketQuery(
            symbol, venues, source, window_ms=parse_duration_ms(window) + extra_history_ms,
            at_ms=parse_time_ms(at) if at else None, offline=offline, oi=oi, flow=flow,
            liquidations=liquidations, mark=mark,
            demo_days=max(parse_duration_ms(window) / 86_400_000 + 1.0, 7.0),
        )  # fmt: skip
        markets = query_markets(query)
        first = next(iter(markets.values()))
        if len(venues) == 1:
            return cls(first, p, window, at, venues[0].value, brackets, bins, range_pct)
        return cls(first, p, window, at, exchange, brackets, bins, range_pct, markets)

    def brackets_by_venue(self) -> dict[Venue, str | None]:
        """``--brackets`` per venue (multi-venue requests)."""
        venues = tuple(self.markets or ())
        from liqmap import api

        return api.per_venue(self.brackets, venues)

    def estimate(self) -> LiquidationMap:
        """The map of this request: one venue's, or the venues' combined map."""
        from liqmap import api

        if self.markets is not None:
            return api.estimate_multi_map(
                self.markets, window=self.window, at=self.at, brackets=self.brackets_by_venue(),
                params=self.params, bins=self.bins, range_pct=self.range_pct,
            )  # fmt: skip
        return api.estimate_map(
            self.data, window=self.window, at=self.at, exchange=self.exchange,
            brackets=self.brackets, params=self.params, bins=self.bins, range_pct=self.range_pct,
        )  # fmt: skip

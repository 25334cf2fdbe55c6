"""Response shapes for the OpenAPI schema (documentation and contract tests only: bodies are the
``to_dict`` layouts of docs/json.md, serialised once and cached, never re-validated per request).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ErrorOut",
    "FigureOut",
    "HealthOut",
    "HeatmapOut",
    "LevelsOut",
    "LiqPriceOut",
    "MapOut",
    "SymbolsOut",
]

Usd = float
ByTier = dict[str, float]


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class WindowOut(_Model):
    label: str = Field(description="e.g. 24h")
    start_ms: int
    end_ms: int = Field(description="= as_of_ms")


class TotalsOut(_Model):
    long_usd: Usd
    short_usd: Usd
    out_of_range_long_usd: Usd
    out_of_range_short_usd: Usd


class BinOut(_Model):
    price_low: float
    price_high: float
    long_usd: Usd
    short_usd: Usd
    long_usd_by_tier: ByTier = Field(description='{"25x": usd, ...} keyed by the labels in tiers')
    short_usd_by_tier: ByTier
    cum_long_usd: Usd = Field(description="long USD met when price falls to this bin")
    cum_short_usd: Usd = Field(description="short USD met when price rises to this bin")


class ClusterOut(_Model):
    rank: int
    side: Literal["long", "short"]
    price: float = Field(description="USD-weighted centre")
    price_low: float
    price_high: float
    usd: Usd
    usd_by_tier: ByTier
    distance_pct: float = Field(description="signed, negative below price")
    share_of_side: float
    score: float


class GapOut(_Model):
    start_ms: int
    end_ms: int
    missing: int


class CoverageOut(_Model):
    bars: int
    expected_bars: int
    fraction: float
    gaps: list[GapOut]
    oi_source: Literal["level", "change", "none"]
    taker_flow: bool
    liquidation_events: int


class FreshOut(_Model):
    """The flow behind ``LiquidationMap.usd_if``'s fresh positions (docs/model.md 2.17)."""

    rate_usd_per_hour: Usd
    source: Literal["volume", "turnover"]


class LevelsOut(_Model):
    """``liqmap levels --json``: the map layout restricted to its key levels."""

    schema_: Literal["liqmap.map/1"] = Field(alias="schema")
    symbol: str
    exchange: str
    price: float = Field(description="current price: close of the last bar used")
    as_of_ms: int
    as_of: str
    window: WindowOut
    tiers: list[str]
    clusters: list[ClusterOut]
    reading: str = Field(description="plain-language reading derived from the numbers")


class MapOut(LevelsOut):
    """``liqmap map --json`` (docs/json.md, map layout). Money in USD, times in epoch ms."""

    totals: TotalsOut
    bins: list[BinOut]
    coverage: CoverageOut
    params: dict[str, Any]
    notes: list[str]
    fresh: FreshOut | None = None


class PricePathOut(_Model):
    ts_ms: list[int]
    open: list[float]
    high: list[float]
    low: list[float]
    close: list[float]


class EventsOut(_Model):
    ts_ms: list[int]
    price: list[float]
    usd: list[Usd]
    side: list[Literal["long", "short"]]


class HeatmapWindowOut(_Model):
    label: str


class HeatmapOut(_Model):
    """``liqmap heatmap --json`` (docs/json.md, heatmap layout): rows are times, columns bins."""

    schema_: Literal["liqmap.heatmap/1"] = Field(alias="schema")
    symbol: str
    exchange: str
    window: HeatmapWindowOut
    tiers: list[str]
    ts_ms: list[int]
    edges: list[float]
    long_usd: list[list[Usd]]
    short_usd: list[list[Usd]]
    price_path: PricePathOut
    events: EventsOut
    coverage: CoverageOut
    params: dict[str, Any]
    notes: list[str]


class TableOut(_Model):
    symbol: str
    venue: str
    as_of: str
    source: str
    file: str | None


class LiqPriceOut(_Model):
    """``liqmap liqprice --json``: exact isolated-margin liquidation price (null = never)."""

    exchange: str
    symbol: str
    side: Literal["long", "short"]
    entry: float
    leverage: float
    notional: float
    quantity: float
    contracts: float | None
    margin: float
    margin_currency: str
    maintenance_margin: float
    taker_fee_rate: float
    liquidation_price: float | None
    distance_pct: float | None
    bracket: int
    maint_margin_ratio: float
    maint_amount: float
    max_leverage: float
    bracket_floor: float
    bracket_cap: float | None
    table: TableOut


class SourceOut(_Model):
    name: str = Field(description="value for the source parameter")
    kind: Literal["demo", "store", "file"]
    exchange: str = Field(description="default margin rules")
    symbols: list[str]
    live: bool = Field(description="new data arrives while serving")


class DefaultsOut(_Model):
    source: str
    symbol: str
    window: str


class PageOut(_Model):
    heatmap_bins: int = Field(description="bins of the dashboard's heatmap")
    heatmap_columns: int = Field(description="time columns of the dashboard's heatmap")


class SymbolsOut(_Model):
    sources: list[SourceOut]
    windows: list[str]
    exchanges: list[str]
    defaults: DefaultsOut
    page: PageOut
    depth_models: list[str] = Field(description="names depth_model accepts (and power:USD,EXP)")
    depth_defaults: dict[str, str] = Field(
        description="symbol -> the depth model used when depth_model is not given"
    )


class HealthOut(_Model):
    status: Literal["ok"]
    version: str
    sources: list[str]
    store: bool
    alerts: bool
    alert_deliveries: dict[str, Any] | None = Field(
        None,
        description="Background webhook deliveries per webhook (queued, in_flight, "
        "delivered, failed, duplicates, dropped) and the total dropped; null without alerts",
    )
    live_clients: int
    demo_speed: float
    caches: dict[str, dict[str, int]]
    load: dict[str, float] = Field(
        default_factory=dict,
        description="Build slots, queue, served and shed (503) counts, "
        "and how many remembered requests the last live update rebuilt",
    )


class FigureOut(_Model):
    """A plotly figure (``Plotly.react(div, data, layout)``)."""

    data: list[dict[str, Any]]
    layout: dict[str, Any]


class ErrorItem(_Model):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(_Model):
    """422: ``message`` names the field and says what is accepted."""

    message: str
    detail: list[ErrorItem]

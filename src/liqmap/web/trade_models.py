"""Response shapes of ``/cascade`` and ``/plan`` for the OpenAPI schema (documentation and
contract tests only; bodies are ``CascadeResult.to_dict()`` and ``Plan.to_dict()``, docs/json.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from liqmap.web.models import ByTier, Usd

__all__ = ["CascadeOut", "PlanOut"]


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class StepOut(_Model):
    step: int = Field(description="0 = the shock; above 500 rounds, the last of merged rounds")
    price: float = Field(description="price reached")
    move_pct: float = Field(description="signed move from the start price")
    long_usd: Usd = Field(description="long positions force-closed in this round")
    short_usd: Usd
    flow_usd: Usd = Field(description="cumulative market flow (shock + forced orders)")


class DepthSideOut(_Model):
    usd_1pct: Usd = Field(description="USD of book within 1% of mid")
    exponent: float
    r2: float | None
    known_to_pct: float = Field(description="distance the book itself covers (0 for a law)")
    usd_within: dict[str, Usd] = Field(description='{"0.1%": usd, ...}')


class DepthOut(_Model):
    schema_: Literal["liqmap.depth/1"] = Field(alias="schema")
    kind: Literal["book", "power"]
    source: str = Field(description="where the depth comes from (dated)")
    mid: float | None
    ts_ms: int | None
    bid: DepthSideOut = Field(description="absorbs sells (falls)")
    ask: DepthSideOut = Field(description="absorbs buys (rises)")


class CascadeOut(_Model):
    """``liqmap cascade --json`` (docs/json.md): rounds of forced orders walking the book."""

    schema_: Literal["liqmap.cascade/1"] = Field(alias="schema")
    symbol: str
    as_of_ms: int
    as_of: str
    start_price: float = Field(description="the map's price")
    direction: Literal["down", "up"]
    shock_pct: float = Field(description="the shock in percent (an order's own move)")
    order_usd: Usd | None = Field(description="the market order, null for a price shock")
    shock_price: float
    pin_price: float = Field(description="the wick's extreme")
    pin_move_pct: float
    final_price: float = Field(description="after the wick partly reverts")
    final_move_pct: float
    amplification: float | None = Field(description="final move / shock move")
    pin_amplification: float | None
    total_liquidated_usd: Usd
    total_long_usd: Usd
    total_short_usd: Usd
    liquidated_by_tier: ByTier
    n_steps: int
    stop_reason: Literal["no_shock", "absorbed", "map_edge", "book_exhausted", "max_steps"]
    stop_text: str
    permanent_fraction: float
    steps: list[StepOut]
    steps_merged: bool
    depth: DepthOut
    notes: list[str]


class LevelRefOut(_Model):
    side: Literal["long", "short"]
    price: float
    price_low: float
    price_high: float
    usd: Usd
    distance_pct: float = Field(description="from entry, signed")
    tiers: ByTier


class StopOut(_Model):
    price: float
    distance_pct: float
    buffer_pct: float = Field(description="beyond the edge, from the recent range (ATR)")
    basis: Literal["cluster", "cascade_pin", "range"]
    cluster: LevelRefOut | None = Field(description="the nearest adverse cluster")
    wick_pin: float | None = Field(description="pin of the cascade into that cluster")
    inside: LevelRefOut | None = Field(description="a cluster the stop sits inside")


class TakeProfitOut(_Model):
    price: float
    distance_pct: float
    reward_risk: float | None
    cluster: LevelRefOut


class BreakoutZoneOut(_Model):
    price_low: float
    price_high: float
    width_pct: float
    usd: Usd
    density_ratio: float | None = Field(description="USD density / the thinner neighbour's")
    where: Literal["below", "above", "around"]
    lower: LevelRefOut
    upper: LevelRefOut


class ForcedLevelOut(_Model):
    cluster: LevelRefOut
    usd: Usd = Field(description="USD expected to fill there")


class ExecutionOut(_Model):
    size_usd: Usd
    market_slippage_bps: float | None = Field(description="market order on the book alone")
    market_end_price: float | None
    forced_levels: list[ForcedLevelOut]
    passive_usd: Usd
    remainder_usd: Usd
    remainder_slippage_bps: float | None
    blended_slippage_bps: float | None = Field(description="with forced-flow liquidity")
    capture_share: float


class PlanOut(_Model):
    """``liqmap plan --json`` (docs/json.md): decision support, not advice."""

    schema_: Literal["liqmap.plan/1"] = Field(alias="schema")
    symbol: str
    as_of_ms: int
    as_of: str
    side: Literal["long", "short"]
    entry: float
    price: float = Field(description="the map's price")
    atr_pct: float = Field(description="recent range (ATR) in percent")
    stop: StopOut
    take_profits: list[TakeProfitOut]
    breakout_zones: list[BreakoutZoneOut]
    execution: ExecutionOut | None = Field(description="null without size_usd")
    warnings: list[str]
    depth_source: str | None
    config: dict[str, float] = Field(description="the rule parameters (PlanConfig)")
    disclaimer: str

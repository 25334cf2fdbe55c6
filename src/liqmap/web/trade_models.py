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


class ImpactFitOut(_Model):
    y: float = Field(description="fitted square-root-law coefficient Y")
    delta: float = Field(description="impact exponent (1/2)")
    log_y_sd: float = Field(description="spread of ln Y the draws use")
    delta_sd: float
    corr: float
    half_life_s: float = Field(description="the book's depth refill half-life (s)")
    n_windows: int
    source: str


class ImpactOut(_Model):
    schema_: Literal["liqmap.impact/1"] = Field(alias="schema")
    law: str
    sigma_daily: float = Field(description="daily volatility of the bars before the map")
    volume_usd_daily: Usd = Field(description="daily USD volume of the bars before the map")
    usd_for_1pct: Usd = Field(description="forced USD that moves price 1%")
    source: str
    fit: ImpactFitOut


class Quantiles(_Model):
    p10: float
    p25: float
    p50: float
    p75: float
    p90: float


class OutcomesOut(_Model):
    schema_: Literal["liqmap.cascade_outcomes/1"] = Field(alias="schema")
    n_draws: int
    shock_pct: float
    liquidated_usd: Quantiles
    pin_move_pct: Quantiles
    final_move_pct: Quantiles
    p_pin_extends: dict[str, float] = Field(description='{"2x": P(wick >= 2 x shock), ...}')
    p_final_extends: dict[str, float]
    band_source: str = Field(description="the map uncertainty drawn")
    fresh_usd: Quantiles = Field(description="positions opened and liquidated on the way")
    total_usd: Quantiles = Field(description="levels + fresh positions, per draw")
    horizon_ms: int = Field(description="the fresh positions' window")


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
    stop_reason: Literal[
        "no_shock", "absorbed", "map_edge", "book_exhausted", "max_steps", "notional_cap"
    ]
    stop_text: str
    permanent_fraction: float
    steps: list[StepOut]
    steps_merged: bool
    model: Literal["impact", "book"] = Field(description="impact law or instant book")
    depth: DepthOut | None = Field(description="the book (model book)")
    impact: ImpactOut | None = Field(description="the impact law (model impact)")
    notes: list[str]
    outcomes: OutcomesOut | None = Field(description="the distribution over draws (draws > 0)")
    data_source: str = Field(description="what the map was built from")
    simulated: bool = Field(description="true on the simulated demo market")


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
    inside: LevelRefOut | None = Field(description="always null: stops are moved out")
    moved_past: list[LevelRefOut] = Field(description="clusters the stop was moved beyond")
    within_risk: bool = Field(description="false: no stop within the allowed risk exists")
    allowed_risk_pct: float | None


class TakeProfitOut(_Model):
    price: float
    distance_pct: float
    reward_risk: float | None
    cluster: LevelRefOut
    meets_min_rr: bool = Field(description="reward/risk >= config.min_reward_risk")


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
    low_rr_targets: list[TakeProfitOut] = Field(description="targets skipped below min R")
    warnings: list[str]
    depth_source: str | None
    impact_source: str | None
    data_source: str = Field(description="what the map was built from")
    simulated: bool = Field(description="true on the simulated demo market")
    config: dict[str, float] = Field(description="the rule parameters (PlanConfig)")
    disclaimer: str

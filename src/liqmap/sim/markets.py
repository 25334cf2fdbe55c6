"""The demo's markets: each symbol simulates its own market (price, sizes, activity, seed).

BTCUSDT and ETHUSDT (the symbols with shipped Binance bracket tables) differ as the real markets
do, in round numbers (order of magnitude from Binance USD-M, early 2026): ETH trades near a
twentieth of BTC's price, its open interest and traded volume are roughly half of BTC's, its book
is thinner and its moves are larger. Each symbol also adds its own offset to the seed, so the two
never share a price path (``--seed`` still reproduces both; BTC's offset is 0).

Single positions are capped at about 2% of the demo market's open interest
(``max_notional_usd``): with the simulator's default cap ($5M, a quarter of the demo's ~$20M of
OI) one whale opening or closing moved OI by 10-15% within a minute, and since the estimator
scales every level with OI, the heatmap showed whole-column seams at those minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from liqmap.errors import UnknownSymbolError
from liqmap.sim.config import SimConfig

__all__ = ["DEMO_MARKETS", "DemoMarket", "demo_base", "demo_config"]


@dataclass(frozen=True, slots=True)
class DemoMarket:
    """What sets one demo symbol's market apart (fields of :class:`SimConfig`)."""

    start_price: float
    notional_median_usd: float
    arrivals_per_minute: float
    volatility_pct: float
    depth_usd_per_pct: float
    noise_volume_usd_per_minute: float
    seed_offset: int
    max_notional_usd: float


DEMO_MARKETS: dict[str, DemoMarket] = {
    "BTC": DemoMarket(
        start_price=60_000.0, notional_median_usd=2_500.0, arrivals_per_minute=4.0,
        volatility_pct=0.045, depth_usd_per_pct=3_000_000.0, noise_volume_usd_per_minute=700_000.0,
        seed_offset=0, max_notional_usd=400_000.0,
    ),
    "ETH": DemoMarket(
        start_price=2_500.0, notional_median_usd=1_600.0, arrivals_per_minute=3.2,
        volatility_pct=0.06, depth_usd_per_pct=1_400_000.0, noise_volume_usd_per_minute=380_000.0,
        seed_offset=1_009, max_notional_usd=200_000.0,
    ),
}  # fmt: skip


def demo_base(symbol: str) -> str:
    """``'ETHUSDT' -> 'ETH'``; raises :class:`UnknownSymbolError` for symbols the demo lacks."""
    base = symbol.upper().removesuffix("USDT").removesuffix("USD").split("-")[0]
    if base not in DEMO_MARKETS:
        raise UnknownSymbolError(
            f"the demo market simulates {', '.join(k + 'USDT' for k in DEMO_MARKETS)} (the "
            f"symbols with shipped Binance bracket tables), not {symbol!r}"
        )
    return base


def demo_config(symbol: str, *, seed: int | None = None, days: float | None = None) -> SimConfig:
    """The simulator config of ``symbol``'s demo market (mixed regime)."""
    market = DEMO_MARKETS[demo_base(symbol)]
    base = SimConfig.preset("mixed")
    cfg = replace(
        base,
        symbol=symbol.upper(),
        seed=(base.seed if seed is None else seed) + market.seed_offset,
        start_price=market.start_price,
        notional_median_usd=market.notional_median_usd,
        arrivals_per_minute=market.arrivals_per_minute,
        volatility_pct=market.volatility_pct,
        depth_usd_per_pct=market.depth_usd_per_pct,
        noise_volume_usd_per_minute=market.noise_volume_usd_per_minute,
        max_notional_usd=market.max_notional_usd,
    )
    return cfg if days is None else replace(cfg, duration_minutes=round(days * 1440))

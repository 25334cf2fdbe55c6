"""OKX wire structs -> liqmap records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.domain.market import LiquidationEvents, OpenInterest
from liqmap.errors import ExchangeClientError, RateLimitError, UnknownSymbolError
from liqmap.exchanges._wire import num
from liqmap.exchanges.okx.schemas import (
    OkxLiquidation,
    OkxLongShortRow,
    OkxOpenInterestRow,
    OkxPositionTier,
    OkxResponse,
    OkxTakerVolumeRow,
)
from liqmap.exchanges.records import LongShortRatios, TakerFlow

__all__ = [
    "check",
    "parse_liquidations",
    "parse_long_short",
    "parse_open_interest",
    "parse_position_tiers",
    "parse_taker",
]

RATE_LIMIT_CODES = {"50011", "50061"}
UNKNOWN_SYMBOL_CODES = {"51001", "51000"}


def check(resp: OkxResponse[object], url: str) -> None:
    """Raise for ``code != "0"`` (50011: rate limit, retried; 51001: unknown instrument)."""
    if resp.code == "0":
        return
    msg = f"okx answered code {resp.code} ({resp.msg}) at {url}"
    if resp.code in RATE_LIMIT_CODES:
        raise RateLimitError(msg + "; slowing down", url=url, retry_after_s=1.0)
    if resp.code in UNKNOWN_SYMBOL_CODES:
        raise UnknownSymbolError(msg + "; check the symbol, e.g. BTC-USDT-SWAP or BTCUSDT")
    raise ExchangeClientError(msg, url=url)


def _ts(stamps: Sequence[str]) -> np.ndarray:
    return np.array([int(num(t, "ts", "okx")) for t in stamps], dtype=np.int64)


def parse_open_interest(rows: Sequence[OkxOpenInterestRow], *, source: str = "") -> OpenInterest:
    """``oiUsd`` levels, oldest first."""
    ts = _ts([r.ts for r in rows])
    usd = np.array([num(r.oiUsd, "oiUsd", "okx") for r in rows])
    o = np.argsort(ts, kind="stable")
    return OpenInterest(ts[o], usd[o], "level", source)


def parse_taker(
    rows: Sequence[OkxTakerVolumeRow], *, interval_ms: int, source: str = ""
) -> TakerFlow:
    """Taker buy / sell volume (``unit=0``: base coin), oldest first."""
    ts = _ts([r.ts for r in rows])
    buy = np.array([num(r.buyVol, "buyVol", "okx") for r in rows])
    sell = np.array([num(r.sellVol, "sellVol", "okx") for r in rows])
    o = np.argsort(ts, kind="stable")
    return TakerFlow(ts[o], buy[o], sell[o], interval_ms, source)


def parse_long_short(rows: Sequence[OkxLongShortRow], *, source: str = "") -> LongShortRatios:
    """Long/short account ratio, oldest first."""
    ts = _ts([r.ts for r in rows])
    r = np.array([num(x.longShortAcctRatio, "longShortAcctRatio", "okx") for x in rows])
    o = np.argsort(ts, kind="stable")
    return LongShortRatios(ts[o], r[o], "accounts", source)


def parse_position_tiers(
    rows: Sequence[OkxPositionTier], *, symbol: str, usd_per_contract: float, source: str
) -> MarginTable:
    """Tiers in contracts -> a USD(T) :class:`MarginTable`.

    ``usd_per_contract = ctVal x mark price`` converts sizes. The maintenance amount is 0 in
    every tier: OKX applies the tier's rate to the **whole** position ("maintenance margin =
    position size x mark price x maintenance margin ratio of the tier the position is in",
    https://www.okx.com/help/v-tiered-maintenance-margin-ratio-rules), with no Binance-style
    deduction (``docs/model.md`` section 1.5).
    """
    ordered = sorted(rows, key=lambda r: int(num(r.tier, "tier", "okx")))
    if not ordered:
        raise UnknownSymbolError(f"okx has no position tiers for {symbol!r}")
    tiers: list[MarginTier] = []
    floor = 0.0
    for i, r in enumerate(ordered, start=1):
        mmr = num(r.mmr, "mmr", "okx")
        cap = num(r.maxSz, "maxSz", "okx") * usd_per_contract
        tiers.append(MarginTier(i, floor, cap, mmr, 0.0, num(r.maxLever, "maxLever", "okx")))
        floor = cap
    today = datetime.now(UTC).date().isoformat()
    return MarginTable(symbol, "okx", tuple(tiers), as_of=today, source=source)


def parse_liquidations(
    items: Sequence[OkxLiquidation], *, inst_id: str, ct_val: float, source: str = ""
) -> LiquidationEvents:
    """Filled liquidations of one instrument, oldest first; USD = ``sz x ctVal x bkPx``."""
    ts: list[int] = []
    side: list[int] = []
    px: list[float] = []
    qty: list[float] = []
    for it in items:
        if it.instId and it.instId != inst_id:
            continue
        for d in it.details:
            pos = d.posSide.lower()
            long_closed = pos == "long" or (
                pos not in ("long", "short") and d.side.lower() == "sell"
            )
            ts.append(int(num(d.ts, "ts", "okx")))
            side.append(1 if long_closed else -1)
            px.append(num(d.bkPx, "bkPx", "okx"))
            qty.append(num(d.sz, "sz", "okx") * ct_val)
    t = np.array(ts, dtype=np.int64)
    o = np.argsort(t, kind="stable")
    p, q = np.array(px)[o], np.array(qty)[o]
    return LiquidationEvents(t[o], np.array(side, dtype=np.int8)[o], p, q, p * q, source=source)

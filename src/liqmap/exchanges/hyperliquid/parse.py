"""Hyperliquid wire structs -> liqmap records."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.domain.market import Candles, OpenInterest
from liqmap.errors import MalformedResponseError, UnknownSymbolError
from liqmap.exchanges._wire import f64, num, opt_num
from liqmap.exchanges.hyperliquid.schemas import (
    HlCandle,
    HlClearinghouseState,
    HlMetaAndAssetCtxs,
)
from liqmap.exchanges.records import AccountPosition

__all__ = [
    "asset_context",
    "parse_candles",
    "parse_margin_table",
    "parse_positions",
    "parse_snapshot_oi",
]


def _n(x: object, what: str) -> float:
    return num(x, what, "hyperliquid")


def parse_candles(
    rows: Sequence[HlCandle], *, coin: str, interval_ms: int, source: str = ""
) -> Candles:
    """Candles (``v`` in the base coin; no taker split is published)."""
    rows = sorted(rows, key=lambda r: r.t)
    n = len(rows)
    return Candles(
        coin, interval_ms, np.array([r.t for r in rows], dtype=np.int64),
        f64([_n(r.o, "o") for r in rows]), f64([_n(r.h, "h") for r in rows]), f64([_n(r.l, "l") for r in rows]),
        f64([_n(r.c, "c") for r in rows]), f64([_n(r.v, "v") for r in rows]), np.full(n, np.nan), source,
    )  # fmt: skip


def asset_context(data: HlMetaAndAssetCtxs, coin: str) -> tuple[int, float, float]:
    """``(index, openInterest in coin, markPx)`` of ``coin``."""
    meta, ctxs = data
    if len(ctxs) != len(meta.universe):
        raise MalformedResponseError(
            f"hyperliquid metaAndAssetCtxs: {len(meta.universe)} assets but {len(ctxs)} contexts"
        )
    for i, asset in enumerate(meta.universe):
        if asset.name.upper() == coin.upper():
            return i, _n(ctxs[i].openInterest, "openInterest"), _n(ctxs[i].markPx, "markPx")
    raise UnknownSymbolError(f"hyperliquid lists no perpetual {coin!r}")


def parse_snapshot_oi(
    data: HlMetaAndAssetCtxs, coin: str, ts_ms: int, *, source: str = ""
) -> OpenInterest:
    """The current open interest as one USD level at ``ts_ms`` (openInterest x markPx)."""
    _, oi, mark = asset_context(data, coin)
    return OpenInterest(np.array([ts_ms], dtype=np.int64), f64([oi * mark]), "level", source)


def parse_margin_table(data: HlMetaAndAssetCtxs, coin: str, *, source: str) -> MarginTable:
    """``meta.marginTables`` tiers of ``coin`` -> :class:`MarginTable`.

    Hyperliquid: maintenance margin rate = half the initial margin at the tier's max leverage,
    ``1 / (2 * maxLeverage)``; the maintenance deduction follows continuity
    (``amount_k = amount_{k-1} + lowerBound_k * (mmr_k - mmr_{k-1})``). Without a margin table
    the asset has one tier at its ``maxLeverage``.
    """
    meta, _ = data
    idx, _, _ = asset_context(data, coin)
    asset = meta.universe[idx]
    tables = dict(meta.marginTables)
    table = tables.get(asset.marginTableId) if asset.marginTableId is not None else None
    raw = [(0.0, float(asset.maxLeverage))]
    if table is not None and table.marginTiers:
        raw = sorted(
            (_n(t.lowerBound, "lowerBound"), float(t.maxLeverage)) for t in table.marginTiers
        )
    tiers: list[MarginTier] = []
    amount, prev = 0.0, 0.0
    for k, (floor, lev) in enumerate(raw):
        mmr = 1.0 / (2.0 * lev)
        amount += floor * (mmr - prev)
        cap = raw[k + 1][0] if k + 1 < len(raw) else math.inf
        tiers.append(MarginTier(k + 1, floor, cap, mmr, amount, lev))
        prev = mmr
    today = datetime.now(UTC).date().isoformat()
    return MarginTable(asset.name, "hyperliquid", tuple(tiers), as_of=today, source=source)


def parse_positions(
    state: HlClearinghouseState, address: str, coin: str | None = None
) -> list[AccountPosition]:
    """Open positions of one account (optionally of one coin); zero sizes are skipped."""
    out: list[AccountPosition] = []
    for ap in state.assetPositions:
        p = ap.position
        if coin is not None and p.coin.upper() != coin.upper():
            continue
        size = _n(p.szi, "szi")
        if size == 0.0:
            continue
        mode = p.leverage.type.lower()
        if mode not in ("cross", "isolated"):
            raise MalformedResponseError(
                f"hyperliquid: leverage type {p.leverage.type!r} of {address}"
            )
        out.append(
            AccountPosition(
                address=address, coin=p.coin, size=size,
                entry_px=_n(p.entryPx, "entryPx") if p.entryPx is not None else math.nan,
                position_value=abs(_n(p.positionValue, "positionValue")),
                leverage=float(p.leverage.value), margin_mode="cross" if mode == "cross" else "isolated",
                margin_used=_n(p.marginUsed, "marginUsed"),
                liquidation_px=opt_num(p.liquidationPx, "liquidationPx", "hyperliquid"),
                unrealized_pnl=_n(p.unrealizedPnl, "unrealizedPnl"),
            )
        )  # fmt: skip
    return out

"""``market_from_store``: one venue's :class:`~liqmap.domain.market_data.MarketData` for a window,
read from the embedded store after syncing what it lacks (unless ``offline``); offline, a window the
store does not cover is an :class:`~liqmap.errors.InputError` naming the missing kinds and ranges.
"""

from __future__ import annotations

import time

import httpx

from liqmap.domain.enums import Venue
from liqmap.domain.market import Candles, LiquidationEvents
from liqmap.domain.market_data import MarketData
from liqmap.errors import (
    EmptyWindowError,
    ExchangeError,
    InputError,
)
from liqmap.exchanges.base import store_symbol
from liqmap.exchanges.records import DataKind
from liqmap.exchanges.registry import spec_for
from liqmap.io.report import fmt_ms
from liqmap.services.sync import MAP_KINDS, store_kind, sync
from liqmap.settings import Settings
from liqmap.store import Store

__all__ = ["market_from_store", "read_newer", "read_window"]


def _describe(ranges: list[tuple[int, int]], step_ms: int) -> str:
    shown = ", ".join(f"{fmt_ms(a)} → {fmt_ms(b)}" for a, b in ranges[:3])
    more = f" and {len(ranges) - 3} more" if len(ranges) > 3 else ""
    n = sum(-(-(b - a) // step_ms) for a, b in ranges)
    return f"{shown}{more} ({n:,} missing points)"


def _current_only(venue: Venue, kind: DataKind) -> bool:
    """True when the venue serves only the current value of ``kind`` (no history)."""
    ep = spec_for(venue).client.endpoints.get(kind)
    return ep is not None and ep.history_ms == 0


def _offline_gaps(
    store: Store, venue: Venue, key: str, start: int, end: int, interval_ms: int
) -> list[str]:
    missing: list[str] = []
    for kind in (DataKind.CANDLES, DataKind.OI):
        skind, step = store_kind(venue, kind, interval_ms)
        if kind is DataKind.OI and _current_only(venue, kind):
            continue  # only current values exist: never required
        ranges = store.missing_ranges(venue.value, key, skind, start, end, step)
        expected = -(-(end - start) // step)
        gone = sum(-(-(b - a) // step) for a, b in ranges)
        if kind is DataKind.CANDLES and gone <= max(2, expected // 200):
            continue  # a few missing bars are reported as gaps by the estimator
        if kind is DataKind.OI:
            continue  # OI is optional: without it the estimator's volume fallback applies (noted)
        if ranges:
            missing.append(f"{skind} {_describe(ranges, step)}")
    return missing


def market_from_store(
    store: Store,
    venue: Venue | str,
    symbol: str,
    *,
    window_ms: int,
    at_ms: int | None = None,
    offline: bool = False,
    settings: Settings | None = None,
    interval_ms: int = 60_000,
    transport: httpx.AsyncBaseTransport | None = None,
    now_ms: int | None = None,
) -> MarketData:
    """The estimator's input for ``[at - window, at)`` (``at`` default now) from the store.

    Unless ``offline``, first syncs candles, OI and (where public) liquidations that the store
    lacks. Offline, raises :class:`InputError` naming the missing kinds and ranges when the store
    does not cover the window (more than 0.5% of the bars missing); missing OI does not block (the
    map then uses the volume fallback and its notes say so).
    """
    v = venue if isinstance(venue, Venue) else Venue.parse(venue)
    now = int(time.time() * 1000) if now_ms is None else now_ms
    end = min(now, at_ms) if at_ms is not None else now
    end -= end % interval_ms
    start = end - window_ms
    key = store_symbol(v, symbol)
    if not offline:
        try:
            sync(
                store, v, symbol, start_ms=start, end_ms=end, kinds=MAP_KINDS,
                interval_ms=interval_ms, settings=settings, transport=transport, now_ms=now,
            )  # fmt: skip
        except ExchangeError as err:
            err.args = (
                f"{err.args[0]}; to draw from stored data only, add --offline",
                *err.args[1:],
            )
            raise
    else:
        gaps = _offline_gaps(store, v, key, start, end, interval_ms)
        if gaps:
            raise InputError(
                f"--offline: the store does not cover {v.value} {key} for {fmt_ms(start)} → "
                f"{fmt_ms(end)}: missing " + "; ".join(gaps) + ". Run `liqmap sync "
                f"{key} --exchange {v.value} --since {fmt_ms(start)}` (or drop --offline)"
            )
    data = read_window(
        store, v, symbol, start_ms=start, end_ms=end, interval_ms=interval_ms,
        settings=settings, transport=transport, now_ms=now, fetch_tiers=not offline,
    )  # fmt: skip
    if not len(data.candles):
        raise EmptyWindowError(
            f"the store holds no {interval_ms // 60_000}m bars of {v.value} {key} between "
            f"{fmt_ms(start)} and {fmt_ms(end)}; run `liqmap sync {key} --exchange {v.value}`"
        )
    return data


def read_window(
    store: Store,
    venue: Venue,
    symbol: str,
    *,
    start_ms: int,
    end_ms: int | None = None,
    interval_ms: int = 60_000,
    settings: Settings | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    now_ms: int | None = None,
    fetch_tiers: bool = False,
) -> MarketData:
    """What the store holds of ``symbol`` on ``venue`` in ``[start_ms, end_ms)``, as it stands.

    The one read of stored markets: :func:`market_from_store` (after its sync or coverage
    check) and the dashboard's store sources (``web/stored.py``) both build their
    :class:`MarketData` here: bars of ``interval_ms``, open interest (kept from two points on),
    liquidation events and the cached margin tiers (re-fetched only when ``fetch_tiers``). May
    hold no bars; the caller decides whether that is an error.
    """
    key = store_symbol(venue, symbol)
    candles = store.read_candles(
        venue.value, key, interval_ms=interval_ms, start_ms=start_ms, end_ms=end_ms
    )
    oi = store.read_open_interest(venue.value, key, start_ms, end_ms)
    events = store.read_liquidations(venue.value, key, start_ms, end_ms)
    from liqmap.services.tiers import refreshed_table

    table = refreshed_table(
        store, venue, symbol, settings=settings, transport=transport, now_ms=now_ms,
        fetch=fetch_tiers,
    )  # fmt: skip
    return MarketData(
        candles=candles,
        oi=oi if oi is not None and len(oi) >= 2 else None,
        liquidations=events if len(events) else None,
        source=f"store:{venue.value} {key}",
        margin_table=table,
    )


def read_newer(
    store: Store, venue: Venue, symbol: str, *, interval_ms: int, after_bar_ms: int,
    after_event_ms: int,
) -> tuple[Candles, LiquidationEvents]:  # fmt: skip
    """Bars opened after ``after_bar_ms`` and events after ``after_event_ms``: what a live reader
    (the dashboard's store watcher) has not seen yet."""
    key = store_symbol(venue, symbol)
    bars = store.read_candles(venue.value, key, interval_ms=interval_ms, start_ms=after_bar_ms + 1)
    events = store.read_liquidations(venue.value, key, after_event_ms + 1, None)
    return bars, events

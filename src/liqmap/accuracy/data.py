"""Cleaning a liquidation tape against its bars: price outliers, outages, throttling.

Used by ``liqmap backtest`` / ``liqmap calibrate`` and by the accuracy harness over the shared
real data (:mod:`liqmap.testing.datasets`, whose dated file names live in
:mod:`liqmap.testing.shared_files`).

Defects and how each is handled (the harness counts every one in
:attr:`liqmap.testing.datasets.Dataset.facts`):

* recorder gaps: bars are never filled; a map's window may be partly covered (reported), a
  horizon needs 90% of its bars (else skipped, ``horizon_bars_missing``);
* no volume: the recorder bars carry none; the minute flow (volume, taker flow, OI change) is
  merged where it exists; a window with neither volume nor OI change cannot be sized and its
  evaluation time is skipped (``no_volume_or_oi``);
* tape outages: the recorder was down for hours (no events 01-31..02-02, 02-08..02-09); a
  silence of :data:`OUTAGE_MS` or more is an outage and horizons overlapping it are skipped
  (``truth_not_recorded``), never scored as "nothing was liquidated"; so is a shorter silence
  of :data:`MOVED_GAP_MS` or more during which price moved :data:`MOVED_PCT` or more, where the
  bars resolve it (:func:`moved_silences`);
* contaminated rows: events whose price lies more than :data:`MAX_PRICE_DEV_PCT` outside the
  range of the bar they happened in are another instrument and excluded (``price_outlier``);
  BTCUSDC and dated contracts trade within that band and cannot be separated;
* throttling: Binance pushes at most one liquidation per symbol per second, so bursts are
  under-counted; it cannot be undone, :func:`throttle_stats` measures how much of the tape sits
  in saturated bursts.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from liqmap.domain.market import Candles, LiquidationEvents

__all__ = [
    "HOUR_MS",
    "MAX_PRICE_DEV_PCT",
    "MOVED_GAP_MS",
    "MOVED_PCT",
    "OUTAGE_MS",
    "drop_price_outliers",
    "moved_silences",
    "price_outliers",
    "take_events",
    "tape_outages",
    "throttle_stats",
]

HOUR_MS = 3_600_000
#: A tape silent this long was not recording (chosen on the development tape: its silences
#: are either <= 2h or >= 4h; the longest ones match the README's recorder outages).
OUTAGE_MS = 3 * HOUR_MS
#: A silence of at least this long while price moved at least MOVED_PCT % is a recorder drop:
#: on the development tape every other hour whose range is 1% or more holds 35 events or more,
#: and the two such silences (02-05 22h: one event, then an hour of silence after 678 events
#: an hour; 02-10 06h: 118 minutes) moved 3.4% and 1.2%, the next largest 0.6%.
MOVED_GAP_MS = 30 * 60_000
MOVED_PCT = 1.0
#: Events this far (%) outside their bar's range are another instrument. A forced order's price
#: is its bankruptcy price, up to ~2.5% beyond the traded range on the development tape.
MAX_PRICE_DEV_PCT = 3.0


def price_outliers(
    events: LiquidationEvents, candles: Candles, max_pct: float = MAX_PRICE_DEV_PCT
) -> tuple[NDArray[np.bool_], int]:
    """Mask of events whose price is more than ``max_pct`` % outside their bar's [low, high],
    and the number of events that could not be checked (no bar at their time)."""
    bar = np.searchsorted(candles.ts_ms, events.ts_ms, side="right") - 1
    safe = np.clip(bar, 0, max(len(candles) - 1, 0))
    has = (bar >= 0) & (events.ts_ms < candles.ts_ms[safe] + candles.interval_ms)
    lo = candles.low[safe] * (1 - max_pct / 100)
    hi = candles.high[safe] * (1 + max_pct / 100)
    out = has & ((events.price < lo) | (events.price > hi))
    return out, int((~has).sum())


def drop_price_outliers(
    events: LiquidationEvents, candles: Candles, max_pct: float = MAX_PRICE_DEV_PCT
) -> tuple[LiquidationEvents, tuple[str, ...]]:
    """Events without the price outliers of :func:`price_outliers` (counted in ``excluded``),
    and notes saying what was excluded and what could not be checked."""
    out, unchecked = price_outliers(events, candles, max_pct)
    notes: list[str] = []
    if out.any():
        keep = ~out
        events = LiquidationEvents(
            events.ts_ms[keep], events.side[keep], events.price[keep], events.qty[keep],
            events.notional_usd[keep], events.source,
            {**events.excluded, "price_outlier": int(out.sum())},
        )  # fmt: skip
        notes.append(
            f"{int(out.sum()):,} events excluded: price more than {max_pct:g}% outside the range "
            "of their bar (another instrument)"
        )
    if unchecked:
        notes.append(f"{unchecked:,} events fall in missing bars: price not checked")
    return events, tuple(notes)


def tape_outages(events: LiquidationEvents, min_gap_ms: int = OUTAGE_MS) -> tuple[tuple[int, int], ...]:  # fmt: skip
    """Silences of at least ``min_gap_ms`` between consecutive events: ``(last, next)`` times."""
    ts = events.ts_ms
    gap = np.diff(ts)
    k = np.nonzero(gap >= min_gap_ms)[0]
    return tuple((int(ts[i]), int(ts[i + 1])) for i in k)


def moved_silences(
    events: LiquidationEvents, candles: Candles, min_gap_ms: int = MOVED_GAP_MS,
    min_move_pct: float = MOVED_PCT,
) -> tuple[tuple[int, int], ...]:  # fmt: skip
    """Silences of at least ``min_gap_ms`` (and under :data:`OUTAGE_MS`, which
    :func:`tape_outages` finds) during which price moved ``min_move_pct`` or more: a recorder
    drop, not a quiet market. Judged only where the bars resolve the silence (bars no longer
    than half of it): on coarser bars the move inside the silence is not known."""
    if candles.interval_ms * 2 > min_gap_ms or len(candles) == 0:
        return ()
    ts = events.ts_ms
    gap = np.diff(ts)
    out = []
    for i in np.nonzero((gap >= min_gap_ms) & (gap < OUTAGE_MS))[0]:
        a, b = int(ts[i]), int(ts[i + 1])
        k0 = int(np.searchsorted(candles.ts_ms, a - a % candles.interval_ms, side="left"))
        k1 = int(np.searchsorted(candles.ts_ms, b, side="left"))
        if k1 > k0:
            move = float(candles.high[k0:k1].max() / candles.low[k0:k1].min() - 1.0) * 100.0
            if move >= min_move_pct:
                out.append((a, b))
    return tuple(out)


def throttle_stats(events: LiquidationEvents, run: int = 3) -> dict[str, float]:
    """How much of the tape sits in bursts where a 1-per-second stream was saturated: events
    (and USD) in runs of at least ``run`` consecutive seconds that each hold an event."""
    sec = events.ts_ms // 1000
    uniq = np.unique(sec)
    if len(uniq) == 0:
        return {"events_in_bursts": 0.0, "usd_in_bursts": 0.0}
    brk = np.concatenate(([True], np.diff(uniq) != 1))
    run_id = np.cumsum(brk) - 1
    run_len = np.bincount(run_id)
    sec_in_burst = run_len[run_id] >= run
    ev_run = np.searchsorted(uniq, sec)
    in_burst = sec_in_burst[ev_run]
    usd = events.notional_usd
    return {
        "events_in_bursts": float(in_burst.mean()),
        "usd_in_bursts": float(usd[in_burst].sum() / usd.sum()) if usd.sum() > 0 else 0.0,
        "seconds_with_several_events": float((np.bincount(ev_run) > 1).sum()),
    }


def take_events(
    events: LiquidationEvents, keep: NDArray[np.bool_], excluded: dict[str, int]
) -> LiquidationEvents:
    """The events where ``keep``, with ``excluded`` (reason -> count) as their exclusions."""
    return LiquidationEvents(
        events.ts_ms[keep], events.side[keep], events.price[keep], events.qty[keep],
        events.notional_usd[keep], events.source, excluded,
    )  # fmt: skip

"""The real-data harness: the shared data's development and evaluation windows, cleaned.

``../shared/data`` (see its README) holds two liquidation windows:

* **development** (tune here): the Binance BTC ``!forceOrder`` tape 2026-01-27..02-16, with the
  recorder's 1m bars + minute flow (:func:`load_dev_1m`) and the Binance 5m klines, which overlap
  the tape 2026-01-27 02:05..01-29 06:25 only (:func:`load_dev_5m`);
* **evaluation** (report only, never tune): the mixed-venue BTC/ETH/SOL tapes 2026-02-23..03-04
  with the recorder's 1m bars + minute flow (:func:`load_eval`).

Defects and how each is handled (every one counted in :attr:`Dataset.facts`):

* recorder gaps: bars are never filled; a map's window may be partly covered (reported), a
  horizon needs 90% of its bars (else skipped, ``horizon_bars_missing``);
* no volume: the recorder bars carry none; the minute flow (volume, taker flow, OI change) is
  merged where it exists; a window with neither volume nor OI change cannot be sized and its
  evaluation time is skipped (``no_volume_or_oi``);
* tape outages: the recorder was down for hours (no events 01-31..02-02, 02-08..02-09); a
  silence of :data:`OUTAGE_MS` or more is an outage and horizons overlapping it are skipped
  (``truth_not_recorded``), never scored as "nothing was liquidated";
* contaminated rows: events whose price lies more than :data:`MAX_PRICE_DEV_PCT` outside the
  range of the bar they happened in are another instrument and excluded (``price_outlier``);
  BTCUSDC and dated contracts trade within that band and cannot be separated;
* throttling: Binance pushes at most one liquidation per symbol per second, so bursts are
  under-counted; it cannot be undone, :func:`throttle_stats` measures how much of the tape sits
  in saturated bursts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from liqmap.accuracy.backtest import backtest
from liqmap.accuracy.result import BacktestConfig, BacktestResult
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.io.brackets import load_brackets
from liqmap.io.files import (
    load_candles_report,
    load_flow_report,
    load_liquidations_report,
    merge_flow,
)
from liqmap.model_config import EstimatorParams

__all__ = [
    "MAX_PRICE_DEV_PCT",
    "OUTAGE_MS",
    "Dataset",
    "all_datasets",
    "drop_price_outliers",
    "load_dev_1m",
    "load_dev_5m",
    "load_eval",
    "price_outliers",
    "tape_outages",
    "throttle_stats",
]

HOUR_MS = 3_600_000
#: A tape silent this long was not recording (chosen on the development tape: its silences
#: are either <= 2h or >= 4h; the longest ones match the README's recorder outages).
OUTAGE_MS = 3 * HOUR_MS
#: Events this far (%) outside their bar's range are another instrument. A forced order's price
#: is its bankruptcy price, up to ~2.5% beyond the traded range on the development tape.
MAX_PRICE_DEV_PCT = 3.0

RECORDER_1M = "bars/recorder-1m-btc-eth-sol-2026-01-24_2026-03-04.csv.gz"
MINUTE_FLOW = "bars/recorder-minute-flow-2026-01-22_2026-02-28.csv.gz"
KLINES_5M = "bars/binance-um-5m-BTCUSDT-2025-11-30_2026-01-29.csv.gz"
DEV_TAPE = "liquidations/binance-btc-forceorder-2026-01-27_2026-02-16.csv.gz"
EVAL_TAPE = "liquidations/mixed-venues-{sym}-2026-02-23_2026-03-04.csv.gz"
BRACKETS = "brackets/binance-um-leverage-brackets-BTCUSDT-ETHUSDT.json"
SOL_PROXY = "ETHUSDT"
EVAL_SYMBOLS = ("BTC", "ETH", "SOL")


@dataclass(frozen=True, slots=True)
class Dataset:
    """One symbol's bars, OI, events and margin table over a window, cleaned, with the counts."""

    name: str
    role: Literal["dev", "eval"]
    symbol: str
    candles: Candles
    oi: OpenInterest | None
    events: LiquidationEvents
    table: MarginTable
    start_ms: int
    end_ms: int
    outages: tuple[tuple[int, int], ...]
    facts: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def run(
        self, config: BacktestConfig | None = None, params: EstimatorParams | None = None
    ) -> BacktestResult:
        """The walk-forward backtest over this dataset's evaluation period."""
        return backtest(
            self.candles, self.events, start_ms=self.start_ms, end_ms=self.end_ms,
            table=self.table, oi=self.oi, params=params, config=config, outages=self.outages,
            label=self.name, notes=self.notes,
        )  # fmt: skip

    def without_oi(self) -> Dataset:
        """The same data with the open-interest changes withheld (sized from volume)."""
        return replace(
            self, oi=None, name=f"{self.name}, OI withheld",
            notes=(*self.notes, "open-interest changes withheld: positions sized from volume"),
        )  # fmt: skip

    def slice(self, start_ms: int, end_ms: int) -> Dataset:
        """The same data with evaluation times restricted to ``[start_ms, end_ms]``."""
        return replace(self, start_ms=max(start_ms, self.start_ms), end_ms=min(end_ms, self.end_ms))


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


def _take(
    events: LiquidationEvents, keep: NDArray[np.bool_], excluded: dict[str, int]
) -> LiquidationEvents:
    return LiquidationEvents(
        events.ts_ms[keep], events.side[keep], events.price[keep], events.qty[keep],
        events.notional_usd[keep], events.source, excluded,
    )  # fmt: skip


def _events(path: Path, candles: Candles) -> tuple[LiquidationEvents, dict[str, Any]]:
    raw, report = load_liquidations_report(path)
    out, unchecked = price_outliers(raw, candles)
    span = (raw.ts_ms >= candles.ts_ms[0]) & (raw.ts_ms < candles.ts_ms[-1] + candles.interval_ms)
    excluded = {
        **report.excluded,
        "price_outlier": int(out.sum()),
        "outside_bar_span": int((~span & ~out).sum()),
    }
    events = _take(raw, ~out & span, excluded)
    unchecked -= int((~span & ~out).sum())
    facts: dict[str, Any] = {
        "tape": path.name,
        "events_read": report.rows_read,
        "events_excluded": {k: v for k, v in excluded.items() if v},
        "price_outlier_usd": float(raw.notional_usd[out].sum()),
        "events_used": len(events),
        "usd_used": float(events.notional_usd.sum()),
        "events_without_bar": unchecked,
        **throttle_stats(events),
    }
    return events, facts


def _bars_1m(root: Path, sym: str) -> tuple[Candles, OpenInterest, dict[str, Any]]:
    bars, rep = load_candles_report(root / RECORDER_1M, symbol=sym)
    flow, oi, frep = load_flow_report(root / MINUTE_FLOW, symbol=sym)
    merged = replace(merge_flow(bars, flow), symbol=f"{sym}USDT")
    matched = int(np.isin(flow.ts_ms, bars.ts_ms).sum())
    return (
        merged,
        oi,
        {
            "bars": len(bars),
            "bar_coverage": rep.coverage,
            "bar_gaps": len(rep.gaps),
            "flow_minutes": len(flow),
            "flow_excluded": dict(frep.excluded),
            "flow_minutes_merged": matched,
            "flow_minutes_without_bar": len(flow) - matched,
        },
    )


def _dataset(
    root: Path, name: str, role: Literal["dev", "eval"], sym: str, candles: Candles,
    oi: OpenInterest | None, tape: str, bar_facts: dict[str, Any],
    table: MarginTable, notes: tuple[str, ...] = (),
) -> Dataset:  # fmt: skip
    events, ev_facts = _events(root / tape, candles)
    end_bars = int(candles.ts_ms[-1]) + candles.interval_ms
    start, end = int(events.ts_ms[0]), min(int(events.ts_ms[-1]), end_bars)
    outages = tape_outages(events)
    facts = {
        **bar_facts, **ev_facts, "outages": len(outages),
        "outage_hours": sum(b - a for a, b in outages) / HOUR_MS,
    }  # fmt: skip
    return Dataset(name, role, f"{sym}USDT", candles, oi, events, table, start, end, outages,
                   facts, notes)  # fmt: skip


def _table(root: Path, symbol: str) -> MarginTable:
    return load_brackets(root / BRACKETS, symbol=symbol)


def load_dev_1m(root: Path) -> Dataset:
    """BTC, development window: recorder 1m bars + minute flow, Binance tape."""
    bars, oi, facts = _bars_1m(root, "BTC")
    return _dataset(root, "dev, 1m recorder + flow", "dev", "BTC", bars, oi, DEV_TAPE, facts,
                    _table(root, "BTCUSDT"))  # fmt: skip


def load_dev_5m(root: Path) -> Dataset:
    """BTC, development window: Binance 5m klines (volume, no taker flow, no OI), Binance tape
    (the klines end 2026-01-29, so only ~2 days of the tape are covered)."""
    bars, rep = load_candles_report(root / KLINES_5M)
    facts = {"bars": len(bars), "bar_coverage": rep.coverage, "bar_gaps": len(rep.gaps)}
    return _dataset(root, "dev, 5m klines", "dev", "BTC", bars, None, DEV_TAPE, facts,
                    _table(root, "BTCUSDT"))  # fmt: skip


def load_eval(root: Path, sym: str) -> Dataset:
    """Evaluation window for ``sym`` (BTC, ETH or SOL): recorder 1m + flow, mixed-venue tape.

    SOL: the shared data has no SOLUSDT bracket table, so the Binance ETHUSDT table stands in
    (relabelled, its ``source`` says so, and the report names the approximation).
    """
    bars, oi, facts = _bars_1m(root, sym)
    notes: tuple[str, ...] = ("mixed-venue tape (Binance + Bybit + OKX); margin rules: Binance",)
    if sym == "SOL":
        eth = _table(root, SOL_PROXY)
        table = replace(
            eth, symbol="SOLUSDT",
            source=f"APPROXIMATION: Binance {SOL_PROXY} brackets used for SOLUSDT ({eth.source})",
        )  # fmt: skip
        notes += (
            f"SOL margin table approximated by Binance {SOL_PROXY}'s (bracket 1: maintenance "
            f"{100 * eth.tiers[0].maint_margin_ratio:g}%, max {eth.tiers[0].max_leverage:g}x); "
            "no SOLUSDT brackets in the shared data",
        )
    else:
        table = _table(root, f"{sym}USDT")
    tape = EVAL_TAPE.format(sym=sym.lower())
    return _dataset(root, f"eval, 1m recorder + flow ({sym})", "eval", sym, bars, oi, tape,
                    facts, table, notes)  # fmt: skip


def all_datasets(root: Path) -> list[Dataset]:
    """Development (1m, 5m) then evaluation (BTC, ETH, SOL) datasets."""
    return [load_dev_1m(root), load_dev_5m(root), *(load_eval(root, s) for s in EVAL_SYMBOLS)]

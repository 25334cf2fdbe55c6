"""The real-data harness: the shared data's development and evaluation windows, cleaned.

``../shared/data`` (see its README) holds two liquidation windows:

* **development** (tune here): the Binance BTC ``!forceOrder`` tape 2026-01-27..02-16, with the
  recorder's 1m bars + minute flow (:func:`load_dev_1m`) and the Binance 5m klines, which overlap
  the tape 2026-01-27 02:05..01-29 06:25 only (:func:`load_dev_5m`);
* **evaluation** (report only, never tune): the mixed-venue BTC/ETH/SOL tapes 2026-02-23..03-04
  with the recorder's 1m bars + minute flow (:func:`load_eval`).

The file names are in :mod:`liqmap.testing.shared_files`; the cleaning (outliers, outages,
throttling) is :mod:`liqmap.accuracy.data`'s, each defect counted in :attr:`Dataset.facts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from liqmap.accuracy.backtest import backtest
from liqmap.accuracy.data import HOUR_MS, price_outliers, take_events, tape_outages, throttle_stats
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
from liqmap.testing.shared_files import (
    BRACKETS,
    DEV_TAPE,
    EVAL_TAPE,
    KLINES_5M,
    MINUTE_FLOW,
    RECORDER_1M,
)

__all__ = ["EVAL_SYMBOLS", "Dataset", "all_datasets", "load_dev_1m", "load_dev_5m", "load_eval"]

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


def _events(path: Path, candles: Candles) -> tuple[LiquidationEvents, dict[str, Any]]:
    raw, report = load_liquidations_report(path)
    out, unchecked = price_outliers(raw, candles)
    span = (raw.ts_ms >= candles.ts_ms[0]) & (raw.ts_ms < candles.ts_ms[-1] + candles.interval_ms)
    excluded = {
        **report.excluded,
        "price_outlier": int(out.sum()),
        "outside_bar_span": int((~span & ~out).sum()),
    }
    events = take_events(raw, ~out & span, excluded)
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

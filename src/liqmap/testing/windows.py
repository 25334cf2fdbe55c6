"""The accuracy study's windows, built from the shared real-data folder (``../shared/data``).

* ``dev`` (tune here): Binance BTC ``!forceOrder`` tape 2026-01-27..02-16 (recorder outages
  excluded), the continuous Binance 5m bars 2024-12-31..2026-02-19, the 1h mark-price bars
  (passed to the estimator: levels are crossed on mark, docs/model.md 2.15).
* ``eval-{btc,eth,sol}`` (report only, never tune): the mixed-venue (Binance + Bybit + OKX)
  tapes 2026-02-23..03-04 with the 1h Binance bars of the Binance+Bybit file.
* ``okx-{btc,eth,sol}`` (report only): the OKX tape 2026-03-04..03-05 with the same 1h bars.

Open interest everywhere is **Hyperliquid's** hourly OI in USD, the only OI level series that
overlaps the tapes: a proxy (Hyperliquid's OI is a fraction of Binance's) used to anchor the
model's positions and for the OI x range baseline; each hourly value is used only from the end
of its hour (the archive does not say which snapshot of the hour it is). Every window's truth is the tape summed per
hour (:func:`liqmap.accuracy.truth.aggregate_events`); Binance throttles its stream to one
event per symbol per second, so the tapes hold about 20-30% of the USD aggregators report:
rank metrics matter more than levels.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from liqmap.accuracy.data import drop_price_outliers, moved_silences, tape_outages
from liqmap.accuracy.truth import IntervalTruth, aggregate_events
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.io.brackets import load_brackets
from liqmap.io.files import load_candles, load_liquidations, load_open_interest
from liqmap.testing.shared_files import (
    BARS_1H,
    BARS_5M,
    BRACKETS,
    DEV_TAPE,
    EVAL_TAPE,
    HL_OI,
    MARK_1H,
    OKX_TAPE,
)

__all__ = ["WINDOWS", "StudyWindow", "load_window"]

HOUR = 3_600_000
WINDOWS = ("dev", "eval-btc", "eval-eth", "eval-sol", "okx-btc", "okx-eth", "okx-sol")


@dataclass(frozen=True, slots=True)
class StudyWindow:
    """Inputs of one window of the study; evaluation times are ``[start_ms, end_ms]``."""

    name: str
    role: str  # "dev" or "eval"
    symbol: str
    candles: Candles
    truth: IntervalTruth
    events: LiquidationEvents
    oi: OpenInterest | None
    mark: Candles | None
    table: MarginTable
    start_ms: int
    end_ms: int
    notes: tuple[str, ...] = ()


def binance_1h(root: Path, symbol: str) -> Candles:
    """Binance's 1h bars of ``symbol`` from the Binance+Bybit file (it interleaves both venues)."""
    return load_candles(root / BARS_1H, symbol=symbol, venue="binance")


def _table(root: Path, sym: str) -> tuple[MarginTable, tuple[str, ...]]:
    if sym != "SOL":
        return load_brackets(root / BRACKETS, symbol=f"{sym}USDT"), ()
    eth = load_brackets(root / BRACKETS, symbol="ETHUSDT")
    table = replace(eth, symbol="SOLUSDT", source=f"APPROXIMATION: ETHUSDT brackets ({eth.source})")
    return table, ("SOL margin table approximated by Binance ETHUSDT's (no SOLUSDT JSON table)",)


def _tape(path: Path, candles: Candles, symbol: str | None) -> tuple[LiquidationEvents, tuple[str, ...]]:  # fmt: skip
    raw = load_liquidations(path, symbol=symbol) if symbol else load_liquidations(path)
    return drop_price_outliers(raw, candles)


def _window(
    name: str, role: str, sym: str, candles: Candles, events: LiquidationEvents,
    root: Path, mark: Candles | None, notes: tuple[str, ...],
) -> StudyWindow:  # fmt: skip
    outages = tape_outages(events)
    drops = moved_silences(events, candles)
    start = (int(events.ts_ms[0]) // HOUR + 1) * HOUR  # first whole hour the tape covers
    end = (int(events.ts_ms[-1]) // HOUR) * HOUR  # the last whole hour starts before this
    truth = aggregate_events(events, HOUR, start, end, tuple(sorted(outages + drops)))
    table, tnotes = _table(root, sym)
    oi = load_open_interest(root / HL_OI, symbol=sym)
    # the archive does not say whether an hourly stamp is the hour's first or last snapshot:
    # each value is used only from the end of its hour, so it can never leak the future
    oi = replace(oi, ts_ms=oi.ts_ms + HOUR, source=f"Hyperliquid OI (proxy, lagged 1h): {HL_OI}")
    if outages:
        notes += (f"{len(outages)} tape outages (silences of 3h or more) excluded from the truth",)
    if drops:
        notes += (
            f"{len(drops)} recorder drops (silences of 30 min or more while price moved 1% or "
            "more) excluded from the truth",
        )
    return StudyWindow(
        name, role, f"{sym}USDT", candles, truth, events, oi, mark, table, start, end - HOUR,
        (*notes, *tnotes, "open interest: Hyperliquid's hourly OI (a proxy, not the venue's)"),
    )  # fmt: skip


def load_window(root: Path, name: str) -> StudyWindow:
    """One of :data:`WINDOWS` from the shared-data folder ``root``."""
    if name == "dev":
        bars = load_candles(root / BARS_5M)
        bars = replace(bars, symbol="BTCUSDT")
        mark = load_candles(root / MARK_1H, symbol="BTCUSDT")
        events, notes = _tape(root / DEV_TAPE, bars, None)
        return _window("dev", "dev", "BTC", bars, events, root, mark,
                       ("Binance BTC tape (throttled: ~20-30% of aggregator USD)", *notes))  # fmt: skip
    kind, _, sym = name.partition("-")
    if kind not in ("eval", "okx") or sym not in ("btc", "eth", "sol"):
        raise ValueError(f"unknown window {name!r}; choose one of {', '.join(WINDOWS)}")
    s = sym.upper()
    bars = binance_1h(root, f"{s}USDT")
    if kind == "eval":
        events, notes = _tape(root / EVAL_TAPE.format(sym=sym), bars, None)
        what = "mixed-venue tape (Binance + Bybit + OKX; Binance part throttled)"
    else:
        events, notes = _tape(root / OKX_TAPE, bars, s)
        what = "OKX tape (unthrottled; hours only)"
    return _window(name, "eval", s, bars, events, root, None, (what, *notes))

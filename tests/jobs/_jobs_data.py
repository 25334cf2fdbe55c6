"""Constants and inputs of the batch tests: real Binance BTCUSDT 5m bars and the real forceOrder tape
(../shared/data), cut to 2026-01-25..02-01 and written as small files so each task is cheap."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from liqmap.jobs import BacktestSpec, Inputs
from liqmap.jobs.tasks import DAY_MS, HOUR_MS
from liqmap.timeutil import parse_time_ms

START = parse_time_ms("2026-01-28")
BARS = "bars/binance-um-5m-BTCUSDT-2024-12-31_2026-02-19.csv.gz"
TAPE = "liquidations/binance-btc-forceorder-2026-01-27_2026-02-16.csv.gz"
BRACKETS = "brackets/binance-um-leverage-brackets-BTCUSDT-ETHUSDT.json"
SPEC = BacktestSpec(window_ms=DAY_MS, every_ms=HOUR_MS, horizons_ms=(HOUR_MS, 4 * HOUR_MS))


@dataclass(frozen=True)
class Data:
    folder: Path
    inputs: Inputs
    bars: Path
    tape: Path
    brackets: Path

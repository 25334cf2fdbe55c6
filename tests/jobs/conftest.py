"""Fixture of the batch tests: real data cut small (see _jobs_data)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from _jobs_data import BARS, BRACKETS, TAPE, Data

from liqmap.jobs import Inputs
from liqmap.timeutil import parse_time_ms


@pytest.fixture(scope="session")
def real(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Data:
    folder = tmp_path_factory.mktemp("jobs-data")
    lo, hi = parse_time_ms("2026-01-25"), parse_time_ms("2026-02-02")
    bars = pl.read_csv(shared_data / BARS).filter(pl.col("open_time_ms").is_between(lo, hi - 1))
    bars_path = folder / "BTCUSDT-5m.csv"
    bars.write_csv(bars_path)
    tape = pl.read_csv(shared_data / TAPE).filter(pl.col("ts_ms") < hi)
    tape_path = folder / "btc-tape.csv"
    tape.write_csv(tape_path)
    inputs = Inputs(
        bars=str(folder / "{symbol}-5m.csv"), liquidations=str(folder / "{asset}-tape.csv"),
        brackets=str(shared_data / BRACKETS),
    )  # fmt: skip
    return Data(folder, inputs, bars_path, tape_path, shared_data / BRACKETS)

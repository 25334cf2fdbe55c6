"""`liqmap map SYMBOL --exchange X [--offline]` reads the local store (LIQMAP_HOME)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liqmap.cli.app import main
from liqmap.io.files import load_candles
from liqmap.store import Store

BARS_1M = "bars/binance-um-1m-BTCUSDT-2025-05-25_2025-06-24.csv.gz"


def test_map_offline_from_the_store(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("LIQMAP_HOME", str(tmp_path))
    bars = load_candles(shared_data / BARS_1M)
    with Store.open(tmp_path / "liqmap.duckdb") as store:
        assert store.write_candles("binance", "BTCUSDT", bars) == len(bars)
    at = "2025-06-20T00:00Z"
    argv = ["map", "BTCUSDT", "--exchange", "binance", "--window", "24h", "--at", at, "--offline"]
    assert main([*argv, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["exchange"] == "binance" and d["coverage"]["bars"] == 1440
    assert d["totals"]["long_usd"] > 0
    # the same from the file gives the same map: the store returns the bars unchanged
    assert main(["map", "BTCUSDT", "--source", str(shared_data / BARS_1M), "--window", "24h",
                 "--at", at, "--json"]) == 0  # fmt: skip
    f = json.loads(capsys.readouterr().out)
    assert f["totals"] == d["totals"]


def test_offline_with_missing_data_says_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIQMAP_HOME", str(tmp_path))
    assert main(["map", "BTCUSDT", "--exchange", "binance", "--window", "24h", "--offline"]) == 2
    err = capsys.readouterr().err
    assert "candles" in err and "liqmap sync" in err


def test_multi_venue_map_from_the_store(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("LIQMAP_HOME", str(tmp_path))
    bars = load_candles(shared_data / BARS_1M)
    with Store.open(tmp_path / "liqmap.duckdb") as store:
        store.write_candles("binance", "BTCUSDT", bars)
        store.write_candles("bybit", "BTCUSDT", bars.take(slice(0, len(bars) - 600)))
    argv = ["map", "BTCUSDT", "--exchange", "binance,bybit", "--window", "24h", "--offline",
            "--at", "2025-06-20T00:00Z", "--json"]  # fmt: skip
    assert main(argv) == 0
    d = json.loads(capsys.readouterr().out)
    assert set(d["venues"]) == {"binance", "bybit"}
    assert d["venues"]["binance"]["long_usd"] > 0 and d["venues"]["bybit"]["long_usd"] > 0

"""``liqmap scan`` over a store of scaled real 5m paths; ``liqmap symbols``; ``liqmap tiers sync``
against a local server replaying Bybit's documented risk-limit answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pytest_httpserver import HTTPServer

from liqmap.cli.app import main
from liqmap.domain.market import Candles
from liqmap.io.files import load_candles
from liqmap.settings import Settings
from liqmap.store import Store

RESOURCES = Path(__file__).parents[1] / "exchanges" / "resources"

BARS = "bars/binance-um-5m-BTCUSDT-2024-12-31_2026-02-19.csv.gz"
SYMBOLS = ("BTCUSDT", "SOLUSDT", "DOGEUSDT", "AVAXUSDT")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    monkeypatch.setenv("LIQMAP_HOME", str(h))
    return h


@pytest.fixture
def stored(home: Path, shared_data: Path) -> Path:
    btc = load_candles(shared_data / BARS, symbol="BTCUSDT")
    keep = btc.ts_ms >= btc.ts_ms[-1] - 10 * 86_400_000
    with Store.open(settings=Settings.from_env()) as store:
        for k, sym in enumerate(SYMBOLS):
            f = 10.0**-k
            c = Candles(sym, btc.interval_ms, btc.ts_ms[keep], btc.open[keep] * f,
                        btc.high[keep] * f, btc.low[keep] * f, btc.close[keep] * f,
                        btc.volume[keep] / f, btc.taker_buy_volume[keep] / f)  # fmt: skip
            store.write_candles("binance", sym, c)
    return home


def _scan(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["scan", *args, "--json"]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def test_scan_ranks_stored_symbols_and_reports_failures(
    stored: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = _scan(capsys, "--window", "7d", "--interval", "5m")  # every stored symbol
    assert d["schema"] == "liqmap.scan/1" and d["symbols"] == 4 and d["failed"] == 0
    rows = d["rows"]
    assert {r["symbol"] for r in rows} == set(SYMBOLS)
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    for r in rows:  # the score is the best share / |distance| over the nearest large clusters
        assert r["scale_kind"] == "daily_volume" and r["table"].startswith("margin table: ")
        for side in ("nearest_long", "nearest_short"):
            c = r[side]
            if c is not None:
                assert c["share_of_scale"] >= d["min_share"]
                assert r["score"] >= c["share_of_scale"] / max(abs(c["distance_pct"]), 0.1) - 1e-12
    # a symbol without data is a failed row; the scan goes on
    d = _scan(capsys, "BTCUSDT,NOPEUSDT", "--window", "7d", "--interval", "5m")
    assert d["failed"] == 1 and d["rows"][-1]["symbol"] == "NOPEUSDT"
    assert "no" in d["rows"][-1]["error"] and d["rows"][0]["ok"]


def test_scan_rich_table(stored: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "BTC", "SOL", "ZZZUSDT", "--window", "7d", "--interval", "5m"]) == 0
    out, err = capsys.readouterr()
    assert "2 of 3 symbols mapped" in " ".join(out.split()) and "BTCUSDT" in out
    assert "failed:" in err and "ZZZUSDT" in err


def test_scan_from_file_template(
    shared_data: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tpl = str(shared_data / "bars" / "binance-um-5m-{symbol}-2024-12-31_2026-02-19.csv.gz")
    d = _scan(capsys, "BTCUSDT", "ETHUSDT", "--source", tpl, "--window", "3d", "--concurrency", "2")
    assert d["failed"] == 0 and len(d["rows"]) == 2
    assert main(["scan", "BTCUSDT", "--source", "nowhere.csv"]) == 2  # not a template


def test_symbols_lists_dated_tables(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["symbols", "--exchange", "binance", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 701 and {r["origin"] for r in rows} == {"snapshot"}
    btc = next(r for r in rows if r["symbol"] == "BTCUSDT")
    assert btc["as_of"] == "2026-03-05" and "2024-08-01..2026-03-05" in btc["source"]
    assert main(["symbols", "--exchange", "okx"]) == 0
    assert "fallback" in capsys.readouterr().out


def test_tiers_sync_cli_then_symbols_and_liqprice_use_the_cached_table(
    home: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("LIQMAP_BYBIT_REST_URL", httpserver.url_for("").rstrip("/"))
    doc = json.loads((RESOURCES / "bybit_risk_limit.json").read_text(encoding="utf-8"))
    httpserver.expect_request("/v5/market/risk-limit").respond_with_json(doc)
    assert main(["tiers", "sync", "--exchange", "bybit", "--symbol", "BTCUSDT", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["symbols"] == ["BTCUSDT"] and rep["rows"] == 3 and rep["failures"] == []
    assert main(["symbols", "--exchange", "bybit", "--json"]) == 0
    live = [r for r in json.loads(capsys.readouterr().out) if r["origin"] == "live"]
    assert [r["symbol"] for r in live] == ["BTCUSDT"] and live[0]["tiers"] == 3
    args = ["liqprice", "--exchange", "bybit", "--symbol", "BTCUSDT", "--side", "long"]
    assert (
        main([*args, "--entry", "50000", "--leverage", "10", "--notional", "1000000", "--json"])
        == 0
    )
    d = json.loads(capsys.readouterr().out)
    assert d["table"]["kind"] == "live" and d["maint_margin_ratio"] == 0.005
    assert np.isclose(d["bracket_cap"], 2_000_000)

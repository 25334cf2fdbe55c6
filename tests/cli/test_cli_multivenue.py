"""`liqmap map --exchange binance,bybit,okx|all`, from the demo and from files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liqmap.cli.app import main

BARS_5M = "bars/binance-um-5m-BTCUSDT-2025-11-30_2026-01-29.csv.gz"
TAPE = "liquidations/binance-btc-forceorder-2026-01-27_2026-02-16.csv.gz"


def test_all_venues_from_demo(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["map", "BTCUSDT", "--source", "demo", "--exchange", "all", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert set(d["venues"]) == {"binance", "bybit", "okx", "hyperliquid"}
    total = sum(v["long_usd"] for v in d["venues"].values())
    assert total == pytest.approx(d["totals"]["long_usd"], rel=1e-9)
    assert any("same market data" in n for n in d["notes"])
    out = tmp_path / "mv.html"
    assert (
        main(["map", "BTCUSDT", "--source", "demo", "--exchange", "binance,okx", "--out", str(out)])
        == 0
    )
    assert "By venue" in out.read_text(encoding="utf-8")


def test_venue_files(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bars = shared_data / BARS_5M
    argv = [
        "map", "BTCUSDT", "--exchange", "binance,bybit", "--window", "3d",
        "--source", f"binance={bars},bybit={bars}",
        "--liquidations", f"binance={shared_data / TAPE}", "--json",
    ]  # fmt: skip
    assert main(argv) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["exchange"] == "binance+bybit"
    assert d["coverage"]["liquidation_events"] > 0  # binance's tape only


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--source", "binance=demo"], "no bars given for bybit"),
        (["--source", "demo", "--liquidations", "okx=x.csv"], "not in --exchange"),
        (["--source", "demo", "--liquidations", "binance"], "apply to file sources"),
    ],
)
def test_multi_venue_bad_input(
    extra: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["map", "BTCUSDT", "--exchange", "binance,bybit", *extra]) == 2
    assert needle in capsys.readouterr().err

"""``liqmap liqprice`` end to end: rich output, --json, bad input (exit code 2), the console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from liqmap.cli.app import main

BASE = ["liqprice", "--exchange", "binance", "--symbol", "BTCUSDT", "--entry", "60000"]
SHARED_BRACKETS = "brackets/binance-um-leverage-brackets-BTCUSDT-ETHUSDT.json"


@pytest.fixture(autouse=True)
def _empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No store with cached live tiers: the dated defaults apply."""
    monkeypatch.setenv("LIQMAP_HOME", str(tmp_path / "home"))


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main([*args, "--json"]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def test_rich_output(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*BASE, "--side", "long", "--leverage", "20", "--notional", "100000"])
    out = capsys.readouterr().out
    assert code == 0
    # (5000 - 100000) / (1.6667 * (0.004 - 1)) = 57,228.92, -4.618% from entry
    assert "57,228.92" in out and "-4.618%" in out
    assert "#1: MMR 0.4%" in out and "max leverage 150x" in out and "2026-03-05" in out
    assert "snapshot table" in out


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    d = run_json(capsys, *BASE, "--side", "short", "--leverage", "20", "--notional", "5000000")
    # bracket 4: (250000 + 12000 + 5000000) / (83.3333 * 1.01) = 62,518.81
    assert d["liquidation_price"] == pytest.approx(62_518.8119, abs=1e-3)
    assert (d["bracket"], d["maint_margin_ratio"], d["maint_amount"]) == (4, 0.01, 12_000)
    assert d["distance_pct"] == pytest.approx((62_518.8119 / 60_000 - 1) * 100, abs=1e-5)
    assert (d["exchange"], d["symbol"], d["side"], d["entry"]) == (
        "binance",
        "BTCUSDT",
        "short",
        60_000,
    )
    assert (d["leverage"], d["notional"], d["margin"]) == (20, 5_000_000, 250_000)
    assert d["quantity"] == pytest.approx(83.333333, rel=1e-6)
    assert d["table"]["as_of"] == "2026-03-05" and "leverageBracket" in d["table"]["source"]
    assert d["table"]["kind"] == "snapshot" and d["bracket_rule"] == "at the liquidation price"


def test_quantity_and_margin_only(capsys: pytest.CaptureFixture[str]) -> None:
    # 2 BTC at 60,000 with 12,000 USDT of margin: leverage = 120,000 / 12,000 = 10x
    d = run_json(capsys, *BASE, "--side", "long", "--quantity", "2", "--margin", "12000")
    assert d["leverage"] == pytest.approx(10) and d["notional"] == pytest.approx(120_000)
    q = 2.0
    assert d["liquidation_price"] == pytest.approx((12_000 - 120_000) / (q * 0.004 - q))


def test_every_exchange(capsys: pytest.CaptureFixture[str]) -> None:
    out = {}
    for exchange, symbol in [
        ("binance-coinm", "BTCUSD_PERP"),
        ("bybit", "BTCUSDT"),
        ("okx", "BTC-USDT-SWAP"),
        ("hyperliquid", "BTC"),
    ]:
        args = ["liqprice", "--exchange", exchange, "--symbol", symbol, "--side", "long"]
        d = run_json(capsys, *args, "--entry", "60000", "--leverage", "10", "--notional", "100000")
        assert d["exchange"] == exchange and d["symbol"] == symbol
        assert 50_000 < d["liquidation_price"] < 60_000
        out[exchange] = d
    # COIN-M: 100,000 USD = 1,000 contracts of 100 USD; margin 0.16667 BTC
    coinm = out["binance-coinm"]
    assert coinm["contracts"] == pytest.approx(1_000) and coinm["margin_currency"] == "BTC"
    assert coinm["margin"] == pytest.approx(100_000 / 60_000 / 10)
    assert out["hyperliquid"]["margin_currency"] == "USDC"
    assert out["okx"]["taker_fee_rate"] == 0.0005


def test_brackets_file(capsys: pytest.CaptureFixture[str], shared_data: Path) -> None:
    path = shared_data / SHARED_BRACKETS
    d = run_json(
        capsys,
        *["liqprice", "--brackets", str(path), "--symbol", "ETHUSDT", "--side", "long"],
        *["--entry", "3000", "--leverage", "25", "--notional", "1000000"],
    )
    # ETHUSDT bracket 3 (800k-3M): MMR 0.65%, cum 1,500; q = 333.33, WB = 40,000
    # (40000 + 1500 - 1000000) / (333.333 * (0.0065 - 1)) = 2,893.66
    q = 1_000_000 / 3_000
    assert d["bracket"] == 3 and d["table"]["file"] == str(path)
    assert d["liquidation_price"] == pytest.approx((40_000 + 1_500 - 1_000_000) / (q * 0.0065 - q))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--side", "sideways", "--leverage", "10", "--notional", "1000"], "side must be"),
        (
            ["--side", "long", "--leverage", "200", "--notional", "100000"],
            "maximum 150x of bracket 1",
        ),
        (["--side", "long", "--leverage", "10"], "notional or as quantity"),
        (["--side", "long", "--notional", "1000"], "--leverage or --margin"),
        (["--side", "long", "--leverage", "10", "--notional", "-5"], "notional must be"),
        (
            ["--side", "long", "--leverage", "20", "--notional", "5000000", "--margin", "1000"],
            "liquidated immediately",
        ),
    ],
)
def test_bad_input_exits_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main([*BASE, *args]) == 2
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert message in err


def test_unknown_exchange_and_symbol(capsys: pytest.CaptureFixture[str]) -> None:
    tail = ["--side", "long", "--entry", "1", "--leverage", "2", "--notional", "10"]
    assert main(["liqprice", "--exchange", "ftx", *tail]) == 2
    assert "unknown exchange" in capsys.readouterr().err

    # unknown symbols are never a dead end: the labelled fallback, with a warning naming the fix
    assert main(["liqprice", "--exchange", "bybit", "--symbol", "ZZZQQQ", *tail, "--json"]) == 0
    captured = capsys.readouterr()
    err = " ".join(captured.err.split())
    assert "FALLBACK" in err and "--brackets" in err and "liqmap tiers sync" in err
    d = json.loads(captured.out)
    assert d["table"]["kind"] == "FALLBACK" and "NO TIERS KNOWN" in d["table"]["label"]


def test_bybit_eth_large_short_is_answered_with_the_labelled_fallback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # issue 11: refused before (one-tier placeholder). Binance ETHUSDT's ladder (2026-03-05):
    # 2M is in bracket 3 (800k-3M, MMR 0.65%, amount 1,500); Bybit values MM at entry:
    # LP = 3000 + (40000 - (2e6 * 0.0065 - 1500)) / 666.667 = 3000 + 28500 / 666.667 = 3,042.75
    args = ["liqprice", "--exchange", "bybit", "--symbol", "ETHUSDT", "--side", "short"]
    d = run_json(capsys, *args, "--entry", "3000", "--leverage", "50", "--notional", "2000000")
    assert d["liquidation_price"] == pytest.approx(3000 + 28_500 / (2e6 / 3000))
    assert d["table"]["kind"] == "FALLBACK" and d["bracket"] == 3


def test_console_script() -> None:
    script = Path(sys.executable).with_name("liqmap")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "liqmap"]
    args = [*BASE, "--side", "short", "--leverage", "20", "--notional", "100000", "--json"]
    done = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    # (5000 + 100000) / (1.6667 * 1.004) = 62,749.00
    assert json.loads(done.stdout)["liquidation_price"] == pytest.approx(62_749.004, abs=1e-3)
    bad_args = [*cmd, *BASE, "--side", "up"]
    bad = subprocess.run(bad_args, capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "side" in bad.stderr

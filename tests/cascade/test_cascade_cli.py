"""``liqmap cascade`` and ``liqmap plan``: exit codes (0 ok, 2 bad input), JSON, charts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liqmap.cli.app import main

DEMO = ["--source", "demo", "--window", "24h"]


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:  # type: ignore[type-arg]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_cascade_json(capsys: pytest.CaptureFixture[str]) -> None:
    d = _json(capsys, ["cascade", "BTCUSDT", *DEMO, "--shock", "-2%", "--json"])
    assert d["schema"] == "liqmap.cascade/1" and d["direction"] == "down"
    assert d["shock_pct"] == -2.0 and d["total_liquidated_usd"] >= 0
    assert d["stop_reason"] in ("absorbed", "map_edge", "book_exhausted", "notional_cap")
    assert d["pin_price"] <= d["shock_price"] and d["amplification"] >= 1.0
    assert d["model"] == "impact" and d["depth"] is None and d["impact"]["fit"]["delta"] == 0.5
    assert d["simulated"] is True and "SIMULATED" in d["data_source"]
    o = d["outcomes"]
    assert o["n_draws"] == 200 and o["liquidated_usd"]["p10"] <= o["liquidated_usd"]["p90"]
    assert o["pin_move_pct"]["p90"] <= -2.0 and 0.0 <= o["p_pin_extends"]["2x"] <= 1.0
    book = _json(capsys, ["cascade", "BTCUSDT", *DEMO, "--shock", "-2%", "--model", "book",
                          "--json"])  # fmt: skip
    assert "binance-btcusdt" in book["depth"]["source"] and book["outcomes"] is None
    up = _json(capsys, ["cascade", "BTCUSDT", *DEMO, "--order-usd", "250M", "--depth-scale",
                        "0.1", "--json"])  # fmt: skip
    assert up["direction"] == "up" and up["order_usd"] == 250e6 and up["total_short_usd"] > 0


def test_cascade_text_and_charts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for suffix in (".png", ".json"):
        out = tmp_path / f"cascade{suffix}"
        argv = ["cascade", "BTCUSDT", *DEMO, "--order-usd", "-20M", "--depth-model",
                "power:5M,1", "--out", str(out)]  # fmt: skip
        assert main(argv) == 0
        assert out.stat().st_size > 1000
    text = capsys.readouterr().out
    assert "total liquidated" in text and "pin (wick)" in text and "stopped:" in text
    assert json.loads((tmp_path / "cascade.json").read_text())["order_usd"] == -20e6


def test_plan_json_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = _json(capsys, ["plan", "BTCUSDT", *DEMO, "--side", "long", "--size", "5M", "--json"])
    assert d["schema"] == "liqmap.plan/1" and d["side"] == "long"
    assert d["stop"]["price"] < d["entry"] and d["execution"]["size_usd"] == 5e6
    assert all(t["price"] > d["entry"] for t in d["take_profits"])
    out = tmp_path / "plan.png"
    assert main(["plan", "BTCUSDT", *DEMO, "--side", "short", "--entry", "58000",
                 "--out", str(out)]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "SHORT plan" in text and "Decision support" in text and out.stat().st_size > 1000


@pytest.mark.parametrize(
    "argv",
    [
        ["cascade", "BTCUSDT", *DEMO],  # neither --shock nor --order-usd
        ["cascade", "BTCUSDT", *DEMO, "--shock", "-2%", "--order-usd", "1M"],
        ["cascade", "BTCUSDT", *DEMO, "--shock", "down"],
        ["cascade", "BTCUSDT", *DEMO, "--shock", "-120%"],
        ["cascade", "BTCUSDT", *DEMO, "--order-usd", "lots"],
        ["cascade", "BTCUSDT", *DEMO, "--shock", "-1", "--depth-model", "nope"],
        ["cascade", "BTCUSDT", *DEMO, "--shock", "-1", "--depth", "/no/such/book.txt"],
        ["cascade", "BTCUSDT", *DEMO, "--shock", "-1", "--depth-scale", "0"],
        ["cascade", "BTCUSDT", *DEMO, "--shock", "-1", "--permanent-fraction", "2"],
        ["cascade", "BTCUSDT", *DEMO, "--shock", "-1", "--out", "x.txt"],
        ["cascade", "SOLUSDT", *DEMO, "--shock", "-1", "--model", "book"],  # no SOL book
        ["cascade", "BTCUSDT", *DEMO, "--shock", "-1", "--model", "lob"],
        ["cascade", "BTCUSDT", *DEMO, "--shock", "-1", "--draws", "-1"],
        ["plan", "BTCUSDT", *DEMO, "--side", "long", "--min-rr", "-1"],
        ["plan", "BTCUSDT", *DEMO, "--side", "up"],
        ["plan", "BTCUSDT", *DEMO],  # --side is required
        ["plan", "BTCUSDT", *DEMO, "--side", "long", "--entry", "-5"],
        ["plan", "BTCUSDT", *DEMO, "--side", "long", "--size", "0"],
        ["plan", "BTCUSDT", *DEMO, "--side", "long", "--window", "soon"],
    ],
)
def test_bad_input_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    capsys.readouterr()


def test_depth_file_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "depth.json"
    bids = [[f"{57000 - i * 5}", "3"] for i in range(1, 60)]
    asks = [[f"{57300 + i * 5}", "3"] for i in range(1, 60)]
    book.write_text(json.dumps({"lastUpdateId": 1, "bids": bids, "asks": asks}))
    for model in ("book", "power"):
        d = _json(capsys, ["cascade", "BTCUSDT", *DEMO, "--shock", "-1%", "--depth", str(book),
                           "--depth-model", model, "--json"])  # fmt: skip
        assert d["depth"]["kind"] == model
    assert main(["cascade", "BTCUSDT", *DEMO, "--shock", "-1%", "--depth", str(book),
                 "--depth-model", "btc"]) == 2  # fmt: skip

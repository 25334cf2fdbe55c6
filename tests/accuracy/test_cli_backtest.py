"""``liqmap backtest``: JSON layout, the report folder, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liqmap.cli.app import main

ARGS = ["backtest", "BTCUSDT", "--source", "demo", "--every", "6h", "--horizons", "1h,4h"]


def test_backtest_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*ARGS, "--json", "--points"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["schema"] == "liqmap.backtest/1" and d["config"]["horizons"] == ["1h", "4h"]
    assert d["evaluation_times"] == d["maps"] + sum(d["skipped"].values())
    assert {(s["horizon"], s["side"], s["method"]) for s in d["scores"]} >= {("1h", "all", "model")}
    assert d["points"] and {"spearman", "top_share", "pred_usd"} <= set(d["points"][0])


def test_backtest_table_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*ARGS, "--report", str(tmp_path / "rep")]) == 0
    out = capsys.readouterr().out
    assert "ladder" in out and "uniform" in out and "wrote" in out
    md = (tmp_path / "rep" / "backtest.md").read_text(encoding="utf-8")
    assert "| horizon | side |" in md and "backtest-1.png" in md
    assert (tmp_path / "rep" / "backtest-1.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    "extra",
    [["--horizons", "soon"], ["--every", "0h"]],
)
def test_backtest_bad_options_exit_2(extra: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*ARGS, *extra]) == 2
    assert "error" in capsys.readouterr().err


def test_file_source_needs_liquidations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "BTCUSDT", "--source", str(tmp_path / "bars.csv")]) == 2
    assert "--liquidations is required" in capsys.readouterr().err

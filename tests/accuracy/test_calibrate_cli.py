"""``liqmap calibrate``: exit codes, the written file, and ``map --params`` reading it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liqmap import api
from liqmap.cli.app import main

DEMO = [
    "calibrate",
    "BTCUSDT",
    "--source",
    "demo",
    "--days",
    "2",
    "--max-evals",
    "3",
    "--every",
    "2h",
]


def test_demo_calibration_writes_a_params_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "params.json"
    assert main([*DEMO, "--preset", "high-leverage", "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["params"] == json.loads(out.read_text(encoding="utf-8"))["params"]
    assert printed["fitted_on"]["preset"] == "high-leverage"
    assert printed["fitted_on"]["tape_share"] == 1.0  # the simulator's tape is complete
    assert printed["optimiser"]["evaluations"] == 3
    p = api.load_params(out)
    assert p.to_dict() == printed["params"]
    assert main(["map", "BTCUSDT", "--source", "demo", "--params", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["schema"] == "liqmap.map/1"


def test_table_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.json"
    assert main([*DEMO, "--holdout", "2026-01-02T12:00", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "weight 100x" in text and "out" in text and "wrote" in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--fit", "weights,leverage"], "--fit"),
        (["--reach", "sometimes"], "--reach"),
        (["--method", "newton"], "--method"),
        (["--tape-share", "2"], "--tape-share"),
        (["--tape-share", "lots"], "--tape-share"),
        (["--holdout", "2027-01-01"], "--holdout"),
        (["--from", "2026-01-03", "--to", "2026-01-02"], "--from"),
        (["--preset", "moon"], "--preset"),
        (["--liquidations", "x.csv"], "file sources"),
        (["--every", "soon"], "--every"),
        (["--exchange", "binance,bybit"], "--exchange"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main([*DEMO, "--out", str(tmp_path / "p.json"), *extra]) == 2
    assert message in capsys.readouterr().err


def test_file_source_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bars = tmp_path / "bars.csv"
    bars.write_text("open_time_ms,open,high,low,close,volume\n", encoding="utf-8")
    out = str(tmp_path / "p.json")
    assert main(["calibrate", "BTCUSDT", "--source", str(bars), "--out", out]) == 2
    assert "--liquidations is required" in capsys.readouterr().err
    missing = str(tmp_path / "none.csv")
    assert (
        main(["calibrate", "BTCUSDT", "--source", missing, "--liquidations", missing, "--out", out])
        == 2
    )
    assert main([*DEMO, "--out", str(tmp_path / "p.txt")]) == 2  # not a .json file
    assert main(["calibrate", "BTCUSDT", "--source", "demo"]) == 2  # --out is required

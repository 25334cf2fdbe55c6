"""``liqmap backtest --truth FILE`` and ``--by-interval``: JSON layout, table, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from liqmap.accuracy.truth import aggregate_events
from liqmap.cli.app import main
from liqmap.io.files import save_candles
from liqmap.sim import SimulationResult

H = 3_600_000
DEMO = ["backtest", "BTCUSDT", "--source", "demo", "--every", "4h", "--horizons", "1h,4h"]


def test_by_interval_json_on_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*DEMO, "--by-interval", "--json", "--boot", "20"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["schema"] == "liqmap.backtest-intervals/1"
    assert d["config"]["horizons"] == ["1h", "4h"]
    s = d["scores"]["horizons"][str(H)]["all"]
    assert s["n"] == d["scored_intervals"] // 2 + (d["scored_intervals"] % 2) or s["n"] > 0
    assert set(s["methods"]) == {"model", "range", "oi_range", "ladder", "uniform"}
    assert set(s["diff"]) == {"range", "oi_range", "ladder", "uniform"}
    assert {"hit", "mirror", "base"} <= set(d["scores"]["magnet"][str(H)])
    assert any(n.startswith("truth: the tape summed per 1h") for n in d["notes"])


def _files(tmp_path: Path, market: SimulationResult) -> tuple[Path, Path]:
    bars = tmp_path / "bars.csv"
    save_candles(market.candles, bars)
    t = aggregate_events(market.liquidations, H, market.start_ms, market.end_ms)
    truth = tmp_path / "agg.csv"
    rows = [
        f"{int(ts)},{lo:.2f},{sh:.2f}"
        for ts, lo, sh in zip(t.ts_ms, t.long_usd, t.short_usd, strict=True)
    ]
    truth.write_text(
        "timestamp,liquidation_long_usd,liquidation_short_usd\n" + "\n".join(rows) + "\n"
    )
    return bars, truth


def test_truth_file_json_and_table(tmp_path: Path, market: SimulationResult, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    bars, truth = _files(tmp_path, market)
    args = ["backtest", "BTCUSDT", "--source", str(bars), "--truth", str(truth), "--every", "3h",
            "--horizons", "1h,4h", "--boot", "0"]  # fmt: skip
    assert main([*args, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["scored_intervals"] > 0 and d["label"] == "bars.csv"
    s = d["scores"]["horizons"][str(4 * H)]["long"]
    assert np.isfinite(s["methods"]["model"]["spearman"]["value"])
    assert s["methods"]["model"]["spearman"]["lo"] is None  # --boot 0: no interval, not a fake one
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "model" in out and "top decile hit" in out and "partial Spearman given range" in out


def test_truth_interval_mismatch_exits_2(tmp_path: Path, market: SimulationResult, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    bars, truth = _files(tmp_path, market)
    code = main(["backtest", "BTCUSDT", "--source", str(bars), "--truth", str(truth),
                 "--interval", "4h", "--horizons", "4h"])  # fmt: skip
    assert code == 2
    assert "has 1h intervals but --interval is 4h" in capsys.readouterr().err.replace("\n", " ")


def test_bad_truth_file_exits_2_naming_the_line(tmp_path: Path, market: SimulationResult, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    bars, _ = _files(tmp_path, market)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"timestamp,long_usd,short_usd\n{market.start_ms},1,2\n{market.start_ms + H},oops,2\n"
    )
    assert main(["backtest", "BTCUSDT", "--source", str(bars), "--truth", str(bad)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "line 3" in err and "long_usd" in err and "'oops'" in err

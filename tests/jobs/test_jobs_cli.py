"""``liqmap batch``: the JSON report (done / skipped / failed with reason), resuming a run that
was killed (SIGKILL, a real process), and the message when the Dask extra is missing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _jobs_data import SPEC, START, Data

from liqmap.cli.app import main
from liqmap.errors import MissingExtraError, ParameterError
from liqmap.jobs import (
    BacktestSpec,
    ResultStore,
    SchedulerSpec,
    plan_tasks,
    run_batch,
    split_periods,
)
from liqmap.jobs.tasks import DAY_MS, HOUR_MS

pytestmark = pytest.mark.shared_data


def _args(real: Data, out: Path, *extra: str) -> list[str]:
    inp = real.inputs
    assert inp.liquidations is not None and inp.brackets is not None
    return [
        "batch", "backtest", "--bars", inp.bars, "--liquidations", inp.liquidations,
        "--brackets", inp.brackets, "--from", "2026-01-28", "--to", "2026-01-29",
        "--horizons", "1h,4h", "--out", str(out), *extra,
    ]  # fmt: skip


def test_cli_report_counts_done_skipped_failed_with_reasons(
    real: Data, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    syms = tmp_path / "symbols.txt"
    syms.write_text("# one real, one without data\nBTCUSDT\nNOPEUSDT\n")
    out, rep = tmp_path / "out", tmp_path / "report.json"
    args = _args(real, out, "--symbols", str(syms), "--period", "12h", "--json", str(rep))
    assert main(args) == 1  # a task failed: exit 1, but the batch ran to the end
    doc = json.loads(rep.read_text())
    assert doc["counts"] == {"done": 2, "skipped": 0, "failed": 2}
    assert set(doc["failed"]) == {
        "backtest:binance:NOPEUSDT:20260128T0000_20260128T1200",
        "backtest:binance:NOPEUSDT:20260128T1200_20260129T0000",
    }
    assert all("check the --bars template" in r for r in doc["failed"].values())
    text = capsys.readouterr().out
    assert "NOPEUSDT" in text and "4 tasks: done 2, skipped 0, failed 2" in text
    assert main([*args[:-2], "--json", str(rep), "--symbols", "BTCUSDT"]) == 0
    assert json.loads(rep.read_text())["counts"] == {"done": 0, "skipped": 2, "failed": 0}


def test_symbols_all_from_the_bars_template(real: Data, tmp_path: Path) -> None:
    rep = tmp_path / "r.json"
    assert main(_args(real, tmp_path / "out", "--symbols", "all", "--json", str(rep))) == 0
    assert [t["task_id"] for t in json.loads(rep.read_text())["tasks"]] == [
        "backtest:binance:BTCUSDT:20260128T0000_20260129T0000"
    ]


def test_a_killed_run_resumes_with_what_is_left(real: Data, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = _args(real, out, "--symbols", "BTCUSDT", "--period", "6h", "--every", "15m")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-m", "liqmap", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    manifest = out / "_manifest"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(manifest.rglob("*.json")):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list(manifest.rglob("*.json")))
    assert 1 <= finished < 4, "kill the run after its first task and before its last"
    rep = tmp_path / "r.json"
    assert main([*args, "--json", str(rep)]) == 0
    doc = json.loads(rep.read_text())
    assert doc["counts"] == {"done": 4 - finished, "skipped": finished, "failed": 0}
    spec = BacktestSpec(SPEC.window_ms, HOUR_MS // 4, SPEC.horizons_ms)
    tasks = plan_tasks("backtest", ("binance",), ("BTCUSDT",), split_periods(START, START + DAY_MS, DAY_MS // 4), spec, real.inputs)  # fmt: skip
    ref = ResultStore(str(tmp_path / "ref"))
    run_batch(tasks, ref)
    got = ResultStore(str(out))
    for t in tasks:
        assert got.read_kind(t.key, "points").equals(ref.read_kind(t.key, "points"))
    leftovers = [p for p in out.rglob("*") if ".tmp-" in p.name]
    assert leftovers == []


def test_missing_dask_names_the_extra(
    real: Data, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    tasks = plan_tasks("backtest", ("binance",), ("BTCUSDT",), [(START, START + DAY_MS)], SPEC, real.inputs)  # fmt: skip
    with pytest.raises(MissingExtraError, match=r"pip install 'liqmap\[distributed\]'"):
        run_batch(tasks, ResultStore(str(tmp_path / "a")), SchedulerSpec(workers=2))
    assert main(_args(real, tmp_path / "b", "--symbols", "BTCUSDT", "--workers", "2")) == 1
    err = capsys.readouterr().err
    assert "liqmap batch --workers/--scheduler needs distributed" in err
    assert "pip install 'liqmap[distributed]'" in err
    assert (
        run_batch(tasks, ResultStore(str(tmp_path / "c"))).count("done") == 1
    )  # in-process: no Dask


def test_an_unreachable_scheduler_is_named(real: Data, tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="liqmap[distributed] is not installed")
    tasks = plan_tasks("backtest", ("binance",), ("BTCUSDT",), [(START, START + DAY_MS)], SPEC, real.inputs)  # fmt: skip
    spec = SchedulerSpec(address="tcp://127.0.0.1:9", connect_timeout_s=1.0)
    with pytest.raises(ParameterError, match=r"tcp://127.0.0.1:9: no Dask scheduler answers"):
        run_batch(tasks, ResultStore(str(tmp_path / "a")), spec)


def test_bad_scheduler_flags_are_named() -> None:
    with pytest.raises(Exception, match="not both"):
        SchedulerSpec(workers=2, address="tcp://x:8786")
    with pytest.raises(Exception, match="tcp://host:8786"):
        SchedulerSpec(address="localhost")

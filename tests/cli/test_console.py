"""CLI text does not depend on the terminal width or on the length of paths it names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from liqmap.cli.app import main

LONG = "d" * 150


@pytest.mark.parametrize("columns", ["20", "40", "80", "300"])
def test_error_line_is_whole_at_any_width(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    columns: str,
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    missing = tmp_path / LONG / "nope.toml"
    assert main(["alerts", "test", "--config", str(missing)]) == 2
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, f"error wrapped into {len(lines)} lines at COLUMNS={columns}: {err!r}"
    assert str(missing) in lines[0] and "no such file" in lines[0]


def test_help_is_the_same_at_any_width(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = []
    for columns in ("30", "250"):
        monkeypatch.setenv("COLUMNS", columns)
        assert main(["serve", "--help"]) == 0
        texts.append(capsys.readouterr().out)
    assert texts[0] == texts[1]
    assert "--host" in texts[0] and "127.0.0.1" in texts[0]


def test_whole_process_error_is_one_line(tmp_path: Path) -> None:
    """The installed command, its stderr a pipe, with a narrow COLUMNS: one unbroken line."""
    missing = tmp_path / LONG / "nope.toml"
    proc = subprocess.run(
        [sys.executable, "-m", "liqmap", "alerts", "test", "--config", str(missing)],
        capture_output=True,
        text=True,
        env={"COLUMNS": "40", "PATH": "/usr/bin:/bin", "LC_ALL": "C"},
        check=False,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and str(missing) in lines[0], proc.stderr

"""Flags and settings that used to end in a traceback (issue 13 item 8): each is exit code 2
with a message naming the flag and the fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from liqmap.cli.app import main


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    rc = main(argv)
    out = capsys.readouterr()
    return rc, " ".join((out.err + out.out).split())


def test_empty_exchange(capsys: pytest.CaptureFixture[str]) -> None:
    rc, text = _run(capsys, ["map", "BTCUSDT", "--source", "demo", "--exchange", ""])
    assert rc == 2 and "--exchange" in text and "Traceback" not in text


def test_at_in_microseconds(capsys: pytest.CaptureFixture[str]) -> None:
    rc, text = _run(capsys, ["map", "BTCUSDT", "--source", "demo", "--at", "1748200000000000"])
    assert rc == 2 and "microseconds" in text and "1748200000000" in text


def test_params_binary_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "params.json"
    p.write_bytes(bytes(range(256)) * 4)
    rc, text = _run(capsys, ["map", "BTCUSDT", "--source", "demo", "--params", str(p)])
    assert rc == 2 and "params.json" in text and "UTF-8" in text


def test_plan_size_too_large(capsys: pytest.CaptureFixture[str]) -> None:
    rc, text = _run(capsys, ["plan", "BTCUSDT", "--side", "long", "--size", "1e308"])
    assert rc == 2 and "--size" in text and "at most" in text


def test_home_that_cannot_be_created(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    home = blocker / "home"  # cannot exist: its parent is a file (what a read-only parent does)
    monkeypatch.setenv("LIQMAP_HOME", str(home))
    rc, text = _run(capsys, ["store", "info"])
    assert rc == 2 and "LIQMAP_HOME" in text and "Traceback" not in text


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores folder permissions"
)
def test_home_under_a_read_only_parent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        monkeypatch.setenv("LIQMAP_HOME", str(ro / "home"))
        rc, text = _run(capsys, ["store", "info"])
    finally:
        ro.chmod(0o755)
    assert rc == 2 and "LIQMAP_HOME" in text

"""Atomic writes (liqmap.io.atomic): the target is the old file or the whole new one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from liqmap.io.atomic import atomic_writer, write_atomic


class BoomError(RuntimeError):
    pass


def test_write_text_and_bytes(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    write_atomic(target, "a,b\n1,2\n")
    assert target.read_text() == "a,b\n1,2\n"
    write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_text_encoding(tmp_path: Path) -> None:
    target = tmp_path / "u.txt"
    write_atomic(target, "µs", encoding="utf-16")
    assert target.read_text(encoding="utf-16") == "µs"


def test_context_manager_text_and_binary(tmp_path: Path) -> None:
    with atomic_writer(tmp_path / "t.txt") as f:
        f.write("hello")
    with atomic_writer(tmp_path / "b.bin", "wb") as fb:
        fb.write(b"\xff")
    assert (tmp_path / "t.txt").read_text() == "hello"
    assert (tmp_path / "b.bin").read_bytes() == b"\xff"


def test_error_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "keep.csv"
    target.write_text("old")
    with pytest.raises(BoomError), atomic_writer(target) as f:
        f.write("half of the new")
        raise BoomError
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.csv"]


def test_error_creates_nothing_when_target_absent(tmp_path: Path) -> None:
    with pytest.raises(BoomError), atomic_writer(tmp_path / "new.csv") as f:
        f.write("x")
        raise BoomError
    assert list(tmp_path.iterdir()) == []


def test_new_file_mode_and_existing_mode_kept(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    write_atomic(fresh, "x")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
    kept = tmp_path / "kept"
    kept.write_text("x")
    kept.chmod(0o600)
    write_atomic(kept, "y")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_missing_folder_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "nope" / "x.csv", "x")


def test_accepts_pathlike_str(tmp_path: Path) -> None:
    write_atomic(os.fspath(tmp_path / "s.txt"), "ok")
    assert (tmp_path / "s.txt").read_text() == "ok"

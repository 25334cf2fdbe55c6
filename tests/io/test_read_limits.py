"""Bounded memory on accepted input (issue 13 item 3): gzip bombs, zip bombs and huge (sparse)
files are cut off at the decompressed-size limit while streaming, with an error that names the
limit and how to raise it; peak memory of reading each stays far under 1 GB.

The bombs are built at test time in tmp (small on disk: a gzip member repeated, a zip of one
highly compressible member) and read in a subprocess that reports its peak RSS. The peak is
``VmHWM`` of ``/proc/self/status``, not ``ru_maxrss``: Linux carries the parent's high-water mark
over ``exec`` into ``ru_maxrss``, so a child of a 1.4 GB pytest process reported 1.4 GB.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from liqmap.errors import DataFileError, ParameterError
from liqmap.io.read import read_table
from liqmap.limits import InputLimits, check_heatmap_cells, heatmap_max_cells

LINE = b"1767225600000,100.0,101.0,99.0,100.5,12.5\n"
MIB = 1 << 20


def _gzip_bomb(path: Path, mib: int) -> Path:
    """A gzip file of ``mib`` MiB of CSV rows: one 16 MiB member, repeated (a valid gzip)."""
    block = b"open_time,open,high,low,close,volume\n" + LINE * (16 * MIB // len(LINE))
    member = gzip.compress(block, compresslevel=9)
    with path.open("wb") as f:
        for _ in range(max(1, mib // 16)):
            f.write(member)
    return path


def _zip_bomb(path: Path, mib: int) -> Path:
    chunk = LINE * (MIB // len(LINE))
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z,
        z.open("bars.csv", "w", force_zip64=True) as out,
    ):
        out.write(b"open_time,open,high,low,close,volume\n")
        for _ in range(mib):
            out.write(chunk)
    return path


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as f:
        f.write(b"open_time,open,high,low,close,volume\n" + LINE)
        f.truncate(size)
    return path


def test_gzip_bomb_is_cut_at_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQMAP_MAX_FILE_MB", "8")
    with pytest.raises(DataFileError, match=r"8 MiB limit.*LIQMAP_MAX_FILE_MB=16"):
        read_table(_gzip_bomb(tmp_path / "b.csv.gz", 32))


def test_zip_bomb_is_cut_at_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQMAP_MAX_FILE_MB", "4")
    with pytest.raises(DataFileError, match=r"4 MiB limit.*LIQMAP_MAX_FILE_MB"):
        read_table(_zip_bomb(tmp_path / "b.zip", 12))


def test_sparse_file_is_refused_by_size(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"256 MiB limit.*LIQMAP_MAX_FILE_MB=2048"):
        read_table(_sparse(tmp_path / "s.csv", 2 << 30))


def test_row_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQMAP_MAX_ROWS", "1000")
    p = tmp_path / "rows.csv"
    p.write_bytes(b"open_time,open,high,low,close,volume\n" + LINE * 1001)
    with pytest.raises(DataFileError, match=r"more than 1,000 data rows.*LIQMAP_MAX_ROWS=2000"):
        read_table(p)
    p.write_bytes(b"open_time,open,high,low,close,volume\n" + LINE * 1000)
    assert read_table(p).frame.height == 1000


def test_bad_limit_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQMAP_MAX_ROWS", "lots")
    with pytest.raises(ParameterError, match="LIQMAP_MAX_ROWS"):
        InputLimits.from_env()


_PROBE = """
import json, resource, sys
from liqmap.errors import DataFileError
from liqmap.io.read import read_table
out = {}
for p in sys.argv[1:]:
    try:
        read_table(p)
        out[p] = "read"
    except DataFileError as e:
        out[p] = str(e)
try:  # this process's own high-water mark: ru_maxrss would carry the parent's over exec
    hwm = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
    out["peak_mib"] = int(hwm) / 1024
except (OSError, IndexError):  # not Linux
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def test_peak_memory_of_bombs_with_default_limits(tmp_path: Path) -> None:
    files = [
        _gzip_bomb(tmp_path / "g.csv.gz", 1024),  # 1 GiB decompressed, ~2 MB on disk
        _zip_bomb(tmp_path / "z.zip", 320),
        _sparse(tmp_path / "s.csv", 2 << 30),  # 2 GiB apparent, a few blocks on disk
    ]
    assert all(f.stat().st_size < 8 * MIB for f in files[:2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("LIQMAP_MAX_FILE_MB", None)
    env.pop("LIQMAP_MAX_ROWS", None)
    for f in files:  # the target is per input file: each one read in a fresh process
        run = subprocess.run(
            [sys.executable, "-c", _PROBE, str(f)], capture_output=True, text=True,
            env=env, timeout=120, check=True,
        )  # fmt: skip
        out = json.loads(run.stdout)
        assert "MiB limit" in out[str(f)], out
        assert out["peak_mib"] < 1024, (f.name, out["peak_mib"])


def test_one_heatmap_limit() -> None:
    assert heatmap_max_cells(available=0) == 400_000
    assert heatmap_max_cells(available=1 << 40) == 2_000_000
    assert 400_000 <= heatmap_max_cells() <= 2_000_000
    with pytest.raises(ParameterError, match="heatmap limit of 400,000"):
        check_heatmap_cells(20_000, 5_000, limit=400_000)
    check_heatmap_cells(400, 1000, limit=400_000)

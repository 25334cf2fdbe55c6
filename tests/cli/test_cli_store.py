"""`liqmap import`, `liqmap store info` and `liqmap download`: $LIQMAP_HOME, JSON layouts,
idempotency, exit codes (0 ok, 1 failed download, 2 bad input) and the progress display."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pytest_httpserver import HTTPServer
from rich.console import Console
from werkzeug import Request, Response

from liqmap.cli.app import main
from liqmap.cli.store import RichProgress

AVAX = "AVAXUSDT-1m-2026-02.csv.gz"
DAY = "2026-02-10"
T0 = 1_770_681_600_000  # 2026-02-10T00:00Z


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    monkeypatch.setenv("LIQMAP_HOME", str(h))
    monkeypatch.setenv("COLUMNS", "160")
    return h


def _json(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 0) -> Any:
    assert main(argv) == code
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def day_zip(shared_data: Path, tmp_path: Path) -> bytes:
    frame = pl.read_csv(gzip.decompress((shared_data / "bars" / AVAX).read_bytes()))
    part = frame.filter((pl.col("open_time") >= T0) & (pl.col("open_time") < T0 + 86_400_000))
    buf, out = io.BytesIO(), io.BytesIO()
    part.write_csv(buf)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"AVAXUSDT-1m-{DAY}.csv", buf.getvalue())
    (tmp_path / f"AVAXUSDT-1m-{DAY}.zip").write_bytes(out.getvalue())
    return out.getvalue()


def test_import_then_info(
    home: Path,
    tmp_path: Path,
    day_zip: bytes,
    shared_data: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = str(tmp_path / f"AVAXUSDT-1m-{DAY}.zip")
    d = _json(capsys, ["import", path, "--exchange", "binance", "--symbol", "AVAXUSDT", "--json"])
    assert d["schema"] == "liqmap.import/1" and d["store"] == str(home / "liqmap.duckdb")
    assert d["new_rows"] == {"candles:60000": 1440}
    assert d["files"][0]["kind"] == "candles" and d["files"][0]["load"]["rows_read"] == 1440
    again = _json(
        capsys, ["import", path, "--exchange", "binance-usdm", "--symbol", "AVAXUSDT", "--json"]
    )
    assert again["new_rows"] == {"candles:60000": 0}
    tape = shared_data / "liquidations" / "binance-btc-forceorder-2026-01-27_2026-02-16.csv.gz"
    assert main(["import", str(tape), "--exchange", "binance", "--symbol", "BTCUSDT"]) == 0
    assert "28,063" in capsys.readouterr().out

    info = _json(capsys, ["store", "info", "--json"])
    assert info["schema"] == "liqmap.store-info/1" and info["schema_version"] == 2
    rows = {(s["symbol"], s["kind"]): s for s in info["series"]}
    avax = rows[("AVAXUSDT", "candles:60000")]
    assert (avax["rows"], avax["first"], avax["last"]) == (
        1440,
        "2026-02-10T00:00:00.000Z",
        "2026-02-10T23:59:00.000Z",
    )
    assert avax["gaps"] == [] and rows[("BTCUSDT", "liquidations")]["rows"] == 28_063
    assert main(["store", "info"]) == 0
    text = capsys.readouterr().out
    assert "AVAXUSDT" in text and "1m candles" in text and "1,440" in text  # kinds for people


def test_empty_store_and_bad_input(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["store", "info"]) == 0
    assert "is empty" in capsys.readouterr().out
    assert (
        main(["import", str(tmp_path / "nope.csv"), "--exchange", "binance", "--symbol", "X"]) == 2
    )
    assert main(["import", str(tmp_path), "--exchange", "kraken", "--symbol", "BTCUSDT"]) == 2
    assert "unknown exchange" in capsys.readouterr().err
    assert main(["download", "BTCUSDT", "--kind", "trades", "--from", "2026-01-01"]) == 2
    assert main(["download", "BTCUSDT", "--kind", "metrics", "--from", "01/02/2026"]) == 2
    assert "--from" in capsys.readouterr().err


def _serve(server: HTTPServer, files: dict[str, bytes], status: dict[str, int]) -> None:
    def handle(req: Request) -> Response:
        if req.path in status:
            return Response("no", status=status[req.path])
        if req.path.endswith(".CHECKSUM") and req.path.removesuffix(".CHECKSUM") in files:
            data = files[req.path.removesuffix(".CHECKSUM")]
            return Response(
                f"{hashlib.sha256(data).hexdigest()}  {req.path.rsplit('/', 1)[1][:-9]}"
            )
        if req.path in files:
            return Response(files[req.path])
        return Response("not found", status=404)

    server.expect_request(re.compile(r"^/data/.*")).respond_with_handler(handle)


def test_download_command(
    home: Path,
    day_zip: bytes,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = "/data/futures/um/daily/klines/AVAXUSDT/1m/"
    _serve(
        httpserver,
        {folder + f"AVAXUSDT-1m-{DAY}.zip": day_zip},
        {folder + "AVAXUSDT-1m-2026-02-12.zip.CHECKSUM": 403},
    )
    monkeypatch.setenv("LIQMAP_BINANCE_ARCHIVE_URL", httpserver.url_for("/"))
    args = ["download", "AVAXUSDT", "--kind", "klines-1m", "--from", DAY, "--to", "2026-02-11"]
    d = _json(capsys, [*args, "--json"])
    assert d["schema"] == "liqmap.download/1" and d["files"]["stored"] == 1
    assert d["files"]["missing"] == ["AVAXUSDT-1m-2026-02-11.zip"]
    assert d["rows"]["new"] == {"candles:60000": 1440} and d["bytes"] == len(day_zip)
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "0 stored, 1 already stored, 1 missing" in out
    assert main([*args[:-1], "2026-02-12"]) == 1  # HTTP 403: not retried, reported, exit 1
    captured = capsys.readouterr()
    assert "failed AVAXUSDT-1m-2026-02-12.zip" in captured.out
    assert "Run the same command again" in captured.err


def test_rich_progress_shows_files_and_bytes() -> None:
    buf = io.StringIO()
    display = RichProgress.create(Console(file=buf, force_terminal=True, width=120))
    with display.progress:
        display.add_files(2)
        display.advance_bytes(2_500_000)
        display.file_done("BTCUSDT-1m-2026-02-10.zip", "stored")
        display.file_done("BTCUSDT-1m-2026-02-11.zip", "missing")
    text = buf.getvalue()
    assert "2/2" in text and "2.5 MB" in text and "BTCUSDT-1m-2026-02-11.zip: missing" in text
    assert "/s)" in text

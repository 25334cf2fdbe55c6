"""Ingest batches: workers parse (and download), the driver alone writes the store. The stored
rows equal those of the serial ``liqmap import`` / ``liqmap download`` paths."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from _jobs_data import Data
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from liqmap.archive.download import download_archive
from liqmap.archive.layout import ArchiveFile
from liqmap.cli.app import main
from liqmap.store import Store
from liqmap.store.importer import import_file

pytestmark = pytest.mark.shared_data
DAY = 86_400_000


def _same_candles(a: Store, b: Store, symbol: str, interval_ms: int) -> int:
    x = a.read_candles("binance", symbol, interval_ms=interval_ms)
    y = b.read_candles("binance", symbol, interval_ms=interval_ms)
    for col in ("ts_ms", "open", "high", "low", "close", "volume"):
        assert np.array_equal(getattr(x, col), getattr(y, col), equal_nan=True), col
    return len(x)


def test_batch_import_equals_serial_import(
    real: Data, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIQMAP_HOME", str(tmp_path / "home"))
    rep = tmp_path / "r.json"
    common = ["--symbols", "BTCUSDT", "--from", "2026-01-25", "--to", "2026-02-02", "--period", "2d", "--out", str(tmp_path / "out")]  # fmt: skip
    bars = ["batch", "import", "--files", real.inputs.bars, *common]
    assert main([*bars, "--json", str(rep)]) == 0
    doc = json.loads(rep.read_text())
    assert doc["counts"]["done"] == 4 and doc["committed_rows"] == {"candles-300000": 8 * 288}
    tape = str(real.inputs.liquidations)
    assert main(["batch", "import", "--files", tape, *common, "--kind", "liquidations"]) == 0
    with Store.open(tmp_path / "serial.duckdb") as ref:
        import_file(ref, real.bars, venue="binance", symbol="BTCUSDT")
        import_file(ref, real.tape, venue="binance", symbol="BTCUSDT", kind="liquidations")
        with Store.open(tmp_path / "home" / "liqmap.duckdb", read_only=True) as got:
            assert _same_candles(got, ref, "BTCUSDT", 300_000) == 8 * 288
            a, b = got.read_liquidations("binance", "BTCUSDT"), ref.read_liquidations("binance", "BTCUSDT")  # fmt: skip
            assert len(a) == len(b) > 1000
            assert np.array_equal(a.ts_ms, b.ts_ms) and np.array_equal(a.notional_usd, b.notional_usd)  # fmt: skip
    assert main([*bars, "--force", "--json", str(rep)]) == 0  # redone: the store adds nothing
    assert json.loads(rep.read_text())["committed_rows"] == {"candles-300000": 0}
    # the store as a batch source (read-only): the same backtest points as from the files
    period = ["--symbols", "BTCUSDT", "--from", "2026-01-28", "--to", "2026-01-29", "--horizons", "1h,4h", "--brackets", str(real.brackets)]  # fmt: skip
    assert (
        main(["batch", "backtest", "--bars", "store", *period, "--out", str(tmp_path / "s")]) == 0
    )
    files = ["--bars", real.inputs.bars, "--liquidations", str(real.inputs.liquidations)]
    assert main(["batch", "backtest", *files, *period, "--out", str(tmp_path / "f")]) == 0
    part = "backtest/venue=binance/symbol=BTCUSDT/period=20260128T0000_20260129T0000/points.parquet"
    a, b = pl.read_parquet(tmp_path / "s" / part), pl.read_parquet(tmp_path / "f" / part)
    assert a.height > 0 and a.drop("actual_usd").equals(b.drop("actual_usd"))
    # the store returns events of one millisecond in its own order, so a sum may differ in its
    # last bit; everything else is identical
    assert np.allclose(a["actual_usd"].to_numpy(), b["actual_usd"].to_numpy(), rtol=1e-13, atol=0)


class _Archive:
    """data.binance.vision in miniature: daily AVAXUSDT 1m zips and their CHECKSUMs."""

    def __init__(self, server: HTTPServer, frame: pl.DataFrame, days: list[str]) -> None:
        self.files: dict[str, bytes] = {}
        for d in days:
            t0 = int(np.datetime64(d, "ms").astype(np.int64))
            buf = io.BytesIO()
            frame.filter((pl.col("open_time") >= t0) & (pl.col("open_time") < t0 + DAY)).write_csv(buf)  # fmt: skip
            f = ArchiveFile(d, "klines-1m", "AVAXUSDT")
            z = io.BytesIO()
            with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(f.name.replace(".zip", ".csv"), buf.getvalue())
            self.files["/" + f.path] = z.getvalue()
        server.expect_request(re.compile(r"^/data/.*")).respond_with_handler(self.handle)
        self.base = server.url_for("/").rstrip("/")

    def handle(self, req: Request) -> Response:
        path = req.path.removesuffix(".CHECKSUM")
        if path not in self.files:
            return Response("not found", status=404)
        data = self.files[path]
        if req.path.endswith(".CHECKSUM"):
            return Response(f"{hashlib.sha256(data).hexdigest()}  {path.rsplit('/', 1)[1]}\n")
        return Response(data, content_type="application/zip")


def test_batch_backfill_equals_liqmap_download(
    shared_data: Path, httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    avax = pl.read_csv(gzip.decompress((shared_data / "bars" / "AVAXUSDT-1m-2026-02.csv.gz").read_bytes()))  # fmt: skip
    days = ["2026-02-10", "2026-02-11", "2026-02-12", "2026-02-13"]
    arch = _Archive(httpserver, avax, days)
    monkeypatch.setenv("LIQMAP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LIQMAP_BINANCE_ARCHIVE_URL", arch.base)
    rep = tmp_path / "r.json"
    args = ["batch", "backfill", "--symbols", "AVAXUSDT", "--from", "2026-02-10", "--to", "2026-02-14", "--period", "2d", "--out", str(tmp_path / "out"), "--json", str(rep)]  # fmt: skip
    assert main(args) == 0
    doc = json.loads(rep.read_text())
    assert doc["counts"]["done"] == 2 and doc["committed_rows"]["candles-60000"] == 4 * 1440
    with Store.open(tmp_path / "ref" / "liqmap.duckdb") as ref:
        download_archive(ref, "AVAXUSDT", "klines-1m", date(2026, 2, 10), date(2026, 2, 13), base_url=arch.base, folder=tmp_path / "ref-zips")  # fmt: skip
        with Store.open(tmp_path / "home" / "liqmap.duckdb", read_only=True) as got:
            assert _same_candles(got, ref, "AVAXUSDT", 60_000) == 4 * 1440
            for d in days:  # the store remembers the files, as `liqmap download` does
                assert got.has_download(ArchiveFile(d, "klines-1m", "AVAXUSDT").url(arch.base))
    assert main(args) == 0
    assert json.loads(rep.read_text())["counts"] == {"done": 0, "skipped": 2, "failed": 0}

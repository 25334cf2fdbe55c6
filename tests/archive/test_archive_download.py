"""``download_archive`` against a REAL local HTTP server laid out like data.binance.vision.

The zips are built at test time from ../shared/data: the AVAX file is the archive's exact
klines format; aggTrades are synthesised from real 1m bars (four trades per minute at open,
high, low, close) so the stored candles must equal those bars; metrics, bookDepth and
fundingRate are written in their published layouts from real 5m bars and funding rates.
Faults: wrong CHECKSUM, truncated file, a 404 day, 500/429 then success, a connection cut
mid-file (resumed with Range), a server ignoring Range, a full disk.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import subprocess
import uuid
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from liqmap.archive.download import DownloadSummary, download_archive
from liqmap.archive.fetch import RetryPolicy
from liqmap.archive.layout import ArchiveFile, ArchiveKind
from liqmap.domain.market import Candles
from liqmap.errors import DiskFullError
from liqmap.io.files import load_candles
from liqmap.store import Store

DAY = 86_400_000
FAST = RetryPolicy(attempts=3, base_s=0.0)
AVAX = "AVAXUSDT-1m-2026-02.csv.gz"


class FakeArchive:
    """Serves zips and CHECKSUMs by path, with scripted faults; logs (path, Range) per request."""

    def __init__(self, server: HTTPServer) -> None:
        self.base = server.url_for("/").rstrip("/")
        self.files: dict[str, bytes] = {}
        self.sums: dict[str, str] = {}
        self.faults: dict[str, list[str]] = {}
        self.range_ok = True
        self.log: list[tuple[str, str | None]] = []
        server.expect_request(re.compile(r"^/data/.*")).respond_with_handler(self.handle)

    def add(self, f: ArchiveFile, csv: bytes, *, body: bytes | None = None) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(f.name.replace(".zip", ".csv"), csv)
        data = buf.getvalue()
        self.files["/" + f.path] = data if body is None else body
        self.sums["/" + f.path] = hashlib.sha256(data).hexdigest()
        return data

    def requests(self, name: str) -> list[str | None]:
        return [rng for path, rng in self.log if path.endswith("/" + name)]

    def handle(self, req: Request) -> Response:
        path, rng = req.path, req.headers.get("Range")
        self.log.append((path, rng))
        queue = self.faults.get(path, [])
        fault = queue.pop(0) if queue else ""
        if fault in ("500", "429"):
            return Response("busy", status=int(fault), headers={"Retry-After": "0"})
        if path.endswith(".CHECKSUM"):
            zpath = path.removesuffix(".CHECKSUM")
            if zpath not in self.files:
                return Response("not found", status=404)
            return Response(f"{self.sums[zpath]}  {zpath.rsplit('/', 1)[1]}\n")
        if path not in self.files:
            return Response("not found", status=404)
        data = self.files[path]
        if fault == "cut":
            return _cut(data)
        if rng and self.range_ok:
            start = int(rng.split("=")[1].split("-")[0])
            resp = Response(data[start:], status=206)
            resp.headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            return resp
        return Response(data, content_type="application/zip")


def _cut(data: bytes) -> Response:
    """Announce the whole file, send half, drop the connection."""

    def body() -> Iterator[bytes]:
        yield data[: len(data) // 2]
        raise ConnectionAbortedError("connection dropped by the test server")

    resp = Response(body(), status=200, direct_passthrough=True)
    resp.headers["Content-Length"] = str(len(data))
    return resp


@pytest.fixture
def archive(httpserver: HTTPServer) -> FakeArchive:
    return FakeArchive(httpserver)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "home" / "liqmap.duckdb") as s:
        yield s


@pytest.fixture(scope="module")
def avax(shared_data: Path) -> pl.DataFrame:
    return pl.read_csv(gzip.decompress((shared_data / "bars" / AVAX).read_bytes()))


def _day_csv(frame: pl.DataFrame, day: str, *, header: bool = True, dup: int = 0) -> bytes:
    t0 = int(np.datetime64(day, "ms").astype(np.int64))
    part = frame.filter((pl.col("open_time") >= t0) & (pl.col("open_time") < t0 + DAY))
    if dup:
        part = pl.concat([part, part.head(dup)]).sort("open_time", maintain_order=True)
    buf = io.BytesIO()
    part.write_csv(buf, include_header=header)
    return buf.getvalue()


def _run(
    store: Store,
    archive: FakeArchive,
    tmp_path: Path,
    kind: ArchiveKind,
    symbol: str,
    first: str,
    last: str,
    *,
    retry: RetryPolicy = FAST,
    keep_files: bool = False,
    folder: Path | None = None,
) -> DownloadSummary:
    return download_archive(
        store,
        symbol,
        kind,
        date.fromisoformat(first),
        date.fromisoformat(last),
        base_url=archive.base,
        folder=folder or tmp_path / "dl",
        retry=retry,
        keep_files=keep_files,
        today=date(2026, 3, 10),
    )


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_klines_days_header_headerless_duplicates_and_a_404(
    store: Store, archive: FakeArchive, avax: pl.DataFrame, tmp_path: Path
) -> None:
    days = ("2026-02-25", "2026-02-26", "2026-02-27")
    archive.add(ArchiveFile(days[0], "klines-1m", "AVAXUSDT"), _day_csv(avax, days[0]))
    archive.add(
        ArchiveFile(days[1], "klines-1m", "AVAXUSDT"), _day_csv(avax, days[1], header=False)
    )
    archive.add(ArchiveFile(days[2], "klines-1m", "AVAXUSDT"), _day_csv(avax, days[2], dup=7))
    s = _run(store, archive, tmp_path, "klines-1m", "avaxusdt", "2026-02-25", "2026-02-28")
    assert sorted(s.stored) == [f"AVAXUSDT-1m-{d}.zip" for d in days]
    assert s.missing == ["AVAXUSDT-1m-2026-02-28.zip"] and s.failed == {} and s.ok
    assert (s.rows_read, s.duplicates_dropped) == (3 * 1440 + 7, 7)
    assert dict(s.new_rows) == {"candles:60000": 3 * 1440}
    bars = store.read_candles("binance", "AVAXUSDT", interval_ms=60_000)
    t0 = int(np.datetime64(days[0], "ms").astype(np.int64))
    want = avax.filter((pl.col("open_time") >= t0) & (pl.col("open_time") < t0 + 3 * DAY))
    np.testing.assert_array_equal(bars.ts_ms, want["open_time"].to_numpy())
    np.testing.assert_array_equal(bars.close, want["close"].to_numpy())
    np.testing.assert_array_equal(bars.taker_buy_volume, want["taker_buy_volume"].to_numpy())
    assert _files(tmp_path / "dl") == []  # verified zips are deleted once stored

    archive.log.clear()
    again = _run(store, archive, tmp_path, "klines-1m", "AVAXUSDT", "2026-02-25", "2026-02-28")
    assert sorted(again.skipped) == sorted(s.stored) and again.stored == [] and not again.new_rows
    assert [p for p, _ in archive.log] == [
        "/data/futures/um/daily/klines/AVAXUSDT/1m/AVAXUSDT-1m-2026-02-28.zip.CHECKSUM"
    ]  # stored files cost no request at all


def test_monthly_file_and_fallback_to_days(
    store: Store, archive: FakeArchive, avax: pl.DataFrame, tmp_path: Path
) -> None:
    month = ArchiveFile("2026-02", "klines-1m", "AVAXUSDT")
    csv = io.BytesIO()
    avax.write_csv(csv)
    archive.add(month, csv.getvalue())
    s = _run(store, archive, tmp_path, "klines-1m", "AVAXUSDT", "2026-02-01", "2026-02-28")
    assert s.stored == ["AVAXUSDT-1m-2026-02.zip"] and s.new_rows["candles:60000"] == 40_320

    # ETH: the monthly file is not out yet, so the days are used
    eth = avax.head(2 * 1440)
    for d in ("2026-02-01", "2026-02-02"):
        archive.add(ArchiveFile(d, "klines-1m", "ETHUSDT"), _day_csv(eth, d))
    s = _run(store, archive, tmp_path, "klines-1m", "ETHUSDT", "2026-02-01", "2026-02-28")
    assert sorted(s.stored) == ["ETHUSDT-1m-2026-02-01.zip", "ETHUSDT-1m-2026-02-02.zip"]
    assert len(s.missing) == 26 and s.planned == 28 and s.new_rows["candles:60000"] == 2880
    assert any("not published (yet)" in n for n in s.notes)


def test_wrong_checksum_and_truncated_file_fail_after_bounded_retries(
    store: Store, archive: FakeArchive, avax: pl.DataFrame, tmp_path: Path
) -> None:
    good, bad, short = (
        ArchiveFile(d, "klines-1m", "AVAXUSDT") for d in ("2026-02-10", "2026-02-11", "2026-02-12")
    )
    archive.add(good, _day_csv(avax, good.period))
    archive.add(bad, _day_csv(avax, bad.period))
    archive.sums["/" + bad.path] = "0" * 64
    full = archive.add(short, _day_csv(avax, short.period))
    archive.files["/" + short.path] = full[: len(full) // 2]  # published sum is the full file's
    s = _run(store, archive, tmp_path, "klines-1m", "AVAXUSDT", "2026-02-10", "2026-02-12")
    assert s.stored == [good.name] and not s.ok
    assert set(s.failed) == {bad.name, short.name}
    assert all("SHA-256" in why and "deleted" in why for why in s.failed.values())
    assert len(archive.requests(bad.name)) == FAST.attempts == len(archive.requests(short.name))
    assert _files(tmp_path / "dl") == []  # nothing unverified is kept
    assert not store.has_download(bad.url(archive.base))


def test_server_errors_and_rate_limits_are_retried(
    store: Store, archive: FakeArchive, avax: pl.DataFrame, tmp_path: Path
) -> None:
    f = ArchiveFile("2026-02-10", "klines-1m", "AVAXUSDT")
    archive.add(f, _day_csv(avax, f.period))
    archive.faults["/" + f.path + ".CHECKSUM"] = ["500"]
    archive.faults["/" + f.path] = ["500", "429"]
    s = _run(
        store,
        archive,
        tmp_path,
        "klines-1m",
        "AVAXUSDT",
        "2026-02-10",
        "2026-02-10",
        retry=RetryPolicy(attempts=4, base_s=0.0),
    )
    assert s.stored == [f.name] and s.ok
    assert len(archive.requests(f.name)) == 3 and len(archive.requests(f.name + ".CHECKSUM")) == 2


def test_cut_connection_resumes_with_range(
    store: Store, archive: FakeArchive, avax: pl.DataFrame, tmp_path: Path
) -> None:
    f = ArchiveFile("2026-02-10", "klines-1m", "AVAXUSDT")
    data = archive.add(f, _day_csv(avax, f.period))
    archive.faults["/" + f.path] = ["cut"]
    s = _run(store, archive, tmp_path, "klines-1m", "AVAXUSDT", "2026-02-10", "2026-02-10")
    assert s.stored == [f.name] and s.resumed == 1 and s.bytes == len(data)
    assert archive.requests(f.name) == [None, f"bytes={len(data) // 2}-"]
    assert s.new_rows["candles:60000"] == 1440


def test_partial_file_from_an_earlier_run_when_range_is_ignored(
    store: Store, archive: FakeArchive, avax: pl.DataFrame, tmp_path: Path
) -> None:
    f = ArchiveFile("2026-02-10", "klines-1m", "AVAXUSDT")
    data = archive.add(f, _day_csv(avax, f.period))
    part = tmp_path / "dl" / (f.path + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(data[:1000])
    archive.range_ok = False  # answers 200 with the whole file
    s = _run(
        store,
        archive,
        tmp_path,
        "klines-1m",
        "AVAXUSDT",
        "2026-02-10",
        "2026-02-10",
        keep_files=True,
    )
    assert s.stored == [f.name] and s.resumed == 0
    assert archive.requests(f.name) == ["bytes=1000-"]
    assert (tmp_path / "dl" / f.path).read_bytes() == data  # kept, whole and verified


# --- the other kinds, built in their published layouts from real values -----------------------


@pytest.fixture(scope="module")
def btc_1m(shared_data: Path) -> Candles:
    return load_candles(shared_data / "bars" / "binance-um-1m-BTCUSDT-2025-05-25_2025-06-24.csv.gz")


@pytest.fixture(scope="module")
def btc_5m(shared_data: Path) -> Candles:
    return load_candles(shared_data / "bars" / "binance-um-5m-BTCUSDT-2025-11-30_2026-01-29.csv.gz")


def _ms(day: str) -> int:
    return int(np.datetime64(day, "ms").astype(np.int64))


def _csv(frame: pl.DataFrame, header: bool = True) -> bytes:
    buf = io.BytesIO()
    frame.write_csv(buf, include_header=header)
    return buf.getvalue()


def _agg_trades(bars: Candles, first_id: int) -> pl.DataFrame:
    """Four trades per bar at open, high, low, close (taker buys the 1st and 3rd)."""
    assert (bars.volume > 0).all()
    n = len(bars)
    ids = first_id + np.arange(4 * n)
    return pl.DataFrame(
        {
            "agg_trade_id": ids,
            "price": np.stack([bars.open, bars.high, bars.low, bars.close], 1).ravel(),
            "quantity": np.repeat(bars.volume / 4, 4),
            "first_trade_id": 3 * ids,
            "last_trade_id": 3 * ids + 2,
            "transact_time": np.repeat(bars.ts_ms, 4) + np.tile([0, 15_000, 30_000, 45_000], n),
            "is_buyer_maker": np.tile(["false", "true", "false", "true"], n),
        }
    )


def test_aggtrades_become_the_real_1m_candles(
    store: Store, archive: FakeArchive, btc_1m: Candles, tmp_path: Path
) -> None:
    d1, d2 = ("2025-05-26", "2025-05-27")
    b1, b2 = btc_1m.between(_ms(d1), _ms(d2)), btc_1m.between(_ms(d2), _ms(d2) + DAY)
    t1 = _agg_trades(b1, 1_000)
    t1 = pl.concat([t1, t1.slice(100, 5)]).sort("agg_trade_id", maintain_order=True)  # dups
    archive.add(ArchiveFile(d1, "aggTrades", "BTCUSDT"), _csv(t1))
    archive.add(ArchiveFile(d2, "aggTrades", "BTCUSDT"), _csv(_agg_trades(b2, 10**6), header=False))
    s = _run(store, archive, tmp_path, "aggTrades", "BTCUSDT", d1, d2)
    assert len(s.stored) == 2 and s.duplicates_dropped == 5
    assert s.rows_read == 4 * (len(b1) + len(b2)) + 5
    got = store.read_candles("binance", "BTCUSDT", interval_ms=60_000)
    assert len(got) == len(b1) + len(b2) == s.new_rows["candles:60000"]
    want = np.concatenate([b1.close, b2.close])
    np.testing.assert_array_equal(got.close, want)
    np.testing.assert_array_equal(got.high, np.concatenate([b1.high, b2.high]))
    vol = np.concatenate([b1.volume, b2.volume])
    np.testing.assert_allclose(got.volume, vol, rtol=1e-12)
    np.testing.assert_allclose(got.taker_buy_volume, vol / 2, rtol=1e-12)


def test_metrics_give_oi_levels_and_ratio_series(
    store: Store, archive: FakeArchive, btc_5m: Candles, tmp_path: Path
) -> None:
    day = "2025-12-01"
    b = btc_5m.between(_ms(day), _ms(day) + DAY)
    oi_qty = 80_000 + np.cumsum(b.volume) / 50
    taker = [f"{v:.4f}" for v in b.volume / b.volume.mean()]
    taker[10] = ""  # the archive leaves some ratio cells empty
    frame = pl.DataFrame(
        {
            "create_time": [
                str(np.datetime64(int(t), "ms")).replace("T", " ")[:19] for t in b.ts_ms
            ],
            "symbol": "BTCUSDT",
            "sum_open_interest": oi_qty,
            "sum_open_interest_value": oi_qty * b.close,
            "count_toptrader_long_short_ratio": b.high / b.low,
            "sum_toptrader_long_short_ratio": b.close / b.open,
            "count_long_short_ratio": 1 + (b.close - b.low) / (b.high - b.low + 1),
            "sum_taker_long_short_vol_ratio": taker,
        }
    )
    archive.add(ArchiveFile(day, "metrics", "BTCUSDT"), _csv(frame))
    s = _run(store, archive, tmp_path, "metrics", "BTCUSDT", day, day)
    assert s.stored == [f"BTCUSDT-metrics-{day}.zip"] and s.rows_read == 288
    oi = store.read_open_interest("binance", "BTCUSDT")
    assert oi is not None and oi.kind == "level" and len(oi) == 288
    np.testing.assert_allclose(oi.value_usd, oi_qty * b.close, rtol=1e-12)
    np.testing.assert_array_equal(oi.ts_ms, b.ts_ms)
    _, lsr = store.read_series("binance", "BTCUSDT", "long_short_ratio")
    np.testing.assert_allclose(lsr, 1 + (b.close - b.low) / (b.high - b.low + 1), rtol=1e-12)
    assert len(store.read_series("binance", "BTCUSDT", "taker_buy_sell_ratio")[0]) == 287
    assert s.new_rows["series:open_interest_qty"] == 288 and s.new_rows["oi"] == 288
    kinds = {i.kind for i in store.info()}
    assert {"oi", "series:top_trader_account_ratio", "series:top_trader_position_ratio"} <= kinds


def test_funding_month_from_real_rates(
    store: Store, archive: FakeArchive, shared_data: Path, tmp_path: Path
) -> None:
    raw = pl.read_csv(shared_data / "bars" / "binance-um-funding-BTCUSDT-to-2026-01-28.csv.gz")
    dec = raw.filter(
        (pl.col("open_time_ms") >= _ms("2025-12-01")) & (pl.col("open_time_ms") < _ms("2026-01-01"))
    )
    frame = pl.DataFrame(
        {
            "calc_time": dec["open_time_ms"],
            "funding_interval_hours": 8,
            "last_funding_rate": dec["open"],
        }
    )
    archive.add(ArchiveFile("2025-12", "fundingRate", "BTCUSDT"), _csv(frame))
    s = _run(store, archive, tmp_path, "fundingRate", "BTCUSDT", "2025-12-01", "2025-12-31")
    assert s.stored == ["BTCUSDT-fundingRate-2025-12.zip"] and s.new_rows["funding"] == 93
    ts, rate = store.read_funding("binance", "BTCUSDT")
    np.testing.assert_array_equal(ts, dec["open_time_ms"].to_numpy())
    np.testing.assert_array_equal(rate, dec["open"].to_numpy())


def test_book_depth_bands_with_duplicates(
    store: Store, archive: FakeArchive, btc_5m: Candles, tmp_path: Path
) -> None:
    day = "2025-12-02"
    b = btc_5m.between(_ms(day), _ms(day) + DAY)
    pct = np.array([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5], float)
    depth = np.outer(b.volume, np.abs(pct)).ravel()
    frame = pl.DataFrame(
        {
            "timestamp": np.repeat(
                [str(np.datetime64(int(t), "ms")).replace("T", " ")[:19] for t in b.ts_ms], 10
            ),
            "percentage": np.tile(pct, len(b)),
            "depth": depth,
            "notional": depth * np.repeat(b.close, 10) * (1 + np.tile(pct, len(b)) / 100),
        }
    )
    conflicting = frame.slice(25, 1).with_columns(pl.col("depth") + 1)
    frame = pl.concat([frame, frame.slice(0, 10), conflicting]).sort(
        "timestamp", maintain_order=True
    )
    archive.add(ArchiveFile(day, "bookDepth", "BTCUSDT"), _csv(frame))
    s = _run(store, archive, tmp_path, "bookDepth", "BTCUSDT", day, day)
    assert s.duplicates_dropped == 10 and s.excluded == {"conflicting_duplicate": 1}
    assert s.new_rows["book-depth"] == 2880
    got = store.read_book_depth("binance", "BTCUSDT")
    np.testing.assert_allclose(got["depth"], depth, rtol=1e-12)
    assert got["percentage"][:10].tolist() == pct.tolist()


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (needs root); skips when it cannot be mounted."""
    mount = tmp_path / f"tmpfs-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()}); needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_disk_full_while_downloading_stops_and_keeps_nothing(
    store: Store, archive: FakeArchive, tiny_disk: Path, tmp_path: Path
) -> None:
    f = ArchiveFile("2026-02-10", "klines-1m", "AVAXUSDT")
    archive.add(f, np.random.default_rng(0).bytes(3 * 1024 * 1024))
    with pytest.raises(DiskFullError, match="partial file was deleted"):
        _run(
            store, archive, tmp_path, "klines-1m", "AVAXUSDT", f.period, f.period, folder=tiny_disk
        )
    assert _files(tiny_disk) == [] and not store.has_download(f.url(archive.base))

"""The data.binance.vision layout: which files cover a range (monthly for whole past months,
daily for the rest; kinds published only daily or only monthly), names and URLs."""

from __future__ import annotations

from datetime import date

import pytest

from liqmap.archive import ArchiveFile, parse_kind, plan_files
from liqmap.errors import ParameterError
from liqmap.io.archive_files import parse_archive_name

TODAY = date(2026, 3, 10)
BASE = "https://data.binance.vision"


def _periods(kind: str, first: date, last: date) -> list[str]:
    return [
        f.period for f in plan_files(parse_kind(kind), "btcusdt", first, last, today=TODAY).files
    ]


def test_klines_monthly_for_whole_past_months_daily_for_the_rest() -> None:
    got = _periods("klines-1m", date(2025, 12, 30), date(2026, 3, 2))
    assert got == ["2025-12-30", "2025-12-31", "2026-01", "2026-02", "2026-03-01", "2026-03-02"]


def test_daily_only_kinds() -> None:
    assert _periods("metrics", date(2026, 1, 30), date(2026, 2, 2)) == [
        "2026-01-30",
        "2026-01-31",
        "2026-02-01",
        "2026-02-02",
    ]
    assert len(_periods("aggTrades", date(2026, 1, 1), date(2026, 1, 31))) == 31
    assert len(_periods("bookDepth", date(2026, 2, 1), date(2026, 2, 28))) == 28


def test_funding_is_monthly_only_and_the_current_month_is_not_out() -> None:
    plan = plan_files("fundingRate", "BTCUSDT", date(2026, 1, 15), date(2026, 3, 5), today=TODAY)
    assert [f.period for f in plan.files] == ["2026-01", "2026-02"]
    assert any("2026-03 is published after the month ends" in n for n in plan.notes)


def test_days_not_yet_published_are_left_out() -> None:
    plan = plan_files("klines-1m", "BTCUSDT", date(2026, 3, 8), date(2026, 3, 20), today=TODAY)
    assert [f.period for f in plan.files] == ["2026-03-08", "2026-03-09"]
    assert plan.last == date(2026, 3, 9) and "not published yet" in plan.notes[0]
    with pytest.raises(ParameterError, match="before --from"):
        plan_files("klines-1m", "BTCUSDT", date(2026, 3, 8), date(2026, 3, 1), today=TODAY)


def test_names_and_urls() -> None:
    day = ArchiveFile("2026-02-05", "klines-1m", "BTCUSDT")
    assert day.url(BASE + "/") == (
        f"{BASE}/data/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2026-02-05.zip"
    )
    assert day.checksum_url(BASE).endswith("BTCUSDT-1m-2026-02-05.zip.CHECKSUM")
    month = ArchiveFile("2026-02", "fundingRate", "BTCUSDT")
    assert (
        month.path == "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2026-02.zip"
    )
    assert (month.first_day, month.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
    assert ArchiveFile("2026-02-05", "metrics", "ETHUSDT").path == (
        "data/futures/um/daily/metrics/ETHUSDT/ETHUSDT-metrics-2026-02-05.zip"
    )
    kl = ArchiveFile("2024-02", "klines-1m", "BTCUSDT")
    assert [d.period for d in kl.days(date(2024, 2, 27), date(2024, 3, 3))] == [
        "2024-02-27",
        "2024-02-28",
        "2024-02-29",
    ]
    assert month.days(date(2026, 2, 1), date(2026, 2, 28)) == []  # funding has no daily files


def test_kinds_and_names_parse() -> None:
    assert parse_kind("AGGTRADES") == "aggTrades"
    with pytest.raises(ParameterError, match="klines-1m, metrics"):
        parse_kind("trades")
    name = parse_archive_name("BTCUSDT-5m-2024-01-31.zip")
    assert name is not None and (name.symbol, name.interval_ms) == ("BTCUSDT", 300_000)
    fr = parse_archive_name("ETHUSDT-fundingRate-2024-01.zip")
    assert fr is not None and (fr.stem, fr.period, fr.interval_ms) == (
        "fundingRate",
        "2024-01",
        None,
    )
    assert parse_archive_name("BTCUSDT-1m-2024-01-31.zip.CHECKSUM") is None
    assert parse_archive_name("binance-um-1m-BTCUSDT.csv.gz") is None

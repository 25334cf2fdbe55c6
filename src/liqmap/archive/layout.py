"""The data.binance.vision layout: which files cover a date range, and their URLs.

USD-M futures files live at ::

    {base}/data/futures/um/{daily|monthly}/{folder}/{SYMBOL}[/{interval}]/
        {SYMBOL}-{stem}-{period}.zip

with a ``.zip.CHECKSUM`` next to each (``<sha256>  <file name>``). ``period`` is ``YYYY-MM-DD``
for daily files and ``YYYY-MM`` for monthly ones. Daily files appear the day after; monthly ones
in the first days of the next month (a monthly file still missing then falls back to the days).

============  ====================================  =====================  ====================
kind          folder / stem                         published              liqmap downloads
============  ====================================  =====================  ====================
klines-1m     ``klines/SYMBOL/1m`` / ``1m``         daily and monthly      monthly for whole
                                                                           past months, else
                                                                           daily
metrics       ``metrics/SYMBOL`` / ``metrics``      daily only (5m rows)   daily
aggTrades     ``aggTrades/SYMBOL`` / ``aggTrades``  daily and monthly      daily (a monthly BTC
                                                                           file is several GB
                                                                           and would be read
                                                                           into memory whole)
bookDepth     ``bookDepth/SYMBOL`` / ``bookDepth``  daily only             daily
fundingRate   ``fundingRate/SYMBOL`` / ``...``      monthly only           monthly (the current
                                                                           month is not out yet)
============  ====================================  =====================  ====================

Sources: github.com/binance/binance-public-data (README), and the archive's listing.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal, get_args

from liqmap.errors import ParameterError

__all__ = ["KINDS", "ArchiveFile", "ArchiveKind", "Plan", "parse_kind", "plan_files"]

ArchiveKind = Literal["klines-1m", "metrics", "aggTrades", "bookDepth", "fundingRate"]
KINDS: tuple[ArchiveKind, ...] = get_args(ArchiveKind)


@dataclass(frozen=True, slots=True)
class _Spec:
    folder: str
    stem: str
    interval: str | None
    daily: bool
    monthly: bool


_SPECS: dict[ArchiveKind, _Spec] = {
    "klines-1m": _Spec("klines", "1m", "1m", daily=True, monthly=True),
    "metrics": _Spec("metrics", "metrics", None, daily=True, monthly=False),
    "aggTrades": _Spec("aggTrades", "aggTrades", None, daily=True, monthly=False),
    "bookDepth": _Spec("bookDepth", "bookDepth", None, daily=True, monthly=False),
    "fundingRate": _Spec("fundingRate", "fundingRate", None, daily=False, monthly=True),
}
DAY_MS = 86_400_000


def parse_kind(text: str) -> ArchiveKind:
    """An archive kind from its name (case-insensitive)."""
    for kind in KINDS:
        if kind.lower() == text.strip().lower():
            return kind
    raise ParameterError(f"--kind: unknown archive kind {text!r}; use one of {', '.join(KINDS)}")


@dataclass(frozen=True, slots=True, order=True)
class ArchiveFile:
    """One archive file: a kind, a symbol and a day (``YYYY-MM-DD``) or month (``YYYY-MM``)."""

    period: str
    kind: ArchiveKind
    symbol: str

    @property
    def daily(self) -> bool:
        """True for a daily file, False for a monthly one."""
        return len(self.period) == 10

    @property
    def name(self) -> str:
        """File name, e.g. ``BTCUSDT-1m-2024-01-31.zip``."""
        return f"{self.symbol}-{_SPECS[self.kind].stem}-{self.period}.zip"

    @property
    def path(self) -> str:
        """Path below the base URL, e.g. ``data/futures/um/daily/klines/BTCUSDT/1m/...zip``."""
        spec = _SPECS[self.kind]
        folder = f"{spec.folder}/{self.symbol}" + (f"/{spec.interval}" if spec.interval else "")
        return f"data/futures/um/{'daily' if self.daily else 'monthly'}/{folder}/{self.name}"

    def url(self, base: str) -> str:
        """The zip's URL under ``base`` (``Settings.archive_url``)."""
        return f"{base.rstrip('/')}/{self.path}"

    def checksum_url(self, base: str) -> str:
        """The URL of the ``.CHECKSUM`` file."""
        return self.url(base) + ".CHECKSUM"

    @property
    def first_day(self) -> date:
        """The first day the file covers."""
        return date.fromisoformat(self.period if self.daily else self.period + "-01")

    @property
    def last_day(self) -> date:
        """The last day the file covers."""
        d = self.first_day
        if self.daily:
            return d
        return d.replace(day=calendar.monthrange(d.year, d.month)[1])

    def days(self, first: date, last: date) -> list[ArchiveFile]:
        """The daily files of this monthly file's month inside ``[first, last]`` (fallback)."""
        if self.daily or not _SPECS[self.kind].daily:
            return []
        lo, hi = max(first, self.first_day), min(last, self.last_day)
        n = (hi - lo).days + 1
        return [
            ArchiveFile((lo + timedelta(days=i)).isoformat(), self.kind, self.symbol)
            for i in range(max(n, 0))
        ]


@dataclass(frozen=True, slots=True)
class Plan:
    """The files to fetch for a range, and the reasons some of it cannot be fetched yet."""

    files: tuple[ArchiveFile, ...]
    first: date
    last: date
    notes: tuple[str, ...] = field(default_factory=tuple)


def _months(first: date, last: date) -> list[date]:
    out, d = [], first.replace(day=1)
    while d <= last:
        out.append(d)
        d = (d + timedelta(days=32)).replace(day=1)
    return out


def plan_files(
    kind: ArchiveKind, symbol: str, first: date, last: date, *, today: date | None = None
) -> Plan:
    """The files covering ``[first, last]`` (inclusive days), newest data included.

    Whole months that ended before the current month use the monthly file when the kind has
    one; other days use daily files. Days from ``today`` (UTC) on are not published yet and
    are left out (with a note).
    """
    if last < first:
        raise ParameterError(f"--to {last} is before --from {first}; swap them")
    today = today or datetime.now(tz=UTC).date()
    sym = symbol.strip().upper()
    spec = _SPECS[kind]
    notes = []
    end = min(last, today - timedelta(days=1))
    if end < last:
        notes.append(
            f"days from {max(first, today)} on are not published yet (daily files "
            "appear the next day)"
        )
    files: list[ArchiveFile] = []
    for month in _months(first, end):
        monthly = ArchiveFile(month.strftime("%Y-%m"), kind, sym)
        month_past = monthly.last_day < today.replace(day=1)
        whole = first <= monthly.first_day and monthly.last_day <= end
        if spec.monthly and month_past and (whole or not spec.daily):
            files.append(monthly)
        elif spec.daily:
            files.extend(monthly.days(first, end))
        else:
            notes.append(f"{kind} for {monthly.period} is published after the month ends")
    return Plan(tuple(files), first, end, tuple(notes))

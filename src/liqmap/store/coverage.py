"""What the store holds and what it lacks: per-series summaries and missing time ranges.

A series is one ``(venue, symbol, kind)``. Kinds are spelled:

=====================  ===================================================================
kind                   rows
=====================  ===================================================================
``candles:<ms>``       bars of that interval, e.g. ``candles:60000``
``oi``                 open-interest levels (USD); ``oi-change``: changes per bar
``funding``            funding rates per settlement
``series:<name>``      a named series, e.g. ``series:long_short_ratio``
``book-depth``         order-book depth bands (one time holds several bands)
``liquidations``       liquidation events (table and recorder segments)
``brackets``           bracket tables (one time per fetch)
``positions``          position snapshots (venue-wide; symbol ``*``)
=====================  ===================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from liqmap.core.gaps import detect_gaps, infer_interval_ms
from liqmap.domain.market import Gap, IntArray
from liqmap.errors import ParameterError
from liqmap.io.report import fmt_ms
from liqmap.store._db import scalar
from liqmap.store.kinds import LIQUIDATIONS, SeriesKind
from liqmap.store.segments import segment_files, series_with_segments

__all__ = ["SeriesInfo", "info", "missing_ranges", "series_times", "source_of"]


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    """One stored series: how many rows, which span, and where bars are missing.

    ``step_ms`` is the series' spacing (the bar interval for candles, the median spacing
    otherwise; None for events and snapshots, which have no gaps).
    """

    venue: str
    symbol: str
    kind: str
    rows: int
    first_ms: int
    last_ms: int
    gaps: tuple[Gap, ...] = ()
    step_ms: int | None = None

    @property
    def series_kind(self) -> SeriesKind:
        """:attr:`kind` typed."""
        return SeriesKind.parse(self.kind)

    @property
    def missing(self) -> int:
        """Points missing inside the covered span."""
        return sum(g.missing for g in self.gaps)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (times also as ISO-8601 UTC text)."""
        return {
            "venue": self.venue,
            "symbol": self.symbol,
            "kind": self.kind,
            "rows": self.rows,
            "first_ms": self.first_ms,
            "last_ms": self.last_ms,
            "first": fmt_ms(self.first_ms),
            "last": fmt_ms(self.last_ms),
            "step_ms": self.step_ms,
            "missing": self.missing,
            "gaps": [
                {**g.to_dict(), "start": fmt_ms(g.start_ms), "end": fmt_ms(g.end_ms)}
                for g in self.gaps
            ],
        }


def source_of(kind: str | SeriesKind) -> tuple[str, str, list[object]]:
    """``(table, extra SQL condition, parameters)`` holding a kind's rows."""
    return SeriesKind.parse(kind).table()


def series_times(
    con: duckdb.DuckDBPyConnection,
    home: Path,
    venue: str,
    symbol: str,
    kind: str | SeriesKind,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> IntArray:
    """Distinct stored times of a series, sorted (segments included for liquidations)."""
    table, cond, params = source_of(kind)
    rng, rng_params = "", list[object]()
    if start_ms is not None:
        rng, rng_params = rng + " AND ts_ms >= ?", [*rng_params, int(start_ms)]
    if end_ms is not None:
        rng, rng_params = rng + " AND ts_ms < ?", [*rng_params, int(end_ms)]
    sql = f"SELECT ts_ms FROM {table} WHERE venue = ? AND symbol = ?{cond}{rng}"
    args: list[object] = [venue, symbol, *params, *rng_params]
    liquidations = SeriesKind.parse(kind) == LIQUIDATIONS
    files = segment_files(home, "liquidations", venue, symbol) if liquidations else []
    if files:
        sql += f" UNION SELECT ts_ms FROM read_parquet(?) WHERE true{rng}"
        args += [[str(f) for f in files], *rng_params]
    rows = con.execute(f"SELECT DISTINCT ts_ms FROM ({sql}) ORDER BY ts_ms", args).fetchnumpy()
    return np.asarray(rows["ts_ms"], dtype=np.int64)


def missing_ranges(
    times: IntArray, start_ms: int, end_ms: int, step_ms: int
) -> list[tuple[int, int]]:
    """Half-open ranges of ``[start_ms, end_ms)`` with no stored point.

    The range is cut into buckets ``[t, t + step_ms)`` aligned on multiples of ``step_ms``; a
    bucket is covered when any stored time falls inside it (so a funding time stamped a few
    ms late still covers its settlement). Consecutive empty buckets are merged; the result is
    clipped to ``[start_ms, end_ms)``.
    """
    start_ms, end_ms, step_ms = int(start_ms), int(end_ms), int(step_ms)
    if step_ms <= 0:
        raise ParameterError(f"step_ms must be > 0, got {step_ms}")
    if end_ms <= start_ms:
        return []
    first = start_ms - start_ms % step_ms
    n = -(-(end_ms - first) // step_ms)
    covered = np.zeros(n, dtype=np.bool_)
    inside = times[(times >= first) & (times < first + n * step_ms)]
    covered[(inside - first) // step_ms] = True
    step = np.diff(np.concatenate(([0], (~covered).astype(np.int8), [0])))
    starts, ends = np.flatnonzero(step == 1), np.flatnonzero(step == -1)
    return [
        (max(start_ms, first + int(a) * step_ms), min(end_ms, first + int(b) * step_ms))
        for a, b in zip(starts, ends, strict=True)
    ]


def _gaps(kind: str, times: IntArray) -> tuple[tuple[Gap, ...], int | None]:
    if kind == str(LIQUIDATIONS) or len(times) < 2:
        return (), None
    step = SeriesKind.parse(kind).interval_ms or infer_interval_ms(times)
    return detect_gaps(times, step), step


def _table_series(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    sql = """
        SELECT venue, symbol, 'candles:' || interval_ms FROM candles GROUP BY ALL
        UNION ALL SELECT venue, symbol, CASE kind WHEN 'level' THEN 'oi' ELSE 'oi-change' END
            FROM open_interest GROUP BY ALL
        UNION ALL SELECT venue, symbol, 'funding' FROM funding GROUP BY ALL
        UNION ALL SELECT venue, symbol, 'series:' || kind FROM series GROUP BY ALL
        UNION ALL SELECT venue, symbol, 'book-depth' FROM book_depth GROUP BY ALL
        UNION ALL SELECT venue, symbol, 'liquidations' FROM liquidations GROUP BY ALL
    """
    return [(str(v), str(s), str(k)) for v, s, k in con.execute(sql).fetchall()]


def _snapshots(con: duckdb.DuckDBPyConnection) -> list[SeriesInfo]:
    sql = """
        SELECT venue, symbol, 'brackets', count(*), min(fetched_ms), max(fetched_ms)
            FROM brackets GROUP BY venue, symbol
        UNION ALL SELECT venue, '*', 'positions', count(*), min(snapshot_ms), max(snapshot_ms)
            FROM positions GROUP BY venue
    """
    return [
        SeriesInfo(str(v), str(s), str(k), int(n), int(a), int(b))
        for v, s, k, n, a, b in con.execute(sql).fetchall()
    ]


def _rows(con: duckdb.DuckDBPyConnection, home: Path, venue: str, symbol: str, kind: str) -> int:
    table, cond, params = source_of(kind)
    if kind == "liquidations" and segment_files(home, kind, venue, symbol):
        from liqmap.store.reads import read_liquidations

        return len(read_liquidations(con, home, venue, symbol, None, None))
    sql = f"SELECT count(*) FROM {table} WHERE venue = ? AND symbol = ?{cond}"
    return scalar(con.execute(sql, [venue, symbol, *params])) or 0


def info(con: duckdb.DuckDBPyConnection, home: Path) -> list[SeriesInfo]:
    """Every stored series with its row count, first and last time, and gaps."""
    keys = set(_table_series(con))
    keys |= {(v, s, "liquidations") for v, s in series_with_segments(home, "liquidations")}
    out = []
    for venue, symbol, kind in sorted(keys):
        times = series_times(con, home, venue, symbol, kind)
        if not len(times):
            continue
        gaps, step = _gaps(kind, times)
        rows = _rows(con, home, venue, symbol, kind)
        out.append(SeriesInfo(venue, symbol, kind, rows, int(times[0]), int(times[-1]), gaps, step))
    return out + _snapshots(con)

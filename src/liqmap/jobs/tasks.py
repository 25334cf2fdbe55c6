"""Tasks of a batch: what to compute for one (venue, symbol, period), and how to name it.

A task is a frozen value: its :class:`TaskKey` says *where* (kind, venue, symbol, period), its
spec says *how* (the backtest, calibration, scan or ingest settings) and its :class:`Inputs`
say *from what* (file templates with ``{symbol}``, or the local store). The
:attr:`Task.fingerprint` hashes all three: a finished task is skipped on a re-run only when its
fingerprint is unchanged, so changing a setting redoes the work instead of reusing stale parts.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Literal, get_args

from liqmap.errors import ParameterError

__all__ = [
    "JOB_KINDS",
    "BacktestSpec",
    "CalibrateSpec",
    "IngestSpec",
    "Inputs",
    "JobKind",
    "ScanSpec",
    "Spec",
    "Task",
    "TaskKey",
    "plan_tasks",
    "split_periods",
]

JobKind = Literal["backfill", "import", "backtest", "calibrate", "scan"]
JOB_KINDS: tuple[JobKind, ...] = get_args(JobKind)
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def _stamp(ms: int) -> str:
    """``1769472000000 -> '20260127T0000'`` (UTC; safe in paths and partition names)."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y%m%dT%H%M")


@dataclass(frozen=True, slots=True, order=True)
class TaskKey:
    """Where a task's result lives: kind, venue, symbol and the period ``[start_ms, end_ms)``."""

    kind: JobKind
    venue: str
    symbol: str
    start_ms: int
    end_ms: int

    def __post_init__(self) -> None:
        if self.kind not in JOB_KINDS:
            raise ParameterError(f"task kind {self.kind!r}: use one of {', '.join(JOB_KINDS)}")
        if self.start_ms >= self.end_ms:
            raise ParameterError(
                f"{self.symbol}: period start {_stamp(self.start_ms)} is not before its end "
                f"{_stamp(self.end_ms)}; check --from/--to"
            )
        if not self.symbol or "/" in self.symbol or "=" in self.symbol:
            raise ParameterError(f"symbol {self.symbol!r}: give a plain name such as BTCUSDT")

    @property
    def period(self) -> str:
        """``'20260127T0000_20260203T0000'``."""
        return f"{_stamp(self.start_ms)}_{_stamp(self.end_ms)}"

    @property
    def partition(self) -> str:
        """Hive-style partition of the task's parts, e.g.
        ``backtest/venue=binance/symbol=BTCUSDT/period=20260127T0000_20260203T0000``."""
        return f"{self.kind}/venue={self.venue}/symbol={self.symbol}/period={self.period}"

    @property
    def task_id(self) -> str:
        """``'backtest:binance:BTCUSDT:20260127T0000_20260203T0000'`` (unique in a batch)."""
        return f"{self.kind}:{self.venue}:{self.symbol}:{self.period}"


@dataclass(frozen=True, slots=True)
class Inputs:
    """Where a task's data come from.

    ``bars`` is a file template with ``{symbol}`` (e.g. ``data/{symbol}-5m.csv.gz``; ``{asset}``
    is the lower-case base asset, ``btc``) or
    ``'store'`` (the local store, opened read-only; ``liquidations``/``oi`` then come from it
    too). ``liquidations`` and ``oi`` are optional templates; ``brackets`` a margin-table file.
    """

    bars: str = "store"
    liquidations: str | None = None
    oi: str | None = None
    brackets: str | None = None
    interval_ms: int = 300_000  # bars read from the store

    def path(self, template: str, symbol: str) -> str:
        """``template`` with ``{symbol}`` (``BTCUSDT``) and ``{asset}`` (``btc``) filled in."""
        from liqmap.io.table import base_asset

        return template.replace("{symbol}", symbol).replace("{asset}", base_asset(symbol).lower())


@dataclass(frozen=True, slots=True)
class BacktestSpec:
    """Walk-forward settings (as ``liqmap backtest``): window, evaluation step, horizons, bins."""

    window_ms: int = DAY_MS
    every_ms: int = HOUR_MS
    horizons_ms: tuple[int, ...] = (HOUR_MS, 4 * HOUR_MS, DAY_MS)
    bins: int = 400


@dataclass(frozen=True, slots=True)
class CalibrateSpec:
    """Calibration settings (as ``liqmap calibrate``); the evaluation budget, not a time budget,
    bounds the fit so that a task gives the same result on a loaded or an idle worker."""

    warmup_ms: int = DAY_MS
    every_ms: int = HOUR_MS
    horizons_ms: tuple[int, ...] = (HOUR_MS, 4 * HOUR_MS)
    fit: tuple[str, ...] = ()  # () = every group
    max_evals: int = 60
    holdout_share: float = 0.0  # > 0: the last share of the period scores out of sample


@dataclass(frozen=True, slots=True)
class ScanSpec:
    """The map at the period's end over ``window_ms`` (as ``liqmap scan`` / ``liqmap map``)."""

    window_ms: int = 7 * DAY_MS
    bins: int = 400


@dataclass(frozen=True, slots=True)
class IngestSpec:
    """Backfill/import settings: the file kind (``None``: detected) or the archive kind."""

    kind: str | None = None
    archive_url: str = ""  # backfill only: the archive's base URL
    folder: str = ""  # backfill only: where verified zips are downloaded


Spec = BacktestSpec | CalibrateSpec | ScanSpec | IngestSpec
_SPEC_OF: dict[JobKind, type[Spec]] = {
    "backfill": IngestSpec, "import": IngestSpec, "backtest": BacktestSpec,
    "calibrate": CalibrateSpec, "scan": ScanSpec,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Task:
    """One unit of work: run on any worker, any number of times, with the same result."""

    key: TaskKey
    spec: Spec
    inputs: Inputs = field(default_factory=Inputs)

    def __post_init__(self) -> None:
        want = _SPEC_OF[self.key.kind]
        if not isinstance(self.spec, want):
            raise ParameterError(
                f"{self.key.task_id}: a {self.key.kind} task needs a {want.__name__}, "
                f"got {type(self.spec).__name__}"
            )

    @property
    def fingerprint(self) -> str:
        """Hash of key, spec and inputs (16 hex digits)."""
        doc = {"key": asdict(self.key), "spec": asdict(self.spec), "inputs": asdict(self.inputs)}
        text = json.dumps(doc, sort_keys=True, default=list)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def split_periods(start_ms: int, end_ms: int, period_ms: int | None) -> list[tuple[int, int]]:
    """``[start, end)`` cut into consecutive periods of ``period_ms`` (the last may be shorter);
    ``None`` keeps it whole."""
    if start_ms >= end_ms:
        raise ParameterError(f"--from {_stamp(start_ms)} must be before --to {_stamp(end_ms)}")
    if period_ms is None:
        return [(start_ms, end_ms)]
    if period_ms <= 0:
        raise ParameterError(f"--period must be positive, got {period_ms} ms")
    edges = [*range(start_ms, end_ms, period_ms), end_ms]
    return list(itertools.pairwise(edges))


def plan_tasks(
    kind: JobKind,
    venues: tuple[str, ...],
    symbols: tuple[str, ...],
    periods: list[tuple[int, int]],
    spec: Spec,
    inputs: Inputs,
) -> list[Task]:
    """Every (venue, symbol, period) task, in that order; duplicates are rejected."""
    if not symbols:
        raise ParameterError("batch: no symbols; pass --symbols FILE, a comma list or 'all'")
    tasks = [
        Task(TaskKey(kind, v, s, a, b), spec, inputs)
        for v in venues
        for s in symbols
        for a, b in periods
    ]
    ids = [t.key.task_id for t in tasks]
    if len(set(ids)) != len(ids):
        raise ParameterError("batch: a venue or symbol is listed twice; list each once")
    return tasks

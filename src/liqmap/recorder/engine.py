"""The recorder: venue connections -> batcher -> one writer -> a :class:`BatchSink`.

Everything runs on one asyncio loop; the only blocking work (building columns, writing a part
file) runs in a worker thread, one batch at a time, so receiving never waits for the disk. A
sink failure (disk full, ...) keeps the rows and retries with backoff; rows still unwritten at
the end are reported (``rows_pending``), never silently dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from liqmap.domain.enums import Venue
from liqmap.errors import LiqmapError, ParameterError
from liqmap.exchanges.stream import LiqRow, StreamAdapter
from liqmap.recorder.batching import Batcher, FlushPolicy, to_columns
from liqmap.recorder.connection import ConnectionOptions, VenueConnection, now_ms
from liqmap.recorder.plausible import PriceGuard, keep_rejected
from liqmap.recorder.sinks import BatchSink, default_sink
from liqmap.recorder.stats import RecorderReport, VenueStats
from liqmap.recorder.venues import build_adapter, parse_symbols, parse_venues
from liqmap.settings import Settings

__all__ = ["Recorder", "RecorderConfig", "StatusCallback", "record"]

log = logging.getLogger("liqmap.recorder")
StatusCallback = Callable[[RecorderReport], None]
_Key = tuple[Venue, str]
CLOSE_ATTEMPTS = 3  # sink attempts per batch once stopping


@dataclass(frozen=True, slots=True)
class RecorderConfig:
    """What to record and how (validated; symbols canonical, e.g. ``BTCUSDT``)."""

    venues: tuple[Venue, ...]
    symbols: tuple[str, ...]
    duration_s: float | None = None
    flush: FlushPolicy = field(default_factory=FlushPolicy)
    connection: ConnectionOptions = field(default_factory=ConnectionOptions)
    okx_contract_values: Mapping[str, float] = field(default_factory=dict)
    status_interval_s: float = 1.0

    def __post_init__(self) -> None:
        names = [v.value if isinstance(v, Venue) else str(v) for v in self.venues]
        object.__setattr__(self, "venues", parse_venues(names))
        object.__setattr__(self, "symbols", parse_symbols(self.symbols))
        if self.duration_s is not None and not self.duration_s > 0:
            raise ParameterError(f"--duration must be positive, got {self.duration_s}")

    def adapters(self) -> dict[Venue, StreamAdapter]:
        """One stream adapter per venue (raises ParameterError for unknown OKX ctVal)."""
        return {v: build_adapter(v, self.symbols, self.okx_contract_values) for v in self.venues}


class Recorder:
    """Records liquidations of ``config.venues`` x ``config.symbols`` into ``sink``."""

    def __init__(
        self, config: RecorderConfig, sink: BatchSink, settings: Settings | None = None
    ) -> None:
        self.config = config
        self.sink = sink
        self.settings = settings or Settings.from_env()
        self.adapters = config.adapters()
        self.stats = {v: VenueStats(v) for v in config.venues}
        self.batcher = Batcher()
        self.guard = PriceGuard()
        self.rows_written = 0
        self.write_errors = 0
        self.last_write_error = ""
        self.started_ms = now_ms()
        self._pending: deque[tuple[_Key, list[LiqRow]]] = deque()
        self._inflight = 0
        self._closing = False
        self._finished = False
        self._stop: asyncio.Event | None = None
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # ------------------------------------------------------------------ public surface
    def stop(self) -> None:
        """Ask the recorder to flush and finish (safe from any thread)."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    def report(self) -> RecorderReport:
        """A snapshot of the counters."""
        t = now_ms()
        pending = self.batcher.pending + self._inflight + sum(len(r) for _, r in self._pending)
        return RecorderReport(
            started_ms=self.started_ms,
            now_ms=t,
            sink=self.sink.name,
            venues=tuple(s.to_dict(t) for s in self.stats.values()),
            rows_written=self.rows_written,
            rows_pending=pending,
            write_errors=self.write_errors,
            last_write_error=self.last_write_error,
            finished=self._finished,
        )

    async def run(
        self, *, on_status: StatusCallback | None = None, handle_signals: bool = False
    ) -> RecorderReport:
        """Record until the duration ends, :meth:`stop` is called, SIGINT/SIGTERM arrive
        (with ``handle_signals``) or every venue refused us; then flush and report."""
        self._loop = asyncio.get_running_loop()
        stop = self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self.started_ms = now_ms()
        conns = [asyncio.create_task(c.run(stop)) for c in self._connections()]
        writer = asyncio.create_task(self._writer())
        helpers = [
            asyncio.create_task(self._flusher(stop)),
            asyncio.create_task(self._watch(conns, stop)),
        ]
        if on_status is not None:
            helpers.append(asyncio.create_task(self._status(stop, on_status)))
        if self.config.duration_s is not None:
            helpers.append(asyncio.create_task(self._deadline(stop, self.config.duration_s)))
        remove_signals = self._install_signals(stop) if handle_signals else None
        try:
            await stop.wait()
            await asyncio.gather(*conns)
        finally:
            stop.set()
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, *conns, return_exceptions=True)
            self._flush()
            self._closing = True
            self._wake.set()
            await writer
            if remove_signals is not None:
                remove_signals()
            self._finished = True
        report = self.report()
        if on_status is not None:
            on_status(report)
        return report

    # ------------------------------------------------------------------ internals
    def _connections(self) -> list[VenueConnection]:
        return [
            VenueConnection(
                adapter,
                adapter.url(self.settings.ws_url(venue)),
                self.stats[venue],
                self._on_rows,
                self.config.connection,
            )
            for venue, adapter in self.adapters.items()
        ]

    def _on_rows(self, venue: Venue, rows: Sequence[LiqRow]) -> None:
        ok, bad = self.guard.split(rows)
        if bad:
            st = self.stats[venue]
            st.implausible += len(bad)
            for row, why in bad:
                log.warning("%s %s event rejected: %s (raw kept)", venue.value, row.symbol, why)
            keep_rejected(self.settings.home / "recordings" / "rejected", venue.value, bad)
        self.batcher.add(venue, ok)
        if self.batcher.pending >= self.config.flush.row_limit:
            self._flush()

    def _flush(self) -> None:
        batch = self.batcher.take()
        if batch:
            self._pending.extend(batch.items())
            if self._wake is not None:
                self._wake.set()

    async def _flusher(self, stop: asyncio.Event) -> None:
        interval = self.config.flush.interval_s
        if interval is None:
            return
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
            self._flush()

    async def _writer(self) -> None:
        wake = self._wake
        if wake is None:
            return
        attempts = 0
        while self._pending or not self._closing:
            if not self._pending:
                wake.clear()
                await wake.wait()
                continue
            key, rows = self._next_batch()
            self._inflight = len(rows)
            try:
                await asyncio.to_thread(self._write, key, rows)
            except (LiqmapError, OSError) as exc:
                self._inflight = 0
                self._pending.appendleft((key, rows))
                attempts += 1
                self._write_failed(key, exc)
                if self._closing and attempts >= CLOSE_ATTEMPTS:
                    return
                await self._retry_pause(attempts)
                continue
            attempts = 0
            self._inflight = 0
            self.rows_written += len(rows)

    def _next_batch(self) -> tuple[_Key, list[LiqRow]]:
        """The oldest batch, merged with later queued batches of the same key (a slow sink
        writes fewer, larger parts)."""
        key, rows = self._pending.popleft()
        same = [item for item in self._pending if item[0] == key]
        if same:
            rows = rows + [r for _, more in same for r in more]
            self._pending = deque(item for item in self._pending if item[0] != key)
        return key, rows

    def _write(self, key: _Key, rows: list[LiqRow]) -> None:
        self.sink.append(key[0], key[1], to_columns(rows))

    def _write_failed(self, key: _Key, exc: BaseException) -> None:
        self.write_errors += 1
        self.last_write_error = f"{type(exc).__name__}: {exc}"
        log.error("writing %s %s failed (%s); rows kept, retrying", key[0].value, key[1], exc)

    async def _retry_pause(self, attempts: int) -> None:
        pause = 0.05 if self._closing else min(30.0, 0.5 * 2 ** min(attempts - 1, 6))
        wake = self._wake
        if wake is None:
            return
        wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), pause)

    async def _watch(self, conns: list[asyncio.Task[None]], stop: asyncio.Event) -> None:
        """Every venue gave up (all refused): stop early."""
        await asyncio.gather(*conns, return_exceptions=True)
        stop.set()

    async def _status(self, stop: asyncio.Event, on_status: StatusCallback) -> None:
        while not stop.is_set():
            on_status(self.report())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.config.status_interval_s)

    @staticmethod
    async def _deadline(stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
        stop.set()

    def _install_signals(self, stop: asyncio.Event) -> Callable[[], None] | None:
        loop = asyncio.get_running_loop()
        sigs = (signal.SIGINT, signal.SIGTERM)

        def remove() -> None:
            for sig in sigs:
                with contextlib.suppress(NotImplementedError, ValueError, RuntimeError):
                    loop.remove_signal_handler(sig)

        def on_signal() -> None:
            log.warning("signal received: flushing and stopping (again to abort)")
            remove()
            stop.set()

        try:
            for sig in sigs:
                loop.add_signal_handler(sig, on_signal)
        except (NotImplementedError, RuntimeError, ValueError):
            remove()
            return None
        return remove


def record(
    config: RecorderConfig,
    *,
    sink: BatchSink | None = None,
    settings: Settings | None = None,
    on_status: StatusCallback | None = None,
) -> RecorderReport:
    """Synchronous facade: record until the duration ends or SIGINT/SIGTERM; returns the
    final report. Without ``sink`` the store (or ``$LIQMAP_HOME/recordings``) is used."""
    settings = settings or Settings.from_env()
    recorder = Recorder(config, sink or default_sink(settings.home), settings)
    return asyncio.run(recorder.run(on_status=on_status, handle_signals=True))

"""The recorder test harness: local replay servers and a recorder pointed at them (loopback
only, bounded waits)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from liqmap.domain.enums import Venue
from liqmap.recorder import (
    BatchSink,
    ConnectionOptions,
    FlushPolicy,
    ParquetSink,
    Recorder,
    RecorderConfig,
    RecorderReport,
    read_recorded,
)
from liqmap.settings import Settings
from liqmap.testing.replay import ReplayServer

VENUES = (Venue.BINANCE, Venue.BYBIT, Venue.OKX)
FAST = ConnectionOptions(
    backoff_base_s=0.01, backoff_cap_s=0.05, open_timeout_s=2.0, pong_timeout_s=2.0
)
WAIT_S = 15.0  # upper bound of every wait in these tests


@dataclass
class Run:
    """The outcome of one recording."""

    report: RecorderReport
    frame: pl.DataFrame
    servers: Mapping[Venue, ReplayServer]

    def rows(self, venue: Venue) -> pl.DataFrame:
        return self.frame.filter(pl.col("venue") == venue.value)


@dataclass
class Harness:
    """Runs a :class:`Recorder` against replay servers, writing to ``tmp/parts``."""

    tmp: Path
    servers: dict[Venue, ReplayServer] = field(default_factory=dict)

    async def serve(self, venue: Venue, messages: list[str], **kw: Any) -> ReplayServer:
        server = await ReplayServer(venue, messages, **kw).start()
        self.servers[venue] = server
        return server

    def settings(self) -> Settings:
        return Settings(home=self.tmp, ws_urls={v: s.url for v, s in self.servers.items()})

    async def record(
        self,
        *,
        symbols: tuple[str, ...] = ("BTCUSDT", "ETHUSDT"),
        sink: BatchSink | None = None,
        until: Callable[[], bool] | None = None,
        settle_s: float = 0.3,
        max_s: float = WAIT_S,
        **cfg: Any,
    ) -> Run:
        """Record until every server sent everything (or ``until()``), then ``settle_s`` more."""
        config = RecorderConfig(
            venues=tuple(self.servers),
            symbols=symbols,
            flush=cfg.pop("flush", FlushPolicy(interval_s=0.1)),
            connection=cfg.pop("connection", FAST),
            okx_contract_values=cfg.pop("okx_contract_values", {}),
            **cfg,
        )
        sink = sink or ParquetSink(self.tmp / "parts")
        recorder = Recorder(config, sink, self.settings())
        task = asyncio.create_task(recorder.run())
        done = until or (lambda: all(s.done.is_set() for s in self.servers.values()))
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        while not done() and not task.done() and loop.time() - t0 < max_s:
            await asyncio.sleep(0.02)
        if not task.done():
            await asyncio.sleep(settle_s)
        recorder.stop()
        report = await asyncio.wait_for(task, WAIT_S)
        return Run(report, read_recorded(self.tmp / "parts"), dict(self.servers))

    async def close(self) -> None:
        for server in self.servers.values():
            await server.close()

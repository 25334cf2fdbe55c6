"""Liquidation recorder: public liquidation streams -> normalised rows -> durable batches.

::

    from liqmap.recorder import RecorderConfig, FlushPolicy, record
    from liqmap.domain import Venue

    cfg = RecorderConfig(venues=(Venue.BINANCE, Venue.OKX), symbols=("BTCUSDT",),
                         duration_s=600, flush=FlushPolicy(interval_s=1.0))
    report = record(cfg)          # blocks; SIGINT flushes and returns the report

``Recorder`` is the async core (``await Recorder(cfg, sink).run()``); ``record`` is the sync
facade the CLI uses. See docs/recorder.md for the per-venue rules and guarantees.
"""

from liqmap.exchanges.stream import Decoded, Kind, LiqRow, PingSpec, StreamAdapter
from liqmap.recorder.batching import FlushPolicy, parse_seconds
from liqmap.recorder.connection import ConnectionOptions
from liqmap.recorder.engine import Recorder, RecorderConfig, record
from liqmap.recorder.sinks import (
    BatchSink,
    ParquetSink,
    StoreSink,
    default_sink,
    read_recorded,
    recordings_root,
)
from liqmap.recorder.stats import GapRecord, RecorderReport, VenueStats
from liqmap.recorder.venues import RECORDABLE, parse_symbols, parse_venues

__all__ = [
    "RECORDABLE",
    "BatchSink",
    "ConnectionOptions",
    "Decoded",
    "FlushPolicy",
    "GapRecord",
    "Kind",
    "LiqRow",
    "ParquetSink",
    "PingSpec",
    "Recorder",
    "RecorderConfig",
    "RecorderReport",
    "StoreSink",
    "StreamAdapter",
    "VenueStats",
    "default_sink",
    "parse_seconds",
    "parse_symbols",
    "parse_venues",
    "read_recorded",
    "record",
    "recordings_root",
]

"""What the recorder counts, per venue, and the report it returns.

A *gap* is a stretch during which a venue's stream was not delivering: from the moment a
subscribed connection was lost (or found silent) until the re-subscription was acknowledged.
Liquidations the venue pushed during a gap are missing from the recording.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from liqmap.domain.enums import Venue

__all__ = ["GapRecord", "RecorderReport", "VenueStats"]

MAX_SAMPLES = 5  # malformed payloads kept for the report (all are logged)


@dataclass(slots=True)
class GapRecord:
    """``[start_ms, end_ms)`` without a subscribed connection; ``end_ms`` None while open."""

    start_ms: int
    end_ms: int | None
    reason: str

    def duration_ms(self, now_ms: int) -> int:
        """Length so far (an open gap runs until ``now_ms``)."""
        return (self.end_ms if self.end_ms is not None else now_ms) - self.start_ms

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"start_ms": self.start_ms, "end_ms": self.end_ms, "reason": self.reason}


@dataclass(slots=True)
class VenueStats:
    """Counters of one venue's stream. Mutated by the connection loop only."""

    venue: Venue
    state: str = "starting"
    connects: int = 0
    messages: int = 0
    events: int = 0  # liquidations of the recorded symbols (handed to the batcher)
    filtered: int = 0  # liquidations of other symbols (dropped)
    ignored: int = 0  # valid non-liquidation messages
    malformed: int = 0
    rejected: int = 0  # refused subscriptions
    implausible: int = 0  # events far from the symbol's recent price (kept aside, not recorded)
    acks: int = 0
    pings: int = 0
    pongs: int = 0
    first_subscribed_ms: int | None = None
    last_event_ms: int | None = None
    last_error: str = ""
    gaps: list[GapRecord] = field(default_factory=list)
    malformed_samples: deque[str] = field(default_factory=lambda: deque(maxlen=MAX_SAMPLES))

    @property
    def reconnects(self) -> int:
        """Connections after the first."""
        return max(0, self.connects - 1)

    @property
    def open_gap(self) -> GapRecord | None:
        """The gap in progress, if any."""
        return self.gaps[-1] if self.gaps and self.gaps[-1].end_ms is None else None

    def open(self, start_ms: int, reason: str) -> None:
        """Start a gap (no-op when one is open or the venue was never subscribed)."""
        if self.first_subscribed_ms is not None and self.open_gap is None:
            self.gaps.append(GapRecord(start_ms, None, reason))

    def close(self, end_ms: int) -> None:
        """End the gap in progress."""
        gap = self.open_gap
        if gap is not None:
            gap.end_ms = max(end_ms, gap.start_ms)

    def gap_ms(self, now_ms: int) -> int:
        """Total time in gaps."""
        return sum(g.duration_ms(now_ms) for g in self.gaps)

    def to_dict(self, now_ms: int) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "venue": self.venue.value,
            "state": self.state,
            "connects": self.connects,
            "reconnects": self.reconnects,
            "messages": self.messages,
            "events": self.events,
            "filtered": self.filtered,
            "ignored": self.ignored,
            "malformed": self.malformed,
            "rejected": self.rejected,
            "implausible": self.implausible,
            "pings": self.pings,
            "pongs": self.pongs,
            "first_subscribed_ms": self.first_subscribed_ms,
            "last_event_ms": self.last_event_ms,
            "last_error": self.last_error,
            "gap_count": len(self.gaps),
            "gap_ms": self.gap_ms(now_ms),
            "gaps": [g.to_dict() for g in self.gaps],
            "malformed_samples": list(self.malformed_samples),
        }


@dataclass(frozen=True, slots=True)
class RecorderReport:
    """A snapshot of a recording: per-venue counters and what reached the sink."""

    started_ms: int
    now_ms: int
    sink: str
    venues: tuple[dict[str, Any], ...]
    rows_written: int
    rows_pending: int  # accepted but not yet durable (lost if the process is killed now)
    write_errors: int
    last_write_error: str
    finished: bool

    @property
    def ok(self) -> bool:
        """Every venue subscribed at some point, and nothing was left unwritten at the end."""
        subscribed = all(v["first_subscribed_ms"] is not None for v in self.venues)
        return subscribed and not (self.finished and self.rows_pending)

    def venue(self, venue: Venue) -> dict[str, Any]:
        """The counters of one venue."""
        for v in self.venues:
            if v["venue"] == venue.value:
                return v
        raise KeyError(venue.value)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``schema: liqmap.record/1``)."""
        return {
            "schema": "liqmap.record/1",
            "started_ms": self.started_ms,
            "now_ms": self.now_ms,
            "finished": self.finished,
            "ok": self.ok,
            "sink": self.sink,
            "rows_written": self.rows_written,
            "rows_pending": self.rows_pending,
            "write_errors": self.write_errors,
            "last_write_error": self.last_write_error,
            "venues": list(self.venues),
        }

"""Order-book files -> book snapshots and depth profiles.

Layouts read (:func:`load_depth` tells them apart by content):

* **Binance USD-M websocket recording** (``<local ns timestamp> <json>`` per line, as in
  ``../shared/data/orderbook``): ``@depth`` diff events and a REST depth snapshot line
  (``lastUpdateId``); other streams (``@trade``, ``@bookTicker``) are skipped. Replayed by the
  exchange's rules (<https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/How-to-manage-a-local-order-book-correctly>):
  events seen before a snapshot are buffered; events with ``u`` < ``lastUpdateId`` are dropped;
  the first event applied must have ``U`` <= ``lastUpdateId`` <= ``u``; every later event's
  ``pu`` must equal the previous event's ``u``, else a :class:`SequenceGap` is recorded and the
  book waits for the next snapshot. Quantities are absolute; 0 removes the level.
* **A REST depth snapshot** alone (``GET /fapi/v1/depth`` JSON).
* **data.binance.vision ``bookDepth``** CSV (``timestamp,percentage,depth,notional``: cumulative
  base quantity and USD notional within ``percentage`` % of mid, negative = bids).
* **Hyperliquid ``l2Book``** recordings (``{"channel":"l2Book","data":{"coin","time","levels"}}``,
  each message a full top-of-book snapshot).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import msgspec
import numpy as np
import polars as pl

from liqmap.core.depth import DepthProfile, median_profile, profile_from_cumulative
from liqmap.errors import DataFileError
from liqmap.io._book import (
    BookReplay,
    BookSnapshot,
    DepthUpdate,
    HlBook,
    HlMessage,
    LocalBook,
    RestDepth,
    SequenceGap,
    StreamMessage,
    json_text,
    magic,
    text_lines,
)
from liqmap.io.read import read_table

__all__ = [
    "BookReplay",
    "BookSnapshot",
    "SequenceGap",
    "load_depth",
    "read_book_depth_csv",
    "read_hyperliquid_l2",
    "replay_binance",
    "replay_binance_file",
]

PathLike = str | os.PathLike[str]


# --- Binance replay -------------------------------------------------------------------------------
_stream_dec = msgspec.json.Decoder(StreamMessage)
_update_dec = msgspec.json.Decoder(DepthUpdate)
_rest_dec = msgspec.json.Decoder(RestDepth)


class _Replayer:
    def __init__(self, source: str, sample_every_ms: int | None, max_events: int | None) -> None:
        self.source, self.every, self.max_events = source, sample_every_ms, max_events
        self.book: LocalBook | None = None
        self.prev_u: int | None = None  # None: the next event is the first after a snapshot
        self.buffer: list[tuple[DepthUpdate, int]] = []
        self.gaps: list[SequenceGap] = []
        self.samples: list[BookSnapshot] = []
        self.applied = self.dropped = self.cleared = 0
        self.next_sample: int | None = None
        self.last_valid: BookSnapshot | None = None

    def on_snapshot(self, snap: RestDepth) -> None:
        if self.book is not None:
            self.cleared += self.book.crossed_cleared
        self.book, self.prev_u = LocalBook(snap, self.source), None
        pending, self.buffer = self.buffer, []
        for ev, line in pending:
            self.on_event(ev, line)

    def on_event(self, ev: DepthUpdate, line: int) -> None:
        book = self.book
        if self.done:
            return
        if book is None:
            self.buffer.append((ev, line))
            return
        if self.prev_u is None:
            if ev.u < book.update_id:
                self.dropped += 1
                return
            if book.update_id < ev.U:
                self._gap(SequenceGap(ev.E, book.update_id, ev.U), ev, line)
                return
        elif ev.pu != self.prev_u:
            self._gap(SequenceGap(ev.E, self.prev_u, ev.pu), ev, line)
            return
        book.apply(ev, line)
        self.prev_u = ev.u
        self.applied += 1
        self._sample(book)

    def _gap(self, gap: SequenceGap, ev: DepthUpdate, line: int) -> None:
        self.gaps.append(gap)
        if self.book is not None:
            self.cleared += self.book.crossed_cleared
            self.last_valid = self.book.snapshot()  # in sequence up to here
        self.book, self.prev_u, self.buffer = None, None, [(ev, line)]

    def _sample(self, book: LocalBook) -> None:
        if self.every is None:
            return
        if self.next_sample is None:
            self.next_sample = book.ts_ms
        if book.ts_ms >= self.next_sample:
            self.samples.append(book.snapshot())
            self.next_sample = book.ts_ms + self.every

    @property
    def done(self) -> bool:
        return self.max_events is not None and self.applied >= self.max_events


def replay_binance(
    lines: Iterable[str],
    *,
    source: str = "",
    sample_every_ms: int | None = None,
    max_events: int | None = None,
) -> BookReplay:
    """Replay a Binance USD-M recording (snapshot + diffs) into books.

    Parameters
    ----------
    sample_every_ms
        Keep a copy of the book at the first event at least this long after the previous copy.
    max_events
        Stop after applying this many diff events (for tests and partial replays).
    """
    r = _Replayer(source, sample_every_ms, max_events)
    try:
        for i, raw in enumerate(lines, start=1):
            text = json_text(raw.strip())
            if '"depthUpdate"' in text[:80]:
                data = _stream_dec.decode(text).data if text.startswith('{"stream"') else text
                r.on_event(_update_dec.decode(data), i)
            elif text.startswith('{"lastUpdateId"'):
                r.on_snapshot(_rest_dec.decode(text))
            if r.done:
                break
    except msgspec.DecodeError as e:
        raise DataFileError(f"not a Binance depth message ({e})", path=source, row=i) from e
    final = r.book.snapshot() if r.book is not None else r.last_valid
    cleared = r.cleared + (r.book.crossed_cleared if r.book is not None else 0)
    return BookReplay(tuple(r.samples), final, r.applied, r.dropped, tuple(r.gaps), cleared)


def replay_binance_file(
    path: PathLike, *, sample_every_ms: int | None = None, max_events: int | None = None
) -> BookReplay:
    """:func:`replay_binance` on a (gzip) recording file."""
    p = Path(path)
    return replay_binance(
        text_lines(p), source=str(p), sample_every_ms=sample_every_ms, max_events=max_events
    )


# --- Hyperliquid and bookDepth --------------------------------------------------------------------
_hl_dec = msgspec.json.Decoder(HlMessage)
_hl_book_dec = msgspec.json.Decoder(HlBook)


def read_hyperliquid_l2(path: PathLike) -> list[BookSnapshot]:
    """Every ``l2Book`` message of a recording as a book (each is complete over its levels)."""
    p = Path(path)
    out: list[BookSnapshot] = []
    for i, raw in enumerate(text_lines(p), start=1):
        text = json_text(raw.strip())
        if '"l2Book"' not in text[:40]:
            continue
        try:
            book = _hl_book_dec.decode(_hl_dec.decode(text).data)
        except msgspec.DecodeError as e:
            raise DataFileError(
                f"not a Hyperliquid l2Book message ({e})", path=str(p), row=i
            ) from e
        if len(book.levels) != 2 or not book.levels[0] or not book.levels[1]:
            raise DataFileError(
                "l2Book levels must be [bids, asks], both non-empty", path=str(p), row=i
            )
        bids, asks = book.levels
        bp = np.array([float(x.px) for x in bids])
        ap = np.array([float(x.px) for x in asks])
        bq = np.array([float(x.sz) for x in bids])
        aq = np.array([float(x.sz) for x in asks])
        if np.any(bq < 0) or np.any(aq < 0) or bp.max() >= ap.min():
            raise DataFileError("negative size or crossed book", path=str(p), row=i)
        out.append(
            BookSnapshot(book.time, 0, bp, bq, ap, aq, float(bp.min()), float(ap.max()), str(p))
        )
    if not out:
        raise DataFileError("no l2Book message in the file", path=str(p))
    return out


def read_book_depth_csv(path: PathLike, *, at_ms: int | None = None) -> DepthProfile:
    """A ``bookDepth`` file -> the profile of its last snapshot at or before ``at_ms``."""
    raw = read_table(path)
    label = raw.source.label
    f = raw.frame
    need = {"timestamp", "percentage", "notional"}
    if not need <= set(f.columns):
        raise DataFileError(
            f"a bookDepth file needs columns {sorted(need)}; found {f.columns}", path=label
        )
    try:
        ts = f["timestamp"].str.to_datetime(time_zone="UTC").dt.epoch("ms").to_numpy()
        pct = f["percentage"].cast(pl.Float64).to_numpy()
        usd = f["notional"].cast(pl.Float64).to_numpy()
    except pl.exceptions.PolarsError as e:
        raise DataFileError(f"cannot read the bookDepth values ({e})", path=label) from e
    if np.any(~np.isfinite(usd)) or np.any(usd < 0):
        raise DataFileError("notional must be finite and >= 0", path=label, field="notional")
    pick = ts <= at_ms if at_ms is not None else np.ones(len(ts), np.bool_)
    if not pick.any():
        raise DataFileError("no bookDepth snapshot at or before the requested time", path=label)
    t = int(ts[pick].max())
    sel = ts == t
    bid = (np.abs(pct[sel & (pct < 0)]) / 100.0, usd[sel & (pct < 0)])
    ask = (pct[sel & (pct > 0)] / 100.0, usd[sel & (pct > 0)])
    try:
        return profile_from_cumulative(bid, ask, source=label, ts_ms=t)
    except ValueError as e:
        raise DataFileError(f"snapshot at {t} ms: {e}", path=label) from e


def _sniff(path: Path) -> Literal["binance", "hyperliquid", "rest", "bookdepth"]:
    try:
        head = next(iter(text_lines(path)), "") if magic(path) != b"PK" else ""
    except DataFileError:
        head = ""
    text = json_text(head.strip())
    if '"l2Book"' in text or '"channel"' in text:
        return "hyperliquid"
    if text.startswith('{"lastUpdateId"') and head.strip() == text:
        return "rest"
    if text.startswith("{"):
        return "binance"
    return "bookdepth"


def load_depth(
    path: PathLike, *, model: Literal["book", "power"] = "book", at_ms: int | None = None
) -> DepthProfile:
    """A depth profile from an order-book file of any layout above.

    Recordings (Binance diffs, Hyperliquid ``l2Book``) give the **median** of their books sampled
    every ``SAMPLE_MS`` (a typical moment; single books are noisy), or with ``at_ms`` the last book
    at or before that time. ``bookDepth`` gives its last snapshot (at or before ``at_ms``).
    ``model='power'`` keeps only the power law fitted to the result.
    """
    p = Path(path)
    if not p.is_file():
        raise DataFileError("no such order-book file; check the path", path=str(p))
    kind = _sniff(p)
    if kind == "bookdepth":
        prof = read_book_depth_csv(p, at_ms=at_ms)
    elif kind == "rest":
        snap = _rest_dec.decode(p.read_bytes())
        prof = _profile(LocalBook(snap, str(p)).snapshot(), str(p))
    else:
        books = read_hyperliquid_l2(p) if kind == "hyperliquid" else _binance_books(p)
        if at_ms is not None:
            prof = _profile(_pick(books, at_ms, str(p)), str(p))
        else:
            profiles = [pr for b in books if (pr := _try_profile(b)) is not None]
            if not profiles:
                raise DataFileError("no book with two levels per side in the file", path=str(p))
            prof = median_profile(profiles, source=f"{p} (median of {len(profiles)} books)")
    return prof.as_power() if model == "power" else prof


SAMPLE_MS = 30_000


def _binance_books(p: Path) -> list[BookSnapshot]:
    rep = replay_binance_file(p, sample_every_ms=SAMPLE_MS)
    books = [*rep.snapshots, *([rep.final] if rep.final else [])]
    if not books:
        raise DataFileError(
            "no usable book: a recording needs a REST depth snapshot line (lastUpdateId) "
            "followed by diffs in sequence",
            path=str(p),
        )
    return books


def _try_profile(book: BookSnapshot) -> DepthProfile | None:
    try:
        return book.profile()
    except ValueError:
        return None


def _profile(book: BookSnapshot, label: str) -> DepthProfile:
    prof = _try_profile(book)
    if prof is None:
        raise DataFileError(
            f"the book at {book.ts_ms} ms has fewer than two known levels on a side", path=label
        )
    return prof


def _pick(books: list[BookSnapshot], at_ms: int, label: str) -> BookSnapshot:
    ok = [b for b in books if b.ts_ms <= at_ms]
    if not ok:
        raise DataFileError("no book at or before the requested time", path=label)
    return ok[-1]

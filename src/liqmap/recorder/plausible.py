"""Plausibility of recorded liquidations against the recent price of their symbol.

A venue message can carry a price no liquidation of that symbol had: an OKX BTC event at 103.94
while BTC traded at 43,421 (a contract or unit mix-up upstream). :class:`PriceGuard` keeps the
last :data:`KEEP` prices seen per symbol (every venue, rejected ones too, so one outlier never
becomes the reference) and rejects an event outside the plausible price range or more than
:data:`~liqmap.domain.plausible.MAX_PRICE_RATIO` times away from their median. Until
:data:`MIN_SEEN` prices of a symbol were seen only the range is checked.

The recorder counts rejected events per venue (``implausible`` in its status) and appends each
with its raw message to ``$LIQMAP_HOME/recordings/rejected/<venue>.jsonl``: nothing is lost.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from liqmap.domain.plausible import MAX_PRICE_RATIO, implausible_vs_price
from liqmap.exchanges.stream import LiqRow

__all__ = ["KEEP", "MIN_SEEN", "PriceGuard", "keep_rejected"]

log = logging.getLogger("liqmap.recorder")
KEEP = 31
MIN_SEEN = 3


class PriceGuard:
    """Splits liquidation rows into plausible and implausible ones (see the module)."""

    def __init__(self) -> None:
        self._seen: dict[str, deque[float]] = {}

    def reference(self, symbol: str) -> float | None:
        """The median of the recent prices of ``symbol``; ``None`` until enough were seen."""
        seen = self._seen.get(symbol)
        if seen is None or len(seen) < MIN_SEEN:
            return None
        return float(np.median(np.fromiter(seen, dtype=np.float64)))

    def reason(self, row: LiqRow) -> str:
        """Why ``row`` is implausible, or ``""``."""
        ref = self.reference(row.symbol)
        if not implausible_vs_price(row.price, ref):
            return ""
        if ref is None:
            return f"price {row.price:g} is outside the plausible range"
        return (
            f"price {row.price:g} is more than {MAX_PRICE_RATIO:g}x away from the recent "
            f"{row.symbol} price {ref:,.2f}"
        )

    def split(self, rows: Sequence[LiqRow]) -> tuple[list[LiqRow], list[tuple[LiqRow, str]]]:
        """(plausible rows, [(implausible row, reason)]), in order; every finite price is
        remembered for the reference."""
        ok: list[LiqRow] = []
        bad: list[tuple[LiqRow, str]] = []
        for row in rows:
            why = self.reason(row)
            if why:
                bad.append((row, why))
            else:
                ok.append(row)
            if np.isfinite(row.price) and row.price > 0:
                self._seen.setdefault(row.symbol, deque(maxlen=KEEP)).append(row.price)
        return ok, bad


def keep_rejected(folder: Path, venue: str, rejected: Sequence[tuple[LiqRow, str]]) -> None:
    """Append rejected rows with their raw message to ``folder/<venue>.jsonl`` (best effort: a
    failure is logged, never raised, so recording goes on)."""
    if not rejected:
        return
    lines = [
        json.dumps({
            "symbol": r.symbol, "ts_ms": r.ts_ms, "side": r.side, "price": r.price, "qty": r.qty,
            "notional_usd": r.notional_usd, "reason": why, "raw": r.raw,
        }, allow_nan=True)
        for r, why in rejected
    ]  # fmt: skip
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"{venue}.jsonl").open("a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    except OSError as exc:
        log.error("cannot keep %d rejected %s events in %s: %s", len(lines), venue, folder, exc)

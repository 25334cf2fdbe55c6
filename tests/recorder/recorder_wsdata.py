"""Test messages built at test time from ../shared/data (nothing is copied into the repo).

* ``sample_messages``: the exchanges' own messages inside the ws-samples recorder envelopes.
* ``tape_events``: real liquidations (time, side, price, size) from the shared tapes, to be
  encoded into each venue's documented push shape for volume.
* ``binance_trades``: real Binance USD-M ``@trade`` messages from the orderbook recordings
  (valid messages that are not liquidations).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import polars as pl

Event = tuple[str, int, int, float, float]  # symbol, ts_ms, side, price, qty

SAMPLES = {
    "binance": "binance_perp_btcusdt_liquidations.json.gz",
    "bybit": "bybit_perp_btcusdt_liquidations.json.gz",
    "okx": "okx_perp_btc_liquidations.json.gz",
}
TAPES = {
    "BTCUSDT": "binance-btc-forceorder-2026-01-27_2026-02-16.csv.gz",
    "ETHUSDT": "mixed-venues-eth-2026-02-23_2026-03-04.csv.gz",
}


def sample_messages(shared: Path, venue: str) -> list[str]:
    """The non-empty exchange messages of a ws-samples file, as JSON text."""
    with gzip.open(shared / "ws-samples" / SAMPLES[venue], "rt", encoding="utf-8") as f:
        entries = json.load(f)
    return [json.dumps(e["data"]) for e in entries if e["data"] not in ({}, [], None)]


def tape_events(
    shared: Path, n_per_symbol: int, symbols: tuple[str, ...] = tuple(TAPES)
) -> list[Event]:
    """The first ``n_per_symbol`` distinct liquidations of each symbol's tape, time-ordered."""
    out: list[Event] = []
    for symbol in symbols:
        df = (
            pl.read_csv(shared / "liquidations" / TAPES[symbol])
            .unique(subset=["ts_ms", "liquidated_side", "price", "qty"], keep="first")
            .sort("ts_ms")
            .head(n_per_symbol)
        )
        for ts, side, price, qty in df.select(
            "ts_ms", "liquidated_side", "price", "qty"
        ).iter_rows():
            out.append((symbol, int(ts), 1 if side == "long" else -1, float(price), float(qty)))
    out.sort(key=lambda e: e[1])
    return out


def binance_trades(shared: Path, n: int) -> list[str]:
    """``n`` real ``@trade`` payloads (the ``data`` of the combined-stream wrapper)."""
    out: list[str] = []
    with gzip.open(shared / "orderbook" / "usdm_btcusdt_20240808.txt.gz", "rt") as f:
        for line in f:
            if '"e":"trade"' in line:
                out.append(json.dumps(json.loads(line.split(" ", 1)[1])["data"]))
                if len(out) == n:
                    break
    return out


def write_jsonl(path: Path, messages: list[str]) -> Path:
    """One message per line (the replayed session)."""
    path.write_text("".join(m + "\n" for m in messages), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[str]:
    """The messages of a JSON-lines session file."""
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line]

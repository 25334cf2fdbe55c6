"""Re-encode the shared all-symbol Binance bracket snapshots as liqmap's compact package data.

Reads ``../shared/data/brackets/binance-um-leverage-brackets-all-symbols-7-snapshots-*.csv.gz``
(freqtrade's weekly ``/fapi/v1/leverageBracket`` snapshots) and writes
``src/liqmap/data/brackets/binance-snapshots.json.gz`` in the ``liqmap-bracket-snapshots/1``
layout: every distinct bracket ladder once (``ladders``), and per symbol the ladder index in
force at each snapshot date (``-1`` when the symbol was not listed). Run from the repo root::

    python scripts/build_binance_snapshots.py [CSV]
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections import defaultdict
from pathlib import Path

DEFAULT_CSV = Path("../shared/data/brackets/binance-um-leverage-brackets-all-symbols-7-snapshots-2024-08_2026-03.csv.gz")  # fmt: skip
OUT = Path("src/liqmap/data/brackets/binance-snapshots.json.gz")
SOURCE = (
    "Binance USD-M GET /fapi/v1/leverageBracket (https://developers.binance.com/docs/derivatives/"
    "usds-margined-futures/account/rest-api/Notional-and-Leverage-Brackets), weekly snapshots "
    "committed by freqtrade's CI (build_helpers/binance_update_lev_tiers.py, "
    "freqtrade/exchange/binance_leverage_tiers.json); snapshot date = commit date"
)


def _num(text: str) -> float | int:
    x = float(text)
    return int(x) if x.is_integer() else x


def build(csv_path: Path) -> dict[str, object]:
    """The package document from the shared CSV."""
    rows: dict[tuple[str, str], list[tuple[int, list[float | int]]]] = defaultdict(list)
    commits: dict[str, str] = {}
    with gzip.open(csv_path, "rt", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            commits[r["snapshot_date"]] = r["freqtrade_commit"]
            tier = [_num(r[k]) for k in ("notionalFloor", "notionalCap", "maintMarginRatio", "cum", "initialLeverage")]  # fmt: skip
            rows[(r["symbol"], r["snapshot_date"])].append((int(r["bracket"]), tier))
    dates = sorted(commits)
    ladders: list[list[list[float | int]]] = []
    index: dict[str, int] = {}
    symbols: dict[str, list[int]] = {}
    for sym in sorted({s for s, _ in rows}):
        per: list[int] = []
        for d in dates:
            got = rows.get((sym, d))
            if not got:
                per.append(-1)
                continue
            ladder = [t for _, t in sorted(got)]
            key = json.dumps(ladder)
            if key not in index:
                index[key] = len(ladders)
                ladders.append(ladder)
            per.append(index[key])
        symbols[sym] = per
    return {
        "format": "liqmap-bracket-snapshots/1",
        "venue": "binance",
        "source": SOURCE,
        "tier_fields": ["floor", "cap", "mmr", "maint_amount", "max_leverage"],
        "snapshots": [{"date": d, "freqtrade_commit": commits[d]} for d in dates],
        "ladders": ladders,
        "symbols": symbols,
    }


def main(argv: list[str]) -> int:
    src = Path(argv[0]) if argv else DEFAULT_CSV
    doc = build(src)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        gz.write(json.dumps(doc, separators=(",", ":"), sort_keys=True).encode())
    tmp = OUT.with_suffix(".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(OUT)
    n = len(doc["symbols"])  # type: ignore[arg-type]
    print(f"{OUT}: {n} symbols, {len(doc['ladders'])} ladders, {OUT.stat().st_size:,} bytes")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

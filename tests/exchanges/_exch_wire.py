"""Exchange responses in the venues' documented shapes, built at test time from the real values
in ../shared/data (bars, funding, Hyperliquid positions) or from the small documented samples
in ``resources/``; and request handlers that serve them the way the endpoints page.

Nothing here copies shared data into the repository: the JSON is generated in memory.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug import Request, Response

from liqmap.exchanges.rest import RetryPolicy

RESOURCES = Path(__file__).parent / "resources"
FAST = RetryPolicy(
    attempts=3, base_s=0.01, cap_s=0.02, max_retry_after_s=5.0
)  # tests: quick retries
HOUR = 3_600_000
FIVE_MIN = 300_000


def resource(name: str) -> Any:
    """A documented sample response from ``resources/``."""
    return json.loads((RESOURCES / name).read_text(encoding="utf-8"))


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data), status=status, content_type="application/json", headers=headers
    )


def _ms(text: str) -> int:
    dt = datetime.fromisoformat(text.split(".", maxsplit=1)[0]).replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def binance_klines_1h(shared: Path, coin: str = "BTC") -> list[list[Any]]:
    """Binance USD-M 1h klines in the REST array layout, from the shared archive-format file
    (open, high, low, close, volume, quote volume, trades, taker-buy base/quote volume)."""
    path = shared / "bars" / f"binance-um-1h-{coin}USDT-2025-05-11_2025-08-10.csv.gz"
    rows: list[list[Any]] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            t = _ms(r["timestamp"])
            rows.append([t, r["open"], r["high"], r["low"], r["close"], r["volume"], t + HOUR - 1,
                         r["quote_volume"], int(r["trades"]), r["taker_buy_base"],
                         r["taker_buy_quote"], "0"])  # fmt: skip
    return rows


def binance_funding(shared: Path, coin: str = "BTC") -> list[dict[str, Any]]:
    """``GET /fapi/v1/fundingRate`` items from the shared funding file."""
    path = shared / "bars" / f"binance-um-funding-{coin}USDT-to-2026-01-28.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [
            {"symbol": f"{coin}USDT", "fundingTime": int(r["open_time_ms"]),
             "fundingRate": f"{float(r['open']):.8f}", "markPrice": "0"}
            for r in csv.DictReader(fh)
        ]  # fmt: skip


def oi_levels(klines: list[list[Any]], coins: float = 80_000.0) -> list[tuple[int, float, float]]:
    """Plausible 5m OI ``(ts, coins, usd)`` on the klines' span: a slowly varying coin amount
    valued at the bar's close."""
    out = []
    for k in klines:
        for j in range(12):
            t = int(k[0]) + j * FIVE_MIN
            c = coins * (1.0 + 0.05 * ((t // HOUR) % 24) / 24.0)
            out.append((t, c, c * float(k[4])))
    return out


def hl_positions(shared: Path) -> dict[str, list[dict[str, str]]]:
    """Shared Hyperliquid positions grouped by address (the CSV's rows)."""
    path = next((shared / "hyperliquid").glob("positions-*.csv"))
    by: dict[str, list[dict[str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            by[r["address"]].append(r)
    return by


def hl_clearinghouse_state(rows: list[dict[str, str]]) -> dict[str, Any]:
    """``clearinghouseState`` of one account in the documented shape, from its CSV rows."""
    aps = []
    total = 0.0
    for r in rows:
        lev = float(r["leverage"])
        pv = float(r["positionValue"])
        total += pv
        aps.append({
            "type": "oneWay",
            "position": {
                "coin": r["coin"], "szi": r["szi"], "entryPx": r["entryPx"],
                "positionValue": r["positionValue"], "unrealizedPnl": r["unrealizedPnl"],
                "returnOnEquity": "0.0", "leverage": {"type": "cross", "value": int(lev)},
                "liquidationPx": r["liquidationPx"] or None, "marginUsed": f"{pv / lev:.6f}",
                "maxLeverage": 40, "cumFunding": {"allTime": "0.0", "sinceChange": "0.0", "sinceOpen": "0.0"},
            },
        })  # fmt: skip
    summary = {"accountValue": f"{total / 5:.2f}", "totalNtlPos": f"{total:.2f}", "totalRawUsd": "0.0",
               "totalMarginUsed": f"{total / 10:.2f}"}  # fmt: skip
    return {"marginSummary": summary, "crossMarginSummary": summary,
            "crossMaintenanceMarginUsed": "0.0", "withdrawable": "0.0",
            "assetPositions": aps, "time": 1759279020000}  # fmt: skip


def window(rows: list[Any], key: Callable[[Any], int], req: Request, start: str, end: str,
           limit: str, default: int, cap: int) -> list[Any]:  # fmt: skip
    """Rows with ``start <= key <= end``, oldest first, at most ``limit`` (Binance semantics)."""
    a = int(req.args.get(start, 0))
    b = int(req.args.get(end, 2**62))
    n = min(int(req.args.get(limit, default)), cap)
    return [r for r in rows if a <= key(r) <= b][:n]


Handler = Callable[[Request], Response]


def binance_bars_1m(
    shared: Path, n: int, coin: str = "BTC"
) -> list[tuple[int, str, str, str, str, str]]:
    """The first ``n`` 1m bars ``(ts, open, high, low, close, volume)`` of the shared 30-day file,
    starting on a 5-minute boundary (as venues align their 5m bars)."""
    path = shared / "bars" / f"binance-um-1m-{coin}USDT-2025-05-25_2025-06-24.csv.gz"
    out: list[tuple[int, str, str, str, str, str]] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if not out and int(r["open_time_ms"]) % FIVE_MIN:
                continue
            out.append(
                (int(r["open_time_ms"]), r["open"], r["high"], r["low"], r["close"], r["volume"])
            )
            if len(out) >= n:
                break
    return out


def between(
    rows: list[Any], key: Callable[[Any], int], a: int, b: int, n: int, newest_first: bool
) -> list[Any]:
    """Rows with ``a <= key <= b``; the newest ``n`` when ``newest_first`` (Bybit, OKX), else
    the oldest ``n``."""
    sel = [r for r in rows if a <= key(r) <= b]
    return sorted(sel, key=key, reverse=True)[:n] if newest_first else sel[:n]

"""Real positions of sampled Hyperliquid accounts, and the *real* liquidation map they make.

1. :func:`read_addresses` reads the account list (one ``0x`` address per line, or a CSV with an
   ``address`` column).
2. :func:`fetch_positions` reads every account's ``clearinghouseState`` (weight 2 each against
   the 1,200-per-minute IP budget, a bounded number in flight) and keeps the positions in one coin.
3. :func:`positions_map` bins each position's ``positionValue`` at its ``liquidationPx`` under
   the nearest of the map's leverage tiers: longs below the price, shorts above. Positions
   without a liquidation price (cross positions the account's equity covers) are counted and
   reported, not drawn. Coverage is the share of the coin's open interest the sample holds:
   ``sum |szi| / openInterest``. Hyperliquid's documentation does not define ``openInterest``
   (https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint/perpetuals);
   Binance Futures' public comparison of July 2025 and Hyperliquid traders' analyses of the same
   month report that Hyperliquid's open interest **sums longs and shorts** (each matched
   contract counted twice, unlike Binance/Bybit/OKX). So ``openInterest`` counts both sides, each
   side holds ``openInterest / 2``, and ``sum |szi|`` (both sides) over it is the share of all
   open size. The rule is checked on every snapshot: a side whose sampled size exceeds
   ``openInterest / 2`` contradicts it, and the map's notes say so.
"""

from __future__ import annotations

import asyncio
import csv
import math
import re
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from liqmap.core.clusters import detect_clusters, usd_near_price
from liqmap.core.position_bins import bin_positions, nearest_tiers
from liqmap.core.reading import compose_reading, format_usd
from liqmap.core.results import Coverage, LiquidationMap
from liqmap.errors import DataFileError, ExchangeClientError, ExchangeError, ParameterError
from liqmap.exchanges.hyperliquid.client import HyperliquidClient
from liqmap.exchanges.hyperliquid.parse import parse_positions
from liqmap.exchanges.records import AccountPosition, PositionSnapshot
from liqmap.model_config import DEFAULT_PARAMS, EstimatorParams

__all__ = [
    "fetch_positions",
    "nearest_tier",
    "positions_map",
    "read_addresses",
    "real_map",
    "store_rows",
]

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
DEFAULT_CONCURRENCY = 4
MAX_ACCOUNTS = 5_000


def read_addresses(path: Path) -> list[str]:
    """Unique account addresses from ``path`` (lower-cased, file order kept)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError("address file not found", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"cannot read the address file ({exc})", path=str(path)) from None
    lines = text.splitlines()
    rows: list[str]
    if lines and "address" in [c.strip().lower() for c in lines[0].split(",")]:
        rows = [(r.get("address") or "").strip() for r in csv.DictReader(lines)]
        first = 1
    else:
        rows = [ln.split(",")[0].strip() for ln in lines]
        first = 0
    out: list[str] = []
    for i, addr in enumerate(rows, start=1):
        if not addr or addr.startswith("#"):
            continue
        if not _ADDRESS.match(addr):
            raise DataFileError(
                f"{addr!r} is not a Hyperliquid account address (0x followed by 40 hex digits)",
                path=str(path), row=i if first else None, field="address" if first else None,
            )  # fmt: skip
        out.append(addr.lower())
    uniq = list(dict.fromkeys(out))
    if not uniq:
        raise DataFileError("no account addresses in the file (one 0x... per line)", path=str(path))
    if len(uniq) > MAX_ACCOUNTS:
        raise DataFileError(
            f"{len(uniq):,} addresses; at most {MAX_ACCOUNTS:,} per run", path=str(path)
        )
    return uniq


async def fetch_positions(
    client: HyperliquidClient,
    addresses: Sequence[str],
    coin: str,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> PositionSnapshot:
    """Positions in ``coin`` of every account; an account that cannot be read is recorded in
    ``failed`` (a 4xx for one address does not stop the others; a rate limit or outage that
    outlasts the retries does)."""
    if concurrency < 1:
        raise ParameterError(f"concurrency must be >= 1, got {concurrency}")
    gate = asyncio.Semaphore(concurrency)
    failed: dict[str, str] = {}

    async def one(addr: str) -> list[AccountPosition]:
        async with gate:
            try:
                state = await client.clearinghouse_state(addr)
            except ExchangeClientError as exc:
                failed[addr] = str(exc)
                return []
        return parse_positions(state, addr, coin)

    ts = int(time.time() * 1000)
    found = await asyncio.gather(*(one(a) for a in addresses))
    positions = tuple(p for ps in found for p in ps)
    return PositionSnapshot("hyperliquid", ts, positions, len(addresses), failed)


def store_rows(snapshot: PositionSnapshot) -> dict[str, np.ndarray]:
    """Columns for ``Store.write_positions`` (``liquidation_px`` NaN when none)."""
    ps = snapshot.positions
    return {
        "address": np.array([p.address for p in ps], dtype=object),
        "coin": np.array([p.coin for p in ps], dtype=object),
        "szi": np.array([p.size for p in ps], dtype=np.float64),
        "entry_px": np.array([p.entry_px for p in ps], dtype=np.float64),
        "position_value": np.array([p.position_value for p in ps], dtype=np.float64),
        "leverage": np.array([p.leverage for p in ps], dtype=np.float64),
        "margin_type": np.array([p.margin_mode for p in ps], dtype=object),
        "liquidation_px": np.array(
            [math.nan if p.liquidation_px is None else p.liquidation_px for p in ps],
            dtype=np.float64,
        ),
    }


def nearest_tier(leverage: float, tiers: Sequence[float]) -> int:
    """Index of the tier nearest to ``leverage`` on a log scale (3x goes to 5x, not 1x)."""
    return int(nearest_tiers([max(leverage, 1.0)], tiers)[0])


def _edges(price: float, liq: np.ndarray, bins: int, range_pct: float | None) -> np.ndarray:
    if range_pct is None:
        far = float(np.max(np.abs(liq / price - 1.0))) if len(liq) else 0.1
        range_pct = min(95.0, max(2.0, 100.0 * far * 1.05))
    if not (0.1 <= range_pct <= 95.0):
        raise ParameterError(f"--range must be between 0.1 and 95 (percent), got {range_pct}")
    if not (10 <= bins <= 20_000):
        raise ParameterError(f"--bins must be between 10 and 20000, got {bins}")
    h = range_pct / 100.0
    return np.linspace(price * (1.0 - h), price * (1.0 + h), bins + 1)


def positions_map(
    snapshot: PositionSnapshot,
    *,
    coin: str,
    price: float,
    open_interest: float,
    params: EstimatorParams = DEFAULT_PARAMS,
    bins: int = 400,
    range_pct: float | None = None,
) -> LiquidationMap:
    """The real liquidation map of the sampled positions (same type as an estimated map).

    ``open_interest`` is the coin's open interest in coin units (``metaAndAssetCtxs``).
    """
    ps = [p for p in snapshot.positions if p.coin.upper() == coin.upper()]
    drawn = [p for p in ps if p.liquidation_px is not None and p.liquidation_px > 0]
    liq = np.array([p.liquidation_px for p in drawn], dtype=np.float64)
    edges = _edges(price, liq, bins, range_pct)
    tiers = params.leverages
    binned = bin_positions(
        edges, tiers, side=[p.side for p in drawn], liquidation_price=liq,
        leverage=[max(p.leverage, 1.0) for p in drawn], usd=[p.position_value for p in drawn],
    )  # fmt: skip
    long_usd, short_usd = binned.long_usd, binned.short_usd
    oor = [binned.out_of_range_long_usd, binned.out_of_range_short_usd]
    held = sum(abs(p.size) for p in ps)
    share = held / open_interest if open_interest > 0 else math.nan
    cov = Coverage(bars=len(ps), expected_bars=len(ps), oi_source="none", taker_flow=False)
    clusters = detect_clusters(edges, long_usd, short_usd, price)
    reading = compose_reading(
        price, clusters, float(long_usd.sum()), float(short_usd.sum()), coverage=cov,
        leverages=tiers, symbol=coin.upper(), near_usd=usd_near_price(edges, long_usd, short_usd, price, 3.0),
        sides_known=True,  # real positions: each side is known
    )  # fmt: skip
    share_txt = "unknown" if math.isnan(share) else f"{100 * share:.2f}%"
    reading += (
        f" Real positions of {snapshot.accounts:,} sampled accounts holding {share_txt} of "
        f"{coin.upper()} open interest."
    )
    notes = _notes(snapshot, ps, drawn, coin.upper(), share_txt, open_interest)
    return LiquidationMap(
        symbol=coin.upper(), exchange="hyperliquid", price=price, as_of_ms=snapshot.ts_ms,
        window_start_ms=snapshot.ts_ms, window_label="positions", leverages=tiers, edges=edges,
        long_usd=long_usd, short_usd=short_usd, params=params, coverage=cov,
        out_of_range_long_usd=oor[0], out_of_range_short_usd=oor[1], clusters=clusters,
        reading=reading, notes=tuple(notes),
    )  # fmt: skip


def _notes(
    snapshot: PositionSnapshot,
    ps: list[AccountPosition],
    drawn: list[AccountPosition],
    coin: str,
    share_txt: str,
    open_interest: float,
) -> list[str]:
    """The real map's notes: what was sampled, its coverage of OI, what is not drawn."""
    held = sum(abs(p.size) for p in ps)
    side_held = (sum(p.size for p in ps if p.size > 0), -sum(p.size for p in ps if p.size < 0))
    no_liq = len(ps) - len(drawn)
    notes = [
        f"real positions: {len(ps):,} {coin} positions of {snapshot.accounts:,} Hyperliquid "
        "accounts (clearinghouseState), binned by positionValue at liquidationPx under the nearest "
        "leverage tier",
        f"coverage: the sample holds {share_txt} of {coin} open interest "
        f"({held:,.4g} of {open_interest:,.6g} {coin}; sum |szi| / openInterest, "
        "which counts longs and shorts: each side holds openInterest / 2)",
    ]
    if open_interest > 0 and max(side_held) > open_interest / 2 * (1 + 1e-9):
        notes.append(
            f"check failed: the sampled {'long' if side_held[0] >= side_held[1] else 'short'} "
            f"size {max(side_held):,.6g} exceeds openInterest / 2 = {open_interest / 2:,.6g}: "
            "openInterest cannot count both sides here, so the coverage above is understated"
        )
    if no_liq:
        shown = {id(p) for p in drawn}
        usd = sum(p.position_value for p in ps if id(p) not in shown)
        notes.append(
            f"{no_liq:,} positions ({format_usd(usd)}) have no liquidation price (cross margin the "
            "account's equity covers) and are not drawn"
        )
    if snapshot.failed:
        notes.append(f"{len(snapshot.failed):,} accounts could not be read: " + "; ".join(
            f"{a}: {e}" for a, e in list(snapshot.failed.items())[:3]))  # fmt: skip
    return notes


async def real_map(
    client: HyperliquidClient,
    addresses: Sequence[str],
    coin: str,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    bins: int = 400,
    range_pct: float | None = None,
) -> tuple[PositionSnapshot, LiquidationMap]:
    """Read the accounts, then the coin's OI and mark price, and build the map."""
    snapshot = await fetch_positions(client, addresses, coin, concurrency=concurrency)
    if snapshot.failed and len(snapshot.failed) == len(addresses):
        first = next(iter(snapshot.failed.values()))
        raise ExchangeError(
            f"no account could be read ({len(addresses)} tried); first error: {first}"
        )
    oi, mark = await client.open_interest_now(coin)
    m = positions_map(
        snapshot, coin=coin, price=mark, open_interest=oi, bins=bins, range_pct=range_pct
    )
    return snapshot, m

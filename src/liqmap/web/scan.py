"""``GET /api/v1/scan``: every symbol of a source ranked by its nearest large clusters.

The web view of ``liqmap scan`` (:mod:`liqmap.core.scan`): each symbol's map is built from the
source's current snapshot in a worker thread (at most :data:`WORKERS` at once); a symbol that
fails is a row with its error. Answers the ``liqmap.scan/1`` JSON of ``liqmap scan --json``.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request

from liqmap.core.scan import DEFAULT_MIN_SHARE, ScanRow, rank, scale_of, scan_row
from liqmap.errors import LiqmapError
from liqmap.web.params import FieldError, SourceQ, WindowQ, _window
from liqmap.web.sources import Source
from liqmap.web.state import WebState

__all__ = ["WORKERS", "router"]

WORKERS = 4
router = APIRouter(prefix="/api/v1")


def _one(src: Source, symbol: str, window: str, min_share: float) -> ScanRow:
    from liqmap import api

    try:
        snap = src.snapshot(symbol)
        m = api.estimate_map(snap.data, window=window, exchange=src.exchange, bins=200)
    except LiqmapError as exc:
        return ScanRow(symbol, src.exchange.value, error=str(exc))
    scale, kind = scale_of(snap.data.candles, snap.data.oi)
    label = next((n for n in m.notes if n.startswith("margin table: ")), "")
    return scan_row(m, scale, kind, min_share=min_share, table=label)


@router.get("/scan", tags=["maps"], summary="Symbols ranked by their nearest large clusters")
async def get_scan(
    request: Request,
    source: SourceQ = "demo",
    window: WindowQ = "24h",
    min_share: Annotated[
        float, Query(gt=0, lt=1, description="Large cluster: this share of OI or daily volume.")
    ] = DEFAULT_MIN_SHARE,
) -> dict[str, Any]:
    """``liqmap scan --json`` over every symbol of ``source``: best score first, failures last."""
    st: WebState = request.app.state.liqmap
    _window(window, "window", 3_600_000, 30 * 86_400_000)
    name = source or st.config.default_source
    src = st.sources.get(name)
    if src is None:
        raise FieldError(
            "source", f"unknown source {name!r}; known: {', '.join(st.sources.names())}"
        )
    limiter = anyio.CapacityLimiter(WORKERS)
    rows: list[ScanRow] = []

    async def run(sym: str) -> None:
        rows.append(
            await anyio.to_thread.run_sync(_one, src, sym, window, min_share, limiter=limiter)
        )

    async with anyio.create_task_group() as tg:
        for sym in src.symbols():
            tg.start_soon(run, sym)
    return rank(rows, window=window, min_share=min_share).to_dict()

"""The versioned JSON API (``/api/v1``): map, levels, heatmap, liqprice, symbols, health, the
plotly figures the page draws, and the live event stream (cascade and plan:
:mod:`liqmap.web.trade_routes`).

Query parameters mirror the CLI flags (:mod:`liqmap.web.params`); bodies are the CLI's ``--json``
layouts (docs/json.md). Data endpoints answer ``ETag`` + ``Cache-Control: no-cache`` so browsers
revalidate cheaply, and gzip when asked.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from liqmap import __version__
from liqmap.core.depth_models import default_depth_name, depth_model_names
from liqmap.domain.enums import Venue
from liqmap.errors import InputError, LeverageError, UnknownSymbolError
from liqmap.timeutil import WINDOWS
from liqmap.web import models
from liqmap.web.live_events import LiveEvent, freshness, sse_stream
from liqmap.web.params import (
    DEFAULT_WINDOW,
    PAGE_HEATMAP_BINS,
    PAGE_HEATMAP_COLUMNS,
    SYMBOL_PATTERN,
    FieldError,
    HeatmapQuery,
    MapQuery,
    SourceQ,
    SymbolQ,
    TiersQ,
    VenueName,
    heatmap_query,
    map_query,
    parse_venue,
    resolve_source,
    resolve_symbol,
)
from liqmap.web.service import dumps
from liqmap.web.state import WebState

if TYPE_CHECKING:
    from liqmap.domain.margin import MarginTable

__all__ = ["CACHED", "ERRORS", "router", "web_state"]

router = APIRouter(prefix="/api/v1")

ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": models.ErrorOut, "description": "Invalid parameter (the message names it)."}
}
CACHED: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    304: {"description": "Not modified (If-None-Match matched the ETag)."},
}


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.liqmap
    return state


MapDep = Annotated[MapQuery, Depends(map_query)]
HeatmapDep = Annotated[HeatmapQuery, Depends(heatmap_query)]


@router.get(
    "/map",
    tags=["maps"],
    summary="Liquidation map",
    responses={200: {"model": models.MapOut}, **CACHED},
)
async def get_map(request: Request, q: MapDep) -> Response:
    """USD of estimated liquidation orders per price bin and leverage tier (``liqmap map --json``):
    longs below the price, shorts above, cumulative curves, clusters and the reading."""
    st = web_state(request)
    return await st.respond(
        request, q.source, q.symbol, ("map", *q.key), lambda s: st.results.map_json(q, s)
    )


@router.get(
    "/levels",
    tags=["maps"],
    summary="Key levels (clusters)",
    responses={200: {"model": models.LevelsOut}, **CACHED},
)
async def get_levels(request: Request, q: MapDep) -> Response:
    """The ranked liquidation clusters and the plain-language reading (``liqmap levels --json``)."""
    st = web_state(request)
    return await st.respond(
        request, q.source, q.symbol, ("levels", *q.key), lambda s: st.results.levels_json(q, s)
    )


@router.get(
    "/heatmap",
    tags=["maps"],
    summary="Liquidation heatmap",
    responses={200: {"model": models.HeatmapOut}, **CACHED},
)
async def get_heatmap(request: Request, q: HeatmapDep) -> Response:
    """Estimated liquidation USD per (time, price bin), the price path and observed liquidation
    events (``liqmap heatmap --json``)."""
    st = web_state(request)
    b = q.base
    return await st.respond(
        request, b.source, b.symbol, ("heatmap", *q.key), lambda s: st.results.heatmap_json(q, s)
    )


@router.get(
    "/figures/map",
    tags=["figures"],
    summary="Map as a plotly figure",
    responses={200: {"model": models.FigureOut}, **CACHED},
)
async def get_map_figure(request: Request, q: MapDep, tiers: TiersQ = None) -> Response:
    """:func:`liqmap.render.map_figure` as plotly JSON (what the dashboard draws); ``tiers``
    limits the bars, curves and clusters drawn to some leverage tiers."""
    st = web_state(request)
    return await st.respond(
        request,
        q.source,
        q.symbol,
        ("figure-map", tiers, *q.key),
        lambda s: st.results.map_figure_json(q, tiers, s),
    )


@router.get(
    "/figures/heatmap",
    tags=["figures"],
    summary="Heatmap as a plotly figure",
    responses={200: {"model": models.FigureOut}, **CACHED},
)
async def get_heatmap_figure(request: Request, q: HeatmapDep) -> Response:
    """:func:`liqmap.render.heatmap_figure` as plotly JSON: USD colour scale, price path and
    observed liquidation events as markers."""
    st = web_state(request)
    b = q.base
    return await st.respond(
        request,
        b.source,
        b.symbol,
        ("figure-heatmap", *q.key),
        lambda s: st.results.heatmap_figure_json(q, s),
    )


_LpNotional = Annotated[
    float | None,
    Query(
        ge=0.01,
        le=1e12,
        description="Position value at entry (USD; 0.01..1e12). Give this or quantity; "
        "when both are given, notional is used.",
    ),
]
_LpQuantity = Annotated[
    float | None, Query(ge=1e-9, le=1e12, description="Position size in coin (1e-9..1e12).")
]
_LpMargin = Annotated[
    float | None,
    Query(
        ge=1e-9, le=1e12, description="Isolated margin (coin for COIN-M); default value/leverage."
    ),
]
_LpFee = Annotated[
    float | None,
    Query(ge=0, le=0.01, description="OKX only: taker fee rate in the liquidation condition."),
]


@router.get(
    "/liqprice",
    tags=["tools"],
    summary="Liquidation price of one position",
    responses={200: {"model": models.LiqPriceOut}, **ERRORS},
)
async def get_liqprice(
    side: Annotated[Literal["long", "short"], Query(description="Position side.")],
    entry: Annotated[float, Query(ge=1e-8, le=1e9, description="Entry price (1e-8..1e9).")],
    leverage: Annotated[
        float, Query(ge=0.01, le=1000, description="Initial leverage (0.01..1000).")
    ],
    exchange: Annotated[VenueName, Query(description="Margin rules.")] = "binance",
    symbol: Annotated[
        str, Query(pattern=SYMBOL_PATTERN, description="Symbol or alias (BTCUSDT, BTC...).")
    ] = "BTC",
    notional: _LpNotional = None,
    quantity: _LpQuantity = None,
    margin: _LpMargin = None,
    taker_fee: _LpFee = None,
) -> Response:
    """Exact isolated-margin liquidation price, bracket used and distance from entry
    (``liqmap liqprice --json``; give ``notional`` or ``quantity``; ``liquidation_price`` is
    null when the position cannot be liquidated)."""
    from liqmap.core.margin import liquidation_price
    from liqmap.domain.enums import Side
    from liqmap.io.quote_json import quote_to_dict

    if notional is None and quantity is None:
        raise FieldError("notional", "give the position size as notional (USD) or quantity (coin)")
    if notional is not None:
        quantity = None  # documented: notional wins when both are given
    venue = parse_venue(exchange)
    table = _liqprice_table(venue, symbol)
    try:
        quote = liquidation_price(
            venue, Side.parse(side), entry, leverage, notional=notional, quantity=quantity,
            margin=margin, table=table, taker_fee_rate=taker_fee,
        )  # fmt: skip
    except LeverageError as exc:
        raise FieldError("leverage", str(exc)) from None
    except UnknownSymbolError as exc:
        raise FieldError("symbol", str(exc)) from None
    except InputError as exc:
        raise FieldError(_liqprice_field(exc, notional), str(exc)) from None
    return Response(dumps(quote_to_dict(quote, table)), media_type="application/json")


#: ``liquidation_price`` parameters -> the query fields of ``GET /liqprice``.
_LIQPRICE_QUERY = {"entry_price": "entry", "taker_fee_rate": "taker_fee", "table": "symbol"}


def _liqprice_table(venue: Venue, symbol: str) -> MarginTable:
    """The shipped table of ``symbol``, else the CLI's labelled fallback ladder (issue 11)."""
    from liqmap.io.brackets import default_table
    from liqmap.io.tables import resolve_table

    try:
        return default_table(venue, symbol)
    except UnknownSymbolError:  # no shipped table
        return resolve_table(venue, symbol, warn=False)
    except InputError as exc:
        raise FieldError("symbol", str(exc)) from None


def _liqprice_field(exc: InputError, notional: float | None) -> str:
    """The query field a liquidation-price error names (``exc.field``): the size is the one the
    request gave (notional or quantity); an error naming no field is about the whole query."""
    if exc.field in ("notional", "quantity"):
        return "notional" if notional is not None else "quantity"
    if exc.field is None:
        return "query"
    return _LIQPRICE_QUERY.get(exc.field, exc.field)


@router.get(
    "/symbols",
    tags=["meta"],
    summary="Sources and their symbols",
    response_model=models.SymbolsOut,
)
async def get_symbols(request: Request) -> dict[str, Any]:
    """What the ``source`` and ``symbol`` parameters accept, the windows and exchanges, the
    depth models (``depth_model`` of ``/cascade`` and ``/plan``) and each symbol's default."""
    st = web_state(request)
    demo = st.sources.demo()
    return {
        "sources": [
            {
                "name": s.name,
                "kind": s.kind,
                "exchange": s.exchange.value,
                "symbols": list(s.symbols()),
                "live": s.kind == "store" or (demo is s and st.config.demo_speed > 0),
            }
            for s in st.sources.all()
        ],
        "windows": list(WINDOWS),
        "exchanges": [v.value for v in Venue],
        "defaults": {
            "source": st.config.default_source,
            "symbol": st.config.default_symbol,
            "window": DEFAULT_WINDOW,
        },
        "page": {"heatmap_bins": PAGE_HEATMAP_BINS, "heatmap_columns": PAGE_HEATMAP_COLUMNS},
        "depth_models": list(depth_model_names()),
        "depth_defaults": {
            sym: name
            for s in st.sources.all()
            for sym in s.symbols()
            if (name := default_depth_name(sym)) is not None
        },
    }


@router.get("/health", tags=["meta"], summary="Server health", response_model=models.HealthOut)
async def get_health(request: Request) -> dict[str, Any]:
    """Liveness, served sources, cache counters and live clients."""
    st = web_state(request)
    return {
        "status": "ok",
        "version": __version__,
        "sources": list(st.sources.names()),
        "store": st.store is not None,
        "alerts": st.alerts is not None,
        "alert_deliveries": dict(st.alerts.stats()) if st.alerts is not None else None,
        "live_clients": st.hub.clients,
        "demo_speed": st.config.demo_speed,
        "caches": {"results": st.results.stats(), "bodies": st.bodies.stats()},
        "load": {**st.gate.stats(), "prebuilt_last_update": st.prebuilt},
    }


@router.get(
    "/events",
    tags=["live"],
    summary="Live updates (Server-Sent Events)",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Events hello, update (new bars or liquidation events) and alert.",
        },
        **ERRORS,
    },
)
async def get_events(
    request: Request, symbol: SymbolQ = "BTCUSDT", source: SourceQ = "demo"
) -> StreamingResponse:
    """A ``text/event-stream`` of ``update`` events when new candles or liquidation events
    arrive for ``(source, symbol)``, and ``alert`` events from the alert engine."""
    st = web_state(request)
    src = resolve_source(st.sources, source)
    sym = resolve_symbol(src, symbol)
    sub = st.hub.subscribe(src.name, sym)
    now_ms, version = int(time.time() * 1000), src.version(sym)
    advancing = src.kind != "demo" or st.config.demo_speed > 0
    hello = LiveEvent(
        "hello",
        src.name,
        sym,
        {
            "version": version,
            "server_time_ms": now_ms,
            "kind": src.kind,
            **freshness(src.kind, version, now_ms, advancing=advancing),
        },
    )
    stream = sse_stream(
        st.hub, sub, hello, heartbeat_s=st.config.heartbeat_s, max_s=st.config.stream_max_s
    )
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )

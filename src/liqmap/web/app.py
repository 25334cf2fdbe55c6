"""The app factory: :func:`create_app` builds a FastAPI app from settings, a store and an alert
engine (all injected; nothing global), with the JSON API, the page and the live feeds.

Security defaults for a local dashboard: no CORS unless origins are configured, ``Host`` checked
against loopback names (DNS rebinding), a strict Content-Security-Policy on the page, no file
path ever taken from a request (sources are names, static files come from the package).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liqmap import __version__
from liqmap.errors import InputError, ParameterError, StoreError
from liqmap.settings import Settings
from liqmap.web.cache import Body, make_body
from liqmap.web.config import WebConfig
from liqmap.web.guard import Overloaded, TokenGate
from liqmap.web.live_events import AlertHook, forward_alerts, run_demo_feed, run_poller
from liqmap.web.params import FieldError
from liqmap.web.response_cache import HotPath
from liqmap.web.routes import router
from liqmap.web.scan import router as scan_router
from liqmap.web.sources import DemoSource, Source, Sources
from liqmap.web.state import WebState, send_body
from liqmap.web.stored import MarketStore, StoreSource, as_market_store, store_sources
from liqmap.web.trade_routes import router as trade_router

if TYPE_CHECKING:
    from liqmap.store import Store

__all__ = ["STATIC_DIR", "create_app", "plotly_js_path"]

log = logging.getLogger("liqmap.web")

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def plotly_js_path() -> Path:
    """The partial plotly.js bundle the charts use (``liqmap.render``: bar, scatter, heatmap;
    1.5 MB instead of 4.8 MB), served offline."""
    from liqmap.render._plotly import PLOTLY_JS

    return PLOTLY_JS


class _SecurityHeaders:
    """Adds ``nosniff`` and ``frame-options`` to every response (pure ASGI: streams untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _on_overloaded(request: Request, exc: Exception) -> Response:
    wait = exc.retry_after_s if isinstance(exc, Overloaded) else 2
    resp = _error(503, ["server"], f"busy ({exc}); retry after {wait} s", "overloaded")
    resp.headers["Retry-After"] = str(wait)
    return resp


def _error(status: int, loc: list[str | int], msg: str, kind: str) -> JSONResponse:
    field = ".".join(str(p) for p in loc[1:]) or str(loc[0])
    return JSONResponse(
        {"message": f"{field}: {msg}", "detail": [{"loc": loc, "msg": msg, "type": kind}]},
        status_code=status,
    )


async def _on_validation(request: Request, exc: Exception) -> Response:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    items: list[dict[str, Any]] = [
        {"loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
         "msg": str(e.get("msg", "invalid")), "type": str(e.get("type", "value_error"))}
        for e in errors
    ]  # fmt: skip
    if not items:
        items = [{"loc": ["query"], "msg": "invalid request", "type": "value_error"}]
    loc = items[0]["loc"]
    field = ".".join(str(p) for p in loc[1:]) or str(loc[0] if loc else "query")
    return JSONResponse(
        {"message": f"{field}: {items[0]['msg']}", "detail": items}, status_code=422
    )


async def _on_input_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, FieldError):
        return _error(422, ["query", exc.field], exc.message, "value_error")
    return _error(422, ["query"], str(exc), "value_error")


async def _on_store_error(request: Request, exc: Exception) -> Response:
    log.error("store error: %s", exc)
    return _error(503, ["store"], str(exc), "store_error")


def _sources(
    store: MarketStore | Store | None,
    settings: Settings,
    config: WebConfig,
    files: Sequence[Source],
) -> Sources:
    found: list[Source] = [DemoSource(live_days=config.demo_live_days, seed=config.demo_seed)]
    if store is not None:
        found.extend(store_sources(as_market_store(store, settings)))
    found.extend(files)
    sources = Sources(found)
    if sources.get(config.default_source) is None:
        raise ParameterError(
            f"default source {config.default_source!r} is not served; "
            f"available: {', '.join(sources.names())}"
        )
    return sources


def _lifespan(state: WebState) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.hub.bind(asyncio.get_running_loop())
        async with anyio.create_task_group() as tg:
            demo = state.sources.demo()
            if demo is not None:
                tg.start_soon(
                    run_demo_feed, demo, state.config.demo_speed, state.on_moved,
                    functools.partial(state.prebuild, demo.name),
                )  # fmt: skip
            stored = [s for s in state.sources.all() if isinstance(s, StoreSource)]
            if stored:
                tg.start_soon(run_poller, state.config.store_poll_s, _store_poll(state, stored))
            if state.alerts is not None:
                tg.start_soon(forward_alerts, state.alerts, state.hub)
            tg.start_soon(_warm, state)
            try:
                yield
            finally:
                state.hub.close()
                state.cancel_tasks()
                tg.cancel_scope.cancel()

    return lifespan


def _store_poll(state: WebState, stored: list[StoreSource]) -> Any:
    def refresh(src: StoreSource) -> list[tuple[str, int]]:
        moved = src.refresh()
        for symbol, _ in moved:  # read the new data and build what was asked lately, ahead
            state.prebuild(src.name, symbol, src.snapshot(symbol))
        return moved

    async def poll() -> None:
        for src in stored:
            for symbol, version in await anyio.to_thread.run_sync(refresh, src):
                await state.on_moved(src.name, symbol, version, None)

    return poll


async def _warm(state: WebState) -> None:
    """Compute the page's first view before a browser asks for it."""
    try:
        await anyio.to_thread.run_sync(state.warm)
    except Exception:
        log.exception("warming the default view failed")


def create_app(
    settings: Settings,
    store: MarketStore | Store | None = None,
    alerts: AlertHook | None = None,
    *,
    config: WebConfig | None = None,
    files: Sequence[Source] = (),
) -> FastAPI:
    """The liqmap web app: the dashboard at ``/`` and the JSON API at ``/api/v1``.

    Parameters
    ----------
    settings
        Runtime settings (:class:`liqmap.settings.Settings`).
    store
        The exchange-data store: an open ``liqmap.store.Store`` (read-only is enough) or a
        :class:`liqmap.web.stored.ReopeningStore`; its exchanges become sources next to
        ``demo``. ``None`` serves the demo market only.
    alerts
        The alerting pipeline (``liqmap.alerts.AlertService``): its rules run on the 24h map of
        every watched symbol when new data arrives, and what it publishes reaches the page as
        SSE ``alert`` events. The caller owns it (and closes it).
    config
        Tuning (:class:`WebConfig`); defaults suit a local dashboard.
    files
        More sources, e.g. :class:`liqmap.web.sources.FileSource` (``liqmap serve --file``).
    """
    cfg = config or WebConfig()
    state = WebState(
        settings, cfg, _sources(store, settings, cfg, files), store=store, alerts=alerts
    )
    app = FastAPI(
        title="liqmap API",
        version=__version__,
        summary="Liquidation maps and heatmaps of crypto perpetual futures. Money in USD.",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan(state),
    )
    app.state.liqmap = state
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(InputError, _on_input_error)
    app.add_exception_handler(StoreError, _on_store_error)
    app.add_exception_handler(Overloaded, _on_overloaded)
    app.include_router(router)
    app.include_router(trade_router)
    app.include_router(scan_router)  # GET /api/v1/scan (liqmap.web.scan)
    _add_page(app)
    app.add_middleware(HotPath, state=state)  # innermost: behind the Host and CORS checks
    if cfg.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware, allow_origins=list(cfg.cors_origins), allow_methods=["GET"]
        )
    if "*" not in cfg.allowed_hosts:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(cfg.allowed_hosts))
    if cfg.token:
        app.add_middleware(TokenGate, token=cfg.token)  # outside the Host check: both apply
    app.add_middleware(_SecurityHeaders)
    return app


def _plotly_body() -> Body:
    body = make_body(plotly_js_path().read_bytes())
    _ = body.gz  # 1.5 MB: compress once, in a worker thread
    return body


def _add_page(app: FastAPI) -> None:
    plotly_body: list[Body] = []

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(
            STATIC_DIR / "index.html",
            headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"},
        )

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    async def plotly_js(request: Request) -> Response:
        if not plotly_body:
            plotly_body.append(await anyio.to_thread.run_sync(_plotly_body))
        resp = send_body(request, plotly_body[0], "text/javascript; charset=utf-8")
        resp.headers["Cache-Control"] = "public, max-age=86400"
        return resp

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

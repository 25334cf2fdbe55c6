"""The state of one web app (no globals): sources, caches, the live hub, the alert hook.

:class:`WebState` lives on ``app.state.liqmap``. :meth:`WebState.respond` is the one path every
data endpoint takes: a cached body for the current data version is sent from the event loop at
once; otherwise the body is built in a worker thread (once, however many ask) and cached. The
request is remembered: :class:`liqmap.web.response_cache.HotPath` answers it again without routing, and
:meth:`WebState.prebuild` rebuilds it when new data comes, before the update is published.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
from fastapi import Request, Response

from liqmap.core.results import LiquidationMap
from liqmap.domain.market import LiquidationEvents
from liqmap.settings import Settings
from liqmap.web.cache import Body, LruCache, make_body
from liqmap.web.config import WebConfig
from liqmap.web.guard import BuildGate
from liqmap.web.live_events import AlertHook, Hub, LiveEvent
from liqmap.web.params import (
    PAGE_HEATMAP_BINS,
    PAGE_HEATMAP_COLUMNS,
    HeatmapQuery,
    default_map_query,
)
from liqmap.web.response_cache import JSON, Recipe, wire
from liqmap.web.service import Results
from liqmap.web.sources import Snapshot, Source, Sources

__all__ = ["WebState", "send_body"]

log = logging.getLogger("liqmap.web")

RECIPES = 4_096  # remembered requests (hot path, rebuilds on new data)
RECENT_S = 60.0  # requests asked for within this many seconds are rebuilt on new data


def send_body(request: Request, body: Body, media_type: str = JSON) -> Response:
    """``body`` as a response: 304 when the client's ``If-None-Match`` matches, gzip when the
    client accepts it."""
    status, headers, content = wire(
        body,
        request.headers.get("accept-encoding", ""),
        request.headers.get("if-none-match", ""),
        media_type,
    )
    response = Response(content, status_code=status)
    response.raw_headers = headers
    return response


def _maker(build: Callable[[Snapshot], bytes], snap: Snapshot) -> Callable[[], Body]:
    return lambda: make_body(build(snap))


@dataclass(eq=False)
class WebState:
    """Everything the routes and the live feeds share."""

    settings: Settings
    config: WebConfig
    sources: Sources
    store: object | None = None
    alerts: AlertHook | None = None
    hub: Hub = field(default_factory=Hub)
    results: Results = field(init=False)
    bodies: LruCache[Body] = field(init=False)
    recipes: LruCache[Recipe] = field(init=False)
    gate: BuildGate = field(init=False)
    prebuilt: int = field(default=0, init=False)
    _hits: Counter[tuple[str, bytes]] = field(default_factory=Counter, init=False)
    _alerting: set[tuple[str, str]] = field(default_factory=set, init=False)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.results = Results(self.config.result_cache_entries)
        self.bodies = LruCache(
            10_000, max_bytes=self.config.body_cache_bytes, sizeof=lambda b: b.size
        )
        self.recipes = LruCache(RECIPES)
        cfg = self.config
        self.gate = BuildGate(cfg.build_slots, cfg.build_queue, cfg.build_wait_s)

    async def respond(
        self,
        request: Request,
        src: Source,
        symbol: str,
        key: tuple[Hashable, ...],
        build: Callable[[Snapshot], bytes],
    ) -> Response:
        """The cached body of ``key`` for the current data, or ``build(snapshot)`` (in a thread);
        the request is remembered for the hot path and for rebuilding on new data."""
        gz = "gzip" in request.headers.get("accept-encoding", "")
        version = src.version(symbol)
        body = None if version is None else self.bodies.peek((*key, version))
        if body is None or (gz and not body.gz_ready):

            def work() -> Body:
                snap = src.snapshot(symbol)
                made = self.bodies.get_or_build(
                    (*key, snap.version), lambda: make_body(build(snap))
                )
                if gz:
                    _ = made.gz  # compress here, not in the event loop
                return made

            body = await self.gate.run(work)
        where = (request.url.path, request.scope["query_string"])
        self.recipes.put(where, Recipe(src, symbol, key, build, gzip=gz))
        self.count_hit(where)
        return send_body(request, body)

    def count_hit(self, where: tuple[str, bytes]) -> None:
        """Count one request of ``where`` (path, query): prebuilds favour the most requested."""
        hits = self._hits
        hits[where] += 1
        if len(hits) > RECIPES:  # keep the counts bounded: the most requested half stays
            self._hits = Counter(dict(hits.most_common(RECIPES // 2)))

    def prebuild(self, source: str, symbol: str, snap: Snapshot) -> None:
        """Build the bodies of the most-requested recent requests for ``(source, symbol)``
        (at most ``config.prebuild_max``) on new data ``snap``, before it is published (worker
        thread). Others are built on demand; failures are left to the request."""
        now = time.monotonic()
        recent = [
            (self._hits[where], r)  # type: ignore[index]
            for where, r in self.recipes.items()
            if r.source.name == source and r.symbol == symbol and now - r.used_s <= RECENT_S
        ]
        recent.sort(key=lambda hr: hr[0], reverse=True)
        self.prebuilt = 0
        for _hits, r in recent[: self.config.prebuild_max]:
            self.prebuilt += 1
            try:
                body = self.bodies.get_or_build((*r.key, snap.version), _maker(r.build, snap))
                if r.gzip:
                    _ = body.gz
            except Exception:  # e.g. ``at`` now outside the data: the request will say so
                log.debug("prebuild of %s failed", r.key, exc_info=True)

    # --- live ------------------------------------------------------------------------------
    async def on_moved(self, source: str, symbol: str, version: int, price: float | None) -> None:
        """New data for ``(source, symbol)``: tell its streams, then run the alert rules on it
        (in the background, one evaluation per symbol at a time, only while someone watches;
        webhook deliveries are queued by the alert service and never awaited here)."""
        data: dict[str, Any] = {"version": version}
        if price is not None:
            data["price"] = price
        self.hub.publish(LiveEvent("update", source, symbol, data))
        key = (source, symbol)
        if self.alerts is None or key not in self.hub.watched() or key in self._alerting:
            return
        self._alerting.add(key)
        task = asyncio.get_running_loop().create_task(self._run_alerts(source, symbol))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_alerts(self, source: str, symbol: str) -> None:
        try:
            await anyio.to_thread.run_sync(self._evaluate_alerts, source, symbol)
        except Exception:
            log.exception("alerts on %s/%s failed", source, symbol)
        finally:
            self._alerting.discard((source, symbol))

    def _evaluate_alerts(self, source: str, symbol: str) -> None:
        """Evaluate the rules (worker thread); deliveries are queued, never awaited here, so a
        slow webhook cannot hold the next evaluation back."""
        inputs = self._alert_inputs(source, symbol)
        if inputs is not None and self.alerts is not None:
            self.alerts.evaluate(*inputs)

    def _alert_inputs(
        self, source: str, symbol: str
    ) -> tuple[LiquidationMap, LiquidationEvents | None] | None:
        """The map alerts are evaluated on (the page's default: 24h window, default parameters)
        and the liquidation events of its window."""
        src = self.sources.get(source)
        if src is None:
            return None
        snap = src.snapshot(symbol)
        m = self.results.liq_map(default_map_query(src, symbol), snap)
        events = snap.data.liquidations
        if events is not None:
            events = events.between(m.window_start_ms, m.as_of_ms)
        return m, events

    def warm(self) -> None:
        """Compute what the page shows first (default source and symbol), so the first view is
        quick; loads plotly's figure machinery too."""
        src = self.sources.get(self.config.default_source)
        symbol = self.config.default_symbol
        if src is None or symbol not in src.symbols():
            return
        snap = src.snapshot(symbol)
        q = default_map_query(src, symbol)
        self.results.map_figure_json(q, None, snap)
        heat = default_map_query(src, symbol, bins=PAGE_HEATMAP_BINS)
        self.results.heatmap_figure_json(HeatmapQuery(heat, PAGE_HEATMAP_COLUMNS, None), snap)

    def cancel_tasks(self) -> None:
        """Stop background alert runs (shutdown)."""
        for task in list(self._tasks):
            task.cancel()

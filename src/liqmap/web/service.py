"""Results and response bodies for the routes: estimation through :mod:`liqmap.api`, cascades
and plans on those maps (:mod:`liqmap.core.cascade`, :mod:`liqmap.core.plan`), the JSON layout of
``to_dict`` (docs/json.md) and the plotly figures of :mod:`liqmap.render`, cached.

Everything here blocks (numerics, serialisation) and runs in worker threads. Results are cached
per (request, data version); bodies too, so a repeated view is a lookup.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeVar, cast

from liqmap import api
from liqmap.core.maps import summarise
from liqmap.core.plan import Plan
from liqmap.core.results import LiquidationHeatmap, LiquidationMap, tier_label
from liqmap.errors import (
    EmptyWindowError,
    InputError,
    LeverageError,
    UnknownExchangeError,
    UnknownSymbolError,
)
from liqmap.web.cache import LruCache
from liqmap.web.params import FieldError, HeatmapQuery, MapQuery, parse_tiers
from liqmap.web.sources import Snapshot
from liqmap.web.trade_params import CascadeQuery, PlanQuery
from liqmap.web.trade_service import CascadeRun, run_cascade, run_plan

__all__ = ["LEVELS_FIELDS", "Results", "dumps", "restrict_tiers"]

T = TypeVar("T")

LEVELS_FIELDS = ("schema", "symbol", "exchange", "price", "as_of_ms", "as_of", "window", "tiers")


def dumps(obj: Any) -> bytes:
    """Compact JSON, never ``NaN``/``Infinity`` (docs/json.md)."""
    return json.dumps(obj, allow_nan=False, separators=(",", ":")).encode()


@contextmanager
def _as_field_errors(q: MapQuery) -> Iterator[None]:
    """Name the field behind an input error raised while estimating."""
    try:
        yield
    except FieldError:
        raise
    except EmptyWindowError as exc:
        raise FieldError("at" if q.at else "window", str(exc)) from None
    except LeverageError as exc:
        raise FieldError("leverage", str(exc)) from None
    except UnknownSymbolError as exc:
        raise FieldError("symbol", str(exc)) from None
    except UnknownExchangeError as exc:
        raise FieldError("exchange", str(exc)) from None
    except InputError as exc:
        raise FieldError("query", str(exc)) from None


TIER_RULE = (
    "tiers shown only: bars, curves, cluster labels, the clusters table, the totals and the "
    "reading all cover these tiers"
)
"""The one rule of the dashboard's tier filter (issue 14 item 4), stated on the page."""


def restrict_tiers(m: LiquidationMap, idx: tuple[int, ...]) -> LiquidationMap:
    """The map with only the tiers at ``idx``: totals, curves, clusters and the reading are
    recomputed from those tiers (:data:`TIER_RULE`), so every number on the page agrees."""
    if idx == tuple(range(len(m.leverages))):
        return m
    rows = list(idx)
    leverages = tuple(m.leverages[i] for i in idx)
    long_usd, short_usd = m.long_usd[rows], m.short_usd[rows]
    clusters, reading = summarise(
        m.edges, long_usd, short_usd, m.price, coverage=m.coverage, leverages=leverages,
        symbol=m.symbol,
    )  # fmt: skip
    shown = ", ".join(tier_label(lv) for lv in leverages)
    return replace(
        m,
        leverages=leverages,
        long_usd=long_usd,
        short_usd=short_usd,
        out_of_range_long_usd=0.0,
        out_of_range_short_usd=0.0,
        clusters=clusters,
        reading=reading,
        notes=(*m.notes, f"showing {shown}: {TIER_RULE}"),
    )


def tier_view(m: LiquidationMap) -> dict[str, Any]:
    """What the page shows beside a tier-filtered chart: its clusters, totals and reading."""
    return {
        "tiers": [tier_label(lv) for lv in m.leverages],
        "rule": TIER_RULE,
        "clusters": [c.to_dict(m.leverages) for c in m.clusters],
        "totals": {"long_usd": m.total_long_usd, "short_usd": m.total_short_usd},
        "reading": m.reading,
    }


_ARRAYS = (
    "long_usd",
    "short_usd",
    "step_price",
    "step_long_usd",
    "step_short_usd",
    "step_flow_usd",
)


def _nbytes(result: object) -> int:
    """Memory held by a map, heatmap or cascade (its arrays dominate)."""
    arrays = (getattr(result, name, None) for name in _ARRAYS)
    return sum(int(a.nbytes) for a in arrays if a is not None)


class Results:
    """Maps and heatmaps per (request, data version), built once however many ask; at most
    ``max_entries`` of them and ``max_bytes`` of USD grids."""

    def __init__(self, max_entries: int, max_bytes: int = 128 * 1024 * 1024) -> None:
        self._cache: LruCache[object] = LruCache(max_entries, max_bytes=max_bytes, sizeof=_nbytes)

    def stats(self) -> dict[str, int]:
        """Cache counters."""
        return self._cache.stats()

    def _get(self, key: tuple[object, ...], build: Callable[[], T]) -> T:
        return cast(T, self._cache.get_or_build(key, build))  # keys are namespaced by type

    def liq_map(self, q: MapQuery, snap: Snapshot) -> LiquidationMap:
        """The liquidation map of ``q`` on the data of ``snap``."""

        def build() -> LiquidationMap:
            with _as_field_errors(q):
                return api.estimate_map(
                    snap.data, window=q.window, at=q.at_ms(snap), exchange=q.exchange,
                    params=q.params, bins=q.bins, range_pct=q.range_pct,
                )  # fmt: skip

        return self._get(("map", *q.key, snap.version), build)

    def heatmap(self, q: HeatmapQuery, snap: Snapshot) -> LiquidationHeatmap:
        """The liquidation heatmap of ``q`` on the data of ``snap``."""
        b = q.base

        def build() -> LiquidationHeatmap:
            with _as_field_errors(b):
                return api.estimate_heatmap(
                    snap.data, window=b.window, at=b.at_ms(snap), exchange=b.exchange,
                    params=b.params, bins=b.bins, columns=q.columns, warmup=q.warmup_ms,
                )  # fmt: skip

        return self._get(("heatmap", *q.key, snap.version), build)

    def cascade(self, q: CascadeQuery, snap: Snapshot) -> tuple[LiquidationMap, CascadeRun]:
        """The map of ``q`` and the cascade on it with its outcomes (as ``liqmap cascade``)."""
        m = self.liq_map(q.base, snap)
        return m, self._get(("cascade", *q.key, snap.version), lambda: run_cascade(m, q, snap))

    def plan(self, q: PlanQuery, snap: Snapshot) -> tuple[LiquidationMap, Plan]:
        """The map of ``q`` and the plan on it (as ``liqmap plan``)."""
        m = self.liq_map(q.base, snap)

        def build() -> Plan:
            with _as_field_errors(q.base):
                return run_plan(m, q, snap)

        return m, self._get(("plan", *q.key, snap.version), build)

    # --- bodies ----------------------------------------------------------------------------
    def map_json(self, q: MapQuery, snap: Snapshot) -> bytes:
        """``/api/v1/map``: the map layout of docs/json.md."""
        return dumps(self.liq_map(q, snap).to_dict())

    def levels_json(self, q: MapQuery, snap: Snapshot) -> bytes:
        """``/api/v1/levels``: the levels subset of the map layout (as ``liqmap levels --json``)."""
        d = self.liq_map(q, snap).to_dict()
        out = {k: d[k] for k in LEVELS_FIELDS} | {
            "clusters": d["clusters"],
            "reading": d["reading"],
        }
        return dumps(out)

    def heatmap_json(self, q: HeatmapQuery, snap: Snapshot) -> bytes:
        """``/api/v1/heatmap``: the heatmap layout of docs/json.md."""
        return dumps(self.heatmap(q, snap).to_dict())

    def map_figure_json(self, q: MapQuery, tiers: str | None, snap: Snapshot) -> bytes:
        """``/api/v1/figures/map``: :func:`liqmap.render.map_figure` as plotly JSON."""
        from liqmap.render import DARK, map_figure

        m = self.liq_map(q, snap)
        idx = parse_tiers(tiers, m.leverages)
        palette = DARK.tier_colors  # each tier keeps its colour when others are hidden
        style = replace(DARK, tier_colors=tuple(palette[i % len(palette)] for i in idx))
        shown = restrict_tiers(m, idx)
        fig = map_figure(shown, style=style)
        if shown is not m:  # the page's table and reading follow the chart (TIER_RULE)
            fig.update_layout(meta={"tier_view": tier_view(shown)})
        return str(fig.to_json()).encode()

    def heatmap_figure_json(self, q: HeatmapQuery, snap: Snapshot) -> bytes:
        """``/api/v1/figures/heatmap``: :func:`liqmap.render.heatmap_figure` as plotly JSON."""
        from liqmap.render import heatmap_figure

        return str(heatmap_figure(self.heatmap(q, snap)).to_json()).encode()

    def cascade_json(self, q: CascadeQuery, snap: Snapshot) -> bytes:
        """``/api/v1/cascade``: the ``liqmap.cascade/1`` layout (= ``liqmap cascade --json``)."""
        return dumps(self.cascade(q, snap)[1].to_dict())

    def plan_json(self, q: PlanQuery, snap: Snapshot) -> bytes:
        """``/api/v1/plan``: the ``liqmap.plan/1`` layout (= ``liqmap plan --json``)."""
        return dumps(self.plan(q, snap)[1].to_dict())

    def cascade_figure_json(self, q: CascadeQuery, snap: Snapshot) -> bytes:
        """``/api/v1/figures/cascade``: :func:`liqmap.render.overlays_html.cascade_figure` as plotly JSON."""
        from liqmap.render.overlays_html import cascade_figure

        m, run = self.cascade(q, snap)
        return str(cascade_figure(m, run.result, outcomes=run.outcomes).to_json()).encode()

    def plan_figure_json(self, q: PlanQuery, snap: Snapshot) -> bytes:
        """``/api/v1/figures/plan``: :func:`liqmap.render.overlays_html.plan_figure` as plotly JSON."""
        from liqmap.render.overlays_html import plan_figure

        return str(plan_figure(*self.plan(q, snap)).to_json()).encode()

"""``/api/v1/cascade``, ``/api/v1/plan`` and their figures: ``liqmap cascade`` and ``liqmap plan``
over the served data.

Parameters are the map's plus the commands' own (:mod:`liqmap.web.trade_params`); bodies are the
commands' ``--json`` layouts (docs/json.md), cached per (request, data version) like every data
endpoint (:meth:`liqmap.web.state.WebState.respond`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from liqmap.web import models, trade_models
from liqmap.web.routes import CACHED, web_state
from liqmap.web.trade_params import CascadeQuery, PlanQuery, cascade_query, plan_query

__all__ = ["router"]

router = APIRouter(prefix="/api/v1")

CascadeDep = Annotated[CascadeQuery, Depends(cascade_query)]
PlanDep = Annotated[PlanQuery, Depends(plan_query)]


@router.get(
    "/cascade",
    tags=["trading"],
    summary="Liquidation cascade",
    responses={200: {"model": trade_models.CascadeOut}, **CACHED},
)
async def get_cascade(request: Request, q: CascadeDep) -> Response:
    """The chain reaction a shock (or a market order) sets off through the map: levels crossed,
    their forced orders walking the book, until it absorbs them (``liqmap cascade --json``).
    Give ``shock`` (percent) or ``order_usd``."""
    st, b = web_state(request), q.base
    return await st.respond(
        request, b.source, b.symbol, ("cascade", *q.key), lambda s: st.results.cascade_json(q, s)
    )


@router.get(
    "/plan",
    tags=["trading"],
    summary="Trading plan (decision support)",
    responses={200: {"model": trade_models.PlanOut}, **CACHED},
)
async def get_plan(request: Request, q: PlanDep) -> Response:
    """Stop-loss, take-profit levels, breakout zones and (with ``size_usd``) execution, each with
    the cluster numbers it came from (``liqmap plan --json``). Decision support, not advice."""
    st, b = web_state(request), q.base
    return await st.respond(
        request, b.source, b.symbol, ("plan", *q.key), lambda s: st.results.plan_json(q, s)
    )


@router.get(
    "/figures/cascade",
    tags=["figures"],
    summary="Cascade over the map as a plotly figure",
    responses={200: {"model": models.FigureOut}, **CACHED},
)
async def get_cascade_figure(request: Request, q: CascadeDep) -> Response:
    """:func:`liqmap.render.overlays_html.cascade_figure`: the map, the cascade path (cumulative
    USD liquidated against price), the book's absorption, shock, pin and final price."""
    st, b = web_state(request), q.base
    return await st.respond(
        request,
        b.source,
        b.symbol,
        ("figure-cascade", *q.key),
        lambda s: st.results.cascade_figure_json(q, s),
    )


@router.get(
    "/figures/plan",
    tags=["figures"],
    summary="Plan levels on the map as a plotly figure",
    responses={200: {"model": models.FigureOut}, **CACHED},
)
async def get_plan_figure(request: Request, q: PlanDep) -> Response:
    """:func:`liqmap.render.overlays_html.plan_figure`: the map with entry, stop, take-profits,
    breakout zones and forced-flow liquidity drawn on it."""
    st, b = web_state(request), q.base
    return await st.respond(
        request,
        b.source,
        b.symbol,
        ("figure-plan", *q.key),
        lambda s: st.results.plan_figure_json(q, s),
    )

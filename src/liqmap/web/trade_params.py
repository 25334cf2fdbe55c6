"""Query parameters of ``/cascade`` and ``/plan`` (and their figures): the map's parameters
(:func:`liqmap.web.params.map_query`) plus those of ``liqmap cascade`` / ``liqmap plan``.

``depth_model`` is a *name* (``btc``, ``eth``, a dated built-in, or
``power:USD_AT_1PCT,EXPONENT``), resolved by :func:`liqmap.core.depth_models.depth_model`; the
web never loads an order-book file (the CLI's ``--depth FILE`` has no web twin). Every failure
is a :class:`~liqmap.web.params.FieldError` (422 naming the field).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from fastapi import Depends, Query

from liqmap.core.depth import DepthProfile
from liqmap.core.depth_models import default_depth_name, depth_model, depth_model_names
from liqmap.errors import ParameterError
from liqmap.web.params import FieldError, MapQuery, map_query

__all__ = [
    "MAX_ORDER_USD",
    "MAX_SHOCK_PCT",
    "CascadeQuery",
    "PlanQuery",
    "cascade_query",
    "plan_query",
    "resolve_depth_model",
]

MAX_SHOCK_PCT = 50.0
MAX_ORDER_USD = 1e11
DEFAULT_PERMANENT = 2.0 / 3.0
DEFAULT_DRAWS = 200
MAX_DRAWS = 1000
POWER_USD_RANGE = (1e4, 1e13)  # USD within 1% of a power-law book (web bounds)
POWER_EXPONENT_RANGE = (0.2, 5.0)
DEPTH_MODEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.,:+\-]{0,63}$"

MapDep = Annotated[MapQuery, Depends(map_query)]
DepthModelQ = Annotated[
    str | None,
    Query(
        pattern=DEPTH_MODEL_PATTERN,
        description="Order-book depth model, a name: btc, eth, a dated built-in "
        "(/api/v1/symbols lists them) or power:USD_AT_1PCT,EXPONENT (e.g. power:100M,1); "
        "default: the symbol's shipped model. Never a file.",
        examples=["btc"],
    ),
]
DepthScaleQ = Annotated[
    float,
    Query(
        ge=0.01,
        le=100.0,
        allow_inf_nan=False,
        description="Multiply every USD of book depth (sensitivity; 0.01..100).",
    ),
]


def resolve_depth_model(name: str | None, symbol: str, scale: float = 1.0) -> DepthProfile:
    """The depth profile called ``name`` (the symbol's shipped model when ``None``), scaled;
    else a 422 naming ``depth_model``. Same profile as ``liqmap cascade --depth-model NAME``."""
    known = ", ".join(depth_model_names())
    if name is None:
        name = default_depth_name(symbol)
        if name is None:
            raise FieldError(
                "depth_model",
                f"no shipped depth model for {symbol}; choose one of {known} or "
                "power:USD_AT_1PCT,EXPONENT (e.g. power:100M,1)",
            )
    lowered = name.strip().lower()
    if not lowered.startswith("power:") and lowered not in depth_model_names():
        raise FieldError(
            "depth_model",
            f"unknown depth model {name!r}; use one of {known} or power:USD_AT_1PCT,EXPONENT "
            "(e.g. power:100M,1)",
        )
    try:
        prof = depth_model(name)
    except ParameterError as exc:
        raise FieldError("depth_model", str(exc).removeprefix("--depth-model ")) from None
    if prof.kind == "power" and lowered.startswith("power:"):
        side = prof.bid
        (ulo, uhi), (blo, bhi) = POWER_USD_RANGE, POWER_EXPONENT_RANGE
        if not (ulo <= side.usd_1pct <= uhi and blo <= side.exponent <= bhi):
            raise FieldError(
                "depth_model",
                f"{name!r}: use USD_AT_1PCT from {ulo:,.0f} to {uhi:,.0f} and EXPONENT from "
                f"{blo:g} to {bhi:g}",
            )
    return prof if scale == 1.0 else prof.scaled(scale)


@dataclass(frozen=True, slots=True)
class CascadeQuery:
    """A resolved cascade request: the map's query, the shock (or order) and the book."""

    base: MapQuery
    shock_pct: float | None
    order_usd: float | None
    depth_name: str | None
    depth_scale: float
    permanent_fraction: float
    depth: DepthProfile = field(compare=False, repr=False)
    model: Literal["impact", "book"] = "impact"
    draws: int = DEFAULT_DRAWS

    @property
    def key(self) -> tuple[object, ...]:
        """What the result depends on, besides the data version."""
        return (
            *self.base.key, self.shock_pct, self.order_usd, self.depth_name, self.depth_scale,
            self.permanent_fraction, self.model, self.draws,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class PlanQuery:
    """A resolved plan request: the map's query, the trade and the book."""

    base: MapQuery
    side: Literal["long", "short"]
    entry: float | None
    size_usd: float | None
    depth_name: str | None
    depth_scale: float
    depth: DepthProfile = field(compare=False, repr=False)

    @property
    def key(self) -> tuple[object, ...]:
        """What the result depends on, besides the data version."""
        return (
            *self.base.key, self.side, self.entry, self.size_usd, self.depth_name,
            self.depth_scale,
        )  # fmt: skip


def cascade_query(
    base: MapDep,
    shock: Annotated[
        float | None,
        Query(
            ge=-MAX_SHOCK_PCT,
            le=MAX_SHOCK_PCT,
            allow_inf_nan=False,
            description="Initial price move in percent: -2 (down) or 1.5 (up); -50..50. "
            "Give shock or order_usd.",
            examples=[-2.0],
        ),
    ] = None,
    order_usd: Annotated[
        float | None,
        Query(
            ge=-MAX_ORDER_USD,
            le=MAX_ORDER_USD,
            allow_inf_nan=False,
            description="A market order instead of a shock, in USD: -5000000 sells, 5000000 "
            "buys (|USD| <= 1e11).",
        ),
    ] = None,
    depth_model: DepthModelQ = None,
    depth_scale: DepthScaleQ = 1.0,
    permanent_fraction: Annotated[
        float,
        Query(
            ge=0.0,
            le=1.0,
            allow_inf_nan=False,
            description="Share of the wick kept after it (0..1; default 2/3).",
        ),
    ] = DEFAULT_PERMANENT,
    model: Annotated[
        Literal["impact", "book"] | None,
        Query(
            description="impact (the fitted square-root law; default) or book (the instant book "
            "with no refill: an upper bound; default when depth_model is given).",
        ),
    ] = None,
    draws: Annotated[
        int,
        Query(ge=0, le=MAX_DRAWS, description="Cascades drawn for the outcome distribution."),
    ] = DEFAULT_DRAWS,
) -> CascadeQuery:
    """Dependency: the parameters of ``/cascade`` and its figure, resolved."""
    if shock is not None and order_usd is not None:
        raise FieldError("order_usd", "give shock (a price move) or order_usd, not both")
    if shock is None and order_usd is None:
        raise FieldError(
            "shock", "give shock (percent, e.g. -2) or order_usd (USD, negative sells)"
        )
    kind = model or ("book" if depth_model is not None else "impact")
    prof = resolve_depth_model(depth_model, base.symbol, depth_scale)
    return CascadeQuery(
        base, shock, order_usd, depth_model, depth_scale, permanent_fraction, prof, kind, draws
    )


def plan_query(
    base: MapDep,
    side: Annotated[Literal["long", "short"], Query(description="Trade side: long or short.")],
    entry: Annotated[
        float | None,
        Query(
            ge=1e-8,
            le=1e9,
            allow_inf_nan=False,
            description="Entry price (default: the current price; 1e-8..1e9).",
        ),
    ] = None,
    size_usd: Annotated[
        float | None,
        Query(
            ge=1.0,
            le=1e12,
            allow_inf_nan=False,
            description="Order size in USD for the execution estimate (1..1e12); without it "
            "the plan has no execution section.",
        ),
    ] = None,
    depth_model: DepthModelQ = None,
    depth_scale: DepthScaleQ = 1.0,
) -> PlanQuery:
    """Dependency: the parameters of ``/plan`` and its figure, resolved."""
    prof = resolve_depth_model(depth_model, base.symbol, depth_scale)
    return PlanQuery(base, side, entry, size_usd, depth_model, depth_scale, prof)

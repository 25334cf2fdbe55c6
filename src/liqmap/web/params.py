"""Query parameters of the JSON API: declared once (OpenAPI documents them), validated, resolved.

The names mirror the CLI flags (``symbol``, ``source``, ``exchange``, ``window``, ``at``,
``bins``, ``range``, ``leverage``; ``columns`` and ``warmup`` for heatmaps). Shape is checked by
FastAPI from the declarations below (patterns, limits); meaning is checked here (a known source
and symbol, a window within limits, a readable time inside the data). Every failure is a
:class:`FieldError`: HTTP 422 with a message that names the field.

``source`` is a *name* looked up among the served sources (``demo`` or a stored exchange): no
parameter is ever used as a file path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Query, Request

from liqmap import api
from liqmap.core.results import tier_label
from liqmap.domain.enums import Venue
from liqmap.errors import ParameterError, UnknownExchangeError
from liqmap.limits import heatmap_max_cells
from liqmap.model_config import EstimatorParams
from liqmap.timeutil import WINDOWS, parse_duration_ms, parse_time_ms
from liqmap.web.sources import Snapshot, Source, Sources

__all__ = [
    "MAX_BINS",
    "MAX_CELLS",
    "MAX_WINDOW_MS",
    "MIN_WINDOW_MS",
    "FieldError",
    "HeatmapQuery",
    "MapQuery",
    "default_map_query",
    "heatmap_query",
    "map_query",
    "resolve_source",
    "resolve_symbol",
]

SYMBOL_PATTERN = r"^[A-Za-z0-9]{2,20}([-_][A-Za-z0-9]{1,10}){0,2}$"
SOURCE_PATTERN = r"^[a-z][a-z0-9-]{0,31}$"
DURATION_PATTERN = r"^[0-9]{1,4}(\.[0-9]{1,2})?[mhdwMHDW]$"
AT_PATTERN = r"^[0-9T:.+\-Z ]{4,40}$"
LEVERAGE_PATTERN = (  # leverage without a leading zero, a weight with at least one digit
    r"^ *[1-9][0-9]{0,3}(\.[0-9]{1,4})?[xX]? *: *[0-9]{1,3}(\.[0-9]{1,6})? *"
    r"(, *[1-9][0-9]{0,3}(\.[0-9]{1,4})?[xX]? *: *[0-9]{1,3}(\.[0-9]{1,6})? *){0,11}$"
)
TIERS_PATTERN = r"^[0-9]{1,4}(\.[0-9]{1,4})?x(,[0-9]{1,4}(\.[0-9]{1,4})?x){0,15}$"
DEFAULT_WINDOW = "24h"
PAGE_HEATMAP_BINS = 250  # the dashboard's heatmap: enough rows to read, light to send
PAGE_HEATMAP_COLUMNS = 360
MIN_WINDOW_MS = 3_600_000
MAX_WINDOW_MS = 30 * 86_400_000
MAX_WARMUP_MS = 7 * 86_400_000
MAX_BINS = 2_000
MAX_HEATMAP_BINS = 1_000
MAX_COLUMNS = 1_000
MAX_CELLS = heatmap_max_cells()  # bins x columns: the CLI's limit too (liqmap.limits)
VenueName = str
"""A venue name (``binance``, ``okx``...): any registered venue, checked by :func:`parse_venue`."""


class FieldError(ParameterError):
    """A query parameter is invalid; ``field`` names it (HTTP 422)."""

    field: str

    def __init__(self, field: str, message: str) -> None:
        self.message = message
        super().__init__(f"{field}: {message}", field=field)


def parse_venue(name: str) -> Venue:
    """The registered venue named ``name``; a :class:`FieldError` on ``exchange`` otherwise."""
    try:
        return Venue.parse(name)
    except UnknownExchangeError as exc:
        raise FieldError("exchange", str(exc)) from None


SymbolQ = Annotated[
    str,
    Query(
        pattern=SYMBOL_PATTERN,
        description="Symbol, e.g. BTCUSDT (case-insensitive); /api/v1/symbols lists them.",
        examples=["BTCUSDT"],
    ),
]
SourceQ = Annotated[
    str,
    Query(
        pattern=SOURCE_PATTERN,
        description="'demo' (built-in simulated market) or a stored exchange name; never a path.",
        examples=["demo"],
    ),
]
ExchangeQ = Annotated[
    VenueName | None,
    Query(description="Margin rules: default the source's exchange (binance for demo)."),
]
WindowQ = Annotated[
    str,
    Query(
        pattern=DURATION_PATTERN,
        description=f"Look-back window: {', '.join(WINDOWS)} (or N m/h/d/w; 1h to 30d).",
        examples=["24h"],
    ),
]
AtQ = Annotated[
    str | None,
    Query(
        pattern=AT_PATTERN,
        description="Evaluate as of this UTC time (ISO or epoch ms), inside the data; "
        "default: the newest bar.",
    ),
]
BinsQ = Annotated[int, Query(ge=10, le=MAX_BINS, description="Number of price bins (10..2000).")]
HeatBinsQ = Annotated[
    int, Query(ge=10, le=MAX_HEATMAP_BINS, description="Number of price bins (10..1000).")
]
RangeQ = Annotated[
    float | None,
    Query(
        alias="range",
        ge=0.1,
        le=95.0,
        description="Half-width of the price range in % (default: fits all tiers).",
    ),
]
LeverageQ = Annotated[
    str | None,
    Query(
        pattern=LEVERAGE_PATTERN,
        max_length=200,
        description="Leverage mix LEVERAGE:WEIGHT,..., e.g. 10:0.3,25:0.3,50:0.25,100:0.15.",
    ),
]
ColumnsQ = Annotated[
    int,
    Query(
        ge=10,
        le=MAX_COLUMNS,
        description=f"Time columns (10..1000; bins x columns <= {MAX_CELLS:,}).",
    ),
]
WarmupQ = Annotated[
    str | None,
    Query(
        pattern=DURATION_PATTERN,
        description="History before the window fed to the model first (default 24h, max 7d).",
    ),
]
TiersQ = Annotated[
    str | None,
    Query(
        pattern=TIERS_PATTERN,
        description="Leverage tiers to draw, e.g. 25x,50x,100x (default: all).",
    ),
]


@dataclass(frozen=True, slots=True)
class MapQuery:
    """A resolved map request (everything but the data)."""

    source: Source
    symbol: str
    exchange: Venue
    window: str
    window_ms: int
    at: str | None
    bins: int
    range_pct: float | None
    params: EstimatorParams

    @property
    def key(self) -> tuple[object, ...]:
        """What the result depends on, besides the data version."""
        return (
            self.source.name, self.symbol, self.exchange.value, self.window_ms, self.at,
            self.bins, self.range_pct, self.params,
        )  # fmt: skip

    def at_ms(self, snap: Snapshot) -> int | None:
        """``at`` as epoch ms, checked to lie inside the data of ``snap``."""
        if self.at is None:
            return None
        try:
            ms = parse_time_ms(self.at, name="at")
        except (ParameterError, ValueError, OverflowError) as exc:
            raise FieldError("at", _strip(str(exc), "at")) from None
        lo = snap.start_ms + snap.data.candles.interval_ms
        if not lo <= ms <= snap.end_ms:
            from liqmap.core.results import iso_ms

            raise FieldError(
                "at",
                f"{self.at!r} is outside the data of {self.source.name}/{self.symbol}, which "
                f"covers {iso_ms(snap.start_ms)} to {iso_ms(snap.end_ms)}",
            )
        return ms


@dataclass(frozen=True, slots=True)
class HeatmapQuery:
    """A resolved heatmap request."""

    base: MapQuery
    columns: int
    warmup_ms: int | None

    @property
    def key(self) -> tuple[object, ...]:
        """What the result depends on, besides the data version."""
        return (*self.base.key, self.columns, self.warmup_ms)


def _strip(message: str, field: str) -> str:
    return message.removeprefix(f"{field}: ").removeprefix(f"--{field}: ")


def resolve_source(sources: Sources, name: str) -> Source:
    """The served source called ``name`` (else a 422 naming ``source``)."""
    src = sources.get(name)
    if src is None:
        raise FieldError(
            "source", f"unknown source {name!r}; available: {', '.join(sources.names())}"
        )
    return src


def resolve_symbol(src: Source, symbol: str) -> str:
    """The spelling ``src`` uses for ``symbol`` (matched case-insensitively; else a 422 naming
    ``symbol``)."""
    known = src.symbols()
    for name in known:
        if name.upper() == symbol.upper():
            return name
    listed = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
    raise FieldError("symbol", f"{src.name} has no {symbol!r}; available: {listed or 'none'}")


def _window(text: str, field: str, lo: int, hi: int) -> int:
    try:
        ms = parse_duration_ms(text, name=field)
    except ParameterError as exc:
        raise FieldError(field, _strip(str(exc), field)) from None
    if not lo <= ms <= hi:
        raise FieldError(
            field, f"{text!r} is out of range; use {lo // 3_600_000}h to {hi // 86_400_000}d"
        )
    return ms


def _params(leverage: str | None) -> EstimatorParams:
    try:
        return api.resolve_params(leverage=leverage)
    except ParameterError as exc:
        raise FieldError("leverage", _strip(str(exc), "leverage")) from None


def map_query(
    request: Request,
    symbol: SymbolQ = "BTCUSDT",
    source: SourceQ = "demo",
    exchange: ExchangeQ = None,
    window: WindowQ = "24h",
    at: AtQ = None,
    bins: BinsQ = 400,
    range_pct: RangeQ = None,
    leverage: LeverageQ = None,
) -> MapQuery:
    """Dependency: the parameters of ``/map``, ``/levels`` and the map figure, resolved."""
    sources: Sources = request.app.state.liqmap.sources
    src = resolve_source(sources, source)
    sym = resolve_symbol(src, symbol)
    w_ms = _window(window, "window", MIN_WINDOW_MS, MAX_WINDOW_MS)
    venue = parse_venue(exchange) if exchange else src.exchange
    return MapQuery(
        src, sym, venue, window.lower(), w_ms, at.strip() if at else None, bins, range_pct,
        _params(leverage),
    )  # fmt: skip


def heatmap_query(
    request: Request,
    symbol: SymbolQ = "BTCUSDT",
    source: SourceQ = "demo",
    exchange: ExchangeQ = None,
    window: WindowQ = "24h",
    at: AtQ = None,
    bins: HeatBinsQ = 400,
    columns: ColumnsQ = 720,
    warmup: WarmupQ = None,
    leverage: LeverageQ = None,
) -> HeatmapQuery:
    """Dependency: the parameters of ``/heatmap`` and the heatmap figure, resolved."""
    base = map_query(request, symbol, source, exchange, window, at, bins, None, leverage)
    if bins * columns > MAX_CELLS:
        raise FieldError(
            "columns", f"bins x columns = {bins * columns:,} exceeds {MAX_CELLS:,}; use fewer"
        )
    warmup_ms = None
    if warmup is not None:  # the pattern ensures NUMBER + unit; 0 means no warm-up
        warmup_ms = 0 if float(warmup[:-1]) == 0 else _window(warmup, "warmup", 0, MAX_WARMUP_MS)
    return HeatmapQuery(base, columns, warmup_ms)


def default_map_query(src: Source, symbol: str, *, bins: int = 400) -> MapQuery:
    """The request the page opens with (24h window, default parameters) for ``src``/``symbol``."""
    return MapQuery(
        src, symbol, src.exchange, DEFAULT_WINDOW, parse_duration_ms(DEFAULT_WINDOW), None, bins,
        None, api.resolve_params(),
    )  # fmt: skip


def parse_tiers(text: str | None, leverages: tuple[float, ...]) -> tuple[int, ...]:
    """Indices of the tiers listed in ``text`` (``'25x,50x'``); all tiers when ``None``."""
    if text is None:
        return tuple(range(len(leverages)))
    labels = [tier_label(lv) for lv in leverages]
    idx = []
    for item in text.split(","):
        label = tier_label(float(item.removesuffix("x")))
        if label not in labels:
            raise FieldError("tiers", f"no tier {item!r} in this map; tiers: {', '.join(labels)}")
        idx.append(labels.index(label))
    return tuple(sorted(set(idx)))

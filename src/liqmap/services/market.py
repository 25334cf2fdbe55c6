"""The one market query of the library: symbol, venue(s), source, window, as-of -> MarketData.

``liqmap.api`` and the CLI load their inputs here (the web's demo and file sources through
:func:`load_market`; its store source through
:func:`~liqmap.services.stored_market.read_window` and ``read_newer``), so no caller orchestrates
loading:

* ``source='exchange'``: the local store, synced from the venue's public REST API first (unless
  ``offline``; :func:`liqmap.services.stored_market.market_from_store`);
* ``source='demo'``: the built-in market simulator (each symbol its own market);
* otherwise a bars file (any layout :func:`liqmap.io.files.load_candles` reads), with optional OI,
  taker-flow, liquidation and mark-price files; with several venues any of them may be given as
  ``VENUE=PATH`` pairs (:func:`per_venue`), and a file read once serves every venue naming it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from liqmap.domain.enums import Venue
from liqmap.domain.market_data import MarketData
from liqmap.errors import DataFileError, ParameterError
from liqmap.settings import Settings

__all__ = ["DEMO", "EXCHANGE", "MarketQuery", "load_market", "per_venue", "query_markets"]

DEMO = "demo"
EXCHANGE = "exchange"
_DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class MarketQuery:
    """What to load: ``symbol`` on ``venues`` from ``source`` for a window ending at ``at_ms``.

    ``window_ms`` is the history the caller needs (a heatmap adds its warm-up); ``at_ms=None``
    means now. ``oi``, ``flow``, ``liquidations`` and ``mark`` apply to file sources only.
    ``demo_days`` defaults to the window plus a day, at least 7 days.
    """

    symbol: str
    venues: tuple[Venue, ...] = (Venue.BINANCE,)
    source: str = DEMO
    window_ms: int = _DAY_MS
    at_ms: int | None = None
    offline: bool = False
    oi: str | Path | None = None
    flow: str | Path | None = None
    liquidations: str | Path | None = None
    mark: str | Path | None = None
    demo_days: float | None = None
    seed: int | None = None

    def days(self) -> float:
        """Length of the simulated market (demo sources)."""
        if self.demo_days is not None:
            return self.demo_days
        return max(self.window_ms / _DAY_MS + 1.0, 7.0)


def query_markets(
    query: MarketQuery, *, settings: Settings | None = None
) -> dict[Venue, MarketData]:
    """Each venue's :class:`MarketData` for ``query`` (in the order of ``query.venues``)."""
    if not query.venues:
        raise ParameterError("--exchange: give at least one exchange", field="venues")
    files = (query.oi, query.flow, query.liquidations, query.mark)
    if query.source == EXCHANGE:
        if any(files):
            raise ParameterError(
                "--oi/--flow/--liquidations/--mark apply to file sources", field="source"
            )
        return {v: _from_store(query, v, settings) for v in query.venues}
    if len(query.venues) == 1:
        return {query.venues[0]: _load_one(query, query.source, *files)}
    if query.mark:
        raise ParameterError(
            "--mark goes with one --exchange (a venue's own mark price)", field="mark"
        )
    return _load_per_venue(query)


def _from_store(query: MarketQuery, venue: Venue, settings: Settings | None) -> MarketData:
    """The window's data from the local store, synced from the venue first unless offline."""
    from liqmap.services.stored_market import market_from_store
    from liqmap.store import Store

    settings = settings or Settings.from_env()
    with Store.open(settings=settings) as store:
        return market_from_store(
            store, venue, query.symbol, window_ms=query.window_ms, at_ms=query.at_ms,
            offline=query.offline, settings=settings,
        )  # fmt: skip


def _load_one(
    query: MarketQuery,
    source: str,
    oi: str | Path | None,
    flow: str | Path | None,
    liquidations: str | Path | None,
    mark: str | Path | None = None,
) -> MarketData:
    return load_market(
        query.symbol, source, oi=oi, flow=flow, liquidations=liquidations, mark=mark,
        demo_days=query.days() if source == DEMO else None, seed=query.seed,
    )  # fmt: skip


def _load_per_venue(query: MarketQuery) -> dict[Venue, MarketData]:
    venues = query.venues
    sources = per_venue(query.source, venues)
    ois, flows, liqs = (per_venue(x, venues) for x in (query.oi, query.flow, query.liquidations))
    loaded: dict[tuple[str | None, ...], MarketData] = {}
    markets: dict[Venue, MarketData] = {}
    for v in venues:
        src = sources[v]
        if src is None:
            raise ParameterError(f"--source: no bars given for {v.value}; add {v.value}=PATH")
        key = (src, ois[v], flows[v], liqs[v])
        if key not in loaded:
            loaded[key] = _load_one(query, src, ois[v], flows[v], liqs[v])
        markets[v] = loaded[key]
    return markets


def load_market(
    symbol: str,
    source: str = DEMO,
    *,
    oi: str | Path | None = None,
    flow: str | Path | None = None,
    liquidations: str | Path | None = None,
    mark: str | Path | None = None,
    demo_days: float | None = None,
    seed: int | None = None,
) -> MarketData:
    """Load bars (+ optional OI, taker flow and liquidation events) for ``symbol``.

    Parameters
    ----------
    source
        ``'demo'`` for the built-in market simulator, or a path to a bars file in any layout
        :func:`liqmap.io.files.load_candles` reads.
    oi, flow, liquidations
        Optional files: open interest (levels or changes), the recorder's minute taker flow (with
        OI changes), observed liquidation events.
    mark
        Optional mark-price bars file (any bars layout): liquidations trigger on mark, so the
        estimator crosses levels with the mark's extremes (docs/model.md 2.15).
    demo_days, seed
        Length and seed of the simulated market (demo only).
    """
    if source == DEMO:
        if oi or flow or liquidations or mark:
            raise ParameterError(
                "--oi/--flow/--liquidations/--mark apply to file sources, not to 'demo'"
            )
        return _demo_market(symbol, demo_days, seed)
    from liqmap.io import files

    path = Path(source)
    if not path.exists():
        raise DataFileError(
            "no such file; --source takes 'demo' or a path to a bars file (CSV, .csv.gz, .parquet, "
            ".zip)",
            path=str(path),
        )
    candles = files.load_candles(path, symbol=symbol)
    oi_rec = files.load_open_interest(Path(oi), symbol=symbol) if oi else None
    if flow:
        flow_candles, flow_oi = files.load_flow(Path(flow), symbol=symbol)
        candles = files.merge_flow(candles, flow_candles)
        oi_rec = oi_rec or flow_oi
    events = files.load_liquidations(Path(liquidations), symbol=symbol) if liquidations else None
    mark_bars = files.load_candles(Path(mark), symbol=symbol) if mark else None
    return MarketData(candles, oi_rec, events, None, str(path), mark=mark_bars)


def _demo_market(symbol: str, days: float | None, seed: int | None) -> MarketData:
    from liqmap.sim import simulate
    from liqmap.sim.markets import demo_config

    result = simulate(demo_config(symbol, seed=seed, days=days))  # each symbol its own market
    return MarketData(result.candles, result.open_interest, result.liquidations, result, DEMO)


def per_venue(value: str | Path | None, venues: Sequence[Venue]) -> dict[Venue, str | None]:
    """``'binance=a.csv,okx=b.csv'`` -> per venue (others None); a plain value applies to all."""
    if value is None or "=" not in str(value):
        return {v: (None if value is None else str(value)) for v in venues}
    out: dict[Venue, str | None] = dict.fromkeys(venues)
    for item in str(value).split(","):
        name, sep, path = item.partition("=")
        if not sep or not path.strip():
            raise ParameterError(f"cannot read {item!r}; use VENUE=PATH pairs, e.g. binance=a.csv")
        venue = Venue.parse(name)
        if venue not in out:
            listed = ", ".join(v.value for v in venues)
            raise ParameterError(f"{venue.value}=... names a venue not in --exchange ({listed})")
        out[venue] = path.strip()
    return out

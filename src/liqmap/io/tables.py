"""Which margin table a map or a liquidation price uses, and the label every output carries.

Resolution order (``docs/model.md`` section 1.8):

1. ``--brackets FILE`` (any layout :func:`liqmap.io.brackets.load_brackets` reads);
2. a live table cached in the store by ``liqmap tiers sync`` (or the automatic refresh of
   ``--source exchange``), when the map's time is no more than :data:`LIVE_REACH_MS` before
   its fetch date (tiers change: an old map keeps the dated snapshot of its time);
3. liqmap's dated defaults: for Binance USD-M the snapshot in force at the map's time;
4. the documented conservative fallback (:func:`liqmap.io.fallback.fallback_table`), with a
   :class:`~liqmap.errors.FallbackTableWarning` naming ``--brackets`` and ``liqmap tiers sync``.

:func:`table_note` is the one-line label (``margin table: ...``) written into map notes, JSON
and chart subtitles; :func:`table_kind` names the origin.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.errors import ParameterError, UnknownSymbolError
from liqmap.io.brackets import default_table, load_brackets
from liqmap.io.fallback import fallback_table, is_fallback

if TYPE_CHECKING:  # the estimator's types; a liquidation price (liqprice) needs neither
    from liqmap.domain.market import Candles
    from liqmap.model_config import EstimatorParams

__all__ = [
    "LIVE_REACH_MS", "NOTE_PREFIX", "TableKind", "allowed_mix", "resolve_table", "table_kind",
    "table_note",
]  # fmt: skip

LIVE_REACH_MS = 30 * 86_400_000
NOTE_PREFIX = "margin table: "
TableKind = Literal["file", "live", "snapshot", "shipped", "FALLBACK"]


def resolve_table(
    venue: Venue,
    symbol: str,
    brackets: str | Path | None = None,
    *,
    as_of_ms: int | None = None,
    cached: MarginTable | None = None,
    fallback: bool = True,
    max_leverage: float | None = None,
    warn: bool = True,
) -> MarginTable:
    """The margin table for ``symbol`` on ``venue`` at ``as_of_ms`` (see the module docstring).

    ``warn=False`` skips the :class:`~liqmap.errors.FallbackTableWarning` for callers that label
    the result themselves (maps carry the fallback in their first note).

    Raises
    ------
    UnknownSymbolError
        No table and ``fallback`` is False (the message names ``--brackets`` and
        ``liqmap tiers sync``).
    """
    if brackets is not None:
        return load_brackets(Path(brackets), symbol=symbol, venue=venue)
    if cached is not None and _live_applies(cached, as_of_ms):
        return cached
    try:
        return default_table(venue, symbol, as_of_ms=as_of_ms)
    except UnknownSymbolError:
        if not fallback:
            raise
    return fallback_table(venue, symbol, max_leverage=max_leverage, as_of_ms=as_of_ms, warn=warn)


def _live_applies(table: MarginTable, as_of_ms: int | None) -> bool:
    if as_of_ms is None:
        return True
    try:
        fetched = datetime.fromisoformat(table.as_of).replace(tzinfo=UTC).timestamp() * 1000
    except ValueError:
        return True
    return as_of_ms >= fetched - LIVE_REACH_MS


def table_kind(table: MarginTable, path: str | Path | None = None) -> TableKind:
    """Where a table came from."""
    if path is not None:
        return "file"
    if is_fallback(table):
        return "FALLBACK"
    if table.source.startswith("Binance snapshot "):
        return "snapshot"
    if " GET " in table.source or " POST " in table.source:
        return "live"
    return "shipped"


def table_note(table: MarginTable, path: str | Path | None = None) -> str:
    """``margin table: BTCUSDT binance (snapshot 2026-02-05) -- <source>`` (one line)."""
    kind = table_kind(table, path)
    where = f" from {path}" if path is not None else ""
    loud = " -- NO TIERS KNOWN, conservative stand-in" if kind == "FALLBACK" else ""
    return (
        f"{NOTE_PREFIX}{table.symbol} {table.venue} ({kind} {table.as_of or '?'}){where}{loud}"
        f" -- {table.source}"
    )


def allowed_mix(
    params: EstimatorParams | None, venue: Venue, table: MarginTable | None, candles: Candles
) -> tuple[EstimatorParams | None, tuple[str, ...]]:
    """The leverage mix without the tiers the symbol's table does not allow (the others
    rescaled, and a note saying so): a small coin capped at 20x holds no 50x or 100x positions.
    A symbol capped below every tier (4x stocks) is modelled at its cap; one allowing only 1x
    at the representative size (coin-quoted pairs such as ETHBTC) has no map. Only the default
    tiers are capped: a mix the user chose (``--leverage``) is used as given, and a tier the
    symbol does not allow is an error naming it."""
    from liqmap.core.multivenue import venue_params
    from liqmap.model_config import DEFAULT_PARAMS

    if table is None or not len(candles):
        return params, ()
    if params is not None and params.leverages != DEFAULT_PARAMS.leverages:
        return params, ()  # a mix the user chose is used as given (a tier too high is an error)
    p = params or DEFAULT_PARAMS
    try:
        return venue_params(p, venue, table, float(candles.close[-1]))
    except ParameterError:  # every tier above the symbol's cap (e.g. 4x stocks): one tier at it
        cap = table.tier_for(p.position_notional_usd).max_leverage
        if cap <= 1.0:
            raise ParameterError(
                f"{table.symbol} allows only {cap:g}x for the representative position of "
                f"{p.position_notional_usd:,.0f} in its table's unit: a 1x position is never "
                "liquidated, so there is no map (pairs quoted in a coin, such as ETHBTC, are not "
                "USD-sized; liqmap maps USD(T)/USDC-quoted contracts)"
            ) from None
        note = (f"{table.symbol} allows at most {cap:g}x on {venue.value}: every tier of the mix "
                f"is above it, so all positions are modelled at {cap:g}x",)  # fmt: skip
        return p.with_leverage_mix(f"{cap:g}:1"), note

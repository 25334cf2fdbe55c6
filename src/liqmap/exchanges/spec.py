"""A venue's spec: the one object that says everything liqmap knows about a venue.

Each venue folder (``liqmap/exchanges/<venue>/spec.py``) exports one :class:`VenueSpec`
(``SPECS`` in its package); :mod:`liqmap.exchanges.registry` lists the packages (one line) and
every layer looks a venue up there instead of branching on it. The pure facts (margin formula, contract kind, quote
currency, default URLs) are on :attr:`VenueSpec.venue` (a :class:`~liqmap.domain.venue.Venue`,
importable by ``core``); the rest here is what does I/O or names the venue's conventions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from liqmap.core.results import LiquidationMap
from liqmap.domain.margin import MarginTable
from liqmap.domain.venue import ContractKind, MarginRules, Venue
from liqmap.errors import ParameterError
from liqmap.exchanges.base import VenueClient
from liqmap.exchanges.records import PositionSnapshot
from liqmap.exchanges.stream import StreamAdapter
from liqmap.settings import Settings

__all__ = [
    "LiqEvent",
    "PositionsMap",
    "Reply",
    "StreamFactory",
    "StreamReplay",
    "TiersFetcher",
    "VenueSpec",
    "always",
    "decimal_text",
    "tiers_of",
]

StreamFactory = Callable[[frozenset[str], Mapping[str, float]], StreamAdapter]
"""``(canonical symbols, OKX-style contract values) -> adapter`` of the liquidation stream."""
TiersFetcher = Callable[[VenueClient, Sequence[str] | None], Awaitable[list[MarginTable]]]
"""``(client, symbols or None = all) -> current margin tables`` over the venue's REST API."""
PositionsMap = Callable[
    [Settings, Sequence[str], str, int, int, float | None],
    Coroutine[Any, Any, tuple[PositionSnapshot, LiquidationMap]],
]
"""``(settings, addresses, coin, concurrency, bins, range_pct) -> (snapshot, real map)``: reads
sampled accounts' positions over the venue's public API and bins them (``liqmap positions``)."""
C = TypeVar("C", bound=VenueClient)


def tiers_of(
    cls: type[C], fetch: Callable[[C, Sequence[str] | None], Awaitable[list[MarginTable]]]
) -> TiersFetcher:
    """A venue's own ``fetch(client, symbols)`` as a :data:`TiersFetcher` (checks the client)."""

    async def fetcher(client: VenueClient, symbols: Sequence[str] | None) -> list[MarginTable]:
        if not isinstance(client, cls):
            raise ParameterError(
                f"the tiers of {cls.venue.value} need a {cls.__name__}, got {type(client).__name__}"
            )
        return await fetch(client, symbols)

    return fetcher


class LiqEvent(NamedTuple):
    """One liquidation to encode as the venue would push it (replay servers, tests)."""

    symbol: str
    ts_ms: int
    side: int  # +1 a long was liquidated, -1 a short
    price: float
    qty: float


class Reply(NamedTuple):
    """A replay server's answer to a client frame: ``kind`` says what it answered."""

    kind: str  # "ack" (a subscription), "reject" or "pong"
    text: str


@dataclass(frozen=True, slots=True)
class StreamReplay:
    """The server side of a venue's liquidation stream, for :mod:`liqmap.testing.replay`.

    ``answer(text, request, reject)`` replies to a client frame (``request`` is its JSON object,
    or None when it is not one; ``reject`` refuses subscriptions), None when the venue would not
    answer. ``encode(event, contract_values)`` is the venue's documented push message of one
    liquidation: the inverse of the stream adapter's parsing.
    """

    answer: Callable[[str, Mapping[str, Any] | None, bool], Reply | None]
    encode: Callable[[LiqEvent, Mapping[str, float]], dict[str, Any]]


def always(_settings: Settings) -> bool:
    """Tiers served to anyone (public endpoints)."""
    return True


@dataclass(frozen=True, slots=True)
class VenueSpec:
    """Everything about one venue (product line); see ``docs/architecture.md`` "Venues".

    Attributes
    ----------
    venue
        Identity and pure facts: ``venue.margin`` (formula), ``contract_kind``, ``quote``,
        ``rest_url``/``ws_url`` defaults (overridden by ``LIQMAP_<NAME>_REST_URL``/``_WS_URL``).
    client
        The REST client class (:class:`~liqmap.exchanges.base.VenueClient`), built by
        :func:`liqmap.exchanges.registry.client_for`.
    funding_interval_ms
        Time between funding payments (the store's coverage bucket of funding rates).
    symbol_suffix
        What follows the coin in the symbol its series are stored under (``BTC`` + ``USDT``);
        empty when the venue names markets by the coin alone (Hyperliquid).
    stream, no_stream_reason
        The liquidation-stream adapter factory, or None and the reason it cannot be recorded.
    replay
        The stream's server side (handshake and push encoding) for replay servers and tests.
    tiers, no_tiers_reason, tiers_available
        Fetcher of the current margin tiers, or None and why not; ``tiers_available(settings)``
        says whether the fetcher can run (Binance needs an API key).
    positions
        Reader of sampled accounts' positions and the real map they make (:data:`PositionsMap`),
        or None when the venue publishes no account positions (``publishes_positions``).
    """

    venue: Venue
    client: type[VenueClient]
    funding_interval_ms: int
    symbol_suffix: str
    stream: StreamFactory | None = None
    no_stream_reason: str = ""
    replay: StreamReplay | None = None
    tiers: TiersFetcher | None = None
    no_tiers_reason: str = ""
    tiers_available: Callable[[Settings], bool] = always
    positions: PositionsMap | None = None

    def __post_init__(self) -> None:
        if self.stream is None and not self.no_stream_reason:
            raise ParameterError(f"spec of {self.venue.value}: give stream or no_stream_reason")
        if self.tiers is None and not self.no_tiers_reason:
            raise ParameterError(f"spec of {self.venue.value}: give tiers or no_tiers_reason")
        if self.funding_interval_ms <= 0:
            raise ParameterError(f"spec of {self.venue.value}: funding_interval_ms must be > 0")

    @property
    def name(self) -> str:
        """The venue's name (``binance-coinm``)."""
        return self.venue.value

    @property
    def quote(self) -> str:
        """Quote currency (USDT, USDC; USD face value for inverse contracts)."""
        return self.venue.quote

    @property
    def contract_kind(self) -> ContractKind:
        """Linear or inverse."""
        return self.venue.contract_kind

    @property
    def margin(self) -> MarginRules:
        """Which liquidation formula :mod:`liqmap.core.margin` applies."""
        return self.venue.margin

    @property
    def bracket_snapshots(self) -> bool:
        """Its default margin tables are liqmap's dated all-symbol snapshots (Binance USD-M)."""
        return self.venue.bracket_snapshots

    @property
    def publishes_positions(self) -> bool:
        """Accounts' positions can be read (``liqmap positions``): :attr:`positions` is set."""
        return self.positions is not None

    @property
    def rest_env(self) -> str:
        """``LIQMAP_<NAME>_REST_URL``: the variable overriding the REST base URL."""
        return f"LIQMAP_{self.venue.name}_REST_URL"

    @property
    def ws_env(self) -> str:
        """``LIQMAP_<NAME>_WS_URL``: the variable overriding the WebSocket base URL."""
        return f"LIQMAP_{self.venue.name}_WS_URL"

    def store_symbol(self, coin: str) -> str:
        """The symbol the venue's series of ``coin`` are stored under (``BTC`` -> ``BTCUSDT``)."""
        return coin.upper() + self.symbol_suffix


def decimal_text(x: float) -> str:
    """A venue-style decimal string: ``0.014``, ``9910``."""
    return f"{x:.12f}".rstrip("0").rstrip(".")

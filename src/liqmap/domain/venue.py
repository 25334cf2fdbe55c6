"""Venues: the identity and the pure facts every layer may use (no I/O, importable by ``core``).

A :class:`Venue` is one exchange product line. It carries what ``core`` and the settings need
without importing the exchange adapters: its margin rules (:class:`MarginRules`: which exact
formula of :mod:`liqmap.core.margin` it uses), contract kind, quote currency, default REST and
WebSocket base URLs and the name of its ``LIQMAP_<NAME>_*`` variables. Everything that does I/O
(REST client, stream adapter, tiers fetcher, recorder handshake) is in its
:class:`liqmap.exchanges.spec.VenueSpec`, which references the venue.

Venues are interned by name (``Venue.parse("okx") is Venue.OKX``) and known once registered:
the five built-in ones here, a new one by its package's name in :mod:`liqmap.exchanges.registry`
(see ``docs/architecture.md`` "Venues"). ``for v in Venue`` iterates the registered venues.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, final

from liqmap.errors import ParameterError, UnknownExchangeError

__all__ = ["ContractKind", "MarginFormula", "MarginRules", "Venue", "venue_names"]


class ContractKind(Enum):
    """Linear contracts are margined and quoted in the quote currency; inverse ones in the coin."""

    LINEAR = "linear"
    INVERSE = "inverse"


class MarginFormula(Enum):
    """The isolated-margin liquidation formulas :mod:`liqmap.core.margin` implements exactly.

    A new venue picks one of these; a venue with rules of its own adds a member and its formula
    in ``core/_margin_formulas.py`` (every dispatch over this enum ends in ``assert_never``, so
    mypy names each place to extend).
    """

    BINANCE_USDM = "binance-usdm"
    BINANCE_COINM = "binance-coinm"
    BYBIT_LINEAR = "bybit-linear"
    OKX_LINEAR = "okx-linear"
    HYPERLIQUID = "hyperliquid"


@dataclass(frozen=True, slots=True)
class MarginRules:
    """How a venue computes an isolated liquidation price.

    Attributes
    ----------
    formula
        The exact formula (see :class:`MarginFormula`).
    bracket_at_liquidation
        True when the bracket is the one holding the value at the liquidation price (Binance);
        False when it is the one at entry.
    taker_fee_rate
        Default taker fee rate in the liquidation condition, ``None`` when the condition has no
        fee term (only OKX's has one).
    """

    formula: MarginFormula
    bracket_at_liquidation: bool = False
    taker_fee_rate: float | None = None


class _Registry(type):
    """Metaclass: ``for v in Venue``, ``len(Venue)`` and ``Venue("okx")`` over registered venues."""

    _known: dict[str, Venue]

    def __iter__(cls) -> Iterator[Venue]:
        return iter(tuple(cls._known.values()))

    def __len__(cls) -> int:
        return len(cls._known)

    def __call__(cls, value: str) -> Venue:  # enum-style lookup by value
        found = cls._known.get(value)
        if found is None:
            raise UnknownExchangeError(f"unknown exchange {value!r}; supported: {_names()}")
        return found


@final
class Venue(metaclass=_Registry):
    """An exchange product line whose margin rules liqmap implements exactly (see module doc).

    Create a new one with :meth:`define` in its venue folder; register it (and its spec) with
    :func:`liqmap.exchanges.registry.register`. Compared by identity; pickles by name.
    """

    __slots__ = (
        "aliases",
        "bracket_snapshots",
        "contract_kind",
        "label",
        "margin",
        "quote",
        "rest_url",
        "value",
        "ws_url",
    )
    _known: ClassVar[dict[str, Venue]] = {}
    _aliases: ClassVar[dict[str, str]] = {}

    BINANCE: ClassVar[Venue]
    BINANCE_COINM: ClassVar[Venue]
    BYBIT: ClassVar[Venue]
    OKX: ClassVar[Venue]
    HYPERLIQUID: ClassVar[Venue]

    value: str
    label: str  # display name: "Binance", "OKX"
    contract_kind: ContractKind
    quote: str
    margin: MarginRules
    rest_url: str
    ws_url: str
    aliases: tuple[str, ...]
    bracket_snapshots: bool  # default tables: liqmap's dated all-symbol snapshots (io)

    @classmethod
    def define(
        cls,
        value: str,
        *,
        label: str,
        contract_kind: ContractKind,
        quote: str,
        margin: MarginRules,
        rest_url: str,
        ws_url: str,
        aliases: tuple[str, ...] = (),
        bracket_snapshots: bool = False,
    ) -> Venue:
        """A new venue (not yet registered). ``value`` is its lower-case name (``a-z0-9-``).

        ``bracket_snapshots``: its default margin tables are liqmap's dated all-symbol snapshots
        (:mod:`liqmap.io.bracket_snapshots`, Binance USD-M only) rather than the few tables of
        ``liqmap/data/brackets/<venue>.json``; the fallback table of other venues borrows them.
        """
        if not value or value != value.lower() or not value.replace("-", "").isalnum():
            raise ParameterError(f"venue name must be lower-case letters, digits, '-': {value!r}")
        v = object.__new__(cls)
        for name, x in (
            ("value", value),
            ("label", label),
            ("contract_kind", contract_kind),
            ("quote", quote),
            ("margin", margin),
            ("rest_url", rest_url),
            ("ws_url", ws_url),
            ("aliases", aliases),
            ("bracket_snapshots", bracket_snapshots),
        ):
            object.__setattr__(v, name, x)
        return v

    @classmethod
    def register(cls, venue: Venue) -> None:
        """Make ``venue`` known to :meth:`parse` and iteration (the registry calls this)."""
        held = cls._known.get(venue.value)
        if held is not None and held is not venue:
            raise ParameterError(f"venue {venue.value!r} is already registered")
        taken = [a for a in venue.aliases if cls._aliases.get(a, venue.value) != venue.value]
        if taken:
            raise ParameterError(f"alias(es) {taken} of venue {venue.value!r} are already taken")
        cls._known[venue.value] = venue
        cls._aliases.update(dict.fromkeys(venue.aliases, venue.value))

    @classmethod
    def unregister(cls, venue: Venue) -> None:
        """Forget a registered venue (tests that register a venue for a while)."""
        if cls._known.get(venue.value) is venue:
            del cls._known[venue.value]
            for a in venue.aliases:
                cls._aliases.pop(a, None)

    @classmethod
    def parse(cls, value: str) -> Venue:
        """Parse an exchange name (case-insensitive; aliases such as ``binance-usdm`` too)."""
        v = value.strip().lower().replace("_", "-")
        found = cls._known.get(cls._aliases.get(v, v))
        if found is None:
            raise UnknownExchangeError(f"unknown exchange {value!r}; supported: {_names()}")
        return found

    @property
    def name(self) -> str:
        """Upper-case name: ``BINANCE_COINM`` (the ``LIQMAP_<NAME>_REST_URL`` part)."""
        return self.value.upper().replace("-", "_")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Venue is immutable: cannot set {name}")

    def __repr__(self) -> str:
        return f"<Venue.{self.name}: {self.value!r}>"

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (Venue.parse, (self.value,))


def _names() -> str:
    return ", ".join(Venue._known)


def venue_names(sep: str = ", ") -> str:
    """The registered venues' names, e.g. for CLI help: ``binance, binance-coinm, ...``."""
    return sep.join(Venue._known)


def _builtin(
    value: str,
    label: str,
    quote: str,
    margin: MarginRules,
    rest: str,
    ws: str,
    *,
    kind: ContractKind = ContractKind.LINEAR,
    aliases: tuple[str, ...] = (),
    bracket_snapshots: bool = False,
) -> Venue:
    v = Venue.define(
        value,
        label=label,
        contract_kind=kind,
        quote=quote,
        margin=margin,
        rest_url=rest,
        ws_url=ws,
        aliases=aliases,
        bracket_snapshots=bracket_snapshots,
    )
    Venue.register(v)
    return v


# The built-in venues' pure facts (their I/O lives in liqmap/exchanges/<venue>/spec.py). They are
# here, not in the venue folders, only because core and the settings name them (Venue.BINANCE is
# the default venue); a new venue defines its Venue in its own folder (exchanges/_template).
Venue.BINANCE = _builtin(
    "binance",
    "Binance",
    "USDT",
    MarginRules(MarginFormula.BINANCE_USDM, bracket_at_liquidation=True),
    "https://fapi.binance.com",
    "wss://fstream.binance.com",
    aliases=("binance-usdm", "binance-um"),
    bracket_snapshots=True,
)
Venue.BINANCE_COINM = _builtin(
    "binance-coinm",
    "Binance COIN-M",
    "USD",
    MarginRules(MarginFormula.BINANCE_COINM, bracket_at_liquidation=True),
    "https://dapi.binance.com",
    "wss://dstream.binance.com",
    kind=ContractKind.INVERSE,
    aliases=("binance-cm",),
)
Venue.BYBIT = _builtin(
    "bybit",
    "Bybit",
    "USDT",
    MarginRules(MarginFormula.BYBIT_LINEAR),
    "https://api.bybit.com",
    "wss://stream.bybit.com",
)
Venue.OKX = _builtin(
    "okx",
    "OKX",
    "USDT",
    # regular-user USDT-margined swap taker fee, 0.05%: https://www.okx.com/fees
    MarginRules(MarginFormula.OKX_LINEAR, taker_fee_rate=0.0005),
    "https://www.okx.com",
    "wss://ws.okx.com:8443",
)
Venue.HYPERLIQUID = _builtin(
    "hyperliquid",
    "Hyperliquid",
    "USDC",
    MarginRules(MarginFormula.HYPERLIQUID),
    "https://api.hyperliquid.xyz",
    "wss://api.hyperliquid.xyz",
)

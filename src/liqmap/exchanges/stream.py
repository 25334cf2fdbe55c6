"""The stream contract: what a venue's liquidation-stream adapter gives the recorder.

A venue adapter (``liqmap.exchanges.<venue>.stream``) is declarative: it names the URL path,
the subscription and keep-alive messages, and decodes one raw WebSocket message into a
:class:`Decoded` value. The recorder's connection loop (:mod:`liqmap.recorder.connection`) does
everything else: connecting, answering pings, reconnecting, counting. The contract lives beside
the streams, so the recorder depends on ``exchanges`` and never the reverse; this module is a
leaf: it imports nothing from the recorder or the venue adapters.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple, Protocol

from liqmap.domain.enums import Venue
from liqmap.errors import MalformedResponseError, ParameterError

__all__ = [
    "Decoded",
    "Kind",
    "LiqRow",
    "PingSpec",
    "StreamAdapter",
    "canonical_symbol",
    "checked_float",
    "malformed",
]

_SYMBOL = re.compile(r"^[A-Z0-9]{2,24}(USDT|USDC)$")


class LiqRow(NamedTuple):
    """One normalised liquidation: the side of the *liquidated position*, base-unit size."""

    symbol: str  # canonical symbol, e.g. BTCUSDT
    ts_ms: int  # exchange time of the liquidation, UTC epoch ms
    side: int  # +1 a long was liquidated, -1 a short
    price: float  # the venue's liquidation (bankruptcy/order) price
    qty: float  # base units (contracts converted)
    notional_usd: float  # price * qty
    raw: str  # the raw message the row came from


class Kind(Enum):
    """What a decoded message is."""

    DATA = "data"  # a liquidation push (rows may be empty after symbol filtering)
    ACK = "ack"  # a subscription was accepted
    REJECT = "reject"  # a subscription was refused (``detail`` says why)
    PONG = "pong"  # answer to our application-level ping
    IGNORED = "ignored"  # valid and documented, but not a liquidation (``detail`` says what)


@dataclass(frozen=True, slots=True)
class Decoded:
    """The result of decoding one message."""

    kind: Kind
    rows: tuple[LiqRow, ...] = ()
    filtered: int = 0  # liquidations of symbols not recorded (dropped)
    detail: str = ""


PONG = Decoded(Kind.PONG)
ACK = Decoded(Kind.ACK)


@dataclass(frozen=True, slots=True)
class PingSpec:
    """An application-level keep-alive: send ``payload`` every ``interval_s`` seconds (or, with
    ``when_idle``, after ``interval_s`` seconds without any message from the server)."""

    payload: str
    interval_s: float
    when_idle: bool = False


class StreamAdapter(Protocol):
    """What the recorder needs from a venue."""

    @property
    def venue(self) -> Venue:
        """The venue this adapter speaks to."""
        ...

    @property
    def ping(self) -> PingSpec | None:
        """Application-level keep-alive, or None when protocol pings suffice."""
        ...

    def url(self, base: str) -> str:
        """The stream URL under the venue's WebSocket base URL (``Settings.ws_url``)."""
        ...

    def subscribe_messages(self) -> list[str]:
        """Text frames to send after each (re)connect; each is acknowledged or rejected."""
        ...

    def decode(self, raw: str | bytes) -> Decoded:
        """Decode one message; raises :class:`MalformedResponseError` (with ``raw``) when the
        message is not JSON or not in the documented shape."""
        ...


def canonical_symbol(text: str) -> str:
    """``'btc-usdt'`` / ``'BTCUSDT'`` -> ``'BTCUSDT'``; linear USDT/USDC contracts only."""
    s = re.sub(r"[-_/\s]", "", text).upper()
    s = s.removesuffix("SWAP")
    if not _SYMBOL.match(s):
        raise ParameterError(
            f"symbol {text!r} is not a linear USDT/USDC perpetual like BTCUSDT or ETHUSDC; "
            "the recorder normalises linear contracts only"
        )
    return s


def malformed(why: str, raw: str | bytes) -> MalformedResponseError:
    """The error for a message that is not in the documented shape."""
    return MalformedResponseError(why, raw=raw)


def checked_float(text: str, field: str, raw: str | bytes) -> float:
    """A strictly positive finite number from the venue's decimal string."""
    try:
        v = float(text)
    except (TypeError, ValueError):
        raise malformed(f"field {field!r} is not a number: {text!r}", raw) from None
    if not (math.isfinite(v) and v > 0):
        raise malformed(f"field {field!r} must be a positive number, got {text!r}", raw)
    return v

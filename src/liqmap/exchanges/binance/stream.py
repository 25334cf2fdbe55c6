"""Binance USD-M liquidation stream adapter: ``!forceOrder@arr`` (all symbols, filtered here).

* Stream: https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/All-Market-Liquidation-Order-Streams
  -- "for each symbol, only the latest one liquidation order within 1000ms" is pushed, so bursts
  are under-counted (see docs/recorder.md).
* Since 2026-04-23 the legacy ``wss://fstream.binance.com/ws`` URL is retired; regular market
  data (this stream included) is served under ``/market``: ``wss://fstream.binance.com/market/ws``
  (https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Important-WebSocket-Change-Notice).
* Keep-alive: the server sends a protocol ping frame every 3 minutes; the ``websockets``
  library answers it, so no application-level ping is needed. A connection lives at most 24 h.

Normalisation: ``o.S`` is the *order* side of the liquidation order: ``SELL`` closes a long
(``side = +1``), ``BUY`` closes a short (``-1``). ``price = o.p`` (the order price, as in the
shared Binance tape; ``o.ap`` stays in ``raw``), ``qty = o.q`` (base units),
``ts_ms = o.T`` (order trade time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import msgspec

from liqmap.domain.enums import Venue
from liqmap.exchanges.binance.ws_schemas import BinanceWsMessage, ForceOrder, ForceOrderEvent
from liqmap.exchanges.stream import (
    ACK,
    Decoded,
    Kind,
    LiqRow,
    PingSpec,
    checked_float,
    malformed,
)

__all__ = ["PATH", "STREAM", "BinanceLiquidationStream", "parse_force_order"]

PATH = "/market/ws"
STREAM = "!forceOrder@arr"
_SIDES = {"SELL": 1, "BUY": -1}
_DECODER = msgspec.json.Decoder(BinanceWsMessage | list[ForceOrderEvent])
_ORDER = msgspec.json.Decoder(ForceOrder)


def parse_force_order(order: ForceOrder, raw: str) -> LiqRow:
    """One ``forceOrder`` event's order -> a row.

    Parses (the documented example)::

        {"e": "forceOrder", "E": 1568014460893,
         "o": {"s": "BTCUSDT", "S": "SELL", "o": "LIMIT", "f": "IOC", "q": "0.014",
               "p": "9910", "ap": "9910", "X": "FILLED", "l": "0.014", "z": "0.014",
               "T": 1568014460893}}

    into ``LiqRow("BTCUSDT", 1568014460893, +1, 9910.0, 0.014, 138.74, raw)``: a long of
    0.014 BTC was liquidated.
    """
    side = _SIDES.get(order.S)
    if side is None:
        raise malformed(f"forceOrder side 'S' must be BUY or SELL, got {order.S!r}", raw)
    price = checked_float(order.p, "o.p", raw)
    qty = checked_float(order.q, "o.q", raw)
    return LiqRow(order.s, order.T, side, price, qty, price * qty, raw)


@dataclass(frozen=True, slots=True)
class BinanceLiquidationStream:
    """Declarative adapter for ``!forceOrder@arr``; keeps only ``symbols``."""

    symbols: frozenset[str]
    venue: ClassVar[Venue] = Venue.BINANCE
    ping: ClassVar[PingSpec | None] = None

    def url(self, base: str) -> str:
        """``wss://fstream.binance.com`` (or ``.../market``) -> ``.../market/ws``."""
        base = base.rstrip("/").removesuffix(PATH).removesuffix("/market")
        return base + PATH

    def subscribe_messages(self) -> list[str]:
        """One ``SUBSCRIBE`` request; answered by ``{"result": null, "id": 1}``."""
        body = {"method": "SUBSCRIBE", "params": [STREAM], "id": 1}
        return [msgspec.json.encode(body).decode()]

    def decode(self, raw: str | bytes) -> Decoded:
        """A ``forceOrder`` event, a request result or a request error.

        ``{"result": null, "id": 1}`` -> ACK;
        ``{"error": {"code": 2, "msg": "Invalid request"}, "id": 1}`` -> REJECT.
        """
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        try:
            msg = _DECODER.decode(raw)
            if isinstance(msg, list):
                return self._rows([ev.o for ev in msg if ev.e == "forceOrder"], text)
            if msg.e == "forceOrder":
                if not msg.o:
                    raise malformed("forceOrder event without its order 'o'", text)
                return self._rows([_ORDER.decode(msg.o)], text)
        except msgspec.DecodeError as exc:
            raise malformed(f"not a documented Binance message: {exc}", text) from None
        if msg.e is not None:
            return Decoded(Kind.IGNORED, detail=f"event {msg.e!r}")
        if msg.error is not None:
            return Decoded(Kind.REJECT, detail=f"code {msg.error.code}: {msg.error.msg}")
        if msg.id is not None:
            return ACK
        raise malformed("neither an event ('e') nor a request result ('id')", text)

    def _rows(self, orders: list[ForceOrder], raw: str) -> Decoded:
        rows = tuple(parse_force_order(o, raw) for o in orders if o.s in self.symbols)
        return Decoded(Kind.DATA, rows, filtered=len(orders) - len(rows))

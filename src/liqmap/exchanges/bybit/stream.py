"""Bybit v5 liquidation stream adapter: ``allLiquidation.{symbol}`` on the linear public stream.

* Topic: https://bybit-exchange.github.io/docs/v5/websocket/public/all-liquidation -- "push all
  liquidations that occur on Bybit", pushed every 500 ms as a ``snapshot`` holding every
  liquidation of that interval (it replaced the deprecated ``liquidation.{symbol}`` topic, which
  pushed at most one order per second per symbol).
* Connection: ``wss://stream.bybit.com/v5/public/linear``; send ``{"op": "ping"}`` every 20 s
  (https://bybit-exchange.github.io/docs/v5/ws/connect), answered by
  ``{"success": true, "ret_msg": "pong", "op": "ping", ...}``.

Normalisation: ``S`` is the *position* side ("When you receive a Buy update, this means that a
long position has been liquidated"): ``Buy`` -> ``side = +1``, ``Sell`` -> ``-1``. Note this is
the opposite wording to Binance, whose ``S`` is the order side. ``price = p`` (bankruptcy
price), ``qty = v`` (executed size, base units for USDT/USDC linear contracts), ``ts_ms = T``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import msgspec

from liqmap.domain.enums import Venue
from liqmap.exchanges.bybit.ws_schemas import AllLiquidationItem, BybitWsMessage
from liqmap.exchanges.stream import (
    ACK,
    PONG,
    Decoded,
    Kind,
    LiqRow,
    PingSpec,
    checked_float,
    malformed,
)

__all__ = ["PATH", "TOPIC", "BybitLiquidationStream", "parse_all_liquidation"]

PATH = "/v5/public/linear"
TOPIC = "allLiquidation."
_SIDES = {"Buy": 1, "Sell": -1}
_DECODER = msgspec.json.Decoder(BybitWsMessage)
_ITEMS = msgspec.json.Decoder(list[AllLiquidationItem])


def parse_all_liquidation(item: AllLiquidationItem, raw: str) -> LiqRow:
    """One ``data`` entry of an ``allLiquidation`` push -> a row.

    Parses (the documented example)::

        {"topic": "allLiquidation.ROSEUSDT", "type": "snapshot", "ts": 1739502303204,
         "data": [{"T": 1739502302929, "s": "ROSEUSDT", "S": "Sell", "v": "20000",
                   "p": "0.04499"}]}

    into ``LiqRow("ROSEUSDT", 1739502302929, -1, 0.04499, 20000.0, 899.8, raw)``: a short
    position of 20,000 ROSE was liquidated.
    """
    side = _SIDES.get(item.S)
    if side is None:
        raise malformed(f"allLiquidation side 'S' must be Buy or Sell, got {item.S!r}", raw)
    price = checked_float(item.p, "p", raw)
    qty = checked_float(item.v, "v", raw)
    return LiqRow(item.s, item.T, side, price, qty, price * qty, raw)


@dataclass(frozen=True, slots=True)
class BybitLiquidationStream:
    """Declarative adapter: one ``allLiquidation.<SYMBOL>`` subscription per symbol."""

    symbols: frozenset[str]
    venue: ClassVar[Venue] = Venue.BYBIT
    ping: ClassVar[PingSpec | None] = PingSpec('{"op":"ping"}', 20.0)

    def url(self, base: str) -> str:
        """``wss://stream.bybit.com`` -> ``wss://stream.bybit.com/v5/public/linear``."""
        base = base.rstrip("/")
        return base if base.endswith(PATH) else base + PATH

    def subscribe_messages(self) -> list[str]:
        """One request per symbol, so a refused symbol does not hide the others."""
        return [
            msgspec.json.encode(
                {"op": "subscribe", "args": [TOPIC + s], "req_id": f"liqmap-{s}"}
            ).decode()
            for s in sorted(self.symbols)
        ]

    def decode(self, raw: str | bytes) -> Decoded:
        """A push, a subscribe response or a pong.

        ``{"success": true, "ret_msg": "", "op": "subscribe", ...}`` -> ACK;
        ``{"success": false, "ret_msg": "error:handler not found,topic:...", "op":
        "subscribe"}`` -> REJECT; ``{"success": true, "ret_msg": "pong", "op": "ping"}`` -> PONG.
        """
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        try:
            msg = _DECODER.decode(raw)
        except msgspec.DecodeError as exc:
            raise malformed(f"not a documented Bybit message: {exc}", text) from None
        if msg.topic is not None:
            if not msg.topic.startswith(TOPIC):
                return Decoded(Kind.IGNORED, detail=f"topic {msg.topic!r}")
            if not msg.data:
                raise malformed("allLiquidation push without 'data'", text)
            try:
                items = _ITEMS.decode(msg.data)
            except msgspec.DecodeError as exc:
                raise malformed(f"allLiquidation 'data' not as documented: {exc}", text) from None
            rows = tuple(parse_all_liquidation(it, text) for it in items if it.s in self.symbols)
            return Decoded(Kind.DATA, rows, filtered=len(items) - len(rows))
        if msg.op in ("ping", "pong"):
            return PONG
        if msg.op == "subscribe":
            return ACK if msg.success else Decoded(Kind.REJECT, detail=msg.ret_msg or "refused")
        if msg.op is not None:
            return Decoded(Kind.IGNORED, detail=f"op {msg.op!r}")
        raise malformed("neither a push ('topic') nor an operation response ('op')", text)

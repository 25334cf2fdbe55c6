"""The template venue's liquidation-stream adapter (declarative: URL, subscription, decode).

Wire format (replace with the venue's): subscribe with ``{"op": "subscribe", "channel":
"liquidations"}``, acknowledged ``{"event": "subscribed"}`` or refused ``{"event": "error",
"msg": ...}``; a push is ``{"channel": "liquidations", "data": [{"s": "BTCUSDT", "T": ms,
"side": "long", "p": "9910", "q": "0.014"}]}`` where ``side`` is the liquidated position's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

from liqmap.domain.venue import Venue
from liqmap.exchanges._template.venue import VENUE
from liqmap.exchanges.stream import ACK, Decoded, Kind, LiqRow, PingSpec, checked_float, malformed

__all__ = ["PATH", "TemplateLiquidationStream"]

PATH = "/v1/ws"


@dataclass(frozen=True, slots=True)
class TemplateLiquidationStream:
    """Keeps only ``symbols``."""

    symbols: frozenset[str]
    venue: ClassVar[Venue] = VENUE
    ping: ClassVar[PingSpec | None] = None

    def url(self, base: str) -> str:
        """The stream URL under the WebSocket base URL."""
        return base.rstrip("/").removesuffix(PATH) + PATH

    def subscribe_messages(self) -> list[str]:
        """One subscription, acknowledged by ``{"event": "subscribed"}``."""
        return [json.dumps({"op": "subscribe", "channel": "liquidations"})]

    def decode(self, raw: str | bytes) -> Decoded:
        """A push, an acknowledgement or a refusal (module docstring)."""
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        try:
            msg: Any = json.loads(text)
        except ValueError:
            raise malformed("not JSON", text) from None
        if not isinstance(msg, dict):
            raise malformed("not a JSON object", text)
        if msg.get("event") == "subscribed":
            return ACK
        if msg.get("event") == "error":
            return Decoded(Kind.REJECT, detail=str(msg.get("msg", "")))
        if msg.get("channel") != "liquidations" or not isinstance(msg.get("data"), list):
            raise malformed("neither an event nor a liquidations push", text)
        items = [x for x in msg["data"] if isinstance(x, dict)]
        rows = tuple(_row(x, text) for x in items if x.get("s") in self.symbols)
        return Decoded(Kind.DATA, rows, filtered=len(items) - len(rows))


def _row(item: dict[str, Any], raw: str) -> LiqRow:
    side = {"long": 1, "short": -1}.get(str(item.get("side")))
    if side is None or not isinstance(item.get("T"), int):
        raise malformed("a liquidation needs side long/short and an integer time T", raw)
    price = checked_float(item.get("p", ""), "p", raw)
    qty = checked_float(item.get("q", ""), "q", raw)
    return LiqRow(str(item["s"]), int(item["T"]), side, price, qty, price * qty, raw)

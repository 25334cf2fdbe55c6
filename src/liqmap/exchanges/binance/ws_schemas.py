"""Binance USD-M WebSocket wire structs for the liquidation stream (field names as on the wire).

Docs: https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/All-Market-Liquidation-Order-Streams
(payload as in Liquidation-Order-Streams) and
https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Live-Subscribing-Unsubscribing-to-streams
"""

from __future__ import annotations

import msgspec

__all__ = ["BinanceWsError", "BinanceWsMessage", "ForceOrder", "ForceOrderEvent"]


class ForceOrder(msgspec.Struct, frozen=True):
    """The ``o`` object of a ``forceOrder`` event: the liquidation order."""

    s: str  # symbol
    S: str  # order side: SELL closes (liquidates) a long, BUY a short
    q: str  # original quantity (base units)
    p: str  # order price (the liquidation order's limit price)
    T: int  # order trade time, ms
    o: str = ""  # order type (LIMIT)
    f: str = ""  # time in force (IOC)
    ap: str = ""  # average fill price
    X: str = ""  # order status (FILLED, ...)
    z: str = ""  # accumulated filled quantity


class ForceOrderEvent(msgspec.Struct, frozen=True):
    """``{"e": "forceOrder", "E": <event time>, "o": {...}}``."""

    e: str
    E: int
    o: ForceOrder


class BinanceWsError(msgspec.Struct, frozen=True):
    """The ``error`` object of a refused request: ``{"code": 2, "msg": "Invalid request"}``."""

    code: int
    msg: str = ""


class BinanceWsMessage(msgspec.Struct, frozen=True):
    """Any text frame on a ``/ws`` connection: an event (``e`` set), a request result
    (``{"result": null, "id": 1}``) or a request error (``{"error": {...}, "id": 1}``)."""

    e: str | None = None
    E: int | None = None
    o: msgspec.Raw = (
        msgspec.Raw()
    )  # empty when absent; decoded as ForceOrder once ``e`` is forceOrder
    id: int | str | None = None
    error: BinanceWsError | None = None

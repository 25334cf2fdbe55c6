"""Bybit v5 public WebSocket wire structs for ``allLiquidation.{symbol}`` (wire field names).

Docs: https://bybit-exchange.github.io/docs/v5/websocket/public/all-liquidation and
https://bybit-exchange.github.io/docs/v5/ws/connect (subscribe/ping responses).
"""

from __future__ import annotations

import msgspec

__all__ = ["AllLiquidationItem", "BybitWsMessage"]


class AllLiquidationItem(msgspec.Struct, frozen=True):
    """One entry of ``data``: ``{"T": 1739502302929, "s": "ROSEUSDT", "S": "Sell",
    "v": "20000", "p": "0.04499"}``."""

    T: int  # updated timestamp, ms
    s: str  # symbol
    S: str  # POSITION side: Buy = a long position was liquidated
    v: str  # executed size (base units for linear contracts)
    p: str  # bankruptcy price


class BybitWsMessage(msgspec.Struct, frozen=True):
    """Any text frame: a topic push (``topic``/``data``) or an operation response
    (``op``/``success``/``ret_msg``). ``data`` is decoded once the topic is known."""

    topic: str | None = None
    type: str | None = None
    ts: int | None = None
    data: msgspec.Raw = (
        msgspec.Raw()
    )  # empty when absent; decoded per topic (list[AllLiquidationItem] here)
    op: str | None = None
    success: bool | None = None
    ret_msg: str = ""
    conn_id: str = ""
    req_id: str = ""

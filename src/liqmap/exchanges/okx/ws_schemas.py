# ruff: noqa: N815 -- field names are the exchange's own (camelCase on the wire)
"""OKX v5 public WebSocket wire structs for the ``liquidation-orders`` channel (wire names).

Docs: https://www.okx.com/docs-v5/en/#public-data-websocket-liquidation-orders-channel and
https://www.okx.com/docs-v5/en/#overview-websocket (subscribe/error events, ``ping``/``pong``).
"""

from __future__ import annotations

import msgspec

__all__ = ["OkxArg", "OkxLiquidation", "OkxLiquidationDetail", "OkxWsMessage"]


class OkxLiquidationDetail(msgspec.Struct, frozen=True):
    """One entry of ``details``: ``{"bkLoss": "0", "bkPx": "0.007831", "ccy": "",
    "posSide": "short", "side": "buy", "sz": "13", "ts": "1692266434010"}``."""

    bkPx: str  # bankruptcy price
    sz: str  # quantity; for FUTURES/SWAP in contracts
    ts: str  # liquidation time, ms (a decimal string)
    side: str = ""  # order side, buy/sell
    posSide: str = ""  # long / short (hedge mode) or net
    bkLoss: str = ""  # bankruptcy loss
    ccy: str = ""  # MARGIN only


class OkxLiquidation(msgspec.Struct, frozen=True):
    """One entry of ``data``: an instrument and its liquidations."""

    instId: str
    details: list[OkxLiquidationDetail]
    instType: str = ""
    instFamily: str = ""
    uly: str = ""


class OkxArg(msgspec.Struct, frozen=True):
    """The subscribed channel: ``{"channel": "liquidation-orders", "instType": "SWAP"}``."""

    channel: str
    instType: str = ""


class OkxWsMessage(msgspec.Struct, frozen=True):
    """Any JSON frame: a push (``arg``/``data``) or an event (``event``: subscribe, error,
    notice, ...)."""

    event: str | None = None
    arg: OkxArg | None = None
    data: msgspec.Raw = (
        msgspec.Raw()
    )  # empty when absent; decoded per channel (list[OkxLiquidation] here)
    code: str = ""
    msg: str = ""
    connId: str = ""

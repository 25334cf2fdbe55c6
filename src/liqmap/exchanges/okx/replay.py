"""The server side of OKX's ``liquidation-orders`` stream, for replay servers and tests.

The text ``ping`` is answered ``pong``; ``{"op": "subscribe", "args": [...]}`` with a
``subscribe`` event (or an ``error`` event, code 60012, when refused). Sizes are in contracts:
``qty / ctVal`` with the contract values given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from liqmap.exchanges.spec import LiqEvent, Reply, StreamReplay, decimal_text

__all__ = ["REPLAY", "answer", "encode"]


def answer(text: str, req: Mapping[str, Any] | None, reject: bool) -> Reply | None:
    """OKX's reply to a client frame."""
    if text == "ping":
        return Reply("pong", "pong")
    if req is None or req.get("op") != "subscribe":
        return None
    if reject:
        msg = f"Invalid request: {text}"
        return Reply(
            "reject", json.dumps({"event": "error", "code": "60012", "msg": msg, "connId": "r"})
        )
    arg = (req.get("args") or [{}])[0]
    return Reply("ack", json.dumps({"event": "subscribe", "arg": arg, "connId": "replay"}))


def encode(e: LiqEvent, contract_values: Mapping[str, float]) -> dict[str, Any]:
    """A ``liquidation-orders`` push of one detail (``posSide`` long: a long liquidated)."""
    quote = "USDC" if e.symbol.endswith("USDC") else "USDT"
    family = f"{e.symbol.removesuffix(quote)}-{quote}"
    ct_val = contract_values[f"{family}-SWAP"]
    detail = {
        "bkLoss": "0",
        "bkPx": decimal_text(e.price),
        "ccy": "",
        "posSide": "long" if e.side > 0 else "short",
        "side": "sell" if e.side > 0 else "buy",
        "sz": decimal_text(round(e.qty / ct_val, 8)),
        "ts": str(e.ts_ms),
    }
    data = {
        "details": [detail],
        "instFamily": family,
        "instId": f"{family}-SWAP",
        "instType": "SWAP",
        "uly": family,
    }
    return {"arg": {"channel": "liquidation-orders", "instType": "SWAP"}, "data": [data]}


REPLAY = StreamReplay(answer=answer, encode=encode)

"""The server side of Binance's ``!forceOrder@arr`` stream, for replay servers and tests.

``{"method": "SUBSCRIBE", "params": [...], "id": 1}`` is answered ``{"result": null, "id": 1}``
(or refused ``{"error": {"code": 2, "msg": "Invalid request"}, "id": 1}``); no application ping.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from liqmap.exchanges.spec import LiqEvent, Reply, StreamReplay, decimal_text

__all__ = ["REPLAY", "answer", "encode"]


def answer(text: str, req: Mapping[str, Any] | None, reject: bool) -> Reply | None:
    """Binance's reply to a client frame."""
    if req is None or req.get("method") != "SUBSCRIBE":
        return None
    rid = req.get("id")
    if reject:
        return Reply(
            "reject", json.dumps({"error": {"code": 2, "msg": "Invalid request"}, "id": rid})
        )
    return Reply("ack", json.dumps({"result": None, "id": rid}))


def encode(e: LiqEvent, _contract_values: Mapping[str, float]) -> dict[str, Any]:
    """A ``forceOrder`` event: a SELL order liquidates a long."""
    p, q = decimal_text(e.price), decimal_text(e.qty)
    order = {
        "s": e.symbol,
        "S": "SELL" if e.side > 0 else "BUY",
        "o": "LIMIT",
        "f": "IOC",
        "q": q,
        "p": p,
        "ap": p,
        "X": "FILLED",
        "l": q,
        "z": q,
        "T": e.ts_ms,
    }
    return {"e": "forceOrder", "E": e.ts_ms, "o": order}


REPLAY = StreamReplay(answer=answer, encode=encode)

"""The server side of the template venue's stream (handshake, push encoding) for replays."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from liqmap.exchanges.spec import LiqEvent, Reply, StreamReplay, decimal_text

__all__ = ["REPLAY"]


def _answer(text: str, req: Mapping[str, Any] | None, reject: bool) -> Reply | None:
    if req is None or req.get("op") != "subscribe":
        return None
    if reject:
        return Reply("reject", json.dumps({"event": "error", "msg": "unknown channel"}))
    return Reply("ack", json.dumps({"event": "subscribed"}))


def _encode(e: LiqEvent, _contract_values: Mapping[str, float]) -> dict[str, Any]:
    item = {
        "s": e.symbol,
        "T": e.ts_ms,
        "side": "long" if e.side > 0 else "short",
        "p": decimal_text(e.price),
        "q": decimal_text(e.qty),
    }
    return {"channel": "liquidations", "data": [item]}


REPLAY = StreamReplay(answer=_answer, encode=_encode)

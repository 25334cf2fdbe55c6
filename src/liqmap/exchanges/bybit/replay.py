"""The server side of Bybit's ``allLiquidation.{symbol}`` stream, for replay servers and tests.

``{"op": "ping"}`` is answered with a pong; ``{"op": "subscribe", "args": [...]}`` with
``success: true`` (or ``false`` and ``handler not found`` when refused).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from liqmap.exchanges.spec import LiqEvent, Reply, StreamReplay, decimal_text

__all__ = ["REPLAY", "answer", "encode"]


def answer(text: str, req: Mapping[str, Any] | None, reject: bool) -> Reply | None:
    """Bybit's reply to a client frame."""
    op = None if req is None else req.get("op")
    if req is None or op not in ("ping", "subscribe"):
        return None
    if op == "ping":
        pong = {"success": True, "ret_msg": "pong", "conn_id": "replay", "req_id": "", "op": "ping"}
        return Reply("pong", json.dumps(pong))
    base = {"conn_id": "replay", "req_id": req.get("req_id", ""), "op": "subscribe"}
    if reject:
        topic = ",".join(req.get("args", []))
        refused = {"success": False, "ret_msg": f"error:handler not found,topic:{topic}", **base}
        return Reply("reject", json.dumps(refused))
    return Reply("ack", json.dumps({"success": True, "ret_msg": "", **base}))


def encode(e: LiqEvent, _contract_values: Mapping[str, float]) -> dict[str, Any]:
    """An ``allLiquidation`` snapshot of one item: ``S = Buy`` is a long liquidated."""
    item = {
        "T": e.ts_ms,
        "s": e.symbol,
        "S": "Buy" if e.side > 0 else "Sell",
        "v": decimal_text(e.qty),
        "p": decimal_text(e.price),
    }
    return {
        "topic": f"allLiquidation.{e.symbol}",
        "type": "snapshot",
        "ts": e.ts_ms,
        "data": [item],
    }


REPLAY = StreamReplay(answer=answer, encode=encode)

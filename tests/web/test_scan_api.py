"""``GET /api/v1/scan``: the dashboard view of ``liqmap scan`` over a source's symbols."""

from __future__ import annotations

import httpx


def test_scan_ranks_the_sources_symbols(client: httpx.Client) -> None:
    r = client.get("/api/v1/scan", params={"source": "demo", "window": "24h"})
    assert r.status_code == 200
    d = r.json()
    assert d["schema"] == "liqmap.scan/1" and d["symbols"] == 2 and d["failed"] == 0
    assert {row["symbol"] for row in d["rows"]} == {"BTCUSDT", "ETHUSDT"}
    scores = [row["score"] for row in d["rows"]]
    assert scores == sorted(scores, reverse=True)
    assert all(row["table"].startswith("margin table: ") for row in d["rows"])


def test_scan_rejects_an_unknown_source_naming_the_field(client: httpx.Client) -> None:
    r = client.get("/api/v1/scan", params={"source": "nope"})
    assert r.status_code == 422 and "source" in r.text
    assert client.get("/api/v1/scan", params={"min_share": "2"}).status_code == 422

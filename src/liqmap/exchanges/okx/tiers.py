"""OKX live position tiers: ``GET /api/v5/public/position-tiers`` + instruments + mark price.

https://www.okx.com/docs-v5/en/#public-data-rest-api-get-position-tiers -- ``instType=SWAP``,
``tdMode=cross``, ``instFamily=BTC-USDT``; sizes (``minSz``/``maxSz``) are in **contracts**, so
``ctVal`` (``GET /api/v5/public/instruments``) and the mark price (``GET
/api/v5/public/mark-price``) convert them to USDT. Without symbols every USDT-margined swap is
fetched: one instruments and one mark-price request for all, then one tiers request per family
(the client's rate budget paces them).
"""

from __future__ import annotations

from collections.abc import Sequence

from liqmap.domain.margin import MarginTable
from liqmap.errors import UnknownSymbolError
from liqmap.exchanges._wire import num
from liqmap.exchanges.okx.client import OkxClient, _check
from liqmap.exchanges.okx.parse import parse_position_tiers
from liqmap.exchanges.okx.schemas import OkxInstrument, OkxMarkPrice, OkxPositionTier, OkxResponse
from liqmap.exchanges.records import DataKind

__all__ = ["fetch_tiers"]


async def fetch_tiers(client: OkxClient, symbols: Sequence[str] | None) -> list[MarginTable]:
    """Tiers of ``symbols``, or of every USDT-margined swap when None."""
    inst = await client.http.get(
        "/api/v5/public/instruments", {"instType": "SWAP"}, OkxResponse[OkxInstrument],
        check=_check,
    )  # fmt: skip
    marks = await client.http.get(
        "/api/v5/public/mark-price", {"instType": "SWAP"}, OkxResponse[OkxMarkPrice], check=_check
    )
    ct = {i.instId: num(i.ctVal, "ctVal", "okx") for i in inst.data}
    mark = {m.instId: num(m.markPx, "markPx", "okx") for m in marks.data}
    if symbols is None:
        wanted = sorted(i for i in ct if i.endswith("-USDT-SWAP") and i in mark)
    else:
        wanted = [client.native(s) for s in symbols]
    path = client.endpoints[DataKind.BRACKETS].path
    out = []
    for inst_id in wanted:
        if inst_id not in ct or inst_id not in mark:
            raise UnknownSymbolError(f"okx lists no USDT swap {inst_id!r} (instruments/mark-price)")
        resp = await client.http.get(
            path, {"instType": "SWAP", "tdMode": "cross",
                   "instFamily": inst_id.removesuffix("-SWAP")},
            OkxResponse[OkxPositionTier], check=_check,
        )  # fmt: skip
        out.append(
            parse_position_tiers(
                resp.data, symbol=inst_id, usd_per_contract=ct[inst_id] * mark[inst_id],
                source=f"okx GET {path} (contracts x ctVal {ct[inst_id]:g} x mark "
                f"{mark[inst_id]:g})",
            )
        )  # fmt: skip
    return out

"""OKX v5 liquidation stream adapter: ``liquidation-orders`` with ``instType: SWAP``.

* Channel: https://www.okx.com/docs-v5/en/#public-data-websocket-liquidation-orders-channel --
  one subscription carries every SWAP instrument (filtered here by ``instId``); "each contract
  will only show a maximum of one order per one-second period", and "this data doesn't
  represent the total number of liquidations on OKX".
* Connection: ``wss://ws.okx.com:8443/ws/v5/public``. The server drops a connection that has
  pushed nothing for 30 s, so after 20 s without any message we send the text ``ping`` and
  expect the text ``pong`` (https://www.okx.com/docs-v5/en/#overview-websocket-overview).

Normalisation: ``posSide`` is the liquidated position in hedge mode (``long`` -> ``+1``,
``short`` -> ``-1``); in net mode (``posSide = net``) the order side decides: a ``sell``
closes a long (``+1``), a ``buy`` a short (``-1``). ``price = bkPx`` (bankruptcy price);
``sz`` is in contracts, so ``qty = sz * ctVal`` with ``ctVal`` the instrument's contract value
in base units (``GET /api/v5/public/instruments``); ``ts_ms = ts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import msgspec

from liqmap.domain.enums import Venue
from liqmap.errors import ParameterError
from liqmap.exchanges.okx.ws_schemas import OkxLiquidation, OkxLiquidationDetail, OkxWsMessage
from liqmap.exchanges.stream import (
    ACK,
    PONG,
    Decoded,
    Kind,
    LiqRow,
    PingSpec,
    checked_float,
    malformed,
)

__all__ = [
    "CHANNEL",
    "CONTRACT_VALUES",
    "CONTRACT_VALUES_AS_OF",
    "PATH",
    "OkxLiquidationStream",
    "inst_id",
    "parse_liquidation_detail",
]

PATH = "/ws/v5/public"
CHANNEL = "liquidation-orders"
CONTRACT_VALUES_AS_OF = "2026-11"
# Contract value (base units per contract) of the USDT-margined swaps, from
# GET /api/v5/public/instruments?instType=SWAP (ctVal). Other instruments: pass contract_values.
CONTRACT_VALUES: Mapping[str, float] = {
    "BTC-USDT-SWAP": 0.01,
    "ETH-USDT-SWAP": 0.1,
    "SOL-USDT-SWAP": 1.0,
    "DOGE-USDT-SWAP": 1000.0,
    "ADA-USDT-SWAP": 100.0,
}
_NET_SIDES = {"sell": 1, "buy": -1}
_POS_SIDES = {"long": 1, "short": -1}
_DECODER = msgspec.json.Decoder(OkxWsMessage)
_DATA = msgspec.json.Decoder(list[OkxLiquidation])


def inst_id(symbol: str) -> str:
    """``'BTCUSDT'`` -> ``'BTC-USDT-SWAP'`` (canonical symbol to OKX perpetual instId)."""
    for quote in ("USDT", "USDC"):
        if symbol.endswith(quote):
            return f"{symbol.removesuffix(quote)}-{quote}-SWAP"
    raise ParameterError(f"OKX: {symbol!r} is not a USDT/USDC perpetual symbol like BTCUSDT")


def parse_liquidation_detail(
    symbol: str, ct_val: float, d: OkxLiquidationDetail, raw: str
) -> LiqRow:
    """One ``details`` entry -> a row.

    Parses (the shared ws-samples recording, 2024-01-30)::

        {"arg": {"channel": "liquidation-orders", "instType": "SWAP"},
         "data": [{"details": [{"bkLoss": "0", "bkPx": "103.94", "ccy": "",
                                "posSide": "short", "side": "buy", "sz": "16",
                                "ts": "1706608385092"}],
                   "instFamily": "BTC-USDT", "instId": "BTC-USDT-SWAP",
                   "instType": "SWAP", "uly": "BTC-USDT"}]}

    with ``ctVal = 0.01`` into ``LiqRow("BTCUSDT", 1706608385092, -1, 103.94, 0.16, 16.63,
    raw)``: 16 contracts = 0.16 BTC of a short position.
    """
    side = _POS_SIDES.get(d.posSide) or _NET_SIDES.get(d.side)
    if side is None:
        raise malformed(
            f"liquidation detail needs posSide long/short or side buy/sell, got "
            f"posSide={d.posSide!r} side={d.side!r}",
            raw,
        )
    try:
        ts_ms = int(d.ts)
    except ValueError:
        raise malformed(f"field 'ts' is not epoch milliseconds: {d.ts!r}", raw) from None
    price = checked_float(d.bkPx, "bkPx", raw)
    qty = checked_float(d.sz, "sz", raw) * ct_val
    return LiqRow(symbol, ts_ms, side, price, qty, price * qty, raw)


@dataclass(frozen=True, slots=True)
class OkxLiquidationStream:
    """Declarative adapter for ``liquidation-orders`` (SWAP); keeps only ``symbols``.

    ``contract_values`` (instId -> ctVal) overrides/extends :data:`CONTRACT_VALUES`; a symbol
    without a known contract value is refused up front (sizes would be wrong otherwise).
    """

    symbols: frozenset[str]
    contract_values: Mapping[str, float] = field(default_factory=dict)
    venue: ClassVar[Venue] = Venue.OKX
    ping: ClassVar[PingSpec | None] = PingSpec("ping", 20.0, when_idle=True)
    _wanted: dict[str, tuple[str, float]] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        table = {**CONTRACT_VALUES, **self.contract_values}
        for symbol in self.symbols:
            iid = inst_id(symbol)
            if iid not in table:
                raise ParameterError(
                    f"OKX contract value (ctVal) of {iid} is not known (liqmap knows "
                    f"{', '.join(sorted(table))} as of {CONTRACT_VALUES_AS_OF}); pass it, e.g. "
                    f"--okx-contract-value {iid}=<ctVal from /api/v5/public/instruments>"
                )
            self._wanted[iid] = (symbol, table[iid])

    def url(self, base: str) -> str:
        """``wss://ws.okx.com:8443`` -> ``wss://ws.okx.com:8443/ws/v5/public``."""
        base = base.rstrip("/")
        return base if base.endswith(PATH) else base + PATH

    def subscribe_messages(self) -> list[str]:
        """One subscription for all SWAP liquidations."""
        body = {"op": "subscribe", "args": [{"channel": CHANNEL, "instType": "SWAP"}]}
        return [msgspec.json.encode(body).decode()]

    def decode(self, raw: str | bytes) -> Decoded:
        """A push, an event or the text ``pong``.

        ``{"event": "subscribe", "arg": {...}, "connId": "a4d3ae55"}`` -> ACK;
        ``{"event": "error", "code": "60012", "msg": "Invalid request: ..."}`` -> REJECT.
        """
        if raw in ("pong", b"pong"):
            return PONG
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        try:
            msg = _DECODER.decode(raw)
        except msgspec.DecodeError as exc:
            raise malformed(f"not a documented OKX message: {exc}", text) from None
        if msg.event is not None:
            if msg.event == "subscribe":
                return ACK
            if msg.event == "error":
                return Decoded(Kind.REJECT, detail=f"code {msg.code}: {msg.msg}")
            return Decoded(Kind.IGNORED, detail=f"event {msg.event!r} {msg.code} {msg.msg}")
        if msg.arg is None or not msg.data:
            raise malformed("neither a push ('arg' and 'data') nor an event", text)
        if msg.arg.channel != CHANNEL:
            return Decoded(Kind.IGNORED, detail=f"channel {msg.arg.channel!r}")
        try:
            data = _DATA.decode(msg.data)
        except msgspec.DecodeError as exc:
            raise malformed(f"liquidation-orders 'data' not as documented: {exc}", text) from None
        rows: list[LiqRow] = []
        filtered = 0
        for item in data:
            wanted = self._wanted.get(item.instId)
            if wanted is None:
                filtered += len(item.details)
                continue
            symbol, ct_val = wanted
            rows.extend(parse_liquidation_detail(symbol, ct_val, d, text) for d in item.details)
        return Decoded(Kind.DATA, tuple(rows), filtered=filtered)

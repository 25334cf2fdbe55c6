"""Every dated file of the shared real-data folder (``../shared/data``) liqmap's studies read.

One place for the names (paths relative to the folder; ``{sym}`` is a lower-case coin): the
accuracy harness (:mod:`liqmap.testing.datasets`), the study windows
(:mod:`liqmap.testing.windows`) and the scripts read them from here. A new data drop changes
this file only. See the folder's README for what each file holds.
"""

from __future__ import annotations

__all__ = [
    "BARS_1H",
    "BARS_5M",
    "BRACKETS",
    "DEV_TAPE",
    "EVAL_TAPE",
    "HL_OI",
    "KLINES_5M",
    "MARK_1H",
    "MINUTE_FLOW",
    "OKX_TAPE",
    "RECORDER_1M",
]

# bars
RECORDER_1M = "bars/recorder-1m-btc-eth-sol-2026-01-24_2026-03-04.csv.gz"
MINUTE_FLOW = "bars/recorder-minute-flow-2026-01-22_2026-02-28.csv.gz"
KLINES_5M = "bars/binance-um-5m-BTCUSDT-2025-11-30_2026-01-29.csv.gz"
BARS_5M = "bars/binance-um-5m-BTCUSDT-2024-12-31_2026-02-19.csv.gz"
BARS_1H = "bars/binance-bybit-perp-1h-btc-eth-sol-2025-03-06_2026-03-05.csv.gz"
MARK_1H = "bars/binance-um-1h-markprice-btc-eth-sol-2024-12-31_2026-02-19.csv.gz"
# open interest
HL_OI = "open_interest/hyperliquid-oi-1h-btc-eth-sol-hype-doge-2025-03-08_2026-03-07.csv.gz"
# liquidation tapes (the truth)
DEV_TAPE = "liquidations/binance-btc-forceorder-2026-01-27_2026-02-16.csv.gz"
EVAL_TAPE = "liquidations/mixed-venues-{sym}-2026-02-23_2026-03-04.csv.gz"
OKX_TAPE = "liquidations/okx-swap-btc-eth-sol-2026-03-04_2026-03-05.csv.gz"
# margin tables
BRACKETS = "brackets/binance-um-leverage-brackets-BTCUSDT-ETHUSDT.json"

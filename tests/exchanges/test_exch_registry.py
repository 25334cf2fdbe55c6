"""The exchanges package surface: names, the venue/kind table, small helpers."""

from __future__ import annotations

import pytest

import liqmap.exchanges as ex
from liqmap.domain.enums import Venue
from liqmap.errors import ParameterError, UnknownExchangeError
from liqmap.exchanges import DataKind, endpoint_rows, supported_kinds
from liqmap.exchanges.base import base_coin, interval_name, windows
from liqmap.exchanges.registry import CLIENTS


def test_public_names_exist() -> None:
    assert all(hasattr(ex, n) for n in ex.__all__) and len(set(ex.__all__)) == len(ex.__all__)


def test_every_venue_and_kind_is_served_or_explained() -> None:
    rows = endpoint_rows()
    assert {r[0] for r in rows} == {v.value for v in Venue}
    assert len(rows) == len(Venue) * len(DataKind)
    for venue, kind, path, _page, why in rows:
        assert path != "not public" or why, f"{venue} {kind}: unsupported without a reason"
    assert DataKind.CANDLES in supported_kinds("binance-usdm")
    assert DataKind.LIQUIDATIONS in supported_kinds("okx")
    assert set(CLIENTS) == set(Venue)
    with pytest.raises(UnknownExchangeError):
        supported_kinds("kraken")


def test_helpers() -> None:
    assert [base_coin(s) for s in ("BTCUSDT", "btc-usdt-swap", "BTC/USDT:USDT", "BTCUSD_PERP", "ETH")] == [
        "BTC", "BTC", "BTC", "BTC", "ETH",
    ]  # fmt: skip
    assert list(windows(0, 25, 10)) == [(0, 10), (10, 20), (20, 25)]
    assert interval_name(300_000) == "5m"
    with pytest.raises(ParameterError, match="1m, 3m, 5m"):
        interval_name(7)
    assert DataKind.parse_list("candles, OI,candles") == (DataKind.CANDLES, DataKind.OI)
    with pytest.raises(ParameterError, match="known: candles"):
        DataKind.parse_list("bars")

"""Bracket files (Binance responses, the shared layout, liqmap's package layout) and the defaults."""

from __future__ import annotations

import json
import math
from importlib.resources import files
from pathlib import Path
from typing import Any

import msgspec
import pytest

from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.errors import DataFileError, UnknownSymbolError
from liqmap.io.bracket_schemas import PackageFile
from liqmap.io.brackets import default_table, known_symbols, load_brackets

SHARED_BRACKETS = "brackets/binance-um-leverage-brackets-BTCUSDT-ETHUSDT.json"

UM_RESPONSE = [
    {
        "symbol": "ETHUSDT",
        "notionalCoef": 1.5,
        "brackets": [
            {
                "bracket": 2,
                "initialLeverage": 50,
                "notionalCap": 100000,
                "notionalFloor": 10000,
                "maintMarginRatio": 0.01,
                "cum": 35.0,
            },
            {
                "bracket": 1,
                "initialLeverage": 75,
                "notionalCap": 10000,
                "notionalFloor": 0,
                "maintMarginRatio": 0.0065,
                "cum": 0.0,
            },
        ],
    },
    {
        "symbol": "BTCUSDT",
        "brackets": [
            {
                "bracket": 1,
                "initialLeverage": 125,
                "notionalCap": 50000,
                "notionalFloor": 0,
                "maintMarginRatio": 0.004,
                "cum": 0,
            }
        ],
    },
]

CM_RESPONSE = [
    {
        "symbol": "BTCUSD_PERP",
        "brackets": [
            {
                "bracket": 1,
                "initialLeverage": 125,
                "qtyCap": 50,
                "qtylFloor": 0,
                "maintMarginRatio": 0.004,
                "cum": 0.0,
            },
            {
                "bracket": 2,
                "initialLeverage": 100,
                "qtyCap": 100,
                "qtylFloor": 50,
                "maintMarginRatio": 0.005,
                "cum": 0.05,
            },
        ],
    }
]


def write(tmp_path: Path, data: Any, name: str = "b.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(data))
    return p


# --- the shared layout -----------------------------------------------------------------------------


def test_shared_layout(shared_data: Path) -> None:
    path = shared_data / SHARED_BRACKETS
    btc = load_brackets(path, symbol="BTCUSDT")
    eth = load_brackets(path, symbol="eth")  # alias: base asset, any case
    assert btc.symbol == "BTCUSDT" and eth.symbol == "ETHUSDT"
    assert btc.venue == "binance" and len(btc.tiers) == 12
    t4 = btc.tiers[3]
    assert (t4.tier, t4.notional_floor, t4.notional_cap) == (4, 3_000_000, 12_000_000)
    assert (t4.maint_margin_ratio, t4.maint_amount, t4.max_leverage) == (0.01, 12_000, 50)
    assert "freqtrade" in btc.source


def test_shared_layout_needs_a_symbol_when_it_holds_several(shared_data: Path) -> None:
    with pytest.raises(UnknownSymbolError, match=r"several symbols \(BTCUSDT, ETHUSDT\)"):
        load_brackets(shared_data / SHARED_BRACKETS)


def test_default_binance_table_is_the_shared_snapshot(shared_data: Path) -> None:
    # the shared JSON equals the 2026-02-05 snapshot (shared/data/README.md)
    feb5 = 1_770_292_800_000  # 2026-02-05 12:00 UTC
    for sym in ("BTCUSDT", "ETHUSDT"):
        shipped = default_table(Venue.BINANCE, sym, as_of_ms=feb5)
        shared = load_brackets(shared_data / SHARED_BRACKETS, symbol=sym)
        assert shipped.tiers == shared.tiers
        assert shipped.as_of == "2026-02-05" and "in force" in shipped.source


def test_shared_layout_errors(tmp_path: Path) -> None:
    base = {"source": "x", "fields": ["bracket", "notional_floor"], "symbols": {"A": [[1, 0]]}}
    with pytest.raises(DataFileError, match=r"field '\$\.fields'.*lacks notional_cap"):
        load_brackets(write(tmp_path, base))
    fields = [
        "bracket",
        "notional_floor",
        "notional_cap",
        "maint_margin_ratio",
        "cum",
        "initial_leverage",
    ]
    short_row = {"source": "x", "fields": fields, "symbols": {"A": [[1, 0, 10, 0.01, 0]]}}
    with pytest.raises(DataFileError, match=r"\$\.symbols\.A\[0\].*5 values"):
        load_brackets(write(tmp_path, short_row))


# --- Binance responses -----------------------------------------------------------------------------


def test_binance_usdm_response_list_and_single_object(tmp_path: Path) -> None:
    eth = load_brackets(write(tmp_path, UM_RESPONSE), symbol="ETHUSDT")
    assert [t.tier for t in eth.tiers] == [1, 2]  # sorted by floor
    assert eth.tiers[1].maint_amount == 35.0 and eth.tiers[1].max_leverage == 50
    assert eth.venue == "binance"
    single = load_brackets(write(tmp_path, UM_RESPONSE[1], "one.json"))
    assert single.symbol == "BTCUSDT" and single.tiers[0].notional_cap == 50_000


def test_binance_numbers_as_strings_are_accepted(tmp_path: Path) -> None:
    data = json.loads(json.dumps(UM_RESPONSE[1]))
    data["notionalCoef"] = "4.0"
    data["brackets"][0]["maintMarginRatio"] = "0.004"
    assert load_brackets(write(tmp_path, data)).tiers[0].maint_margin_ratio == 0.004


def test_binance_coinm_response(tmp_path: Path) -> None:
    t = load_brackets(write(tmp_path, CM_RESPONSE))
    assert t.venue == "binance-coinm" and t.symbol == "BTCUSD_PERP"
    assert t.tiers[1].notional_floor == 50 and t.tiers[1].maint_amount == 0.05
    v1 = [{"pair": "BTCUSD", "brackets": CM_RESPONSE[0]["brackets"]}]
    assert load_brackets(write(tmp_path, v1, "v1.json"), symbol="BTC").symbol == "BTCUSD"


def test_binance_response_errors_name_the_json_path(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(UM_RESPONSE))
    bad[0]["brackets"][1]["cum"] = "lots"
    with pytest.raises(DataFileError, match=r"field '\$\[0\]\.brackets\[1\]\.cum'") as err:
        load_brackets(write(tmp_path, bad), symbol="ETHUSDT")
    assert str(tmp_path / "b.json") in str(err.value)
    missing = json.loads(json.dumps(UM_RESPONSE))
    del missing[1]["brackets"][0]["notionalCap"]
    with pytest.raises(DataFileError, match=r"notionalCap"):
        load_brackets(write(tmp_path, missing), symbol="BTCUSDT")


def test_gaps_between_brackets_are_rejected(tmp_path: Path) -> None:
    gap = json.loads(json.dumps(UM_RESPONSE))
    gap[0]["brackets"][0]["notionalFloor"] = 20000
    with pytest.raises(DataFileError, match=r"\$\[0\]\.brackets.*contiguous"):
        load_brackets(write(tmp_path, gap), symbol="ETHUSDT")


def test_not_a_bracket_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="not a bracket file"):
        load_brackets(write(tmp_path, {"hello": 1}))
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(DataFileError, match="not valid JSON"):
        load_brackets(tmp_path / "bad.json")
    with pytest.raises(DataFileError, match="file not found"):
        load_brackets(tmp_path / "missing.json")


def test_unknown_and_ambiguous_symbols(tmp_path: Path) -> None:
    p = write(tmp_path, UM_RESPONSE)
    with pytest.raises(UnknownSymbolError, match=r"'SOLUSDT'.*known symbols: ETHUSDT, BTCUSDT"):
        load_brackets(p, symbol="SOLUSDT")
    both = [UM_RESPONSE[1], {**UM_RESPONSE[1], "symbol": "BTCUSDC"}]
    with pytest.raises(UnknownSymbolError, match="ambiguous"):
        load_brackets(write(tmp_path, both, "two.json"), symbol="BTC")
    assert load_brackets(write(tmp_path, both, "two.json"), symbol="btc-usdc").symbol == "BTCUSDC"


# --- liqmap's package layout and the defaults ------------------------------------------------------


def test_package_layout_file(tmp_path: Path) -> None:
    doc = {
        "format": "liqmap-brackets/1",
        "venue": "okx",
        "tables": [
            {
                "symbol": "SOL-USDT-SWAP",
                "aliases": ["SOLUSDT"],
                "as_of": "2026-01-02",
                "source": "test",
                "tiers": [
                    {
                        "tier": 1,
                        "floor": 0,
                        "cap": 1000,
                        "mmr": 0.01,
                        "maint_amount": 0,
                        "max_leverage": 50,
                    },
                    {
                        "tier": 2,
                        "floor": 1000,
                        "cap": None,
                        "mmr": 0.02,
                        "maint_amount": 10,
                        "max_leverage": 20,
                    },
                ],
            }
        ],
    }
    t = load_brackets(write(tmp_path, doc), symbol="sol")
    assert t.venue == "okx" and t.as_of == "2026-01-02" and math.isinf(t.tiers[1].notional_cap)
    with pytest.raises(DataFileError, match="holds okx tables, not bybit"):
        load_brackets(write(tmp_path, doc), venue="bybit")
    doc["tables"][0]["tiers"][0]["typo"] = 1
    with pytest.raises(DataFileError, match=r"typo"):
        load_brackets(write(tmp_path, doc))


@pytest.mark.parametrize(
    ("venue", "symbol", "expected"),
    [
        (Venue.BINANCE, "BTC", "BTCUSDT"),
        (Venue.BINANCE, "btc/usdt", "BTCUSDT"),
        (Venue.BINANCE, "ETHUSDT", "ETHUSDT"),
        (Venue.BINANCE_COINM, "BTCUSD_PERP", "BTCUSD_PERP"),
        (Venue.BINANCE_COINM, "BTC", "BTCUSD_PERP"),
        (Venue.BYBIT, "BTCUSDT", "BTCUSDT"),
        (Venue.BINANCE, "SOL", "SOLUSDT"),
        (Venue.BINANCE, "AVAX/USDT:USDT", "AVAXUSDT"),
        (Venue.HYPERLIQUID, "BTC", "BTC"),
        (Venue.HYPERLIQUID, "ETH-PERP", "ETH"),
    ],
)
def test_default_tables_and_aliases(venue: Venue, symbol: str, expected: str) -> None:
    t = default_table(venue, symbol)
    assert t.symbol == expected and t.venue == venue.value
    assert t.as_of and t.source


def test_default_table_unknown_symbol_lists_known_ones() -> None:
    with pytest.raises(
        UnknownSymbolError, match=r"'DOGE' for bybit.*known symbols: BTCUSDT.*--brackets"
    ) as err:
        default_table("bybit", "DOGE")
    assert "liqmap tiers sync --exchange bybit" in str(err.value)
    with pytest.raises(UnknownSymbolError, match=r"--brackets.*liqmap tiers sync"):
        default_table("binance", "NOSUCHCOINUSDT")
    assert known_symbols(Venue.OKX) == ()  # no unconfirmed placeholders: live tiers or fallback
    assert len(known_symbols(Venue.BINANCE)) == 701


def _package_files() -> list[PackageFile]:
    root = files("liqmap.data").joinpath("brackets")
    return [
        msgspec.json.decode(root.joinpath(f"{v.value}.json").read_bytes(), type=PackageFile)
        for v in Venue
    ]


def test_every_venue_ships_dated_tables_with_provenance() -> None:
    for f in _package_files():
        for t in f.tables:
            assert t.as_of[:4].isdigit() and len(t.source) > 40, (f.venue, t.symbol)
            if not t.confirmed:  # unconfirmed values must say so where users see them
                assert "confirm" in t.source.lower(), (f.venue, t.symbol)
            table: MarginTable = default_table(f.venue, t.symbol)
            _assert_continuous(table)


def test_hyperliquid_rates_are_half_the_initial_margin_at_max_leverage() -> None:
    for sym in known_symbols(Venue.HYPERLIQUID):
        for tier in default_table(Venue.HYPERLIQUID, sym).tiers:
            assert tier.maint_margin_ratio == pytest.approx(1 / (2 * tier.max_leverage))


def _assert_continuous(table: MarginTable) -> None:
    """Maintenance margin is continuous: amount_n = amount_{n-1} + floor_n * (mmr_n - mmr_{n-1})."""
    prev = None
    for t in table.tiers:
        if prev is not None:
            expected = prev.maint_amount + t.notional_floor * (
                t.maint_margin_ratio - prev.maint_margin_ratio
            )
            assert t.maint_amount == pytest.approx(expected, rel=1e-6, abs=1e-6), (
                table.symbol,
                t.tier,
            )
        prev = t

"""Adding a venue is one folder and one registry line: the ``_template`` venue, registered by its
package name (the line a new venue adds to ``registry.VENUES``), is picked up by every layer
(parsing, settings, margin, symbols, REST, recorder, CLI help), and forgotten again when
unregistered."""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from liqmap.core.margin import liquidation_price
from liqmap.domain.enums import Side, Venue
from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.domain.venue import venue_names
from liqmap.errors import ParameterError, UnknownExchangeError
from liqmap.exchanges import _template, registry
from liqmap.exchanges.base import store_symbol
from liqmap.exchanges.records import DataKind
from liqmap.exchanges.spec import VenueSpec
from liqmap.exchanges.stream import Kind
from liqmap.recorder.venues import build_adapter, parse_venues, recordable
from liqmap.settings import Settings
from liqmap.testing.replay import encode_liquidations

TIERS = (MarginTier(1, 0.0, 1e6, 0.005, 0.0, 50.0), MarginTier(2, 1e6, 1e9, 0.01, 5000.0, 20.0))


@pytest.fixture
def spec() -> Iterator[VenueSpec]:
    # registry.VENUES + ("_template",): the one registry line of a new venue
    with registry.registered_packages(("_template",)) as (only,):
        assert only is _template.SPEC
        yield only


def test_the_registry_line_is_one_tuple_of_every_venue_folder() -> None:
    """``VENUES`` is assigned on one line and names every venue folder but the template."""
    folder = Path(registry.__file__).parent
    folders = {p.parent.name for p in folder.glob("*/spec.py")} - {"_template"}
    assert set(registry.VENUES) == folders
    tree = ast.parse(Path(registry.__file__).read_text(encoding="utf-8"))
    (line,) = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.AnnAssign | ast.Assign) and "VENUES" in ast.unparse(n).split("=")[0]
    ]
    assert line.lineno == line.end_lineno, "VENUES must stay one line: a venue adds one name"
    assert registry.specs() == tuple(s for n in registry.VENUES for s in registry.package_specs(n))


def test_a_venue_package_without_specs_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(_template, "SPECS")
    with pytest.raises(UnknownExchangeError, match=r"liqmap.exchanges._template must export SPECS"):
        registry.package_specs("_template")


def test_the_venue_is_known_by_name_and_alias(spec: VenueSpec) -> None:
    v = spec.venue
    assert Venue.parse("template") is v and Venue.parse(" Template_USDT ") is v
    assert v in list(Venue) and "template" in venue_names()
    assert registry.spec_for("template") is spec and registry.CLIENTS[v] is spec.client


def test_settings_read_its_urls_and_variables(spec: VenueSpec, tmp_path: Path) -> None:
    s = Settings.from_env({"LIQMAP_HOME": str(tmp_path), "LIQMAP_TEMPLATE_WS_URL": "ws://h:1"})
    assert s.rest_url(spec.venue) == "https://api.template.example"
    assert s.ws_url(spec.venue) == "ws://h:1"
    assert spec.rest_env == "LIQMAP_TEMPLATE_REST_URL"
    with pytest.raises(ParameterError, match="LIQMAP_TEMPLATE_REST_URL='nope' is not a valid URL"):
        Settings.from_env({"LIQMAP_TEMPLATE_REST_URL": "nope"})


def test_margin_uses_the_formula_its_spec_names(spec: VenueSpec) -> None:
    """Bybit's rule (maintenance at entry): LP = EP - (IM - MM) / size; 10x long of 1000 USDT at
    100: size 10, IM 100, MM 1000 * 0.005 = 5 -> 100 - 95 / 10 = 90.5."""
    table = MarginTable("BTCUSDT", "template", TIERS)
    q = liquidation_price(spec.venue, Side.LONG, 100.0, 10.0, notional=1000.0, table=table)
    assert q.liquidation_price == pytest.approx(90.5)
    same = liquidation_price(
        Venue.BYBIT,
        Side.LONG,
        100.0,
        10.0,
        notional=1000.0,
        table=MarginTable("BTCUSDT", "bybit", TIERS),
    )
    assert same.liquidation_price == pytest.approx(q.liquidation_price)
    with pytest.raises(ParameterError, match="is for bybit, not template"):
        liquidation_price(
            spec.venue,
            Side.LONG,
            100.0,
            10.0,
            notional=1000.0,
            table=MarginTable("BTCUSDT", "bybit", TIERS),
        )


def test_symbols_and_funding_follow_the_spec(spec: VenueSpec) -> None:
    assert store_symbol(spec.venue, "btc-usdt") == "BTCUSDT"
    assert spec.funding_interval_ms == 8 * 3_600_000
    assert registry.supported_kinds(spec.venue) == (DataKind.CANDLES,)
    rows = [r for r in registry.endpoint_rows() if r[0] == "template"]
    assert ("template", "candles", "/v1/klines", "500", "full") in rows


def test_the_rest_client_comes_from_the_registry(spec: VenueSpec, tmp_path: Path) -> None:
    seen: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json=[[0, "1", "2", "0.5", "1.5", "10"]])

    async def run() -> int:
        settings = Settings(home=tmp_path)
        async with registry.client_for(
            "template", settings, transport=httpx.MockTransport(answer)
        ) as client:
            candles = await client.fetch(DataKind.CANDLES, "BTCUSDT", 0, 60_000)
        return 0 if candles is None else len(candles)

    assert asyncio.run(run()) == 1
    assert seen[0].host == "api.template.example" and seen[0].params["symbol"] == "BTCUSDT"


def test_the_recorder_records_it_and_the_replay_speaks_it(spec: VenueSpec) -> None:
    assert parse_venues("binance,template") == (Venue.BINANCE, spec.venue)
    assert spec.venue in recordable()
    adapter = build_adapter(spec.venue, ["BTCUSDT"])
    assert adapter.url("wss://stream.template.example") == "wss://stream.template.example/v1/ws"
    (msg,) = encode_liquidations(spec.venue, [("BTCUSDT", 1_000, 1, 9910.0, 0.014)])
    decoded = adapter.decode(msg)
    assert decoded.kind is Kind.DATA
    assert [(r.symbol, r.ts_ms, r.side, r.price, r.qty) for r in decoded.rows] == [
        ("BTCUSDT", 1_000, 1, 9910.0, 0.014)
    ]


def test_unregistered_it_is_unknown_everywhere() -> None:
    with registry.registered_packages(("_template",)):
        pass
    assert _template.VENUE not in list(Venue)
    with pytest.raises(UnknownExchangeError, match="unknown exchange 'template'"):
        Venue.parse("template")
    with pytest.raises(UnknownExchangeError, match="no registered spec"):
        registry.spec_for(_template.VENUE)
    with pytest.raises(ParameterError, match="unknown setting"):
        Settings.from_env({"LIQMAP_TEMPLATE_REST_URL": "https://x.example"})


def test_a_venue_name_is_registered_once() -> None:
    clash = Venue.define(
        "okx",
        label="another okx",
        contract_kind=Venue.OKX.contract_kind,
        quote="USDT",
        margin=Venue.OKX.margin,
        rest_url="https://x.example",
        ws_url="wss://x.example",
    )
    with pytest.raises(ParameterError, match="already registered"):
        Venue.register(clash)
    assert Venue.parse("okx") is Venue.OKX

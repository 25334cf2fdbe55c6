"""`liqmap positions`: a real liquidation map from Hyperliquid accounts served by a local
``POST /info`` (account states built from the shared positions snapshot)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exchanges"))
from _exch_wire import hl_clearinghouse_state, hl_positions, json_response, resource

from liqmap.cli.app import main
from liqmap.store import Store

pytestmark = pytest.mark.shared_data


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    srv = HTTPServer(threaded=True)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


@pytest.fixture
def addresses(
    server: HTTPServer, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    states = {a: hl_clearinghouse_state(rows) for a, rows in hl_positions(shared_data).items()}

    def info(req: Request) -> Response:
        body = json.loads(req.get_data())
        if body["type"] == "metaAndAssetCtxs":
            return json_response(resource("hyperliquid_metaAndAssetCtxs.json"))
        return json_response(states[body["user"]])

    server.expect_request("/info", method="POST").respond_with_handler(info)
    monkeypatch.setenv("LIQMAP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LIQMAP_HYPERLIQUID_REST_URL", server.url_for("").rstrip("/"))
    path = tmp_path / "addresses.txt"
    path.write_text("\n".join(states) + "\n", encoding="utf-8")
    return path


def test_positions_json_and_png(
    addresses: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "real.png"
    argv = [
        "positions",
        "--exchange",
        "hyperliquid",
        "--addresses",
        str(addresses),
        "--coin",
        "BTC",
    ]
    assert main([*argv, "--out", str(png), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["schema"] == "liqmap.map/1" and d["exchange"] == "hyperliquid" and d["symbol"] == "BTC"
    assert d["window"]["label"] == "positions" and d["price"] == 84410.0
    assert d["totals"]["long_usd"] > 0 and d["totals"]["short_usd"] > 0
    assert any("coverage" in n for n in d["notes"]) and "open interest" in d["reading"]
    assert png.stat().st_size > 10_000
    with Store.open(path=tmp_path / "home" / "liqmap.duckdb") as st:
        rows = st.read_positions("hyperliquid", "BTC")
        assert len(rows["address"]) == 35


def test_positions_html_and_text(
    addresses: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = tmp_path / "real.html"
    assert (
        main(
            [
                "positions",
                "--addresses",
                str(addresses),
                "--coin",
                "ETH",
                "--out",
                str(html),
                "--no-store",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert (
        "ETH" in out
        and "coverage" in out
        and html.read_text(encoding="utf-8").lower().count("plotly") > 0
    )


def test_positions_bad_input(
    addresses: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["positions", "--exchange", "binance", "--addresses", str(addresses)]) == 2
    assert "only hyperliquid" in capsys.readouterr().err
    bad = tmp_path / "bad.txt"
    bad.write_text("not-an-address\n", encoding="utf-8")
    assert main(["positions", "--addresses", str(bad)]) == 2
    assert "40 hex" in capsys.readouterr().err
    assert main(["positions", "--addresses", str(addresses), "--out", str(tmp_path / "x.gif")]) == 2

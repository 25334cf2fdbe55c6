"""`liqmap sync`: fills the store from a local server in Binance's documented shapes (real 1h
bars from ../shared/data), reports per kind, exit codes for bad input and venue faults."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exchanges"))
from _exch_wire import binance_klines_1h, json_response, window

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
def env(server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("LIQMAP_HOME", str(home))
    monkeypatch.setenv("LIQMAP_BINANCE_REST_URL", server.url_for("").rstrip("/"))
    monkeypatch.setenv("LIQMAP_HTTP_TIMEOUT", "2")
    return home


def test_sync_writes_candles_and_reports(
    server: HTTPServer, env: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    klines = binance_klines_1h(shared_data)

    def kl(req: Request) -> Response:
        return json_response(
            window(klines, lambda k: k[0], req, "startTime", "endTime", "limit", 500, 1500)
        )

    server.expect_request("/fapi/v1/klines").respond_with_handler(kl)
    argv = ["sync", "BTCUSDT", "--exchange", "binance", "--since", "2025-05-12", "--until", "2025-05-15",
            "--kinds", "candles,oi,brackets", "--interval", "1h"]  # fmt: skip
    assert main([*argv, "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    kinds = {k["kind"]: k for k in rep["kinds"]}
    assert kinds["candles"]["new_rows"] == 72
    assert kinds["oi"]["unavailable"] and kinds["oi"]["new_rows"] == 0  # older than 30 days
    assert "API key" in kinds["brackets"]["skipped"]
    with Store.open(settings=None, path=env / "liqmap.duckdb") as st:
        assert len(st.read_candles("binance", "BTCUSDT", interval_ms=3_600_000)) == 72
    # human output with the progress bar, one more day: only that day is fetched
    argv[argv.index("2025-05-15")] = "2025-05-16"
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "candles: 24 new rows" in out and "no longer serves" in out and "candles" in out
    assert main(argv) == 0
    assert "already stored" in capsys.readouterr().out


def test_sync_bad_input_exits_2(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "BTCUSDT", "--kinds", "candles,volume"]) == 2
    assert "unknown kind 'volume'" in capsys.readouterr().err
    assert main(["sync", "BTCUSDT", "--exchange", "kraken"]) == 2
    assert main(["sync", "BTCUSDT", "--since", "yesterday"]) == 2


def test_sync_geo_block_exits_1_with_the_fix(
    server: HTTPServer, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.expect_request("/fapi/v1/klines").respond_with_json(
        {"code": 0, "msg": "restricted"}, status=451
    )
    assert (
        main(
            [
                "sync",
                "BTCUSDT",
                "--kinds",
                "candles",
                "--since",
                "2025-05-12",
                "--until",
                "2025-05-13",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "451" in err and "LIQMAP_BINANCE_REST_URL" in err

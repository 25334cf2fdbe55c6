"""``liqmap serve --file``: the dashboard opens a bars file as the CLI does (issue 14 item 12)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from _web import serve

from liqmap import api
from liqmap.cli.app import main
from liqmap.settings import Settings
from liqmap.web import WebConfig, create_app
from liqmap.web.sources import FileSource, file_source_name

BARS_1H = "bars/binance-um-1h-BTCUSDT-2025-05-11_2025-08-10.csv.gz"


def test_file_source_names_are_web_safe() -> None:
    assert (
        file_source_name(Path("/x/binance-um-1h-BTCUSDT-2025.csv.gz"))
        == "file-binance-um-1h-btcusdt-2025"
    )
    assert file_source_name(Path("Bars File.parquet")) == "file-bars-file"
    assert len(file_source_name(Path("a" * 80 + ".csv"))) <= 32


def test_a_file_is_a_source_like_the_cli_reads_it(shared_data: Path, tmp_path: Path) -> None:
    bars = shared_data / BARS_1H
    src = FileSource("BTCUSDT", bars)
    app = create_app(
        Settings(home=tmp_path), None, config=WebConfig(default_source=src.name), files=[src]
    )
    with serve(app) as s:
        sources = httpx.get(f"{s.url}/api/v1/symbols").json()["sources"]
        assert (src.name, "file", ["BTCUSDT"]) in [
            (x["name"], x["kind"], x["symbols"]) for x in sources
        ]
        got = httpx.get(
            f"{s.url}/api/v1/map", params={"source": src.name, "window": "7d"}, timeout=60
        ).json()
        expected = api.estimate_map(api.load_market("BTCUSDT", str(bars)), window="7d").to_dict()
        assert got["as_of_ms"] == expected["as_of_ms"]
        assert got["totals"] == pytest.approx(expected["totals"])
        other = httpx.get(f"{s.url}/api/v1/map", params={"source": src.name, "symbol": "ETHUSDT"})
        assert other.status_code == 422 and "available: BTCUSDT" in other.text


def test_serve_rejects_file_options_without_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--oi", "oi.csv"]) == 2
    assert "go with --file" in capsys.readouterr().err

"""Settings from LIQMAP_* variables: defaults, overrides, validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from liqmap.domain.enums import Venue
from liqmap.errors import ParameterError
from liqmap.settings import DEFAULT_REST_URLS, Settings


def test_defaults_and_overrides(tmp_path: Path) -> None:
    s = Settings.from_env({"LIQMAP_HOME": str(tmp_path)})
    assert s.home == tmp_path and s.store_path == tmp_path / "liqmap.duckdb"
    assert s.rest_url(Venue.BINANCE) == DEFAULT_REST_URLS[Venue.BINANCE]
    s = Settings.from_env(
        {
            "LIQMAP_BINANCE_REST_URL": "http://127.0.0.1:8080/",
            "LIQMAP_OKX_WS_URL": "ws://127.0.0.1:9000",
            "LIQMAP_BINANCE_ARCHIVE_URL": "http://127.0.0.1:8081",
            "LIQMAP_HTTP_TIMEOUT": "2.5",
        }
    )
    assert s.rest_url(Venue.BINANCE) == "http://127.0.0.1:8080"
    assert s.ws_url(Venue.OKX) == "ws://127.0.0.1:9000"
    assert s.archive_url == "http://127.0.0.1:8081" and s.http_timeout_s == 2.5


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"LIQMAP_BINANCE_RESTURL": "x"}, "unknown setting"),
        ({"LIQMAP_BYBIT_REST_URL": "ftp://x"}, "LIQMAP_BYBIT_REST_URL"),
        ({"LIQMAP_HYPERLIQUID_WS_URL": "http://x"}, "ws or wss"),
        ({"LIQMAP_HTTP_TIMEOUT": "-1"}, "LIQMAP_HTTP_TIMEOUT"),
    ],
)
def test_bad_settings_are_named(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ParameterError, match=needle):
        Settings.from_env(env)

"""The one formatting module (issue 14 item 8): amounts, ticks, prices, numbers, kinds, times."""

from __future__ import annotations

import doctest
from datetime import UTC

import pytest

from liqmap.core import formatting
from liqmap.core.formatting import (
    format_kind,
    format_number,
    format_price_ticks,
    format_time,
    format_usd,
    format_usd_ticks,
    parse_tz,
)


def test_doctests() -> None:
    assert doctest.testmod(formatting, raise_on_error=False).failed == 0


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0, 50_000, 100_000, 150_000], ["$0", "$50k", "$100k", "$150k"]),
        ([0, 5e5, 1e6, 1.5e6], ["$0", "$0.5M", "$1.0M", "$1.5M"]),
        ([8e8, 1e9, 1.2e9], ["$0.8B", "$1.0B", "$1.2B"]),
        ([0, 2.5e6, 5e6], ["$0", "$2.5M", "$5.0M"]),
        ([0, 250, 500], ["$0", "$250", "$500"]),
    ],
)
def test_usd_ticks_share_one_unit_and_decimals(values: list[float], expected: list[str]) -> None:
    assert format_usd_ticks(values) == expected


def test_price_ticks_use_the_decimals_of_the_step() -> None:
    assert format_price_ticks([1800.0, 1850.0, 1900.0]) == ["1,800", "1,850", "1,900"]
    assert format_price_ticks([0.25, 0.5, 0.75]) == ["0.25", "0.50", "0.75"]
    assert format_price_ticks([60_000.0, 62_500.0]) == ["60,000", "62,500"]


def test_numbers_in_messages_are_never_repr() -> None:
    assert format_number(8e8) == "800,000,000"
    assert format_number(1.2e9) == "1,200,000,000"
    assert format_number(2 / 3) == "0.6667"
    assert format_number(0.1) == "0.1"
    assert "e+" not in format_number(123456.789)


def test_store_kinds_for_people() -> None:
    assert format_kind("candles:60000") == "1m candles"
    assert format_kind("candles:3600000") == "1h candles"
    assert format_kind("oi") == "oi"
    assert format_kind("liquidations") == "liquidations"


def test_usd_text_unchanged() -> None:
    assert format_usd(999_960) == "$1.0M"
    assert format_usd(-3e6) == "-$3.0M"


def test_display_time_zone() -> None:
    ts = 1_770_292_800_000  # 2026-02-05 12:00 UTC
    assert format_time(ts) == "2026-02-05 12:00 UTC"
    assert format_time(ts, parse_tz("Europe/Berlin")) == "2026-02-05 13:00 CET"
    assert format_time(ts, parse_tz("+05:30")) == "2026-02-05 17:30 UTC+05:30"
    assert format_time(ts, parse_tz("-5")) == "2026-02-05 07:00 UTC-05:00"
    assert parse_tz(None) is UTC
    with pytest.raises(ValueError, match="Europe/Berlin"):
        parse_tz("Mars/Olympus")


def test_cli_tz_option_shows_local_times_and_json_stays_utc(
    capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    """Issue 14 item 13: --tz for text and charts; data (JSON) stays UTC."""
    import json

    from liqmap.cli.app import main
    from liqmap.core.formatting import display_tz

    assert main(["--tz", "Asia/Tokyo", "levels", "BTCUSDT", "--source", "demo"]) == 0
    text = capsys.readouterr().out
    assert "09:00 JST" in text
    assert display_tz() is UTC  # the option holds for one invocation
    assert main(["--tz", "Asia/Tokyo", "levels", "BTCUSDT", "--source", "demo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["as_of"].endswith("Z")
    assert main(["--tz", "Nowhere/City", "levels", "BTCUSDT", "--source", "demo"]) == 2


def test_charts_follow_the_display_zone() -> None:
    from liqmap import api
    from liqmap.core.formatting import display_zone
    from liqmap.render import heatmap_figure
    from liqmap.render.formatting import map_title

    d = api.load_market("BTCUSDT", "demo", demo_days=2)
    m = api.estimate_map(d, window="24h")
    h = api.estimate_heatmap(d, window="12h", columns=20, bins=60)
    with display_zone(parse_tz("Europe/Berlin")):
        assert map_title(m).endswith("01:00 CET")
        fig = heatmap_figure(h)
        assert fig.layout.xaxis.title.text == "Time (CET)"
        assert " CET</b>" in fig.data[0].hovertemplate
    assert map_title(m).endswith("00:00 UTC")

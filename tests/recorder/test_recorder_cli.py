"""``liqmap record`` options: bad input exits with 2 and says what to do (no network)."""

from __future__ import annotations

import pytest
from rich.console import Console

from liqmap.cli.app import main
from liqmap.cli.record import parse_contract_values
from liqmap.domain.enums import Venue
from liqmap.errors import ParameterError
from liqmap.recorder import (
    FlushPolicy,
    GapRecord,
    RecorderReport,
    VenueStats,
    parse_seconds,
    parse_symbols,
    parse_venues,
)
from liqmap.recorder.status import print_final


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-e", "hyperliquid"], "no public liquidation stream"),
        (["-e", "binance-coinm"], "linear"),
        (["-e", "kraken"], "unknown exchange"),
        (["-s", "BTCUSD"], "not a linear USDT/USDC perpetual"),
        (["-e", "okx", "-s", "XRPUSDT"], "--okx-contract-value XRP-USDT-SWAP="),
        (["--flush-every", "soon"], "--flush-every"),
        (["--flush-every", "0"], "row count must be"),
        (["--duration", "-1m"], "--duration"),
        (["--okx-contract-value", "XRP-USDT-SWAP"], "INSTID=CTVAL"),
    ],
)
def test_bad_options_exit_2_with_the_fix(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["record", *argv]) == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_record_is_registered() -> None:
    assert main(["record", "--help"]) == 0


def test_option_parsers() -> None:
    assert parse_venues("binance, OKX,binance") == parse_venues(["binance", "okx"])
    assert parse_symbols("btc-usdt,ETHUSDT,BTCUSDT,sol_usdc") == ("BTCUSDT", "ETHUSDT", "SOLUSDC")
    assert FlushPolicy.parse("500ms") == FlushPolicy(interval_s=0.5)
    assert FlushPolicy.parse("250") == FlushPolicy(interval_s=None, max_rows=250)
    assert FlushPolicy.parse("2m").describe() == "every 120s"
    assert parse_seconds("1.5h", name="--duration") == 5400.0
    assert parse_contract_values(["xrp-usdt-swap=100"]) == {"XRP-USDT-SWAP": 100.0}
    with pytest.raises(ParameterError):
        FlushPolicy(interval_s=None, max_rows=None)


def test_final_report_lists_gaps_malformed_and_failures() -> None:
    now = 1_790_000_000_000
    ok = VenueStats(Venue.BYBIT, state="stopped", events=3, first_subscribed_ms=now - 9000)
    ok.gaps.append(GapRecord(now - 5000, now - 4000, "server closed the connection (code 1011)"))
    ok.malformed_samples.append("{oops")
    ok.last_event_ms = now - 3 * 86_400_000
    dead = VenueStats(Venue.OKX, state="refused: HTTP 451 at connect", last_error="HTTP 451")
    report = RecorderReport(
        now - 10_000, now, "store", (ok.to_dict(now), dead.to_dict(now)), 3, 2, 1, "disk full", True
    )
    console = Console(record=True, width=120)
    print_final(console, report)
    text = console.export_text()
    assert "bybit: gap" in text and "code 1011" in text and "{oops" in text and "3d" in text
    assert "okx: recorded nothing: HTTP 451" in text
    assert "2 rows could not be written: disk full" in text and not report.ok


def test_public_surface() -> None:
    import liqmap.recorder as rec

    assert [n for n in rec.__all__ if not hasattr(rec, n)] == []
    assert len(set(rec.__all__)) == len(rec.__all__)

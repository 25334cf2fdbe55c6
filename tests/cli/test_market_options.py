"""``liqmap.cli.market_options``: the shared options of map/heatmap/levels/cascade/plan, once."""

from __future__ import annotations

import dataclasses
import inspect

import pytest
import typer
from typer.testing import CliRunner

from liqmap.cli import market_options as mo
from liqmap.cli.app import build_app
from liqmap.cli.market_options import MarketOptions, market_options
from liqmap.cli.options import SymbolArg

SHARED = [f.name for f in dataclasses.fields(MarketOptions)]


def test_every_field_has_one_typer_option() -> None:
    assert set(mo._ALIASES) == set(SHARED)


def test_the_command_gets_the_options_gathered() -> None:
    seen: list[tuple[str, MarketOptions, bool]] = []

    @market_options(omit=("mark",))
    def cmd(symbol: SymbolArg, market: MarketOptions, as_json: bool = False) -> None:
        seen.append((symbol, market, as_json))

    names = list(inspect.signature(cmd).parameters)
    assert names == ["symbol", *[n for n in SHARED if n != "mark"], "as_json"]
    demo = typer.Typer()
    demo.command()(cmd)
    result = CliRunner().invoke(
        demo, ["ETHUSDT", "--source", "demo", "--bins", "50", "--range", "9"]
    )
    assert result.exit_code == 0, result.output
    symbol, market, as_json = seen[0]
    assert symbol == "ETHUSDT" and not as_json
    assert market == MarketOptions(source="demo", bins=50, range_pct=9.0)
    assert "--mark" not in CliRunner().invoke(demo, ["--help"]).output


def test_misuse_is_refused_when_the_command_is_declared() -> None:
    with pytest.raises(ValueError, match="no such option"):
        market_options(omit=("nope",))

    def no_slot(symbol: str) -> None: ...

    with pytest.raises(TypeError, match="one parameter annotated MarketOptions"):
        market_options()(no_slot)


@pytest.mark.parametrize(
    ("command", "absent"),
    [("map", ()), ("heatmap", ("--range",)), ("levels", ("--mark",)), ("cascade", ("--mark",)),
     ("plan", ("--mark",))],
)  # fmt: skip
def test_the_five_commands_show_the_shared_options(command: str, absent: tuple[str, ...]) -> None:
    out = CliRunner().invoke(build_app(), [command, "--help"], env={"COLUMNS": "200"}).output
    for flag in ("--source", "--oi", "--flow", "--liquidations", "--window", "--at", "--bins",
                 "--exchange", "--offline", "--leverage", "--brackets", "--params"):  # fmt: skip
        assert flag in out, (command, flag)
    for flag in absent:
        assert flag not in out, (command, flag)

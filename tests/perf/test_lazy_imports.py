"""Whole-process start-up: ``liqmap --help`` and ``import liqmap`` load none of the heavy libraries,
the lazy public names equal ``__all__``, and the lazy help screen equals the eager one."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import pytest
import typer

import liqmap
from liqmap.cli import app as cli_app

HEAVY = ("numpy", "numba", "polars", "duckdb", "httpx", "fastapi", "scipy", "matplotlib", "plotly")


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, env=env
    )  # fmt: skip
    loaded: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


def test_help_imports_no_heavy_library() -> None:
    assert _loaded_after("from liqmap.cli.app import main; main(['--help'])") == []


def test_help_imports_neither_markdown_nor_tracebacks() -> None:
    """typer's help module loads with stand-ins for the two modules it imports but does not use."""
    code = (
        "from liqmap.cli.app import main; main(['--help'])\n"
        "import sys; assert not {'rich.markdown', 'markdown_it', 'rich.traceback', 'pygments'}"
        " & set(sys.modules), sorted(sys.modules)"
    )
    assert _loaded_after(code) == []


def test_the_stand_ins_become_the_real_classes() -> None:
    from liqmap.cli import console

    rich_utils = console.typer_rich_utils()
    md = rich_utils.Markdown("# title")
    import rich.markdown
    import rich.traceback

    assert type(md) is rich.markdown.Markdown and isinstance(md, rich_utils.Markdown)
    tb = rich_utils.Traceback.from_exception(ValueError, ValueError("x"), None)
    assert type(tb) is rich.traceback.Traceback


def test_a_command_does_not_load_typers_help_module() -> None:
    """typer's help/error module loads only when help or a usage error is drawn, and then with
    the stand-ins and the fixed width of a non-terminal stdout."""
    code = (
        "import sys\nfrom liqmap.cli.app import main\n"
        "main(['liqprice', '--exchange', 'binance', '--side', 'long', '--entry', '60000',"
        " '--leverage', '10', '--notional', '10000'])\n"
        "assert 'typer.rich_utils' not in sys.modules\n"
        "assert main(['liqprice', '--bogus']) == 2\n"
        "ru = sys.modules['typer.rich_utils']\n"
        "assert ru.MAX_WIDTH == 200 and 'rich.markdown' not in sys.modules, ru.MAX_WIDTH\n"
        "assert main(['liqprice', '--bogus']) == 2"
    )
    assert _loaded_after(code) == []


def test_liqprice_imports_no_numpy_and_no_asyncio() -> None:
    code = (
        "from liqmap.cli.app import main\n"
        "main(['liqprice', '--exchange', 'binance', '--side', 'long', '--entry', '60000',"
        " '--leverage', '10', '--notional', '10000'])\n"
        "import sys; assert 'asyncio' not in sys.modules"
    )
    assert _loaded_after(code) == []


def test_import_liqmap_is_light() -> None:
    assert _loaded_after("import liqmap") == []


def test_a_command_help_loads_only_its_module() -> None:
    loaded = _loaded_after("from liqmap.cli.app import main; main(['heatmap', '--help'])")
    assert not {"numba", "polars", "duckdb", "httpx", "fastapi"} & set(loaded)


def test_lazy_names_are_exactly_all() -> None:
    assert set(liqmap._WHERE) == set(liqmap.__all__) - {"__version__"}
    for name in liqmap.__all__:
        assert getattr(liqmap, name) is not None
    assert set(liqmap.__all__) <= set(dir(liqmap))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = liqmap.nope  # type: ignore[attr-defined]


def test_lazy_names_are_the_modules_objects() -> None:
    for module, names in liqmap._LAZY.items():
        mod = importlib.import_module(module)
        assert all(getattr(liqmap, n) is getattr(mod, n) for n in names)


def test_command_table_matches_the_modules() -> None:
    table = {name: (module, text) for name, module, text in cli_app.COMMANDS}
    for module in cli_app.COMMAND_MODULES:
        for name, cmd in cli_app.load_commands(module).items():
            assert table[name][0] == module
            assert (cmd.help or "").split("\n\n")[0].strip() == table[name][1]
    registered = {n for m in cli_app.COMMAND_MODULES for n in cli_app.load_commands(m)}
    assert registered == set(table)


def _eager_help() -> str:
    app = typer.Typer(
        name="liqmap", help=cli_app._HELP, no_args_is_help=True, add_completion=False,
        pretty_exceptions_enable=False,
    )  # fmt: skip
    app.callback()(cli_app._root)  # the same group options (--tz) as the lazy app
    for module in cli_app.COMMAND_MODULES:
        importlib.import_module(f"liqmap.cli.{module}").register(app)
    from typer.testing import CliRunner

    return CliRunner().invoke(app, ["--help"], prog_name="liqmap").output


def test_lazy_help_equals_the_eager_help() -> None:
    from typer.testing import CliRunner

    lazy = CliRunner().invoke(cli_app.build_app(), ["--help"], prog_name="liqmap").output
    assert lazy == _eager_help()
    assert "heatmap" in lazy and "alerts" in lazy


def test_typo_suggests_any_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_app.main(["heatmpa"]) == 2
    assert "Did you mean 'heatmap'?" in capsys.readouterr().err


def test_defaults_copied_from_the_core_stay_equal() -> None:
    from liqmap.cli import maps, options
    from liqmap.core import maps as core_maps

    assert options.DEFAULT_BINS == core_maps.DEFAULT_BINS
    assert maps.DEFAULT_COLUMNS == core_maps.DEFAULT_COLUMNS


def test_console_script_exits_with_the_code_and_full_output() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "liqmap", "liqprice", "--exchange", "binance", "--side", "long",
         "--entry", "60000", "--leverage", "10", "--notional", "1000", "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["liquidation_price"] > 0
    bad = subprocess.run(
        [sys.executable, "-m", "liqmap", "liqprice", "--entry", "-1"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and bad.stderr

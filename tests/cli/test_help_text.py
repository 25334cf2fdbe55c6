"""Help text as a user reads it (issue 14 item 9): no ``<bool>`` on flags, ``SYMBOL`` (not
``{symbol}``) in usage lines, no cut-off summaries, no 16-digit defaults."""

from __future__ import annotations

import re

import pytest

from liqmap.cli.app import COMMAND_MODULES, COMMANDS, main


def _commands() -> list[list[str]]:
    """Every command and subcommand, from the lazy app's table (each module's registration)."""
    from liqmap.cli.app import load_commands

    out: list[list[str]] = []
    for module in COMMAND_MODULES:
        for name, cmd in load_commands(module).items():
            out.append([name])
            out.extend([name, sub] for sub in getattr(cmd, "commands", {}))
    return out


def test_every_command_is_listed() -> None:
    names = {argv[0] for argv in _commands()}
    assert names == {name for name, _, _ in COMMANDS}
    assert len(_commands()) > len(COMMANDS), "subcommands (store, alerts, tiers) are listed too"


@pytest.mark.parametrize("argv", _commands(), ids=" ".join)
def test_help_reads_cleanly(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--help"]) == 0
    text = capsys.readouterr().out
    assert "<bool>" not in text
    usage = next(line for line in text.splitlines() if "Usage:" in line)
    assert not re.search(r"\{[a-z_]+\}", usage), "usage shows {name} instead of NAME"
    # elsewhere braces may only stand in a documented path template such as data/{symbol}-5m.csv
    for hit in re.finditer(r"\{[a-z_]+\}", text):
        assert "template" in text[max(0, hit.start() - 60) : hit.start()], text
    flat = re.sub(r"[\s│]+", "", text)
    assert not re.search(r"\d\.\d{6,}", flat), "a default printed with Python's full repr"


def test_summaries_are_whole(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    listing = capsys.readouterr().out
    for name, _, summary in COMMANDS:
        assert not summary.endswith("..."), (name, summary)
        assert name in listing
    for argv in _commands():
        assert main([*argv, "--help"]) == 0
        text = capsys.readouterr().out
        head = [x for x in text.split("Options")[0].splitlines() if "Usage:" not in x]
        assert not any(x.rstrip().endswith("...") for x in head), (argv, text)

"""``console.line`` writes what rich would print on a stream without colour, without rich."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.errors import MarkupError
from rich.markup import escape as rich_escape

from liqmap.cli import console

PIECES = st.sampled_from(
    ["[bold]", "[/]", "[/bold]", "[dim]", "[bold red]", "[link=http://x]", "[/link]", "\\", "\\\\",
     "[", "]", "\\[bold]", "[1,2]", " ", "a", "é", "→", "\t", "\x1f", "\r", "\x07", ":", "x:y", "[#f00]"]
)  # fmt: skip


def _rich(markup: str) -> str:
    buf = io.StringIO()
    Console(file=buf, highlight=False, soft_wrap=True, width=200).print(markup)
    return buf.getvalue()


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES | st.text(max_size=4), max_size=12).map("".join))
def test_plain_equals_rich_without_colour(markup: str) -> None:
    try:
        expected = _rich(markup)
    except MarkupError:  # unbalanced tags: rich refuses them, liqmap never prints such markup
        return
    if console._EMOJI.search(markup) or "\t" in markup:  # such lines go through rich itself
        return
    assert console.plain(markup) + "\n" == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES | st.text(max_size=4), max_size=10).map("".join))
def test_escape_equals_richs(text: str) -> None:
    assert console.escape(text) == rich_escape(text)


def test_a_line_command_does_not_import_rich(tmp_path: object) -> None:
    code = (
        "import sys\nfrom liqmap.cli import console\n"
        "console.line('[bold]BTC[/] \\\\[x] done')\nconsole.line('[bold red]e:[/] x', stderr=True)\n"
        "assert 'rich' not in sys.modules, sorted(m for m in sys.modules if 'rich' in m)"
    )
    env = {k: v for k, v in os.environ.items() if k not in console._STYLE_ENV}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )  # fmt: skip
    assert out.stdout == "BTC [x] done\n" and out.stderr == "e: x\n"


@pytest.mark.parametrize("var", ["FORCE_COLOR"])
def test_forced_colour_goes_through_rich(var: str, monkeypatch: pytest.MonkeyPatch) -> None:
    buf = io.StringIO()
    monkeypatch.setenv(var, "1")
    monkeypatch.setattr(sys, "stdout", buf)
    console.reset()
    try:
        console.line("[bold]x[/]")
    finally:
        console.reset()
    assert "\x1b[" in buf.getvalue()  # rich styled it

"""Styles are data; looked up by name."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest

from liqmap.errors import ParameterError
from liqmap.render.style import DARK, LIGHT, STYLES, Style, get_style, tier_colors

HEX = re.compile(r"^#[0-9a-f]{6}$")


def test_get_style() -> None:
    assert get_style("dark") is DARK
    assert get_style("LIGHT") is LIGHT
    with pytest.raises(ParameterError, match="known styles: dark, light"):
        get_style("neon")


@pytest.mark.parametrize("style", list(STYLES.values()))
def test_colours_are_hex(style: Style) -> None:
    for f in fields(Style):
        value = getattr(style, f.name)
        if f.name.endswith("color") or f.name in ("background", "panel", "grid", "text", "muted"):
            assert HEX.match(value), (f.name, value)
    assert all(HEX.match(c) for c in style.tier_colors)


def test_tier_colors_cycle() -> None:
    colors = tier_colors(DARK, len(DARK.tier_colors) + 2)
    assert colors[: len(DARK.tier_colors)] == list(DARK.tier_colors)
    assert colors[-1] == DARK.tier_colors[1]

"""Chart styles as data: colours, fonts and heatmap colouring, shared by the PNG and HTML renderers.

A :class:`Style` is a frozen record; :data:`DARK` (the default, a trading-UI dark theme) and
:data:`LIGHT` are provided, :func:`get_style` looks one up by name, and ``dataclasses.replace``
makes variants (``replace(DARK, heatmap_cmap="inferno")``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from liqmap.errors import ParameterError

__all__ = ["DARK", "LIGHT", "STYLES", "Style", "get_style", "tier_colors"]


@dataclass(frozen=True, slots=True)
class Style:
    """Colours (hex ``#rrggbb``), fonts and heatmap colouring of every chart.

    Attributes
    ----------
    tier_colors
        One colour per leverage tier, lowest leverage first; cycled when there are more tiers.
    long_color, short_color
        Accents of the two sides: cumulative curves, side labels, background tint, event markers.
    heatmap_cmap
        A perceptual colormap known to both matplotlib and plotly (viridis, inferno, magma, ...).
    heatmap_norm, heatmap_gamma, heatmap_clip_quantile
        USD -> colour: ``"power"`` maps ``(usd / vmax) ** gamma``, ``"log"`` spans three decades
        below ``vmax``; ``vmax`` is this quantile of the non-zero cells (outliers saturate).
    """

    name: str
    dark: bool
    background: str
    panel: str
    grid: str
    text: str
    muted: str
    price_line: str
    tier_colors: tuple[str, ...]
    long_color: str
    short_color: str
    path_color: str
    candle_up: str
    candle_down: str
    caveat_color: str = "#f3b23f"
    font_family: str = "DejaVu Sans"
    web_font_family: str = "Inter, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
    title_size: float = 17.0
    subtitle_size: float = 10.5
    label_size: float = 10.5
    tick_size: float = 9.5
    annotation_size: float = 8.5
    side_tint_alpha: float = 0.045
    heatmap_cmap: str = "viridis"
    heatmap_norm: Literal["power", "log"] = "power"
    heatmap_gamma: float = 0.5
    heatmap_clip_quantile: float = 0.995


DARK = Style(
    name="dark",
    dark=True,
    background="#0b0e14",
    panel="#11151f",
    grid="#222a3a",
    text="#d6dae3",
    muted="#8a93a8",
    price_line="#f4f6fa",
    tier_colors=("#3d7bf7", "#22b8d8", "#9a6cf2", "#f3b23f", "#ea5fc9", "#b9d84b", "#f07f3a"),
    long_color="#ff4d5e",
    short_color="#27d98e",
    path_color="#f4f6fa",
    candle_up="#27d98e",
    candle_down="#ff4d5e",
)

LIGHT = Style(
    name="light",
    dark=False,
    background="#ffffff",
    panel="#ffffff",
    grid="#e6e9ef",
    text="#1c2230",
    muted="#5f6778",
    price_line="#1c2230",
    tier_colors=("#2f6bea", "#129cbc", "#7b4fe0", "#e09a1a", "#d5409f", "#8fae1c", "#e0621c"),
    long_color="#e0283c",
    short_color="#10a86b",
    path_color="#ffffff",
    candle_up="#10a86b",
    candle_down="#e0283c",
    caveat_color="#a15c00",
    side_tint_alpha=0.05,
)

STYLES: dict[str, Style] = {s.name: s for s in (DARK, LIGHT)}


def get_style(name: str) -> Style:
    """The built-in style called ``name`` (``"dark"`` or ``"light"``)."""
    try:
        return STYLES[name.lower()]
    except KeyError:
        known = ", ".join(sorted(STYLES))
        raise ParameterError(f"unknown style {name!r}; known styles: {known}") from None


def tier_colors(style: Style, n: int) -> list[str]:
    """``n`` tier colours from ``style``, cycling its palette when there are more tiers."""
    pal = style.tier_colors
    return [pal[i % len(pal)] for i in range(n)]

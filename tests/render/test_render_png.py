"""PNG renderers: valid files of the requested size, not blank, fast, atomic, no global state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from liqmap.core.results import LiquidationHeatmap, LiquidationMap
from liqmap.render import (
    DARK,
    LIGHT,
    heatmap_matplotlib,
    map_matplotlib,
    render_heatmap_png,
    render_map_png,
)

PngCheck = Callable[..., None]
HeatmapFactory = Callable[..., LiquidationHeatmap]


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text)]


def test_map_png(tmp_path: Path, liq_map: LiquidationMap, png_ok: PngCheck) -> None:
    out = render_map_png(liq_map, tmp_path / "map.png")
    assert out == tmp_path / "map.png"
    png_ok(out)


@pytest.mark.parametrize("size", [(1200, 675), (2400, 1350), (1000, 1000)])
def test_map_png_sizes(
    tmp_path: Path, liq_map: LiquidationMap, png_ok: PngCheck, size: tuple[int, int]
) -> None:
    out = render_map_png(liq_map, tmp_path / "m.png", width_px=size[0], height_px=size[1])
    png_ok(out, size)


def test_map_png_light_without_clusters(
    tmp_path: Path, liq_map: LiquidationMap, png_ok: PngCheck
) -> None:
    out = render_map_png(liq_map, tmp_path / "sub" / "light.png", style=LIGHT, clusters=False)
    png_ok(out)  # missing folders are created
    assert not any("$" in t and "\n" in t for t in _texts(map_matplotlib(liq_map, clusters=False)))


def test_map_png_wide_bins_drawn_as_bars(
    tmp_path: Path, map_factory: Callable[..., LiquidationMap], png_ok: PngCheck
) -> None:
    png_ok(render_map_png(map_factory(n_bins=120), tmp_path / "wide.png"))


def test_zero_map_png(tmp_path: Path, zero_map: LiquidationMap, png_ok: PngCheck) -> None:
    with np.errstate(all="raise"):  # no divide-by-zero or invalid values anywhere
        fig = map_matplotlib(zero_map)
    assert any("No estimated liquidation levels" in t for t in _texts(fig))
    png_ok(render_map_png(zero_map, tmp_path / "zero.png"))


def test_map_figure_shades_the_80pct_band(liq_map: LiquidationMap) -> None:
    import dataclasses

    lt, st = liq_map.long_total, liq_map.short_total
    banded = dataclasses.replace(liq_map, band_usd=np.vstack([lt / 2, lt * 2, st / 2, st * 2]))
    labels = [c.get_label() for c in map_matplotlib(banded).axes[0].collections]
    assert "80% band" in labels
    assert "80% band" not in [c.get_label() for c in map_matplotlib(liq_map).axes[0].collections]


def test_map_figure_contents(liq_map: LiquidationMap) -> None:
    texts = " ".join(_texts(map_matplotlib(liq_map)))
    tiers = [f"{lev:g}x" for lev in liq_map.leverages]  # the leverage cells of the law
    for label in (*tiers, "Current price", "BTCUSDT", "coverage"):
        assert label in texts
    assert "Cumulative longs" in texts and "Cumulative shorts" in texts
    for c in sorted(liq_map.clusters, key=lambda c: c.rank)[:2]:
        assert f"{c.price:,.0f}" in texts  # the top clusters carry their price


def test_dollar_signs_are_not_mathtext(zero_map: LiquidationMap) -> None:
    """'Longs $0 · Shorts $0' has two '$': it must print as written, not as math."""
    fig = map_matplotlib(zero_map)
    fig.canvas.draw()
    subtitle = next(t for t in fig.findobj(Text) if t.get_text().startswith("Longs $0"))
    assert subtitle.get_parse_math() is False


def test_heatmap_png(tmp_path: Path, heatmap: LiquidationHeatmap, png_ok: PngCheck) -> None:
    png_ok(render_heatmap_png(heatmap, tmp_path / "heat.png"))


@pytest.mark.parametrize("mode", ["line", "candles"])
def test_heatmap_png_path_modes(
    tmp_path: Path, heatmap: LiquidationHeatmap, png_ok: PngCheck, mode: Any
) -> None:
    labels = _texts(heatmap_matplotlib(heatmap, price_path=mode))
    assert ("Price (candles)" in labels) == (mode == "candles")
    assert ("Price (close)" in labels) == (mode == "line")
    png_ok(render_heatmap_png(heatmap, tmp_path / f"{mode}.png", price_path=mode))


def test_heatmap_png_events_in_legend(heatmap: LiquidationHeatmap) -> None:
    labels = _texts(heatmap_matplotlib(heatmap))
    assert "Long liquidations (observed)" in labels
    assert "Short liquidations (observed)" in labels
    assert "Long liquidations (observed)" not in _texts(heatmap_matplotlib(heatmap, events=False))


def test_heatmap_png_light_log_no_events(
    tmp_path: Path, heatmap_no_events: LiquidationHeatmap, png_ok: PngCheck
) -> None:
    style = replace(LIGHT, heatmap_norm="log", heatmap_cmap="inferno")
    png_ok(render_heatmap_png(heatmap_no_events, tmp_path / "h.png", style=style))
    assert "Long liquidations (observed)" not in _texts(heatmap_matplotlib(heatmap_no_events))


def test_zero_heatmap_png(
    tmp_path: Path, heatmap_factory: HeatmapFactory, png_ok: PngCheck
) -> None:
    h = heatmap_factory(n_times=20, n_bins=50, events=False)
    zero = replace(h, long_usd=np.zeros_like(h.long_usd), short_usd=np.zeros_like(h.short_usd))
    with np.errstate(all="raise"):
        heatmap_matplotlib(zero)
        heatmap_matplotlib(zero, style=replace(DARK, heatmap_norm="log"))
    png_ok(render_heatmap_png(zero, tmp_path / "zero.png"))


def test_too_small_image_is_refused(tmp_path: Path, liq_map: LiquidationMap) -> None:
    with pytest.raises(ValueError, match="too small"):
        render_map_png(liq_map, tmp_path / "x.png", width_px=50, height_px=50)
    assert not list(tmp_path.iterdir())


def test_no_pyplot_or_rc_changes(
    tmp_path: Path, liq_map: LiquidationMap, heatmap_factory: HeatmapFactory
) -> None:
    backend = matplotlib.get_backend()
    rc = dict(matplotlib.rcParams)
    render_map_png(liq_map, tmp_path / "a.png")
    render_heatmap_png(heatmap_factory(n_times=30, n_bins=60), tmp_path / "b.png")
    assert matplotlib.get_backend() == backend
    assert dict(matplotlib.rcParams) == rc


def test_failed_write_leaves_target_and_no_temp_file(
    tmp_path: Path, liq_map: LiquidationMap, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "map.png"
    target.write_bytes(b"old picture")

    def broken_savefig(self: Figure, fname: Any, **kwargs: Any) -> None:
        fname.write(b"\x89PNG half a picture")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        render_map_png(liq_map, target)
    assert target.read_bytes() == b"old picture"
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]


@pytest.mark.parametrize(("price", "arrow"), [(70_000.0, "▶"), (50_000.0, "◀")])
def test_price_off_chart_is_pinned_to_the_edge(
    tmp_path: Path, liq_map: LiquidationMap, png_ok: PngCheck, price: float, arrow: str
) -> None:
    moved = replace(liq_map, price=price)
    tag = next(t for t in _texts(map_matplotlib(moved)) if t.startswith(("Current price", "◀")))
    assert arrow in tag and "Current price" in tag
    png_ok(render_map_png(moved, tmp_path / "off.png"))

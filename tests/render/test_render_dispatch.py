"""``render(result, path)`` and the public surface of ``liqmap.render``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import liqmap.render as render_pkg
from liqmap.core.results import LiquidationHeatmap, LiquidationMap
from liqmap.errors import ParameterError
from liqmap.render import render


@pytest.mark.parametrize("name", ["map.png", "map.PNG", "map.html", "map.htm"])
def test_render_map_by_suffix(
    tmp_path: Path, liq_map: LiquidationMap, png_ok: Callable[..., None], name: str
) -> None:
    out = render(liq_map, tmp_path / name)
    assert out == tmp_path / name
    if name.lower().endswith(".png"):
        png_ok(out)
    else:
        assert out.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>")


@pytest.mark.parametrize("name", ["heat.png", "heat.html"])
def test_render_heatmap_by_suffix(tmp_path: Path, heatmap: LiquidationHeatmap, name: str) -> None:
    out = render(heatmap, str(tmp_path / name))
    assert out.stat().st_size > 10_000


@pytest.mark.parametrize("name", ["map.jpg", "map", "map.svg"])
def test_unknown_suffix(tmp_path: Path, liq_map: LiquidationMap, name: str) -> None:
    with pytest.raises(ParameterError, match=r"\.png .*\.html"):
        render(liq_map, tmp_path / name)
    assert not list(tmp_path.iterdir())


def test_unknown_result_type(tmp_path: Path) -> None:
    bogus: Any = {"bins": []}
    with pytest.raises(TypeError, match="LiquidationMap or a LiquidationHeatmap"):
        render(bogus, tmp_path / "x.png")


def test_public_surface() -> None:
    assert sorted(render_pkg.__all__) == render_pkg.__all__
    for name in render_pkg.__all__:
        assert hasattr(render_pkg, name), name
    for name in ("render_map_png", "render_heatmap_png", "render_map_html",
                 "render_heatmap_html", "map_figure", "heatmap_figure", "render"):  # fmt: skip
        assert name in render_pkg.__all__

"""Optional parts: a missing extra is a clear error naming the pip command (simulated by blocking
the module's import)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import liqmap
from liqmap.cli.app import main
from liqmap.errors import MissingExtraError
from liqmap.extras import EXTRAS, missing, require


def test_everything_is_installed_here() -> None:
    assert all(missing(extra) == () for extra in EXTRAS)


@pytest.mark.parametrize(("extra", "module"), [("web", "fastapi"), ("calibrate", "scipy"),
                                               ("charts", "matplotlib")])  # fmt: skip
def test_missing_extra_names_the_install_command(
    extra: str, module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(MissingExtraError, match=rf"pip install 'liqmap\[{extra}\]'") as ei:
        require(extra, "this feature")  # type: ignore[arg-type]
    assert module in str(ei.value)


def test_serve_without_web_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert main(["serve", "--source", "demo", "--no-store"]) == 1
    err = capsys.readouterr().err
    assert "liqmap serve needs uvicorn" in err and "pip install 'liqmap[web]'" in err


def test_png_without_charts_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = liqmap.load_market("BTCUSDT", "demo", demo_days=1.0)
    m = liqmap.estimate_map(data, window="12h")
    monkeypatch.setitem(sys.modules, "plotly", None)
    with pytest.raises(MissingExtraError, match=r"writing map\.html needs plotly"):
        liqmap.plot(m, tmp_path / "map.html")
    assert not (tmp_path / "map.html").exists()

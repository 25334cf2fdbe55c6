"""The public surface: ``liqmap.__all__`` and the README's Python example, run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import liqmap

README = Path(__file__).resolve().parents[1] / "README.md"


def test_all_names_exist_and_are_unique() -> None:
    missing = [name for name in liqmap.__all__ if not hasattr(liqmap, name)]
    assert missing == []
    assert len(set(liqmap.__all__)) == len(liqmap.__all__)


def test_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    block = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block is not None, "README has a Python example"
    code = block.group(1)
    assert len([ln for ln in code.splitlines() if ln.strip()]) <= 12
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    assert (tmp_path / "map.png").stat().st_size > 10_000
    assert "plotly" in (tmp_path / "heatmap.html").read_text(encoding="utf-8")[:500_000].lower()


def test_liquidation_price_convenience_matches_core() -> None:
    q = liqmap.liquidation_price("binance", "short", entry=60_000, leverage=20, notional=100_000)
    # Binance bracket 1: (WB + q*E) / (q*MMR + q) with WB = N/L, q = N/E
    n, e = 100_000.0, 60_000.0
    qty = n / e
    expected = (n / 20 + qty * e) / (qty * 0.004 + qty)
    assert q.liquidation_price == pytest.approx(expected, rel=1e-12)

"""Charts say which margin table a map used (issue 11): the subtitle's ``tiers:`` part, loud for
the fallback."""

from __future__ import annotations

import warnings
from pathlib import Path

from liqmap import api
from liqmap.render.formatting import map_subtitle, tiers_text


def test_subtitle_names_the_snapshot_and_shouts_the_fallback(tmp_path: Path) -> None:
    md = api.load_market("BTCUSDT", "demo", demo_days=2, seed=1)
    m = api.estimate_map(md, window="24h", bins=60)
    assert "tiers: binance snapshot 20" in map_subtitle(m)  # the snapshot in force then
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # maps label the fallback instead of warning
        okx = api.estimate_map(md, window="24h", bins=60, exchange="okx")
    assert "FALLBACK tiers for okx" in map_subtitle(okx)
    assert okx.notes[0].startswith("margin table: BTCUSDT okx (FALLBACK ")
    assert tiers_text(("unrelated note",)) == ""
    assert api.plot(okx, tmp_path / "m.html").stat().st_size > 0
    assert "FALLBACK tiers for okx" in (tmp_path / "m.html").read_text(encoding="utf-8")

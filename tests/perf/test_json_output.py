"""Fast, bounded JSON: the compiled matrix writer equals ``json.dumps``, a heatmap's price path is
one bar per column unless asked for every bar, and result arrays are read-only views when safe."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import liqmap
from liqmap.cli.app import main
from liqmap.core.columns import bars_at_columns
from liqmap.core.jsonnum import usd_rows_json
from liqmap.core.results import LiquidationMap, PricePath, _ro, tier_label
from liqmap.io.export import to_json


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (4, 0)])
def test_matrix_writer_at_its_widest_numbers(shape: tuple[int, int]) -> None:
    """Every number at the 20 characters of ``-9200000000000000000`` (the clip): the one-pass
    buffer's bound is exact, and larger magnitudes are clipped, not wrapped."""
    a = np.full(shape, -1e30)
    want = "[" + ",".join("[" + ",".join(["-9200000000000000000"] * shape[1]) + "]" for _ in range(shape[0])) + "]"  # fmt: skip
    assert usd_rows_json(a).decode() == want
    assert usd_rows_json(-a).decode() == want.replace("-", "")


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (7, 1), (1, 9), (0, 4), (3, 0), (40, 300)])
def test_matrix_writer_equals_json_dumps(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape))
    a = rng.standard_normal(shape) * 10.0 ** rng.integers(0, 17, shape)
    a[rng.random(shape) < 0.5] = 0.0
    expected = json.dumps(np.rint(a).astype(np.int64).tolist(), separators=(",", ":"))
    assert usd_rows_json(a).decode() == expected


def test_matrix_writer_rounds_half_to_even_and_zeroes_non_finite() -> None:
    a = np.array([[0.5, 1.5, 2.5, -0.5, -1.5, 1e6 + 0.49, np.nan, np.inf, -np.inf]])
    assert usd_rows_json(a) == b"[[0,2,2,0,-2,1000000,0,0,0]]"
    with pytest.raises(ValueError, match="2-D"):
        usd_rows_json(np.zeros(3))


def test_bars_at_columns_merges_each_columns_bars() -> None:
    rng = np.random.default_rng(3)
    ts = np.arange(100, dtype=np.int64) * 60_000
    o, h, lo, c = (rng.random(100) for _ in range(4))
    cols = np.array([-5, 0, 59_000, 600_000, 600_000, 3_000_000, 9_000_000], np.int64)
    t, oo, hh, ll, cc = bars_at_columns(ts, (o, h, lo, c), cols)
    prev = None
    expected = []
    for col in cols:  # brute force: bars after the previous column up to this one
        sel = (ts <= col) if prev is None else ((ts > prev) & (ts <= col))
        prev = col
        if sel.any():
            idx = np.flatnonzero(sel)
            expected.append((col, o[idx[0]], h[idx].max(), lo[idx].min(), c[idx[-1]]))
    assert t.tolist() == [e[0] for e in expected]
    np.testing.assert_array_equal(oo, [e[1] for e in expected])
    np.testing.assert_array_equal(hh, [e[2] for e in expected])
    np.testing.assert_array_equal(ll, [e[3] for e in expected])
    np.testing.assert_array_equal(cc, [e[4] for e in expected])


def test_ro_views_read_only_inputs_and_copies_writable_ones() -> None:
    frozen = np.arange(5.0)
    frozen.setflags(write=False)
    view = frozen[1:]
    assert _ro(frozen) is frozen and _ro(view) is view
    writable = np.arange(5.0)
    out = _ro(writable)
    assert out is not writable and not out.flags.writeable
    writable[0] = 99.0
    assert out[0] == 0.0  # the copy does not follow the caller's later writes
    ro_of_writable = writable.view()
    ro_of_writable.setflags(write=False)
    assert _ro(ro_of_writable) is not ro_of_writable  # its base can still be written
    assert _ro([1.0, 2.0]).tolist() == [1.0, 2.0]


def test_price_path_of_candles_is_not_copied() -> None:
    data = liqmap.load_market("BTCUSDT", "demo", demo_days=2.0)
    pp = PricePath(data.candles.ts_ms, data.candles.open, data.candles.high, data.candles.low,
                   data.candles.close)  # fmt: skip
    assert np.shares_memory(pp.close, data.candles.close)


@pytest.fixture(scope="module")
def heatmap() -> liqmap.LiquidationHeatmap:
    data = liqmap.load_market("BTCUSDT", "demo", demo_days=2.0)
    return liqmap.estimate_heatmap(data, window="24h", bins=120, columns=48)


def test_heatmap_json_is_the_documented_layout_with_a_path_per_column(
    heatmap: liqmap.LiquidationHeatmap,
) -> None:
    d = json.loads(to_json(heatmap))
    plain = json.loads(json.dumps(heatmap.to_dict(price_path="columns"), allow_nan=False))
    assert d == plain
    assert len(d["price_path"]["close"]) <= len(d["ts_ms"]) == 48
    assert set(d["price_path"]["ts_ms"]) <= set(d["ts_ms"])
    assert all(isinstance(x, int) for row in d["long_usd"] for x in row)  # whole USD
    full = json.loads(to_json(heatmap, full_path=True))
    assert len(full["price_path"]["close"]) == len(heatmap.price_path.close) > 48
    assert max(full["price_path"]["high"]) == max(d["price_path"]["high"])


def test_heatmap_cli_json_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["heatmap", "BTCUSDT", "--source", "demo", "--window", "24h", "--bins", "60",
            "--columns", "24"]  # fmt: skip
    out = tmp_path / "h.json"
    assert main([*args, "--out", str(out)]) == 0
    assert main([*args, "--json", "--full-path"]) == 0
    printed = json.loads(capsys.readouterr().out.splitlines()[-1])
    written = json.loads(out.read_text(encoding="utf-8"))
    assert len(written["price_path"]["close"]) <= 24 < len(printed["price_path"]["close"])
    assert written["long_usd"] == printed["long_usd"]


def test_map_json_is_msgspec_encoded_and_finite(tmp_path: Path) -> None:
    data = liqmap.load_market("BTCUSDT", "demo", demo_days=2.0)
    m = liqmap.estimate_map(data, window="24h")
    assert json.loads(to_json(m)) == json.loads(json.dumps(m.to_dict(), allow_nan=False))


@pytest.mark.parametrize(
    "bad",
    [
        {"bins": [{"low": 1.0, "usd": 2.0}, {"low": 3.0, "usd": float("nan")}]},
        {"bins": [{"low": 1.0, "tiers": [1.0, float("inf")]}]},
        {"rows": [[1.0, 2.0], [float("-inf"), 0.0]]},
        {"x": {"y": [{"z": float("nan")}]}},
    ],
)
def test_a_non_finite_number_anywhere_is_refused(bad: dict[str, object]) -> None:
    from liqmap.io.export import _finite

    with pytest.raises(ValueError, match="non-finite"):
        _finite(bad)
    assert _finite({"bins": [{"low": 1e308, "usd": 1e308, "n": 3, "s": "a"}]})  # finite, huge


def _bins_one_by_one(m: LiquidationMap) -> list[dict[str, object]]:
    """The ``bins`` of a map built one ``float()`` at a time (the layout of docs/json.md)."""
    labels = [tier_label(lv) for lv in m.leverages]
    keys = ("long_usd_p10", "long_usd_p90", "short_usd_p10", "short_usd_p90")
    out: list[dict[str, object]] = []
    for i in range(m.n_bins):
        b: dict[str, object] = {
            "price_low": float(m.edges[i]),
            "price_high": float(m.edges[i + 1]),
            "long_usd": float(m.long_total[i]),
            "short_usd": float(m.short_total[i]),
            "long_usd_by_tier": {x: float(m.long_usd[t, i]) for t, x in enumerate(labels)},
            "short_usd_by_tier": {x: float(m.short_usd[t, i]) for t, x in enumerate(labels)},
            "cum_long_usd": float(m.cum_long[i]),
            "cum_short_usd": float(m.cum_short[i]),
        }
        if m.band_usd.size:
            b.update({k: float(m.band_usd[r, i]) for r, k in enumerate(keys)})
        for k, v in enumerate(m.venues):
            b.setdefault("long_usd_by_venue", {})[v] = float(m.long_usd_by_venue[k, i])  # type: ignore[index]
            b.setdefault("short_usd_by_venue", {})[v] = float(m.short_usd_by_venue[k, i])  # type: ignore[index]
        out.append(b)
    return out


def test_map_bins_equal_a_number_by_number_build_with_bands_and_venues() -> None:
    from liqmap.core.multivenue import VenueInput, estimate_multi_venue
    from liqmap.domain.enums import Venue

    data = liqmap.load_market("BTCUSDT", "demo", demo_days=2.0)
    banded = liqmap.estimate_map(data, window="24h")
    assert banded.band_usd.size
    from liqmap.io.brackets import default_table

    bars = data.candles
    multi = estimate_multi_venue(
        [VenueInput(v, bars, default_table(v.value, "BTCUSDT")) for v in (Venue.BINANCE, Venue.BYBIT)],
        window_ms=6 * 3_600_000, bins=300,
    )  # fmt: skip
    assert multi.venues == ("binance", "bybit")
    for m in (banded, multi):
        got = json.loads(to_json(m))["bins"]
        assert got == _bins_one_by_one(m)
        assert [list(b) for b in got] == [list(b) for b in _bins_one_by_one(m)]  # key order


@pytest.mark.parametrize("field", ["long_usd", "band_usd", "edges"])
def test_a_map_with_a_non_finite_bin_is_refused(field: str) -> None:
    import dataclasses

    data = liqmap.load_market("BTCUSDT", "demo", demo_days=2.0)
    m = liqmap.estimate_map(data, window="24h")
    bad = np.array(getattr(m, field), dtype=np.float64, copy=True)
    bad.flat[bad.size // 2] = np.nan if field != "edges" else np.inf
    with pytest.raises(ValueError, match="non-finite"):
        to_json(dataclasses.replace(m, **{field: bad}))

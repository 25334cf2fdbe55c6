"""`liqmap map|heatmap|levels|demo`: outputs, JSON layout, exit codes (0 ok, 2 bad input)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liqmap.cli.app import main

ARGS = ["--source", "demo", "--window", "24h"]


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:  # type: ignore[type-arg]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_map_json_layout(capsys: pytest.CaptureFixture[str]) -> None:
    d = _json(capsys, ["map", "BTCUSDT", *ARGS, "--bins", "200", "--json"])
    assert d["schema"] == "liqmap.map/1"
    assert d["symbol"] == "BTCUSDT" and d["window"]["label"] == "24h"
    assert len(d["bins"]) == 200
    b = d["bins"][0]
    assert {"price_low", "price_high", "long_usd", "short_usd", "long_usd_by_tier"} <= set(b)
    assert set(b["long_usd_by_tier"]) == set(d["tiers"])
    assert d["clusters"] and d["reading"]
    longs = sum(x["long_usd"] for x in d["bins"])
    assert longs == pytest.approx(d["totals"]["long_usd"], rel=1e-9)
    # longs below price, shorts above
    assert all(x["long_usd"] == 0 for x in d["bins"] if x["price_low"] > d["price"] * 1.01)
    assert all(x["short_usd"] == 0 for x in d["bins"] if x["price_high"] < d["price"] * 0.99)


def test_map_at_uses_only_earlier_data(capsys: pytest.CaptureFixture[str]) -> None:
    d = _json(capsys, ["map", "BTCUSDT", *ARGS, "--at", "2026-01-05T12:00Z", "--json"])
    assert d["as_of"] == "2026-01-05T12:00:00Z"
    assert d["window"]["start_ms"] == d["as_of_ms"] - 86_400_000


@pytest.mark.parametrize("suffix", [".png", ".html", ".json", ".csv"])
def test_map_out_files(tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"map{suffix}"
    assert main(["map", "BTCUSDT", *ARGS, "--out", str(out)]) == 0
    assert out.stat().st_size > 0
    assert "reading:" in capsys.readouterr().out
    if suffix == ".csv":
        header = out.read_text().splitlines()[0]
        assert header.startswith("price_low,price_high,long_usd,short_usd,long_2.5x,long_5x")
        assert header.endswith("long_usd_p10,long_usd_p90,short_usd_p10,short_usd_p90")
    if suffix == ".html":
        assert "cdn.plot.ly" not in out.read_text()[:2000]


def test_heatmap_and_levels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = _json(capsys, ["heatmap", "BTCUSDT", *ARGS, "--columns", "60", "--bins", "100", "--json"])
    assert d["schema"] == "liqmap.heatmap/1"
    assert len(d["ts_ms"]) == 60 and len(d["long_usd"]) == 60 and len(d["long_usd"][0]) == 100
    lv = _json(capsys, ["levels", "BTCUSDT", *ARGS, "--json"])
    assert set(lv) == {"schema", "symbol", "exchange", "price", "as_of_ms", "as_of", "window",
                      "tiers", "clusters", "reading"}  # fmt: skip
    assert [c["rank"] for c in lv["clusters"]] == list(range(1, len(lv["clusters"]) + 1))
    assert main(["heatmap", "BTCUSDT", *ARGS, "--out", str(tmp_path / "h.png")]) == 0
    assert main(["levels", "BTCUSDT", *ARGS]) == 0
    assert "liquidation clusters" in capsys.readouterr().out


@pytest.mark.parametrize("exchange", ["binance", "bybit", "okx", "hyperliquid"])
def test_map_per_exchange_margin_rules(exchange: str, capsys: pytest.CaptureFixture[str]) -> None:
    lev = "10:0.5,20:0.5" if exchange in ("okx", "hyperliquid") else "10:0.5,50:0.5"
    d = _json(
        capsys, ["map", "BTCUSDT", *ARGS, "--exchange", exchange, "--leverage", lev, "--json"]
    )
    assert d["exchange"] == exchange and len(d["tiers"]) == 2


def test_leverage_mix_and_params_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = _json(
        capsys, ["map", "BTCUSDT", *ARGS, "--leverage", "10:0.3,25:0.3,50:0.25,100:0.15", "--json"]
    )
    assert d["tiers"] == ["10x", "25x", "50x", "100x"]
    assert d["params"]["weights"] == [0.3, 0.3, 0.25, 0.15]
    pf = tmp_path / "p.json"
    pf.write_text(json.dumps({"entry_spread": 0.5, "side_split_strength": 1.5}))
    d = _json(capsys, ["map", "BTCUSDT", *ARGS, "--params", str(pf), "--json"])
    assert d["params"]["entry_spread"] == 0.5


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["map", "BTCUSDT", "--source", "nope.csv"], "no such file"),
        (["map", "BTCUSDT", *ARGS, "--leverage", "10:0.5,25:0.4"], "sum to 1"),
        (["map", "BTCUSDT", *ARGS, "--leverage", "10:0.5,500:0.5"], "500"),
        (["map", "BTCUSDT", *ARGS, "--leverage", "0:1"], "> 1"),
        (["map", "BTCUSDT", "--source", "demo", "--window", "3 days"], "--window"),
        (["map", "BTCUSDT", *ARGS, "--at", "yesterday-ish"], "--at"),
        (["map", "BTCUSDT", *ARGS, "--at", "2020-01-01"], "no bars in the window"),
        (["map", "BTCUSDT", *ARGS, "--bins", "3"], "bins"),
        (["map", "BTCUSDT", *ARGS, "--exchange", "mtgox"], "unknown exchange"),
        (["map", "DOGEUSDT", *ARGS], "DOGEUSDT"),
        (["map", "BTCUSDT", *ARGS, "--out", "x.txt"], "--out"),
        (["map", "BTCUSDT", *ARGS, "--no-such-flag"], "No such option"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err


def test_bad_params_file_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pf = tmp_path / "p.json"
    pf.write_text(json.dumps({"entry_sprad": 0.5}))
    assert main(["map", "BTCUSDT", *ARGS, "--params", str(pf)]) == 2
    err = capsys.readouterr().err
    assert "entry_sprad" in err and "entry_spread" in err


def test_demo_writes_charts_and_compares_with_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--out-dir", str(tmp_path), "--days", "4"]) == 0
    out = capsys.readouterr().out
    for name in ("map.png", "map.html", "true-map.png", "map.json", "heatmap.png", "heatmap.html"):
        assert (tmp_path / name).stat().st_size > 1000, name
    assert "estimate vs truth" in out and "reading:" in out
    assert not list(tmp_path.glob("*.tmp*"))


def _bars_csv(path: Path, n: int, step_min: int, wick: float) -> Path:
    lines = ["timestamp,open,high,low,close,volume"]
    for i in range(n):
        ts = 1_767_225_600_000 + i * step_min * 60_000
        p = 60_000 + 50 * ((i * 7) % 11 - 5)
        lines.append(f"{ts},{p},{p * (1 + wick)},{p * (1 - wick)},{p},{10 + i % 3}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_map_with_mark_bars_crosses_levels_on_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bars = _bars_csv(tmp_path / "bars.csv", 600, 1, 0.004)
    mark = _bars_csv(tmp_path / "mark.csv", 60, 10, 0.001)  # 10m mark bars, smaller range
    base = ["map", "BTCUSDT", "--source", str(bars), "--window", "6h", "--json"]
    d = _json(capsys, [*base, "--mark", str(mark)])
    assert any("mark price for 360 of 360 bars" in n for n in d["notes"])
    plain = _json(capsys, base)
    assert not any("mark price" in n for n in plain["notes"])
    assert d["bins"] != plain["bins"]
    # --mark is for file sources of one venue
    assert main(["map", "BTCUSDT", "--source", "demo", "--mark", str(mark)]) == 2
    assert "--mark" in capsys.readouterr().err


def test_heatmap_names_its_margin_table_like_the_map(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 11: every output says which margin table it used; heatmaps carry the map's note."""
    from liqmap.render.formatting import heatmap_subtitle, tiers_text

    m = _json(capsys, ["map", "BTCUSDT", *ARGS, "--bins", "100", "--json"])
    h = _json(capsys, ["heatmap", "BTCUSDT", *ARGS, "--columns", "20", "--bins", "100", "--json"])
    table_notes = [n for n in m["notes"] if n.startswith("margin table: ")]
    assert table_notes and [n for n in h["notes"] if n.startswith("margin table: ")] == table_notes
    import liqmap

    data = liqmap.load_market("BTCUSDT", "demo", demo_days=2.0)
    hm = liqmap.estimate_heatmap(data, window="24h", columns=20, bins=100)
    assert tiers_text(hm.notes) and tiers_text(hm.notes) in heatmap_subtitle(hm, 1.0)

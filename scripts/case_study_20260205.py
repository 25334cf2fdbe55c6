"""Case study: the 2026-02-05 BTC crash (73.3k -> 62.3k) replayed with the cascade model.

What would the map + depth have said before each leg of the crash, and what happened (the recorder's
1m bars and the Binance ``forceOrder`` tape)? Prints the tables of ``docs/cascade.md`` section 5 and
writes ``docs/img/cascade-20260205-*.png``.

    .venv/bin/python scripts/case_study_20260205.py [--shared ../shared/data] [--img docs/img]

Inputs (all read from ``../shared/data``, never copied): the recorder's 1m bars (no volume), its
minute taker flow (volume on the BTC minutes it has, used as is and to fit a volume proxy for the
others), the Binance BTC liquidation tape, the Binance BTCUSDT brackets and the 2024-08-08
BTCUSDT order-book recording.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from liqmap.core.cascade import CascadeResult, simulate_cascade
from liqmap.core.depth import DepthProfile
from liqmap.core.impact import impact_from_bars
from liqmap.core.maps import estimate_map
from liqmap.core.results import LiquidationMap
from liqmap.domain.market import Candles, LiquidationEvents
from liqmap.io import files
from liqmap.io.brackets import load_brackets
from liqmap.io.orderbook import load_depth
from liqmap.render.overlays import render_cascade
from liqmap.timeutil import parse_time_ms

MIN, HOUR = 60_000, 3_600_000
TAPE_CAPTURE = (0.20, 0.30)  # share of Binance's liquidation USD the 1/s-throttled tape holds
# the legs of the crash: map time, end of the leg (the low is searched in between)
LEGS = (
    ("whole day", "2026-02-05T00:00Z", "2026-02-05T22:00Z"),
    ("12:00 leg", "2026-02-05T12:00Z", "2026-02-05T13:00Z"),
    ("15:00 leg", "2026-02-05T15:00Z", "2026-02-05T16:00Z"),
    ("20:15 leg", "2026-02-05T20:15Z", "2026-02-05T20:30Z"),
    ("20:50 wick", "2026-02-05T20:50Z", "2026-02-05T21:00Z"),
)
SHOCKS = (-0.25, -0.5, -1.0, -2.0, -3.0)
SCALES = (1.0, 3.0, 10.0)


def hhmm(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%m-%d %H:%M")


def volume_proxy(bars: Candles, flow: Candles) -> tuple[Candles, str]:
    """Bars with volume: log(volume) = a + b log(range %) fitted where the recorder has both;
    the real taker volume (and its buy share) where it exists."""
    idx = np.searchsorted(bars.ts_ms, flow.ts_ms)
    ok = (idx < len(bars)) & (bars.ts_ms[np.minimum(idx, len(bars) - 1)] == flow.ts_ms)
    i = idx[ok]
    rng = (bars.high[i] - bars.low[i]) / bars.close[i] * 100
    vol = flow.volume[ok]
    keep = (rng > 0) & (vol > 0)
    x, y = np.log(rng[keep]), np.log(vol[keep])
    b, a = np.polyfit(x, y, 1)
    r2 = 1 - np.sum((y - a - b * x) ** 2) / np.sum((y - y.mean()) ** 2)
    all_rng = np.maximum((bars.high - bars.low) / bars.close * 100, np.exp(x.min()))
    proxy = np.exp(a + b * np.log(all_rng)) * np.exp(np.var(y - a - b * x) / 2)  # mean, not median
    text = (
        f"volume proxy: log(volume BTC) = {a:.3f} + {b:.3f} log(range %), fitted on {keep.sum()} "
        f"minutes with both, R^2 = {r2:.2f}"
    )
    withvol = replace(bars, volume=proxy, taker_buy_volume=np.full(len(bars), np.nan))
    return files.merge_flow(withvol, flow), text


def tape(ev: LiquidationEvents, t0: int, t1: int, side: int) -> tuple[float, int]:
    m = (ev.ts_ms >= t0) & (ev.ts_ms < t1) & (ev.side == side)
    return float(ev.notional_usd[m].sum()), int(m.sum())


def leg_outcome(bars: Candles, ev: LiquidationEvents, t0: int, t1: int) -> dict[str, float]:
    k = (bars.ts_ms >= t0) & (bars.ts_ms < t1)
    start, low, end = float(bars.open[k][0]), float(bars.low[k].min()), float(bars.close[k][-1])
    usd, n = tape(ev, t0, t1, 1)
    return {"start": start, "low": low, "end": end, "tape_long": usd, "events": n,
            "low_pct": (low / start - 1) * 100, "end_pct": (end / start - 1) * 100}  # fmt: skip


def levels_between(m: LiquidationMap, lo: float, hi: float) -> float:
    """Long USD on the map between two prices (uniform within bins)."""
    e = m.edges
    share = np.clip(np.minimum(e[1:], hi) - np.maximum(e[:-1], lo), 0, None) / np.diff(e)
    return float(np.dot(m.long_total, share))


def fmt_usd(x: float) -> str:
    return f"${x / 1e9:.2f}B" if x >= 1e9 else f"${x / 1e6:.1f}M"


def leg_table(bars: Candles, ev: LiquidationEvents, maps: dict[str, LiquidationMap]) -> None:
    print("\n| leg | map as of | price | actual low (move) | leg end | map: long USD down to the low "
          "| tape long USD (events) | implied Binance total |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name, a, b in LEGS:
        t0, t1 = parse_time_ms(a), parse_time_ms(b)
        o, m = leg_outcome(bars, ev, t0, t1), maps[name]
        lo_cap, hi_cap = TAPE_CAPTURE
        print(
            f"| {name} | {hhmm(t0)} | {m.price:,.0f} | {o['low']:,.0f} ({o['low_pct']:+.2f}%) | "
            f"{o['end']:,.0f} ({o['end_pct']:+.2f}%) | {fmt_usd(levels_between(m, o['low'], m.price))} | "
            f"{fmt_usd(o['tape_long'])} ({o['events']}) | "
            f"{fmt_usd(o['tape_long'] / hi_cap)}-{fmt_usd(o['tape_long'] / lo_cap)} |"
        )


def law_table(maps: dict[str, LiquidationMap], bars: Candles) -> None:
    """The same shocks under the fitted impact law (the default model); its volatility and volume
    come from the Binance 5m bars (real volume) of the 24 h before each map."""
    print("\n| leg | impact law | " + " | ".join(f"shock {s:+g}%" for s in SHOCKS) + " |")
    print("|---|---|" + "---|" * len(SHOCKS))
    for name, _, _ in LEGS[1:]:
        law = impact_from_bars(bars, maps[name].as_of_ms)
        cells = []
        for s in SHOCKS:
            r = simulate_cascade(maps[name], law, shock_pct=s)
            cells.append(f"{r.pin_move_pct:+.2f}% / {fmt_usd(r.total_liquidated_usd)}")
        usd1 = fmt_usd(law.usd_for(0.01))
        print(f"| {name} | {usd1} per 1% | " + " | ".join(cells) + " |")


def cascade_table(maps: dict[str, LiquidationMap], depth: DepthProfile) -> None:
    print(
        "\n| leg | depth | " + " | ".join(f"shock {s:+g}%: pin / liquidated" for s in SHOCKS) + " |"
    )
    print("|---|---|" + "---|" * len(SHOCKS))
    for name, _, _ in LEGS[1:]:
        for k in SCALES:
            cells = []
            for s in SHOCKS:
                r = simulate_cascade(maps[name], depth.scaled(k), shock_pct=s)
                edge = "†" if r.stop_reason == "map_edge" else ""
                cells.append(f"{r.pin_move_pct:+.2f}%{edge} / {fmt_usd(r.total_liquidated_usd)}")
            print(f"| {name} | x{k:g} | " + " | ".join(cells) + " |")


def day_figure(bars: Candles, ev: LiquidationEvents, maps: dict[str, LiquidationMap],
               depth: DepthProfile, path: Path) -> None:  # fmt: skip
    """Price path of 02-05 with the tape's long liquidations per 5 minutes and, at each leg's map
    time, the pin a -1% shock would reach (book x1 and x3)."""
    t0, t1 = parse_time_ms("2026-02-05T00:00Z"), parse_time_ms("2026-02-05T23:00Z")
    k = (bars.ts_ms >= t0) & (bars.ts_ms < t1)
    hours = (bars.ts_ms[k] - t0) / HOUR
    fig = Figure(figsize=(14, 7), dpi=110, facecolor="#0b0e14")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.07, 0.36, 0.9, 0.56), facecolor="#11151f")
    ax.fill_between(hours, bars.low[k], bars.high[k], color="#8a93a8", alpha=0.5, lw=0)
    ax.plot(hours, bars.close[k], color="#d6dae3", lw=0.9)
    for i, (name, a, _) in enumerate(LEGS[1:]):
        x = (parse_time_ms(a) - t0) / HOUR
        price = maps[name].price
        for scale, color, dx in ((1.0, "#ff4d5e", 0.0), (3.0, "#f3b23f", 0.25)):
            pin = simulate_cascade(maps[name], depth.scaled(scale), shock_pct=-1.0).pin_price
            ax.plot([x + dx, x + dx], [price, pin], color=color, lw=2.0)
            ax.plot([x + dx - 0.12, x + dx + 0.12], [pin, pin], color=color, lw=2.0)
        left = i % 2 == 0
        ax.annotate(f"{name}\n{price:,.0f}", (x, price), xytext=(-10 if left else 14, 26),
                    textcoords="offset points", color="#d6dae3", fontsize=8,
                    ha="right" if left else "left",
                    arrowprops={"arrowstyle": "-", "color": "#8a93a8", "lw": 0.6})  # fmt: skip
    ax.set_ylabel("BTC price (recorder 1m)", color="#8a93a8")
    ax.set_title("2026-02-05: price, and the pin of a -1% shock predicted from the map at each leg "
                 "(red: 2024 book x1, amber: x3)", color="#d6dae3", fontsize=11, loc="left")  # fmt: skip
    bx = fig.add_axes((0.07, 0.08, 0.9, 0.22), facecolor="#11151f", sharex=ax)
    edges = np.arange(t0, t1 + 1, 5 * MIN)
    m = (ev.ts_ms >= t0) & (ev.ts_ms < t1) & (ev.side > 0)
    usd, _ = np.histogram(ev.ts_ms[m], bins=edges, weights=ev.notional_usd[m])
    bx.bar((edges[:-1] - t0) / HOUR, usd / 1e6, width=5 / 60, align="edge", color="#ff4d5e")
    bx.set_yscale("symlog", linthresh=0.5)
    bx.set_ylabel("tape long liq.\nUSD M / 5 min", color="#8a93a8")
    bx.set_xlabel("hour of 2026-02-05 (UTC)", color="#8a93a8")
    bx.set_xticks(range(0, 24, 2))
    for a_ in (ax, bx):
        a_.tick_params(colors="#8a93a8", labelcolor="#d6dae3")
        a_.grid(True, color="#222a3a", lw=0.6)
    fig.savefig(path, facecolor=fig.get_facecolor())


def sensitivity_figure(m: LiquidationMap, depth: DepthProfile, path: Path) -> None:
    """Pin move vs shock size for book scales x1, x3, x10 (map of the 20:50 wick)."""
    shocks = np.linspace(0.05, 3.0, 60)
    fig = Figure(figsize=(10, 6), dpi=110, facecolor="#0b0e14")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.1, 0.12, 0.85, 0.78), facecolor="#11151f")
    for scale, color in zip(SCALES, ("#ff4d5e", "#f3b23f", "#27d98e"), strict=True):
        pins = [
            -simulate_cascade(m, depth.scaled(scale), shock_pct=-s).pin_move_pct for s in shocks
        ]
        ax.plot(shocks, pins, color=color, lw=2, label=f"book x{scale:g}")
    ax.plot(shocks, shocks, color="#8a93a8", ls="--", lw=1, label="no cascade (pin = shock)")
    ax.axhline(1.52, color="#d6dae3", ls=":", lw=1.2, label="actual 20:50 wick (-1.5%)")
    ax.set_xlabel("initial shock, % down", color="#8a93a8")
    ax.set_ylabel("pin, % below start", color="#8a93a8")
    ax.set_title(f"Cascade pin vs shock, map of {hhmm(m.as_of_ms)} UTC (price {m.price:,.0f})",
                 color="#d6dae3", loc="left")  # fmt: skip
    ax.tick_params(colors="#8a93a8", labelcolor="#d6dae3")
    ax.grid(True, color="#222a3a", lw=0.6)
    ax.legend(facecolor="#11151f", labelcolor="#d6dae3", edgecolor="#222a3a")
    fig.savefig(path, facecolor=fig.get_facecolor())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    ap.add_argument(
        "--img", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "img"
    )
    args = ap.parse_args()
    d: Path = args.shared
    bars = files.load_candles(d / "bars" / "recorder-1m-btc-eth-sol-2026-01-24_2026-03-04.csv.gz",
                              symbol="BTCUSDT")  # fmt: skip
    flow, _ = files.load_flow(d / "bars" / "recorder-minute-flow-2026-01-22_2026-02-28.csv.gz",
                              symbol="BTCUSDT")  # fmt: skip
    ev = files.load_liquidations(
        d / "liquidations" / "binance-btc-forceorder-2026-01-27_2026-02-16.csv.gz", symbol="BTCUSDT"
    )
    table = load_brackets(d / "brackets" / "binance-um-leverage-brackets-BTCUSDT-ETHUSDT.json",
                          symbol="BTCUSDT")  # fmt: skip
    depth = load_depth(d / "orderbook" / "usdm_btcusdt_20240808.txt.gz")
    candles, proxy_text = volume_proxy(bars, flow)
    print(proxy_text)
    print(f"depth: {depth.source}: bids {fmt_usd(depth.bid.usd_within(0.01))} within 1%, "
          f"{fmt_usd(depth.bid.usd_within(0.05))} within 5% (exponent {depth.bid.exponent:.2f})")  # fmt: skip
    maps = {
        name: estimate_map(
            candles,
            window_ms=24 * HOUR,
            table=table,
            liquidations=ev,
            as_of_ms=parse_time_ms(at),
            bins=1000,
            window_label="24h",
        )
        for name, at, _ in LEGS
    }
    whole = leg_outcome(bars, ev, parse_time_ms(LEGS[0][1]), parse_time_ms(LEGS[0][2]))
    short_usd, _ = tape(ev, parse_time_ms(LEGS[0][1]), parse_time_ms(LEGS[0][2]), -1)
    print(f"02-05 00:00-22:00: {whole['start']:,.0f} -> low {whole['low']:,.0f} "
          f"({whole['low_pct']:+.1f}%), tape longs {fmt_usd(whole['tape_long'])} "
          f"({whole['events']} events), shorts {fmt_usd(short_usd)}")  # fmt: skip
    for name, m in maps.items():
        print(
            f"map {name} ({hhmm(m.as_of_ms)}): price {m.price:,.0f}, longs {fmt_usd(m.total_long_usd)}, "
            f"within 1/2/5%: {fmt_usd(levels_between(m, m.price * 0.99, m.price))} / "
            f"{fmt_usd(levels_between(m, m.price * 0.98, m.price))} / "
            f"{fmt_usd(levels_between(m, m.price * 0.95, m.price))}; top long cluster "
            + next(
                (f"{c.price:,.0f} {fmt_usd(c.usd)}" for c in m.clusters if c.side == "long"), "-"
            )
        )
    leg_table(bars, ev, maps)
    cascade_table(maps, depth)
    b5 = files.load_candles(d / "bars" / "binance-um-5m-BTCUSDT-2024-12-31_2026-02-19.csv.gz",
                            symbol="BTCUSDT")  # fmt: skip
    law_table(maps, b5)
    img: Path = args.img
    img.mkdir(parents=True, exist_ok=True)
    wick = maps["20:50 wick"]
    r: CascadeResult = simulate_cascade(wick, depth, shock_pct=-0.5)
    render_cascade(wick, r, img / "cascade-20260205-map.png")
    day_figure(bars, ev, maps, depth, img / "cascade-20260205-day.png")
    sensitivity_figure(wick, depth, img / "cascade-20260205-sensitivity.png")
    print(f"\nwrote {img}/cascade-20260205-{{map,day,sensitivity}}.png")


if __name__ == "__main__":
    main()

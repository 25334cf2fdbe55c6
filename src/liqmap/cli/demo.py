"""``liqmap demo``: the whole job offline on the built-in simulated market."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from liqmap import api
from liqmap.cli import console, show
from liqmap.core.clusters import detect_clusters
from liqmap.core.map_distance import profile_similarity
from liqmap.core.results import LiquidationMap
from liqmap.output import write_result
from liqmap.render.mpl_compare import render_compare_png
from liqmap.render.mpl_map import render_map_png

__all__ = ["demo_cmd", "register"]


def demo_cmd(
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Folder for the charts and JSON.")
    ] = Path("liqmap-out"),
    symbol: Annotated[str, typer.Option("--symbol", help="Simulated symbol.")] = "BTCUSDT",
    days: Annotated[float, typer.Option("--days", help="Simulated days (>= 2).")] = 7.0,
    seed: Annotated[
        int, typer.Option("--seed", help="Simulator seed (same seed, same market).")
    ] = 7,
    window: Annotated[str, typer.Option("--window", help="Map window.")] = "24h",
) -> None:
    """Simulate a leveraged market, estimate its liquidation map and heatmap, compare with the truth."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
        console=console.out(), transient=False,
    ) as progress:  # fmt: skip
        task = progress.add_task("simulating the market", total=7)
        data = api.load_market(symbol, api.DEMO, demo_days=max(days, 2.0), seed=seed)
        progress.update(task, advance=1, description="estimating the map")
        m = api.estimate_map(data, window=window)
        progress.update(task, advance=1, description="estimating the heatmap")
        h = api.estimate_heatmap(data, window="3d" if days >= 4 else window)
        progress.update(task, advance=1, description="building the true map")
        truth = api.true_map(data, m)
        truth = replace(
            truth,
            clusters=detect_clusters(truth.edges, truth.long_usd, truth.short_usd, truth.price),
        )
        progress.update(task, advance=1, description="drawing the map")
        paths = [write_result(m, out_dir / "map.png")]
        paths.append(write_result(m, out_dir / "map.html", js="shared"))  # one script for both
        paths.append(render_map_png(truth, out_dir / "true-map.png", kind="truth"))
        in_window = api.true_map(data, m, opened_in_window=True)
        sims = [
            (label, _similarity(m, t))
            for label, t in (
                ("positions opened in the window", in_window),
                ("all open positions", truth),
            )
        ]
        paths.append(
            render_compare_png(
                m, in_window, out_dir / "estimate-vs-truth.png",
                truth_label="positions opened in the window", similarity=sims[0][1],
            )
        )  # fmt: skip
        paths.append(write_result(m, out_dir / "map.json"))
        progress.update(task, advance=1, description="drawing the heatmap")
        paths += [
            write_result(h, out_dir / "heatmap.png"),
            write_result(h, out_dir / "heatmap.html", js="shared"),
        ]
        progress.update(task, advance=1, description="done")
    show.print_map(m)
    for label, text in sims:
        console.out().print(f"[bold]estimate vs truth[/] ({label}): {text}")
    for p in paths:
        console.out().print(f"wrote [bold]{p}[/]")


def _similarity(m: LiquidationMap, t: LiquidationMap) -> str:
    sim = profile_similarity(
        m.edges, m.price, m.long_total, m.short_total, t.long_total, t.short_total
    )
    return (
        f"bin correlation longs {sim.corr_long:.2f}, shorts {sim.corr_short:.2f}; earth mover's "
        f"distance longs {sim.emd_long_pct:.2f}%, shorts {sim.emd_short_pct:.2f}% of price; "
        f"USD ratio longs {sim.mass_ratio_long:.2f}, shorts {sim.mass_ratio_short:.2f}"
    )


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("demo")(demo_cmd)

"""Terminal presentation of results (rich tables); no model logic."""

from __future__ import annotations

from typing import TYPE_CHECKING

from liqmap.cli.console import line, out
from liqmap.core.formatting import format_time
from liqmap.core.reading import format_duration, format_price, format_usd
from liqmap.core.results import LiquidationHeatmap, LiquidationMap, tier_label

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["print_heatmap", "print_levels", "print_map"]


def _coverage_line(bars: int, expected: int, n_gaps: int, longest_ms: int) -> str:
    pct = 100.0 * bars / expected if expected else 100.0
    text = f"coverage {bars:,}/{expected:,} bars ({pct:.0f}%)"
    if n_gaps:
        text += f", {n_gaps} gap(s), longest {format_duration(longest_ms)}"
    return text


def _header(m: LiquidationMap) -> None:
    cov = m.coverage
    longest = max((g.end_ms - g.start_ms for g in cov.gaps), default=0)
    out().print(
        f"[bold]{m.symbol}[/] {m.exchange}  price [bold]{format_price(m.price)}[/]  "
        f"as of {format_time(m.as_of_ms)}  window {m.window_label}"
    )
    out().print(
        f"longs below {format_usd(m.total_long_usd)}  shorts above {format_usd(m.total_short_usd)}  "
        + _coverage_line(cov.bars, cov.expected_bars, len(cov.gaps), longest)
    )


def _cluster_table(m: LiquidationMap, limit: int) -> Table:
    from rich.table import Table

    table = Table(title="liquidation clusters (rank = size and closeness)", title_justify="left")
    for col in ("#", "side", "price", "range", "USD", "dist", "main tiers"):
        table.add_column(col, justify="right" if col in ("#", "USD", "dist") else "left")
    for c in m.clusters[:limit]:
        total = sum(c.usd_by_tier) or 1.0
        tiers = ", ".join(
            f"{tier_label(lv)} {100 * u / total:.0f}%"
            for lv, u in sorted(zip(m.leverages, c.usd_by_tier, strict=True), key=lambda x: -x[1])[
                :2
            ]
            if u >= 0.005 * total
        )
        colour = "green" if c.side == "long" else "red"
        table.add_row(
            str(c.rank),
            f"[{colour}]{c.side}[/]",
            format_price(c.price),
            f"{format_price(c.price_low)}–{format_price(c.price_high)}",
            format_usd(c.usd),
            f"{c.distance_pct:+.2f}%",
            tiers,
        )
    return table


def print_map(m: LiquidationMap) -> None:
    """Summary, top clusters, reading and notes."""
    _header(m)
    out().print(_cluster_table(m, 8))
    out().print(f"[bold]reading:[/] {m.reading}")
    for note in m.notes:
        out().print(f"[dim]note: {note}[/]")


def print_levels(m: LiquidationMap) -> None:
    """The ranked cluster table (all clusters)."""
    _header(m)
    out().print(_cluster_table(m, len(m.clusters)))
    out().print(f"[bold]reading:[/] {m.reading}")


def print_heatmap(h: LiquidationHeatmap) -> None:
    """Summary of a heatmap."""
    cov = h.coverage
    longest = max((g.end_ms - g.start_ms for g in cov.gaps), default=0)
    peak = h.peak_usd()
    line(
        f"[bold]{h.symbol}[/] {h.exchange} heatmap  {len(h.ts_ms)} columns x {len(h.edges) - 1} bins  "
        f"{format_time(int(h.ts_ms[0]))} → {format_time(int(h.ts_ms[-1]))}"
    )
    line(
        f"peak bin {format_usd(peak)}  tiers {', '.join(tier_label(x) for x in h.leverages)}  "
        + _coverage_line(cov.bars, cov.expected_bars, len(cov.gaps), longest)
    )

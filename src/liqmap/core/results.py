"""Immutable result objects of the estimator: :class:`LiquidationMap` and :class:`LiquidationHeatmap`.

Both hold USD of estimated liquidation orders per price bin. Long liquidations sit below the current
price, short liquidations above it. Renderers, the CLI and the web layer take these objects only.
The JSON layout produced by ``to_dict`` is documented in ``docs/json.md`` and is stable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from liqmap.core import map_scoring
from liqmap.core.binmass import usd_between_edges
from liqmap.core.fresh import FreshFlow
from liqmap.core.result_parts import Cluster, Coverage, PricePath, iso_ms, tier_label
from liqmap.core.result_parts import read_only as _ro
from liqmap.model_config import EstimatorParams

__all__ = [
    "Cluster",
    "Coverage",
    "LiquidationHeatmap",
    "LiquidationMap",
    "PricePath",
    "iso_ms",
    "tier_label",
    "usd_between_edges",
]

Side = Literal["long", "short", "both"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MAP_SCHEMA = "liqmap.map/1"
HEATMAP_SCHEMA = "liqmap.heatmap/1"


@dataclass(frozen=True, slots=True)
class LiquidationMap:
    """Estimated liquidation notional (USD) per price bin and leverage tier, as of ``as_of_ms``.

    Attributes
    ----------
    edges
        ``n + 1`` increasing bin edges; bin ``i`` is ``[edges[i], edges[i + 1])``.
    long_usd, short_usd
        ``(n_tiers, n)`` USD of long / short liquidation orders per tier and bin.
    price
        Current price (close of the last bar before ``as_of_ms``).
    """

    symbol: str
    exchange: str
    price: float
    as_of_ms: int
    window_start_ms: int
    window_label: str
    leverages: tuple[float, ...]
    edges: FloatArray
    long_usd: FloatArray
    short_usd: FloatArray
    params: EstimatorParams
    coverage: Coverage
    out_of_range_long_usd: float = 0.0
    out_of_range_short_usd: float = 0.0
    clusters: tuple[Cluster, ...] = ()
    reading: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    venues: tuple[str, ...] = ()  # set on a combined multi-venue map
    long_usd_by_venue: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    short_usd_by_venue: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    band_usd: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    fresh: FreshFlow | None = None  # positions opened within a scored move (usd_if)

    def __post_init__(self) -> None:
        for name in ("edges", "long_usd", "short_usd", "long_usd_by_venue", "short_usd_by_venue",
                     "band_usd"):  # fmt: skip
            object.__setattr__(self, name, _ro(np.asarray(getattr(self, name), dtype=np.float64)))
        n = len(self.edges) - 1
        shape = (len(self.leverages), n)
        if self.long_usd.shape != shape or self.short_usd.shape != shape:
            raise ValueError(f"long/short arrays must have shape {shape}")
        if self.venues:
            vshape = (len(self.venues), n)
            if self.long_usd_by_venue.shape != vshape or self.short_usd_by_venue.shape != vshape:
                raise ValueError(f"per-venue arrays must have shape {vshape}")

        if self.band_usd.size and self.band_usd.shape != (4, n):
            raise ValueError(f"band_usd must have shape (4, {n})")

    # --- derived views -------------------------------------------------------------------
    @property
    def n_bins(self) -> int:
        """Number of price bins."""
        return len(self.edges) - 1

    def _band(self, row: int) -> FloatArray | None:
        return None if not self.band_usd.size else np.asarray(self.band_usd[row])

    long_p10 = property(lambda self: self._band(0), doc="Long USD per bin, 80% band low (p10).")
    long_p90 = property(lambda self: self._band(1), doc="Long USD per bin, 80% band high (p90).")
    short_p10 = property(lambda self: self._band(2), doc="Short USD per bin, band low (p10).")
    short_p90 = property(lambda self: self._band(3), doc="Short USD per bin, band high (p90).")

    def usd_between_band(
        self, low: float, high: float, side: str = "both"
    ) -> tuple[float, float] | None:
        """``(p10, p90)`` of :meth:`usd_between` from the per-bin bands (None without a band)."""
        if not self.band_usd.size:
            return None
        rows = {"long": [0], "short": [2], "both": [0, 2]}
        if side not in rows:
            raise ValueError(f"usd_between_band: side must be long, short or both, got {side!r}")
        r = rows[side]
        return (
            usd_between_edges(self.edges, self.band_usd[r].sum(axis=0), low, high),
            usd_between_edges(self.edges, self.band_usd[[k + 1 for k in r]].sum(axis=0), low, high),
        )

    @property
    def centers(self) -> FloatArray:
        """Bin mid prices."""
        return np.asarray(0.5 * (self.edges[:-1] + self.edges[1:]), dtype=np.float64)

    @property
    def long_total(self) -> FloatArray:
        """Long liquidation USD per bin, all tiers."""
        return np.asarray(self.long_usd.sum(axis=0), dtype=np.float64)

    @property
    def short_total(self) -> FloatArray:
        """Short liquidation USD per bin, all tiers."""
        return np.asarray(self.short_usd.sum(axis=0), dtype=np.float64)

    @property
    def cum_long(self) -> FloatArray:
        """Cumulative long liquidations met when price falls from ``price`` down to each bin.

        ``cum_long[i]`` is the long USD in bins ``i..`` that lie below the current price (0 above).
        """
        below = np.where(self.centers < self.price, self.long_total, 0.0)
        return np.asarray(np.cumsum(below[::-1])[::-1] * (self.centers < self.price))

    @property
    def cum_short(self) -> FloatArray:
        """Cumulative short liquidations met when price rises from ``price`` up to each bin."""
        above = np.where(self.centers > self.price, self.short_total, 0.0)
        return np.asarray(np.cumsum(above) * (self.centers > self.price))

    @property
    def total_long_usd(self) -> float:
        """All long liquidation USD on the map."""
        return float(self.long_usd.sum())

    @property
    def total_short_usd(self) -> float:
        """All short liquidation USD on the map."""
        return float(self.short_usd.sum())

    def usd_between(self, low: float, high: float, side: Side = "both") -> float:
        """USD of liquidation orders on the map with price in ``[low, high]``.

        "USD that would be liquidated if price went there": for ``side="long"`` pass
        ``low = the low you expect, high = self.price``; for ``side="short"`` pass
        ``low = self.price, high = the high``. Entries are uniform within a bin, so partial bins
        count in proportion to their overlap (exact, see :func:`usd_between_edges`). The side
        selects which orders count, not where they lie: long orders above the price (none on a
        fresh map) would count too. USD outside the grid (``out_of_range_*_usd``) is not
        included.

        Parameters
        ----------
        low, high
            Finite prices, ``low <= high``.
        side
            ``"long"``, ``"short"`` or ``"both"`` (the sum).

        Returns
        -------
        float
            USD in the range; additive over adjacent ranges; over the whole grid it equals
            ``total_long_usd`` / ``total_short_usd`` / their sum.

        Raises
        ------
        ValueError
            On a non-finite price, ``low > high`` or an unknown ``side``.
        """
        if side == "long":
            return usd_between_edges(self.edges, self.long_total, low, high)
        if side == "short":
            return usd_between_edges(self.edges, self.short_total, low, high)
        if side == "both":
            return usd_between_edges(self.edges, self.long_total + self.short_total, low, high)
        raise ValueError(f"usd_between: side must be 'long', 'short' or 'both', got {side!r}")

    def usd_if(
        self, low: float, high: float, side: Side = "both", horizon_ms: float = 3_600_000
    ) -> float:
        """USD liquidated if price trades over ``[low, high]`` within ``horizon_ms``: the levels
        between the price and the move's extreme (:meth:`usd_between`) plus the positions opened
        and liquidated along the way (``params.fresh_share``, docs/model.md 2.17; none without
        :attr:`fresh`). ``low``/``high`` beyond the price are clipped to it. Raises ValueError on
        ``low > high`` or an unknown side."""
        return map_scoring.usd_if(self, low, high, side, horizon_ms)

    def usd_if_band(
        self, low: float, high: float, side: Side = "both", horizon_ms: float = 3_600_000
    ) -> tuple[float, float] | None:
        """``(p10, p90)`` of :meth:`usd_if` (None without bands)."""
        return map_scoring.usd_if_band(self, low, high, side, horizon_ms)

    # --- serialisation -------------------------------------------------------------------
    def _bins_json(self, labels: list[str]) -> list[dict[str, Any]]:
        """The ``bins`` of :meth:`to_dict`: per bin its USD, by tier, band and venue (the arrays
        become Python floats once, by ``tolist``, not one ``float()`` per number)."""
        lo, hi = self.edges[:-1].tolist(), self.edges[1:].tolist()
        lt, st = self.long_total.tolist(), self.short_total.tolist()
        cl, cs = self.cum_long.tolist(), self.cum_short.tolist()
        lt_tier, st_tier = self.long_usd.T.tolist(), self.short_usd.T.tolist()
        bins = [
            {
                "price_low": lo[i],
                "price_high": hi[i],
                "long_usd": lt[i],
                "short_usd": st[i],
                "long_usd_by_tier": dict(zip(labels, lt_tier[i], strict=True)),
                "short_usd_by_tier": dict(zip(labels, st_tier[i], strict=True)),
                "cum_long_usd": cl[i],
                "cum_short_usd": cs[i],
            }
            for i in range(self.n_bins)
        ]
        if self.band_usd.size:
            keys = ("long_usd_p10", "long_usd_p90", "short_usd_p10", "short_usd_p90")
            for b, row in zip(bins, self.band_usd.T.tolist(), strict=True):
                b.update(zip(keys, row, strict=True))
        if self.venues:
            lv, sv = self.long_usd_by_venue.T.tolist(), self.short_usd_by_venue.T.tolist()
            for i, b in enumerate(bins):
                b["long_usd_by_venue"] = dict(zip(self.venues, lv[i], strict=True))
                b["short_usd_by_venue"] = dict(zip(self.venues, sv[i], strict=True))
        return bins

    def bins_finite(self) -> bool:
        """True when every number :meth:`to_dict` writes in ``bins`` is finite (one vectorised
        check of the arrays behind them)."""
        arrays = (
            self.edges, self.long_usd, self.short_usd, self.long_total, self.short_total,
            self.cum_long, self.cum_short, self.band_usd, self.long_usd_by_venue,
            self.short_usd_by_venue,
        )  # fmt: skip
        return all(bool(np.isfinite(a).all()) for a in arrays)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON layout documented in ``docs/json.md``."""
        labels = [tier_label(lv) for lv in self.leverages]
        bins = self._bins_json(labels)
        out = {
            "schema": MAP_SCHEMA,
            "symbol": self.symbol,
            "exchange": self.exchange,
            "price": self.price,
            "as_of_ms": self.as_of_ms,
            "as_of": iso_ms(self.as_of_ms),
            "window": {
                "label": self.window_label,
                "start_ms": self.window_start_ms,
                "end_ms": self.as_of_ms,
            },
            "tiers": labels,
            "totals": {
                "long_usd": self.total_long_usd,
                "short_usd": self.total_short_usd,
                "out_of_range_long_usd": self.out_of_range_long_usd,
                "out_of_range_short_usd": self.out_of_range_short_usd,
            },
            "bins": bins,
            "clusters": [c.to_dict(self.leverages) for c in self.clusters],
            "reading": self.reading,
            "coverage": self.coverage.to_dict(),
            "params": self.params.to_dict(),
            "notes": list(self.notes),
        }
        if self.fresh is not None:
            out["fresh"] = self.fresh.to_dict()
        if self.venues:
            out["venues"] = {
                v: {
                    "long_usd": float(self.long_usd_by_venue[k].sum()),
                    "short_usd": float(self.short_usd_by_venue[k].sum()),
                }
                for k, v in enumerate(self.venues)
            }
        return out


@dataclass(frozen=True, slots=True)
class LiquidationHeatmap:
    """The estimator's state sampled over time: ``(n_times, n_bins)`` USD per side.

    Column ``j`` is the state as of ``ts_ms[j]`` (built only from bars that closed by then).
    """

    symbol: str
    exchange: str
    leverages: tuple[float, ...]
    ts_ms: IntArray
    edges: FloatArray
    long_usd: FloatArray
    short_usd: FloatArray
    price_path: PricePath
    params: EstimatorParams
    coverage: Coverage
    window_label: str = ""
    events_ts_ms: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    events_price: FloatArray = field(default_factory=lambda: np.zeros(0))
    events_usd: FloatArray = field(default_factory=lambda: np.zeros(0))
    events_side: NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    notes: tuple[str, ...] = field(default_factory=tuple)  # as a map's: margin table first

    def __post_init__(self) -> None:
        for name in (
            "ts_ms",
            "edges",
            "long_usd",
            "short_usd",
            "events_ts_ms",
            "events_price",
            "events_usd",
            "events_side",
        ):
            object.__setattr__(self, name, _ro(getattr(self, name)))
        shape = (len(self.ts_ms), len(self.edges) - 1)
        if self.long_usd.shape != shape or self.short_usd.shape != shape:
            raise ValueError(f"heatmap arrays must have shape {shape}")

    @property
    def centers(self) -> FloatArray:
        """Bin mid prices."""
        return np.asarray(0.5 * (self.edges[:-1] + self.edges[1:]), dtype=np.float64)

    @property
    def total_usd(self) -> FloatArray:
        """Long + short USD per (time, bin)."""
        return np.asarray(self.long_usd + self.short_usd, dtype=np.float64)

    def peak_usd(self) -> float:
        """The largest long + short USD of any cell (0.0 if there is none), computed block by
        block of rows, without the full-size :attr:`total_usd` temporary."""
        peak = 0.0
        for i in range(0, self.long_usd.shape[0], 64):
            block = self.long_usd[i : i + 64] + self.short_usd[i : i + 64]
            if block.size:
                peak = max(peak, float(block.max()))
        return peak

    def to_dict(
        self, *, price_path: Literal["columns", "bars"] = "bars", raw_json: bool = False
    ) -> dict[str, Any]:
        """JSON-ready form (``docs/json.md``): matrices as lists of rows, one row per time.

        USD values are whole dollars. ``price_path="columns"`` gives one bar per column (what the
        heatmap shows, :meth:`PricePath.at_columns`), ``"bars"`` every bar of the window.
        ``raw_json``: the two matrices as ready JSON (``msgspec.Raw``) for ``msgspec.json``.
        """
        from liqmap.core.heatmap_json import heatmap_dict

        return heatmap_dict(self, price_path=price_path, raw_json=raw_json)

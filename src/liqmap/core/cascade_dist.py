"""The distribution of a cascade's outcomes: the map's uncertainty and the impact law's, drawn.

Each draw (``docs/cascade.md`` section 1.3) scales every bin of the side's liquidation USD by a
log-normal factor and the impact coefficient :math:`Y` by its fitted spread, then runs the same
rounds as :func:`~liqmap.core.cascade.simulate_cascade`:

* **Map bands.** With per-bin bands (:class:`MapBands`: p10/p90 USD per bin, e.g. from the
  estimator's uncertainty), bin :math:`i` is drawn as :math:`u_i e^{s_i z_i}` with
  :math:`s_i = \\ln(p90_i/u_i)/1.2816` for :math:`z_i > 0` and :math:`\\ln(u_i/p10_i)/1.2816`
  below (so the draw's 10th/90th percentiles are the band's). The estimator's bands are per-bin
  marginals of *where* the side's USD sits (its total is the map's): with ``conserve_total``
  (set by :func:`bands_of`) each draw is rescaled to the point map's side total. Without bands a documented
  multiplicative band is used: p90/p10 = ``default_band_ratio`` (4: a factor 2 either way).
  :math:`z_i = \\rho z_0 + \\sqrt{1-\\rho^2}\\,\\epsilon_i`: one common factor (the map's overall
  scale, which dominates its error) and bin noise, :math:`\\rho` = ``bin_corr``.
* **Impact.** :math:`(Y, \\delta)` from :meth:`ImpactModel.draws`.
* **Fresh positions.** Besides the map's levels, each draw counts the positions opened and
  liquidated as price travels to its pin within ``horizon_ms`` (docs/model.md 2.17,
  :func:`~liqmap.core.map_scoring.fresh_part`): ``fresh_usd``; ``total_usd`` = levels + fresh.
  They do not feed the impact rounds (they are opened and closed by the same move).

The forced USD of every draw is capped at what the point map holds on that side
(:func:`~liqmap.core.cascade.held_usd`): no draw liquidates more open notional than there is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from liqmap.core.cascade import CascadeConfig, held_usd, run_rounds
from liqmap.core.impact import ImpactModel
from liqmap.core.map_scoring import fresh_part
from liqmap.core.results import LiquidationMap

__all__ = ["CascadeOutcomes", "MapBands", "OutcomeConfig", "bands_of", "simulate_outcomes"]

FloatArray = NDArray[np.float64]
Z90 = 1.2815515655446004
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
OUTCOMES_SCHEMA = "liqmap.cascade_outcomes/1"


@dataclass(frozen=True, slots=True)
class OutcomeConfig:
    """Draw settings (documented defaults)."""

    n_draws: int = 200
    seed: int = 0
    default_band_ratio: float = 4.0
    bin_corr: float = 0.7
    ks: tuple[float, ...] = (1.5, 2.0, 3.0)
    horizon_ms: int = 3_600_000  # fresh positions: opened and liquidated within this long

    def __post_init__(self) -> None:
        if self.n_draws < 1 or not (self.default_band_ratio >= 1 and 0 <= self.bin_corr <= 1):
            raise ValueError("n_draws >= 1, default_band_ratio >= 1 and bin_corr in [0, 1]")
        if self.horizon_ms < 0:
            raise ValueError(f"horizon_ms must be >= 0, got {self.horizon_ms}")
        if any(not (k > 0 and math.isfinite(k)) for k in self.ks):
            raise ValueError(f"ks must be positive, got {self.ks}")


@dataclass(frozen=True, slots=True)
class MapBands:
    """Per-bin 10th/90th percentile USD of a map's long and short liquidations (all tiers)."""

    long_p10: FloatArray
    long_p90: FloatArray
    short_p10: FloatArray
    short_p90: FloatArray
    source: str = "map bands"
    conserve_total: bool = False

    def side(self, direction: int) -> tuple[FloatArray, FloatArray]:
        """(p10, p90) of the side a move of sign ``direction`` force-closes."""
        return (self.long_p10, self.long_p90) if direction < 0 else (self.short_p10, self.short_p90)


def bands_of(m: LiquidationMap) -> MapBands | None:
    """The map's own per-bin bands when it carries them (``long_p10`` ... per-bin totals, the
    estimator's 80% band; or ``long_usd_p10`` ... tier x bin arrays), else ``None``."""
    for fmt in ("{side}_{q}", "{side}_usd_{q}", "{side}_{q}_usd"):
        arrs = [
            getattr(m, fmt.format(side=s, q=q), None)
            for s in ("long", "short")
            for q in ("p10", "p90")
        ]
        if all(a is not None for a in arrs):
            tot = [np.asarray(a, np.float64) for a in arrs]
            tot = [a.sum(axis=0) if a.ndim == 2 else a for a in tot]
            if all(a.shape == (m.n_bins,) for a in tot):
                return MapBands(
                    tot[0], tot[1], tot[2], tot[3],
                    "the map's own p10/p90 bands (USD moved between bins, side total kept)", True,
                )  # fmt: skip
    return None


@dataclass(frozen=True, slots=True)
class CascadeOutcomes:
    """Quantiles over the draws and the probability the move extends to ``k`` x the shock."""

    n_draws: int
    shock_pct: float
    liquidated_usd: dict[float, float]
    pin_move_pct: dict[float, float]
    final_move_pct: dict[float, float]
    p_extend: dict[float, float]
    p_extend_final: dict[float, float]
    band_source: str
    samples_liquidated: FloatArray
    samples_pin_pct: FloatArray
    fresh_usd: dict[float, float] = field(default_factory=dict)
    total_usd: dict[float, float] = field(default_factory=dict)
    horizon_ms: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``liqmap.cascade_outcomes/1``)."""

        def q(d: dict[float, float]) -> dict[str, float]:
            return {f"p{round(k * 100)}": v for k, v in d.items()}

        return {
            "schema": OUTCOMES_SCHEMA, "n_draws": self.n_draws, "shock_pct": self.shock_pct,
            "liquidated_usd": q(self.liquidated_usd), "pin_move_pct": q(self.pin_move_pct),
            "final_move_pct": q(self.final_move_pct),
            "p_pin_extends": {f"{k:g}x": v for k, v in self.p_extend.items()},
            "p_final_extends": {f"{k:g}x": v for k, v in self.p_extend_final.items()},
            "band_source": self.band_source,
            "fresh_usd": q(self.fresh_usd), "total_usd": q(self.total_usd),
            "horizon_ms": self.horizon_ms,
        }  # fmt: skip


def _factors(
    usd: FloatArray, band: tuple[FloatArray, FloatArray] | None, cfg: OutcomeConfig,
    rng: np.random.Generator,
) -> FloatArray:  # fmt: skip
    """(n_draws, n_bins) multiplicative factors."""
    n, k = cfg.n_draws, len(usd)
    rho = cfg.bin_corr
    z = rho * rng.standard_normal((n, 1)) + math.sqrt(1 - rho * rho) * rng.standard_normal((n, k))
    if band is None:
        s = math.log(cfg.default_band_ratio) / (2 * Z90)
        return np.asarray(np.exp(s * z), np.float64)
    lo, hi = band
    safe = np.maximum(usd, 1e-12)
    up = np.log(np.maximum(hi, safe) / safe) / Z90
    dn = np.log(safe / np.clip(lo, safe * 1e-3, safe)) / Z90
    return np.asarray(np.exp(np.where(z > 0, up * z, dn * z)), np.float64)


def simulate_outcomes(
    m: LiquidationMap,
    impact: ImpactModel,
    *,
    shock_pct: float | None = None,
    order_usd: float | None = None,
    config: CascadeConfig | None = None,
    outcomes: OutcomeConfig | None = None,
    bands: MapBands | None = None,
) -> CascadeOutcomes:
    """Draw ``n_draws`` cascades (map bands x impact spread); see the module docstring.

    ``bands`` default to the map's own (:func:`bands_of`), else the multiplicative default.
    """
    from liqmap.core.cascade import _impact_shock

    cfg, oc = config or CascadeConfig(), outcomes or OutcomeConfig()
    rng = np.random.default_rng(oc.seed)
    direction, shock, flow0 = _impact_shock(impact, shock_pct, order_usd)
    usd = np.ascontiguousarray(m.long_total if direction < 0 else m.short_total)
    b = bands if bands is not None else bands_of(m)
    fac = _factors(usd, None if b is None else b.side(direction), oc, rng)
    if b is not None and b.conserve_total and usd.sum() > 0:
        fac *= usd.sum() / np.maximum(fac @ usd, 1e-300)[:, None]
    ys, deltas = impact.draws(oc.n_draws, rng)
    cap, joint = held_usd(m, direction), order_usd is not None
    out = np.zeros((cfg.max_steps + 1, 3))
    liq, pin, fresh = np.zeros(oc.n_draws), np.zeros(oc.n_draws), np.zeros(oc.n_draws)
    side = "long" if direction < 0 else "short"
    for i in range(oc.n_draws):
        model = replace(impact, fit=replace(impact.fit, y=float(ys[i]), delta=float(deltas[i])))
        d0, f0 = shock, flow0
        if order_usd is not None:
            d0 = model.move_for(flow0)
        n, _ = run_rounds(m, np.ascontiguousarray(usd * fac[i]), model, direction, d0, f0,
                          joint, cap, cfg, out)  # fmt: skip
        liq[i] = out[:n, 1].sum()
        pin[i] = (out[n - 1, 0] / m.price - 1.0) * 100.0
        reach = float(out[n - 1, 0])
        fresh[i] = fresh_part(m, min(reach, m.price), max(reach, m.price), side, oc.horizon_ms)
    s_pct = float(shock_pct) if shock_pct is not None else direction * shock * 100.0
    s_abs = max(abs(s_pct), 1e-12)
    final = s_pct + cfg.permanent_fraction * (pin - s_pct)
    qs = {q: float(np.quantile(liq, q)) for q in QUANTILES}
    return CascadeOutcomes(
        n_draws=oc.n_draws,
        shock_pct=s_pct,
        liquidated_usd=qs,
        pin_move_pct={q: float(np.quantile(pin, q)) for q in QUANTILES},
        final_move_pct={q: float(np.quantile(final, q)) for q in QUANTILES},
        p_extend={k: float(np.mean(np.abs(pin) >= k * s_abs)) for k in oc.ks},
        p_extend_final={k: float(np.mean(np.abs(final) >= k * s_abs)) for k in oc.ks},
        band_source=b.source if b is not None else (
            f"no map bands: each bin x log-normal, p90/p10 = {oc.default_band_ratio:g}, "
            f"bin correlation {oc.bin_corr:g}"
        ),
        samples_liquidated=liq,
        samples_pin_pct=pin,
        fresh_usd={q: float(np.quantile(fresh, q)) for q in QUANTILES},
        total_usd={q: float(np.quantile(liq + fresh, q)) for q in QUANTILES},
        horizon_ms=oc.horizon_ms,
    )  # fmt: skip

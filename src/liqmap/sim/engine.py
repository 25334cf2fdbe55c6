"""``simulate()``: draw the exogenous inputs, run the loop, assemble the records."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from liqmap._aot import load
from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.io.brackets import default_table
from liqmap.sim.agents import Candidates, draw_candidates
from liqmap.sim.config import SimConfig
from liqmap.sim.regimes import Exogenous, draw_exogenous
from liqmap.sim.result import PositionLog, SimulationResult, TruePositions

if TYPE_CHECKING:
    from liqmap.sim import _kernel as kern
else:
    kern = load("liqmap.sim._kernel")  # compiled ahead of time when built, else numba

__all__ = ["SOURCE", "simulate"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

SOURCE = "liqmap-sim"


@dataclass(frozen=True, slots=True)
class _Inputs:
    """Everything drawn before the loop."""

    table: MarginTable
    exo: Exogenous
    cand: Candidates
    noise: FloatArray  # (n_steps, 2) noise traders' buy / sell USD


@dataclass(frozen=True, slots=True)
class _Raw:
    """The loop's output arrays (layouts in :mod:`liqmap.sim._kernel`)."""

    bars: FloatArray
    pos_f: FloatArray
    pos_i: IntArray
    ev_f: FloatArray
    ev_i: IntArray


def simulate(config: SimConfig | None = None) -> SimulationResult:
    """Run the market simulator (deterministic: the same config gives bit-identical output).

    Raises
    ------
    UnknownSymbolError
        No default Binance USD-M margin table for ``config.symbol`` and none given.
    ParameterError
        A leverage of the population exceeds what the margin table allows.
    """
    cfg = config or SimConfig()
    inputs = _draw(cfg)
    exo, cand = inputs.exo, inputs.cand
    cand_f = np.column_stack((cand.notional, cand.side_draw, cand.ratio_long, cand.ratio_short))
    cand_i = np.column_stack((cand.hold_steps, cand.take_profit, cand.stop_loss))
    bars, (pos_f, pos_i), (ev_f, ev_i, n_ev) = kern.run(
        (exo.x, exo.depth_mult, inputs.noise, cand.arrivals),
        (np.ascontiguousarray(cand_f), np.ascontiguousarray(cand_i, dtype=np.int64)),
        _params(cfg),
    )
    n = int(n_ev[0])
    return _assemble(cfg, inputs, _Raw(bars, pos_f, pos_i, ev_f[:n], ev_i[:n]))


def _draw(cfg: SimConfig) -> _Inputs:
    """All random draws, in a fixed order from one generator seeded by ``cfg.seed``."""
    table = cfg.margin_table
    if table is None:
        table = default_table(Venue.BINANCE, cfg.symbol)
    rng = np.random.default_rng(cfg.seed)
    exo = draw_exogenous(cfg, rng)
    cand = draw_candidates(cfg, exo.sigma, table, rng)
    return _Inputs(table, exo, cand, _noise_volume(cfg, exo, rng))


def _params(cfg: SimConfig) -> FloatArray:
    steps = cfg.steps_per_minute
    prm = np.zeros(kern.N_PARAMS)
    prm[kern.P_LOG0] = math.log(cfg.start_price)
    prm[kern.P_DEPTH] = cfg.depth_usd_per_pct
    prm[kern.P_PERM] = cfg.permanent_impact
    prm[kern.P_DECAY] = 0.5 ** (1.0 / (cfg.impact_half_life_minutes * steps))
    prm[kern.P_TP] = cfg.take_profit_distance
    prm[kern.P_SL] = cfg.stop_loss_distance
    prm[kern.P_MOM] = cfg.side_momentum
    prm[kern.P_MOM_ALPHA] = 1.0 - 0.5 ** (1.0 / (cfg.momentum_minutes * steps))
    prm[kern.P_MOM_SCALE] = max(cfg.volatility_pct, 1e-6) / 100.0 * math.sqrt(cfg.momentum_minutes)
    prm[kern.P_STEPS] = steps
    return prm


def _noise_volume(cfg: SimConfig, exo: Exogenous, rng: np.random.Generator) -> FloatArray:
    """Noise traders' buy and sell USD per step, ``(n_steps, 2)``: exponential gross volume
    (mean grows with volatility), split by a buy share drawn once per minute."""
    ref = cfg.volatility_pct / 100.0
    activity = np.ones_like(exo.sigma)
    if ref > 0.0:
        activity = (exo.sigma / ref) ** cfg.activity_vol_exponent
    steps = cfg.steps_per_minute
    mean = np.repeat(cfg.noise_volume_usd_per_minute * activity / steps, steps)
    gross = rng.exponential(1.0, size=len(mean)) * mean
    share = np.clip(0.5 + cfg.noise_imbalance * rng.standard_normal(len(exo.sigma)), 0.0, 1.0)
    buy = gross * np.repeat(share, steps)
    return np.ascontiguousarray(np.column_stack((buy, gross - buy)), dtype=np.float64)


def _assemble(cfg: SimConfig, inputs: _Inputs, raw: _Raw) -> SimulationResult:
    t0 = cfg.start_ms - cfg.warmup_minutes * 60_000
    w = cfg.warmup_minutes
    out = raw.bars[w:]
    ts = cfg.start_ms + 60_000 * np.arange(cfg.duration_minutes, dtype=np.int64)
    candles = Candles(
        symbol=cfg.symbol,
        interval_ms=60_000,
        ts_ms=ts,
        open=out[:, kern.B_OPEN],
        high=out[:, kern.B_HIGH],
        low=out[:, kern.B_LOW],
        close=out[:, kern.B_CLOSE],
        volume=out[:, kern.B_VOLUME],
        taker_buy_volume=out[:, kern.B_TAKER_BUY],
        source=SOURCE,
    )
    col = kern.B_OI_MARK if cfg.oi_valuation == "mark" else kern.B_OI_ENTRY
    oi0 = float(raw.bars[w - 1, col]) if w > 0 else 0.0
    oi = OpenInterest(
        ts_ms=np.concatenate(([cfg.start_ms], ts + 60_000)),
        value_usd=np.concatenate(([oi0], out[:, col])),
        kind="level",
        source=SOURCE,
    )
    steps = cfg.steps_per_minute
    return SimulationResult(
        config=cfg,
        margin_table=inputs.table,
        candles=candles,
        open_interest=oi,
        liquidations=_events(cfg, t0, raw),
        log=_position_log(cfg, t0, inputs.cand, raw),
        exogenous_close=cfg.start_price * np.exp(inputs.exo.x[steps - 1 :: steps][w:]),
    )


def _events(cfg: SimConfig, t0: int, raw: _Raw) -> LiquidationEvents:
    ts = t0 + raw.ev_i[:, kern.E_STEP] * cfg.step_ms
    keep = ts >= cfg.start_ms
    return LiquidationEvents(
        ts_ms=ts[keep],
        side=raw.ev_i[keep, kern.E_SIDE],
        price=raw.ev_f[keep, kern.E_PRICE],
        qty=raw.ev_f[keep, kern.E_QTY],
        notional_usd=raw.ev_f[keep, kern.E_USD],
        source=SOURCE,
    )


def _position_log(cfg: SimConfig, t0: int, cand: Candidates, raw: _Raw) -> PositionLog:
    pos_f, pos_i = raw.pos_f, raw.pos_i
    closed = pos_i[:, kern.CLOSE_STEP] >= 0
    positions = TruePositions(
        side=pos_i[:, kern.SIDE].astype(np.int8),
        entry_price=pos_f[:, kern.ENTRY],
        leverage=cand.leverage,
        notional_usd=cand.notional,
        qty=pos_f[:, kern.QTY],
        liquidation_price=pos_f[:, kern.LIQ],
        open_ts_ms=t0 + pos_i[:, kern.OPEN_STEP] * cfg.step_ms,
    )
    return PositionLog(
        positions=positions,
        close_ts_ms=np.where(closed, t0 + pos_i[:, kern.CLOSE_STEP] * cfg.step_ms, -1),
        close_price=pos_f[:, kern.CLOSE_PRICE],
        exit_kind=pos_i[:, kern.CLOSE_KIND].astype(np.int8),
    )

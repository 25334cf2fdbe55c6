"""Fit the impact law and the book's resilience on a Binance USD-M recording (trades + depth).

:func:`fit_impact_recording` replays the book once a second (``liqmap.io.orderbook``), reads the
``@trade`` stream (taker side from ``m``: buyer is maker -> a taker sell), and fits

* the square-root law :math:`r\\,\\mathrm{sgn}(Q) = Y\\sigma_D(|Q|/V_D)^{1/2}` on non-overlapping
  windows of 2, 5, 10, 20 and 30 s (``liqmap.core.impact.fit_impact_law``), with the recording's
  own daily volatility (1 s mid returns) and daily volume (its traded USD per second x 86,400);
* the depth refill half-life: an AR(1) of the USD within 10 bp of mid on each side, averaged.

The shipped :data:`liqmap.core.impact.FITTED` comes from this function on the shared BTCUSDT
recording (a test recomputes it).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import msgspec
import numpy as np
from numpy.typing import NDArray

from liqmap.core.impact import ImpactFit, fit_impact_law, fit_resilience
from liqmap.errors import DataFileError
from liqmap.io._book import BookSnapshot, json_text, text_lines
from liqmap.io.orderbook import replay_binance_file

__all__ = ["fit_impact_recording", "hyperliquid_half_life", "read_binance_trades"]

FloatArray = NDArray[np.float64]
WINDOWS_MS = (2_000, 5_000, 10_000, 20_000, 30_000)
NEAR_BP = 10.0


class _Trade(msgspec.Struct, frozen=True):
    T: int
    p: str
    q: str
    m: bool


class _TradeMsg(msgspec.Struct, frozen=True):
    stream: str
    data: msgspec.Raw


_msg = msgspec.json.Decoder(_TradeMsg)
_trade = msgspec.json.Decoder(_Trade)


def read_binance_trades(path: str | os.PathLike[str]) -> tuple[NDArray[np.int64], FloatArray]:
    """``(trade time ms, signed USD)`` of every ``@trade`` message (+ taker buy, - taker sell)."""
    p = Path(path)
    ts: list[int] = []
    usd: list[float] = []
    for i, raw in enumerate(text_lines(p), start=1):
        text = json_text(raw.strip())
        if '@trade"' not in text[:60]:
            continue
        try:
            t = _trade.decode(_msg.decode(text).data)
        except msgspec.DecodeError as e:
            raise DataFileError(f"not a Binance trade message ({e})", path=str(p), row=i) from e
        ts.append(t.T)
        usd.append(float(t.p) * float(t.q) * (-1.0 if t.m else 1.0))
    if not ts:
        raise DataFileError("no @trade messages in the recording", path=str(p))
    return np.array(ts, np.int64), np.array(usd)


def _near(s: BookSnapshot) -> tuple[float, float]:
    m = s.mid
    b = s.bid_price >= m * (1 - NEAR_BP / 1e4)
    a = s.ask_price <= m * (1 + NEAR_BP / 1e4)
    return float(np.dot(s.bid_price[b], s.bid_qty[b])), float(np.dot(s.ask_price[a], s.ask_qty[a]))


def fit_impact_recording(path: str | os.PathLike[str], *, n_boot: int = 300) -> ImpactFit:
    """The impact-law and resilience fit of one Binance recording (see the module docstring)."""
    rep = replay_binance_file(path, sample_every_ms=1_000)
    books = rep.snapshots
    if len(books) < 30:
        raise DataFileError("need at least 30 s of book to fit impact", path=str(path))
    ts = np.array([b.ts_ms for b in books], np.int64)
    mid = np.array([b.mid for b in books])
    tt, tq = read_binance_trades(path)
    span_s = (ts[-1] - ts[0]) / 1e3
    r1 = np.diff(np.log(mid))
    sigma = math.sqrt(float(r1 @ r1) / span_s * 86_400)
    volume = float(np.abs(tq).sum()) / span_s * 86_400
    cum = np.r_[0.0, np.cumsum(tq)]
    rets, flows = [], []
    for w in WINDOWS_MS:
        t0 = np.arange(ts[0], ts[-1] - w, w)
        i0, i1 = np.searchsorted(ts, t0), np.searchsorted(ts, t0 + w)
        rets.append(np.log(mid[i1] / mid[i0]))
        flows.append(cum[np.searchsorted(tt, t0 + w)] - cum[np.searchsorted(tt, t0)])
    r, q = np.concatenate(rets), np.concatenate(flows)
    y, log_sd, _d_free, d_sd, corr = fit_impact_law(r, q, sigma, volume, n_boot=n_boot)
    near = np.array([_near(b) for b in books])
    dt = float(np.median(np.diff(ts))) / 1e3
    half = float(np.mean([fit_resilience(near[:, j], dt) for j in (0, 1)]))
    return ImpactFit(
        y=y, delta=0.5, log_y_sd=log_sd, delta_sd=d_sd, corr=corr, half_life_s=half,
        n_windows=int(np.count_nonzero(q)), source=f"{Path(path).name}: trades vs mid, 2-30 s windows",
    )  # fmt: skip


def hyperliquid_half_life(path: str | os.PathLike[str]) -> float:
    """Depth refill half-life (s) of a Hyperliquid ``l2Book`` recording: the same AR(1) of the
    USD within 10 bp of mid on each side (each message is a full top-of-book), averaged."""
    from liqmap.io.orderbook import read_hyperliquid_l2

    books = read_hyperliquid_l2(path)
    ts = np.array([b.ts_ms for b in books], np.int64)
    keep = np.r_[True, np.diff(ts) > 0]  # repeated snapshots with the same time count once
    near = np.array([_near(b) for b, k in zip(books, keep, strict=True) if k])
    dt = float(np.median(np.diff(ts[keep]))) / 1e3
    return float(np.mean([fit_resilience(near[:, j], dt) for j in (0, 1)]))

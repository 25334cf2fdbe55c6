"""The simulator's main loop (numba): orders, price impact, exits, liquidation cascades.

One implementation, kept readable; ``docs/simulator.md`` describes the model. Per sub-minute step:

1. the exogenous log price moves and the transient part of past impact decays; the noise
   traders' flow (whose net is that exogenous move) adds taker volume;
2. planned time exits due at this step close (opposite market orders);
3. new positions open (market orders at the current price, side leaning with momentum).

After **every** price change, :func:`_settle` fires the price triggers the price touched:
liquidations, take-profits and stop-losses. Each fired order moves the price again (impact), so
it may touch more triggers; the loop runs until none is left. That is how cascades emerge. A
take-profit or stop-loss whose position's liquidation price was touched too (a gap) becomes a
liquidation. Liquidation events are recorded at the exact liquidation price.

Arrays travel in tuples (numba has no keyword-only arguments):

``mkt = (st, prm)``
    mutable scalar state ``st[S_*]`` (price, impact, bar accumulators, OI, clock) and the
    constant parameters ``prm[P_*]``.
``heap = (keys, ids, kinds, sizes)``
    three lazy-deletion heaps (:mod:`liqmap.sim._heap`): ``BELOW`` fires when the price falls to
    a trigger (keys are ``-price``), ``ABOVE`` when it rises to one, ``TIME`` holds exit steps.
``book = (pos_f, pos_i)``
    every position: ``pos_f[i, ENTRY|QTY|LIQ|CLOSE_PRICE]``,
    ``pos_i[i, SIDE|OPEN_STEP|CLOSE_STEP|CLOSE_KIND]``.
``tape = (ev_f, ev_i, n_ev)``
    liquidation events ``ev_f[e, E_PRICE|E_QTY|E_USD]``, ``ev_i[e, E_STEP|E_SIDE]``, count.
``cand = (cand_f, cand_i)``
    the pre-drawn candidates (:mod:`liqmap.sim.agents`), columns ``C_*``.
``exo = (x, depth_mult, noise_usd, arrivals)``
    exogenous inputs: log price per step, depth multiplier per minute, noise buy/sell USD per
    step, number of arrivals per step.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numpy.typing import NDArray

from liqmap.sim._heap import Heap, heap_pop, heap_push

F8 = NDArray[np.float64]
I8 = NDArray[np.int64]
Mkt = tuple[F8, F8]
Book = tuple[F8, I8]
Tape = tuple[F8, I8, I8]
Cand = tuple[F8, I8]
Exo = tuple[F8, F8, F8, I8]

# close kinds (pos_i[:, CLOSE_KIND]) and trigger kinds (heap entries)
OPEN, LIQUIDATION, TAKE_PROFIT, STOP_LOSS, TIME_EXIT = 0, 1, 2, 3, 4
BELOW, ABOVE, TIME = 0, 1, 2
ENTRY, QTY, LIQ, CLOSE_PRICE = 0, 1, 2, 3
SIDE, OPEN_STEP, CLOSE_STEP, CLOSE_KIND = 0, 1, 2, 3
# bars: OHLC, volume and taker-buy volume (base units), OI at the close (mark, entry value)
B_OPEN, B_HIGH, B_LOW, B_CLOSE, B_VOLUME, B_TAKER_BUY, B_OI_MARK, B_OI_ENTRY = range(8)
E_PRICE, E_QTY, E_USD = 0, 1, 2
E_STEP, E_SIDE = 0, 1
C_NOTIONAL, C_SIDE_DRAW, C_RATIO_LONG, C_RATIO_SHORT = 0, 1, 2, 3
C_HOLD, C_TAKE_PROFIT, C_STOP_LOSS = 0, 1, 2
P_LOG0, P_DEPTH, P_PERM, P_DECAY, P_TP, P_SL, P_MOM, P_MOM_ALPHA, P_MOM_SCALE, P_STEPS = range(10)
N_PARAMS = 10
S_X, S_PERM, S_TRANS, S_PRICE, S_HI, S_LO, S_BUY, S_SELL = range(8)
S_OIQ, S_OIN, S_EWMA, S_DEPTH, S_STEP, S_VLO, S_VHI = range(8, 15)
N_STATE = 15


@nb.njit(cache=True)
def _reprice(mkt: Mkt) -> None:
    st, prm = mkt
    p = math.exp(prm[P_LOG0] + st[S_X] + st[S_PERM] + st[S_TRANS])
    st[S_PRICE] = p
    st[S_HI] = max(st[S_HI], p)
    st[S_LO] = min(st[S_LO], p)
    st[S_VHI] = max(st[S_VHI], p)
    st[S_VLO] = min(st[S_VLO], p)


@nb.njit(cache=True)
def _trade(mkt: Mkt, usd: float) -> None:
    """A market order of ``usd`` (> 0 buy, < 0 sell) at the current price, then its impact."""
    st, prm = mkt
    qty = abs(usd) / st[S_PRICE]
    if usd > 0.0:
        st[S_BUY] += qty
    else:
        st[S_SELL] += qty
    move = usd / (st[S_DEPTH] * 100.0)  # log-price impact: N USD move the price N / depth %
    st[S_PERM] += prm[P_PERM] * move
    st[S_TRANS] += (1.0 - prm[P_PERM]) * move
    _reprice(mkt)


@nb.njit(cache=True)
def _close(mkt: Mkt, book: Book, i: int, kind: int, price: float) -> None:
    """Close position ``i`` now: OI falls and an opposite market order trades."""
    st = mkt[0]
    pos_f, pos_i = book
    pos_i[i, CLOSE_STEP] = int(st[S_STEP])
    pos_i[i, CLOSE_KIND] = kind
    pos_f[i, CLOSE_PRICE] = price
    qty = pos_f[i, QTY]
    st[S_OIQ] -= qty
    st[S_OIN] -= qty * pos_f[i, ENTRY]
    _trade(mkt, -pos_i[i, SIDE] * qty * st[S_PRICE])


@nb.njit(cache=True)
def _fire(mkt: Mkt, book: Book, tape: Tape, i: int, kind: int) -> None:
    """Execute a touched trigger of open position ``i`` (a liquidation if its level was touched)."""
    st = mkt[0]
    pos_f, pos_i = book
    side = pos_i[i, SIDE]
    liq = pos_f[i, LIQ]
    touched = st[S_VLO] <= liq if side == 1 else st[S_VHI] >= liq
    if kind != LIQUIDATION and not touched:
        _close(mkt, book, i, kind, st[S_PRICE])
        return
    ev_f, ev_i, n_ev = tape
    e = n_ev[0]
    n_ev[0] += 1
    ev_i[e, E_STEP] = int(st[S_STEP])
    ev_i[e, E_SIDE] = side
    ev_f[e, E_PRICE] = liq
    ev_f[e, E_QTY] = pos_f[i, QTY]
    ev_f[e, E_USD] = pos_f[i, QTY] * liq
    _close(mkt, book, i, LIQUIDATION, liq)


@nb.njit(cache=True)
def _settle(mkt: Mkt, heap: Heap, book: Book, tape: Tape) -> None:
    """Fire every trigger touched since the last price change, until none is (cascades).

    Call it after every price change. Fired orders move the price, possibly back and forth, so
    triggers are tested against the lowest and highest price visited since the call began
    (``S_VLO``, ``S_VHI``): a level the price touched is never skipped.
    """
    st = mkt[0]
    keys, ids, kinds, sizes = heap
    st[S_VLO] = st[S_PRICE]
    st[S_VHI] = st[S_PRICE]
    while True:
        if sizes[BELOW] > 0 and -keys[BELOW, 0] >= st[S_VLO]:
            h = BELOW
        elif sizes[ABOVE] > 0 and keys[ABOVE, 0] <= st[S_VHI]:
            h = ABOVE
        else:
            return
        i = ids[h, 0]
        kind = kinds[h, 0]
        heap_pop(heap, h)
        if book[1][i, CLOSE_KIND] == OPEN:
            _fire(mkt, book, tape, i, kind)


@nb.njit(cache=True)
def _push_price(heap: Heap, i: int, price: float, up: bool, kind: int) -> None:
    if up:
        heap_push(heap, ABOVE, price, i, kind)
    else:
        heap_push(heap, BELOW, -price, i, kind)


@nb.njit(cache=True)
def _open(mkt: Mkt, cand: Cand, heap: Heap, book: Book, i: int) -> None:
    """Open candidate ``i`` now at the current price and register its triggers."""
    st, prm = mkt
    cand_f, cand_i = cand
    pos_f, pos_i = book
    k = int(st[S_STEP])
    p = st[S_PRICE]
    signal = (math.log(p) - st[S_EWMA]) / prm[P_MOM_SCALE]
    long_share = 0.5 + 0.5 * prm[P_MOM] * math.tanh(signal)
    side = 1 if cand_f[i, C_SIDE_DRAW] < long_share else -1
    liq = p * (cand_f[i, C_RATIO_LONG] if side == 1 else cand_f[i, C_RATIO_SHORT])
    notional = cand_f[i, C_NOTIONAL]
    pos_f[i, ENTRY] = p
    pos_f[i, QTY] = notional / p
    pos_f[i, LIQ] = liq
    pos_i[i, SIDE] = side
    pos_i[i, OPEN_STEP] = k
    _push_price(heap, i, liq, side == -1, LIQUIDATION)
    if cand_i[i, C_TAKE_PROFIT]:
        tp = p + prm[P_TP] * (p - liq)  # beyond entry, P_TP times the liquidation distance
        if tp > 0.0:
            _push_price(heap, i, tp, side == 1, TAKE_PROFIT)
    if cand_i[i, C_STOP_LOSS]:
        _push_price(heap, i, p - prm[P_SL] * (p - liq), side == -1, STOP_LOSS)
    heap_push(heap, TIME, float(k + cand_i[i, C_HOLD]), i, TIME_EXIT)
    st[S_OIQ] += pos_f[i, QTY]
    st[S_OIN] += notional
    _trade(mkt, side * notional)


@nb.njit(cache=True)
def _noise(mkt: Mkt, exo: Exo, k: int) -> None:
    """Exogenous move of step ``k``. Taker volume: the net flow that moved the price exogenously
    plus the noise traders' random buy and sell volume ``noise_usd[k, 0|1]`` (no net impact)."""
    st = mkt[0]
    x, _, noise_usd, _ = exo
    prev = x[k - 1] if k > 0 else 0.0
    net = (x[k] - prev) * st[S_DEPTH] * 100.0
    p = st[S_PRICE]
    st[S_BUY] += (noise_usd[k, 0] + max(net, 0.0)) / p
    st[S_SELL] += (noise_usd[k, 1] + max(-net, 0.0)) / p
    st[S_X] = x[k]
    st[S_TRANS] *= mkt[1][P_DECAY]
    _reprice(mkt)


@nb.njit(cache=True)
def _time_exits(mkt: Mkt, heap: Heap, book: Book, tape: Tape) -> None:
    """Close the positions whose planned holding time ends at the current step."""
    st = mkt[0]
    keys, ids, _, sizes = heap
    while sizes[TIME] > 0 and keys[TIME, 0] <= st[S_STEP]:
        i = ids[TIME, 0]
        heap_pop(heap, TIME)
        if book[1][i, CLOSE_KIND] == OPEN:
            _close(mkt, book, i, TIME_EXIT, st[S_PRICE])
            _settle(mkt, heap, book, tape)


@nb.njit(cache=True)
def _start_bar(st: F8, bars: F8, m: int) -> None:
    bars[m, B_OPEN] = st[S_PRICE]
    st[S_HI] = st[S_PRICE]
    st[S_LO] = st[S_PRICE]
    st[S_BUY] = 0.0
    st[S_SELL] = 0.0


@nb.njit(cache=True)
def _close_bar(st: F8, bars: F8, m: int) -> None:
    bars[m, B_HIGH] = st[S_HI]
    bars[m, B_LOW] = st[S_LO]
    bars[m, B_CLOSE] = st[S_PRICE]
    bars[m, B_VOLUME] = st[S_BUY] + st[S_SELL]
    bars[m, B_TAKER_BUY] = st[S_BUY]
    bars[m, B_OI_MARK] = max(st[S_OIQ], 0.0) * st[S_PRICE]
    bars[m, B_OI_ENTRY] = max(st[S_OIN], 0.0)


@nb.njit(cache=True)
def _allocate(n: int) -> tuple[Heap, Book, Tape]:
    heap = (
        np.zeros((3, 2 * n + 1)),
        np.zeros((3, 2 * n + 1), dtype=np.int64),
        np.zeros((3, 2 * n + 1), dtype=np.int8),
        np.zeros(3, dtype=np.int64),
    )
    pos_i = np.zeros((n, 4), dtype=np.int64)
    pos_i[:, OPEN_STEP] = -1
    pos_i[:, CLOSE_STEP] = -1
    book = (np.full((n, 4), np.nan), pos_i)
    tape = (np.zeros((n, 3)), np.zeros((n, 2), dtype=np.int64), np.zeros(1, dtype=np.int64))
    return heap, book, tape


@nb.njit(cache=True)
def run(exo: Exo, cand: Cand, prm: F8) -> tuple[F8, Book, Tape]:
    """Simulate every step; return ``bars`` (one row per minute), the ``book`` and the ``tape``."""
    x, depth_mult, _, arrivals = exo
    steps = int(prm[P_STEPS])
    n_min = len(x) // steps
    heap, book, tape = _allocate(len(cand[0]))
    bars = np.zeros((n_min, 8))
    st = np.zeros(N_STATE)
    st[S_EWMA] = prm[P_LOG0]
    mkt = (st, prm)
    _reprice(mkt)
    nxt = 0
    for m in range(n_min):
        _start_bar(st, bars, m)
        st[S_DEPTH] = prm[P_DEPTH] * depth_mult[m]
        for k in range(m * steps, (m + 1) * steps):
            st[S_STEP] = k
            _noise(mkt, exo, k)
            _settle(mkt, heap, book, tape)
            _time_exits(mkt, heap, book, tape)
            for _ in range(arrivals[k]):
                _open(mkt, cand, heap, book, nxt)
                _settle(mkt, heap, book, tape)
                nxt += 1
            st[S_EWMA] += prm[P_MOM_ALPHA] * (math.log(st[S_PRICE]) - st[S_EWMA])
        _close_bar(st, bars, m)
    return bars, book, tape

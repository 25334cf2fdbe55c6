"""Fuzz the whole file path: loaders -> estimator -> JSON (issue 13 item 4).

Small bars (+ open-interest) files whose values are drawn from a mix of ordinary numbers and
hostile ones (1e308, 1e250, -1e300, 1e-300, 0, nan, inf, text, epoch seconds, huge times).
Every input must either give a map whose JSON is standard (``allow_nan=False``) or raise a
:class:`~liqmap.errors.LiqmapError` (the CLI's exit code 2/1): never another exception.
Before the fix 1e308 volumes or OI changes ended in ``ValueError: must be finite`` and 1e250
prices in "Out of range float values are not JSON compliant".
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liqmap import api
from liqmap.errors import LiqmapError

T0 = 1_767_225_600_000
HOSTILE = [1e308, -1e308, 1e250, 1e200, 1e-300, 5e-324, 0.0, -1.0, 1e15, 1e18, 1e19]
NUMBER = st.one_of(
    st.floats(50.0, 150.0),
    st.sampled_from(HOSTILE),
    st.floats(allow_nan=True, allow_infinity=True),
)
TEXT = st.one_of(
    NUMBER.map(repr), st.sampled_from(["nan", "inf", "-inf", "", "x", "1e309", "0x10", "1,5"])
)


@st.composite
def bars_file(draw: st.DrawFn) -> tuple[str, str | None]:
    n = draw(st.integers(3, 40))
    step = draw(st.sampled_from([60_000, 60, 1]))  # ms, seconds-looking, nonsense
    t0 = draw(st.sampled_from([T0, T0 // 1000, 0, 2**62]))
    base = draw(st.floats(1e-6, 1e6))
    rows = ["open_time,open,high,low,close,volume"]
    for i in range(n):
        price = base * (1 + 0.001 * (i % 7))
        cells = [price, price * 1.001, price * 0.999, price, 10.0]
        if draw(st.integers(0, 4)) == 0:  # one hostile cell in about every fifth row
            cells[draw(st.integers(0, 4))] = draw(NUMBER)
        text = [repr(float(c)) for c in cells]
        if draw(st.integers(0, 30)) == 0:
            text[draw(st.integers(0, 4))] = draw(TEXT)
        rows.append(",".join([str(t0 + i * step), *text]))
    oi = None
    if draw(st.booleans()):
        lines = ["ts_ms,oi_change"]
        for i in range(n):
            v = draw(st.one_of(st.floats(-1e6, 1e6), st.sampled_from(HOSTILE)))
            lines.append(f"{t0 + i * step},{v!r}")
        oi = "\n".join(lines) + "\n"
    return "\n".join(rows) + "\n", oi


def run_one(bars: str, oi: str | None, folder: Path) -> str:
    """'ok' or 'rejected'; any other exception propagates (a traceback in the CLI)."""
    b = folder / "bars.csv"
    b.write_text(bars, encoding="utf-8")
    o = None
    if oi is not None:
        o = folder / "oi.csv"
        o.write_text(oi, encoding="utf-8")
    try:
        data = api.load_market("BTCUSDT", str(b), oi=o)
        m = api.estimate_map(data, window="30m", bins=40)
        text = json.dumps(m.to_dict(), allow_nan=False)
    except LiqmapError:
        return "rejected"
    assert json.loads(text)["price"] > 0
    assert np.isfinite(m.long_usd).all() and np.isfinite(m.short_usd).all()
    return "ok"


@settings(
    max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(bars_file())
def test_no_traceback_on_any_input(case: tuple[str, str | None]) -> None:
    with tempfile.TemporaryDirectory() as d:
        run_one(*case, Path(d))


@settings(max_examples=200, deadline=None, database=None)
@given(st.sampled_from(HOSTILE), st.sampled_from(["volume", "open", "high", "low", "close"]))
def test_records_built_in_python_are_checked_too(value: float, column: str) -> None:
    """The Python API (Candles built by hand, not by a loader) gets the same checks."""
    from liqmap.domain.market import Candles

    n = 60
    cols = {k: np.full(n, v) for k, v in
            {"open": 100.0, "high": 101.0, "low": 99.0, "close": 100.0, "volume": 5.0}.items()}  # fmt: skip
    cols[column] = np.full(n, value)
    c = Candles("BTCUSDT", 60_000, T0 + 60_000 * np.arange(n), taker_buy_volume=np.full(n, np.nan),
                **cols)  # fmt: skip
    try:
        m = api.estimate_map(c, window="30m", bins=40)
    except LiqmapError:
        return
    json.dumps(m.to_dict(), allow_nan=False)

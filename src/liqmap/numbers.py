"""Plain numbers in messages (below every layer that validates: :mod:`liqmap.model_config`
formats its range errors with it; :mod:`liqmap.core.formatting` re-exports it)."""

from __future__ import annotations

import math

__all__ = ["format_number"]


def format_number(x: float) -> str:
    """A plain number for messages and help: integers with thousands separators, others with
    four significant decimals at most (``8e8 -> '800,000,000'``, ``0.6666.. -> '0.6667'``)."""
    if isinstance(x, bool) or not math.isfinite(x):
        return str(x)
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1000:
        return f"{x:,.2f}".rstrip("0").rstrip(".")
    return f"{x:.4g}" if abs(x) >= 1e-4 else f"{x:.3e}"

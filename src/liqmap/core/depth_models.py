"""Named depth models: dated power laws fitted to real books, and ``power:USD_AT_1PCT,EXPONENT``.

Used when no order-book file is given (``--depth-model``, or by default for BTC and ETH). The
model is :math:`D(d) = D_1 (d / 1\\%)^b` per side (``liqmap.core.depth``); the shipped constants
come from ``liqmap.io.orderbook.load_depth`` on the shared recordings (a test recomputes them).
"""

from __future__ import annotations

import re

from liqmap.core.depth import DepthProfile, power_profile
from liqmap.errors import ParameterError

__all__ = [
    "BUILTIN_DEPTH",
    "builtin_depth",
    "default_depth_name",
    "depth_model",
    "depth_model_names",
]

# Power laws fitted to the shared Binance USD-M recordings of 2024-08-08 (``load_depth`` on the
# file: the median of its books 30 s apart, each the REST snapshot advanced by the diff stream,
# over the range the snapshot covers: ~0.22-0.39% for BTC, ~0.45% for ETH); see
# docs/cascade.md section 2. The free fits (b 1.09-1.70: depth density rising away from mid,
# as the latent book of the square-root impact law, b = 2) are kept; the old cap b = 1 made the
# extrapolation linear. Dated: books change; pass --depth with a current book.
BUILTIN_DEPTH: dict[str, tuple[tuple[float, float], tuple[float, float], str]] = {
    "binance-btcusdt-2024-08-08": (
        (138.79e6, 1.254),
        (712.76e6, 1.695),
        "Binance USD-M BTCUSDT book of 2024-08-08, fitted within 0.22% (bids) / 0.39% (asks)",
    ),
    "binance-ethusdt-2024-08-08": (
        (105.46e6, 1.473),
        (46.69e6, 1.094),
        "Binance USD-M ETHUSDT book of 2024-08-08, fitted within 0.45% (bids) / 0.47% (asks)",
    ),
}
_ALIASES = {"btc": "binance-btcusdt-2024-08-08", "eth": "binance-ethusdt-2024-08-08"}
_USD = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*([kmb]?)\s*$", re.IGNORECASE)


def builtin_depth(name: str) -> DepthProfile:
    """A shipped, dated parametric profile by name (or alias ``btc`` / ``eth``)."""
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in BUILTIN_DEPTH:
        known = ", ".join([*_ALIASES, *BUILTIN_DEPTH])
        raise ParameterError(
            f"unknown depth model {name!r}; use one of {known}, or 'power:USD_AT_1PCT,EXPONENT' "
            "(e.g. power:100M,1.1), or pass --depth with an order-book file"
        )
    (ub, bb), (ua, ba), label = BUILTIN_DEPTH[key]
    return power_profile((ub, ua), (bb, ba), source=f"{key}: {label}")


def depth_model_names() -> tuple[str, ...]:
    """The shipped model names, aliases (``btc``, ``eth``) first; ``power:...`` is not listed."""
    return (*_ALIASES, *BUILTIN_DEPTH)


def default_depth_name(symbol: str) -> str | None:
    """The shipped model for a symbol's base asset (``BTCUSDT`` -> btc), if any."""
    base = symbol.upper().removesuffix("USDT").removesuffix("USDC").removesuffix("USD")
    return _ALIASES.get(base.split("-")[0].lower())


def _usd(text: str) -> float:
    m = _USD.match(text)
    if not m:
        raise ParameterError(f"cannot read {text!r} as a USD amount (e.g. 100M, 2.5e8, 750k)")
    mult = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9}[m.group(2).lower()]
    return float(m.group(1)) * mult


def depth_model(name: str) -> DepthProfile:
    """``'btc'``, ``'eth'``, a full built-in name, or ``'power:USD_AT_1PCT,EXPONENT'``."""
    text = name.strip()
    if not text.lower().startswith("power:"):
        return builtin_depth(text)
    parts = text[6:].split(",")
    if len(parts) != 2:
        raise ParameterError(
            f"--depth-model {name!r}: write power:USD_AT_1PCT,EXPONENT, e.g. power:100M,1.1"
        )
    usd1 = _usd(parts[0])
    try:
        b = float(parts[1])
    except ValueError:
        raise ParameterError(
            f"--depth-model {name!r}: exponent {parts[1]!r} is not a number"
        ) from None
    if not (usd1 > 0 and 0 < b <= 10):
        raise ParameterError(f"--depth-model {name!r}: need USD_AT_1PCT > 0 and 0 < EXPONENT <= 10")
    return power_profile(usd1, b, source=f"power law: {usd1:,.0f} USD within 1%, exponent {b:g}")

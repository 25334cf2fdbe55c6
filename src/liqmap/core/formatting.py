"""Every number liqmap shows a person, formatted in one place (CLI text, charts, reading, errors).

The same rules hold on every surface (the dashboard's ``static/format.js`` mirrors them; a test
checks the two agree):

- Amounts: :func:`format_usd` gives about three significant digits with a unit (``$850``,
  ``$12.3k``, ``$850k``, ``$41.2M``, ``$1.2B``). Axis ticks use :func:`format_usd_ticks`: one unit
  and one number of decimals for the whole axis (``$0 $50k $100k``; ``$0.8B $1.0B $1.2B``), never
  ``$50.0k`` next to ``$100k``.
- Prices: :func:`format_price`, about five significant digits; axis ticks use
  :func:`format_price_ticks`, as many decimals as the tick step needs (``1,800 1,850``, never
  ``1,800.0``).
- Ranges and plain numbers in messages: :func:`format_number` (``8e8 -> 800,000,000``,
  ``0.6666666666666666 -> 0.6667``), never Python's ``repr``.
- Times: :func:`format_time` in a display time zone (data stays UTC; see :func:`parse_tz`).

Examples
--------
>>> format_usd(12_500_000), format_usd(999_700), format_usd(50_000)
('$12.5M', '$1.0M', '$50.0k')
>>> format_usd_ticks([0, 50_000, 100_000, 150_000])
['$0', '$50k', '$100k', '$150k']
>>> format_usd_ticks([8e8, 1e9, 1.2e9])
['$0.8B', '$1.0B', '$1.2B']
>>> format_price_ticks([1800.0, 1850.0, 1900.0])
['1,800', '1,850', '1,900']
>>> format_number(8e8), format_number(2 / 3)
('800,000,000', '0.6667')
>>> format_kind("candles:60000"), format_leverage(12.5)
('1m candles', '12.5x')
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from liqmap.numbers import format_number

__all__ = [
    "display_tz",
    "display_zone",
    "format_distance",
    "format_duration",
    "format_kind",
    "format_leverage",
    "format_number",
    "format_pct",
    "format_price",
    "format_price_ticks",
    "format_range",
    "format_time",
    "format_usd",
    "format_usd_ticks",
    "parse_tz",
    "tz_name",
    "utc_offset_ms",
]

_USD_UNITS = (("", 1.0), ("k", 1e3), ("M", 1e6), ("B", 1e9), ("T", 1e12))


def format_usd(x: float) -> str:
    """Compact USD: ``$850``, ``$12.3k``, ``$850k``, ``$41.2M``, ``$412M``, ``$1.2B``.

    One decimal below 100 of a unit, none from 100; a value that rounds to 1,000 of a unit moves
    to the next unit (``999,960 -> $1.0M``).
    """
    if not math.isfinite(x):
        return "n/a"
    a = abs(x)
    text = ""
    for i, (suffix, scale) in enumerate(_USD_UNITS):
        v = a / scale
        digits = f"{v:.0f}" if i == 0 or v >= 99.95 else f"{v:.1f}"
        text = f"${digits}{suffix}"
        if float(digits) < 1000:
            break
    return f"-{text}" if x < 0 and text.strip("$0.") else text


def _tick_decimals(scaled: Sequence[float], most: int = 3) -> int:
    """Fewest decimals (up to ``most``) that show every value in ``scaled`` exactly."""
    for d in range(most + 1):
        if all(abs(round(v, d) - v) <= 1e-6 * max(1.0, abs(v)) for v in scaled):
            return d
    return most


def format_usd_ticks(values: Sequence[float]) -> list[str]:
    """Axis labels for USD ``values``: one unit (that of the largest) and one decimal count for
    all, zero as ``$0`` (``[0, 5e5, 1e6] -> ['$0', '$0.5M', '$1.0M']``)."""
    finite = [abs(v) for v in values if math.isfinite(v)]
    top = max(finite, default=0.0)
    suffix, scale = _USD_UNITS[0]
    for s, sc in _USD_UNITS:
        if top >= sc * 0.9995:
            suffix, scale = s, sc
    scaled = [v / scale for v in values if math.isfinite(v)]
    dec = _tick_decimals(scaled, 2)
    out = []
    for v in values:
        if not math.isfinite(v):
            out.append("")
        elif abs(v) < 1e-9 * max(top, 1.0):
            out.append("$0")
        else:
            out.append(f"{'-' if v < 0 else ''}${abs(v) / scale:,.{dec}f}{suffix}")
    return out


def format_price(x: float) -> str:
    """Price with precision adapted to magnitude: about 5 significant digits from 1 up
    (``61,200``, ``2,431.5``, ``143.27``), 4 below 1 (``0.2345``, ``0.00001235``)."""
    if not math.isfinite(x):
        return str(x)
    a = abs(x)
    if a == 0:
        return "0"
    exponent = math.floor(math.log10(a))
    decimals = max(0, 4 - exponent) if a >= 1 else 3 - exponent
    return f"{x:,.{min(decimals, 12)}f}"


def format_price_ticks(values: Sequence[float]) -> list[str]:
    """Axis labels for prices: the decimals the ticks need, the same for all (``1,800 1,850``)."""
    finite = [v for v in values if math.isfinite(v)]
    dec = _tick_decimals(finite, 8)
    return [f"{v:,.{dec}f}" if math.isfinite(v) else "" for v in values]


def format_distance(pct: float) -> str:
    """Signed distance from price: ``-2.1%``, ``+0.87%`` (2 decimals within 1 %)."""
    return f"{pct:+.2f}%" if abs(pct) < 1 else f"{pct:+.1f}%"


def format_pct(value: float) -> str:
    """Signed percentage with two decimals: ``-2.5 -> '-2.50%'``."""
    return f"{value:+.2f}%"


def format_duration(ms: int) -> str:
    """``6h 12m``, ``2d 3h``, ``45m``, ``30s``."""
    s = max(0, int(ms)) // 1000
    d, h, m = s // 86_400, s % 86_400 // 3600, s % 3600 // 60
    if d:
        return f"{d}d {h}h" if h else f"{d}d"
    if h:
        return f"{h}h {m}m" if m else f"{h}h"
    return f"{m}m" if m else f"{s}s"


def format_range(lo: float, hi: float, *, usd: bool = False) -> str:
    """``'800,000,000 to 1,200,000,000'`` (or ``'$800M to $1.2B'`` with ``usd``)."""
    f = format_usd if usd else format_number
    return f"{f(lo)} to {f(hi)}"


def format_leverage(leverage: float) -> str:
    """``25 -> '25x'``, ``12.5 -> '12.5x'``."""
    return f"{leverage:g}x"


_INTERVALS = ((86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s"))


def format_kind(kind: str) -> str:
    """A store series kind for people: ``'candles:60000' -> '1m candles'``, ``'oi' -> 'oi'``."""
    name, _, arg = kind.partition(":")
    if not arg.isdigit() or int(arg) <= 0:
        return kind
    ms = int(arg)
    for unit_ms, unit in _INTERVALS:
        if ms % unit_ms == 0:
            return f"{ms // unit_ms}{unit} {name}"
    return f"{ms}ms {name}"


def parse_tz(name: str | None) -> tzinfo:
    """A display time zone: ``None``/``'UTC'``, an IANA name (``Europe/Berlin``) or a fixed
    offset (``+02:00``, ``-5``). Raises ``ValueError`` naming the value and the accepted forms."""
    text = (name or "UTC").strip()
    if text.upper() in ("UTC", "Z", "GMT"):
        return UTC
    sign = -1 if text.startswith("-") else 1
    if text[:1] in "+-" and text[1:].replace(":", "").isdigit():
        hh, _, mm = text[1:].partition(":")
        hours, minutes = (int(hh), int(mm or 0)) if ":" in text else (int(hh[:2]), int(hh[2:] or 0))
        if hours > 14 or minutes > 59:
            raise ValueError(f"time zone offset {text!r} is out of range (-14:00 to +14:00)")
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {text!r}: use UTC, an IANA name such as Europe/Berlin or "
            "America/New_York, or an offset such as +02:00"
        ) from None


def tz_name(tz: tzinfo, ts_ms: int | None = None) -> str:
    """Short label of ``tz`` (``UTC``, ``CET``, ``UTC+02:00``) at ``ts_ms``."""
    if tz is UTC:
        return "UTC"
    when = datetime.fromtimestamp((ts_ms or 0) / 1000.0, tz=tz)
    name = when.tzname() or ""
    if not name or name[:1] in "+-" or name.startswith("UTC"):
        off = when.utcoffset() or timedelta(0)
        mins = int(off.total_seconds() // 60)
        return f"UTC{'+' if mins >= 0 else '-'}{abs(mins) // 60:02d}:{abs(mins) % 60:02d}"
    return name


_DISPLAY_TZ: ContextVar[tzinfo] = ContextVar("liqmap_display_tz", default=UTC)


def display_tz() -> tzinfo:
    """The zone times are shown in (UTC unless :func:`display_zone` or ``LIQMAP_TZ`` set one)."""
    return _DISPLAY_TZ.get()


@contextmanager
def display_zone(tz: tzinfo) -> Iterator[tzinfo]:
    """Show times in ``tz`` within the block (CLI text and charts); data stays UTC."""
    token = _DISPLAY_TZ.set(tz)
    try:
        yield tz
    finally:
        _DISPLAY_TZ.reset(token)


def utc_offset_ms(ts_ms: int, tz: tzinfo | None = None) -> int:
    """Offset of the display zone (or ``tz``) from UTC at ``ts_ms``, in ms (DST-aware)."""
    off = datetime.fromtimestamp(ts_ms / 1000.0, tz=tz or display_tz()).utcoffset()
    return int(off.total_seconds() * 1000) if off else 0


def format_time(ts_ms: int, tz: tzinfo | None = None, *, label: bool = True) -> str:
    """``'2026-02-05 12:00 UTC'`` (in ``tz``, else the display zone: ``'2026-02-05 13:00 CET'``)."""
    zone = tz or display_tz()
    text = datetime.fromtimestamp(ts_ms / 1000.0, tz=zone).strftime("%Y-%m-%d %H:%M")
    return f"{text} {tz_name(zone, ts_ms)}" if label else text

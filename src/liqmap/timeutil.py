"""Parsing of user-facing times and durations into epoch milliseconds (UTC)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from liqmap.errors import ParameterError

__all__ = ["WINDOWS", "parse_duration_ms", "parse_time_ms"]

_UNITS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
WINDOWS = ("12h", "24h", "3d", "7d", "30d")
_DUR = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$", re.IGNORECASE)


def parse_duration_ms(text: str, *, name: str = "--window") -> int:
    """``'12h'`` -> 43,200,000. Units: m (minutes), h, d, w."""
    m = _DUR.match(text)
    if not m:
        raise ParameterError(
            f"{name}: cannot read {text!r}; use a number and a unit m/h/d/w, e.g. {', '.join(WINDOWS)}"
        )
    ms = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    if ms <= 0:
        raise ParameterError(f"{name}: must be positive, got {text!r}")
    return ms


_MAX_MS = 253_402_300_800_000  # 10000-01-01T00:00Z: the end of what datetime can show


def parse_time_ms(text: str, *, name: str = "--at") -> int:
    """An ISO-8601 time (``2026-02-05``, ``2026-02-05T12:00``, ``...Z`` or with offset; naive
    means UTC) or epoch milliseconds/seconds -> epoch milliseconds."""
    s = text.strip()
    if re.fullmatch(r"\d{9,19}", s):
        v = int(s)
        if v >= _MAX_MS:
            unit = "microseconds" if v < _MAX_MS * 1000 else "nanoseconds"
            ms = v // 1000 if unit == "microseconds" else v // 1_000_000
            raise ParameterError(
                f"{name}: {text!r} is after the year 9999 as epoch milliseconds; it looks like "
                f"epoch {unit}: give milliseconds ({ms}) or an ISO time like 2026-02-05T12:00Z"
            )
        return v if v >= 10**11 else v * 1000
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        raise ParameterError(
            f"{name}: cannot read {text!r}; use ISO time like 2026-02-05T12:00Z or epoch ms"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)

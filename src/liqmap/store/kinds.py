"""``SeriesKind``: what one stored series holds, typed (its text spelling is the store's key).

A series is ``(venue, symbol, kind)``; the kind is built with :meth:`SeriesKind.candles`,
:meth:`SeriesKind.series` or a constant (``OI``, ``FUNDING``...), and parsed back from its
spelling (``candles:60000``, ``series:long_short_ratio``) with :meth:`SeriesKind.parse`, so no
caller formats or splits ``"candles:..."`` strings by hand.

>>> SeriesKind.candles(60_000)
SeriesKind('candles:60000')
>>> SeriesKind.parse("candles:60000").interval_ms
60000
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from liqmap.errors import ParameterError

__all__ = [
    "BOOK_DEPTH", "BRACKETS", "FUNDING", "LIQUIDATIONS", "OI", "OI_CHANGE", "POSITIONS", "KindName",
    "SeriesKind",
]  # fmt: skip

KindName = Literal[
    "candles", "oi", "oi-change", "funding", "series", "book-depth", "liquidations",
    "brackets", "positions",
]  # fmt: skip
_HELP = "candles:<interval_ms>, oi, oi-change, funding, series:<name>, book-depth, liquidations"
_TABLES = {"funding": "funding", "book-depth": "book_depth", "liquidations": "liquidations"}


@dataclass(frozen=True, slots=True)
class SeriesKind:
    """A stored series' kind: ``name`` and, for ``candles`` (interval ms) and ``series`` (the
    series name), its argument."""

    name: KindName
    arg: str = ""

    def __post_init__(self) -> None:
        if self.name not in get_args(KindName):
            raise ParameterError(f"unknown store kind {self.name!r}; use one of {_HELP}",
                                 field="kind", value=self.name)  # fmt: skip
        needs_arg = self.name in ("candles", "series")
        bad_interval = self.name == "candles" and not (self.arg.isdigit() and int(self.arg) > 0)
        if needs_arg != bool(self.arg) or bad_interval:
            raise ParameterError(f"unknown store kind {str(self)!r}; use one of {_HELP}",
                                 field="kind", value=str(self))  # fmt: skip

    @classmethod
    def candles(cls, interval_ms: int) -> SeriesKind:
        """Bars of ``interval_ms``."""
        return cls("candles", str(int(interval_ms)))

    @classmethod
    def series(cls, name: str) -> SeriesKind:
        """A named series (``long_short_ratio``, ``taker_buy_volume``...)."""
        return cls("series", name)

    @classmethod
    def parse(cls, text: str | SeriesKind) -> SeriesKind:
        """The kind spelled ``text`` (a :class:`SeriesKind` is returned as it is)."""
        if isinstance(text, SeriesKind):
            return text
        head, _, arg = str(text).partition(":")
        if head not in get_args(KindName):
            raise ParameterError(f"unknown store kind {text!r}; use one of {_HELP}",
                                 field="kind", value=text)  # fmt: skip
        return cls(head, arg)  # type: ignore[arg-type]  # checked against KindName above

    @property
    def interval_ms(self) -> int | None:
        """The bar interval of a ``candles`` kind, else ``None``."""
        return int(self.arg) if self.name == "candles" else None

    @property
    def is_snapshot(self) -> bool:
        """Bracket tables and position snapshots: one time per fetch, no coverage."""
        return self.name in ("brackets", "positions")

    def table(self) -> tuple[str, str, list[object]]:
        """``(table, extra SQL condition, parameters)`` holding this kind's time series rows
        (snapshot kinds have none: an error)."""
        if self.is_snapshot:
            raise ParameterError(f"unknown store kind {str(self)!r}; use one of {_HELP}",
                                 field="kind", value=str(self))  # fmt: skip
        if self.name == "candles":
            return "candles", " AND interval_ms = ?", [int(self.arg)]
        if self.name in ("oi", "oi-change"):
            return "open_interest", " AND kind = ?", ["level" if self.name == "oi" else "change"]
        if self.name == "series":
            return "series", " AND kind = ?", [self.arg]
        return _TABLES[self.name], "", []

    def __str__(self) -> str:
        return f"{self.name}:{self.arg}" if self.arg else self.name

    def __repr__(self) -> str:
        return f"SeriesKind({str(self)!r})"


OI = SeriesKind("oi")
OI_CHANGE = SeriesKind("oi-change")
FUNDING = SeriesKind("funding")
BOOK_DEPTH = SeriesKind("book-depth")
LIQUIDATIONS = SeriesKind("liquidations")
BRACKETS = SeriesKind("brackets")
POSITIONS = SeriesKind("positions")

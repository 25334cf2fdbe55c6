"""The market options of ``map``, ``heatmap``, ``levels``, ``cascade`` and ``plan``, declared once.

A command takes one parameter annotated :class:`MarketOptions`; :func:`market_options` shows typer
the shared options in its place (``--source``, ``--oi``, ... ``--params``, each declared once in
:mod:`liqmap.cli.options`) and calls the command with them gathered in a :class:`MarketOptions`::

    @market_options(omit=("mark",))
    def levels_cmd(symbol: SymbolArg, market: MarketOptions, as_json: JsonOpt = False) -> None:
        req = market.request(symbol)
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liqmap.cli.options import (
    DEFAULT_BINS,
    AtOpt,
    BinsOpt,
    BracketsOpt,
    ExchangeOpt,
    FlowOpt,
    LeverageOpt,
    LiqOpt,
    MapRequest,
    MarkOpt,
    OfflineOpt,
    OiOpt,
    ParamsOpt,
    RangeOpt,
    SourceOpt,
    WindowOpt,
)

__all__ = ["MarketOptions", "market_options"]

Command = Callable[..., None]


@dataclass(frozen=True, slots=True)
class MarketOptions:
    """Where the market comes from and how the map is estimated (the shared options)."""

    source: str = "exchange"
    oi: Path | None = None
    flow: Path | None = None
    liquidations: Path | None = None
    mark: Path | None = None
    window: str = "24h"
    at: str | None = None
    bins: int = DEFAULT_BINS
    range_pct: float | None = None
    exchange: str = "binance"
    offline: bool = False
    leverage: str | None = None
    brackets: Path | None = None
    params: Path | None = None

    def request(self, symbol: str, *, extra_history_ms: int = 0) -> MapRequest:
        """Resolve the options and load the market (:meth:`MapRequest.build`)."""
        return MapRequest.build(
            symbol, source=self.source, oi=self.oi, flow=self.flow,
            liquidations=self.liquidations, window=self.window, at=self.at,
            exchange=self.exchange, brackets=self.brackets, leverage=self.leverage,
            params=self.params, bins=self.bins, range_pct=self.range_pct, offline=self.offline,
            extra_history_ms=extra_history_ms, mark=self.mark,
        )  # fmt: skip


_ALIASES: dict[str, Any] = {
    "source": SourceOpt, "oi": OiOpt, "flow": FlowOpt, "liquidations": LiqOpt, "mark": MarkOpt,
    "window": WindowOpt, "at": AtOpt, "bins": BinsOpt, "range_pct": RangeOpt,
    "exchange": ExchangeOpt, "offline": OfflineOpt, "leverage": LeverageOpt,
    "brackets": BracketsOpt, "params": ParamsOpt,
}  # fmt: skip
_FIELDS = {f.name: f.default for f in dataclasses.fields(MarketOptions)}


def _shared(omit: tuple[str, ...]) -> list[inspect.Parameter]:
    unknown = set(omit) - set(_FIELDS)
    if unknown:
        raise ValueError(f"market_options(omit=...): no such option {sorted(unknown)}")
    return [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                          annotation=_ALIASES[name])
        for name, default in _FIELDS.items()
        if name not in omit
    ]  # fmt: skip


def market_options(*, omit: tuple[str, ...] = ()) -> Callable[[Command], Command]:
    """Give a command the shared market options (minus ``omit``) in place of its
    :class:`MarketOptions` parameter."""
    shared = _shared(omit)

    def decorate(func: Command) -> Command:
        sig = inspect.signature(func, eval_str=True)
        params = list(sig.parameters.values())
        slot = [i for i, p in enumerate(params) if p.annotation is MarketOptions]
        if len(slot) != 1:
            raise TypeError(f"{func.__name__} needs one parameter annotated MarketOptions")
        name = params[slot[0]].name
        rest = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params[slot[0] + 1 :]]
        new = [*params[: slot[0]], *shared, *rest]

        @functools.wraps(func)
        def command(*args: Any, **kwargs: Any) -> None:
            values = {p.name: kwargs.pop(p.name) for p in shared if p.name in kwargs}
            func(*args, **{name: MarketOptions(**values)}, **kwargs)

        command.__signature__ = sig.replace(parameters=new)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in new} | {
            "return": sig.return_annotation
        }
        return command

    return decorate

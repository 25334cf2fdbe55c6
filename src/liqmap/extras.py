"""Optional parts of liqmap and the check that names the install command when one is missing.

The core (maps, heatmaps, levels, liquidation prices, the store, exchange sync, the recorder, JSON
and CSV output) needs none of them::

    pip install 'liqmap[charts]'     PNG and HTML charts (matplotlib, plotly)
    pip install 'liqmap[web]'        liqmap serve: dashboard and HTTP API (fastapi, uvicorn)
    pip install 'liqmap[calibrate]'  liqmap calibrate: parameter fitting (scipy)
    pip install 'liqmap[distributed]'  liqmap batch --workers/--scheduler: Dask (distributed)
    pip install 'liqmap[all]'        all of the above
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Literal

from liqmap.errors import MissingExtraError

__all__ = ["EXTRAS", "Extra", "missing", "require"]

Extra = Literal["charts", "web", "calibrate", "distributed"]

#: The distributions' import names behind each extra.
EXTRAS: dict[Extra, tuple[str, ...]] = {
    "charts": ("matplotlib", "plotly"),
    "web": ("fastapi", "uvicorn"),
    "calibrate": ("scipy",),
    "distributed": ("distributed",),
}


def _absent(module: str) -> bool:
    if module in sys.modules:
        return sys.modules[module] is None  # None: the import was blocked (tests simulate this)
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):
        return True


def missing(extra: Extra) -> tuple[str, ...]:
    """The modules of ``extra`` that cannot be imported here."""
    return tuple(m for m in EXTRAS[extra] if _absent(m))


def require(extra: Extra, feature: str) -> None:
    """Raise :class:`~liqmap.errors.MissingExtraError` when ``extra`` is not installed.

    ``feature`` names what needs it (``"liqmap serve"``, ``"writing map.png"``).
    """
    gone = missing(extra)
    if gone:
        raise MissingExtraError(
            f"{feature} needs {', '.join(gone)}, from liqmap's optional [{extra}] part; "
            f"install it with: pip install 'liqmap[{extra}]'"
        )

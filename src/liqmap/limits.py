"""Resource limits on what liqmap accepts: input file size and rows, heatmap cells.

=============================  ==================================================================
variable                       meaning (default)
=============================  ==================================================================
``LIQMAP_MAX_FILE_MB``         largest data file, in MiB *after* decompression (256)
``LIQMAP_MAX_ROWS``            most data rows in one file (2,000,000: 3.8 years of 1m bars)
=============================  ==================================================================

With the defaults, reading any input file stays under 1 GB of memory (gzip and zip bombs are cut
off at the limit while streaming; a plain file is refused by its size before it is read).

The heatmap limit (bins x columns) is one number, shared by the CLI and the web API:
:func:`heatmap_max_cells` = the available memory / 8 / :data:`BYTES_PER_CELL`, between
:data:`MIN_CELLS` and :data:`MAX_CELLS_CEILING`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from liqmap.errors import ParameterError

__all__ = [
    "BYTES_PER_CELL",
    "MAX_CELLS_CEILING",
    "MIN_CELLS",
    "InputLimits",
    "available_memory_bytes",
    "check_heatmap_cells",
    "heatmap_max_cells",
]

_MIB = 1 << 20
BYTES_PER_CELL = 64  # per (bin, column): tiers x sides of float64 plus rendering (measured ~60)
MIN_CELLS = 400_000
MAX_CELLS_CEILING = 2_000_000


@dataclass(frozen=True, slots=True)
class InputLimits:
    """The largest input file accepted: ``max_bytes`` decompressed, ``max_rows`` data rows."""

    max_bytes: int = 256 * _MIB
    max_rows: int = 2_000_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> InputLimits:
        """``LIQMAP_MAX_FILE_MB`` and ``LIQMAP_MAX_ROWS`` (positive whole numbers)."""
        env = os.environ if environ is None else environ
        d = cls()
        mb = _positive(env, "LIQMAP_MAX_FILE_MB", d.max_bytes // _MIB)
        rows = _positive(env, "LIQMAP_MAX_ROWS", d.max_rows)
        return cls(mb * _MIB, rows)

    def too_big(self, what: str, size: int) -> str:
        """The message for a file whose decompressed ``size`` exceeds ``max_bytes``."""
        return (
            f"{what} is larger than the {self.max_bytes // _MIB} MiB limit "
            f"({size / _MIB:,.0f} MiB or more); split the file by day, or raise the limit with "
            f"LIQMAP_MAX_FILE_MB={max(2 * self.max_bytes // _MIB, -(-size // _MIB))} "
            "(memory use is about 3x the decompressed size)"
        )

    def too_many_rows(self) -> str:
        """The message for a file with more than ``max_rows`` rows."""
        return (
            f"the file has more than {self.max_rows:,} data rows (the limit); split it by day, "
            f"or raise the limit with LIQMAP_MAX_ROWS={2 * self.max_rows}"
        )


def _positive(env: Mapping[str, str], key: str, default: int) -> int:
    text = env.get(key)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise ParameterError(f"{key} must be a positive whole number, got {text!r}")
    return value


def available_memory_bytes() -> int | None:
    """Memory available to new allocations (Linux ``MemAvailable``; else physical memory);
    ``None`` when unknown."""
    try:
        with Path("/proc/meminfo").open(encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def heatmap_max_cells(available: int | None = None) -> int:
    """Largest bins x columns of a heatmap: an eighth of the available memory at
    :data:`BYTES_PER_CELL` each, between :data:`MIN_CELLS` and :data:`MAX_CELLS_CEILING`."""
    avail = available_memory_bytes() if available is None else available
    if avail is None or not math.isfinite(avail):
        return MIN_CELLS
    return int(min(MAX_CELLS_CEILING, max(MIN_CELLS, avail // 8 // BYTES_PER_CELL)))


def check_heatmap_cells(bins: int, columns: int, *, limit: int | None = None) -> None:
    """Raise :class:`ParameterError` when ``bins * columns`` exceeds :func:`heatmap_max_cells`."""
    cap = heatmap_max_cells() if limit is None else limit
    if bins * columns > cap:
        raise ParameterError(
            f"--bins x --columns = {bins * columns:,} exceeds the heatmap limit of {cap:,} cells "
            "(derived from available memory); use fewer bins or columns"
        )

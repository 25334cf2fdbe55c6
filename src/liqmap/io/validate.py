"""Row checks shared by the loaders (numpy, vectorised; errors name the first bad row).

The policy, in the order the loaders apply it:

1. time order: rows must be sorted by time. An earlier time after a later one is an error that
   names the row and says to sort the file (liqmap never reorders input silently);
2. duplicates: rows with the same time (or trade id) as the previous row are dropped and counted
   when every value is identical; when a value differs the file contradicts itself and loading
   fails, naming both rows and the field;
3. values: prices must be in their plausible range (:mod:`liqmap.domain.plausible`:
   ``[1e-12, 1e9]``), ``high >= low``, open and close inside ``[low, high]``; volumes in
   ``[0, 1e18]`` (NaN = unknown) and taker-buy volume <= volume;
4. spacing: consecutive bars must be a whole number of intervals apart (gaps are fine and are
   reported; a 1m bar inside a 5m file is not).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from liqmap.domain.market import FloatArray, IntArray
from liqmap.domain.plausible import MAX_AMOUNT, MAX_PRICE, MIN_PRICE, bad_amount, bad_price
from liqmap.io.report import Source, fmt_ms, fmt_num

__all__ = [
    "check_interval",
    "check_non_negative",
    "check_ohlc",
    "check_order",
    "check_positive",
    "check_volumes",
    "drop_duplicates",
    "first",
]

BoolArray = NDArray[np.bool_]


def first(mask: BoolArray) -> int | None:
    """Index of the first True, or None."""
    if not mask.any():
        return None
    return int(np.argmax(mask))


def check_order(key: IntArray, rows: IntArray, src: Source, field: str) -> None:
    """Times (or trade ids) must never decrease; equal ones are left to :func:`drop_duplicates`."""
    i = first(key[1:] < key[:-1])
    if i is None:
        return
    j = i + 1
    raise src.error(
        f"rows are not sorted by '{field}': {_key(key, j, field)} at {src.at(int(rows[j]))} "
        f"comes after {_key(key, i, field)} at {src.at(int(rows[i]))}; sort the file by "
        f"'{field}' (oldest first) and load it again",
        row=int(rows[j]),
        field=field,
    )


def drop_duplicates(
    key: IntArray,
    values: Mapping[str, NDArray[Any]],
    rows: IntArray,
    src: Source,
    key_field: str,
) -> tuple[BoolArray, int]:
    """Rows to keep, and how many exact duplicates were dropped.

    ``key`` is sorted (time, or trade id); a row whose key equals the previous row's is a
    duplicate. Identical in every column of ``values`` (NaN equals NaN): dropped. Different in
    any: :class:`DataFileError` naming both rows, the column and the two values.
    """
    keep = np.ones(len(key), dtype=np.bool_)
    later = np.flatnonzero(key[1:] == key[:-1]) + 1
    if later.size == 0:
        return keep, 0
    for name, v in values.items():
        a, b = v[later], v[later - 1]
        same = a == b
        if a.dtype.kind == "f":
            same |= np.isnan(a) & np.isnan(b)
        k = first(~same)
        if k is not None:
            j = int(later[k])
            r0, r1 = int(rows[j - 1]), int(rows[j])
            same_key = _key(key, j, key_field)
            both = f"{fmt_num(v[j])} vs {fmt_num(v[j - 1])}"
            raise src.error(
                f"{src.at(r1)} and {src.at(r0)} have the same '{key_field}' ({same_key}) but "
                f"different '{name}' ({both}): the file contradicts itself; keep the right row "
                "and delete the other (identical duplicates are dropped automatically)",
                row=r1,
                field=name,
            )
    keep[later] = False
    return keep, int(later.size)


def _key(key: IntArray, j: int, key_field: str) -> str:
    """A key value for messages: times as UTC text, ids as numbers."""
    value = int(key[j])
    return str(value) if key_field.endswith("id") else fmt_ms(value)


def check_positive(values: Mapping[str, FloatArray], rows: IntArray, src: Source) -> None:
    """Every value finite, > 0 and plausible (prices: ``[MIN_PRICE, MAX_PRICE]``)."""
    for name, v in values.items():
        k = first(bad_price(v))
        if k is not None:
            row = int(rows[k])
            raise src.error(
                f"'{name}' is {fmt_num(v[k])} at {src.at(row)}; prices must be finite and > 0 "
                f"(plausible: {MIN_PRICE:g} to {MAX_PRICE:g}): fix or remove that row",
                row=row,
                field=name,
            )


def check_ohlc(
    ohlc: Mapping[str, FloatArray], rows: IntArray, src: Source, names: Mapping[str, str]
) -> None:
    """``high >= low``; open and close inside ``[low, high]``.

    ``ohlc`` maps ``open/high/low/close`` to arrays, ``names`` the same keys to file columns.
    """
    high, low = ohlc["high"], ohlc["low"]
    k = first(high < low)
    if k is not None:
        row = int(rows[k])
        raise src.error(
            f"high {fmt_num(high[k])} is below low {fmt_num(low[k])} at {src.at(row)}; the "
            "columns may be swapped or the row corrupt: fix or remove it",
            row=row,
            field=names["high"],
        )
    for name in ("open", "close"):
        v = ohlc[name]
        k = first((v < low) | (v > high))
        if k is not None:
            row = int(rows[k])
            raise src.error(
                f"{name} {fmt_num(v[k])} is outside [low, high] = "
                f"[{fmt_num(low[k])}, {fmt_num(high[k])}] at {src.at(row)}; fix or remove that row",
                row=row,
                field=names[name],
            )


def check_non_negative(values: Mapping[str, FloatArray], rows: IntArray, src: Source) -> None:
    """Every value in ``[0, MAX_AMOUNT]`` or NaN (unknown); infinities are errors (volumes)."""
    for name, v in values.items():
        k = first(bad_amount(v))
        if k is not None:
            row = int(rows[k])
            raise src.error(
                f"'{name}' is {fmt_num(v[k])} at {src.at(row)}; volumes must be >= 0 (or NaN when "
                f"unknown; plausible: up to {MAX_AMOUNT:g}): fix or remove that row",
                row=row,
                field=name,
            )


def check_volumes(
    volume: FloatArray, taker_buy: FloatArray, rows: IntArray, src: Source, names: Mapping[str, str]
) -> None:
    """Volumes >= 0 or NaN (unknown); taker-buy volume never above volume."""
    vol_name = names.get("volume", "volume")
    tb_name = names.get("taker_buy_volume", "taker_buy_volume")
    check_non_negative({vol_name: volume, tb_name: taker_buy}, rows, src)
    k = first(taker_buy > volume * (1 + 1e-9) + 1e-12)
    if k is not None:
        row = int(rows[k])
        raise src.error(
            f"taker-buy volume {fmt_num(taker_buy[k])} exceeds volume {fmt_num(volume[k])} at "
            f"{src.at(row)}; the columns may be swapped: fix or remove that row",
            row=row,
            field=tb_name,
        )


def check_interval(
    ts: IntArray, interval_ms: int, rows: IntArray, src: Source, field: str, *, given: bool
) -> None:
    """Consecutive bar times must be whole multiples of ``interval_ms`` apart."""
    diffs = np.diff(ts)
    k = first(diffs % interval_ms != 0)
    if k is None:
        return
    row = int(rows[k + 1])
    fix = (
        f"pass the file's bar interval as interval_ms (the median spacing is "
        f"{int(np.median(diffs))} ms)"
        if given
        else "keep one bar length per file"
    )
    raise src.error(
        f"the bar at {src.at(row)} ({fmt_ms(int(ts[k + 1]))}) opens {int(diffs[k])} ms after the "
        f"previous bar, which is not a multiple of the {interval_ms} ms bar interval; {fix}",
        row=row,
        field=field,
    )

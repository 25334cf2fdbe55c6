"""DuckDB plumbing shared by the store modules: error translation and batch inserts.

Every DuckDB error leaving the store is translated into a :class:`~liqmap.errors.StoreError`
whose message names the store file and says what to do: a full disk becomes
:class:`~liqmap.errors.DiskFullError`, a lock held by another process names that process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from numpy.typing import NDArray

from liqmap.errors import DiskFullError, StoreError
from liqmap.io.atomic import is_disk_full

__all__ = ["fetch_arrays", "guard", "insert_rows", "is_disk_full", "scalar", "translate"]

_BATCH = "_liqmap_batch"


def translate(exc: BaseException, path: Path, action: str) -> StoreError:
    """A :class:`StoreError` (or :class:`DiskFullError`) for a DuckDB or OS error."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if is_disk_full(exc):
        return DiskFullError(
            f"{action}: no space left on the device holding {path}. The write was rolled back "
            "and the store keeps its previous content; free some space and run the command again"
        )
    if "Conflicting lock" in text or "Could not set lock" in text:
        return StoreError(
            f"{action}: the store {path} is open for writing by another process ({text}). "
            "Wait for that command to finish; readers (liqmap map) can open it read-only "
            "while nothing writes"
        )
    if "not a valid DuckDB database" in text or "is not a DuckDB" in text:
        return StoreError(
            f"{action}: {path} is not a liqmap store (DuckDB database): {text}. Move it away "
            "or point LIQMAP_HOME at another folder"
        )
    return StoreError(f"{action} on the store {path} failed: {text}")


@contextlib.contextmanager
def guard(path: Path, action: str) -> Iterator[None]:
    """Translate DuckDB errors (and ``ENOSPC``) raised inside the block into store errors."""
    try:
        yield
    except duckdb.Error as exc:
        raise translate(exc, path, action) from exc
    except OSError as exc:
        if is_disk_full(exc):
            raise translate(exc, path, action) from exc
        raise


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    batch: Mapping[str, NDArray[Any]],
    consts: Mapping[str, object],
    *,
    replace: bool = False,
) -> int:
    """Insert a column batch (numpy arrays) plus constant columns; returns the rows inserted.

    Rows whose primary key already exists are skipped (``INSERT OR IGNORE``), which makes
    every write idempotent; duplicates inside the batch are inserted once. With ``replace``
    the stored rows are overwritten instead (``INSERT OR REPLACE``) and the count returned is
    still the number of keys that were not stored before.
    """
    if not batch or not len(next(iter(batch.values()))):
        return 0
    cols = [*consts, *batch]
    select = ", ".join(["?"] * len(consts) + list(batch))
    verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
    sql = f"{verb} INTO {table} ({', '.join(cols)}) SELECT {select} FROM {_BATCH}"
    con.register(_BATCH, dict(batch))
    try:
        if not replace:
            return _count(con.execute(sql, list(consts.values())))
        where = " AND ".join(f"{k} = ?" for k in consts)
        count_sql = f"SELECT count(*) FROM {table} WHERE {where}"
        before = _count(con.execute(count_sql, list(consts.values())))
        con.execute(sql, list(consts.values())).fetchall()
        return _count(con.execute(count_sql, list(consts.values()))) - before
    finally:
        with contextlib.suppress(duckdb.Error):  # fails in an aborted transaction: the next
            con.unregister(_BATCH)  # register() of the same name replaces the view anyway


def _count(rel: duckdb.DuckDBPyConnection) -> int:
    return scalar(rel) or 0


def scalar(rel: duckdb.DuckDBPyConnection) -> int | None:
    """The first value of a result as an int (None when it is NULL or there are no rows).

    The result is consumed whole, as DuckDB requires before the connection runs anything else.
    """
    rows = rel.fetchall()
    return None if not rows or rows[0][0] is None else int(rows[0][0])


def fetch_arrays(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object]
) -> dict[str, NDArray[Any]]:
    """Run a query and return its columns as plain numpy arrays (NULL -> NaN / None)."""
    out: dict[str, NDArray[Any]] = {}
    for name, col in con.execute(sql, list(params)).fetchnumpy().items():
        out[name] = _unmask(col)
    return out


def _unmask(col: NDArray[Any]) -> NDArray[Any]:
    if not isinstance(col, np.ma.MaskedArray):
        return np.asarray(col)
    if col.dtype.kind == "f":
        return np.asarray(col.filled(np.nan))
    if col.dtype.kind == "O":
        return np.asarray(col.filled(None))
    return np.asarray(col.data)

"""The store's schema: a forward-only list of migrations and the code that applies them.

Each :class:`Migration` takes the schema from ``version - 1`` to ``version``; its statements run
in one transaction together with the row recording it in ``schema_version``, so a store is
always at exactly one version. A store written by a newer liqmap (a version above
:data:`SCHEMA_VERSION`) is refused with :class:`~liqmap.errors.StoreVersionError`; migrations are
never edited once released, only appended.

Every table has a primary key, which is what makes writes idempotent (``INSERT OR IGNORE``).
Times are ``BIGINT`` UTC epoch milliseconds (``*_ms``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb

from liqmap.errors import StoreVersionError

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Migration",
    "check_version",
    "current_version",
    "migrate",
]


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: ``statements`` move the store from ``version - 1`` to ``version``."""

    version: int
    note: str
    statements: tuple[str, ...]


_V1 = Migration(
    1,
    "market data: candles, open interest, liquidations, funding, series, brackets, positions",
    (
        """CREATE TABLE candles (
            venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, interval_ms BIGINT NOT NULL,
            ts_ms BIGINT NOT NULL, open DOUBLE NOT NULL, high DOUBLE NOT NULL,
            low DOUBLE NOT NULL, close DOUBLE NOT NULL, volume DOUBLE, taker_buy_volume DOUBLE,
            PRIMARY KEY (venue, symbol, interval_ms, ts_ms))""",
        """CREATE TABLE open_interest (
            venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL,
            kind VARCHAR NOT NULL CHECK (kind IN ('level', 'change')),
            ts_ms BIGINT NOT NULL, value_usd DOUBLE NOT NULL,
            PRIMARY KEY (venue, symbol, kind, ts_ms))""",
        """CREATE TABLE liquidations (
            venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, ts_ms BIGINT NOT NULL,
            side TINYINT NOT NULL CHECK (side IN (-1, 1)), price DOUBLE NOT NULL,
            qty DOUBLE NOT NULL, notional_usd DOUBLE NOT NULL, raw VARCHAR,
            PRIMARY KEY (venue, symbol, ts_ms, side, price, qty))""",
        """CREATE TABLE funding (
            venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, ts_ms BIGINT NOT NULL,
            rate DOUBLE NOT NULL, PRIMARY KEY (venue, symbol, ts_ms))""",
        """CREATE TABLE series (
            venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, kind VARCHAR NOT NULL,
            ts_ms BIGINT NOT NULL, value DOUBLE NOT NULL,
            PRIMARY KEY (venue, symbol, kind, ts_ms))""",
        """CREATE TABLE brackets (
            venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, fetched_ms BIGINT NOT NULL,
            tier INTEGER NOT NULL, notional_floor DOUBLE NOT NULL, notional_cap DOUBLE NOT NULL,
            maint_margin_ratio DOUBLE NOT NULL, maint_amount DOUBLE NOT NULL,
            max_leverage DOUBLE NOT NULL, as_of VARCHAR NOT NULL, source VARCHAR NOT NULL,
            PRIMARY KEY (venue, symbol, fetched_ms, tier))""",
        """CREATE TABLE positions (
            venue VARCHAR NOT NULL, snapshot_ms BIGINT NOT NULL, address VARCHAR NOT NULL,
            coin VARCHAR NOT NULL, szi DOUBLE NOT NULL, entry_px DOUBLE NOT NULL,
            position_value DOUBLE NOT NULL, leverage DOUBLE NOT NULL,
            margin_type VARCHAR NOT NULL, liquidation_px DOUBLE,
            PRIMARY KEY (venue, snapshot_ms, address, coin))""",
    ),
)

_V2 = Migration(
    2,
    "bulk archive: downloaded files (resume/skip) and order-book depth bands",
    (
        """CREATE TABLE downloads (
            url VARCHAR PRIMARY KEY, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
            bytes BIGINT NOT NULL, rows BIGINT NOT NULL, stored_ms BIGINT NOT NULL)""",
        """CREATE TABLE book_depth (
            venue VARCHAR NOT NULL, symbol VARCHAR NOT NULL, ts_ms BIGINT NOT NULL,
            percentage DOUBLE NOT NULL, depth DOUBLE NOT NULL, notional DOUBLE NOT NULL,
            PRIMARY KEY (venue, symbol, ts_ms, percentage))""",
    ),
)

#: Every migration, oldest first. Append new ones; never edit a released one.
MIGRATIONS: tuple[Migration, ...] = (_V1, _V2)
#: The schema version this liqmap writes.
SCHEMA_VERSION = MIGRATIONS[-1].version

_VERSION_TABLE = """CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL, note VARCHAR NOT NULL)"""


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The store's schema version (0 for an empty database)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()
    if not exists[0][0]:
        return 0
    rows = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()
    return int(rows[0][0])


def check_version(version: int, label: str) -> None:
    """Refuse a store written by a newer liqmap."""
    if version > SCHEMA_VERSION:
        raise StoreVersionError(
            f"the store {label} has schema version {version}, but this liqmap understands up "
            f"to {SCHEMA_VERSION}: upgrade liqmap (pip install -U liqmap), or set LIQMAP_HOME "
            "to another folder to start a new store"
        )


def migrate(
    con: duckdb.DuckDBPyConnection,
    label: str,
    *,
    target: int = SCHEMA_VERSION,
    migrations: tuple[Migration, ...] = MIGRATIONS,
) -> list[int]:
    """Apply the pending migrations up to ``target``; returns the versions applied.

    Each migration runs in its own transaction, so an interrupted upgrade leaves the store at
    the last completed version and the next open continues from there.

    Raises
    ------
    StoreVersionError
        The store is newer than ``target``'s liqmap.
    """
    version = current_version(con)
    check_version(version, label)
    applied = []
    for step in migrations:
        if step.version <= version or step.version > target:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(_VERSION_TABLE)
            for sql in step.statements:
                con.execute(sql)
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?, ?)",
                [step.version, int(time.time() * 1000), step.note],
            ).fetchall()
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        applied.append(step.version)
    return applied

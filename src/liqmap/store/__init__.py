"""The embedded store: DuckDB tables under ``$LIQMAP_HOME`` plus append-only recorder segments.

::

    from liqmap.store import Store
    with Store.open() as store:                       # $LIQMAP_HOME/liqmap.duckdb
        store.write_candles("binance", "BTCUSDT", candles)   # idempotent: returns new rows
        bars = store.read_candles("binance", "BTCUSDT", interval_ms=60_000)

See ``docs/store.md`` for the schema, the kinds of series and the concurrency rules.
"""

from liqmap.store.coverage import SeriesInfo
from liqmap.store.database import Store
from liqmap.store.schema import MIGRATIONS, SCHEMA_VERSION, Migration
from liqmap.store.segments import append_segment

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "SeriesInfo", "Store", "append_segment"]

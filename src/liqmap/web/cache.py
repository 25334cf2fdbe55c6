"""Small thread-safe LRU caches with single flight: a value is built once however many requests
ask for it at the same moment.

:class:`LruCache` holds computed results (maps, heatmaps); :class:`Body` is what the response
cache holds: a JSON body serialised once, its gzip form and an ``ETag``, so a repeated view costs
a dictionary lookup and a socket write.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Body", "LruCache", "make_body"]

V = TypeVar("V")

GZIP_MIN_BYTES = 1_024


class Body:
    """A serialised JSON response: plain bytes, a strong ``ETag`` of them, and their gzip form
    (made on first demand, ``None`` when too small to pay)."""

    __slots__ = ("_gz", "etag", "raw")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.etag = '"' + hashlib.blake2b(raw, digest_size=12).hexdigest() + '"'
        self._gz: bytes | None = None

    @property
    def gz(self) -> bytes | None:
        """The gzip bytes (computed once; racing threads compute the same bytes)."""
        if self._gz is None and len(self.raw) >= GZIP_MIN_BYTES:
            self._gz = gzip.compress(self.raw, compresslevel=5, mtime=0)
        return self._gz

    @property
    def gz_ready(self) -> bool:
        """True when :attr:`gz` costs nothing (made already, or not worth making)."""
        return self._gz is not None or len(self.raw) < GZIP_MIN_BYTES

    @property
    def size(self) -> int:
        """Bytes held (the gzip form counted as a third of the plain one before it exists)."""
        return len(self.raw) + (len(self._gz) if self._gz else len(self.raw) // 3)


def make_body(raw: bytes) -> Body:
    """Wrap serialised JSON (its ``ETag`` now, its gzip form when first asked for)."""
    return Body(raw)


class LruCache(Generic[V]):
    """At most ``max_entries`` values (and ``max_bytes`` by ``sizeof``), least recently used out.

    :meth:`get_or_build` runs ``build`` once per key even when many threads ask together; the
    others wait for that result. A ``build`` that raises caches nothing.
    """

    def __init__(
        self,
        max_entries: int,
        *,
        max_bytes: int | None = None,
        sizeof: Callable[[V], int] | None = None,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._sizeof = sizeof
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._flights: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def peek(self, key: Hashable) -> V | None:
        """The cached value (counted as a hit) or ``None``; never builds."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return value

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        """The cached value, or ``build()`` stored under ``key`` (built once across threads)."""
        hit = self.peek(key)
        if hit is not None:
            return hit
        with self._lock:
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:
            hit = self.peek(key)
            if hit is not None:
                return hit
            try:
                value = build()
            finally:
                with self._lock:
                    self._flights.pop(key, None)
            self._store(key, value)
            return value

    def put(self, key: Hashable, value: V) -> None:
        """Store ``value`` under ``key`` (replacing any)."""
        self._store(key, value)

    def values(self) -> list[V]:
        """The cached values, least recently used first (a copy)."""
        with self._lock:
            return list(self._entries.values())

    def items(self) -> list[tuple[Hashable, V]]:
        """(key, value) pairs, least recently used first (a copy)."""
        with self._lock:
            return list(self._entries.items())

    def _store(self, key: Hashable, value: V) -> None:
        size = self._sizeof(value) if self._sizeof else 0
        with self._lock:
            self.misses += 1
            if self.max_bytes is not None and size > self.max_bytes:
                return  # larger than the whole cache: serve it, keep nothing
            old = self._entries.pop(key, None)
            if old is not None and self._sizeof:
                self._bytes -= self._sizeof(old)
            self._entries[key] = value
            self._bytes += size
            while len(self._entries) > self.max_entries or (
                self.max_bytes is not None and self._bytes > self.max_bytes
            ):
                _, dropped = self._entries.popitem(last=False)
                if self._sizeof:
                    self._bytes -= self._sizeof(dropped)

    def stats(self) -> dict[str, int]:
        """Entries, bytes held, hits and misses (for ``/api/v1/health``)."""
        with self._lock:
            return {
                "entries": len(self._entries),
                "bytes": self._bytes,
                "hits": self.hits,
                "misses": self.misses,
            }

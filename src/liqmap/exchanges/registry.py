"""The venue registry: every venue liqmap knows, one line for all of them, and lookups by venue.

Adding a venue is one new folder (``liqmap/exchanges/<venue>/``, start from ``_template``) whose
package exports its spec(s) as ``SPECS``, and its package name in :data:`VENUES` below
(``docs/architecture.md`` "Venues"); :func:`registered` / :func:`registered_packages` do it for a
while. Code that needs a venue's client, stream, tiers or conventions asks :func:`spec_for`;
nothing branches on the venue's name.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from liqmap.domain.enums import Venue
from liqmap.errors import UnknownExchangeError
from liqmap.exchanges.base import VenueClient
from liqmap.exchanges.records import DataKind
from liqmap.exchanges.rest import RetryPolicy, Sleep
from liqmap.exchanges.spec import VenueSpec
from liqmap.settings import Settings

__all__ = [
    "CLIENTS",
    "SPECS",
    "VENUES",
    "client_for",
    "endpoint_rows",
    "package_specs",
    "register",
    "register_packages",
    "registered",
    "registered_packages",
    "spec_for",
    "specs",
    "supported_kinds",
    "unregister",
]

SPECS: dict[Venue, VenueSpec] = {}
"""Venue -> spec, in registration order (the order of ``liqmap symbols``, docs tables)."""


def register(spec: VenueSpec) -> VenueSpec:
    """Add ``spec`` (and make its venue known to ``Venue.parse``); returns it."""
    Venue.register(spec.venue)
    SPECS[spec.venue] = spec
    return spec


def unregister(spec: VenueSpec) -> None:
    """Remove a registered spec and its venue (tests that register a venue for a while)."""
    if SPECS.get(spec.venue) is spec:
        del SPECS[spec.venue]
        Venue.unregister(spec.venue)


@contextmanager
def registered(spec: VenueSpec) -> Iterator[VenueSpec]:
    """``with registered(SPEC):`` the venue is known inside the block only."""
    register(spec)
    try:
        yield spec
    finally:
        unregister(spec)


def package_specs(name: str) -> tuple[VenueSpec, ...]:
    """The ``SPECS`` tuple of venue package ``liqmap.exchanges.<name>`` (imported on demand)."""
    module = importlib.import_module(f"liqmap.exchanges.{name}")
    found = getattr(module, "SPECS", None)
    if not isinstance(found, tuple) or not all(isinstance(s, VenueSpec) for s in found):
        raise UnknownExchangeError(
            f"venue package liqmap.exchanges.{name} must export SPECS, a tuple of VenueSpec "
            "(see liqmap/exchanges/_template/__init__.py)"
        )
    return found


def register_packages(names: tuple[str, ...]) -> tuple[VenueSpec, ...]:
    """Register the specs of each venue package in ``names``, in order; returns them."""
    return tuple(register(s) for name in names for s in package_specs(name))


@contextmanager
def registered_packages(names: tuple[str, ...]) -> Iterator[tuple[VenueSpec, ...]]:
    """``with registered_packages(("<venue>",)):`` those packages' venues, inside the block only."""
    done: list[VenueSpec] = []
    try:
        for name in names:
            for s in package_specs(name):
                done.append(register(s))
        yield tuple(done)
    finally:
        for s in reversed(done):
            unregister(s)


# The venues: the package name of each venue folder, the one line a new venue adds.
VENUES: tuple[str, ...] = ("binance", "bybit", "okx", "hyperliquid")
"""Venue packages under ``liqmap/exchanges/`` whose ``SPECS`` liqmap registers, in order."""

register_packages(VENUES)


def spec_for(venue: Venue | str) -> VenueSpec:
    """The spec of ``venue`` (a :class:`Venue` or its name)."""
    v = venue if isinstance(venue, Venue) else Venue.parse(venue)
    spec = SPECS.get(v)
    if spec is None:
        raise UnknownExchangeError(
            f"venue {v.value!r} has no registered spec; add its package name to VENUES in "
            "liqmap/exchanges/registry.py (its package must export SPECS)"
        )
    return spec


def specs() -> tuple[VenueSpec, ...]:
    """Every registered spec, in registration order."""
    return tuple(SPECS.values())


class _Clients:
    """Read-only ``Venue -> client class`` view of the registry (the former ``CLIENTS`` dict)."""

    def __getitem__(self, venue: Venue) -> type[VenueClient]:
        return spec_for(venue).client

    def items(self) -> Iterator[tuple[Venue, type[VenueClient]]]:
        return ((v, s.client) for v, s in SPECS.items())

    def __iter__(self) -> Iterator[Venue]:
        return iter(tuple(SPECS))

    def __len__(self) -> int:
        return len(SPECS)


CLIENTS = _Clients()


def client_for(
    venue: Venue | str,
    settings: Settings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    retry: RetryPolicy | None = None,
    sleep: Sleep = asyncio.sleep,
) -> VenueClient:
    """A new async client of ``venue`` (close it: ``async with client_for(...) as c``)."""
    cls = spec_for(venue).client
    return cls(settings, transport=transport, retry=retry, sleep=sleep)


def supported_kinds(venue: Venue | str) -> tuple[DataKind, ...]:
    """The kinds ``venue`` serves over public REST."""
    cls = spec_for(venue).client
    return tuple(k for k in DataKind if k in cls.endpoints)


def endpoint_rows() -> list[tuple[str, str, str, str, str]]:
    """``(venue, kind, endpoint, page size, history)`` for every venue and kind (docs/tests)."""
    rows: list[tuple[str, str, str, str, str]] = []
    for venue, spec in SPECS.items():
        cls = spec.client
        for kind in DataKind:
            ep = cls.endpoints.get(kind)
            if ep is None:
                rows.append(
                    (venue.value, kind.value, "not public", "", cls.unsupported.get(kind, ""))
                )
                continue
            if ep.history_ms is None:
                depth = "full"
            elif ep.history_ms == 0:
                depth = "current only"
            else:
                depth = f"{ep.history_ms / 86_400_000:g} days"
            rows.append((venue.value, kind.value, ep.path, str(ep.page_size or "all"), depth))
    return rows

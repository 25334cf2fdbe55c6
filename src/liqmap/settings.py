"""Frozen runtime settings from ``LIQMAP_*`` environment variables (validated; unknown keys rejected).

=============================  =====================================================================
variable                       meaning (default)
=============================  =====================================================================
``LIQMAP_HOME``                data folder: the store, recordings (per-user data dir)
``LIQMAP_<VENUE>_REST_URL``    REST base URL; VENUE = BINANCE, BINANCE_COINM, BYBIT, OKX, HYPERLIQUID
                               (every registered venue: ``Venue.name``)
``LIQMAP_<VENUE>_WS_URL``      WebSocket base URL, same venues
``LIQMAP_BINANCE_ARCHIVE_URL`` data.binance.vision base URL
``LIQMAP_TIERS_MAX_AGE``       refresh cached live margin tiers older than this (``7d``; ``0``: never)
``LIQMAP_BINANCE_API_KEY``     optional read-only Binance key: live ``/fapi/v1/leverageBracket``
``LIQMAP_BINANCE_API_SECRET``  its secret (never printed)
``LIQMAP_HTTP_TIMEOUT``        seconds per HTTP read/connect (10)
``LIQMAP_HTTP_DEADLINE``       total seconds per HTTP request, body included (30)
``LIQMAP_SYNC_DEADLINE``       total seconds of one ``liqmap sync`` (1800)
``LIQMAP_MAX_FILE_MB``         input file limits (:mod:`liqmap.limits`); ``LIQMAP_MAX_ROWS`` too
``LIQMAP_WEB_TOKEN``           ``liqmap serve --token`` from the environment
``LIQMAP_SHARED_DATA``         tests only: where ../shared/data is (read by the test suite)
``LIQMAP_REQUIRE_SHARED_DATA`` tests only: 1 makes absent shared data a failure
``LIQMAP_JIT``                 1: run the numba kernels on the JIT even when compiled ahead of time
``LIQMAP_REQUIRE_AOT``         tests only: 1 makes kernels not compiled ahead of time a failure
=============================  =====================================================================

Users behind proxies, and tests with local servers, point the URLs elsewhere.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from liqmap.domain.enums import Venue
from liqmap.errors import ParameterError
from liqmap.net.deadline import DEFAULT_DEADLINE_S

__all__ = ["DEFAULT_REST_URLS", "DEFAULT_WS_URLS", "Settings"]

DEFAULT_REST_URLS: dict[Venue, str] = {v: v.rest_url for v in Venue}
"""The built-in venues' REST base URLs (each venue's own default is ``venue.rest_url``)."""
DEFAULT_WS_URLS: dict[Venue, str] = {v: v.ws_url for v in Venue}
"""The built-in venues' WebSocket base URLs (each venue's own default is ``venue.ws_url``)."""
DEFAULT_ARCHIVE_URL = "https://data.binance.vision"
DEFAULT_SYNC_DEADLINE_S = 1800.0

_PREFIX = "LIQMAP_"
_TEST_ONLY = {"LIQMAP_SHARED_DATA", "LIQMAP_REQUIRE_SHARED_DATA", "LIQMAP_REQUIRE_AOT"}
_READ_ELSEWHERE = {"LIQMAP_JIT"}  # read by liqmap._aot when a kernel module loads


def _default_home() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("liqmap", appauthor=False))


def _check_url(key: str, url: str, schemes: tuple[str, ...]) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise ParameterError(
            f"{key}={url!r} is not a valid URL; expected {' or '.join(schemes)}://host[:port][/path]"
        )
    return url.rstrip("/")


def _seconds(env: Mapping[str, str], key: str, default: float) -> float:
    """A positive finite number of seconds from ``env[key]`` (``default`` when unset)."""
    text = env.get(key)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ParameterError(f"{key} must be a positive number of seconds, got {text!r}")
    return value


def _url(urls: Mapping[Venue, str], venue: Venue, kind: str) -> str:
    try:
        return urls[venue]
    except KeyError:
        raise ParameterError(
            f"these settings have no {kind} URL for {venue.value} (registered after they were "
            f"made?): build them again (Settings.from_env) or set {_PREFIX}{venue.name}_{kind}_URL"
        ) from None


@dataclass(frozen=True, slots=True)
class Settings:
    """Where liqmap keeps data and which endpoints it talks to."""

    home: Path = field(default_factory=_default_home)
    rest_urls: Mapping[Venue, str] = field(default_factory=lambda: {v: v.rest_url for v in Venue})
    ws_urls: Mapping[Venue, str] = field(default_factory=lambda: {v: v.ws_url for v in Venue})
    archive_url: str = DEFAULT_ARCHIVE_URL
    http_timeout_s: float = 10.0
    tiers_max_age_ms: int = 7 * 86_400_000
    binance_api_key: str = field(default="", repr=False)
    binance_api_secret: str = field(default="", repr=False)
    http_deadline_s: float = DEFAULT_DEADLINE_S
    sync_deadline_s: float = DEFAULT_SYNC_DEADLINE_S

    def rest_url(self, venue: Venue) -> str:
        """REST base URL of a venue."""
        return _url(self.rest_urls, venue, "REST")

    def ws_url(self, venue: Venue) -> str:
        """WebSocket base URL of a venue."""
        return _url(self.ws_urls, venue, "WS")

    @property
    def store_path(self) -> Path:
        """The embedded database file."""
        return self.home / "liqmap.duckdb"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``LIQMAP_*`` variables; an unknown ``LIQMAP_`` variable is an error (typo guard)."""
        env = os.environ if environ is None else environ
        known = {
            "LIQMAP_HOME", "LIQMAP_BINANCE_ARCHIVE_URL", "LIQMAP_HTTP_TIMEOUT",
            "LIQMAP_TIERS_MAX_AGE", "LIQMAP_BINANCE_API_KEY", "LIQMAP_BINANCE_API_SECRET",
            "LIQMAP_HTTP_DEADLINE", "LIQMAP_SYNC_DEADLINE", "LIQMAP_MAX_FILE_MB",
            "LIQMAP_MAX_ROWS", "LIQMAP_WEB_TOKEN", *_TEST_ONLY, *_READ_ELSEWHERE,
        }  # fmt: skip
        rest = {v: v.rest_url for v in Venue}
        ws = {v: v.ws_url for v in Venue}
        for venue in Venue:
            for kind, table, schemes in (
                ("REST", rest, ("http", "https")),
                ("WS", ws, ("ws", "wss")),
            ):
                key = f"{_PREFIX}{venue.name}_{kind}_URL"
                known.add(key)
                if env.get(key):
                    table[venue] = _check_url(key, env[key], schemes)
        unknown = sorted(k for k in env if k.startswith(_PREFIX) and k not in known)
        if unknown:
            raise ParameterError(
                f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        timeout = _seconds(env, "LIQMAP_HTTP_TIMEOUT", 10.0)
        deadline = _seconds(env, "LIQMAP_HTTP_DEADLINE", DEFAULT_DEADLINE_S)
        sync_deadline = _seconds(env, "LIQMAP_SYNC_DEADLINE", DEFAULT_SYNC_DEADLINE_S)
        archive = env.get("LIQMAP_BINANCE_ARCHIVE_URL")
        return cls(
            home=Path(env["LIQMAP_HOME"]).expanduser()
            if env.get("LIQMAP_HOME")
            else _default_home(),
            rest_urls=rest,
            ws_urls=ws,
            archive_url=_check_url("LIQMAP_BINANCE_ARCHIVE_URL", archive, ("http", "https"))
            if archive
            else DEFAULT_ARCHIVE_URL,
            http_timeout_s=timeout,
            tiers_max_age_ms=_max_age(env.get("LIQMAP_TIERS_MAX_AGE", "")),
            binance_api_key=env.get("LIQMAP_BINANCE_API_KEY", ""),
            binance_api_secret=env.get("LIQMAP_BINANCE_API_SECRET", ""),
            http_deadline_s=deadline,
            sync_deadline_s=sync_deadline,
        )


def _max_age(text: str) -> int:
    """``LIQMAP_TIERS_MAX_AGE``: a duration (``12h``, ``7d``) or ``0`` (never refresh)."""
    if not text.strip():
        return 7 * 86_400_000
    if text.strip() == "0":
        return 0
    from liqmap.timeutil import parse_duration_ms

    return parse_duration_ms(text.strip(), name="LIQMAP_TIERS_MAX_AGE")

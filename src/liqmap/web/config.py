"""What the web app can be tuned with (:class:`WebConfig`, frozen and validated)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from liqmap.core.formatting import format_number
from liqmap.errors import ParameterError

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "LOCAL_HOSTS", "WebConfig"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
LOCAL_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


@dataclass(frozen=True, slots=True)
class WebConfig:
    """Tuning of :func:`liqmap.web.create_app`; the defaults suit a local dashboard.

    Attributes
    ----------
    default_source, default_symbol
        What the page opens with.
    demo_speed
        Simulated one-minute bars the demo market advances per second (0 freezes it).
    demo_live_days
        Days of simulated market held back and revealed by the demo feed.
    demo_seed
        Seed of the demo market (``None``: the simulator's default).
    store_poll_s
        How often the store is checked for new candles or liquidation events.
    cors_origins
        Origins allowed to call the API from other pages (empty: CORS off, the default).
    allowed_hosts
        ``Host`` header values accepted (guards a loopback server against DNS rebinding);
        ``("*",)`` accepts any.
    heartbeat_s, stream_max_s
        SSE keep-alive comment interval; a stream's lifetime before the browser reconnects.
    token
        When set, every request needs it (``Authorization: Bearer``, cookie or ``?token=``).
    build_slots, build_queue, build_wait_s
        Bodies built at once, requests waiting for a slot, and how long each may wait; past
        that a request gets 503 + ``Retry-After`` (:class:`liqmap.web.guard.BuildGate`).
    prebuild_max
        Most-requested recent requests rebuilt on each live update (the rest on demand).
    """

    default_source: str = "demo"
    default_symbol: str = "BTCUSDT"
    demo_speed: float = 0.5
    demo_live_days: float = 7.0
    demo_seed: int | None = None
    store_poll_s: float = 2.0
    cors_origins: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = field(default=LOCAL_HOSTS)
    heartbeat_s: float = 15.0
    stream_max_s: float = 600.0
    token: str | None = None
    build_slots: int = 2
    build_queue: int = 8
    build_wait_s: float = 2.0
    prebuild_max: int = 16
    result_cache_entries: int = 64
    body_cache_bytes: int = 256 * 1024 * 1024

    def __post_init__(self) -> None:
        checks = {
            "demo_speed": (self.demo_speed, 0.0, 1_000.0),
            "demo_live_days": (self.demo_live_days, 0.0, 60.0),
            "store_poll_s": (self.store_poll_s, 0.05, 3_600.0),
            "heartbeat_s": (self.heartbeat_s, 0.05, 3_600.0),
            "stream_max_s": (self.stream_max_s, 1.0, 86_400.0),
        }
        for name, (value, lo, hi) in checks.items():
            if not (math.isfinite(value) and lo <= value <= hi):
                raise ParameterError(
                    f"WebConfig.{name} must be in [{format_number(lo)}, {format_number(hi)}], "
                    f"got {value!r}"
                )
        for origin in self.cors_origins:
            if origin != "*" and not _ORIGIN.match(origin):
                raise ParameterError(
                    f"WebConfig.cors_origins: {origin!r} is not an origin like http://host:port"
                )
        if not self.allowed_hosts:
            raise ParameterError("WebConfig.allowed_hosts is empty; use ('*',) to accept any")
        if self.token is not None and len(self.token) < 8:
            raise ParameterError("the access token must have at least 8 characters")
        if self.build_slots < 1 or self.build_queue < 0 or self.prebuild_max < 0:
            raise ParameterError("WebConfig build_slots >= 1, build_queue and prebuild_max >= 0")
        if not (math.isfinite(self.build_wait_s) and 0 < self.build_wait_s <= 600):
            raise ParameterError("WebConfig.build_wait_s must be in (0, 600] seconds")
        if self.result_cache_entries < 1 or self.body_cache_bytes < 1:
            raise ParameterError("WebConfig cache sizes must be positive")

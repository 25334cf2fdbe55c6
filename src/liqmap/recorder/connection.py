"""One venue's WebSocket connection: connect, subscribe, keep alive, decode, reconnect.

The loop reconnects with exponential backoff and jitter after any drop, re-sends the
subscriptions, and records the time without a subscribed connection as a gap in
:class:`~liqmap.recorder.stats.VenueStats`. Malformed messages are counted and logged with
their raw payload; they never end the loop. Only a venue that refuses every subscription, or
refuses the connection itself with a 4xx status (e.g. 451, geo-blocked), stops for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from liqmap.domain.enums import Venue
from liqmap.errors import MalformedResponseError
from liqmap.exchanges.stream import Kind, LiqRow, StreamAdapter
from liqmap.net.retry import RetryPolicy
from liqmap.recorder.stats import VenueStats

__all__ = ["ConnectionOptions", "VenueConnection", "backoff_delay", "now_ms"]

log = logging.getLogger("liqmap.recorder")
RowsCallback = Callable[[Venue, Sequence[LiqRow]], None]
SAMPLE_CHARS = 2000


def now_ms() -> int:
    """Wall-clock UTC epoch milliseconds."""
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class ConnectionOptions:
    """Timing of the connection loop (defaults suit the real venues; tests shorten them)."""

    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    healthy_after_s: float = 30.0  # a subscribed connection this old resets the backoff
    open_timeout_s: float = 10.0
    ping_interval_s: float | None = None  # overrides the venue's application-ping interval
    pong_timeout_s: float = 10.0  # no message this long after our ping: the link is dead
    protocol_ping_interval_s: float | None = 20.0  # RFC 6455 pings (websockets keep-alive)
    protocol_ping_timeout_s: float | None = 20.0
    max_message_bytes: int = 4 * 2**20


def backoff_delay(attempt: int, base_s: float, cap_s: float, rng: random.Random) -> float:
    """Exponential backoff with jitter: uniform in ``[d/2, d]``, ``d = min(cap, base*2^n)``
    (:meth:`liqmap.net.retry.RetryPolicy.backoff_s`, "equal" jitter)."""
    return RetryPolicy(base_s=base_s, cap_s=cap_s, jitter="equal").backoff_s(attempt, rng)


class _RejectedError(Exception):
    """Every subscription of the connection was refused: retrying will not help."""


class _StaleError(Exception):
    """Nothing arrived within the pong timeout after our ping."""


def _sample(raw: str | bytes) -> str:
    text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
    return text if len(text) <= SAMPLE_CHARS else f"{text[:SAMPLE_CHARS]}... ({len(text)} chars)"


class VenueConnection:
    """Runs one venue's stream until ``stop`` is set; rows go to ``on_rows``."""

    def __init__(
        self,
        adapter: StreamAdapter,
        url: str,
        stats: VenueStats,
        on_rows: RowsCallback,
        options: ConnectionOptions | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.adapter = adapter
        self.url = url
        self.stats = stats
        self.on_rows = on_rows
        self.options = options or ConnectionOptions()
        self._rng = rng or random.Random()
        self._last_rx = 0.0  # loop time of the last message
        self._last_rx_ms = 0
        self._ping_sent_at: float | None = None
        self._subscribed_at: float | None = None
        self._acks = 0
        self._rejects = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Connect, record, reconnect; returns when ``stop`` is set or the venue refuses us."""
        try:
            await self._loop(stop)
        finally:
            self.stats.close(now_ms())
            if not self.stats.state.startswith("refused"):
                self.stats.state = "stopped"

    async def _loop(self, stop: asyncio.Event) -> None:
        attempt = 0
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            try:
                await self._session(stop)
            except _RejectedError as exc:
                self._fatal(f"subscription refused: {exc}")
                return
            except InvalidStatus as exc:
                code = exc.response.status_code
                if 400 <= code < 500 and code != 429:
                    self._fatal(f"HTTP {code} at connect{_hint(code, self.adapter.venue)}")
                    return
                self._dropped(f"HTTP {code} at connect", now_ms())
            except InvalidURI as exc:
                self._fatal(f"bad URL {self.url!r}: {exc}")
                return
            except _StaleError as exc:
                self._dropped(str(exc), self._last_rx_ms or now_ms())
            except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed) as exc:
                self._dropped(_describe(exc), now_ms())
            if stop.is_set():
                break
            healthy = self._subscribed_at is not None and (
                loop.time() - self._subscribed_at >= self.options.healthy_after_s
            )
            attempt = 0 if healthy else attempt + 1
            delay = backoff_delay(
                attempt, self.options.backoff_base_s, self.options.backoff_cap_s, self._rng
            )
            self.stats.state = f"reconnecting ({delay:.1f}s)"
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)

    async def _session(self, stop: asyncio.Event) -> None:
        opts = self.options
        self.stats.state = "connecting"
        self._subscribed_at = None
        self._acks = self._rejects = 0
        self._ping_sent_at = None
        async with connect(
            self.url,
            open_timeout=opts.open_timeout_s,
            ping_interval=opts.protocol_ping_interval_s,
            ping_timeout=opts.protocol_ping_timeout_s,
            close_timeout=1.0,
            max_size=opts.max_message_bytes,
        ) as ws:
            self.stats.connects += 1
            self.stats.state = "subscribing"
            self._touch()
            for message in self.adapter.subscribe_messages():
                await ws.send(message)
            tasks = [asyncio.create_task(self._receive(ws)), asyncio.create_task(stop.wait())]
            if self.adapter.ping is not None:
                tasks.append(asyncio.create_task(self._keepalive(ws)))
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            for task in done:
                if not task.cancelled() and (exc := task.exception()) is not None:
                    raise exc
            if not stop.is_set():
                code, reason = ws.close_code, ws.close_reason
                raise ConnectionError(f"server closed the connection (code {code} {reason})")

    async def _receive(self, ws: ClientConnection) -> None:
        async for raw in ws:
            self._handle(raw)

    async def _keepalive(self, ws: ClientConnection) -> None:
        spec = self.adapter.ping
        if spec is None:
            return
        interval = self.options.ping_interval_s or spec.interval_s
        loop = asyncio.get_running_loop()
        last_ping = loop.time()
        while True:
            await asyncio.sleep(min(interval, self.options.pong_timeout_s) / 4)
            now = loop.time()
            if (
                self._ping_sent_at is not None
                and now - self._ping_sent_at > self.options.pong_timeout_s
            ):
                raise _StaleError(f"no answer to ping within {self.options.pong_timeout_s:g}s")
            since = now - (max(self._last_rx, last_ping) if spec.when_idle else last_ping)
            if since >= interval:
                await ws.send(spec.payload)
                self.stats.pings += 1
                last_ping = now
                if self._ping_sent_at is None:
                    self._ping_sent_at = now

    def _touch(self) -> None:
        self._last_rx = asyncio.get_running_loop().time()
        self._last_rx_ms = now_ms()
        self._ping_sent_at = None

    def _handle(self, raw: str | bytes) -> None:
        st = self.stats
        st.messages += 1
        self._touch()
        try:
            d = self.adapter.decode(raw)
        except MalformedResponseError as exc:
            st.malformed += 1
            sample = _sample(exc.raw or raw)
            st.malformed_samples.append(sample)
            log.warning("%s: malformed message (%s); raw payload: %s", st.venue.value, exc, sample)
            return
        if d.kind is Kind.DATA:
            st.filtered += d.filtered
            if d.rows:
                st.events += len(d.rows)
                st.last_event_ms = d.rows[-1].ts_ms
                self.on_rows(st.venue, d.rows)
            self._mark_subscribed()
        elif d.kind is Kind.ACK:
            st.acks += 1
            self._acks += 1
            self._mark_subscribed()
        elif d.kind is Kind.PONG:
            st.pongs += 1
        elif d.kind is Kind.REJECT:
            self._reject(d.detail)
        else:
            st.ignored += 1

    def _reject(self, detail: str) -> None:
        st = self.stats
        st.rejected += 1
        st.last_error = f"subscription refused: {detail}"
        log.error("%s: subscription refused: %s", st.venue.value, detail)
        self._rejects += 1
        if self._acks == 0 and self._rejects >= len(self.adapter.subscribe_messages()):
            raise _RejectedError(detail)

    def _mark_subscribed(self) -> None:
        st = self.stats
        if self._subscribed_at is None:
            self._subscribed_at = asyncio.get_running_loop().time()
            t = now_ms()
            if st.first_subscribed_ms is None:
                st.first_subscribed_ms = t
            gap = st.open_gap
            st.close(t)
            if gap is not None:
                log.warning(
                    "%s: resubscribed; gap of %.1fs (%s)",
                    st.venue.value,
                    gap.duration_ms(t) / 1000,
                    gap.reason,
                )
            st.state = "recording"

    def _dropped(self, reason: str, start_ms: int) -> None:
        st = self.stats
        st.last_error = reason
        st.open(start_ms, reason)
        log.warning("%s: connection lost: %s", st.venue.value, reason)

    def _fatal(self, reason: str) -> None:
        st = self.stats
        st.last_error = reason
        st.open(now_ms(), reason)
        st.state = f"refused: {reason}"
        log.error("%s: giving up: %s", st.venue.value, reason)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionClosed):
        rcvd = exc.rcvd
        if rcvd is None:
            return "connection dropped without a close frame"
        return f"server closed the connection (code {rcvd.code} {rcvd.reason})".rstrip()
    if isinstance(exc, TimeoutError):
        return "timed out"
    if type(exc) is ConnectionError:
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _hint(code: int, venue: Venue) -> str:
    if code in (403, 451):
        return f" (the venue refuses this location; set LIQMAP_{venue.name}_WS_URL to a proxy)"
    return ""

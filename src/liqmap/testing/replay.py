"""A local WebSocket server that speaks one venue's liquidation-stream protocol and replays
recorded messages: for tests, benchmarks and trying the recorder offline. The venue's side of
the protocol (handshake, pings, push encoding) is its spec's ``replay``
(``liqmap.exchanges.<venue>.replay``); this module only serves it.

It answers the venue's subscription request (or refuses it), its application-level ping
(Bybit ``{"op":"ping"}``, OKX ``ping``), then sends the given messages in order, optionally
paced, and can inject faults: a server-side close or a dropped TCP connection after a given
number of messages, a demand for client pings, silence. Point the recorder at it with
``LIQMAP_<VENUE>_WS_URL=ws://127.0.0.1:<port>``; it serves any path, loopback only.

    async with ReplayServer(Venue.OKX, messages, rate_per_s=1000) as server:
        ...  # server.url, server.sent, server.connections
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from liqmap.domain.enums import Venue
from liqmap.errors import ParameterError
from liqmap.exchanges.registry import spec_for
from liqmap.exchanges.spec import LiqEvent, StreamReplay

__all__ = ["Fault", "ReplayServer", "encode_liquidations"]

TICK_S = 0.005


@dataclass(frozen=True, slots=True)
class Fault:
    """After ``after`` messages in total, end the connection: ``close`` sends a close frame
    (code 1011), ``drop`` aborts the TCP connection without one."""

    after: int
    how: str = "close"  # "close" | "drop"


@dataclass(slots=True)
class _Conn:
    index: int
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    last_ping: float = 0.0
    sent: int = 0


class ReplayServer:
    """Replays ``messages`` to whoever subscribes; one shared cursor across reconnects, so a
    reconnecting client continues where the last connection stopped (``resume``), or starts
    over (``resume=False``)."""

    def __init__(
        self,
        venue: Venue,
        messages: Sequence[str],
        *,
        rate_per_s: float | None = None,
        faults: Sequence[Fault] = (),
        reject: bool = False,
        answer_pings: bool = True,
        require_ping_within_s: float | None = None,
        protocol_ping_interval_s: float | None = None,
        resume: bool = True,
        start_delay_s: float = 0.0,
    ) -> None:
        self.venue = venue
        self._replay = _replay_of(venue)
        self.messages = list(messages)
        self.rate_per_s = rate_per_s
        self.faults = sorted(faults, key=lambda f: f.after)
        self.reject = reject
        self.answer_pings = answer_pings
        self.require_ping_within_s = require_ping_within_s
        self.protocol_ping_interval_s = protocol_ping_interval_s
        self.resume = resume
        self.start_delay_s = start_delay_s
        self.cursor = 0  # messages sent in total (index of the next one)
        self.connections = 0
        self.sent_per_connection: list[int] = []
        self.received: list[str] = []  # every frame the clients sent
        self.pings = 0
        self.done = asyncio.Event()  # every message was sent
        self.first_send_at: float | None = None
        self.last_send_at: float | None = None
        self._server: Server | None = None

    @property
    def sent(self) -> int:
        """Messages written to clients so far."""
        return self.cursor

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:<port>`` (the base URL: the recorder appends its venue path)."""
        if self._server is None:
            raise RuntimeError("ReplayServer is not started")
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}"

    async def start(self) -> ReplayServer:
        """Listen on a random loopback port."""
        self._server = await serve(
            self._handler,
            "127.0.0.1",
            0,
            ping_interval=self.protocol_ping_interval_s,
            ping_timeout=self.protocol_ping_interval_s,
            max_size=None,
        )
        return self

    async def close(self) -> None:
        """Close every connection and stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> ReplayServer:
        return await self.start()

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # ------------------------------------------------------------------ per connection
    async def _handler(self, ws: ServerConnection) -> None:
        conn = _Conn(self.connections, last_ping=asyncio.get_running_loop().time())
        self.connections += 1
        self.sent_per_connection.append(0)
        if not self.resume:
            self.cursor = 0
        tasks = [asyncio.create_task(self._send(ws, conn))]
        if self.require_ping_within_s is not None:
            tasks.append(asyncio.create_task(self._ping_watchdog(ws, conn)))
        try:
            async for frame in ws:
                text = frame if isinstance(frame, str) else frame.decode()
                self.received.append(text)
                reply = self._answer(text, conn)
                if reply is not None:
                    await ws.send(reply)
        except ConnectionClosed:
            pass
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _answer(self, text: str, conn: _Conn) -> str | None:
        """The venue's reply to a client frame (None: no reply), from its spec's replay side."""
        try:
            req: Any = json.loads(text)
        except ValueError:
            req = None
        reply = self._replay.answer(text, req if isinstance(req, dict) else None, self.reject)
        if reply is None:
            return None
        if reply.kind == "pong":
            return self._pinged(conn, reply.text)
        if reply.kind == "ack":
            return self._subscribed(conn, reply.text)
        return reply.text

    def _pinged(self, conn: _Conn, reply: str) -> str | None:
        self.pings += 1
        conn.last_ping = asyncio.get_running_loop().time()
        return reply if self.answer_pings else None

    @staticmethod
    def _subscribed(conn: _Conn, reply: str) -> str:
        conn.subscribed.set()
        return reply

    async def _ping_watchdog(self, ws: ServerConnection, conn: _Conn) -> None:
        limit = self.require_ping_within_s
        if limit is None:
            return
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(limit / 5)
            if loop.time() - conn.last_ping > limit:
                await ws.close(1008, "no ping")
                return

    async def _send(self, ws: ServerConnection, conn: _Conn) -> None:
        await conn.subscribed.wait()
        if self.start_delay_s:
            await asyncio.sleep(self.start_delay_s)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        base = self.cursor
        while self.cursor < len(self.messages):
            if self.rate_per_s is not None:
                due = base + int((loop.time() - t0) * self.rate_per_s) + 1
                if self.cursor >= due:
                    await asyncio.sleep(TICK_S)
                    continue
            else:
                due = len(self.messages)
            while self.cursor < min(due, len(self.messages)):
                fault = self._fault_at(self.cursor)
                if fault is not None:
                    await self._inject(ws, fault)
                    return
                await ws.send(self.messages[self.cursor])
                self._count(conn, loop.time())
                if conn.sent % 256 == 0:
                    await asyncio.sleep(0)  # let the other side of the loopback read
        self.done.set()

    def _count(self, conn: _Conn, t: float) -> None:
        self.cursor += 1
        conn.sent += 1
        self.sent_per_connection[conn.index] += 1
        if self.first_send_at is None:
            self.first_send_at = t
        self.last_send_at = t

    def _fault_at(self, cursor: int) -> Fault | None:
        if self.faults and self.faults[0].after == cursor:
            return self.faults.pop(0)
        return None

    @staticmethod
    async def _inject(ws: ServerConnection, fault: Fault) -> None:
        if fault.how == "drop":
            ws.transport.abort()
            return
        with contextlib.suppress(ConnectionClosed):
            await ws.close(1011, "replay: injected disconnect")


def _replay_of(venue: Venue) -> StreamReplay:
    replay = spec_for(venue).replay
    if replay is None:
        raise ParameterError(f"no liquidation stream to replay for {venue.value}")
    return replay


def encode_liquidations(
    venue: Venue,
    events: Iterable[tuple[str, int, int, float, float]],
    contract_values: Mapping[str, float] | None = None,
) -> list[str]:
    """``(symbol, ts_ms, side, price, qty)`` liquidations -> the venue's documented push
    messages (the inverse of the stream adapters' parsing), one message per event. For OKX,
    ``qty`` is converted to contracts with ``contract_values`` (instId -> ctVal)."""
    encode = _replay_of(venue).encode
    values = contract_values or {}
    return [json.dumps(encode(LiqEvent(*e), values), separators=(",", ":")) for e in events]

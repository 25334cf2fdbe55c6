"""The uvicorn server for the web app: it ends the live streams as soon as shutdown begins.

Plain uvicorn waits for open responses to finish before stopping, and an SSE stream never does:
:class:`DashboardServer` closes the app's streams first, so Ctrl+C stops at once and cleanly
(browsers reconnect by themselves when the server is back).

Slow clients: a connection must finish sending its request line and headers within
``header_timeout_s`` (default :data:`HEADER_TIMEOUT_S`) of connecting or of its previous
response, or it is closed (:class:`TimedH11Protocol`): slow-loris sockets cannot pile up.
An idle keep-alive connection is closed after 5 s (uvicorn's ``timeout_keep_alive``).
"""

from __future__ import annotations

import asyncio
import functools
import socket
from typing import Any

import h11
import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from liqmap.web.state import WebState

__all__ = ["HEADER_TIMEOUT_S", "DashboardServer", "TimedH11Protocol", "server_config"]

HEADER_TIMEOUT_S = 10.0


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on receiving each request's headers."""

    header_timeout_s = HEADER_TIMEOUT_S

    def __init__(self, *args: Any, header_timeout_s: float = HEADER_TIMEOUT_S, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.header_timeout_s = header_timeout_s
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_late)

    def _headers_late(self) -> None:
        """Close the connection when it is still waiting for a complete request head."""
        self._header_timer = None
        busy = self.cycle is not None and not self.cycle.response_complete
        if not busy and self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)


def server_config(
    app: FastAPI, *, host: str, port: int, header_timeout_s: float = HEADER_TIMEOUT_S
) -> uvicorn.Config:
    """uvicorn settings of ``liqmap serve`` (no WebSocket stack, quiet, short grace period,
    a deadline on request headers)."""
    protocol = functools.partial(TimedH11Protocol, header_timeout_s=header_timeout_s)
    return uvicorn.Config(
        app, host=host, port=port, ws="none", log_level="warning", lifespan="on",
        timeout_graceful_shutdown=2, server_header=False, http=protocol,  # type: ignore[arg-type]
        timeout_keep_alive=5,
    )  # fmt: skip


class DashboardServer(uvicorn.Server):
    """A uvicorn server that closes the dashboard's live streams when shutting down."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """End every SSE stream, then shut down as uvicorn does."""
        state = getattr(getattr(self.config.app, "state", None), "liqmap", None)
        if isinstance(state, WebState):
            state.hub.close()
        await super().shutdown(sockets)

"""The uvicorn server for the web app: it ends the live streams as soon as shutdown begins.

Plain uvicorn waits for open responses to finish before stopping, and an SSE stream never does:
:class:`DashboardServer` closes the app's streams first, so Ctrl+C stops at once and cleanly
(browsers reconnect by themselves when the server is back).
"""

from __future__ import annotations

import socket

import uvicorn
from fastapi import FastAPI

from liqmap.web.state import WebState

__all__ = ["DashboardServer", "server_config"]


def server_config(app: FastAPI, *, host: str, port: int) -> uvicorn.Config:
    """uvicorn settings of ``liqmap serve`` (no WebSocket stack, quiet, short grace period)."""
    return uvicorn.Config(
        app, host=host, port=port, ws="none", log_level="warning", lifespan="on",
        timeout_graceful_shutdown=2, server_header=False,
    )  # fmt: skip


class DashboardServer(uvicorn.Server):
    """A uvicorn server that closes the dashboard's live streams when shutting down."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """End every SSE stream, then shut down as uvicorn does."""
        state = getattr(getattr(self.config.app, "state", None), "liqmap", None)
        if isinstance(state, WebState):
            state.hub.close()
        await super().shutdown(sockets)

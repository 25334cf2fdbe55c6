"""Cached bodies on the wire, and the hot path that serves repeated requests without routing.

Once a data endpoint has answered a query, the exact request (path and query string) is
remembered with the body's cache key: :class:`HotPath` answers the same request again straight
from the body cache, as long as the data version is unchanged, skipping routing and parameter
validation (which cost far more than sending the bytes). Anything else goes through the app.
The same remembered requests are rebuilt for new data before it is published
(:meth:`liqmap.web.state.WebState.prebuild`), so a live update does not stall the readers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from liqmap.web.cache import Body, LruCache
from liqmap.web.sources import Snapshot, Source

if TYPE_CHECKING:
    from liqmap.web.state import WebState

__all__ = ["HotPath", "Recipe", "wire"]

JSON = "application/json"


@dataclass(eq=False)
class Recipe:
    """How a remembered request's body is made: its source and symbol, its cache key (without
    the version) and the builder; ``used_s`` is when it was last asked for (monotonic)."""

    source: Source
    symbol: str
    key: tuple[Hashable, ...]
    build: Callable[[Snapshot], bytes]
    gzip: bool = False
    media_type: str = JSON
    used_s: float = field(default_factory=time.monotonic)


def wire(
    body: Body, accept_encoding: str, if_none_match: str, media_type: str = JSON
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and bytes of ``body``: 304 when ``If-None-Match`` matches its ``ETag``,
    gzip when accepted."""
    headers = [
        (b"etag", body.etag.encode()),
        (b"cache-control", b"no-cache"),
        (b"vary", b"Accept-Encoding"),
    ]
    if body.etag in if_none_match:
        return 304, headers, b""
    content = body.raw
    if "gzip" in accept_encoding and body.gz is not None:
        content = body.gz
        headers.append((b"content-encoding", b"gzip"))
    headers += [
        (b"content-type", media_type.encode()),
        (b"content-length", str(len(content)).encode()),
    ]
    return 200, headers, content


def _accepts_gzip(scope: Scope) -> bool:
    return any(n == b"accept-encoding" and b"gzip" in v for n, v in scope["headers"])


class HotPath:
    """Pure ASGI middleware: repeated GETs of remembered requests answered from the cache
    (never compressing in the event loop: a body whose gzip form is not made yet goes the
    normal way, which makes it in a worker thread)."""

    def __init__(self, app: ASGIApp, state: WebState) -> None:
        self.app = app
        self.state = state
        self.recipes: LruCache[Recipe] = state.recipes
        self.bodies: LruCache[Body] = state.bodies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            where = (scope["path"], scope["query_string"])
            recipe = self.recipes.peek(where)
            if recipe is not None:
                version = recipe.source.version(recipe.symbol)
                body = None if version is None else self.bodies.peek((*recipe.key, version))
                if body is not None and (body.gz_ready or not _accepts_gzip(scope)):
                    recipe.used_s = time.monotonic()
                    self.state.count_hit(where)
                    await self._send(scope, send, body, recipe.media_type)
                    return
        await self.app(scope, receive, send)

    @staticmethod
    async def _send(scope: Scope, send: Send, body: Body, media_type: str) -> None:
        accept = inm = ""
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept = value.decode("latin-1")
            elif name == b"if-none-match":
                inm = value.decode("latin-1")
        status, headers, content = wire(body, accept, inm, media_type)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

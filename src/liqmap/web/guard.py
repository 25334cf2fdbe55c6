"""Protection of the web server: load shedding, an optional token, the Host allow-list.

* :class:`BuildGate` bounds the expensive work: at most ``slots`` bodies are built at once (in
  worker threads); at most ``queue`` more requests wait for a slot, each at most ``wait_s``.
  Past that a request is *shed*: HTTP 503 with ``Retry-After`` (:class:`Overloaded`) at once,
  instead of every request getting slower (200 concurrent distinct heatmaps used to take
  16.8 s at the median). Cached bodies never wait. Counters are in ``/api/v1/health``.
* :class:`TokenGate` (``liqmap serve --token``, for non-loopback use) answers 401 unless the
  request carries ``Authorization: Bearer <token>``, the ``liqmap_token`` cookie, or
  ``?token=<token>`` (which sets the cookie, so the page opened from that link works).
* :func:`allowed_hosts_for` keeps the DNS-rebinding defence on every bind: the ``Host`` header
  must name the bound address, this machine (its name and addresses when bound to every
  interface) or a host given with ``--allow-host``; never any host.
"""

from __future__ import annotations

import contextlib
import hmac
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import TypeVar
from urllib.parse import parse_qs

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liqmap.web.config import LOCAL_HOSTS

__all__ = [
    "ANY_INTERFACE",
    "BuildGate",
    "Overloaded",
    "TokenGate",
    "allowed_hosts_for",
    "is_loopback",
]

T = TypeVar("T")
ANY_INTERFACE = ("0.0.0.0", "::", "")


class Overloaded(Exception):  # noqa: N818 - the HTTP meaning reads better
    """The server is at its build queue limit: answer 503 with ``Retry-After``."""

    def __init__(self, retry_after_s: int, why: str) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(why)


@dataclass(eq=False)
class BuildGate:
    """At most ``slots`` builds at once, ``queue`` waiting, each waiting at most ``wait_s``."""

    slots: int = 2
    queue: int = 16
    wait_s: float = 5.0
    retry_after_s: int = 2
    building: int = 0
    waiting: int = 0
    served: int = 0
    shed: int = 0

    def __post_init__(self) -> None:
        self._sem: anyio.Semaphore | None = None

    async def run(self, fn: Callable[[], T]) -> T:
        """``fn()`` in a worker thread once a slot is free; :class:`Overloaded` when the queue
        is full or no slot frees within ``wait_s``."""
        if self._sem is None:
            self._sem = anyio.Semaphore(self.slots)
        if self._sem.value == 0 and self.waiting >= self.queue:
            self.shed += 1
            raise Overloaded(self.retry_after_s, f"{self.waiting} requests already queued")
        self.waiting += 1
        try:
            with anyio.fail_after(self.wait_s):
                await self._sem.acquire()
        except TimeoutError:
            self.shed += 1
            raise Overloaded(
                self.retry_after_s, f"no build slot within {self.wait_s:g} s"
            ) from None
        finally:
            self.waiting -= 1
        self.building += 1
        try:
            return await anyio.to_thread.run_sync(fn)
        finally:
            self.building -= 1
            self.served += 1
            self._sem.release()

    def stats(self) -> dict[str, int | float]:
        """Counters for ``/api/v1/health``."""
        return {
            "slots": self.slots, "queue_limit": self.queue, "wait_s": self.wait_s,
            "building": self.building, "waiting": self.waiting, "served": self.served,
            "shed": self.shed,
        }  # fmt: skip


class TokenGate:
    """401 unless the request carries the token (header, cookie, or ``?token=`` once)."""

    def __init__(self, app: ASGIApp, *, token: str) -> None:
        self.app = app
        self._token = token.encode()

    def _ok(self, value: str | bytes | None) -> bool:
        if value is None:
            return False
        raw = value.encode() if isinstance(value, str) else value
        return hmac.compare_digest(raw, self._token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        auth = headers.get(b"authorization", b"")
        bearer = auth[7:] if auth[:7].lower() == b"bearer " else None
        cookie = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1"))
        jar = cookie["liqmap_token"].value if "liqmap_token" in cookie else None
        query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [None])[0]
        if self._ok(bearer) or self._ok(jar):
            await self.app(scope, receive, send)
            return
        if self._ok(query):
            await self.app(scope, receive, _with_cookie(send, self._token))
            return
        body = (
            b'{"message": "token: this server needs its access token (see liqmap serve --token)"}'
        )
        await send({"type": "http.response.start", "status": 401, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b"Bearer"),
        ]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})


def _with_cookie(send: Send, token: bytes) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            cookie = b"liqmap_token=" + token + b"; Path=/; HttpOnly; SameSite=Strict"
            message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie)]}
        await send(message)

    return wrapped


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    return host in LOCAL_HOSTS or host.startswith("127.")


def _machine_names() -> set[str]:
    names = {socket.gethostname(), socket.getfqdn()}
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None):
            names.add(str(info[4][0]))
    return {n for n in names if n}


def allowed_hosts_for(bind: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """``Host`` values accepted for a server bound to ``bind``: loopback names, the bound
    address (every address and name of this machine for 0.0.0.0/::), and ``extra``."""
    hosts = list(LOCAL_HOSTS)
    if bind in ANY_INTERFACE:
        hosts += sorted(_machine_names())
    elif bind not in hosts:
        hosts.append(bind)
    hosts += [h.strip() for h in extra if h.strip() and h.strip() != "*"]
    return tuple(dict.fromkeys(hosts))

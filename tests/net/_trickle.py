"""A real trickling HTTP server on 127.0.0.1: it answers one byte every ``interval_s`` seconds."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Trickler:
    """Serves every connection in its own thread: reads the request head, then sends ``head``
    (status line + headers) and ``body`` one byte at a time, ``interval_s`` apart.

    ``trickle_head`` sends the headers slowly too (the response never starts); otherwise the
    headers go at once and only the body trickles.
    """

    interval_s: float = 0.5
    body_bytes: int = 200
    trickle_head: bool = False
    status: int = 200
    sock: socket.socket = field(init=False)
    connections: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5.0)
            try:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head = (
                    f"HTTP/1.1 {self.status} OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {self.body_bytes}\r\n\r\n"
                ).encode()
                if not self.trickle_head:
                    conn.sendall(head)
                    head = b""
                for byte in head + b" " * self.body_bytes:
                    if self._stop.wait(self.interval_s):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                return

    def close(self) -> None:
        """Stop serving (open connections end at their next byte)."""
        self._stop.set()
        self.sock.close()


def elapsed(start: float) -> float:
    """Seconds since ``start`` (``time.monotonic()``)."""
    return time.monotonic() - start

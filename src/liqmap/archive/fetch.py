"""Fetching archive files: published checksum, resumable download, verification, retries.

Each zip is streamed to ``<folder>/<archive path>.part``. A download cut short keeps its
``.part`` file and the next attempt (or the next run) asks for the rest with an HTTP ``Range``
header; a server that ignores it (status 200) sends the whole file again, which replaces the
part. The complete file's SHA-256 must equal the one in its ``.CHECKSUM`` file
(``<sha256>  <name>``); on a mismatch the file is deleted and downloaded again.

Deadlines (:mod:`liqmap.net.deadline`): a checksum request must end within ``deadline_s``
(``LIQMAP_HTTP_DEADLINE``); a zip within ``deadline_s`` plus its size at :data:`MIN_RATE_BPS`
(64 KiB/s), so a server trickling bytes cannot hold a download; the partial file is kept.

Retries (:mod:`liqmap.net.retry`, policy :data:`ARCHIVE_RETRY`, with exponential backoff and
``Retry-After``): 5xx,
429/418, timeouts, dropped connections, checksum mismatches. Not retried: 404 (the file does
not exist: reported as missing), other 4xx, a full disk.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import httpx

from liqmap.archive.layout import ArchiveFile
from liqmap.errors import DiskFullError, DownloadError, ExchangeTimeoutError
from liqmap.io.atomic import is_disk_full
from liqmap.net.deadline import DEFAULT_DEADLINE_S, DeadlineExceeded, within
from liqmap.net.retry import RetryPolicy, error_for_status, with_retries

__all__ = [
    "ARCHIVE_RETRY",
    "MIN_RATE_BPS",
    "ArchiveClient",
    "Fetched",
    "RetryPolicy",
    "sha256_file",
]

T = TypeVar("T")
_CHUNK = 1 << 20
MIN_RATE_BPS = 64 * 1024
"""Slowest download accepted: a zip gets ``deadline_s + size / MIN_RATE_BPS`` seconds."""


ARCHIVE_RETRY = RetryPolicy(
    attempts=4, base_s=1.0, cap_s=30.0, max_retry_after_s=30.0, jitter="none", over_limit="cap"
)
"""The archive's default: deterministic backoff ``1, 2, 4 s``; a long ``Retry-After`` waits 30 s."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A downloaded and verified archive file."""

    file: ArchiveFile
    path: Path
    sha256: str
    size: int
    resumed_from: int


class _MissingError(Exception):
    """HTTP 404: the archive has no such file."""


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def _status_error(resp: httpx.Response, url: str) -> None:
    if resp.status_code == 404:
        raise _MissingError(url)
    err = error_for_status(
        resp.status_code, resp.headers, url, who="the archive",
        geo_fix="Set LIQMAP_BINANCE_ARCHIVE_URL to a mirror or proxy you are allowed to use",
    )  # fmt: skip
    if err is not None:
        raise err


def _parse_checksum(text: str, f: ArchiveFile, url: str) -> str:
    parts = text.split()
    if (
        not parts
        or len(parts[0]) != 64
        or any(c not in "0123456789abcdef" for c in parts[0].lower())
    ):
        raise DownloadError(
            f"{url}: not a checksum file (expected '<sha256>  {f.name}', got {text[:80]!r})",
            url=url,
        )
    if len(parts) > 1 and parts[1].lstrip("*") != f.name:
        raise DownloadError(f"{url}: the checksum is for {parts[1]}, not {f.name}", url=url)
    return parts[0].lower()


class ArchiveClient:
    """Async client of the archive (one :class:`httpx.AsyncClient`; use ``async with``).

    Parameters
    ----------
    base_url
        ``Settings.archive_url``.
    folder
        Where files are downloaded (mirroring the archive's paths).
    timeout_s
        Per-read timeout.
    deadline_s
        Total time of a request (a zip gets its size at :data:`MIN_RATE_BPS` on top).
    retry
        The retry policy.
    transport
        An httpx transport (tests); default the network.
    on_bytes
        Called with the size of every chunk received (progress bars).
    """

    def __init__(
        self,
        base_url: str,
        folder: Path,
        *,
        timeout_s: float = 10.0,
        deadline_s: float = DEFAULT_DEADLINE_S,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        on_bytes: Callable[[int], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.folder = folder
        self.deadline_s = deadline_s
        self.retry = retry or ARCHIVE_RETRY
        self._on_bytes = on_bytes or (lambda n: None)
        self._client = httpx.AsyncClient(
            timeout=timeout_s, transport=transport, follow_redirects=True
        )

    async def __aenter__(self) -> ArchiveClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._client.aclose()

    async def fetch(self, f: ArchiveFile) -> Fetched | None:
        """Download and verify one file; None when the archive has no such file (404).

        Raises
        ------
        DownloadError, ExchangeError
            After the retries are used up (or at once when not retryable).
        DiskFullError
            No space left; the partial file was deleted.
        """
        try:
            expected = await self._retrying(lambda: self._checksum(f))
            return await self._retrying(lambda: self._download(f, expected))
        except _MissingError:
            return None

    async def _retrying(self, op: Callable[[], Awaitable[T]]) -> T:
        return await with_retries(op, self.retry)

    async def _checksum(self, f: ArchiveFile) -> str:
        url = f.checksum_url(self.base_url)
        try:
            resp = await within(self.deadline_s, lambda: self._client.get(url), what=url)
        except DeadlineExceeded:
            raise ExchangeTimeoutError(
                f"{url}: no complete answer within the {self.deadline_s:g} s deadline "
                "(raise LIQMAP_HTTP_DEADLINE if your connection is slow)",
                url=url,
            ) from None
        except httpx.TransportError as e:
            raise ExchangeTimeoutError(f"{url}: {type(e).__name__}: {e}", url=url) from e
        _status_error(resp, url)
        return _parse_checksum(resp.text, f, url)

    def part_path(self, f: ArchiveFile) -> Path:
        """Where a partial download of ``f`` is kept."""
        return self.folder / (f.path + ".part")

    async def _download(self, f: ArchiveFile, expected: str) -> Fetched:
        url = f.url(self.base_url)
        part = self.part_path(f)
        part.parent.mkdir(parents=True, exist_ok=True)
        offset = part.stat().st_size if part.exists() else 0
        try:
            resumed = await self._stream(url, part, offset)
        except OSError as e:
            if is_disk_full(e):
                part.unlink(missing_ok=True)
                raise DiskFullError(
                    f"no space left while downloading {f.name} to {part.parent}; the partial "
                    "file was deleted. Free some space and run the command again"
                ) from e
            raise
        got = sha256_file(part)
        if got != expected:
            part.unlink()
            raise DownloadError(
                f"{url}: SHA-256 {got[:16]}... differs from the published {expected[:16]}... "
                "(truncated or corrupt download); the file was deleted",
                url=url,
            )
        final = part.with_suffix("")
        part.replace(final)
        return Fetched(f, final, got, final.stat().st_size, resumed)

    async def _stream(self, url: str, part: Path, offset: int) -> int:
        """Stream ``url`` into ``part`` (resuming at ``offset``); returns the resume offset."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.deadline_s) as budget:
                async with self._client.stream("GET", url, headers=_range(offset)) as resp:
                    offset = _check_stream(resp, url, part, offset)
                    size = int(resp.headers.get("Content-Length") or 0)
                    budget.reschedule(loop.time() + self.deadline_s + size / MIN_RATE_BPS)
                    with part.open("ab" if offset else "wb") as out:
                        async for chunk in resp.aiter_raw():
                            out.write(chunk)
                            self._on_bytes(len(chunk))
        except TimeoutError:
            raise ExchangeTimeoutError(
                f"{url}: the download ran past its deadline ({self.deadline_s:g} s plus the size "
                f"at {MIN_RATE_BPS // 1024} KiB/s); the partial file is kept and the download "
                "resumes from it (raise LIQMAP_HTTP_DEADLINE if your connection is slow)",
                url=url,
            ) from None
        except httpx.TransportError as e:
            raise ExchangeTimeoutError(
                f"{url}: {type(e).__name__}: {e}; the partial file is kept and the download "
                "resumes from it",
                url=url,
            ) from e
        return offset


def _range(offset: int) -> dict[str, str]:
    return {"Range": f"bytes={offset}-"} if offset else {}


def _check_stream(resp: httpx.Response, url: str, part: Path, offset: int) -> int:
    """Raise for a refused or misplaced resume; the offset the body starts at."""
    if resp.status_code == 416:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{url}: resume refused (HTTP 416); restarting", url=url)
    _status_error(resp, url)
    if resp.status_code != 206:
        return 0  # the server ignored the Range header: the whole file follows
    if _range_start(resp) != offset:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{url}: resumed at the wrong byte; restarting", url=url)
    return offset


def _range_start(resp: httpx.Response) -> int:
    """First byte of a 206 response (``Content-Range: bytes a-b/n``), -1 when unreadable."""
    text = resp.headers.get("Content-Range", "")
    try:
        return int(text.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return -1

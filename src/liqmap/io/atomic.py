"""Atomic file writes: a reader sees the old file or the complete new one, never half of one.

Data go to a temporary file in the target's folder (same file system, so the final rename is
atomic), are flushed and fsync'ed, then ``os.replace`` puts the file in place. On any error the
temporary file is removed and the target is left untouched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Literal, cast, overload

__all__ = ["atomic_writer", "is_disk_full", "write_atomic"]


def is_disk_full(exc: BaseException) -> bool:
    """True for an OS or DuckDB error caused by a full disk (``ENOSPC``)."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    text = str(exc)
    return "No space left on device" in text or "ENOSPC" in text


@overload
def atomic_writer(
    path: str | os.PathLike[str], mode: Literal["wb"]
) -> contextlib.AbstractContextManager[IO[bytes]]: ...


@overload
def atomic_writer(
    path: str | os.PathLike[str], mode: Literal["w"] = "w", *, encoding: str = "utf-8"
) -> contextlib.AbstractContextManager[IO[str]]: ...


def atomic_writer(
    path: str | os.PathLike[str], mode: Literal["w", "wb"] = "w", *, encoding: str = "utf-8"
) -> contextlib.AbstractContextManager[IO[str]] | contextlib.AbstractContextManager[IO[bytes]]:
    """Context manager yielding a file object whose content replaces ``path`` on success.

    ``mode`` is ``"w"`` (text, ``encoding``) or ``"wb"`` (bytes). The target folder must exist.
    If the ``with`` block raises, the target is unchanged and no temporary file is left behind.

    >>> with atomic_writer(tmp / "out.csv") as f:  # doctest: +SKIP
    ...     f.write("a,b\\n1,2\\n")
    """
    cm = _atomic_writer(Path(path), mode, encoding)
    if mode == "wb":
        return cast("contextlib.AbstractContextManager[IO[bytes]]", cm)
    return cast("contextlib.AbstractContextManager[IO[str]]", cm)


@contextlib.contextmanager
def _atomic_writer(target: Path, mode: str, encoding: str) -> Iterator[IO[str] | IO[bytes]]:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        tmp.chmod(_mode_for(target))
        tmp.replace(target)  # os.replace: atomic on POSIX and Windows
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; new files get rw-r--r-- (mkstemp makes rw-------)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return 0o644


def _fsync_dir(folder: Path) -> None:
    """Persist the rename itself (POSIX); a no-op where folders cannot be opened (Windows)."""
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(dfd)
    finally:
        os.close(dfd)


def write_atomic(
    path: str | os.PathLike[str], data: bytes | str, *, encoding: str = "utf-8"
) -> None:
    """Write ``data`` (bytes, or text encoded with ``encoding``) to ``path`` atomically."""
    payload = data.encode(encoding) if isinstance(data, str) else data
    with atomic_writer(path, "wb") as f:
        f.write(payload)

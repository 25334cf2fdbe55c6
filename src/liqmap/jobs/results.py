"""Where a batch's results go: partitioned Parquet parts and a manifest, on any fsspec path.

Layout under ``root`` (a local folder by default; ``s3://bucket/x`` or ``gs://...`` work once
the user installs ``s3fs``/``gcsfs``)::

    <kind>/venue=<venue>/symbol=<symbol>/period=<start>_<end>/<name>.parquet   (parts)
    _manifest/<kind>/venue=<venue>/symbol=<symbol>/period=<start>_<end>.json   (one per task)
    report.json                                                                (the last run)

Workers write parts; only the driver writes manifest entries, after a task's parts are all
written (and, for ingest, committed to the store). Every file is written to a temporary name
and renamed, so a killed worker leaves at most a ``.tmp-*`` file (ignored, swept by the driver)
and never a half-written part. A task counts as done only when its entry says ``done`` with the
task's current fingerprint: a re-run skips it, a killed run resumes with the rest.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from liqmap.errors import DataFileError
from liqmap.jobs.tasks import Task, TaskKey

__all__ = ["ManifestEntry", "ResultStore", "Status"]

Status = Literal["done", "failed"]


def _filesystem(root: str) -> tuple[Any, str]:
    import fsspec

    fs, path = fsspec.core.url_to_fs(root)
    return fs, str(path).rstrip("/")


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """What the driver recorded for one task."""

    task_id: str
    fingerprint: str
    status: Status
    reason: str = ""
    parts: tuple[str, ...] = ()
    rows: int = 0
    seconds: float = 0.0
    worker: str = ""
    summary: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "task_id": self.task_id, "fingerprint": self.fingerprint, "status": self.status,
            "reason": self.reason, "parts": list(self.parts), "rows": self.rows,
            "seconds": round(self.seconds, 4), "worker": self.worker,
            "summary": dict(self.summary or {}),
        }  # fmt: skip

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ManifestEntry:
        """Read an entry back (as written by :meth:`to_dict`)."""
        return cls(
            str(d["task_id"]), str(d["fingerprint"]), d["status"], str(d.get("reason", "")),
            tuple(d.get("parts", ())), int(d.get("rows", 0)), float(d.get("seconds", 0.0)),
            str(d.get("worker", "")), d.get("summary") or {},
        )  # fmt: skip


class ResultStore:
    """Parts and manifest of a batch under ``root`` (a path or fsspec URL).

    Picklable (it holds only the URL), so the same object is handed to every worker.
    """

    def __init__(self, root: str) -> None:
        self.root = str(root)
        self._fs: Any = None
        self._base = ""

    def __getstate__(self) -> dict[str, str]:
        return {"root": self.root}

    def __setstate__(self, state: dict[str, str]) -> None:
        self.__init__(state["root"])  # type: ignore[misc]

    @property
    def fs(self) -> Any:
        """The fsspec filesystem (opened on first use)."""
        if self._fs is None:
            self._fs, self._base = _filesystem(self.root)
        return self._fs

    def path(self, *parts: str) -> str:
        """A path below the root."""
        _ = self.fs
        return "/".join([self._base, *parts])

    def _write_bytes(self, path: str, data: bytes) -> None:
        tmp = f"{path}.tmp-{uuid.uuid4().hex}"
        self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        with self.fs.open(tmp, "wb") as f:
            f.write(data)
        self.fs.mv(tmp, path)

    # parts ------------------------------------------------------------------------------------
    def write_part(self, key: TaskKey, name: str, frame: pl.DataFrame) -> str:
        """Write one part atomically; returns its path relative to the root."""
        rel = f"{key.partition}/{name}.parquet"
        buf = io.BytesIO()
        frame.write_parquet(buf, statistics=False)
        self._write_bytes(self.path(rel), buf.getvalue())
        return rel

    def read_part(self, rel: str) -> pl.DataFrame:
        """A part by its relative path."""
        path = self.path(rel)
        if not self.fs.exists(path):
            raise DataFileError("batch result part is missing; re-run the batch", path=path)
        with self.fs.open(path, "rb") as f:
            return pl.read_parquet(f)

    def read_kind(self, key: TaskKey, name: str) -> pl.DataFrame:
        """A task's part ``name``."""
        return self.read_part(f"{key.partition}/{name}.parquet")

    def sweep(self, key: TaskKey) -> int:
        """Delete temporary files a killed worker left in the task's partition; returns how many."""
        folder = self.path(key.partition)
        if not self.fs.exists(folder):
            return 0
        stale = [
            p for p in self.fs.ls(folder, detail=False) if ".tmp-" in str(p).rsplit("/", 1)[-1]
        ]
        for p in stale:
            self.fs.rm(p)
        return len(stale)

    # manifest ---------------------------------------------------------------------------------
    def _entry_path(self, key: TaskKey) -> str:
        return self.path("_manifest", f"{key.partition}.json")

    def record(self, key: TaskKey, entry: ManifestEntry) -> None:
        """Write a task's manifest entry (driver only)."""
        text = json.dumps(entry.to_dict(), indent=1, allow_nan=False, default=str)
        self._write_bytes(self._entry_path(key), text.encode())

    def entry(self, key: TaskKey) -> ManifestEntry | None:
        """A task's manifest entry, or None."""
        path = self._entry_path(key)
        if not self.fs.exists(path):
            return None
        with self.fs.open(path, "rb") as f:
            try:
                return ManifestEntry.from_dict(json.loads(f.read()))
            except (ValueError, KeyError) as exc:
                raise DataFileError(
                    f"unreadable manifest entry ({exc}); delete it to redo the task", path=path
                ) from None

    def is_done(self, task: Task) -> bool:
        """True when the task finished with its current fingerprint and its parts exist."""
        e = self.entry(task.key)
        if e is None or e.status != "done" or e.fingerprint != task.fingerprint:
            return False
        return all(self.fs.exists(self.path(p)) for p in e.parts)

    def write_report(self, report: Mapping[str, Any]) -> str:
        """Write ``report.json`` at the root; returns its path."""
        path = self.path("report.json")
        self._write_bytes(path, json.dumps(report, indent=2, allow_nan=False).encode())
        return path

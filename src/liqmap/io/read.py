"""Read a data file into a polars frame of raw columns, whatever its container.

Containers are recognised by their first bytes, not by the file name: gzip (``1f 8b``), zip
(``PK``; the archive must hold exactly one CSV, as data.binance.vision ships them), Parquet
(``PAR1``), else plain CSV text. CSV columns are read as text, so that a bad value can later be
reported with its row instead of failing the whole read; Parquet columns keep their types.

Memory is bounded (:class:`liqmap.limits.InputLimits`): compressed content is decompressed as a
stream and cut off past ``LIQMAP_MAX_FILE_MB`` (gzip and zip bombs), a plain file larger than
that is refused by its size before it is read, and at most ``LIQMAP_MAX_ROWS`` rows are parsed.

A CSV has a header unless the first field of its first line is a number; headerless files get
the column names of the data.binance.vision layout with that many columns.
"""

from __future__ import annotations

import gzip
import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import polars as pl

from liqmap.errors import DataFileError, EmptyWindowError
from liqmap.io.layouts import headerless_columns, headerless_help
from liqmap.io.report import Source
from liqmap.limits import InputLimits

__all__ = ["RawTable", "read_table"]

_GZIP = b"\x1f\x8b"
_ZIP = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"
_PARQUET = b"PAR1"
_BOM = b"\xef\xbb\xbf"
_NUMBER = re.compile(rb"^[-+]?\d+(\.\d*)?([eE][-+]?\d+)?$")


@dataclass(frozen=True, slots=True)
class RawTable:
    """A file's rows as read: ``frame`` holds the file's columns plus ``_row`` (1-based)."""

    frame: pl.DataFrame
    source: Source


def read_table(path: str | os.PathLike[str]) -> RawTable:
    """Read a CSV / gzip CSV / zip-of-one-CSV / Parquet file.

    Raises
    ------
    DataFileError
        The file is missing, cannot be decompressed or parsed (the cause is included).
    EmptyWindowError
        The file holds no data rows.
    """
    p = Path(path)
    label = str(p)
    limits = InputLimits.from_env()
    try:
        with p.open("rb") as f:
            magic = f.read(4)
        size = p.stat().st_size
    except OSError as e:
        raise DataFileError(f"cannot open the file ({e}); check the path", path=label) from e
    if magic == _PARQUET:
        if size > limits.max_bytes:
            raise DataFileError(limits.too_big("the Parquet file", size), path=label)
        return _finish(_read_parquet(p), Source(label, None), limits)
    if magic in (_ZIP, _ZIP_EMPTY):
        data, label = _unzip(p, limits)
    elif magic[:2] == _GZIP:
        data = _gunzip(p, limits)
    else:
        if size > limits.max_bytes:
            raise DataFileError(limits.too_big("the file", size), path=label)
        data = p.read_bytes()
    return _read_csv(data, label, limits)


def _finish(frame: pl.DataFrame, source: Source, limits: InputLimits) -> RawTable:
    if frame.height == 0:
        raise EmptyWindowError(f"{source.label}: the file has no data rows")
    if frame.height > limits.max_rows:
        raise DataFileError(limits.too_many_rows(), path=source.label)
    return RawTable(frame.with_row_index("_row", offset=1), source)


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _read_capped(stream: _Readable, limits: InputLimits, what: str, label: str) -> bytes:
    """Read a decompressing stream, stopping one byte past the limit (never more in memory)."""
    data = stream.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise DataFileError(limits.too_big(what, len(data)), path=label)
    return data


def _read_parquet(p: Path) -> pl.DataFrame:
    try:
        return pl.read_parquet(p)
    except (pl.exceptions.PolarsError, OSError, ValueError) as e:
        raise DataFileError(
            f"cannot read the Parquet file ({e}); it may be truncated: write or download it again",
            path=str(p),
        ) from e


def _gunzip(p: Path, limits: InputLimits) -> bytes:
    try:
        with gzip.open(p, "rb") as stream:
            return _read_capped(stream, limits, "the decompressed gzip content", str(p))
    except (OSError, EOFError, zlib.error) as e:
        raise DataFileError(
            f"cannot decompress the gzip file ({e}); it is probably truncated or corrupt: "
            "download it again",
            path=str(p),
        ) from e


def _unzip(p: Path, limits: InputLimits) -> tuple[bytes, str]:
    try:
        with zipfile.ZipFile(p) as zf:
            members = [i.filename for i in zf.infolist() if not i.is_dir()]
            csvs = [m for m in members if m.lower().endswith(".csv")]
            if len(csvs) != 1:
                raise DataFileError(
                    f"a zip archive must hold exactly one .csv file (as data.binance.vision "
                    f"ships them); this one holds {members or 'nothing'}: extract the CSV you "
                    "want and load it directly",
                    path=str(p),
                )
            with zf.open(csvs[0]) as stream:
                what = f"the decompressed {csvs[0]}"
                return _read_capped(stream, limits, what, str(p)), f"{p}[{csvs[0]}]"
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as e:
        raise DataFileError(
            f"cannot read the zip archive ({e}); it is probably truncated or corrupt: "
            "download it again",
            path=str(p),
        ) from e


def _first_line(data: bytes) -> bytes:
    end = data.find(b"\n")
    return (data if end < 0 else data[:end]).rstrip(b"\r")


def _is_number(text: bytes) -> bool:
    """True for a plain decimal number (a header name such as ``nan`` or ``inf`` is not)."""
    return _NUMBER.match(text.strip().strip(b"\"'")) is not None


def _read_csv(data: bytes, label: str, limits: InputLimits) -> RawTable:
    data = data.removeprefix(_BOM)
    if not data.strip():
        raise EmptyWindowError(f"{label}: the file is empty")
    first = _first_line(data)
    fields = first.split(b",")
    if not _is_number(fields[0]):
        return _finish(_parse_csv(data, label, None, limits), Source(label, 1), limits)
    names = headerless_columns(len(fields))
    if names is None:
        raise DataFileError(
            f"the file has no header row (line 1 starts with a number) and {len(fields)} "
            f"columns; headerless files are read only as {headerless_help()}. Add a header "
            "row naming the columns (see liqmap.io.layouts.LAYOUTS)",
            path=label,
            row=1,
        )
    return _finish(_parse_csv(data, label, names, limits), Source(label, 0), limits)


def _parse_csv(
    data: bytes, label: str, names: tuple[str, ...] | None, limits: InputLimits
) -> pl.DataFrame:
    try:
        return pl.read_csv(
            data,
            has_header=names is None,
            new_columns=list(names) if names else None,
            infer_schema=False,
            n_rows=limits.max_rows + 1,
        )
    except pl.exceptions.PolarsError as e:
        offset = 1 if names is None else 0
        ragged = _ragged_line(data)
        if ragged is None:
            cause = str(e).splitlines()[0]
            raise DataFileError(f"cannot parse the CSV ({cause})", path=label) from e
        line, n, width = ragged
        raise DataFileError(
            f"line {line} has {n} fields but line 1 has {width}; fix or remove that line",
            path=label,
            row=line - offset,
        ) from e


def _ragged_line(data: bytes) -> tuple[int, int, int] | None:
    """(line, fields, fields of line 1) for the first line whose field count differs."""
    lines = data.splitlines()
    width = lines[0].count(b",") + 1
    for i, line in enumerate(lines[1:], start=2):
        n = line.count(b",") + 1
        if line.strip() and n != width:
            return i, n, width
    return None

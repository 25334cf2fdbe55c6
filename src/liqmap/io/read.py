"""Read a data file into a polars frame of raw columns, whatever its container.

Containers are recognised by their first bytes, not by the file name: gzip (``1f 8b``), zip
(``PK``; the archive must hold exactly one CSV, as data.binance.vision ships them), Parquet
(``PAR1``), else plain CSV text. CSV columns are read as text, so that a bad value can later be
reported with its row instead of failing the whole read; Parquet columns keep their types.

Memory is bounded (:class:`liqmap.limits.InputLimits`): compressed content is decompressed as a
stream and cut off past ``LIQMAP_MAX_FILE_MB`` (gzip and zip bombs), a plain file larger than
that is refused by its size before it is read, and at most ``LIQMAP_MAX_ROWS`` rows are parsed.

Text may be UTF-8 (with or without BOM) or UTF-16 (converted); fields are separated by
commas, or by ``;``, tabs or ``|`` when the header line holds no comma (spreadsheet exports).

A CSV has a header unless the first field of its first line is a number; headerless files get
the column names of the data.binance.vision layout with that many columns.

Reading is two steps: :func:`read_content` opens the container and checks the text (no polars),
:func:`raw_table` parses it with polars. :mod:`liqmap.io.numeric` parses an all-numeric CSV from
the same :class:`Content` without polars (and without importing it).
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from liqmap.errors import DataFileError, EmptyWindowError
from liqmap.io.layouts import headerless_columns, headerless_help
from liqmap.io.report import Source
from liqmap.limits import InputLimits

if TYPE_CHECKING:
    import polars as pl

__all__ = ["Content", "RawTable", "raw_table", "read_content", "read_table"]

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


@dataclass(frozen=True, slots=True)
class Content:
    """A file opened past its container, not parsed yet.

    ``parquet`` is the path of a Parquet file (``text`` is then empty); otherwise ``text`` is
    the CSV as UTF-8 (BOM removed, not empty), ``sep`` its field separator and ``names`` the
    column names of a headerless file (None: line 1 is the header).
    """

    source: Source
    limits: InputLimits
    parquet: Path | None = None
    text: bytes = b""
    sep: bytes = b","
    names: tuple[str, ...] | None = None


def read_table(path: str | os.PathLike[str]) -> RawTable:
    """Read a CSV / gzip CSV / zip-of-one-CSV / Parquet file.

    Raises
    ------
    DataFileError
        The file is missing, cannot be decompressed or parsed (the cause is included).
    EmptyWindowError
        The file holds no data rows.
    """
    return raw_table(read_content(path))


def read_content(path: str | os.PathLike[str]) -> Content:
    """Open the container and check the text (what :func:`read_table` does before parsing)."""
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
        return Content(Source(label, None), limits, parquet=p)
    if magic in (_ZIP, _ZIP_EMPTY):
        data, label = _unzip(p, limits)
    elif magic[:2] == _GZIP:
        data = _gunzip(p, limits)
    else:
        if size > limits.max_bytes:
            raise DataFileError(limits.too_big("the file", size), path=label)
        data = p.read_bytes()
    return _csv_content(data, label, limits)


def raw_table(content: Content) -> RawTable:
    """Parse :func:`read_content`'s result with polars (CSV columns as text)."""
    if content.parquet is not None:
        return _finish(_read_parquet(content.parquet), content.source, content.limits)
    frame = _parse_csv(
        content.text, content.source.label, content.names, content.limits, content.sep
    )
    return _finish(frame, content.source, content.limits)


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
    import polars as pl

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
    import zipfile  # only zip archives need it

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


def _utf8(data: bytes, label: str) -> bytes:
    """UTF-8 text of ``data``: a UTF-16 file (BOM, or NUL every other byte) is converted."""
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff") or (
        len(data) >= 8 and data[1:8:2] == b"\x00" * 4 and data[0:8:2].count(0) == 0
    )
    if not utf16:
        return data.removeprefix(_BOM)
    try:
        codec = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-16-le"
        return data.decode(codec).encode("utf-8").removeprefix(_BOM)
    except UnicodeError:
        raise DataFileError(
            "the file looks like UTF-16 text but cannot be decoded; save it as UTF-8 CSV",
            path=label,
        ) from None


def _separator(first: bytes) -> bytes:
    """``,`` unless the header has none and splits on ``;`` or a tab (spreadsheet exports)."""
    if b"," in first:
        return b","
    for sep in (b";", b"\t", b"|"):
        if sep in first:
            return sep
    return b","


def _csv_content(data: bytes, label: str, limits: InputLimits) -> Content:
    data = _utf8(data, label)
    if not data.strip():
        raise EmptyWindowError(f"{label}: the file is empty")
    first = _first_line(data)
    sep = _separator(first)
    fields = first.split(sep)
    if not _is_number(fields[0]):
        return Content(Source(label, 1), limits, text=data, sep=sep)
    names = headerless_columns(len(fields))
    if names is None:
        raise DataFileError(
            f"the file has no header row (line 1 starts with a number) and {len(fields)} "
            f"columns; headerless files are read only as {headerless_help()}. Add a header "
            "row naming the columns (see liqmap.io.layouts.LAYOUTS)",
            path=label,
            row=1,
        )
    return Content(Source(label, 0), limits, text=data, sep=sep, names=names)


def _parse_csv(
    data: bytes, label: str, names: tuple[str, ...] | None, limits: InputLimits, sep: bytes
) -> pl.DataFrame:
    import polars as pl

    try:
        return pl.read_csv(
            data,
            separator=sep.decode(),
            has_header=names is None,
            new_columns=list(names) if names else None,
            infer_schema=False,
            n_rows=limits.max_rows + 1,
        )
    except pl.exceptions.PolarsError as e:
        offset = 1 if names is None else 0
        ragged = _ragged_line(data, sep)
        if ragged is None:
            cause = str(e).splitlines()[0]
            raise DataFileError(f"cannot parse the CSV ({cause})", path=label) from e
        line, n, width = ragged
        raise DataFileError(
            f"line {line} has {n} fields but line 1 has {width}; fix or remove that line",
            path=label,
            row=line - offset,
        ) from e


def _ragged_line(data: bytes, sep: bytes = b",") -> tuple[int, int, int] | None:
    """(line, fields, fields of line 1) for the first line whose field count differs."""
    lines = data.splitlines()
    width = lines[0].count(sep) + 1
    for i, line in enumerate(lines[1:], start=2):
        n = line.count(sep) + 1
        if line.strip() and n != width:
            return i, n, width
    return None

"""The liqmap error and warning hierarchy.

Every error liqmap raises on purpose derives from :class:`LiqmapError`, so callers can catch one
type. Errors caused by what the user supplied (files, flags, parameters) derive from
:class:`InputError`; the CLI maps those to exit code 2 and everything else to exit code 1.

::

    LiqmapError
     ├── InputError                      bad input: exit code 2 (``field``, ``value``: what is bad)
     │    ├── DataFileError              a file cannot be read or has bad rows (names file/row/field)
     │    │    └── MissingColumnError    a required column is absent or misnamed
     │    ├── ParameterError             a bad option, leverage mix, window, bracket table, ...
     │    │    └── LeverageError         leverage <= 0 or above the exchange maximum
     │    ├── UnknownSymbolError         symbol not known for that exchange / bracket table
     │    ├── UnknownExchangeError       exchange name not supported
     │    └── EmptyWindowError           no data inside the requested window
     ├── ExchangeError                   talking to an exchange or its archive failed
     │    ├── ExchangeClientError        4xx: the request is wrong (fatal)
     │    │    └── GeoBlockedError       451: the venue refuses this location (fatal; use a proxy URL)
     │    ├── RateLimitError             429/418: slow down (retryable; ``retry_after_s``)
     │    ├── ExchangeServerError        5xx (retryable)
     │    ├── ExchangeTimeoutError       connect/read timeout or dropped connection (retryable)
     │    ├── MalformedResponseError     not JSON, or not the documented shape (raw payload kept)
     │    └── DownloadError              truncated file or checksum mismatch (retryable)
     ├── StoreError                      the embedded store cannot be used
     │    ├── StoreVersionError          written by a newer liqmap (schema version too high)
     │    └── DiskFullError              no space left; nothing half-written was kept
     ├── ComputationError                an internal numerical failure (a bug: please report)
     └── MissingExtraError               an optional part is not installed (says the pip command)

Warnings are named classes whose text says what to do next::

    LiqmapWarning (UserWarning)
     ├── DataGapWarning                  input has gaps; they are reported, never interpolated
     ├── CoverageWarning                 the window is only partly covered by the input
     └── FallbackTableWarning            no margin tiers for the symbol: a conservative stand-in
"""

from __future__ import annotations

__all__ = [
    "ComputationError",
    "CoverageWarning",
    "DataFileError",
    "DataGapWarning",
    "DiskFullError",
    "DownloadError",
    "EmptyWindowError",
    "ExchangeClientError",
    "ExchangeError",
    "ExchangeServerError",
    "ExchangeTimeoutError",
    "FallbackTableWarning",
    "GeoBlockedError",
    "InputError",
    "LeverageError",
    "LiqmapError",
    "LiqmapWarning",
    "MalformedResponseError",
    "MissingColumnError",
    "MissingExtraError",
    "ParameterError",
    "RateLimitError",
    "StoreError",
    "StoreVersionError",
    "UnknownExchangeError",
    "UnknownSymbolError",
]


class LiqmapError(Exception):
    """Base class of every error liqmap raises on purpose."""


class InputError(LiqmapError):
    """The user's input (a file, a flag, a parameter) is wrong; the message says how to fix it.

    Parameters
    ----------
    message
        What is wrong and what to do about it.
    field
        The parameter (or column) at fault, named as the raising function's caller spells it
        (``"margin"``, ``"entry_price"``...), when one is; the web layer reports it as the bad
        query field instead of guessing it from the message.
    value
        The bad value, when there is one.
    """

    def __init__(
        self, message: str = "", *, field: str | None = None, value: object = None
    ) -> None:
        self.field = field
        self.value = value
        super().__init__(message)


class DataFileError(InputError):
    """A data file cannot be read or holds bad rows.

    Parameters
    ----------
    message
        What is wrong and what to do about it.
    path
        The file, when known.
    row
        1-based data row number (header excluded), when the problem is in one row.
    field
        The column name, when the problem is in one field.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.row = row
        where = []
        if path is not None:
            where.append(str(path))
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field '{field}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message, field=field)


class MissingColumnError(DataFileError):
    """A required column is absent or misnamed."""


class ParameterError(InputError):
    """An option or parameter value is invalid (the message names it and the accepted values)."""


class LeverageError(ParameterError):
    """Leverage is <= 0 or above what the exchange allows for that position size."""


class UnknownSymbolError(InputError):
    """The symbol is not known for the exchange or bracket table."""


class UnknownExchangeError(InputError):
    """The exchange name is not one liqmap supports."""


class EmptyWindowError(InputError):
    """The requested window holds no data."""


class ExchangeError(LiqmapError):
    """Talking to an exchange (REST, WebSocket) or its archive failed.

    ``retryable`` says whether trying again later may succeed.
    """

    retryable = False

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(message)


class ExchangeClientError(ExchangeError):
    """HTTP 4xx: the request is wrong (bad symbol, bad parameter)."""


class GeoBlockedError(ExchangeClientError):
    """HTTP 451: the venue refuses requests from this location; set LIQMAP_<VENUE>_REST_URL."""


class RateLimitError(ExchangeError):
    """HTTP 429/418: rate limited; wait ``retry_after_s`` seconds."""

    retryable = True

    def __init__(
        self, message: str, *, url: str | None = None, status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:  # fmt: skip
        self.retry_after_s = retry_after_s
        super().__init__(message, url=url, status=status)


class ExchangeServerError(ExchangeError):
    """HTTP 5xx from the venue."""

    retryable = True


class ExchangeTimeoutError(ExchangeError):
    """Connect/read timeout or a dropped connection."""

    retryable = True


class MalformedResponseError(ExchangeError):
    """The response is not JSON or not in the documented shape; ``raw`` keeps the payload."""

    def __init__(self, message: str, *, raw: bytes | str = b"", url: str | None = None) -> None:
        self.raw = raw
        super().__init__(message, url=url)


class DownloadError(ExchangeError):
    """A downloaded file is truncated or fails its published checksum."""

    retryable = True


class StoreError(LiqmapError):
    """The embedded store cannot be used."""


class StoreVersionError(StoreError):
    """The store was written by a newer liqmap; upgrade liqmap or use another LIQMAP_HOME."""


class DiskFullError(StoreError):
    """No space left on the device; nothing half-written was kept."""


class ComputationError(LiqmapError):
    """An internal numerical failure. This is a bug: please report it with the command you ran."""


class LiqmapWarning(UserWarning):
    """Base class of liqmap warnings."""


class DataGapWarning(LiqmapWarning):
    """The input has gaps. They are reported in the result, never interpolated."""


class CoverageWarning(LiqmapWarning):
    """The requested window is only partly covered by the input data."""


class FallbackTableWarning(LiqmapWarning):
    """No margin tiers are known for the symbol: liqmap uses its documented conservative fallback
    ladder. Pass the real tiers with ``--brackets`` or fetch them with ``liqmap tiers sync``."""


class MissingExtraError(LiqmapError):
    """An optional part of liqmap (``[charts]``, ``[web]``, ``[calibrate]``) is not installed; the
    message names the ``pip install 'liqmap[...]'`` command."""

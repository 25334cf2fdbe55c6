"""The liqmap error and warning hierarchy.

Every error liqmap raises on purpose derives from :class:`LiqmapError`, so callers can catch one
type. Errors caused by what the user supplied (files, flags, parameters) derive from
:class:`InputError`; the CLI maps those to exit code 2 and everything else to exit code 1.

::

    LiqmapError
     ├── InputError                      bad input: exit code 2
     │    ├── DataFileError              a file cannot be read or has bad rows (names file/row/field)
     │    │    └── MissingColumnError    a required column is absent or misnamed
     │    ├── ParameterError             a bad option, leverage mix, window, bracket table, ...
     │    │    └── LeverageError         leverage <= 0 or above the exchange maximum
     │    ├── UnknownSymbolError         symbol not known for that exchange / bracket table
     │    ├── UnknownExchangeError       exchange name not supported
     │    └── EmptyWindowError           no data inside the requested window
     └── ComputationError                an internal numerical failure (a bug: please report)

Warnings are named classes whose text says what to do next::

    LiqmapWarning (UserWarning)
     ├── DataGapWarning                  input has gaps; they are reported, never interpolated
     └── CoverageWarning                 the window is only partly covered by the input
"""

from __future__ import annotations

__all__ = [
    "ComputationError",
    "CoverageWarning",
    "DataFileError",
    "DataGapWarning",
    "EmptyWindowError",
    "InputError",
    "LeverageError",
    "LiqmapError",
    "LiqmapWarning",
    "MissingColumnError",
    "ParameterError",
    "UnknownExchangeError",
    "UnknownSymbolError",
]


class LiqmapError(Exception):
    """Base class of every error liqmap raises on purpose."""


class InputError(LiqmapError):
    """The user's input (a file, a flag, a parameter) is wrong; the message says how to fix it."""


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
        self.field = field
        where = []
        if path is not None:
            where.append(str(path))
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field '{field}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


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


class ComputationError(LiqmapError):
    """An internal numerical failure. This is a bug: please report it with the command you ran."""


class LiqmapWarning(UserWarning):
    """Base class of liqmap warnings."""


class DataGapWarning(LiqmapWarning):
    """The input has gaps. They are reported in the result, never interpolated."""


class CoverageWarning(LiqmapWarning):
    """The requested window is only partly covered by the input data."""

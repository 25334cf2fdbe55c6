"""Package data: dated default maintenance-margin tables (``brackets/<venue>.json``).

Read them through :func:`liqmap.io.brackets.default_table`; the layout is described in
:mod:`liqmap.io.brackets`.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["read_bytes"]

_HERE = Path(__file__).parent


def read_bytes(*parts: str) -> bytes:
    """The bytes of the package file ``parts`` (e.g. ``"brackets", "okx.json"``).

    liqmap installs as plain files (a wheel, or an editable checkout), so the file is read next
    to this module, without ``importlib.resources`` (whose import and traversal cost a command
    several milliseconds at every start).
    """
    return _HERE.joinpath(*parts).read_bytes()

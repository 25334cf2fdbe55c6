"""The CLI's two consoles (stdout and stderr), made per invocation, never at import.

Text printed for scripts must not depend on the terminal: when a stream is not a terminal, lines are
never wrapped (``soft_wrap``) and tables are laid out at a fixed width that ignores ``COLUMNS``, so
``grep`` finds an error message whole whatever the terminal width or the length of a path in it. On a
terminal rich measures the terminal as usual.

typer's help module (``typer.rich_utils``) imports ``rich.markdown`` (with markdown-it and
pygments) and ``rich.traceback`` at its top, about half of what ``liqmap --help`` used to import,
yet uses ``Markdown`` only in the "markdown" markup mode (liqmap uses typer's default, "rich") and
``Traceback`` only for pretty exceptions (disabled). :func:`typer_rich_utils` imports it with
both names standing in for the real classes, which load on first use.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any, TextIO

from rich.console import Console

__all__ = ["NON_TERMINAL_WIDTH", "err", "out", "reset", "typer_rich_utils"]

#: Modules ``typer.rich_utils`` imports at its top for one name it rarely uses.
DEFERRED = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}

#: Table width used when the stream is not a terminal (pipes, files, CI logs).
NON_TERMINAL_WIDTH = 200

_consoles: dict[str, Console] = {}


def _make(stream: TextIO, *, stderr: bool) -> Console:
    is_tty = bool(getattr(stream, "isatty", lambda: False)())
    return Console(
        stderr=stderr,
        highlight=False,
        soft_wrap=not is_tty,
        width=None if is_tty else NON_TERMINAL_WIDTH,
    )


def out() -> Console:
    """The stdout console of this invocation (created on first use)."""
    if "out" not in _consoles:
        _consoles["out"] = _make(sys.stdout, stderr=False)
    return _consoles["out"]


def err() -> Console:
    """The stderr console of this invocation (created on first use)."""
    if "err" not in _consoles:
        _consoles["err"] = _make(sys.stderr, stderr=True)
    return _consoles["err"]


def reset() -> None:
    """Forget both consoles, so the next use sees the current ``sys.stdout``/``sys.stderr``.

    Also fixes the width of typer's help and usage-error panels when stdout is not a terminal
    (typer reads ``rich_utils.MAX_WIDTH``, its ``TERMINAL_WIDTH`` setting, when it draws them).
    """
    _consoles.clear()
    rich_utils: Any = typer_rich_utils()
    is_tty = bool(getattr(sys.stdout, "isatty", lambda: False)())
    rich_utils.MAX_WIDTH = None if is_tty else NON_TERMINAL_WIDTH


def typer_rich_utils() -> ModuleType:
    """``typer.rich_utils``, imported without importing the modules of :data:`DEFERRED`.

    While it is imported, each of those modules is a stand-in in ``sys.modules`` whose one name
    (``Markdown``, ``Traceback``) imports the real module when it is called, or an attribute of
    it is read; the stand-ins are removed from ``sys.modules`` right after, so any later
    ``import rich.markdown`` gets the real module.
    """
    if "typer.rich_utils" in sys.modules:
        return sys.modules["typer.rich_utils"]
    stand_ins = {}
    for module, name in DEFERRED.items():
        if module not in sys.modules:
            stub = ModuleType(module, f"stand-in for {module} while typer.rich_utils loads")
            setattr(stub, name, _stand_in(module, name))
            stand_ins[module] = sys.modules[module] = stub
    try:
        return importlib.import_module("typer.rich_utils")
    finally:
        for module, stub in stand_ins.items():
            if sys.modules.get(module) is stub:
                del sys.modules[module]


def _stand_in(module: str, name: str) -> type:
    """A class that forwards construction, attributes and isinstance to ``module.name``."""

    def real() -> Any:
        return getattr(importlib.import_module(module), name)

    class _Forward(type):
        def __getattr__(cls, attr: str) -> Any:
            return getattr(real(), attr)

        def __instancecheck__(cls, obj: object) -> bool:
            return isinstance(obj, real())

    class StandIn(metaclass=_Forward):
        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            return real()(*args, **kwargs)

    StandIn.__name__ = StandIn.__qualname__ = name
    StandIn.__module__ = module
    return StandIn

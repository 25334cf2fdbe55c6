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

A command that draws neither help nor a usage error never needs ``typer.rich_utils``: typer imports
it inside the functions that draw them. :func:`reset` therefore does not import it; it installs
:class:`_RichUtilsFinder`, through which typer's own ``from . import rich_utils`` loads it with
the same stand-ins and the width of this invocation.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "NON_TERMINAL_WIDTH",
    "err",
    "escape",
    "line",
    "out",
    "plain",
    "reset",
    "typer_rich_utils",
]

#: Modules ``typer.rich_utils`` imports at its top for one name it rarely uses.
DEFERRED = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}

#: Table width used when the stream is not a terminal (pipes, files, CI logs).
NON_TERMINAL_WIDTH = 200

_consoles: dict[str, Console] = {}


def _is_tty(stream: TextIO) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


def _make(stream: TextIO, *, stderr: bool) -> Console:
    from rich.console import Console

    is_tty = _is_tty(stream)
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


#: rich's console markup: a tag ``[bold]``, ``[/]``, ``[link=...]`` with its escaping backslashes.
_TAG = re.compile(r"(\\*)\[([a-z#/@][^\[]*?)]")
#: Text rich may turn into an emoji (``:name:``); such lines (and lines with tabs) go through rich.
_EMOJI = re.compile(r":\S*?:")
#: Environment variables with which rich colours or styles a stream that is not a terminal.
_STYLE_ENV = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "JUPYTER_COLUMNS")
#: Control characters rich drops from printed text (bell, backspace, vertical tab, form feed, CR).
_DROPPED = str.maketrans("", "", "\a\b\v\f\r")


def escape(text: str) -> str:
    """``text`` with every ``[`` that would open a markup tag escaped (as ``rich.markup.escape``)."""
    text = _TAG.sub(lambda m: f"{m.group(1)}{m.group(1)}\\[{m.group(2)}]", text)
    if text.endswith("\\") and not text.endswith("\\\\"):
        text += "\\"
    return text


def plain(markup: str) -> str:
    """The text rich prints for ``markup`` on a stream without colour: tags dropped, escapes
    resolved (``\\[`` prints ``[``, ``\\\\`` before a tag prints one backslash)."""
    parts: list[str] = []
    position = 0
    for m in _TAG.finditer(markup):
        parts.append(markup[position : m.start()].replace("\\[", "["))
        backslashes, escaped = divmod(len(m.group(1)), 2)
        parts.append("\\" * backslashes + (f"[{m.group(2)}]" if escaped else ""))
        position = m.end()
    parts.append(markup[position:].replace("\\[", "["))
    return "".join(parts).translate(_DROPPED)


def line(markup: str, *, stderr: bool = False) -> None:
    """Print one line of console markup to stdout (or stderr).

    On a terminal, or where rich would colour a stream anyway (``FORCE_COLOR`` ...), rich prints
    it. Elsewhere (pipes, files, cron, CI logs) the line rich would print without colour is
    written directly, so a command whose output is only lines does not import rich at all; a
    test keeps the two equal.
    """
    stream = sys.stderr if stderr else sys.stdout
    is_tty = _is_tty(stream)
    rich_needed = "\t" in markup or _EMOJI.search(markup)  # tabs: rich expands them by cells
    if is_tty or rich_needed or any(os.environ.get(k) for k in _STYLE_ENV):
        (err() if stderr else out()).print(markup)
        return
    stream.write(plain(markup) + "\n")


def reset() -> None:
    """Forget both consoles, so the next use sees the current ``sys.stdout``/``sys.stderr``.

    Also fixes the width of typer's help and usage-error panels when stdout is not a terminal
    (typer reads ``rich_utils.MAX_WIDTH``, its ``TERMINAL_WIDTH`` setting, when it draws them):
    set here if ``typer.rich_utils`` is loaded, else when typer first imports it.
    """
    _consoles.clear()
    loaded = sys.modules.get("typer.rich_utils")
    if loaded is not None:
        _fix_width(loaded)
    elif not any(isinstance(f, _RichUtilsFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _RichUtilsFinder())


def _fix_width(rich_utils: Any) -> None:
    rich_utils.MAX_WIDTH = None if _is_tty(sys.stdout) else NON_TERMINAL_WIDTH


class _RichUtilsFinder(importlib.abc.MetaPathFinder):
    """Loads ``typer.rich_utils``, on its first import, as :func:`typer_rich_utils` does."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "typer.rich_utils":
            return None
        sys.meta_path[:] = [f for f in sys.meta_path if f is not self]  # once is enough
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and isinstance(spec.loader, importlib.abc.Loader):
            spec.loader = _WithStandIns(spec.loader)
        return spec


class _WithStandIns(importlib.abc.Loader):
    """Runs the real loader with the stand-ins of :data:`DEFERRED`, then fixes the width."""

    def __init__(self, real: importlib.abc.Loader) -> None:
        self.real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.real.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        with _stand_ins():
            self.real.exec_module(module)
        _fix_width(module)


def typer_rich_utils() -> ModuleType:
    """``typer.rich_utils``, imported without importing the modules of :data:`DEFERRED`.

    While it is imported, each of those modules is a stand-in in ``sys.modules`` whose one name
    (``Markdown``, ``Traceback``) imports the real module when it is called, or an attribute of
    it is read; the stand-ins are removed from ``sys.modules`` right after, so any later
    ``import rich.markdown`` gets the real module.
    """
    if "typer.rich_utils" in sys.modules:
        return sys.modules["typer.rich_utils"]
    with _stand_ins():
        return importlib.import_module("typer.rich_utils")


@contextlib.contextmanager
def _stand_ins() -> Iterator[None]:
    stand_ins = {}
    for module, name in DEFERRED.items():
        if module not in sys.modules:
            stub = ModuleType(module, f"stand-in for {module} while typer.rich_utils loads")
            setattr(stub, name, _stand_in(module, name))
            stand_ins[module] = sys.modules[module] = stub
    try:
        yield
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

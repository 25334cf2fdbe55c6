"""Help-text tidying for typer's rich help (issue 14 item 9).

typer 0.2x prints ``<bool>`` after plain flags (``--json <bool>``), which take no value, and
``{symbol}`` for required arguments in usage lines. The help shows flags bare and arguments in
capitals (``liqmap map [OPTIONS] SYMBOL``), as click and most CLIs do. The patch is applied once
and only when typer has the methods it replaces (older or newer typer: left as it is).
"""

from __future__ import annotations

from typing import Any

__all__ = ["tidy_help"]

_DONE: list[bool] = []


def tidy_help() -> None:
    """Patch typer's option type column and argument usage names (idempotent)."""
    if _DONE:
        return
    _DONE.append(True)
    from typer import core

    option = getattr(core, "TyperOption", None)
    argument = getattr(core, "TyperArgument", None)
    if option is not None and hasattr(option, "display_type_rich"):
        shown = option.display_type_rich

        def display_type_rich(self: Any, ctx: Any) -> str | None:
            if getattr(self, "is_flag", False) or getattr(self, "count", False):
                return None  # a flag takes no value: no "<bool>"
            return shown(self, ctx)  # type: ignore[no-any-return]

        option.display_type_rich = display_type_rich
    if argument is not None and hasattr(argument, "_usage_display_name"):

        def usage_name(self: Any) -> str:
            name = str(self.display_name_raw).upper()
            name = name if self.required else f"[{name}]"
            return name + ("..." if self.nargs != 1 else "")

        argument._usage_display_name = usage_name

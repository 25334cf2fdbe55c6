"""Option values converted without pydantic, for the plain types liqmap's commands use.

typer converts every option through a pydantic ``TypeAdapter``: importing pydantic and building
one adapter per option costs more than a liqprice answer. :func:`lighten` gives the options whose
type is ``str``, ``int``, ``float``, ``bool`` or ``Path`` (no range, parser or custom click type) a
converter with the same results and the same kind of error (a usage error, exit code 2); any other
option keeps typer's. It relies on typer's private coercion layer (typer >= 0.29) and does nothing
on a typer without it. A test checks it against typer's own conversion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["lighten", "lighten_param"]

_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("Input should be a valid integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(_text(value).strip())
    except ValueError:
        raise ValueError(
            "Input should be a valid integer, unable to parse string as an integer"
        ) from None


def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("Input should be a valid number")
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(_text(value).strip())
    except ValueError:
        raise ValueError(
            "Input should be a valid number, unable to parse string as a number"
        ) from None


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).strip().lower()
    if text == "" or text in _FALSE:
        return False
    if text in _TRUE:
        return True
    raise ValueError("Input should be a valid boolean, unable to interpret input")


_CONVERT = {str: _text, int: _int, float: _float, bool: _bool}


def _light_class() -> Any:
    """typer's ``RuntimeParam`` subclass converting plain types (None on another typer)."""
    try:
        from typer._click.exceptions import BadParameter
        from typer._coercion import RuntimeParam
        from typer._param_types import coerce_cli_path
    except ImportError:
        return None

    class LightRuntimeParam(RuntimeParam):
        """Plain ``str``/``int``/``float``/``bool``/``Path`` conversion (no pydantic)."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            annotation = self.annotation
            if annotation is Path:
                path = value if isinstance(value, Path) else Path(_text(value))
                return coerce_cli_path(
                    path, self.parameter_info, path_type=Path, param=param, ctx=ctx
                )
            try:
                return _CONVERT[annotation](value)
            except ValueError as exc:
                raise BadParameter(str(exc), ctx=ctx, param=param) from None

    return LightRuntimeParam


_LIGHT = _light_class()


def _plain(param: Any) -> bool:
    desc = getattr(param, "type_descriptor", None)
    if desc is None or not hasattr(param, "_runtime_param"):
        return False
    info = desc.parameter_info
    if info.parser is not None or getattr(info, "click_type", None) is not None:
        return False
    if desc.annotation is Path:
        return info.path_type is None and not desc.is_file
    return desc.annotation in _CONVERT and not desc.is_ranged and not desc.is_choice


def lighten_param(param: Any) -> Any:
    if _LIGHT is not None and _plain(param) and param._runtime_param is None:
        param._runtime_param = _LIGHT(
            parameter_info=param.type_descriptor.parameter_info,
            annotation=param.type_descriptor.annotation,
        )
    return param


def lighten(command: Any) -> Any:
    """Give ``command``'s (and its subcommands') plain options the light converter; returns it.

    The ``--help`` option, which click creates per invocation, gets it too.
    """
    if _LIGHT is None:
        return command
    for param in getattr(command, "params", ()):
        lighten_param(param)
    make_help = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = make_help(ctx)
        return None if option is None else lighten_param(option)

    command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        lighten(sub)
    return command

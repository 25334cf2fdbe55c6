"""The light option converter gives the same values and the same usage errors as typer's own
(pydantic) conversion, and a command run imports no pydantic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param, resolve_type_descriptor
from typer.models import OptionInfo

from liqmap.cli.coercion import _LIGHT

VALUES: dict[type, list[Any]] = {
    str: ["abc", "", " x ", "60000", b"bytes"],
    int: ["5", " 7 ", "-3", "0", 12, "abc", "5.5", ""],
    float: ["1.5", "60000", " -2e3 ", "1e400", "abc", "", 3, 2.5],
    bool: ["true", "False", "yes", "0", "on", " 1 ", "maybe", ""],
    Path: ["a/b.csv", "-", "", "/tmp"],
}


def _convert(runtime: Any, value: Any) -> tuple[str, Any]:
    try:
        return "ok", runtime._coerce_value(value, param=None, ctx=None)
    except BadParameter:
        return "error", None


@pytest.mark.parametrize("annotation", list(VALUES))
def test_light_converter_equals_typers(annotation: type) -> None:
    assert _LIGHT is not None
    desc = resolve_type_descriptor(annotation, OptionInfo())
    typer_rt = build_runtime_param(desc)
    light = _LIGHT(parameter_info=desc.parameter_info, annotation=annotation)
    for value in VALUES[annotation]:
        assert _convert(light, value) == _convert(typer_rt, value), value


def test_a_command_run_imports_no_pydantic(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom liqmap.cli.app import main\n"
        f"main(['heatmap', 'BTCUSDT', '--source', 'demo', '--window', '12h', '--bins', '40', "
        f"'--columns', '6', '--out', {str(tmp_path / 'h.json')!r}])\n"
        "print('pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"

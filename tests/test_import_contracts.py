"""The import contracts of pyproject.toml ([tool.importlinter], docs/architecture.md) hold.

``lint-imports`` runs on the source tree (so ``make test`` and CI fail on an upward import or a
package cycle), and each contract is shown to break on an import it forbids, so the check can fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

import liqmap

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(liqmap.__file__).resolve().parents[1]


def _lint_imports() -> str:
    exe = Path(sys.executable).with_name("lint-imports")
    found = str(exe) if exe.exists() else shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports is missing: install the dev extra (pip install -e '.[dev]')")
    return found


def test_import_contracts_are_kept() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.run(
        [_lint_imports(), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def _contracts() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    config = read_configuration(str(ROOT / "pyproject.toml"))
    return config["session_options"], {c["id"]: c for c in config["contracts_options"]}


def _graph(extra: tuple[str, str] | None = None) -> grimp.ImportGraph:
    """The import graph of liqmap (a fresh one: a contract check removes its ignored imports
    from the graph it is given), with one more import when ``extra`` is given."""
    graph = grimp.build_graph("liqmap", cache_dir=None)
    if extra is not None:
        assert not graph.direct_import_exists(importer=extra[0], imported=extra[1])
        graph.add_import(importer=extra[0], imported=extra[1])
    return graph


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("liqmap.store.reads", "liqmap.archive.download"),  # the old store <-> archive cycle
        ("liqmap.io.export", "liqmap.render"),  # io drawing charts
        ("liqmap.web.routes", "liqmap.cli.liqprice"),  # the web reusing CLI code
        ("liqmap.exchanges.base", "liqmap.services.sync"),  # an adapter using the store
        ("liqmap.core.maps", "liqmap.io.read"),  # core doing I/O
    ],
)
def test_layers_contract_breaks_on_an_upward_import(importer: str, imported: str) -> None:
    session, contracts = _contracts()
    layers = LayersContract("layers", session, contracts["layers"])
    assert layers.check(_graph(), verbose=False).kept
    assert not layers.check(_graph((importer, imported)), verbose=False).kept


def test_cycle_contract_breaks_on_a_package_cycle() -> None:
    session, contracts = _contracts()
    acyclic = AcyclicSiblingsContract("no-cycles", session, contracts["no-cycles"])
    assert acyclic.check(_graph(), verbose=False).kept
    cycle = ("liqmap.render.dispatch", "liqmap.output")  # output imports render
    assert not acyclic.check(_graph(cycle), verbose=False).kept


def test_exchanges_may_not_import_the_recorder() -> None:
    session, contracts = _contracts()
    contract = ForbiddenContract("recorder", session, contracts["recorder-over-exchanges"])
    assert contract.check(_graph(), verbose=False).kept
    upward = ("liqmap.exchanges.base", "liqmap.recorder.engine")
    assert not contract.check(_graph(upward), verbose=False).kept

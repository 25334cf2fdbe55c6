"""Layering rules of ../shared/STYLE.md, checked on the source: core does no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import liqmap

SRC = Path(liqmap.__file__).parent
FORBIDDEN_IN_CORE = {
    "os", "io", "pathlib", "shutil", "socket", "subprocess", "urllib", "http", "json",
    "polars", "pyarrow", "duckdb", "httpx", "ccxt", "matplotlib", "plotly", "typer", "rich",
    "liqmap.io", "liqmap.render", "liqmap.cli", "liqmap.sim", "liqmap.api", "liqmap.web",
}  # fmt: skip


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "open":
            names.add("<open()>")
    return names


def test_core_and_domain_do_no_io() -> None:
    bad = {}
    for folder in ("core", "domain"):
        for path in (SRC / folder).glob("*.py"):
            hits = {
                n for n in _imports(path)
                if n == "<open()>" or any(n == f or n.startswith(f + ".") for f in FORBIDDEN_IN_CORE)
            }  # fmt: skip
            if hits:
                bad[f"{folder}/{path.name}"] = sorted(hits)
    assert bad == {}, f"core/domain modules must not do I/O: {bad}"


def test_modules_stay_small() -> None:
    big = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) >= 400
    }
    assert big == {}, f"modules of 400 lines or more (split them by meaning): {big}"

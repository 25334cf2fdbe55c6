"""No code branches on a venue's name: venue knowledge comes from its spec (issue 15 item 1).

A comparison with a ``Venue.X`` constant (``venue is Venue.OKX``, ``case Venue.OKX:``,
``venue in (Venue.A, Venue.B)``) is how a new venue used to get another venue's formula
silently. Data or features that exist for one venue only are capabilities of its ``Venue`` /
``VenueSpec`` (``bracket_snapshots``, ``positions``); any branch fails this test. Dispatch over
the closed margin-formula enum must end in ``assert_never``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import liqmap

SRC = Path(liqmap.__file__).parent

ALLOWED: dict[str, str] = {}
"""Modules allowed to branch on a Venue constant, each with its reason (none left: one-venue
features are capabilities of the venue or its spec, e.g. ``bracket_snapshots``, ``positions``)."""


def _is_venue_constant(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Venue"
        and node.attr.isupper()
    )


def _branches(tree: ast.AST) -> list[int]:
    lines: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            flat = [
                e for o in operands for e in (o.elts if isinstance(o, ast.Tuple | ast.Set) else [o])
            ]
            if any(_is_venue_constant(x) for x in flat):
                lines.append(node.lineno)
        elif isinstance(node, ast.MatchValue) and _is_venue_constant(node.value):
            lines.append(node.lineno)
    return lines


def test_nothing_branches_on_a_venue_constant() -> None:
    found = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel in ALLOWED or rel.startswith(("accuracy/", "core/_kernel", "core/estimator")):
            continue
        lines = _branches(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            found[rel] = lines
    assert found == {}, (
        f"branches on a Venue constant (use the venue's spec or venue.margin instead): {found}"
    )


def test_the_check_finds_a_branch() -> None:
    code = "def f(v):\n    if v is Venue.OKX:\n        pass\n    match v:\n        case Venue.BYBIT:\n            pass\n"
    assert _branches(ast.parse(code)) == [2, 5]
    assert _branches(ast.parse("x = v in (Venue.A, Venue.B)")) == [1]


def test_formula_dispatch_ends_in_assert_never() -> None:
    for rel in ("core/margin.py", "io/fallback.py"):
        tree = ast.parse((SRC / rel).read_text(encoding="utf-8"))
        matches = [
            m
            for m in ast.walk(tree)
            if isinstance(m, ast.Match) and ast.unparse(m.subject) == "formula"
        ]
        assert matches, f"{rel}: no match over the margin formula"
        for m in matches:
            assert "assert_never" in ast.unparse(m.cases[-1]), f"{rel}:{m.lineno}"

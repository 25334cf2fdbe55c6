"""``python -m liqmap._aot build|status``: compile the numba kernels ahead of time, or report."""

from __future__ import annotations

import sys

from liqmap._aot import status


def main(argv: list[str]) -> int:
    """Run ``build`` (default) or ``status``; returns the exit code."""
    command = argv[0] if argv else "build"
    if command == "status":
        for module, state in status().items():
            print(f"{module}: {state}")
        return 0
    if command != "build":
        print("usage: python -m liqmap._aot [build|status]", file=sys.stderr)
        return 2
    from liqmap._aot.build import build

    failed = [r for r in build(log=print) if not r.ok]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

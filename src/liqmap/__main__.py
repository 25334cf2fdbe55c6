"""``python -m liqmap``: the same entry point as the ``liqmap`` console script."""

from liqmap.cli.app import run

run()

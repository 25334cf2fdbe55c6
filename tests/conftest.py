"""Shared fixtures. ``shared_data`` points at ../shared/data (real recorded market data).

Without that folder (a user's fresh clone) tests that need it skip with the reason; with
``LIQMAP_REQUIRE_SHARED_DATA=1`` (CI) its absence is a failure instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("LIQMAP_SHARED_DATA", REPO.parent / "shared" / "data"))


def _require() -> bool:
    return os.environ.get("LIQMAP_REQUIRE_SHARED_DATA", "") not in ("", "0")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ../shared/data folder; skips (or fails under CI) when it is absent."""
    if not SHARED_DATA.is_dir():
        msg = (
            f"needs the recorded market data in {SHARED_DATA} (the project's ../shared/data); "
            "set LIQMAP_SHARED_DATA to its path to run these tests"
        )
        if _require():
            pytest.fail(msg + " — LIQMAP_REQUIRE_SHARED_DATA=1 forbids skipping")
        pytest.skip(msg)
    return SHARED_DATA

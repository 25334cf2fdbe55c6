"""Ahead-of-time compiled kernels: equal to the numba JIT, loaded without numba, never used when
stale, and any call they were not compiled for goes to the JIT."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import liqmap._aot as aot

PROBE = """
import json, sys
import numpy as np
import liqmap
from liqmap.core.depth import power_profile
from liqmap.io.export import to_json
d = liqmap.load_market("BTCUSDT", "demo", demo_days=2.0)
m = liqmap.estimate_map(d, window="24h", bins=300)
v = liqmap.estimate_map(d.candles, window="24h", bins=300)  # no OI: volume-sized
h = liqmap.estimate_heatmap(d, window="24h", bins=200, columns=30)
c = liqmap.simulate_cascade(m, power_profile(50e6, 1.0), shock_pct=-2.5)
print(json.dumps({
    "candles": d.candles.close.tolist()[-50:], "events": len(d.liquidations or ()),
    "map_long": m.long_total.tolist(), "map_short": m.short_total.tolist(),
    "volume_map": v.long_total.tolist() + v.short_total.tolist(),
    "heat": json.loads(to_json(h))["long_usd"], "cascade": c.to_dict(),
    "numba": "numba" in sys.modules,
}))
"""


def _run(jit: bool) -> dict[str, Any]:
    env = {**os.environ, "LIQMAP_JIT": "1" if jit else "0"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], check=True, capture_output=True, text=True, env=env
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _built() -> None:
    states = aot.status()
    if any(s != "compiled" for s in states.values()):
        if os.environ.get("LIQMAP_REQUIRE_AOT") == "1":
            pytest.fail(f"kernels not compiled ahead of time: {states}")
        pytest.skip(f"kernels not compiled (python -m liqmap._aot build): {states}")


def test_status_names_every_kernel_module() -> None:
    assert set(aot.status()) == set(aot.KERNEL_MODULES)


def test_compiled_results_equal_the_jit_and_numba_is_not_imported() -> None:
    _built()
    fast, slow = _run(jit=False), _run(jit=True)
    assert fast.pop("numba") is False and slow.pop("numba") is True
    assert fast["candles"] == slow["candles"] and fast["events"] == slow["events"]
    np.testing.assert_allclose(fast["map_long"], slow["map_long"], rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(fast["map_short"], slow["map_short"], rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(fast["volume_map"], slow["volume_map"], rtol=1e-12, atol=1e-6)
    assert fast["heat"] == slow["heat"]
    assert fast["cascade"] == slow["cascade"]


def test_stale_build_falls_back_to_the_jit(monkeypatch: pytest.MonkeyPatch) -> None:
    _built()
    monkeypatch.setattr(aot, "_LOADED", {})
    monkeypatch.setattr(aot, "source_digest", lambda modules: "changed")
    assert "stale" in aot.status()["liqmap.core._kernel"]
    kern = aot.load("liqmap.core._kernel")
    assert not getattr(kern, "__aot__", False) and hasattr(kern.run_bars, "py_func")


def test_jit_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aot, "_LOADED", {})
    monkeypatch.setenv("LIQMAP_JIT", "1")
    assert aot.status()["liqmap.core._json_kernel"] == "LIQMAP_JIT is set"
    assert hasattr(aot.load("liqmap.core._json_kernel").usd_rows_json, "py_func")


def test_arguments_it_was_not_compiled_for_go_to_the_jit() -> None:
    calls: list[str] = []

    def fast(*args: Any) -> str:
        calls.append("fast")
        return "fast"

    def slow(*args: Any) -> str:
        calls.append("slow")
        return "slow"

    specs = (("array", "float64", 2, "C", True), ("int",), ("tuple", (("float",), ("bool",))))
    call = aot._guarded(fast, specs, lambda: slow)
    ok = np.zeros((2, 3))
    assert call(ok, 3, (1.0, True)) == "fast"
    ro = np.zeros((2, 3))
    ro.setflags(write=False)
    bad = [
        (np.zeros((2, 3), np.float32), 3, (1.0, True)),  # dtype
        (np.zeros(3), 3, (1.0, True)),  # dimensions
        (np.zeros((3, 2)).T, 3, (1.0, True)),  # not C-contiguous
        (ro, 3, (1.0, True)),  # the kernel writes it
        (ok, 3.5, (1.0, True)),  # float for an int
        (ok, True, (1.0, True)),  # bool for an int
        (ok, 3, (1.0,)),  # tuple length
        (ok, 3),  # argument count
    ]
    assert [call(*args) for args in bad] == ["slow"] * len(bad)


def test_compiled_module_keeps_constants_and_reads_the_rest_from_the_jit() -> None:
    _built()
    from liqmap.core import _kernel

    kern = aot.load("liqmap.core._kernel")
    assert getattr(kern, "__aot__", False)
    assert kern.ACC_SIZE == _kernel.ACC_SIZE and kern.ACC_UNMATCHED == _kernel.ACC_UNMATCHED
    assert kern.clear_longs is _kernel.clear_longs  # not exported: read from the JIT module


def test_the_switches_are_known_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from liqmap.settings import Settings

    monkeypatch.setenv("LIQMAP_JIT", "1")
    monkeypatch.setenv("LIQMAP_REQUIRE_AOT", "1")
    Settings.from_env()  # unknown LIQMAP_* keys are rejected; these two are not

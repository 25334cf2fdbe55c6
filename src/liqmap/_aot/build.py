"""Compile the kernel modules ahead of time with :mod:`numba.pycc` (needs numba and a C compiler).

The signatures are not written by hand: :func:`workload` runs the library's public API on the
demo market (simulator, map, heatmap, cascade) with the JIT, and each public jitted function of a
kernel module is exported with every signature that run compiled (one signature per function; array
layouts that differ between calls are widened to ``A``). The top-level function keeps the
dispatcher's ``error_model``; the jitted helpers it calls are compiled with their own options.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from liqmap._aot import BUILT_PACKAGE, KERNEL_MODULES, Spec, flat_name, source_digest

__all__ = ["BuildResult", "build", "workload"]

_SIMPLE = (int, float, str, bool)


@dataclass(frozen=True)
class BuildResult:
    """What the build did for one kernel module."""

    module: str
    ok: bool
    message: str
    functions: tuple[str, ...] = field(default=())


def workload() -> None:
    """Run the public API once on the demo market (and the numeric CSV reader on two rows) so
    every kernel compiles its signatures."""
    import liqmap
    from liqmap.core.depth import power_profile
    from liqmap.core.impact import ImpactModel
    from liqmap.io.export import to_json
    from liqmap.io.numeric import parse_columns

    data = liqmap.load_market("BTCUSDT", "demo", demo_days=2.0)
    parse_columns(b"1700000000000,1.5,-2\n1700000060000,3,4.25\n", b",", ("t", "a", "b"), "t", 2)
    m = liqmap.estimate_map(data, window="24h")
    liqmap.estimate_map(data.candles, window="24h")  # without OI: the volume-sized path
    to_json(liqmap.estimate_heatmap(data, window="24h", columns=24))
    impact = ImpactModel(sigma_daily=0.03, volume_usd_daily=20e9)
    for shock in (-3.0, 3.0):
        liqmap.simulate_cascade(m, power_profile(50e6, 1.0), shock_pct=shock)
        liqmap.simulate_cascade(m, impact, shock_pct=shock)  # the default model of `cascade`


def _dispatchers(mod: ModuleType) -> dict[str, Any]:
    dispatcher = _numba("numba.core.registry").CPUDispatcher
    names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")]
    return {
        n: f
        for n in names
        if isinstance(f := getattr(mod, n), dispatcher) and f.py_func.__module__ == mod.__name__
    }


def _spec(t: Any) -> Spec:
    types = _numba("numba.core.types")
    if isinstance(t, types.Array):
        return ("array", str(t.dtype), t.ndim, t.layout, t.mutable)
    if isinstance(t, types.BaseTuple):
        return ("tuple", tuple(_spec(x) for x in t.types))
    if isinstance(t, types.Boolean):
        return ("bool",)
    if isinstance(t, types.Integer):
        return ("int",)
    if isinstance(t, types.Float):
        return ("float",)
    raise TypeError(f"no ahead-of-time export for argument type {t}")


def _one_signature(name: str, disp: Any) -> Any:
    """The dispatcher's single compiled signature (layouts widened to ``A`` if they differ)."""
    types = _numba("numba.core.types")
    sigs = [disp.overloads[s].signature for s in disp.signatures]
    if not sigs:
        raise TypeError(f"{name} was not compiled by the workload (no signature to export)")
    first = sigs[0]
    if all(s == first for s in sigs):
        return first
    args = []
    for column in zip(*(s.args for s in sigs), strict=True):
        t0 = column[0]
        if all(t == t0 for t in column):
            args.append(t0)
        elif all(isinstance(t, types.Array) and t.dtype == t0.dtype for t in column):
            args.append(
                types.Array(t0.dtype, t0.ndim, "A", readonly=not all(t.mutable for t in column))
            )
        else:
            raise TypeError(f"{name} was compiled for incompatible signatures {sigs}")
    return first.return_type(*args)


def _sources(mod: ModuleType) -> tuple[str, ...]:
    """The liqmap modules whose code goes into the compiled extension (the kernel and its imports)."""
    found = {mod.__name__}
    for value in vars(mod).values():
        owner = getattr(getattr(value, "py_func", value), "__module__", None)
        if isinstance(value, ModuleType):
            owner = value.__name__
        if isinstance(owner, str) and owner.startswith("liqmap.") and owner != BUILT_PACKAGE:
            found.add(owner)
    return tuple(sorted(found))


def _constants(mod: ModuleType, skip: set[str]) -> dict[str, Any]:
    names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")]
    return {n: v for n in names if n not in skip and isinstance(v := getattr(mod, n), _SIMPLE)}


def _host_cpu() -> str:
    return str(_numba("llvmlite.binding").get_host_cpu_name())


def _numba(name: str) -> Any:
    """A numba (or llvmlite) module, untyped: numba ships no type information."""
    return importlib.import_module(name)


@contextmanager
def _error_model(model: str) -> Iterator[None]:
    """pycc compiles exported functions with default flags; give them the dispatcher's model."""
    compiler = _numba("numba.pycc.compiler")
    base = compiler.Flags

    class _Flags(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.error_model = model

    compiler.Flags = _Flags
    try:
        yield
    finally:
        compiler.Flags = base


def _compile_module(name: str, out_dir: Path) -> BuildResult:
    mod = importlib.import_module(name)
    disp = {n: d for n, d in _dispatchers(mod).items() if d.signatures}
    if not disp:
        raise TypeError("the workload compiled none of its functions (nothing to export)")
    sigs = {n: _one_signature(n, d) for n, d in disp.items()}
    models = {d.targetoptions.get("error_model", "python") for d in disp.values()}
    if len(models) > 1:
        raise TypeError(f"exported functions use different error models {models}")
    ext = f"{flat_name(name)}_ext"
    cc = _numba("numba.pycc").CC(ext)
    cc.output_dir = str(out_dir)
    cc.verbose = False
    for n, sig in sigs.items():
        cc.export(n, sig)(disp[n].py_func)
    cc.target_cpu = _host_cpu()  # built where it runs: use this CPU's instructions, as the JIT does
    with _error_model(models.pop() if models else "python"):
        cc.compile()
    sources = _sources(mod)
    functions = {n: tuple(_spec(t) for t in sig.args) for n, sig in sigs.items()}
    meta = (
        f'"""Generated by python -m liqmap._aot build from {name}; do not edit."""\n\n'
        "from typing import Any\n\n"
        f"SOURCE = {name!r}\nSOURCES = {sources!r}\n"
        f"SOURCE_SHA256 = {source_digest(sources)!r}\nEXT = {ext!r}\n"
        f"CONSTANTS: dict[str, Any] = {_constants(mod, set(disp))!r}\n"
        f"FUNCTIONS: dict[str, tuple[Any, ...]] = {functions!r}\n"
    )
    tmp_meta = out_dir / f".{flat_name(name)}.py.tmp"
    tmp_meta.write_text(meta, encoding="utf-8")
    tmp_meta.replace(out_dir / f"{flat_name(name)}.py")
    left = sorted(set(_dispatchers(mod)) - set(sigs))
    note = (
        f"compiled; on the JIT (not run by the workload): {', '.join(left)}" if left else "compiled"
    )
    return BuildResult(name, True, note, tuple(sigs))


def build(
    modules: Sequence[str] = KERNEL_MODULES,
    out_dir: Path | None = None,
    log: Callable[[str], None] | None = None,
) -> list[BuildResult]:
    """Compile ``modules`` into ``out_dir`` (default: the ``liqmap._aot._built`` package folder).

    A module that cannot be compiled is reported (and keeps running on the JIT); the others are
    still built.
    """
    target = out_dir or Path(importlib.import_module(BUILT_PACKAGE).__path__[0])
    target.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    previous = os.environ.get("LIQMAP_JIT")
    os.environ["LIQMAP_JIT"] = "1"  # the workload must run (and type) the numba functions
    try:
        workload()
    finally:
        if previous is None:
            del os.environ["LIQMAP_JIT"]
        else:
            os.environ["LIQMAP_JIT"] = previous
    results = []
    for name in modules:
        t0 = time.perf_counter()
        try:
            res = _compile_module(name, target)
        except Exception as exc:  # report every failure; the module keeps its JIT
            res = BuildResult(name, False, f"{type(exc).__name__}: {exc}")
        results.append(res)
        if log is not None:
            done = ", ".join(res.functions) + (
                "" if res.message == "compiled" else f"; {res.message}"
            )
            done = done if res.ok else res.message
            log(
                f"{name}: {'compiled' if res.ok else 'NOT compiled'} ({done}) in {time.perf_counter() - t0:.1f} s"
            )
    if log is not None:
        log(f"ahead-of-time build finished in {time.perf_counter() - started:.1f} s -> {target}")
    return results

"""Ahead-of-time compiled numba kernels, loaded without importing numba.

A kernel module (``liqmap.core._kernel``, ...) is plain numba source. ``python -m liqmap._aot
build`` (run by ``make demo`` / ``make test``) compiles the public jitted functions of every module
in :data:`KERNEL_MODULES` into a CPython extension with :mod:`numba.pycc`, using the signatures a
real run of the library's public API compiled them for, and writes beside it a small generated
module with the kernel module's public constants and a SHA-256 of every liqmap source file that
went into the compiled code.

:func:`load` returns a module-like object with the compiled functions and the constants when the
extension is present and was built from the current sources; otherwise (absent, stale, built for
another numpy, ``LIQMAP_JIT=1``) it returns the numba module itself, so results never depend on
whether the build ran. A compiled function checks its arguments (dtype, dimensions, contiguity,
writeability) and hands any call it was not compiled for to the JIT; any name the generated module
lacks is read from the JIT module.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["BUILT_PACKAGE", "KERNEL_MODULES", "flat_name", "load", "status"]

#: The numba kernel modules compiled ahead of time (in this order).
KERNEL_MODULES = (
    "liqmap.core._kernel",
    "liqmap.core._cascade_kernel",
    "liqmap.core._json_kernel",
    "liqmap.io._csv_kernel",
    "liqmap.sim._kernel",
    "liqmap.sim._regimes_kernel",
)
#: The package the build writes to (``src/liqmap/_aot/_built``).
BUILT_PACKAGE = "liqmap._aot._built"

Spec = tuple[Any, ...]


def flat_name(module: str) -> str:
    """``liqmap.core._kernel`` -> ``liqmap_core__kernel`` (the generated modules' stem)."""
    return module.replace(".", "_")


def source_digest(modules: Sequence[str]) -> str:
    """SHA-256 over the source files of ``modules`` (found without importing them)."""
    h = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            return ""
        h.update(name.encode())
        h.update(Path(spec.origin).read_bytes())
    return h.hexdigest()


def _meta(module: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"{BUILT_PACKAGE}.{flat_name(module)}")
    except ImportError:
        return None


def _why_not(module: str) -> str:
    """Why ``module`` runs on the JIT ('' if the compiled extension can be used)."""
    if os.environ.get("LIQMAP_JIT", "") not in ("", "0"):
        return "LIQMAP_JIT is set"
    meta = _meta(module)
    if meta is None:
        return "not built (run: python -m liqmap._aot build)"
    if source_digest(meta.SOURCES) != meta.SOURCE_SHA256:
        return "stale: the kernel sources changed since the build (rebuild)"
    return ""


def _checker(spec: Spec) -> Callable[[object], bool]:
    """A predicate for one compiled argument, built once per spec: a live map calls the kernel
    every bar, and comparing ``dtype.name`` strings per argument cost more than the kernel."""
    import numpy as np

    kind = spec[0]
    if kind == "array":
        scalar, ndim = np.dtype(spec[1]).type, spec[2]
        need_c, need_write = spec[3] != "A", bool(spec[4])

        def array_ok(value: object) -> bool:
            if not isinstance(value, np.ndarray):
                return False
            dt = value.dtype
            if dt.type is not scalar or not dt.isnative or value.ndim != ndim:
                return False
            flags = value.flags
            return (
                (not need_c or flags.c_contiguous)
                and flags.aligned
                and (not need_write or flags.writeable)
            )

        return array_ok
    if kind == "tuple":
        parts = tuple(_checker(s) for s in spec[1])

        def tuple_ok(value: object) -> bool:
            return (
                isinstance(value, tuple)
                and len(value) == len(parts)
                and all(ok(v) for ok, v in zip(parts, value, strict=True))
            )

        return tuple_ok
    if kind == "bool":
        return lambda value: isinstance(value, bool | np.bool_)
    if kind == "int":
        return lambda value: isinstance(value, int | np.integer) and not isinstance(value, bool)
    return lambda value: isinstance(value, float | int | np.floating | np.integer)  # "float"


def _guarded(
    fast: Callable[..., Any], specs: Sequence[Spec], slow: Callable[[], Callable[..., Any]]
) -> Callable[..., Any]:
    """``fast`` when every argument matches its compiled spec, else the JIT function."""
    n = len(specs)
    checks = tuple(_checker(s) for s in specs)

    def call(*args: Any) -> Any:
        if len(args) == n and all(ok(a) for ok, a in zip(checks, args, strict=True)):
            return fast(*args)
        return slow()(*args)

    call.__name__ = getattr(fast, "__name__", "kernel")
    call.__doc__ = f"Ahead-of-time compiled; other argument types go to the JIT.\n{fast.__doc__}"
    return call


def _compiled(module: str, meta: ModuleType) -> ModuleType:
    ext = importlib.import_module(f"{BUILT_PACKAGE}.{meta.EXT}")
    proxy = ModuleType(module, f"{module}, compiled ahead of time")

    def jit() -> ModuleType:
        return importlib.import_module(module)

    def jit_attr(name: str) -> Callable[[], Any]:
        return lambda: getattr(jit(), name)

    proxy.__dict__.update(meta.CONSTANTS)
    for name, specs in meta.FUNCTIONS.items():
        setattr(proxy, name, _guarded(getattr(ext, name), specs, jit_attr(name)))
    proxy.__dict__["__getattr__"] = lambda name: getattr(jit(), name)
    proxy.__dict__["__aot__"] = True
    return proxy


_LOADED: dict[str, ModuleType] = {}


def load(module: str) -> ModuleType:
    """The kernel module ``module``: compiled ahead of time if built and current, else numba's.

    Parameters
    ----------
    module
        Dotted name of a kernel module, e.g. ``"liqmap.core._kernel"``.
    """
    if module in _LOADED:
        return _LOADED[module]
    loaded: ModuleType | None = None
    meta = None if _why_not(module) else _meta(module)
    if meta is not None:
        try:
            loaded = _compiled(module, meta)
        except ImportError:  # built for another numpy/python: use the JIT
            loaded = None
    if loaded is None:
        loaded = importlib.import_module(module)
    _LOADED[module] = loaded
    return loaded


def status() -> dict[str, str]:
    """Per kernel module: ``"compiled"`` or why it runs on the JIT."""
    return {m: (_why_not(m) or "compiled") for m in KERNEL_MODULES}

"""Binary min-heaps on preallocated arrays, for the simulator's numba loop.

A ``heap`` is the tuple ``(keys, ids, kinds, sizes)``; heap ``h`` lives in row ``h`` of ``keys``
(float64), ``ids`` (int64, position index) and ``kinds`` (int8, what the entry triggers), and
``sizes[h]`` is its length. Entries are never removed
out of order: when a position closes, its other entries stay and are skipped when they surface
("lazy deletion"), which keeps every operation O(log n).
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numpy.typing import NDArray

__all__ = ["Heap", "heap_pop", "heap_push"]

Heap = tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int8], NDArray[np.int64]]


@nb.njit(cache=True)
def heap_push(heap: Heap, h: int, key: float, pid: int, kind: int) -> None:
    """Insert ``(key, pid, kind)`` into heap ``h`` (sift up)."""
    keys, ids, kinds, sizes = heap
    i = sizes[h]
    sizes[h] += 1
    while i > 0:
        parent = (i - 1) // 2
        if keys[h, parent] <= key:
            break
        keys[h, i] = keys[h, parent]
        ids[h, i] = ids[h, parent]
        kinds[h, i] = kinds[h, parent]
        i = parent
    keys[h, i] = key
    ids[h, i] = pid
    kinds[h, i] = kind


@nb.njit(cache=True)
def heap_pop(heap: Heap, h: int) -> None:
    """Remove the smallest entry of heap ``h`` (read it at index 0 first; sift down)."""
    keys, ids, kinds, sizes = heap
    n = sizes[h] - 1
    sizes[h] = n
    key = keys[h, n]
    pid = ids[h, n]
    kind = kinds[h, n]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and keys[h, c + 1] < keys[h, c]:
            c += 1
        if keys[h, c] >= key:
            break
        keys[h, i] = keys[h, c]
        ids[h, i] = ids[h, c]
        kinds[h, i] = kinds[h, c]
        i = c
    keys[h, i] = key
    ids[h, i] = pid
    kinds[h, i] = kind

"""The numba heap against Python's heapq."""

from __future__ import annotations

import heapq

import numpy as np

from liqmap.sim._heap import heap_pop, heap_push


def test_heap_pops_in_key_order_like_heapq() -> None:
    rng = np.random.default_rng(1)
    n = 3000
    heap = (
        np.zeros((2, n)),
        np.zeros((2, n), dtype=np.int64),
        np.zeros((2, n), dtype=np.int8),
        np.zeros(2, dtype=np.int64),
    )
    keys, ids, kinds, sizes = heap
    ref: list[tuple[float, int]] = []
    for step in range(10_000):
        if ref and rng.random() < 0.4:
            want, _ = heapq.heappop(ref)
            assert keys[1, 0] == want
            heap_pop(heap, 1)
        else:
            key = float(rng.integers(0, 50))  # many ties
            heap_push(heap, 1, key, step, step % 3)
            heapq.heappush(ref, (key, step))
        assert sizes[1] == len(ref)
        assert sizes[0] == 0  # other rows untouched
    assert sorted(keys[1, : sizes[1]].tolist()) == sorted(k for k, _ in ref)
    assert len(set(ids[1, : sizes[1]].tolist())) == len(ref)  # ties pop in any order
    assert set(kinds[1, : sizes[1]].tolist()) <= {0, 1, 2}

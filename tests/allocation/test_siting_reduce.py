"""Covering reductions (row/column domination, essential columns) and the covering warm starts.

Every reduction is checked against brute force on small random instances: the reduced
problem (plus the forced sites) has the same optimum as the original one.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from allocation import _heuristics as h
from allocation._reduce import (
    _contained_in_other,
    dominated_columns,
    reduce_cover,
    reduce_max_cover,
)
from allocation.siting import LSCP, MCLP


def _random_cover(seed: int, n: int = 14, m: int = 9, density: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.random((n, m)) < density
    a[np.arange(n), rng.integers(0, m, n)] = True  # every row coverable
    return a


def _min_cover(a: np.ndarray) -> int:
    n, m = a.shape
    if n == 0:
        return 0
    for k in range(m + 1):
        for s in itertools.combinations(range(m), k):
            if a[:, list(s)].any(axis=1).all():
                return k
    raise AssertionError("no cover")


def _max_cover(a: np.ndarray, w: np.ndarray, p: int) -> float:
    best = 0.0
    for s in itertools.combinations(range(a.shape[1]), min(p, a.shape[1])):
        best = max(best, float(w[a[:, list(s)].any(axis=1)].sum()))
    return best


def test_row_and_column_domination_by_hand() -> None:
    a = np.array(
        [
            [1, 1, 0],  # row 0 contains row 1: implied
            [1, 0, 0],
            [0, 1, 1],
        ],
        dtype=float,
    )
    assert _contained_in_other(sp.csr_array(a)).tolist() == [True, False, False]
    # column 0 covers {0, 1}; column 1 covers {0, 2}; column 2 covers {2}, a subset of column 1
    assert dominated_columns(sp.csr_array(a)).tolist() == [False, False, True]
    # identical rows / columns: exactly one of each pair survives
    b = sp.csr_array(np.array([[1, 1], [1, 1]], dtype=float))
    assert _contained_in_other(b).sum() == 1
    assert dominated_columns(b).sum() == 1


def test_essential_column_is_forced_and_counted() -> None:
    a = sp.csr_array(np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=float))
    red = reduce_cover(a)
    assert set(red.forced.tolist()) == {0, 2}  # rows 0 and 3 have one site each
    assert red.rows.size == 0
    assert red.removed["cols_essential"] == 2
    assert red.removed["rows_covered_by_essential"] == 4


@pytest.mark.parametrize("seed", range(25))
def test_reduced_set_cover_keeps_the_optimum(seed: int) -> None:
    a = _random_cover(seed)
    red = reduce_cover(sp.csr_array(a.astype(float)))
    ar = red.matrix(sp.csr_array(a.astype(float))).toarray() > 0
    assert _min_cover(ar) + red.forced.size == _min_cover(a)
    # every kept row still coverable by kept columns, and the counts add up
    assert ar.shape == (red.rows.size, red.cols.size)
    assert (
        red.removed["rows_dominated"] + red.removed["rows_covered_by_essential"] + red.rows.size
        == a.shape[0]
    )
    assert (
        red.removed["cols_dominated"] + red.removed["cols_essential"] + red.cols.size == a.shape[1]
    )


@pytest.mark.parametrize("seed", range(15))
def test_reduced_max_cover_keeps_the_optimum(seed: int) -> None:
    a = _random_cover(seed, n=12, m=8, density=0.25)
    w = np.random.default_rng(seed).integers(1, 20, a.shape[0]).astype(float)
    red = reduce_max_cover(sp.csr_array(a.astype(float)))
    ar = a[:, red.cols]
    for p in (1, 2, 3):
        assert _max_cover(ar, w, p) == _max_cover(a, w, p)


def test_reductions_bounded_memory_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    import allocation._reduce as r

    a = sp.csr_array(_random_cover(3, n=40, m=15).astype(float))
    full = (r._contained_in_other(a), r.dominated_columns(a))
    monkeypatch.setattr(r, "_BLOCK", 7)  # many blocks: same answer
    assert np.array_equal(r._contained_in_other(a), full[0])
    assert np.array_equal(r.dominated_columns(a), full[1])


def test_drop_redundant_keeps_a_cover() -> None:
    a = sp.csr_array(np.array([[1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=float))
    out = h.drop_redundant(a, np.array([0, 1, 2]))
    assert out.size == 2  # one of the three is redundant
    assert (a.toarray()[:, out].sum(axis=1) > 0).all()  # still a cover


@pytest.mark.parametrize("seed", range(10))
def test_swap_cover_never_worse_and_can_improve(seed: int) -> None:
    a = _random_cover(seed, n=16, m=10, density=0.25)
    w = np.random.default_rng(seed).integers(1, 30, a.shape[0]).astype(float)
    asp = sp.csr_array(a.astype(float))
    start = h.greedy_cover(asp, w, 3)
    out = h.swap_cover(asp, w, start)
    val = lambda s: float(w[a[:, s].any(axis=1)].sum())  # noqa: E731
    assert out.size == start.size and val(out) >= val(start)


def test_swap_cover_leaves_a_bad_start() -> None:
    # sites 0 and 1 cover little; site 2 covers the heavy rows: one swap must find it
    a = sp.csr_array(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]], dtype=float))
    w = np.array([1.0, 1.0, 10.0, 10.0])
    assert set(h.swap_cover(a, w, np.array([0, 1])).tolist()) == {0, 2} or set(
        h.swap_cover(a, w, np.array([0, 1])).tolist()
    ) == {1, 2}


@pytest.mark.parametrize("seed", range(6))
def test_models_report_reductions_and_stay_exact(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    pts_d, pts_c = rng.uniform(0, 1000, (30, 2)), rng.uniform(0, 1000, (9, 2))
    cost = np.rint(np.sqrt(((pts_d[:, None] - pts_c[None]) ** 2).sum(-1)))
    w = rng.integers(1, 50, 30).astype(float)
    r = 350.0
    cov = cost <= r
    need = cov.any(axis=1)
    ls = LSCP.from_cost_matrix(cost, radius=r).solve()
    assert ls.objective == _min_cover(cov[need])
    assert ls.status == "optimal"
    red = ls.stats["reduction"]
    assert set(red) >= {"rows_dominated", "cols_dominated", "cols_essential", "passes"}
    mc = MCLP.from_cost_matrix(cost, weights=w, p=2, radius=r).solve()
    assert mc.objective == _max_cover(cov, w, 2)
    assert "cols_dominated" in mc.stats["reduction"]

"""Branch and bound on sites with the Lagrangian bound (p-median, small p), against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from allocation import _heuristics as h
from allocation._lagrange import branch_median
from allocation.siting import PMedian


def _instance(
    seed: int, n: int = 24, m: int = 11, fixed: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    pts_d, pts_c = rng.uniform(0, 1000, (n, 2)), rng.uniform(0, 1000, (m, 2))
    cost = np.rint(np.sqrt(((pts_d[:, None] - pts_c[None]) ** 2).sum(-1)))
    w = rng.integers(1, 40, n).astype(float)
    d_fix = cost[:, 0] if fixed else np.full(n, np.inf)  # column 0 stands for an existing facility
    return cost[:, 1:] if fixed else cost, w, d_fix


def _brute(cost: np.ndarray, w: np.ndarray, d_fix: np.ndarray, p: int) -> float:
    return min(
        float(w @ np.minimum(d_fix, cost[:, list(s)].min(axis=1)))
        for s in itertools.combinations(range(cost.shape[1]), p)
    )


@pytest.mark.parametrize(
    ("seed", "p", "fixed"), [(s, p, f) for s in range(6) for p in (2, 3, 4) for f in (False, True)]
)
def test_branch_proves_the_brute_force_optimum_from_a_poor_start(
    seed: int, p: int, fixed: bool
) -> None:
    cost, w, d_fix = _instance(seed, fixed=fixed)
    start = np.arange(p)  # an arbitrary, usually poor, incumbent
    upper = float(w @ np.minimum(d_fix, cost[:, start].min(axis=1)))
    lr = h.lagrangian_median(cost, w, d_fix, p, upper, integral=True)
    out = branch_median(
        cost, w, d_fix, p, start, closed=lr.closed, lam=lr.lam, integral=True, time_budget=30
    )
    assert out.proven
    assert out.best_value == pytest.approx(_brute(cost, w, d_fix, p))
    assert out.best_sites.size == p
    assert float(w @ np.minimum(d_fix, cost[:, out.best_sites].min(axis=1))) == pytest.approx(
        out.best_value
    )


def test_branch_without_time_returns_the_incumbent_unproven() -> None:
    cost, w, d_fix = _instance(1)
    start = np.array([0, 1, 2])
    lr = h.lagrangian_median(
        cost, w, d_fix, 3, float(w @ cost[:, start].min(axis=1)), integral=True
    )
    out = branch_median(
        cost, w, d_fix, 3, start, closed=lr.closed, lam=lr.lam, integral=True, time_budget=-1.0
    )
    assert not out.proven and out.nodes == 0
    assert out.best_sites.tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    "seed", [0, 11]
)  # instances where the Lagrangian bound alone is not enough
def test_pmedian_small_p_is_proven_by_branching(seed: int) -> None:
    cost, w, _ = _instance(50 + seed, n=60, m=25)
    res = PMedian.from_cost_matrix(cost, weights=w, p=3).solve(time_limit=30)
    assert res.status == "optimal" and res.gap == 0.0
    assert res.objective == pytest.approx(_brute(cost, w, np.full(60, np.inf), 3))
    assert "branch and bound on sites" in res.stats["formulation"]
    assert res.stats["branch_nodes"] >= 1

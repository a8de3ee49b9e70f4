"""Branch and bound on sites with the Lagrangian bound (p-median, small p), against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from allocation import _heuristics as h
from allocation import _lagrange
from allocation._lagrange import _subgradient, branch_median, node_bound, penalty_fix
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
    ("seed", "p", "fixed", "compiled"),
    [
        (s, p, f, k)
        for s in range(6)
        for p in (2, 3, 4)
        for f in (False, True)
        for k in (True, False)
    ],
)
def test_branch_proves_the_brute_force_optimum_from_a_poor_start(
    seed: int, p: int, fixed: bool, compiled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # compiled: the numba node kernel from the first node on (normally after _COMPILE_AFTER s)
    monkeypatch.setattr(_lagrange, "_COMPILE_AFTER", -1.0)
    kernels = []
    monkeypatch.setattr(
        _lagrange,
        "_compiled_ascent",
        lambda real=_lagrange._compiled_ascent: kernels.append(real()) or kernels[-1],
    )
    cost, w, d_fix = _instance(seed, fixed=fixed)
    start = np.arange(p)  # an arbitrary, usually poor, incumbent
    upper = float(w @ np.minimum(d_fix, cost[:, start].min(axis=1)))
    lr = h.lagrangian_median(cost, w, d_fix, p, upper, integral=True)
    # lr.closed rules sites out against the best solution the Lagrangian met, which may be
    # better than the poor start: only then is it valid with the start as incumbent
    closed = lr.closed if lr.best_value >= upper else np.zeros(cost.shape[1], dtype=bool)
    out = branch_median(
        cost,
        w,
        d_fix,
        p,
        start,
        closed=closed,
        lam=lr.lam,
        integral=True,
        time_budget=30,
        compiled=compiled,
    )
    assert (len(kernels) == 1 and kernels[0] is not None) if compiled else not kernels
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


@pytest.mark.parametrize("seed", range(5))
def test_sorted_costs_rho_equals_the_dense_sum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 40), rng.integers(1, 15)
    c = np.rint(rng.uniform(0, 50, (n, m))) * rng.integers(1, 4, (n, 1))  # many ties
    sc = h.SortedCosts(c)
    for lam in (
        rng.uniform(-10, 200, n),
        np.full(n, c.max() + 5.0),  # beyond every cost
        np.full(n, c.min() - 1.0),  # below every cost
        c[np.arange(n), rng.integers(0, m, n)],  # equal to a cost (ties at the boundary)
    ):
        dense = np.minimum(c - lam[:, None], 0.0).sum(axis=0)
        assert np.allclose(sc.rho(lam), dense, atol=1e-9)


def _selections(m: int, p: int, opened: np.ndarray, shut: np.ndarray):
    for s in itertools.combinations(range(m), p):
        sel = np.array(s)
        if opened[sel].sum() == opened.sum() and not shut[sel].any():
            yield sel


@pytest.mark.parametrize("seed", range(8))
def test_node_bound_with_forced_sites_is_a_lower_bound(seed: int) -> None:
    """Sites forced open enter as one always-open site per demand: still a valid bound, for any
    multipliers, of every selection that opens them and avoids the closed ones (brute force)."""
    rng = np.random.default_rng(100 + seed)
    cost, w, d_fix = _instance(seed, n=14, m=8, fixed=seed % 2 == 1)
    m, p = cost.shape[1], 3
    opened = np.zeros(m, bool)
    opened[rng.choice(m, rng.integers(0, 3), replace=False)] = True
    shut = np.zeros(m, bool)
    shut[rng.choice(np.flatnonzero(~opened), 2, replace=False)] = True
    c = w[:, None] * cost
    cf_open = np.minimum(w * d_fix, c[:, opened].min(axis=1)) if opened.any() else w * d_fix
    best = min(
        float(w @ np.minimum(d_fix, cost[:, sel].min(axis=1)))
        for sel in _selections(m, p, opened, shut)
    )
    sc = h.SortedCosts(c)
    for _ in range(20):
        lam = rng.uniform(0, 1.5, cost.shape[0]) * np.partition(c, 2, axis=1)[:, 2]
        value, _, pick = node_bound(sc, cf_open, lam, p - int(opened.sum()), ~opened & ~shut)
        assert value <= best + 1e-9
        assert pick.size == p - opened.sum() and not (opened | shut)[pick].any()


def test_penalty_fixing_never_removes_a_solution_at_or_below_the_level() -> None:
    """Reduced-cost fixing of sites at a node, against brute force on 10 instances: every site
    it closes is in no selection of value <= level, every site it forces open is in every such
    selection; with optimised and perturbed multipliers, and levels from the optimum up."""
    fixed = 0
    for seed in range(10):
        rng = np.random.default_rng(200 + seed)
        cost, w, d_fix = _instance(seed, n=16, m=9)
        m, p = cost.shape[1], 3
        c = w[:, None] * cost
        values = {
            s: float(w @ cost[:, list(s)].min(axis=1)) for s in itertools.combinations(range(m), p)
        }
        opt = min(values.values())
        sc = h.SortedCosts(c)
        free = np.ones(m, bool)
        lam_opt = h.lagrangian_median(cost, w, d_fix, p, opt).lam
        for level in (opt, 1.02 * opt, 1.1 * opt):
            for lam in (lam_opt, lam_opt * rng.uniform(0.9, 1.1, cost.shape[0])):
                bound, rho, pick = node_bound(sc, np.full(cost.shape[0], np.inf), lam, p, free)
                close, force = penalty_fix(bound, rho, pick, free, level)
                fixed += int(close.sum() + force.sum())
                for s, v in values.items():
                    if v <= level:
                        assert not close[list(s)].any()
                        assert set(np.flatnonzero(force).tolist()) <= set(s)
    assert fixed > 0  # the tests did fix sites


def test_an_unfinished_tree_hands_over_to_highs_and_reports_its_nodes(monkeypatch) -> None:
    """When the tree runs out of time, HiGHS proves the reduced model from the tree's best
    solution, and the stats still say how many nodes the tree explored."""
    from allocation import _lagrange

    cost, w, _ = _instance(61, n=60, m=25)  # as in test_pmedian_small_p_is_proven_by_branching

    def unfinished(cost, weights, d_fix, p, best_sites, **kw):  # the incumbent, 7 nodes, unproven
        value = float(weights @ np.minimum(d_fix, cost[:, best_sites].min(axis=1)))
        return _lagrange.BranchOutcome(False, np.sort(best_sites), value, 7)

    monkeypatch.setattr(_lagrange, "branch_median", unfinished)
    res = PMedian.from_cost_matrix(cost, weights=w, p=3).solve(time_limit=30)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(_brute(cost, w, np.full(60, np.inf), 3))
    # seed 61: the Lagrangian bound alone does not prove it, so the tree runs
    assert res.stats["branch_nodes"] == 7
    assert "radius" in res.stats["formulation"]


@pytest.mark.parametrize("seed", range(8))
def test_compiled_node_ascent_matches_the_numpy_ascent(seed: int) -> None:
    """The numba kernel climbs exactly like ``_subgradient`` (numpy): same bound and multipliers."""
    jit = pytest.importorskip("allocation._lagrange_jit")
    rng = np.random.default_rng(100 + seed)
    cost, w, d_fix = _instance(seed, n=40, m=15, fixed=seed % 2 == 1)
    c_d, dfix = h._finite(cost, d_fix)
    c = w[:, None] * c_d
    sc = h.SortedCosts(c)
    free = rng.random(c.shape[1]) < 0.8
    opened = np.flatnonzero(~free)[:1]  # one site forced open, the others closed
    cf = np.minimum(w * dfix, c[:, opened].min(axis=1)) if opened.size else w * dfix
    lam = c.min(axis=1) * rng.uniform(0.5, 1.5, c.shape[0])
    k = 2
    # stop at a feasible node solution's value - 1 (the prune level), or soon (early stop)
    upper = float(np.minimum(cf, c[:, np.flatnonzero(free)[:k]].min(axis=1)).sum())
    stop = upper - 1.0 if seed < 4 else float(node_bound(sc, cf, lam, k, free)[0]) + 50.0
    ref = _subgradient(c, sc, cf, lam.copy(), k, free, stop, 60)
    got = jit.node_subgradient(c, sc.vals, sc.cols, cf, lam.copy(), k, free, stop, 60)
    assert got[0] == pytest.approx(ref[0], rel=1e-9)
    assert np.allclose(got[1], ref[1], rtol=1e-9, atol=1e-6)
    assert sorted(got[2].tolist()) == sorted(ref[2].tolist())
    assert np.allclose(got[3], ref[3], rtol=1e-9, atol=1e-6)
    # and the bound is the node bound of the multipliers returned, below the node's optimum
    assert got[0] == pytest.approx(node_bound(sc, cf, got[3], k, free)[0], rel=1e-9)


def test_warm_up_compiles_the_kernel_and_returns_a_valid_bound() -> None:
    """``make venv`` runs it: a 3 x 2 one-median whose optimum is 6 (site 0: 1 + 3 + 2)."""
    jit = pytest.importorskip("allocation._lagrange_jit")
    c = np.array([[1.0, 4.0], [3.0, 1.0], [2.0, 2.0]])
    ref = _subgradient(
        c, h.SortedCosts(c), np.full(3, 10.0), c.min(axis=1), 1, np.ones(2, bool), 1e9, 5
    )
    assert jit.warm_up() == pytest.approx(ref[0]) and jit.warm_up() <= 6.0

"""The CP-SAT path of LSCP / MCLP (allocation/_cpsat.py): exact against brute force, routed, reported."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("ortools")

from allocation import (
    _cpsat,
    siting,
)
from allocation.siting import LSCP, MCLP


def _instance(seed: int, n: int = 40, m: int = 14) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 1000, (n, m)).astype(float), rng.integers(1, 9, n).astype(float)


def _brute_lscp(a: np.ndarray) -> int:
    for k in range(a.shape[1] + 1):
        for sel in itertools.combinations(range(a.shape[1]), k):
            if a[:, list(sel)].any(axis=1).all():
                return k
    raise AssertionError("no cover")


def _brute_mclp(a: np.ndarray, w: np.ndarray, p: int) -> float:
    return max(
        float(w[a[:, list(sel)].any(axis=1)].sum())
        for sel in itertools.combinations(range(a.shape[1]), p)
    )


@pytest.mark.parametrize("seed", range(6))
def test_cover_and_max_cover_equal_brute_force(seed: int) -> None:
    cost, w = _instance(seed)
    a = cost <= 250
    a = a[a.any(axis=1)]
    w = w[: a.shape[0]]
    csr = sp.csr_array(a.astype(float))
    start = np.ones(a.shape[1])
    out = _cpsat.solve_cover(csr, start, time_limit=30)
    assert out.status == "optimal" and out.objective == _brute_lscp(a) == out.x.sum()
    assert np.all(csr @ out.x >= 1)
    p = 3
    start = np.concatenate([np.zeros(a.shape[1]), np.zeros(a.shape[0])])
    out = _cpsat.solve_max_cover(csr, w, p, start, time_limit=30)
    best = _brute_mclp(a, w, p)
    y, c = out.x[: a.shape[1]], out.x[a.shape[1] :]
    assert out.status == "optimal" and out.objective == pytest.approx(best)
    assert y.sum() <= p and np.all(c <= (csr @ y > 0))  # c_i only where covered


@pytest.mark.parametrize("seed", range(4))
def test_models_route_to_cpsat_and_stay_exact(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    cost, w = _instance(seed)
    keep = (cost <= 250).any(axis=1)
    monkeypatch.setattr(siting, "_HIGHS_FIRST_SECONDS", 0.0)  # CP-SAT raced from the start
    res = LSCP.from_cost_matrix(cost, radius=250).solve()
    assert res.objective == _brute_lscp((cost <= 250)[keep]) and res.optimal
    if res.stats.get("rows"):  # something was left after the reductions
        assert "cp-sat" in res.stats["race"]
    res = MCLP.from_cost_matrix(cost, weights=w, p=3, radius=250).solve()
    assert res.objective == pytest.approx(_brute_mclp(cost <= 250, w, 3)) and res.optimal
    assert "cp-sat" in res.stats["race"]


def test_fractional_weights_and_models_highs_proves_first_stay_with_highs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cost, w = _instance(1)
    monkeypatch.setattr(siting, "_HIGHS_FIRST_SECONDS", 0.0)
    res = MCLP.from_cost_matrix(cost, weights=w + 0.5, p=3, radius=250).solve()
    assert res.stats["solver"] == "highs"  # CP-SAT needs integer weights
    assert res.objective == pytest.approx(_brute_mclp(cost <= 250, w + 0.5, 3))
    monkeypatch.setattr(siting, "_HIGHS_FIRST_SECONDS", 1000.0)  # HiGHS proves it first
    assert LSCP.from_cost_matrix(cost, radius=250).solve().stats["solver"] == "highs"


def test_one_worker_fixed_seed_is_repeatable() -> None:
    cost, _ = _instance(7, n=60, m=18)
    a = sp.csr_array((cost <= 300).astype(float))
    a = sp.csr_array(a[np.asarray(a.sum(axis=1)).ravel() > 0])
    runs = [_cpsat.solve_cover(a, np.ones(a.shape[1]), time_limit=30).x for _ in range(2)]
    assert np.array_equal(runs[0], runs[1])


@pytest.mark.parametrize("model", ["lscp", "mclp"])
def test_time_limit_on_cpsat_returns_a_valid_answer(
    monkeypatch: pytest.MonkeyPatch, model: str
) -> None:
    rng = np.random.default_rng(0)
    dem, cand = rng.uniform(0, 5000, (1500, 2)), rng.uniform(0, 5000, (400, 2))
    cost = np.rint(np.sqrt(((dem[:, None] - cand[None]) ** 2).sum(axis=2)))
    monkeypatch.setattr(siting, "_HIGHS_FIRST_SECONDS", 0.0)
    if model == "lscp":
        res = LSCP.from_cost_matrix(cost, radius=600).solve(time_limit=0.01)
        sel = [int(c) for c in res.selected]
        assert (cost[:, sel] <= 600).any(axis=1)[(cost <= 600).any(axis=1)].all()
    else:
        w = rng.integers(50, 601, 1500).astype(float)
        res = MCLP.from_cost_matrix(cost, weights=w, p=16, radius=600).solve(time_limit=0.01)
        sel = [int(c) for c in res.selected]
        assert len(sel) <= 16
        assert res.objective == pytest.approx(w[(cost[:, sel] <= 600).any(axis=1)].sum())
    assert "cp-sat" in res.stats["race"]
    assert res.status in ("optimal", "time_limit") and res.bound >= 0

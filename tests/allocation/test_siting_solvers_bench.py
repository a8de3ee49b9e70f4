"""The solver-comparison bench (bench/bench_siting_solvers.py): same reduced models, honest arms."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from allocation.siting import LSCP, MCLP

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location(
        "bench_siting_solvers", ROOT / "bench" / "bench_siting_solvers.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_components_match_networkx(bench) -> None:
    rng = np.random.default_rng(3)
    a = sp.csr_array((rng.random((40, 30)) < 0.04).astype(float))
    got = bench.components(a)
    g = nx.Graph()
    g.add_nodes_from(range(30))
    for i in range(40):
        cols = a.indices[a.indptr[i] : a.indptr[i + 1]]
        g.add_edges_from(itertools.combinations(cols.tolist(), 2))
    comps = list(nx.connected_components(g))
    assert got == {"components": len(comps), "largest_columns": max(len(c) for c in comps)}


def _brute_lscp(cost: np.ndarray, r: float) -> int:
    a = cost <= r
    m = a.shape[1]
    for k in range(m + 1):
        for sel in itertools.combinations(range(m), k):
            if a[:, list(sel)].any(axis=1).all():
                return k
    raise AssertionError("no cover")


def _brute_mclp(cost: np.ndarray, w: np.ndarray, r: float, p: int) -> float:
    a = cost <= r
    return max(
        float(w[a[:, list(sel)].any(axis=1)].sum())
        for sel in itertools.combinations(range(a.shape[1]), p)
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_highs_arm_on_the_reduced_models_is_exact(bench, seed: int) -> None:
    # random (not geometric) covers: the reductions leave a core for seeds 1-3, none for 4
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 1000, (40, 14)).astype(float)
    w = rng.integers(1, 9, 40).astype(float)
    r = 250.0
    keep = (cost <= r).any(axis=1)  # demand no site reaches: excluded, as LSCP reports it
    red = bench.reduced_lscp(cost, r)
    assert (red["a"].shape[0] > 0) == (seed != 4)
    got, x = bench.highs_arm("lscp", red, 30)
    assert got["status"] == "optimal"
    best = _brute_lscp(cost[keep], r)
    assert got["objective"] + red["forced"] == best
    if x is not None:  # started from its own optimum: the same optimum, still proven
        again, _ = bench.highs_arm("lscp", red, 30, start=x)
        assert again["status"] == "optimal" and again["objective"] == got["objective"]
        lp = bench.lp_arm("lscp", red, got["objective"])
        assert lp["lp_bound"] <= got["objective"] + 1e-6  # the LP bounds a minimisation below
        assert 0 <= lp["lp_fixable"] <= red["a"].shape[1]
    else:
        assert seed == 4  # only the instance the reductions decide has no MIP to solve
    assert LSCP.from_cost_matrix(cost, radius=r).solve().objective == best
    p = 3
    red = bench.reduced_mclp(cost, w, r, p)
    got, x = bench.highs_arm("mclp", red, 30)
    again, _ = bench.highs_arm("mclp", red, 30, start=x)
    assert again["objective"] == pytest.approx(got["objective"])
    best_m = _brute_mclp(cost, w, r, p)
    assert got["status"] == "optimal" and got["objective"] == pytest.approx(best_m)
    assert MCLP.from_cost_matrix(cost, weights=w, p=p, radius=r).solve().objective == (
        pytest.approx(best_m)
    )
    lp = bench.lp_arm("mclp", red, best_m)
    assert lp["lp_bound"] >= best_m - 1e-6  # the LP relaxation bounds a maximisation above
    assert 0 <= lp["lp_fixable"] <= red["a"].shape[1]


def test_cpsat_arm_agrees_when_ortools_is_present(bench) -> None:
    pytest.importorskip("ortools")
    rng = np.random.default_rng(1)
    cost = rng.integers(0, 1000, (40, 14)).astype(float)
    w = rng.integers(1, 9, 40).astype(float)
    red = bench.reduced_lscp(cost, 250.0)
    assert (
        bench.cpsat_arm("lscp", red, 30, 1, 2)["objective"]
        == (bench.highs_arm("lscp", red, 30)[0]["objective"])
    )
    red = bench.reduced_mclp(cost, w, 250.0, 3)
    assert bench.cpsat_arm("mclp", red, 30, 1, 2)["objective"] == pytest.approx(
        bench.highs_arm("mclp", red, 30)[0]["objective"]
    )

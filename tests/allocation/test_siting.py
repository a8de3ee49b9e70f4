"""Siting models: known optima (OR-Library), brute force, spopt on the same matrices, bad input."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from allocation._orlib import read_pmed
from allocation.siting import LSCP, MCLP, PCenter, PMedian, coverage_curve, plot_coverage_curve
from geo.errors import InfeasibleError, ValidationError


def _optima(path: Path) -> dict[str, float]:
    rows = (line.split() for line in path.read_text().splitlines() if line.strip())
    return {name: float(value) for name, value in rows}


# --------------------------------------------------------------------------- OR-Library


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_pmedian_reaches_orlib_optimum(orlib_dir: Path, k: int) -> None:
    cost, p = read_pmed(orlib_dir / f"pmed{k}.txt")
    result = PMedian.from_cost_matrix(cost, p=p).solve(time_limit=60)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(_optima(orlib_dir / "pmedian_optima.txt")[f"pmed{k}"])
    assert result.bound == pytest.approx(result.objective)
    assert len(result.selected) == p
    # the objective is the real sum of nearest distances of the selection
    open_cols = [int(c) for c in result.selected]
    assert cost[:, open_cols].min(axis=1).sum() == pytest.approx(result.objective)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_pcenter_reaches_published_radius(orlib_dir: Path, k: int) -> None:
    cost, p = read_pmed(orlib_dir / f"pmed{k}.txt")
    result = PCenter.from_cost_matrix(cost, p=p).solve(time_limit=60)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(_optima(orlib_dir / "pcenter_optima.txt")[f"pmed{k}"])
    open_cols = [int(c) for c in result.selected]
    assert cost[:, open_cols].min(axis=1).max() == pytest.approx(result.objective)


def test_orlib_reader_keeps_the_last_duplicate_edge(tmp_path: Path) -> None:
    f = tmp_path / "pmedX.txt"
    f.write_text(" 3 3 1\n 1 2 10\n 2 3 5\n 2 1 4\n")
    cost, p = read_pmed(f)
    assert p == 1
    assert cost[0, 1] == 4 and cost[1, 0] == 4 and cost[0, 2] == 9


# --------------------------------------------------------------------------- brute force


def _brute(
    cost: np.ndarray, w: np.ndarray, fixed: np.ndarray, p: int, r: float
) -> dict[str, float]:
    free = np.flatnonzero(~fixed)
    pm, pc, mc = [], [], []
    for s in itertools.combinations(free, p):
        open_ = fixed.copy()
        open_[list(s)] = True
        d = cost[:, open_].min(axis=1)
        pm.append(float(w @ d))
        pc.append(float(d.max()))
        mc.append(float(w[d <= r].sum()))
    cov = cost <= r
    need = ~cov[:, fixed].any(axis=1) & cov.any(axis=1)
    ls = None
    for k in range(free.size + 1):
        for s in itertools.combinations(free, k):
            if not need.any() or cov[np.ix_(need, list(s))].any(axis=1).all():
                ls = k
                break
        if ls is not None:
            break
    return {"pmedian": min(pm), "pcenter": min(pc), "mclp": max(mc), "lscp": float(ls)}


@pytest.mark.parametrize("seed", range(6))
def test_all_models_match_brute_force_with_fixed_facilities(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 1000, (14, 8)).astype(float)
    w = rng.integers(0, 40, 14).astype(float)
    fixed = np.zeros(8, dtype=bool)
    fixed[: seed % 3] = True
    p, r = 2, 330.0
    want = _brute(cost, w, fixed, p, r)
    got = {
        "pmedian": PMedian.from_cost_matrix(cost, weights=w, fixed=fixed, p=p).solve(),
        "pcenter": PCenter.from_cost_matrix(cost, weights=w, fixed=fixed, p=p).solve(),
        "mclp": MCLP.from_cost_matrix(cost, weights=w, fixed=fixed, p=p, radius=r).solve(),
        "lscp": LSCP.from_cost_matrix(cost, fixed=fixed, radius=r).solve(),
    }
    for name, res in got.items():
        assert res.status == "optimal", name
        assert res.objective == pytest.approx(want[name]), name
        assert set(res.fixed) == {str(j) for j in np.flatnonzero(fixed)}
        assert not set(res.selected) & set(res.fixed), "a fixed facility was counted as new"
    assert len(got["pmedian"].selected) == p


# --------------------------------------------------------------------------- spopt


def _spopt_solver():
    import pulp

    return pulp.PULP_CBC_CMD(msg=False)


def _spopt_objective(model) -> float:
    import pulp

    assert model.problem.status == pulp.LpStatusOptimal
    assert model.problem.sol_status == pulp.LpSolutionOptimal
    return float(pulp.value(model.problem.objective))


@pytest.mark.parametrize("seed", [0, 1])
def test_objectives_equal_spopt(seed: int) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from spopt.locate import LSCP as SLSCP
        from spopt.locate import MCLP as SMCLP
        from spopt.locate import PCenter as SPCenter
        from spopt.locate import PMedian as SPMedian

    rng = np.random.default_rng(100 + seed)
    pts_d, pts_c = rng.uniform(0, 3000, (30, 2)), rng.uniform(0, 3000, (12, 2))
    cost = np.round(np.linalg.norm(pts_d[:, None] - pts_c[None], axis=2), 1)
    w = rng.integers(1, 60, 30).astype(float)
    fixed = np.zeros(12, dtype=bool)
    fixed[[2, 7]] = bool(seed)
    n_fixed = int(fixed.sum())
    p, r = 3, 900.0
    r_ls = max(
        r, float(np.ceil(cost.min(axis=1).max()))
    )  # spopt's LSCP fails when a point is uncoverable
    pre = fixed.astype(int) if seed else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s_pm = SPMedian.from_cost_matrix(cost, w, p + n_fixed, predefined_facilities_arr=pre).solve(
            _spopt_solver()
        )
        s_pc = SPCenter.from_cost_matrix(cost, p + n_fixed, predefined_facilities_arr=pre).solve(
            _spopt_solver()
        )
        s_mc = SMCLP.from_cost_matrix(cost, w, r, p + n_fixed, predefined_facilities_arr=pre).solve(
            _spopt_solver()
        )
        s_ls = SLSCP.from_cost_matrix(cost, r_ls, predefined_facilities_arr=pre).solve(
            _spopt_solver()
        )
    ours_pm = PMedian.from_cost_matrix(cost, weights=w, fixed=fixed, p=p).solve()
    ours_pc = PCenter.from_cost_matrix(cost, weights=w, fixed=fixed, p=p).solve()
    ours_mc = MCLP.from_cost_matrix(cost, weights=w, fixed=fixed, p=p, radius=r).solve()
    ours_ls = LSCP.from_cost_matrix(cost, weights=w, fixed=fixed, radius=r_ls).solve()
    assert ours_pm.objective == pytest.approx(_spopt_objective(s_pm))
    assert ours_pc.objective == pytest.approx(_spopt_objective(s_pc))
    assert ours_mc.objective == pytest.approx(_spopt_objective(s_mc))
    # spopt counts the predefined facilities in the LSCP objective; ours counts new posts only
    assert ours_ls.objective + n_fixed == pytest.approx(_spopt_objective(s_ls))


def test_capacitated_pmedian_equals_spopt() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from spopt.locate import PMedian as SPMedian

    rng = np.random.default_rng(7)
    cost = rng.integers(50, 2000, (16, 6)).astype(float)
    w = rng.integers(1, 20, 16).astype(float)
    caps = np.full(6, w.sum() / 2.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = SPMedian.from_cost_matrix(cost, w, 3, facility_capacities=caps).solve(_spopt_solver())
    ours = PMedian.from_cost_matrix(cost, weights=w, p=3, capacities=caps).solve()
    uncap = PMedian.from_cost_matrix(cost, weights=w, p=3).solve()
    assert ours.status == "optimal"
    assert ours.objective == pytest.approx(_spopt_objective(s))
    assert ours.objective >= uncap.objective - 1e-9
    load: dict[str, float] = {}
    for i, j in ours.assignment.items():
        load[j] = load.get(j, 0.0) + w[int(i)]
    assert max(load.values()) <= caps[0] + 1e-9


# --------------------------------------------------------------------------- behaviour


def test_existing_facilities_are_kept_and_covered_demand_dropped() -> None:
    cost = np.array([[100.0, 900.0, 800.0], [850.0, 120.0, 900.0], [900.0, 950.0, 90.0]])
    res = MCLP.from_cost_matrix(cost, weights=[10, 20, 30], fixed=["0"], p=1, radius=300).solve()
    assert res.fixed == ("0",)
    assert res.selected == ("2",)  # 30 beats 20
    assert res.objective == 40.0 and res.covered_weight == 40.0
    ls = LSCP.from_cost_matrix(cost, fixed=["0"], radius=300).solve()
    assert ls.objective == 2.0 and ls.selected == ("1", "2")


def test_lscp_reports_unreachable_demand_and_excludes_it() -> None:
    cost = np.array([[100.0, 900.0], [800.0, 200.0], [5000.0, 4000.0]])
    res = LSCP.from_cost_matrix(cost, radius=300, demand_ids=["a", "b", "far"]).solve()
    assert res.excluded == ("far",)
    assert "far" in res.message and "excluded" in res.message
    assert res.objective == 2.0 and res.assignment["far"] is None


def test_pmedian_excludes_demand_that_reaches_nothing() -> None:
    cost = np.array([[0.0, 5.0], [5.0, 0.0], [np.inf, np.inf]])
    res = PMedian.from_cost_matrix(cost, p=1, demand_ids=["a", "b", "island"]).solve()
    assert res.excluded == ("island",) and "island" in res.message
    assert res.objective == 5.0


def test_result_is_json_serialisable() -> None:
    res = PMedian.from_cost_matrix([[0.0, 5.0, 9.0], [5.0, 0.0, 4.0], [9.0, 4.0, 0.0]], p=1).solve()
    data = json.loads(json.dumps(res.to_dict()))
    assert data["objective"] == 9.0 and data["selected"] == ["1"] and data["status"] == "optimal"
    assert data["gap"] == 0.0 and data["assignment"] == {"0": "1", "1": "1", "2": "1"}


def test_time_limit_returns_best_found_and_says_so() -> None:
    rng = np.random.default_rng(3)
    pts = rng.uniform(0, 5000, (400, 2))
    cost = np.linalg.norm(pts[:, None] - pts[None, ::2], axis=2)
    res = PMedian.from_cost_matrix(cost, p=4).solve(time_limit=0.05)
    assert len(res.selected) == 4 and np.isfinite(res.objective)
    if res.status != "optimal":  # the proof may not fit in 0.05 s: then it must say so
        assert res.status == "time_limit" and res.gap > 0 and "not proven" in res.message
        assert res.bound <= res.objective


def test_coverage_curve_is_exact_and_monotone() -> None:
    rng = np.random.default_rng(5)
    cost = rng.uniform(0, 2000, (40, 15))
    w = rng.integers(1, 30, 40).astype(float)
    model = MCLP.from_cost_matrix(cost, weights=w, fixed=[0], p=1, radius=400)
    df = coverage_curve(model, 4)
    assert list(df["p"]) == [0, 1, 2, 3, 4]
    assert (np.diff(df["covered_weight"]) >= -1e-9).all()
    for p in (2, 4):
        assert df.loc[p, "covered_weight"] == pytest.approx(model.with_p(p).solve().objective)
    assert df.loc[1, "gain"] == pytest.approx(
        df.loc[1, "covered_weight"] - df.loc[0, "covered_weight"]
    )
    assert df.loc[4, "share"] == pytest.approx(df.loc[4, "covered_weight"] / w.sum())
    fig = plot_coverage_curve(df)
    assert type(fig).__name__ == "Figure" and fig.axes


# --------------------------------------------------------------------------- bad input


def test_p_larger_than_candidates_says_what_to_change() -> None:
    with pytest.raises(InfeasibleError, match=r"p=3 new posts .* only 2 candidate.*lower `p`"):
        PMedian.from_cost_matrix(np.ones((4, 3)), fixed=[0], p=3)


@pytest.mark.parametrize("radius", [0, -5, float("nan"), None])
def test_radius_must_be_positive(radius: float | None) -> None:
    with pytest.raises(ValidationError, match=r"`radius`.*radius in metres > 0"):
        MCLP.from_cost_matrix(np.ones((2, 2)), p=1, radius=radius)


def test_nan_weights_are_named() -> None:
    with pytest.raises(ValidationError, match=r"NaN weight for demand e2"):
        PMedian.from_cost_matrix(
            np.ones((3, 2)), weights=[1, 2, np.nan], p=1, demand_ids=["e0", "e1", "e2"]
        )


def test_bad_cost_matrix_reports_every_problem() -> None:
    cost = np.array([[1.0, np.nan], [-2.0, 3.0]])
    with pytest.raises(ValidationError) as info:
        LSCP.from_cost_matrix(cost, radius=5, weights=[1.0], fixed=["zz"])
    text = str(info.value)
    for part in (
        "NaN distances",
        "negative distances",
        "1 weights for 2",
        "unknown candidate ids ['zz']",
    ):
        assert part in text


def test_unused_and_missing_parameters_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"PMedian does not use `radius`"):
        PMedian.from_cost_matrix(np.ones((2, 2)), p=1, radius=100)
    with pytest.raises(ValidationError, match=r"needs `p`"):
        PCenter.from_cost_matrix(np.ones((2, 2)))


def test_capacities_too_small_is_infeasible() -> None:
    with pytest.raises(InfeasibleError, match=r"hold at most 2.*total demand 10"):
        PMedian.from_cost_matrix(np.ones((2, 3)), weights=[5, 5], p=2, capacities=[1, 1, 1])


def test_p_zero_needs_existing_facilities() -> None:
    with pytest.raises(InfeasibleError, match=r"nothing would be open"):
        PCenter.from_cost_matrix(np.ones((2, 2)), p=0).solve()
    res = PMedian.from_cost_matrix(np.array([[3.0, 1.0], [4.0, 2.0]]), p=0, fixed=[0]).solve()
    assert res.objective == 7.0 and res.selected == ()


@pytest.mark.parametrize("integral", [True, False])
def test_lagrangian_fixing_never_removes_a_better_solution(integral: bool) -> None:
    from allocation._heuristics import lagrangian_median

    rng = np.random.default_rng(11)
    for trial in range(12):
        cost = rng.integers(1, 60, (18, 9)).astype(float)
        if not integral:
            cost += rng.random(cost.shape)
        w = rng.integers(1, 4, 18).astype(float)
        d_fix = np.full(18, np.inf) if trial % 2 else rng.integers(20, 80, 18).astype(float)
        p = 2 + trial % 3
        values = {}
        for s in itertools.combinations(range(9), p):
            values[s] = float(w @ np.minimum(d_fix, cost[:, list(s)].min(axis=1)))
        best = min(values.values())
        upper = best + (1.0 if integral else 0.5) + trial % 3  # the optimum is better than `upper`
        res = lagrangian_median(
            cost, w, d_fix, p, upper, integral=integral, iterations=5 + 20 * trial
        )
        assert res.bound <= best + 1e-9
        target = min(upper, res.best_value)  # fixings hold for solutions better than this
        assert res.best_value >= best - 1e-9
        better = [
            set(s) for s, v in values.items() if v < target - (1.0 - 1e-9 if integral else 1e-9)
        ]
        for s in better:
            assert not any(res.closed[j] for j in s), (trial, "closed a site of a better solution")
            assert all(j in s for j in np.flatnonzero(res.opened)), (
                trial,
                "forced a site it does not use",
            )


def test_warm_started_solution_is_checked_against_highs_report() -> None:
    """HiGHS 1.16 may hand back the warm start as ``x`` with another objective: caught and re-solved."""
    from allocation import _formulations as f
    from allocation._heuristics import greedy_cover
    from allocation._highs import _consistent, _run, solve_mip

    rng = np.random.default_rng(0)  # bench/bench_siting.py's instance(1000, 400, seed=0)
    side = 1000.0 * np.sqrt(1000 / 50.0)
    dem, cand = rng.uniform(0, side, (1000, 2)), rng.uniform(0, side, (400, 2))
    cost = np.sqrt(((dem[:, None] - cand[None]) ** 2).sum(axis=2)).round(1)
    rng.integers(1, 501, 1000)
    fixed = np.zeros(400, dtype=bool)
    fixed[rng.choice(400, 40, replace=False)] = True
    cov = cost <= 400.0
    need = ~cov[:, fixed].any(axis=1) & cov.any(axis=1)
    a, _, _ = f.group_rows(f.cover_matrix(cost[:, ~fixed], 400.0)[np.flatnonzero(need)])
    problem = f.lscp_problem(a)
    start = np.zeros(a.shape[1])
    start[greedy_cover(a)] = 1.0
    raw = _run(problem, time_limit=60, start=start, options=None)
    checked = solve_mip(problem, time_limit=60, start=start)
    cold = solve_mip(problem, time_limit=60)
    assert _consistent(problem, checked) and checked.objective == cold.objective
    assert checked.x.sum() == pytest.approx(cold.objective)
    if not _consistent(problem, raw):  # the HiGHS defect is present in this build
        assert raw.x.sum() != pytest.approx(raw.objective)
    res = LSCP.from_cost_matrix(cost, fixed=fixed, radius=400.0).solve()
    assert res.objective == cold.objective and len(res.selected) == res.objective


@pytest.mark.parametrize("k", [16, 22])
def test_pmedian_branch_with_compiled_nodes_reaches_orlib_optimum(
    orlib_dir: Path, k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small p (5, 10): the tree on sites proves the optimum with the numba node kernel."""
    from allocation import _lagrange

    monkeypatch.setattr(_lagrange, "_COMPILE_AFTER", -1.0)  # compiled from the first node
    used = []
    real = _lagrange._compiled_ascent
    monkeypatch.setattr(_lagrange, "_compiled_ascent", lambda: used.append(real()) or used[-1])
    cost, p = read_pmed(orlib_dir / f"pmed{k}.txt")
    result = PMedian.from_cost_matrix(cost, p=p).solve(time_limit=60)
    assert used and used[0] is not None
    assert result.status == "optimal" and result.stats["branch_nodes"] >= 1
    assert result.objective == pytest.approx(_optima(orlib_dir / "pmedian_optima.txt")[f"pmed{k}"])
    assert result.bound == pytest.approx(result.objective)

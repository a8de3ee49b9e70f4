"""HiGHS and CP-SAT raced on the reduced LSCP / MCLP models (allocation/_race.py).

Exact against brute force and against HiGHS alone, the combination of the two arms' figures
when neither proves, the race really running, and no thread left behind.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("ortools")

from allocation import _cpsat, _race, siting
from allocation import _formulations as _f
from allocation._highs import MipOutcome, solve_mip
from allocation.siting import LSCP, MCLP


def _uniform(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Demand and candidates uniform in a 5 km square, integer weights (issue 16's family)."""
    rng = np.random.default_rng(seed)
    dem, cand = rng.uniform(0, 5000, (n, 2)), rng.uniform(0, 5000, (m, 2))
    cost = np.rint(np.sqrt(((dem[:, None] - cand[None]) ** 2).sum(axis=2)))
    return cost, rng.integers(50, 601, n).astype(float)


def _brute(cost: np.ndarray, w: np.ndarray, fixed: np.ndarray, p: int, r: float) -> tuple:
    cov = cost <= r
    free = np.flatnonzero(~fixed)
    mclp = max(
        float(w[cov[:, fixed | np.isin(np.arange(cost.shape[1]), s)].any(axis=1)].sum())
        for s in itertools.combinations(free, p)
    )
    need = ~cov[:, fixed].any(axis=1) & cov.any(axis=1)
    for k in range(free.size + 1):
        if any(
            cov[np.ix_(need, list(s))].any(axis=1).all() for s in itertools.combinations(free, k)
        ):
            return float(k), mclp
    raise AssertionError("no cover")


def _os_threads() -> int:
    return len(os.listdir("/proc/self/task")) if Path("/proc/self/task").is_dir() else 0


@pytest.fixture
def race_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """CP-SAT starts beside HiGHS at once, so that every model with rows left is raced."""
    monkeypatch.setattr(siting, "_HIGHS_FIRST_SECONDS", 0.0)


@pytest.mark.parametrize("seed", range(8))
def test_race_equals_brute_force_with_and_without_existing_facilities(
    race_at_once: None, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 1000, (16, 9)).astype(float)
    w = rng.integers(1, 40, 16).astype(float)
    fixed = np.zeros(9, dtype=bool)
    fixed[: seed % 3] = True
    want_lscp, want_mclp = _brute(cost, w, fixed, 2, 300.0)
    ls = LSCP.from_cost_matrix(cost, fixed=fixed, radius=300).solve()
    mc = MCLP.from_cost_matrix(cost, weights=w, fixed=fixed, p=2, radius=300).solve()
    assert ls.optimal and ls.objective == ls.bound == want_lscp
    assert mc.optimal and mc.objective == pytest.approx(want_mclp) and mc.bound == mc.objective
    assert mc.stats["solver"] in ("race:highs", "race:cp-sat")


@pytest.mark.parametrize("seed", [1, 2])
def test_race_equals_highs_alone_on_medium_instances(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    cost, w = _uniform(700, 160, seed)
    fixed = np.zeros(160, dtype=bool)
    fixed[:3] = True
    r = 600.0
    monkeypatch.setattr(_cpsat, "available", lambda: False)  # the reference: HiGHS alone
    ref_ls = LSCP.from_cost_matrix(cost, fixed=fixed, radius=r).solve(time_limit=300)
    ref_mc = MCLP.from_cost_matrix(cost, weights=w, fixed=fixed, p=8, radius=r).solve(
        time_limit=300
    )
    assert ref_ls.optimal and ref_mc.optimal and ref_mc.stats["solver"] == "highs"
    monkeypatch.undo()
    monkeypatch.setattr(siting, "_HIGHS_FIRST_SECONDS", 0.0)
    ls = LSCP.from_cost_matrix(cost, fixed=fixed, radius=r).solve(time_limit=300)
    mc = MCLP.from_cost_matrix(cost, weights=w, fixed=fixed, p=8, radius=r).solve(time_limit=300)
    assert ls.optimal and ls.objective == ref_ls.objective
    assert mc.optimal and mc.objective == ref_mc.objective
    for res in (ls, mc):  # the race ran: both arms reported, CP-SAT started at once
        race = res.stats["race"]
        assert {"highs", "cp-sat"} <= set(race) and race["cpsat_started_s"] < 60
        assert res.stats["solver"] in ("race:highs", "race:cp-sat")
        winner = race[res.stats["solver"].removeprefix("race:")]
        assert winner["status"] == "optimal" and winner["objective"] == pytest.approx(res.objective)


@pytest.mark.parametrize("model", ["lscp", "mclp"])
def test_neither_proves_within_a_tiny_limit_bound_and_gap_consistent(
    race_at_once: None, model: str
) -> None:
    cost, w = _uniform(1500, 400, 0)
    fixed = np.zeros(400, dtype=bool)
    fixed[:4] = True  # MCLP: their covered weight is in both arms' objective and bound
    if model == "lscp":
        res = LSCP.from_cost_matrix(cost, fixed=fixed, radius=600).solve(time_limit=0.05)
        assert res.bound <= res.objective
    else:
        res = MCLP.from_cost_matrix(cost, weights=w, fixed=fixed, p=16, radius=600).solve(
            time_limit=0.05
        )
        assert res.bound >= res.objective
        sel = [int(c) for c in res.selected] + [0, 1, 2, 3]
        assert res.objective == pytest.approx(w[(cost[:, sel] <= 600).any(axis=1)].sum())
    assert res.status == "time_limit" and res.bound != res.objective
    assert res.gap == pytest.approx(abs(res.objective - res.bound) / res.objective)
    race = res.stats["race"]
    assert {"highs", "cp-sat"} <= set(race)
    bounds = [race[a]["bound"] for a in ("highs", "cp-sat") if race[a]["bound"] is not None]
    if model == "mclp":  # the smaller upper bound of the two, none known: infinite
        assert res.bound == (min(bounds) if bounds else np.inf)
    else:  # the larger lower bound, rounded up; none known: one post (a row is left)
        least = 1 + res.stats["reduction"]["cols_essential"]  # arms' figures count them
        assert res.bound == np.ceil(max([*bounds, least]) - 1e-6)


def test_no_thread_outlives_the_race(race_at_once: None) -> None:
    cost, w = _uniform(500, 120, 3)
    MCLP.from_cost_matrix(cost, weights=w, p=6, radius=600).solve()  # imports, HiGHS's workers
    before, os_before = threading.active_count(), _os_threads()
    for seed in range(3):
        cost, w = _uniform(500, 120, seed)
        res = MCLP.from_cost_matrix(cost, weights=w, p=6, radius=600).solve()
        assert "cp-sat" in res.stats["race"]
        LSCP.from_cost_matrix(cost, radius=600).solve(time_limit=0.05)
        assert threading.active_count() == before
    for _ in range(100):  # native threads (HiGHS's workers, a thread's own exit) go shortly after
        if _os_threads() <= os_before:
            break
        time.sleep(0.05)
    assert _os_threads() <= os_before  # neither arm's native threads pile up
    assert multiprocessing.active_children() == []  # the race uses threads, no process


def test_an_arm_that_raises_stops_the_other_and_leaves_no_thread(
    race_at_once: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> MipOutcome:
        raise RuntimeError("CP-SAT failed")

    monkeypatch.setattr(_cpsat, "solve_cover", broken)
    cost, _ = _uniform(1500, 400, 0)
    before = threading.active_count()
    with pytest.raises(RuntimeError, match="CP-SAT failed"):
        LSCP.from_cost_matrix(cost, radius=600).solve(time_limit=600)
    assert threading.active_count() == before


# ----------------------------------------------------------------- the race itself, scripted


def _scripted_highs(
    seen: dict, *, prove: bool, x: list[float], bound: float, runs_s: float = 30.0
) -> _race.HighsArm:
    """A HiGHS arm that reports ``x`` as an improving solution, then runs until stopped."""

    def arm(limit, start, stop, on_solution):  # type: ignore[no-untyped-def]
        on_solution(np.array(x))
        seen["stopped"] = stop.wait(timeout=0.01 if prove else runs_s)
        status = "optimal" if prove else ("interrupted" if seen["stopped"] else "time_limit")
        return MipOutcome(np.array(x), float(sum(x)), bound, 0.0, status, 0.0)

    return arm


def _scripted_cpsat(seen: dict, out: MipOutcome) -> _race.CpsatArm:
    def arm(limit, hint, on_solver):  # type: ignore[no-untyped-def]
        seen["hint"] = hint.copy()
        return out

    return arm


def test_the_first_proof_stops_the_other_arm() -> None:
    seen: dict = {}
    proof = MipOutcome(np.array([1.0, 0.0, 1.0]), 2.0, 2.0, 0.0, "optimal", 0.1)
    got = _race.race(
        600.0,
        np.ones(3),
        _scripted_highs(seen, prove=False, x=[1.0, 1.0, 0.0], bound=1.0),
        _scripted_cpsat(seen, proof),
        clean=lambda x: x,
        maximise=False,
        first_seconds=0.2,
    )
    assert got.solver == "race:cp-sat" and got.outcome is proof
    assert seen["stopped"]  # HiGHS was interrupted, not left to its 30 s
    assert np.array_equal(seen["hint"], [1, 1, 0])  # CP-SAT hinted with HiGHS's incumbent
    assert got.detail["highs"]["status"] == "interrupted"


@pytest.mark.parametrize("maximise", [False, True])
def test_without_a_proof_the_better_incumbent_and_the_tighter_bound(maximise: bool) -> None:
    seen: dict = {}
    # HiGHS: objective 2 (x sums to 2); CP-SAT: objective 3
    highs_bound, cpsat_bound = (1.5, 1.0) if not maximise else (3.5, 4.0)
    cpsat_out = MipOutcome(np.ones(3), 3.0, cpsat_bound, 0.5, "time_limit", 0.1)
    got = _race.race(
        600.0,
        np.ones(3),
        _scripted_highs(seen, prove=False, x=[1.0, 1.0, 0.0], bound=highs_bound, runs_s=0.3),
        _scripted_cpsat(seen, cpsat_out),
        clean=lambda x: x,
        maximise=maximise,
        first_seconds=0.0,
    )
    # CP-SAT's arm ended first without a proof: the race waited for HiGHS's time limit
    assert not seen["stopped"] and got.outcome.status == "time_limit"
    if maximise:
        assert got.solver == "race:cp-sat" and got.outcome.objective == 3.0
        assert got.outcome.bound == 3.5  # the smaller upper bound (HiGHS's)
    else:
        assert got.solver == "race:highs" and got.outcome.objective == 2.0
        assert got.outcome.bound == 1.5  # the larger lower bound (HiGHS's)
    assert got.outcome.gap == pytest.approx(
        abs(got.outcome.objective - got.outcome.bound) / got.outcome.objective
    )


def test_highs_alone_without_ortools_or_when_it_proves_within_its_head_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict = {}
    never = _scripted_cpsat(seen, MipOutcome(None, float("nan"), 0.0, 0.0, "time_limit", 0.0))
    got = _race.race(
        600.0,
        np.ones(3),
        _scripted_highs(seen, prove=True, x=[1.0, 0.0, 0.0], bound=1.0),
        never,
        clean=lambda x: x,
        maximise=False,
        first_seconds=600.0,
    )
    assert got.solver == "highs" and got.outcome.status == "optimal" and "hint" not in seen
    monkeypatch.setattr(_cpsat, "available", lambda: False)
    got = _race.race(
        600.0,
        np.ones(3),
        lambda limit, start, stop, on_solution: MipOutcome(start, 3.0, 3.0, 0.0, "optimal", 0.0),
        never,
        clean=lambda x: x,
        maximise=False,
        first_seconds=0.0,
    )
    assert got.solver == "highs" and got.detail == {} and "hint" not in seen


# ----------------------------------------------------------------- the arms' hooks


def test_highs_stops_when_asked_and_reports_improving_solutions() -> None:
    cost, w = _uniform(1500, 400, 0)
    a = sp.csr_array((cost <= 600).astype(float))
    problem = _f.mclp_problem(a, w, 16)
    stop, found = threading.Event(), []
    stop.set()  # set before the solve: HiGHS stops at its first interrupt check
    out = solve_mip(problem, time_limit=600, stop=stop, on_solution=found.append)
    assert out.status == "interrupted"
    for x in found:  # every reported solution is feasible
        assert x[:400].sum() <= 16 + 1e-6 and np.all(x[400:] <= a @ x[:400] + 1e-6)


def test_cpsat_max_cover_counts_the_offset_in_objective_and_bound() -> None:
    a = sp.csr_array(np.array([[1, 0], [0, 1], [1, 1]], dtype=float))
    w = np.array([5.0, 3.0, 2.0])
    out = _cpsat.solve_max_cover(a, w, 1, np.zeros(5), time_limit=10, offset=100.0)
    assert out.status == "optimal" and out.objective == out.bound == 107.0

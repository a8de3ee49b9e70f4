"""Warm starts for the exact siting solvers: greedy and vertex substitution.

These never produce a reported optimum on their own: :mod:`allocation.siting` hands their
solution to HiGHS as the first incumbent (and keeps it only as "best found" when the
time limit stops the proof). Every function is vectorised over candidates.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp


def _finite(cost: np.ndarray, d_fix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Replace infinite distances by a large finite penalty (heuristics only)."""
    fin = cost[np.isfinite(cost)]
    big = 10.0 * (float(fin.max()) if fin.size else 1.0) + 1.0
    return np.where(np.isfinite(cost), cost, big), np.where(np.isfinite(d_fix), d_fix, big)


def greedy_median(cost: np.ndarray, weights: np.ndarray, d_fix: np.ndarray, p: int) -> np.ndarray:
    """Greedy add for p-median: open, ``p`` times, the site that cuts total weighted distance most.

    Returns the indices of the chosen free sites (columns of ``cost``).
    """
    c, d = _finite(cost, d_fix)
    chosen: list[int] = []
    for _ in range(min(p, c.shape[1])):
        totals = weights @ np.minimum(c, d[:, None])
        totals[chosen] = np.inf
        j = int(np.argmin(totals))
        chosen.append(j)
        d = np.minimum(d, c[:, j])
    return np.array(sorted(chosen), dtype=np.int64)


def _two_nearest(c: np.ndarray, d_fix: np.ndarray, open_: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest and second-nearest open distance per demand, and the nearest open free site."""
    sub = c[:, open_]
    if open_.size >= 2:
        part = np.argpartition(sub, 1, axis=1)[:, :2]
        a, b = np.take_along_axis(sub, part, axis=1).T
        swap = b < a
        first_col = np.where(swap, part[:, 1], part[:, 0])
        d1, d2 = np.minimum(a, b), np.maximum(a, b)
    else:
        first_col = np.zeros(c.shape[0], dtype=np.int64)
        d1, d2 = sub[:, 0], np.full(c.shape[0], np.inf)
    nearest = open_[first_col]
    fix_first = d_fix < d1
    d2 = np.where(fix_first, d1, np.minimum(d2, d_fix))
    d1 = np.where(fix_first, d_fix, d1)
    nearest = np.where(fix_first, -1, nearest)
    return d1, d2, nearest


def interchange(cost: np.ndarray, weights: np.ndarray, d_fix: np.ndarray, chosen: np.ndarray,
                *, time_budget: float = 5.0) -> np.ndarray:
    """Vertex substitution (Teitz & Bart 1968): swap an open site for a closed one while it pays.

    Each pass tries, for every open site, the best closed replacement (vectorised over all
    candidates) and applies it when it lowers total weighted distance. Stops at a local
    optimum or after ``time_budget`` seconds.
    """
    c, dfix = _finite(cost, d_fix)
    open_ = np.array(sorted(chosen), dtype=np.int64)
    if open_.size == 0 or open_.size >= c.shape[1]:
        return open_
    t0 = time.perf_counter()
    improved = True
    while improved and time.perf_counter() - t0 < time_budget:
        improved = False
        for r in list(open_):
            d1, d2, nearest = _two_nearest(c, dfix, open_)
            current = float(weights @ d1)
            without = np.where(nearest == r, d2, d1)
            totals = weights @ np.minimum(c, without[:, None])
            totals[open_] = np.inf
            j = int(np.argmin(totals))
            if totals[j] < current - 1e-9 * max(abs(current), 1.0):
                open_ = np.array(sorted(set(open_.tolist()) - {int(r)} | {j}), dtype=np.int64)
                improved = True
            if time.perf_counter() - t0 > time_budget:
                break
    return open_


def greedy_center(cost: np.ndarray, d_fix: np.ndarray, p: int) -> np.ndarray:
    """Greedy p-center: open, ``p`` times, the site that most lowers the largest distance."""
    c, d = _finite(cost, d_fix)
    chosen: list[int] = []
    for _ in range(min(p, c.shape[1])):
        worst = np.minimum(c, d[:, None]).max(axis=0)
        # tie-break on total distance so that later steps still have something to improve
        total = np.minimum(c, d[:, None]).sum(axis=0)
        worst[chosen] = np.inf
        best = np.flatnonzero(worst == worst.min())
        j = int(best[np.argmin(total[best])])
        chosen.append(j)
        d = np.minimum(d, c[:, j])
    return np.array(sorted(chosen), dtype=np.int64)


def greedy_cover(a: sp.csr_array, weights: np.ndarray | None = None, p: int | None = None) -> np.ndarray:
    """Greedy covering on a 0/1 matrix ``a`` (demand x site).

    With ``p`` None: add the site covering most uncovered rows until all coverable rows are
    covered (set cover, LSCP). With ``p``: add ``p`` sites maximising covered weight (MCLP).
    """
    a_csc = sp.csc_array(a)
    w = np.ones(a.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    coverable = np.asarray(a.sum(axis=1)).ravel() > 0
    uncovered = coverable.astype(np.float64)
    chosen: list[int] = []
    limit = a.shape[1] if p is None else min(p, a.shape[1])
    while len(chosen) < limit and uncovered.any():
        gain = a_csc.T @ (uncovered * w)
        gain[chosen] = -1.0
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        chosen.append(j)
        col = a_csc.indices[a_csc.indptr[j]:a_csc.indptr[j + 1]]
        uncovered[col] = 0.0
    return np.array(sorted(chosen), dtype=np.int64)


def lagrangian_median(cost: np.ndarray, weights: np.ndarray, d_fix: np.ndarray, p: int, upper: float,
                      *, iterations: int = 400, time_budget: float = 5.0) -> tuple[float, np.ndarray, np.ndarray]:
    """Lagrangian lower bound of the p-median (Beasley 1993) and the sites it proves useless.

    The assignment constraints ``sum_j x_ij = 1`` are relaxed with multipliers ``lam_i``:
    ``L(lam) = sum_i lam_i + sum_{p smallest} rho_j`` with
    ``rho_j = sum_i min(0, w_i d_ij - lam_i)`` (existing facilities always open, their
    ``min(0, w_i d_if - lam_i)`` included). Subgradient steps raise ``L`` towards the LP
    bound. A free site ``j`` outside the chosen ``p`` has the penalty ``rho_j - rho_[p]``:
    if ``L + penalty > upper``, no solution better than ``upper`` opens it.

    Returns
    -------
    bound : float
        Best Lagrangian lower bound (a valid lower bound on the optimum).
    closed : ndarray of bool
        Free sites that cannot be in a solution better than ``upper``.
    opened : ndarray of bool
        Free sites that are in every solution better than ``upper``.
    """
    c_d, dfix = _finite(cost, d_fix)
    c = weights[:, None] * c_d
    cf = weights * dfix
    n, m = c.shape
    lam = np.minimum(np.partition(c, min(1, m - 1), axis=1)[:, min(1, m - 1)], cf)
    best = -np.inf
    closed = np.zeros(m, dtype=bool)
    opened = np.zeros(m, dtype=bool)
    step_f, stall = 2.0, 0
    t0 = time.perf_counter()
    for _ in range(iterations):
        red = np.minimum(c - lam[:, None], 0.0)
        rho = red.sum(axis=0)
        fix_term = np.minimum(cf - lam, 0.0)
        order = np.argpartition(rho, p - 1)[:p] if p < m else np.arange(m)
        value = float(lam.sum() + rho[order].sum() + fix_term.sum())
        if not np.isfinite(best) or value > best + 1e-9 * max(1.0, abs(best)):
            best, stall = value, 0
            rho_p = float(rho[order].max())
            rest = np.setdiff1d(np.arange(m), order)
            rho_next = float(rho[rest].min()) if rest.size else np.inf
            closed = np.zeros(m, dtype=bool)
            closed[rest] = value + (rho[rest] - rho_p) > upper + 1e-7 * max(1.0, abs(upper))
            opened = np.zeros(m, dtype=bool)
            opened[order] = value + (rho_next - rho[order]) > upper + 1e-7 * max(1.0, abs(upper))
        else:
            stall += 1
            if stall >= 20:
                step_f, stall = step_f / 2.0, 0
        if upper - best <= 1e-9 * max(1.0, abs(upper)) or step_f < 1e-4 or time.perf_counter() - t0 > time_budget:
            break
        served = (c[:, order] < lam[:, None]).sum(axis=1) + (cf < lam)
        g = 1.0 - served
        norm = float(g @ g)
        if norm == 0:
            break
        lam = lam + step_f * (upper - value) / norm * g
    return best, closed, opened

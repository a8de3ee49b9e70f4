"""Warm starts for the exact siting solvers: greedy and vertex substitution.

These never produce a reported optimum on their own: :mod:`allocation.siting` hands their
solution to HiGHS as the first incumbent (and keeps it only as "best found" when the
time limit stops the proof). Every function is vectorised over candidates.
"""

from __future__ import annotations

import time
from typing import NamedTuple

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


def _two_nearest(
    c: np.ndarray, d_fix: np.ndarray, open_: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def interchange(
    cost: np.ndarray,
    weights: np.ndarray,
    d_fix: np.ndarray,
    chosen: np.ndarray,
    *,
    time_budget: float = 5.0,
) -> np.ndarray:
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


def greedy_cover(
    a: sp.csr_array, weights: np.ndarray | None = None, p: int | None = None
) -> np.ndarray:
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
        col = a_csc.indices[a_csc.indptr[j] : a_csc.indptr[j + 1]]
        uncovered[col] = 0.0
    return np.array(sorted(chosen), dtype=np.int64)


def drop_redundant(a: sp.csr_array, chosen: np.ndarray) -> np.ndarray:
    """Remove sites of a cover whose every row is also covered by another chosen site.

    Sites are tried from the one covering the fewest rows; the result covers the same rows.
    """
    a_csc = sp.csc_array(a)
    sel = np.array(sorted(chosen), dtype=np.int64)
    if sel.size == 0:
        return sel
    times = np.asarray(a_csc[:, sel].sum(axis=1)).ravel()
    keep = np.ones(sel.size, dtype=bool)
    for k in np.argsort(np.diff(a_csc.indptr)[sel], kind="stable"):
        j = sel[k]
        col = a_csc.indices[a_csc.indptr[j] : a_csc.indptr[j + 1]]
        if np.all(times[col] >= 2):
            times[col] -= 1
            keep[k] = False
    return sel[keep]


def swap_cover(
    a: sp.csr_array, weights: np.ndarray, chosen: np.ndarray, *, time_budget: float = 2.0
) -> np.ndarray:
    """Interchange for maximal covering: swap a chosen site for another while covered weight rises.

    For each chosen site ``r`` the best replacement is found with one sparse product (weight
    of the rows that would be uncovered without ``r``, summed per candidate); a swap is made
    when it gains. Stops at a local optimum or after ``time_budget`` seconds.
    """
    a_csr = sp.csr_array(a)
    a_csc = sp.csc_array(a)
    w = np.asarray(weights, dtype=np.float64)
    sel = np.array(sorted(chosen), dtype=np.int64)
    if sel.size == 0 or sel.size >= a.shape[1]:
        return sel
    count = np.asarray(a_csc[:, sel].sum(axis=1)).ravel()
    t0 = time.perf_counter()
    improved = True
    while improved and time.perf_counter() - t0 < time_budget:
        improved = False
        for k in range(sel.size):
            r = sel[k]
            col_r = a_csc.indices[a_csc.indptr[r] : a_csc.indptr[r + 1]]
            lost = float(w[col_r[count[col_r] == 1]].sum())
            free_w = w * (count == 0)
            free_w[col_r[count[col_r] == 1]] = w[col_r[count[col_r] == 1]]
            gain = a_csr.T @ free_w
            gain[sel] = -1.0
            j = int(np.argmax(gain))
            if gain[j] > lost + 1e-9 * max(1.0, lost):
                count[col_r] -= 1
                count[a_csc.indices[a_csc.indptr[j] : a_csc.indptr[j + 1]]] += 1
                sel[k] = j
                improved = True
    return np.sort(sel)


class SortedCosts:
    """Weighted costs ``c`` (n x m, finite) sorted per row, for fast Lagrangian evaluations.

    ``rho_j(lam) = sum_i min(0, c_ij - lam_i)`` only involves the pairs with
    ``c_ij < lam_i``: a prefix of each sorted row. Near the Lagrangian optimum ``lam_i`` is
    about the distance to the nearest open site, so the prefixes hold a small share of the
    n x m pairs (about a tenth on OR-Library pmed36, p = 10): :meth:`rho` gathers only them,
    finding every row's prefix with one ``searchsorted`` over row-offset keys.
    """

    __slots__ = ("cols", "keys", "lo", "m", "n", "row_key", "row_start", "span", "vals")

    def __init__(self, c: np.ndarray) -> None:
        n, m = c.shape
        order = np.argsort(c, axis=1, kind="stable")
        vals = np.take_along_axis(c, order, axis=1)
        self.n, self.m = int(n), int(m)
        self.lo = float(vals.min()) if vals.size else 0.0
        self.span = (float(vals.max()) - self.lo if vals.size else 0.0) + 2.0
        self.vals = vals.ravel()
        self.cols = order.ravel().astype(np.int32)
        self.row_key = np.arange(n) * self.span  # row i's keys lie in [row_key_i, + span - 2]
        self.row_start = np.arange(n, dtype=np.int64) * m
        self.keys = (vals - self.lo + self.row_key[:, None]).ravel()

    def prefix_counts(self, lam: np.ndarray) -> np.ndarray:
        """Per row, how many pairs have ``c_ij < lam_i`` (the sorted row's prefix length)."""
        q = np.clip(lam - self.lo, 0.0, self.span - 1.0) + self.row_key
        counts: np.ndarray = np.searchsorted(self.keys, q, side="left") - self.row_start
        return counts

    def rho(self, lam: np.ndarray) -> np.ndarray:
        """``rho_j = sum_i min(0, c_ij - lam_i)`` for every column ``j``."""
        cnt = self.prefix_counts(lam)
        pos = np.arange(int(cnt.sum()), dtype=np.int64) + np.repeat(
            self.row_start - (np.cumsum(cnt) - cnt), cnt
        )
        gain = self.vals[pos] - np.repeat(lam, cnt)
        np.minimum(gain, 0.0, out=gain)  # float safety at the prefix boundary
        return np.bincount(self.cols[pos], weights=gain, minlength=self.m)


class Lagrangian(NamedTuple):
    """Outcome of :func:`lagrangian_median` (see its Returns)."""

    bound: float
    closed: np.ndarray
    opened: np.ndarray
    best_sites: np.ndarray
    best_value: float
    bound_sites: np.ndarray
    lam: np.ndarray


def lagrangian_median(
    cost: np.ndarray,
    weights: np.ndarray,
    d_fix: np.ndarray,
    p: int,
    upper: float,
    *,
    iterations: int = 600,
    time_budget: float = 5.0,
    integral: bool = False,
    lam0: np.ndarray | None = None,
) -> Lagrangian:
    """Lagrangian lower bound of the p-median (Beasley 1993) and the sites it rules out.

    The assignment constraints ``sum_j x_ij = 1`` are relaxed with multipliers ``lam_i``:
    ``L(lam) = sum_i lam_i + sum_{p smallest} rho_j`` with
    ``rho_j = sum_i min(0, w_i d_ij - lam_i)``; existing facilities are always open and enter
    as one site per demand (its nearest), which keeps ``L`` a valid bound. Subgradient steps
    raise ``L`` towards the LP bound; the ``p`` sites of every iterate are evaluated as a
    primal solution (Lagrangian heuristic) to lower ``upper``. A free site ``j`` outside the
    chosen ``p`` has the penalty ``rho_j - rho_[p]``: when ``L + penalty > upper`` no solution
    better than ``upper`` opens it; symmetrically a chosen site can be forced open.
    With ``integral`` (every weight x distance an integer) "better" means at least 1 lower,
    so the bound is rounded up and the tests use ``upper - 1``.

    Returns
    -------
    bound : float
        Best Lagrangian lower bound (valid for the optimum).
    closed, opened : ndarray of bool
        Free sites ruled out / forced open for any solution better than ``best_value``.
    best_sites : ndarray of int
        Best primal selection met (free-site columns); empty when none beat ``upper``.
    best_value : float
        Its total weighted distance (``upper`` when none was better).
    bound_sites : ndarray of int
        The ``p`` sites chosen at the best bound: a good start for vertex substitution.
    lam : ndarray
        Multipliers at the best bound (pass as ``lam0`` to restart from them).
    """
    c_d, dfix = _finite(cost, d_fix)
    c = weights[:, None] * c_d
    cf = weights * dfix
    m = c.shape[1]
    second = min(1, m - 1)
    lam = (
        np.minimum(np.partition(c, second, axis=1)[:, second], cf) if lam0 is None else lam0.copy()
    )
    best, best_rho, best_order, best_lam = -np.inf, np.zeros(m), np.arange(min(p, m)), lam.copy()
    best_sites, best_value = np.array([], dtype=np.int64), upper
    pos = weights > 0
    step_f, stall = 2.0, 0
    t0 = time.perf_counter()
    sc = SortedCosts(c)
    for _ in range(iterations):
        rho = sc.rho(lam)
        order = np.argpartition(rho, p - 1)[:p] if p < m else np.arange(m)
        value = float(lam.sum() + rho[order].sum() + np.minimum(cf - lam, 0.0).sum())
        primal = np.minimum(d_fix, cost[:, order].min(axis=1))
        primal_value = float(np.sum(weights[pos] * primal[pos]))
        if primal_value < best_value:
            best_value, best_sites = primal_value, np.sort(order)
        if not np.isfinite(best) or value > best + 1e-9 * max(1.0, abs(best)):
            best, best_rho, best_order, best_lam, stall = value, rho, order, lam.copy(), 0
        else:
            stall += 1
            if stall >= 20:
                step_f, stall = step_f / 2.0, 0
        target = min(best_value, upper)
        slack = (1.0 - 1e-6) if integral else 1e-9 * max(1.0, abs(target))
        if target - best <= slack or step_f < 1e-4 or time.perf_counter() - t0 > time_budget:
            break
        served = (c[:, order] < lam[:, None]).sum(axis=1) + (cf < lam)
        g = 1.0 - served
        norm = float(g @ g)
        if norm == 0:
            break
        lam = lam + step_f * (target - value) / norm * g
    target = min(best_value, upper)
    tol = 1e-7 * max(1.0, abs(target))
    if integral:  # a better solution is at least 1 lower; the penalties use the raw bound
        target -= 1.0
    rest = np.setdiff1d(np.arange(m), best_order)
    rho_p = float(best_rho[best_order].max()) if best_order.size else 0.0
    rho_next = float(best_rho[rest].min()) if rest.size else np.inf
    closed = np.zeros(m, dtype=bool)
    closed[rest] = best + (best_rho[rest] - rho_p) > target + tol
    opened = np.zeros(m, dtype=bool)
    opened[best_order] = best + (rho_next - best_rho[best_order]) > target + tol
    if integral:  # round the bound itself up (sums of integers), with a margin for float error
        best = float(np.ceil(best - 1e-6 * max(1.0, abs(best))))
    return Lagrangian(best, closed, opened, best_sites, best_value, np.sort(best_order), best_lam)


def multistart_median(
    cost: np.ndarray,
    weights: np.ndarray,
    d_fix: np.ndarray,
    p: int,
    *,
    starts: int = 10,
    time_budget: float = 5.0,
    seed: int = 0,
) -> np.ndarray:
    """Vertex substitution from the greedy solution, then from random ones (seeded), keeping the best.

    One-swap local optima can sit 1 % above the optimum (OR-Library pmed22); a few random
    restarts usually reach it. Reproducible: the random starts come from ``seed``.
    """
    t0 = time.perf_counter()
    c, dfix = _finite(cost, d_fix)

    def value(sel: np.ndarray) -> float:
        return (
            float(weights @ np.minimum(dfix, c[:, sel].min(axis=1)))
            if sel.size
            else float(weights @ dfix)
        )

    best = interchange(
        cost, weights, d_fix, greedy_median(cost, weights, d_fix, p), time_budget=time_budget
    )
    best_value = value(best)
    rng = np.random.default_rng(seed)
    for _ in range(starts):
        left = time_budget - (time.perf_counter() - t0)
        if left <= 0 or p >= cost.shape[1]:
            break
        sel = interchange(
            cost, weights, d_fix, rng.choice(cost.shape[1], p, replace=False), time_budget=left
        )
        v = value(sel)
        if v < best_value - 1e-9 * max(1.0, abs(best_value)):
            best, best_value = sel, v
    return best

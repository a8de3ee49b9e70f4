"""Branch and bound on sites with the Lagrangian bound of the p-median (Beasley 1993).

Used by :class:`allocation.siting.PMedian` for small ``p`` before the radius MIP: the
Lagrangian bound of :func:`allocation._heuristics.lagrangian_median` is computed again at
every node of a depth-first tree whose nodes force sites open or closed. A node is pruned
when its bound shows that it holds no solution better than the incumbent; penalty tests
force more sites open or closed inside a node. The search only claims optimality when the
whole tree has been explored; otherwise the caller goes on with HiGHS.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from allocation._heuristics import SortedCosts, _finite

_COMPILE_AFTER = 1.0
"""CPU seconds of branching after which the numba node kernel is imported and used.

Importing numba and loading the cached kernel costs about 0.6 s of CPU: trees that numpy
finishes within this budget (most OR-Library ones) never pay it, and a larger tree pays at
most this much before switching. CPU rather than wall time, so a loaded machine does not
trigger the import early."""


@dataclass(frozen=True)
class BranchOutcome:
    """Result of :func:`branch_median`.

    Attributes
    ----------
    proven : bool
        True when the tree was exhausted: ``best_sites`` is optimal.
    best_sites : ndarray of int
        Best selection found (free-site columns).
    best_value : float
        Its total weighted distance.
    nodes : int
        Nodes explored.
    """

    proven: bool
    best_sites: np.ndarray
    best_value: float
    nodes: int


def node_bound(
    sc: SortedCosts, cf: np.ndarray, lam: np.ndarray, k: int, free: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Lagrangian bound of a node: ``k`` more sites among ``free``, ``cf`` the open distances.

    ``cf`` holds, per demand, the weighted distance to the nearest existing facility or site
    forced open at this node: all of them enter as one always-open site per demand (the
    constraint "served at most once by them" is kept in the subproblem, which is valid and
    makes the bound stronger than counting each forced site's ``rho`` apart).

    Returns the bound, ``rho`` per site, and the ``k`` free sites chosen (smallest ``rho``).
    """
    rho = sc.rho(lam)
    cand = np.flatnonzero(free)
    pick = (
        cand[np.argpartition(rho[cand], k - 1)[:k]]
        if 0 < k < cand.size
        else (cand if k > 0 else cand[:0])
    )
    value = float(lam.sum() + rho[pick].sum() + np.minimum(cf - lam, 0.0).sum())
    return value, rho, pick


def penalty_fix(
    bound: float, rho: np.ndarray, pick: np.ndarray, free: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Lagrangian penalty tests (reduced-cost fixing of sites) at a node.

    With the bound ``bound`` reached by choosing ``pick`` (the ``k`` free sites of smallest
    ``rho``), opening a free site ``j`` outside ``pick`` instead of the last chosen one costs at
    least ``rho_j - max(rho[pick])``; closing a chosen ``j`` costs at least
    ``min(rho[rest]) - rho_j``. When ``bound`` plus that penalty exceeds ``level`` (the
    incumbent, or the incumbent minus 1 for integer objectives), no solution at or below
    ``level`` opens (closes) ``j``.

    Returns
    -------
    close, force : ndarray of bool
        Sites to close, sites to force open (masks over all sites).
    """
    close = np.zeros(free.size, dtype=bool)
    force = np.zeros(free.size, dtype=bool)
    if pick.size == 0:
        return close, force
    rest = np.flatnonzero(free)
    rest = rest[~np.isin(rest, pick)]
    rho_last = float(rho[pick].max())
    rho_next = float(rho[rest].min()) if rest.size else np.inf
    close[rest[bound + (rho[rest] - rho_last) > level]] = True
    force[pick[bound + (rho_next - rho[pick]) > level]] = True
    return close, force


def branch_median(
    cost: np.ndarray,
    weights: np.ndarray,
    d_fix: np.ndarray,
    p: int,
    best_sites: np.ndarray,
    *,
    closed: np.ndarray,
    lam: np.ndarray,
    integral: bool,
    time_budget: float,
    iterations: int = 40,
    compiled: bool = True,
) -> BranchOutcome:
    """Depth-first branch and bound on sites with subgradient-optimised Lagrangian bounds.

    Parameters
    ----------
    cost, weights, d_fix : ndarray
        Free-site distances (n x m), demand weights, distance to the nearest existing facility.
    p : int
        New sites to open.
    best_sites : ndarray of int
        Incumbent (``p`` free-site columns); its value is the upper bound.
    closed : ndarray of bool
        Sites already ruled out at the root (no solution better than the incumbent opens them).
    lam : ndarray
        Multipliers to start from (the root's best).
    integral : bool
        Every weight x distance is an integer: a better solution is at least 1 lower.
    time_budget : float
        Seconds; when spent, the search stops unproven.
    iterations : int
        Subgradient iterations per node at most.
    compiled : bool
        Once the tree has used ``_COMPILE_AFTER`` CPU seconds, run each node's subgradient ascent
        with the numba kernel of :mod:`allocation._lagrange_jit` when numba is installed (same
        bound, several times less CPU per node on OR-Library pmed36). Small trees finish with
        numpy before that and never pay the numba import (about 0.6 s of CPU); False, or numba
        missing, uses numpy throughout.
    """
    t0, cpu0 = time.perf_counter(), time.process_time()
    ascend = None  # numpy until the tree has used _COMPILE_AFTER CPU seconds
    best_full = np.sort(np.asarray(best_sites, dtype=np.int64))
    # the tree only ever opens sites not ruled out at the root: work on those columns alone
    keep = ~closed
    keep[best_full] = True
    idx = np.flatnonzero(keep)
    sub = cost[:, idx]
    c_d, dfix = _finite(sub, d_fix)
    c = weights[:, None] * c_d
    cf = weights * dfix
    pos = weights > 0
    m = c.shape[1]
    sc = SortedCosts(c)

    def value_of(sel: np.ndarray) -> float:
        d = np.minimum(d_fix, sub[:, sel].min(axis=1)) if sel.size else d_fix
        return float(np.sum(weights[pos] * d[pos]))

    best = np.searchsorted(idx, best_full)
    upper = value_of(best)
    margin = 1e-9 * max(1.0, abs(upper))

    def prune_level() -> float:  # a node whose bound exceeds this holds nothing better
        return upper - 1.0 + margin if integral else upper - margin

    stack = [(np.zeros(m, dtype=bool), closed[idx].copy(), np.array(lam, dtype=np.float64))]
    nodes = 0
    no_site = np.zeros(0, dtype=np.int64)

    def leaf(sel: np.ndarray) -> None:  # the selection is decided: evaluate it
        nonlocal best, upper
        if sel.size == p:
            v = value_of(sel)
            if v < upper - margin:
                best, upper = np.sort(sel), v

    while stack:
        if time.perf_counter() - t0 > time_budget:
            return BranchOutcome(False, idx[best], upper, nodes)
        opened, shut, lam_n = stack.pop()
        nodes += 1
        op = np.flatnonzero(opened)
        free = ~opened & ~shut
        k, n_free = p - op.size, int(free.sum())
        if k < 0 or n_free < k:
            continue
        if k == 0 or n_free == k:
            leaf(np.concatenate([op, np.flatnonzero(free) if k else no_site]))
            continue
        # sites forced open serve like existing facilities (see node_bound)
        cf_n = np.minimum(cf, c[:, op].min(axis=1)) if op.size else cf
        its = iterations if nodes > 1 else 10 * iterations  # the root's fixing serves every node
        if compiled and ascend is None and time.process_time() - cpu0 > _COMPILE_AFTER:
            ascend, compiled = _compiled_ascent(), False  # looked up once
        if ascend is not None:
            bound, rho, pick, lam_n = ascend(
                c, sc.vals, sc.cols, cf_n, lam_n, k, free, prune_level(), its
            )
        else:
            bound, rho, pick, lam_n = _subgradient(c, sc, cf_n, lam_n, k, free, prune_level(), its)
        leaf(np.concatenate([op, pick]))  # Lagrangian heuristic: the node's p sites
        if bound > prune_level():
            continue
        # penalty tests: a free site outside the k chosen whose opening lifts the bound above
        # the prune level is closed; a chosen one whose closing does is forced open
        close, force = penalty_fix(bound, rho, pick, free, prune_level())
        shut, opened = shut | close, opened | force
        op = np.flatnonzero(opened)
        free = ~opened & ~shut
        k, n_free = p - op.size, int(free.sum())
        if k < 0 or n_free < k:
            continue
        if k == 0 or n_free == k:
            leaf(np.concatenate([op, np.flatnonzero(free) if k else no_site]))
            continue
        # branch on the chosen free site with the most negative rho: "closed" pushed first, so
        # "open" (where good solutions lie) is explored first
        cand = pick[free[pick]]
        j = int(cand[np.argmin(rho[cand])]) if cand.size else int(np.flatnonzero(free)[0])
        shut_j = shut.copy()
        shut_j[j] = True
        open_j = opened.copy()
        open_j[j] = True
        stack.append((opened, shut_j, lam_n))
        stack.append((open_j, shut, lam_n))
    return BranchOutcome(True, idx[best], upper, nodes)


def _compiled_ascent() -> Callable[..., tuple[float, np.ndarray, np.ndarray, np.ndarray]] | None:
    """The numba node kernel, or None when numba is not installed (numpy is used then)."""
    try:
        from allocation._lagrange_jit import node_subgradient
    except ImportError:
        return None
    return node_subgradient


def _subgradient(
    c: np.ndarray,
    sc: SortedCosts,
    cf: np.ndarray,
    lam: np.ndarray,
    k: int,
    free: np.ndarray,
    stop_above: float,
    iterations: int,
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Subgradient ascent of the node bound; stops early once the bound exceeds ``stop_above``.

    Returns the best bound, its ``rho``, its ``k`` chosen free sites and its multipliers.
    """
    best, best_rho, best_pick, best_lam = (
        -np.inf,
        np.zeros(c.shape[1]),
        np.array([], np.int64),
        lam,
    )
    step, stall = 1.0, 0
    target = stop_above + 1.0
    for _ in range(iterations):
        value, rho, pick = node_bound(sc, cf, lam, k, free)
        if value > best + 1e-12 * max(1.0, abs(best)) or not np.isfinite(best):
            best, best_rho, best_pick, best_lam, stall = value, rho, pick, lam, 0
        else:
            stall += 1
            if stall >= 10:
                step, stall = step / 2.0, 0
        if best > stop_above or step < 1e-3:
            break
        served = (c[:, pick] < lam[:, None]).sum(axis=1) + (cf < lam)
        g = 1.0 - served
        norm = float(g @ g)
        if norm == 0:
            break
        lam = lam + step * max(target - value, 1e-9 * max(1.0, abs(value))) / norm * g
    return best, best_rho, best_pick, best_lam

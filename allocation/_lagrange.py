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
from dataclasses import dataclass

import numpy as np

from allocation._heuristics import _finite


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


def _node_bound(
    c: np.ndarray, cf: np.ndarray, lam: np.ndarray, p: int, opened: np.ndarray, free: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Lagrangian bound with ``opened`` forced open and only ``free`` sites else allowed.

    Returns the bound, ``rho`` per site, and the sites chosen (forced + smallest ``rho``).
    """
    rho = np.minimum(c - lam[:, None], 0.0).sum(axis=0)
    k = p - int(opened.sum())
    cand = np.flatnonzero(free)
    pick = (
        cand[np.argpartition(rho[cand], k - 1)[:k]]
        if 0 < k < cand.size
        else (cand if k > 0 else cand[:0])
    )
    chosen = np.concatenate([np.flatnonzero(opened), pick])
    value = float(lam.sum() + rho[chosen].sum() + np.minimum(cf - lam, 0.0).sum())
    return value, rho, chosen


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
    """
    t0 = time.perf_counter()
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

    def value_of(sel: np.ndarray) -> float:
        d = np.minimum(d_fix, sub[:, sel].min(axis=1)) if sel.size else d_fix
        return float(np.sum(weights[pos] * d[pos]))

    best = np.searchsorted(idx, best_full)
    upper = value_of(best)
    margin = 1e-9 * max(1.0, abs(upper))

    def prune_level() -> float:  # a node whose bound exceeds this holds nothing better
        return upper - 1.0 + margin if integral else upper - margin

    stack = [(np.zeros(m, dtype=bool), closed[idx].copy(), lam.copy())]
    nodes = 0
    while stack:
        if time.perf_counter() - t0 > time_budget:
            return BranchOutcome(False, idx[best], upper, nodes)
        opened, shut, lam_n = stack.pop()
        nodes += 1
        free = ~opened & ~shut
        if int(opened.sum()) > p or int(opened.sum()) + int(free.sum()) < p:
            continue
        its = (
            iterations if nodes > 1 else 10 * iterations
        )  # the root's bound and fixing serve every node
        bound, rho, chosen, lam_n = _subgradient(c, cf, lam_n, p, opened, free, prune_level(), its)
        sel = np.sort(chosen)
        v = value_of(sel)
        if v < upper - margin:
            best, upper = sel, v
        if bound > prune_level():
            continue
        # penalty tests: close free sites / force chosen ones open when that proves nothing better
        k = p - int(opened.sum())
        picked = np.setdiff1d(chosen, np.flatnonzero(opened))
        rest = np.setdiff1d(np.flatnonzero(free), picked)
        if k > 0 and picked.size:
            rho_last = float(rho[picked].max())
            rho_next = float(rho[rest].min()) if rest.size else np.inf
            shut = shut.copy()
            shut[rest[bound + (rho[rest] - rho_last) > prune_level()]] = True
            opened = opened.copy()
            opened[picked[bound + (rho_next - rho[picked]) > prune_level()]] = True
        free = ~opened & ~shut
        k = p - int(opened.sum())
        if k == 0 or int(free.sum()) == k:  # a leaf: the selection is decided
            leaf = np.flatnonzero(opened | (free if k > 0 else np.zeros(m, dtype=bool)))
            if leaf.size == p:
                v = value_of(leaf)
                if v < upper - margin:
                    best, upper = np.sort(leaf), v
            continue
        if k < 0 or int(free.sum()) < k:
            continue
        # branch on the chosen free site with the most negative rho: "closed" pushed first, so
        # "open" (where good solutions lie) is explored first
        cand = np.intersect1d(chosen, np.flatnonzero(free))
        j = int(cand[np.argmin(rho[cand])]) if cand.size else int(np.flatnonzero(free)[0])
        shut_j = shut.copy()
        shut_j[j] = True
        open_j = opened.copy()
        open_j[j] = True
        stack.append((opened, shut_j, lam_n))
        stack.append((open_j, shut, lam_n))
    return BranchOutcome(True, idx[best], upper, nodes)


def _subgradient(
    c: np.ndarray,
    cf: np.ndarray,
    lam: np.ndarray,
    p: int,
    opened: np.ndarray,
    free: np.ndarray,
    stop_above: float,
    iterations: int,
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Subgradient ascent of the node bound; stops early once the bound exceeds ``stop_above``."""
    best, best_rho, best_chosen, best_lam = (
        -np.inf,
        np.zeros(c.shape[1]),
        np.array([], np.int64),
        lam,
    )
    step, stall = 1.0, 0
    target = stop_above + 1.0
    for _ in range(iterations):
        value, rho, chosen = _node_bound(c, cf, lam, p, opened, free)
        if value > best + 1e-12 * max(1.0, abs(best)) or not np.isfinite(best):
            best, best_rho, best_chosen, best_lam, stall = value, rho, chosen, lam, 0
        else:
            stall += 1
            if stall >= 10:
                step, stall = step / 2.0, 0
        if best > stop_above or step < 1e-3:
            break
        served = (c[:, chosen] < lam[:, None]).sum(axis=1) + (cf < lam)
        g = 1.0 - served
        norm = float(g @ g)
        if norm == 0:
            break
        lam = lam + step * max(target - value, 1e-9 * max(1.0, abs(value))) / norm * g
    return best, best_rho, best_chosen, best_lam

"""Array builders of the siting MIPs (no Python loop per variable or constraint).

Each builder takes plain arrays of *free* candidates (existing facilities already taken
out and summarised per demand by ``d_fix``, the distance to the nearest one) and returns a
:class:`~allocation._highs.MipProblem` plus what is needed to read a solution back.
The mathematics is written out in ``docs/siting.md`` and the class docstrings of
:mod:`allocation.siting`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from allocation._highs import MipProblem

INF = np.inf


def cover_matrix(cost: np.ndarray, radius: float) -> sp.csr_array:
    """Boolean coverage ``a_ij = cost_ij <= radius`` as a CSR array of ones (float)."""
    rows, cols = np.nonzero(cost <= radius)
    data = np.ones(rows.size, dtype=np.float64)
    return sp.csr_array((data, (rows, cols)), shape=cost.shape)


def group_rows(
    a: sp.csr_array, weights: np.ndarray | None = None
) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """Merge identical rows of a 0/1 matrix (demand points covered by the same sites).

    Returns
    -------
    unique : csr_array
        One row per distinct coverage set.
    inverse : ndarray of int
        ``inverse[i]`` = row of ``unique`` that row ``i`` became.
    weight : ndarray
        Summed weights per unique row (counts when ``weights`` is None).
    """
    a = sp.csr_array(a)
    a.sort_indices()
    rng = np.random.default_rng(12345)
    keys = rng.random((a.shape[1], 2))
    sig = np.column_stack([a @ keys, np.diff(a.indptr)])
    _, first, inverse = np.unique(sig, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    w = np.ones(a.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    summed = np.bincount(inverse, weights=w, minlength=first.size)
    return sp.csr_array(a[first]), inverse, summed


def lscp_problem(a: sp.csr_array) -> MipProblem:
    """Set covering: ``min sum_j y_j`` s.t. ``A y >= 1``, ``y`` binary."""
    n, m = a.shape
    return MipProblem(
        c=np.ones(m),
        a=sp.csr_array(a),
        row_lo=np.ones(n),
        row_hi=np.full(n, INF),
        col_lo=np.zeros(m),
        col_hi=np.ones(m),
        integer=np.ones(m, dtype=bool),
    )


def mclp_problem(a: sp.csr_array, weight: np.ndarray, p: int, offset: float = 0.0) -> MipProblem:
    """Maximal covering: ``max sum_i w_i c_i`` s.t. ``c_i <= sum_j a_ij y_j``, ``sum_j y_j <= p``.

    Columns are ``[y (m), c (n)]``; ``c`` is continuous in [0, 1] (integral at any integer ``y``).
    """
    n, m = a.shape
    cover = sp.hstack([-sp.csr_array(a), sp.eye_array(n, format="csr")], format="csr")
    budget = sp.csr_array(np.concatenate([np.ones(m), np.zeros(n)])[None, :])
    return MipProblem(
        c=np.concatenate([np.zeros(m), weight]),
        a=sp.vstack([cover, budget], format="csr"),
        row_lo=np.full(n + 1, -INF),
        row_hi=np.concatenate([np.zeros(n), [float(p)]]),
        col_lo=np.zeros(m + n),
        col_hi=np.ones(m + n),
        integer=np.concatenate([np.ones(m, dtype=bool), np.zeros(n, dtype=bool)]),
        maximise=True,
        offset=offset,
    )


@dataclass(frozen=True)
class RadiusModel:
    """The radius formulation of p-median and how to map a solution onto it.

    Attributes
    ----------
    problem : MipProblem
        Columns ``[y (m free candidates), z (one per distance level)]``.
    level_demand, level_value : ndarray
        Demand index and distance of each level (z column).
    n_levels_full : int
        Levels before the reduction (distinct finite distances per demand, summed).
    """

    problem: MipProblem
    level_demand: np.ndarray
    level_value: np.ndarray
    n_levels_full: int

    def start(self, y: np.ndarray, d_open: np.ndarray) -> np.ndarray:
        """Column vector for open sites ``y`` whose nearest-open distances are ``d_open``."""
        z = (d_open[self.level_demand] > self.level_value).astype(np.float64)
        return np.concatenate([np.asarray(y, dtype=np.float64), z])


def _guarantee(cost: np.ndarray, d_fix: np.ndarray, p: int) -> np.ndarray:
    """Per demand, a distance within which an open site always lies (``inf`` if none).

    With ``p`` of ``m`` free sites open, one of any ``m - p + 1`` of them is open, so the
    ``(m - p + 1)``-th nearest free site bounds the distance (García, Labbé & Marín 2011);
    an existing facility bounds it too.
    """
    m = cost.shape[1]
    if p <= 0 or m == 0:
        return d_fix.copy()
    k = m - p  # 0-based rank of the (m - p + 1)-th nearest
    kth = np.partition(cost, k, axis=1)[:, k]
    nearest: np.ndarray = np.minimum(kth, d_fix)
    return nearest


def pmedian_radius(cost: np.ndarray, weights: np.ndarray, d_fix: np.ndarray, p: int) -> RadiusModel:
    """Build the radius formulation of the p-median problem (García, Labbé & Marín 2011).

    For demand ``i`` let ``D_i1 < D_i2 < ... < D_iK`` be its distinct distances to free sites
    that are shorter than ``G_i``, the distance within which an open site is guaranteed
    (:func:`_guarantee`), and ``D_i,K+1 = G_i``. ``z_ik = 1`` when no site within ``D_ik``
    is open. Written in chained (sparse) form::

        min  sum_i w_i D_i1 + sum_i sum_k w_i (D_i,k+1 - D_ik) z_ik
        s.t. z_i1 + sum_{j: d_ij = D_i1} y_j >= 1
             z_ik - z_i,k-1 + sum_{j: d_ij = D_ik} y_j >= 0      (k >= 2)
             sum_j y_j = p,  y binary,  z >= 0

    Summing the chain gives the radius constraints ``z_ik + sum_{d_ij <= D_ik} y_j >= 1``
    with the same LP bound, while every ``y_j`` appears once per demand (n x m non-zeros
    at most instead of n x m^2 / 2). When ``G_i`` is infinite (too few reachable sites),
    the last ``z_iK`` is fixed at 0: the demand must be served by a reachable site.
    """
    m = cost.shape[1]
    w = np.asarray(weights, dtype=np.float64)
    cap = _guarantee(cost, d_fix, p)
    rows, cols = np.nonzero(cost < cap[:, None])
    vals = cost[rows, cols]
    order = np.lexsort((vals, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    new_level = np.ones(rows.size, dtype=bool)
    new_level[1:] = (rows[1:] != rows[:-1]) | (vals[1:] != vals[:-1])
    level_of_pair = np.cumsum(new_level) - 1
    n_lev = int(new_level.sum())
    lev_demand = rows[new_level]
    lev_value = vals[new_level]
    first = np.ones(n_lev, dtype=bool)
    first[1:] = lev_demand[1:] != lev_demand[:-1]
    last = np.ones(n_lev, dtype=bool)
    last[:-1] = lev_demand[1:] != lev_demand[:-1]
    next_value = np.empty(n_lev)
    next_value[:-1] = lev_value[1:]
    next_value[last] = cap[lev_demand[last]]
    forced = last & ~np.isfinite(next_value)  # must be served within the reachable sites
    coef = np.where(forced, 0.0, w[lev_demand] * (next_value - lev_value))
    # objective constant: w_i D_i1, or w_i G_i for a demand without any level
    d1 = cap.copy()
    d1[lev_demand[first]] = lev_value[first]
    reach = w > 0
    offset = float(np.sum(w[reach] * d1[reach]))
    # rows = levels; entries: y_j (pairs), +z_k, -z_{k-1}
    prev = np.flatnonzero(~first)
    r_idx = np.concatenate([level_of_pair, np.arange(n_lev), prev])
    c_idx = np.concatenate([cols, m + np.arange(n_lev), m + prev - 1])
    data = np.concatenate([np.ones(cols.size), np.ones(n_lev), -np.ones(prev.size)])
    a_levels = sp.csr_array((data, (r_idx, c_idx)), shape=(n_lev, m + n_lev))
    budget = sp.csr_array(np.concatenate([np.ones(m), np.zeros(n_lev)])[None, :])
    problem = MipProblem(
        c=np.concatenate([np.zeros(m), coef]),
        a=sp.vstack([a_levels, budget], format="csr"),
        row_lo=np.concatenate([first.astype(np.float64), [float(p)]]),
        row_hi=np.concatenate([np.full(n_lev, INF), [float(p)]]),
        col_lo=np.zeros(m + n_lev),
        col_hi=np.concatenate([np.ones(m), np.where(forced, 0.0, 1.0)]),
        integer=np.concatenate([np.ones(m, dtype=bool), np.zeros(n_lev, dtype=bool)]),
        offset=offset,
    )
    return RadiusModel(problem, lev_demand, lev_value, _count_distinct_per_row(cost))


def _count_distinct_per_row(cost: np.ndarray) -> int:
    """Number of distinct finite values per row, summed (size of the unreduced model)."""
    s = np.sort(cost, axis=1)
    fin = np.isfinite(s)
    distinct = fin.copy()
    distinct[:, 1:] &= s[:, 1:] != s[:, :-1]
    return int(distinct.sum())


def pmedian_capacitated(
    cost: np.ndarray, weights: np.ndarray, capacities: np.ndarray, fixed: np.ndarray, p: int
) -> tuple[MipProblem, np.ndarray, np.ndarray]:
    """Textbook capacitated p-median with single-source assignment (as spopt's).

    Columns ``[y (m), x (one per finite pair)]``::

        min  sum_ij w_i d_ij x_ij
        s.t. sum_j x_ij = 1                (each demand assigned once)
             x_ij <= y_j                   (only to an open site)
             sum_i w_i x_ij <= Q_j y_j     (capacity)
             sum_{j free} y_j = p,  y_j = 1 for existing facilities,  x, y binary

    Returns the problem and the ``(row, col)`` index of every ``x`` column.
    """
    n, m = cost.shape
    w = np.asarray(weights, dtype=np.float64)
    pi, pj = np.nonzero(np.isfinite(cost))
    k = pi.size
    xcol = m + np.arange(k)
    assign = sp.csr_array((np.ones(k), (pi, xcol)), shape=(n, m + k))
    link = sp.csr_array(
        (
            np.concatenate([np.ones(k), -np.ones(k)]),
            (np.concatenate([np.arange(k), np.arange(k)]), np.concatenate([xcol, pj])),
        ),
        shape=(k, m + k),
    )
    capr = sp.csr_array(
        (
            np.concatenate([w[pi], -np.asarray(capacities, dtype=np.float64)]),
            (np.concatenate([pj, np.arange(m)]), np.concatenate([xcol, np.arange(m)])),
        ),
        shape=(m, m + k),
    )
    budget = sp.csr_array(
        (
            np.ones(int((~fixed).sum())),
            (np.zeros(int((~fixed).sum()), dtype=int), np.flatnonzero(~fixed)),
        ),
        shape=(1, m + k),
    )
    problem = MipProblem(
        c=np.concatenate([np.zeros(m), w[pi] * cost[pi, pj]]),
        a=sp.vstack([assign, link, capr, budget], format="csr"),
        row_lo=np.concatenate([np.ones(n), np.full(k + m, -INF), [float(p)]]),
        row_hi=np.concatenate([np.ones(n), np.zeros(k + m), [float(p)]]),
        col_lo=np.concatenate([fixed.astype(np.float64), np.zeros(k)]),
        col_hi=np.ones(m + k),
        integer=np.ones(m + k, dtype=bool),
    )
    return problem, pi, pj

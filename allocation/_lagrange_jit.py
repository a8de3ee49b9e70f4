"""Compiled (numba) subgradient ascent of one p-median branch-and-bound node.

Imported only by :func:`allocation._lagrange.branch_median`, and only when numba is
installed, so no other path (``gridplan grid``, ``gridplan site`` on models other than a
small-``p`` median) pays for importing numba. The kernel does what
:func:`allocation._lagrange._subgradient` does with numpy (same bound, same step rule, same
early stop): on the few hundred columns left after the root's fixing, numpy spends most of a
step on call overhead, which one compiled loop removes. ``cache=True`` keeps the compiled code
next to this file, so compilation happens once per machine.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _rho(vals, cols, m, lam, rho):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    rho[:] = 0.0
    n = lam.size
    for i in range(n):
        li = lam[i]
        base = i * m
        for t in range(m):
            v = vals[base + t]
            if v >= li:
                break
            rho[cols[base + t]] += v - li


@njit(cache=True)
def _pick(rho, free_idx, k):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    order = np.argsort(rho[free_idx], kind="mergesort")
    return free_idx[order[:k]].astype(np.int64)


@njit(cache=True)
def node_subgradient(  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    c, vals, cols, cf, lam0, k, free, stop_above, iterations
):
    """Subgradient ascent of the node bound (see :func:`allocation._lagrange._subgradient`).

    Returns the best bound, its ``rho``, its ``k`` chosen free sites and its multipliers.
    """
    n, m = c.shape
    free_idx = np.flatnonzero(free)
    lam = lam0.copy()
    rho = np.empty(m)
    best = -np.inf
    best_rho = np.zeros(m)
    best_pick = np.zeros(0, np.int64)
    best_lam = lam0.copy()
    step = 1.0
    stall = 0
    target = stop_above + 1.0
    g = np.empty(n)
    for _ in range(iterations):
        _rho(vals, cols, m, lam, rho)
        pick = _pick(rho, free_idx, k)
        value = 0.0
        for i in range(n):
            value += lam[i]
            d = cf[i] - lam[i]
            if d < 0.0:
                value += d
        for j in pick:
            value += rho[j]
        if value > best + 1e-12 * max(1.0, abs(best)) or not np.isfinite(best):
            best = value
            best_rho[:] = rho
            best_pick = pick
            best_lam[:] = lam
            stall = 0
        else:
            stall += 1
            if stall >= 10:
                step /= 2.0
                stall = 0
        if best > stop_above or step < 1e-3:
            break
        norm = 0.0
        for i in range(n):
            li = lam[i]
            served = 1 if cf[i] < li else 0
            for j in pick:
                if c[i, j] < li:
                    served += 1
            g[i] = 1.0 - served
            norm += g[i] * g[i]
        if norm == 0.0:
            break
        scale = step * max(target - value, 1e-9 * max(1.0, abs(value))) / norm
        for i in range(n):
            lam[i] += scale * g[i]
    return best, best_rho, best_pick, best_lam


def warm_up() -> float:
    """Compile (or load from the cache) the kernel on a tiny node; returns its bound.

    ``make venv`` calls it once after installing, so the first p-median tree on a machine does
    not pay the compilation (about 8 s of CPU) inside its time limit.
    """
    c = np.array([[1.0, 4.0], [3.0, 1.0], [2.0, 2.0]])
    order = np.argsort(c, axis=1, kind="stable")
    vals = np.take_along_axis(c, order, axis=1).ravel()
    out = node_subgradient(
        c,
        vals,
        order.ravel().astype(np.int32),
        np.full(3, 10.0),
        c.min(axis=1),
        1,
        np.ones(2, dtype=bool),
        1e9,
        5,
    )
    return float(out[0])

"""Classical reductions of covering problems before the MIP (set covering and maximal covering).

A covering problem is a 0/1 matrix ``a`` (rows = demand, columns = candidate sites).
Three reductions, applied in turn until none removes anything (Toregas & ReVelle 1973;
Garfinkel & Nemhauser 1972):

* **row domination** (set covering only): if the cover set of row ``k`` is contained in that
  of row ``i`` (``N_k`` subset of ``N_i``), any selection covering ``k`` covers ``i``: row
  ``i`` is implied and dropped;
* **column domination**: if column ``j`` covers a subset of the rows column ``k`` covers
  (``M_j`` subset of ``M_k``, equal cost), replacing ``j`` by ``k`` never loses: ``j`` is
  dropped (of two identical columns the later one);
* **essential columns** (set covering only): a row covered by one column alone forces that
  column open; the rows it covers are dropped.

For maximal covering (weights, at most ``p`` sites) only column domination is exact (rows
with the same cover set are merged beforehand, weights summed). Subset tests are sparse
products: ``(A A^T)_{ki} = |N_k & N_i|`` equals ``|N_k|`` exactly when ``N_k`` is in ``N_i``;
they run in blocks of rows so that memory stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

#: Rows of the block in the subset tests (bounds the memory of the sparse product).
_BLOCK = 2048


@dataclass(frozen=True)
class Reduction:
    """A reduced covering problem and how it was obtained.

    Attributes
    ----------
    rows : ndarray of int
        Rows of the original matrix kept in the reduced problem.
    cols : ndarray of int
        Columns of the original matrix kept (not dominated, not forced).
    forced : ndarray of int
        Columns forced open (essential columns), original indices.
    removed : dict
        How many rows and columns each reduction removed: ``rows_dominated``,
        ``cols_dominated``, ``cols_essential``, ``rows_covered_by_essential``, and ``passes``.
    """

    rows: np.ndarray
    cols: np.ndarray
    forced: np.ndarray
    removed: dict[str, int] = field(default_factory=dict)

    def matrix(self, a: sp.csr_array) -> sp.csr_array:
        """The reduced matrix: ``a`` restricted to the kept rows and columns."""
        return sp.csr_array(sp.csr_array(a)[self.rows][:, self.cols])


def _contained_in_other(a: sp.csr_array) -> np.ndarray:
    """Rows whose support contains the support of another row (ties: the later of equal rows).

    Returns a boolean mask over rows: ``True`` when some other row ``k`` has ``N_k`` a subset
    of ``N_i`` (for equal supports only the later row is marked).
    """
    a = sp.csr_array(a, dtype=np.float64)
    n = a.shape[0]
    size = np.diff(a.indptr)
    out = np.zeros(n, dtype=bool)
    at = sp.csc_array(a.T)
    for lo in range(0, n, _BLOCK):
        hi = min(n, lo + _BLOCK)
        # s[i - lo, k] = |N_i & N_k| for i in the block, every k
        s = sp.coo_array(a[lo:hi] @ at)
        i, k = s.row + lo, s.col
        sub = (s.data == size[k]) & (k != i)
        # equal supports: only the later row is dominated (the earlier one stays)
        equal = sub & (size[k] == size[i])
        sub &= ~equal | (k < i)
        out[np.unique(i[sub])] = True
    return out


def dominated_columns(a: sp.csr_array) -> np.ndarray:
    """Columns covering a subset of the rows another column covers (see module docstring)."""
    a = sp.csr_array(a)
    empty = np.diff(sp.csc_array(a).indptr) == 0
    return np.asarray(_contained_in_other_cols(a) | empty, dtype=bool)


def _contained_in_other_cols(a: sp.csr_array) -> np.ndarray:
    # column j is dominated when M_j is a subset of M_k: row-containment on the transpose,
    # with the roles reversed (the SMALLER set is the dominated one)
    at = sp.csr_array(sp.csc_array(a).T)
    n = at.shape[0]
    size = np.diff(at.indptr)
    out = np.zeros(n, dtype=bool)
    a_csc = sp.csc_array(a)
    for lo in range(0, n, _BLOCK):
        hi = min(n, lo + _BLOCK)
        s = sp.coo_array(at[lo:hi] @ a_csc)
        j, k = s.row + lo, s.col
        sub = (s.data == size[j]) & (k != j) & (size[j] > 0)
        equal = sub & (size[k] == size[j])
        sub &= ~equal | (k < j)
        out[np.unique(j[sub])] = True
    return out


def reduce_cover(a: sp.csr_array, *, max_passes: int = 50) -> Reduction:
    """Reduce a set-covering matrix (every row must be covered, unit column costs).

    Parameters
    ----------
    a : csr_array, shape (n_rows, n_cols)
        0/1 coverage; every row must have at least one non-zero.
    max_passes : int
        Upper limit on the rounds of the three reductions.

    Returns
    -------
    Reduction
        Optimal covers of the reduced matrix plus ``forced`` are optimal for ``a``.
    """
    a = sp.csr_array(a, dtype=np.float64)
    rows = np.arange(a.shape[0])
    cols = np.arange(a.shape[1])
    forced: list[np.ndarray] = []
    counts = {
        "rows_dominated": 0,
        "cols_dominated": 0,
        "cols_essential": 0,
        "rows_covered_by_essential": 0,
        "passes": 0,
    }
    cur = a
    for _ in range(max_passes):
        counts["passes"] += 1
        changed = False
        # essential columns: rows with a single column
        single = np.diff(cur.indptr) == 1
        if single.any():
            ess = np.unique(cur.indices[cur.indptr[:-1][single]])
            hit = np.asarray(cur[:, ess].sum(axis=1)).ravel() > 0
            forced.append(cols[ess])
            keep_c = np.ones(cols.size, dtype=bool)
            keep_c[ess] = False
            counts["cols_essential"] += int(ess.size)
            counts["rows_covered_by_essential"] += int(hit.sum())
            rows, cols = rows[~hit], cols[keep_c]
            cur = sp.csr_array(cur[~hit][:, keep_c])
            changed = True
        if rows.size == 0:
            break
        dom_r = _contained_in_other(cur)
        if dom_r.any():
            counts["rows_dominated"] += int(dom_r.sum())
            rows = rows[~dom_r]
            cur = sp.csr_array(cur[~dom_r])
            changed = True
        dom_c = dominated_columns(cur)
        if dom_c.any():
            counts["cols_dominated"] += int(dom_c.sum())
            cols = cols[~dom_c]
            cur = sp.csr_array(cur[:, ~dom_c])
            changed = True
        if not changed:
            break
    f = np.sort(np.concatenate(forced)) if forced else np.array([], dtype=np.int64)
    return Reduction(rows, cols, f, counts)


def reduce_max_cover(a: sp.csr_array) -> Reduction:
    """Reduce a maximal-covering matrix: drop dominated columns (rows are kept).

    Parameters
    ----------
    a : csr_array, shape (n_rows, n_cols)
        0/1 coverage, rows already merged by identical cover sets, weights > 0.

    Returns
    -------
    Reduction
        ``rows`` = all rows, ``cols`` = the columns not dominated; an optimal selection of
        at most ``p`` kept columns is optimal for ``a``.
    """
    a = sp.csr_array(a, dtype=np.float64)
    dom = dominated_columns(a)
    return Reduction(
        np.arange(a.shape[0]),
        np.flatnonzero(~dom),
        np.array([], dtype=np.int64),
        {
            "rows_dominated": 0,
            "cols_dominated": int(dom.sum()),
            "cols_essential": 0,
            "rows_covered_by_essential": 0,
            "passes": 1,
        },
    )

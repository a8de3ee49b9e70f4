"""Reader of OR-Library p-median instances (``pmedN.txt``), for tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path


def read_pmed(path: str | Path) -> tuple[np.ndarray, int]:
    """Read an OR-Library ``pmedN.txt`` and return its all-pairs distance matrix and ``p``.

    As OR-Library specifies: vertices are 1-based, an edge listed twice keeps its LAST cost,
    edges are undirected, and the cost matrix is the shortest-path closure.

    Parameters
    ----------
    path : str or Path
        The instance file (first line ``n m p``, then ``m`` lines ``i j c``).

    Returns
    -------
    cost : ndarray, shape (n, n)
        Shortest-path distances (float64).
    p : int
        Number of medians of the instance.
    """
    values = np.array(Path(path).read_text().split(), dtype=np.int64)
    n, m, p = (int(v) for v in values[:3])
    edges = values[3 : 3 + 3 * m].reshape(m, 3)
    i, j, c = edges[:, 0] - 1, edges[:, 1] - 1, edges[:, 2].astype(np.float64)
    # last occurrence wins: keep, per unordered pair, the edge with the highest line number
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    key = lo * n + hi
    _, last_rev = np.unique(key[::-1], return_index=True)
    keep = m - 1 - last_rev
    graph = sp.csr_array((c[keep], (lo[keep], hi[keep])), shape=(n, n))
    return shortest_path(graph, method="D", directed=False), p

"""Graph questions on planning units: connected components, contiguity, neighbouring grids,
and the incremental "does this group stay connected without that unit" check.

This is the one place where the engine answers connectivity questions. The adjacency of a
:class:`~geo.grids.units.UnitGraph` is held once as a sparse matrix (:class:`Adjacency`,
cached as ``UnitGraph.adjacency``); components of the whole graph or of any group of units
come from :func:`scipy.sparse.csgraph.connected_components` on that matrix (or on the
group's own small matrix when only a neighbour mapping is at hand).

Two routines stay hand-written because ``bench/bench_graph.py`` measures them faster: the
incremental :func:`stays_connected` used by the search (``gridding``), the edits and the repair
(it walks only the group from the removed unit's neighbours and answers at once at a leaf;
over 100 times faster than csgraph on the demo's grids), and the walk :func:`components` uses
for groups below :data:`CSGRAPH_FROM` units (csgraph costs about 0.2 ms per call whatever the
size); :func:`edge_components` walks graphs of that size too (a community's islands in
``units``, free land in ``gridding``). Whole-graph questions and larger graphs go through
csgraph; scipy is imported only then, so that ``gridplan grid`` on a district does not pay
for its import.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol, TypeVar

import numpy as np

if TYPE_CHECKING:  # scipy is imported where a matrix is built: ``gridplan grid`` on a district
    # of a few thousand units never needs it, and its import (scipy.sparse pulls scipy.linalg)
    # costs about 0.3 s of the command
    from scipy.sparse import csr_matrix

N = TypeVar("N", bound=Hashable)


class Neighbours(Protocol[N]):
    """Anything indexable by a node that gives its neighbours (a mapping or a list of lists)."""

    def __getitem__(self, node: N, /) -> Iterable[N]: ...


@dataclass(frozen=True, eq=False)
class Adjacency:
    """Unit adjacency as a symmetric sparse matrix.

    Attributes
    ----------
    ids : tuple of str
        Unit ids; row ``i`` of :attr:`matrix` is unit ``ids[i]``.
    index : dict of str to int
        ``{unit_id: row}``.
    matrix : scipy.sparse.csr_matrix
        ``n x n`` 0/1 matrix, 1 where two units share a cell edge (both directions).

    Examples
    --------
    >>> adj = Adjacency.from_neighbors({"a": ["b"], "b": ["a"], "c": []})
    >>> adj.matrix.nnz, adj.n_components()
    (2, 2)
    """

    ids: tuple[str, ...]
    index: dict[str, int]
    matrix: csr_matrix

    @classmethod
    def from_edges(
        cls, ids: Sequence[str], unit_a: Iterable[str], unit_b: Iterable[str]
    ) -> Adjacency:
        """Build from a node list and the two end columns of an edge list (each edge once or twice)."""
        index = {u: i for i, u in enumerate(ids)}
        rows = np.fromiter((index[a] for a in unit_a), dtype=np.int64)
        cols = np.fromiter((index[b] for b in unit_b), dtype=np.int64)
        return cls(tuple(ids), index, _symmetric(len(ids), rows, cols))

    @classmethod
    def from_neighbors(cls, neighbors: Mapping[str, Iterable[str]]) -> Adjacency:
        """Build from ``{unit_id: neighbour ids}``; neighbours missing as keys are added as nodes."""
        ids = list(neighbors)
        seen = set(ids)
        pairs = [(u, v) for u, vs in neighbors.items() for v in vs]
        for _, v in pairs:
            if v not in seen:
                seen.add(v)
                ids.append(v)
        return cls.from_edges(ids, (u for u, _ in pairs), (v for _, v in pairs))

    @cached_property
    def neighbors(self) -> dict[str, tuple[str, ...]]:
        """``{unit_id: neighbour ids}`` read off :attr:`matrix` (for walks over small groups)."""
        ind, ptr = self.matrix.indices, self.matrix.indptr
        return {
            u: tuple(self.ids[j] for j in ind[ptr[i] : ptr[i + 1]].tolist())
            for i, u in enumerate(self.ids)
        }

    def n_components(self) -> int:
        """Number of connected components of the whole graph."""
        from scipy.sparse.csgraph import connected_components

        n, _ = connected_components(self.matrix, directed=False)
        return int(n)

    def labels(self) -> np.ndarray:
        """Component label of every row (labels numbered in order of their first row)."""
        return component_labels(self.matrix)

    def sub_labels(self, units: Sequence[str]) -> np.ndarray:
        """Component labels of ``units`` in the graph restricted to them (``units`` order)."""
        idx = np.fromiter((self.index[u] for u in units), dtype=np.int64, count=len(units))
        return component_labels(self.matrix[idx][:, idx])


def _symmetric(n: int, rows: np.ndarray, cols: np.ndarray) -> csr_matrix:
    from scipy.sparse import coo_matrix

    data = np.ones(2 * len(rows), dtype=np.int8)
    m = coo_matrix(
        (data, (np.concatenate([rows, cols]), np.concatenate([cols, rows]))), shape=(n, n)
    ).tocsr()
    m.data[:] = 1  # duplicate edges were summed
    return m


def component_labels(matrix: csr_matrix) -> np.ndarray:
    """Connected-component label per node of an undirected sparse graph.

    Labels are renumbered so that component ``k`` is the one whose smallest node index is the
    ``k``-th smallest (the order a scan over the nodes meets them).

    Examples
    --------
    >>> from scipy.sparse import csr_matrix
    >>> m = csr_matrix(np.array([[0, 0, 1], [0, 0, 0], [1, 0, 0]]))
    >>> component_labels(m).tolist()
    [0, 1, 0]
    """
    from scipy.sparse.csgraph import connected_components

    n = matrix.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    _, raw = connected_components(matrix, directed=False)
    first = np.full(int(raw.max()) + 1, n, dtype=np.int64)
    np.minimum.at(first, raw, np.arange(n))
    rank = np.empty_like(first)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    labels: np.ndarray = rank[raw]
    return labels


def edge_components(nodes: Sequence[N], rows: Sequence[int], cols: Sequence[int]) -> list[list[N]]:
    """Components of the graph on ``nodes`` with edges ``nodes[rows[i]] - nodes[cols[i]]``.

    Each component lists its nodes in ``nodes`` order; components are ordered by their first
    node's position.

    Examples
    --------
    >>> edge_components(["x", "y", "z", "w"], [0, 3], [2, 1])
    [['x', 'z'], ['y', 'w']]
    """
    if len(nodes) < CSGRAPH_FROM:  # a community's units: a walk, as in :func:`components`
        return _edge_walk(nodes, rows, cols)
    m = _symmetric(len(nodes), np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))
    labels = component_labels(m)
    out: list[list[N]] = [[] for _ in range(int(labels.max()) + 1 if len(labels) else 0)]
    for node, k in zip(nodes, labels.tolist(), strict=True):
        out[k].append(node)
    return out


def _edge_walk(nodes: Sequence[N], rows: Sequence[int], cols: Sequence[int]) -> list[list[N]]:
    """:func:`edge_components` by depth-first walks over node positions (small graphs)."""
    n = len(nodes)
    nbrs: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(rows, cols, strict=True):
        nbrs[a].append(b)
        nbrs[b].append(a)
    label = [-1] * n
    k = 0
    for start in range(n):
        if label[start] >= 0:
            continue
        label[start] = k
        stack = [start]
        while stack:
            u = stack.pop()
            for v in nbrs[u]:
                if label[v] < 0:
                    label[v] = k
                    stack.append(v)
        k += 1
    out: list[list[N]] = [[] for _ in range(k)]
    for node, lab in zip(nodes, label, strict=True):
        out[lab].append(node)
    return out


#: Groups from this many units up go through csgraph; smaller ones are walked in Python, which
#: ``bench/bench_graph.py --sweep`` measures faster below about 1,000-2,000 units (csgraph has
#: a fixed cost of about 0.2 ms per call: submatrix, validation, relabelling).
CSGRAPH_FROM = 1500


def components(
    units: Iterable[str], neighbors: Adjacency | Mapping[str, Iterable[str]]
) -> list[list[str]]:
    """Connected pieces of ``units`` in the adjacency graph, largest first (ties: smallest id).

    ``neighbors`` is the cached :class:`Adjacency` of the unit graph or a ``{unit: neighbours}``
    mapping. Groups of :data:`CSGRAPH_FROM` units or more use csgraph components (on the
    adjacency's submatrix, or on a matrix built for the group); smaller groups (every grid,
    every community of the demo) use a depth-first walk, measured faster at that size. Each
    piece is sorted.

    Examples
    --------
    >>> components(["a", "b", "d"], {"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]})
    [['a', 'b'], ['d']]
    """
    group = sorted(set(units))
    if not group:
        return []
    if len(group) < CSGRAPH_FROM:
        out = _walk_components(
            group, neighbors.neighbors if isinstance(neighbors, Adjacency) else neighbors
        )
    else:
        out = _csgraph_components(group, neighbors)
    return sorted(out, key=lambda c: (-len(c), c[0]))


def _walk_components(group: list[str], neighbors: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Components of a small sorted group by depth-first walks (faster than csgraph there)."""
    left = set(group)
    out = []
    for start in group:
        if start not in left:
            continue
        left.discard(start)
        seen = [start]
        stack = [start]
        while stack:
            u = stack.pop()
            for v in neighbors.get(u, ()):
                if v in left:
                    left.discard(v)
                    seen.append(v)
                    stack.append(v)
        out.append(sorted(seen))
    return out


def _csgraph_components(
    group: list[str], neighbors: Adjacency | Mapping[str, Iterable[str]]
) -> list[list[str]]:
    if isinstance(neighbors, Adjacency):
        labels = neighbors.sub_labels(group)
    else:
        pos = {u: i for i, u in enumerate(group)}
        rows, cols = [], []
        for i, u in enumerate(group):
            for v in neighbors.get(u, ()):
                j = pos.get(v)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        labels = component_labels(
            _symmetric(
                len(group), np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
            )
        )
    out: list[list[str]] = [[] for _ in range(int(labels.max()) + 1)]
    for u, k in zip(group, labels.tolist(), strict=True):
        out[k].append(u)
    return out


def is_connected(units: Iterable[str], neighbors: Adjacency | Mapping[str, Iterable[str]]) -> bool:
    """True when ``units`` form one piece (an empty set counts as connected)."""
    return len(components(units, neighbors)) <= 1


def is_contiguous(
    unit_ids: Collection[str], neighbors: Adjacency | Mapping[str, Iterable[str]]
) -> bool:
    """True when the units form one connected piece of the adjacency graph (empty: True).

    Examples
    --------
    >>> nbrs = {"a": ["b"], "b": ["a", "c"], "c": ["b"]}
    >>> is_contiguous(["a", "b", "c"], nbrs), is_contiguous(["a", "c"], nbrs)
    (True, False)
    """
    return len(unit_ids) <= 1 or is_connected(unit_ids, neighbors)


def grid_neighbors(
    grid: str,
    members: Mapping[str, Iterable[str]],
    assignment: Mapping[str, str],
    neighbors: Mapping[str, Iterable[str]],
) -> set[str]:
    """Grids sharing a cell edge with ``grid``."""
    out = set()
    for u in members.get(grid, ()):
        for v in neighbors.get(u, ()):
            g = assignment.get(v)
            if g is not None and g != grid:
                out.add(g)
    return out


def stays_connected(
    group: Collection[N], removed: N, neighbors: Neighbours[N], *, whole: bool = True
) -> bool:
    """Whether ``group`` minus ``removed`` is still connected (an empty rest counts as connected).

    The incremental check of the search, the edits and the repair. With ``whole=True`` (the
    caller knows ``group`` is connected) the walk starts at one of ``removed``'s neighbours in
    the group and a leaf answers at once; with ``whole=False`` the rest is walked from any of
    its units. Hand-written rather than csgraph because it touches only the group (and at a
    leaf nothing at all): ``bench/bench_graph.py`` measures it against ``components`` on the
    cached adjacency.

    Parameters
    ----------
    group : collection of nodes
        Units of one grid (a set for fast membership), including ``removed``.
    removed : node
        The unit leaving the group.
    neighbors : mapping or list of lists
        ``neighbors[u]`` lists the neighbours of ``u`` (unit ids or integer indices).
    whole : bool
        Whether ``group`` itself is known to be connected.

    Examples
    --------
    >>> path = [[1], [0, 2], [1]]
    >>> stays_connected({0, 1, 2}, 1, path), stays_connected({0, 1, 2}, 2, path)
    (False, True)
    >>> line = [[1], [0, 2], [1, 3], [2]]  # group {0, 2, 3} is not connected; without 0 it is
    >>> stays_connected({0, 2, 3}, 0, line, whole=False), stays_connected({0, 2, 3}, 2, line, whole=False)
    (True, False)
    """
    rest = len(group) - 1
    if whole:
        inside = [v for v in neighbors[removed] if v in group]
        if not inside:
            return rest == 0
        if len(inside) == 1:
            return True  # a leaf of its grid: the others stay connected as they were
        start = inside[0]
    else:
        others = (v for v in group if v != removed)
        first = next(others, None)
        if first is None:
            return True
        start = first
    seen = {start}
    stack = [start]
    while stack:
        x = stack.pop()
        for y in neighbors[x]:
            if y != removed and y in group and y not in seen:
                seen.add(y)
                stack.append(y)
    return len(seen) == rest

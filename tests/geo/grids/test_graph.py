"""geo.grids.graph against networkx: components (walk and csgraph paths), contiguity and the
incremental stays-connected check, on random graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.grids import graph as g
from geo.grids.graph import Adjacency, components, edge_components, is_contiguous, stays_connected
from tests.geo._synthetic import block_units


@st.composite
def random_graph(draw: st.DrawFn) -> tuple[dict[str, tuple[str, ...]], set[str]]:
    n = draw(st.integers(1, 14))
    ids = [f"u{i:02d}" for i in range(n)]
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    edges = draw(st.lists(st.sampled_from(pairs), max_size=2 * n, unique=True)) if pairs else []
    nbrs: dict[str, list[str]] = {u: [] for u in ids}
    for a, b in edges:
        nbrs[a].append(b)
        nbrs[b].append(a)
    group = set(draw(st.lists(st.sampled_from(ids), unique=True)))
    return {u: tuple(v) for u, v in nbrs.items()}, group


def _nx_components(nbrs: dict[str, tuple[str, ...]], group: set[str]) -> list[list[str]]:
    gx = nx.Graph()
    gx.add_nodes_from(nbrs)
    gx.add_edges_from((u, v) for u, vs in nbrs.items() for v in vs)
    comps = [sorted(c) for c in nx.connected_components(gx.subgraph(group))]
    return sorted(comps, key=lambda c: (-len(c), c[0]))


def _ordered(comps: list[list[str]]) -> list[list[str]]:
    return sorted((sorted(c) for c in comps), key=lambda c: (-len(c), c[0]))


@settings(max_examples=200, deadline=None)
@given(case=random_graph())
def test_components_equal_networkx(case: tuple[dict[str, tuple[str, ...]], set[str]]) -> None:
    nbrs, group = case
    expected = _nx_components(nbrs, group)
    adj = Adjacency.from_neighbors(nbrs)
    assert components(group, nbrs) == expected
    assert components(group, adj) == expected
    assert is_contiguous(group, nbrs) == (len(expected) <= 1)
    if group:  # both paths of components, whatever CSGRAPH_FROM says
        for source in (nbrs, adj):
            assert _ordered(g._csgraph_components(sorted(group), source)) == expected
            assert _ordered(g._walk_components(sorted(group), nbrs)) == expected


@settings(max_examples=200, deadline=None)
@given(case=random_graph(), pick=st.integers(0, 100))
def test_stays_connected_equals_networkx(
    case: tuple[dict[str, tuple[str, ...]], set[str]], pick: int
) -> None:
    nbrs, group = case
    if not group:
        return
    removed = sorted(group)[pick % len(group)]
    rest = group - {removed}
    gx = nx.Graph((u, v) for u, vs in nbrs.items() for v in vs)
    gx.add_nodes_from(nbrs)
    truth = not rest or nx.is_connected(gx.subgraph(rest))
    assert stays_connected(group, removed, nbrs, whole=False) == truth
    if nx.is_connected(gx.subgraph(group)):  # the fast path assumes a connected group
        assert stays_connected(group, removed, nbrs) == truth
        index = {u: i for i, u in enumerate(nbrs)}
        by_int = [[index[v] for v in nbrs[u]] for u in nbrs]
        assert stays_connected({index[u] for u in group}, index[removed], by_int) == truth


def test_adjacency_matrix_and_whole_graph_components() -> None:
    nbrs = {"a": ("b",), "b": ("a", "c"), "c": ("b",), "d": ()}
    adj = Adjacency.from_edges(
        ["a", "b", "c", "d"], ["a", "b", "b"], ["b", "c", "a"]
    )  # a-b given twice
    assert adj.matrix.toarray().tolist() == [[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0]]
    assert adj.n_components() == 2
    assert adj.labels().tolist() == [0, 0, 0, 1]
    assert {u: set(v) for u, v in adj.neighbors.items()} == {u: set(v) for u, v in nbrs.items()}
    assert edge_components(["d", "c", "b", "a"], [1, 2], [2, 3]) == [["d"], ["c", "b", "a"]]


def test_unit_graph_caches_its_adjacency() -> None:
    graph = block_units(4, 3, n_comm=2)
    adj = graph.adjacency
    assert adj is graph.adjacency
    assert adj.ids == tuple(graph.units.index)
    gx = nx.Graph(list(zip(graph.edges["unit_a"], graph.edges["unit_b"], strict=True)))
    assert adj.matrix.nnz == 2 * gx.number_of_edges()
    assert adj.n_components() == nx.number_connected_components(gx)


@settings(max_examples=200, deadline=None)
@given(case=random_graph())
def test_edge_components_walk_equals_csgraph_and_networkx(
    case: tuple[dict[str, tuple[str, ...]], set[str]],
) -> None:
    """The walk ``edge_components`` uses on small graphs gives csgraph's answer, in its order
    (components by first node position, members in ``nodes`` order), and networkx's sets."""
    nbrs, _ = case
    nodes = list(reversed(list(nbrs)))  # not sorted: the order is the caller's
    pos = {u: i for i, u in enumerate(nodes)}
    rows = [pos[u] for u, vs in nbrs.items() for v in vs if u < v]
    cols = [pos[v] for u, vs in nbrs.items() for v in vs if u < v]
    walked = g._edge_walk(nodes, rows, cols)
    labels = g.component_labels(g._symmetric(len(nodes), np.asarray(rows), np.asarray(cols)))
    by_csgraph: list[list[str]] = [[] for _ in range(int(labels.max()) + 1)]
    for u, k in zip(nodes, labels.tolist(), strict=True):
        by_csgraph[k].append(u)
    assert walked == by_csgraph == edge_components(nodes, rows, cols)
    assert _ordered(walked) == _nx_components(nbrs, set(nbrs))


def test_grid_command_modules_do_not_import_scipy() -> None:
    """``gridplan grid`` on a district of a few thousand units never builds a sparse matrix:
    importing the engine it runs must not import scipy (about 0.3 s of the command)."""
    import subprocess
    import sys

    code = (
        "import sys, cli.main, cli.grid, geo.data.io, geo.grids.gridding, geo.grids.units, "
        "geo.grids.plan, geo.grids.metrics, geo.output.export; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"

"""The gridding search against independent references.

- Its running totals (sizes, balance, party members, areas, perimeters, per-grid costs,
  members) after random moves, perturbations and descents equal a fresh computation.
- On small lattices (up to 10 units), brute force over every connected k-partition finds
  the optimum of the search's own objective (the sum of ``_grid_cost`` over the grids: band
  penalty, size and balance deviation, party minimum, compactness); the search must reach it.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from geo.grids.graph import stays_connected
from geo.grids.gridding import (
    CommunityTask,
    _SearchData,
    _State,
    choose_k,
    grid_one_community,
)
from geo.grids.params import GridParams


def _lattice_task(
    w: int, h: int, sizes: list[float], params: GridParams, seed_id: str = "C"
) -> CommunityTask:
    """A community of ``w x h`` square 100 m cells, households ``sizes`` (row-major)."""
    n = w * h
    xs = np.array([100.0 * (i % w) for i in range(n)])
    ys = np.array([100.0 * (i // w) for i in range(n)])
    edges = [(i, i + 1) for i in range(n) if i % w < w - 1] + [(i, i + w) for i in range(n - w)]
    ea, eb = (np.array(c, dtype=np.intp) for c in zip(*edges, strict=True))
    s = np.asarray(sizes, dtype=float)
    return CommunityTask(
        community_id=seed_id,
        size=s,
        balance=s / 20,
        party=s / 20,
        area=np.full(n, 1e4),
        perimeter=np.full(n, 400.0),
        x=xs,
        y=ys,
        edge_a=ea,
        edge_b=eb,
        edge_len=np.full(len(edges), 100.0),
        fixed=np.full(n, -1, dtype=int),
        n_locked=0,
        params=params,
    )


def _search_data(task: CommunityTask, k: int) -> _SearchData:
    n = len(task.size)
    nbrs: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for a, b, length in zip(
        task.edge_a.tolist(), task.edge_b.tolist(), task.edge_len.tolist(), strict=True
    ):
        nbrs[a].append((b, length))
        nbrs[b].append((a, length))
    return _SearchData(task, list(range(n)), nbrs, k)


def _assert_totals_fresh(state: _State) -> None:
    fresh = _State(state.data, state.labels, state.k)
    for name in ("S", "B", "P", "A", "PER", "f"):
        assert getattr(state, name) == pytest.approx(getattr(fresh, name), abs=1e-6), name
    assert state.members == fresh.members
    assert state.objective == pytest.approx(fresh.objective, abs=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_running_totals_after_random_moves_equal_a_fresh_computation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    task = _lattice_task(
        6,
        5,
        rng.integers(20, 200, 30).astype(float).tolist(),
        GridParams(compactness_weight=0.5, balance="party_members"),
    )
    k = 4
    data = _search_data(task, k)
    state = _State(data, [min(u % 6 // 2 + (u // 15), k - 1) for u in range(30)], k)
    moves = 0
    for u in rng.permutation(30).tolist() * 3:
        g = state.labels[u]
        shared = state.shared(u)
        others = sorted(h for h in shared if h != g)
        if (
            not others
            or len(state.members[g]) <= 1
            or not stays_connected(state.members[g], u, data.nbr_ids)
        ):
            continue
        h = others[int(rng.integers(len(others)))]
        delta, fg, fh = state.move_cost(u, h, shared)
        before = state.objective
        state.apply(u, h, shared, fg, fh)
        assert state.objective - before == pytest.approx(delta, abs=1e-6)
        moves += 1
        _assert_totals_fresh(state)
    assert moves > 20
    state.perturb(rng, 5)
    _assert_totals_fresh(state)
    state.descend(rng)
    _assert_totals_fresh(state)


def _connected_partitions(n: int, k: int, graph: nx.Graph) -> list[tuple[int, ...]]:
    """Every partition of ``range(n)`` into ``k`` non-empty connected parts (labels canonical)."""
    out = []
    for labels in itertools.product(range(k), repeat=n - 1):
        lab = (0, *labels)
        # canonical: label j first appears after label j-1 (each partition once)
        first = [lab.index(j) if j in lab else n for j in range(k)]
        if first != sorted(first) or first[-1] == n:
            continue
        if all(
            nx.is_connected(graph.subgraph([u for u in range(n) if lab[u] == j])) for j in range(k)
        ):
            out.append(lab)
    return out


CASES = [  # (w, h, households of the cells, row-major)
    (3, 3, [120, 80, 150, 60, 200, 90, 110, 70, 130]),
    (2, 4, [250, 50, 100, 300, 120, 180, 90, 210]),
    (5, 2, [100, 140, 60, 180, 90, 120, 70, 160, 110, 150]),
    (4, 2, [300, 10, 20, 280, 150, 150, 40, 260]),
    (2, 5, [60, 70, 80, 90, 100, 110, 120, 130, 140, 150]),
]


@pytest.mark.parametrize(("w", "h", "sizes"), CASES)
@pytest.mark.parametrize("compactness", [0.0, 1.0])
def test_search_reaches_the_brute_force_optimum(
    w: int, h: int, sizes: list[float], compactness: float
) -> None:
    params = GridParams(min_households=250, max_households=450, compactness_weight=compactness)
    task = _lattice_task(w, h, sizes, params)
    n = w * h
    lo, hi = params.band()
    k, _ = choose_k(float(sum(sizes)), lo, hi, n)
    assert k >= 2, "a case must ask for more than one grid"
    out = grid_one_community(task)
    assert out.report["n_grids"] == k
    data = _search_data(task, k)
    gx = nx.grid_2d_graph(w, h)  # networkx's own lattice, nodes relabelled to row-major indices
    gx = nx.relabel_nodes(gx, {(x, y): y * w + x for x, y in gx.nodes})
    best = min(_State(data, list(lab), k).objective for lab in _connected_partitions(n, k, gx))
    reached = _State(data, out.labels.tolist(), k).objective
    assert reached == pytest.approx(out.report["objective"], abs=1e-9)
    assert reached == pytest.approx(best, rel=1e-9, abs=1e-9)
    for j in range(k):  # and the plan it returns is a connected k-partition (networkx)
        assert nx.is_connected(gx.subgraph([u for u in range(n) if out.labels[u] == j]))

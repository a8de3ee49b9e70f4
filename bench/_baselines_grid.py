"""Reference regionalisation methods run on gridplan's planning units, one community at a time.

Each runner takes the units of one community (a GeoDataFrame with ``households``, cell
geometry, index = unit id), its adjacency (``edges`` of :class:`geo.grids.units.UnitGraph`), the
number of grids ``k`` and a seed, and returns ``{unit_id: label}``. Slow methods are bounded
(attempt caps, widening epsilon, size limits) so that the benchmark always finishes.
"""

from __future__ import annotations

import random
import warnings
from functools import partial
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

BAND = (300.0, 500.0)


def _w(units: gpd.GeoDataFrame, edges: pd.DataFrame) -> Any:
    """libpysal W keyed by row position (spopt indexes neighbours by position)."""
    from libpysal.weights import W

    pos = {u: i for i, u in enumerate(units.index)}
    neigh: dict[int, list[int]] = {i: [] for i in range(len(units))}
    for a, b in zip(edges["unit_a"], edges["unit_b"], strict=True):
        neigh[pos[a]].append(pos[b])
        neigh[pos[b]].append(pos[a])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return W(neigh, id_order=list(range(len(units))), silence_warnings=True)


def _frame(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = units[["households", "party_members", "x", "y", "geometry"]].reset_index(drop=True)
    out["households"] = out["households"].astype(float)
    return out


def maxp(units: gpd.GeoDataFrame, edges: pd.DataFrame, k: int, seed: int) -> dict[str, int]:
    """spopt MaxPHeuristic with a floor of 300 households (no cap exists in spopt)."""
    from spopt.region import MaxPHeuristic

    np.random.seed(seed)  # noqa: NPY002 - spopt draws from numpy's legacy global RNG
    random.seed(seed)
    gdf = _frame(units)
    model = MaxPHeuristic(
        gdf,
        _w(units, edges),
        ["x", "y"],
        "households",
        BAND[0],
        top_n=2,
        max_iterations_construction=99,
        max_iterations_sa=10,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.solve()
    return dict(zip(units.index, np.asarray(model.labels_).tolist(), strict=True))


def azp(units: gpd.GeoDataFrame, edges: pd.DataFrame, k: int, seed: int) -> dict[str, int]:
    """spopt AZP on centroid coordinates with k regions."""
    from spopt.region import AZP

    gdf = _frame(units)
    model = AZP(gdf, _w(units, edges), ["x", "y"], n_clusters=k, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.solve()
    return dict(zip(units.index, np.asarray(model.labels_).tolist(), strict=True))


def skater(units: gpd.GeoDataFrame, edges: pd.DataFrame, k: int, seed: int) -> dict[str, int]:
    """spopt Skater on centroid coordinates with k regions (its floor counts units: 1)."""
    from spopt.region import Skater

    np.random.seed(seed)  # noqa: NPY002 - spopt draws from numpy's legacy global RNG
    gdf = _frame(units)
    model = Skater(
        gdf, _w(units, edges), ["x", "y"], n_clusters=k, floor=1, trace=False, islands="increase"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.solve()
    return dict(zip(units.index, np.asarray(model.labels_).tolist(), strict=True))


def agglomerative(
    units: gpd.GeoDataFrame, edges: pd.DataFrame, k: int, seed: int
) -> dict[str, int]:
    """scikit-learn Ward clustering of centroids with the adjacency as connectivity."""
    from scipy import sparse
    from sklearn.cluster import AgglomerativeClustering

    pos = {u: i for i, u in enumerate(units.index)}
    a = [pos[u] for u in edges["unit_a"]]
    b = [pos[u] for u in edges["unit_b"]]
    n = len(units)
    conn = sparse.coo_matrix((np.ones(2 * len(a)), (a + b, b + a)), shape=(n, n)).tocsr()
    xy = units[["x", "y"]].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        labels = AgglomerativeClustering(
            n_clusters=min(k, n), connectivity=conn, linkage="ward"
        ).fit_predict(xy)
    return dict(zip(units.index, labels.tolist(), strict=True))


def gerrychain_recom(
    units: gpd.GeoDataFrame,
    edges: pd.DataFrame,
    k: int,
    seed: int,
    *,
    recom_steps: int = 30,
    max_attempts: int = 2000,
) -> dict[str, int]:
    """GerryChain recursive_tree_part (attempts capped, epsilon widened on failure) + ReCom.

    The ReCom chain keeps the state with the most grids in 300-500, then the least mean
    absolute deviation.
    """
    from gerrychain import MarkovChain, Partition
    from gerrychain.accept import always_accept
    from gerrychain.constraints import within_percent_of_ideal_population
    from gerrychain.graph import Graph
    from gerrychain.partition import recursive_tree_part
    from gerrychain.proposals import recom
    from gerrychain.tree import bipartition_tree
    from gerrychain.updaters import Tally

    pos = {u: i for i, u in enumerate(units.index)}
    g = nx.Graph()
    for u, h in zip(units.index, units["households"], strict=True):
        g.add_node(pos[u], households=float(h))
    g.add_edges_from(
        (pos[a], pos[b]) for a, b in zip(edges["unit_a"], edges["unit_b"], strict=True)
    )
    graph = Graph.from_networkx(g)
    if k <= 1:
        return dict.fromkeys(units.index, 0)
    target = float(units["households"].sum()) / k
    rng = random.Random(seed)
    assignment = None
    eps = 0.10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        while assignment is None and eps < 5:
            try:
                assignment = recursive_tree_part(
                    graph,
                    range(k),
                    target,
                    "households",
                    eps,
                    bipartition_tree_fn=partial(bipartition_tree, max_attempts=max_attempts),
                    rng=rng,
                )
            except (RuntimeError, ValueError):  # GerryChain's stalled balanced cut
                eps *= 1.6
        if assignment is None:
            return dict.fromkeys(units.index, 0)
        part = Partition(graph, assignment, {"population": Tally("households", alias="population")})
        chain = MarkovChain(
            proposal=partial(
                recom, pop_col="households", pop_target=target, epsilon=eps, node_repeats=2, rng=rng
            ),
            constraints=[within_percent_of_ideal_population(part, eps)],
            accept=always_accept,
            initial_state=part,
            total_steps=recom_steps,
        )
        best, best_key = part, None
        try:
            for state in chain:
                pops = np.array(list(state["population"].values()))
                key = (
                    -int(((pops >= BAND[0]) & (pops <= BAND[1])).sum()),
                    float(np.abs(pops - target).mean()),
                )
                if best_key is None or key < best_key:
                    best, best_key = state, key
        except (
            RuntimeError,
            ValueError,
        ):  # a stalled ReCom step ends the walk: keep the best so far
            best_key = best_key
    return {u: int(best.assignment[pos[u]]) for u in units.index}


METHODS = {
    "spopt MaxPHeuristic (floor 300)": maxp,
    "spopt AZP": azp,
    "spopt Skater": skater,
    "GerryChain recursive_tree_part + ReCom": gerrychain_recom,
    "sklearn AgglomerativeClustering (ward, connectivity)": agglomerative,
}

"""Benchmark: many-to-many walking distances with a cut-off, gridplan vs networkx per-source Dijkstra.

Default instance (issue 4): 5,000 origins x 2,000 targets, 1,000 m cut-off, on a ~50,000-node
irregular street grid (jittered nodes, 15% of streets removed, lengths = segment length in
metres), or on any GraphML given with ``--graphml`` (e.g. a ``python -m geo.demo --scale N``
network). gridplan: :func:`geo.network.walk.distance_matrix` (scipy csgraph Dijkstra with ``limit``,
from the smaller side) and :func:`geo.network.walk.nearest` (one multi-source run). Reference:
networkx ``single_source_dijkstra_path_length(cutoff=...)`` per origin, as osmnx users do, on a
subsample of origins, extrapolated linearly to all origins (stated in the output); its answers
are compared with gridplan's on the subsample.

Run: ``.venv/bin/python bench/bench_distances.py [--nodes 50000] [--origins 5000]
[--targets 2000] [--cutoff 1000] [--repeat 3] [--reference-sample 100] [--graphml FILE]``.
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import networkx as nx
import numpy as np

from geo.network.walk import WalkNetwork, distance_matrix, load_network, nearest


def street_grid(
    n_nodes: int,
    *,
    spacing_m: float = 60.0,
    drop: float = 0.15,
    seed: int = 0,
    crs: str = "EPSG:32651",
) -> nx.MultiDiGraph:
    """An irregular walk network of about ``n_nodes`` nodes (metric CRS, lengths in metres)."""
    rng = np.random.default_rng(seed)
    side = round(float(np.sqrt(n_nodes)))
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    xy = np.column_stack([ii.ravel(), jj.ravel()]) * spacing_m
    xy = xy + rng.uniform(-0.25, 0.25, xy.shape) * spacing_m
    G = nx.MultiDiGraph(crs=crs)
    G.add_nodes_from((k, {"x": float(x), "y": float(y)}) for k, (x, y) in enumerate(xy))
    idx = np.arange(side * side).reshape(side, side)
    pairs = np.vstack(
        [
            np.column_stack([idx[:-1, :].ravel(), idx[1:, :].ravel()]),
            np.column_stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()]),
        ]
    )
    pairs = pairs[rng.random(len(pairs)) >= drop]
    length = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    for (u, v), d in zip(pairs.tolist(), length.tolist(), strict=True):
        G.add_edge(u, v, length=d)
        G.add_edge(v, u, length=d)
    return G


def _points(net: WalkNetwork, k: int, rng: np.random.Generator, near_nodes: bool) -> np.ndarray:
    """Uniform points over the network's extent, or (a real/demo network with holes) random
    nodes moved up to 30 m, like estates and facilities beside a street."""
    if near_nodes:
        return net.xy[rng.integers(0, net.n_nodes, k)] + rng.uniform(-30.0, 30.0, (k, 2))
    lo, hi = net.xy.min(axis=0), net.xy.max(axis=0)
    return rng.uniform(lo, hi, (k, 2))


def _timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _reference(
    G: nx.MultiDiGraph, net: WalkNetwork, o: np.ndarray, t: np.ndarray, cutoff: float
) -> tuple[float, np.ndarray]:
    """networkx per-source Dijkstra (cut-off on the network part) for the origins ``o``."""
    U = nx.Graph()
    for u, v, d in G.edges(data=True):
        if u != v and (not U.has_edge(u, v) or U[u][v]["length"] > d["length"]):
            U.add_edge(u, v, length=d["length"])
    t0 = time.perf_counter()
    o_node, o_snap = net.snap(o)  # KD-tree snapping, as osmnx.distance.nearest_nodes does
    t_node, t_snap = net.snap(t)
    ids = net.node_ids
    out = np.full((len(o), len(t)), np.inf)
    for a in range(len(o)):
        lengths = nx.single_source_dijkstra_path_length(
            U, ids[o_node[a]], cutoff=cutoff, weight="length"
        )
        for b in range(len(t)):
            d = lengths.get(ids[t_node[b]])
            if d is not None:
                out[a, b] = o_snap[a] + d + t_snap[b]
    out[out > cutoff] = np.inf
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=50_000)
    ap.add_argument(
        "--graphml", default=None, help="use this network instead of the synthetic grid"
    )
    ap.add_argument("--origins", type=int, default=5_000)
    ap.add_argument("--targets", type=int, default=2_000)
    ap.add_argument("--cutoff", type=float, default=1_000.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reference-sample", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    G = load_network(args.graphml) if args.graphml else street_grid(args.nodes, seed=args.seed)
    t_graph = time.perf_counter() - t0
    build_s, net = _timed(lambda: WalkNetwork.from_graph(G), 1)
    file_s = _timed(lambda: WalkNetwork.from_file(args.graphml), 1)[0] if args.graphml else None
    near = args.graphml is not None
    o, t = _points(net, args.origins, rng, near), _points(net, args.targets, rng, near)

    matrix_s, res = _timed(
        lambda: distance_matrix(o, t, network=net, cutoff_m=args.cutoff), args.repeat
    )
    nearest_s, near = _timed(lambda: nearest(o, t, network=net), args.repeat)
    nocut_sample = min(args.origins, 500)
    nocut_s, _ = _timed(lambda: distance_matrix(o[:nocut_sample], t, network=net), 1)

    k = min(args.reference_sample, args.origins)
    ref_s, ref = _reference(G, net, o[:k], t, args.cutoff)
    ours = res.matrix_m[:k]
    same_inf = bool(np.array_equal(np.isinf(ours), np.isinf(ref)))
    finite = np.isfinite(ref)
    max_diff = float(np.max(np.abs(ours[finite] - ref[finite]))) if finite.any() else 0.0
    ref_full_s = ref_s * args.origins / k

    print(
        json.dumps(
            {
                "instance": {
                    "network": args.graphml or f"synthetic street grid, seed {args.seed}",
                    "nodes": net.n_nodes,
                    "edges_directed_csr": int(net.lengths.nnz),
                    "components": net.n_components,
                    "origins": args.origins,
                    "targets": args.targets,
                    "cutoff_m": args.cutoff,
                    "points": "random nodes +-30 m" if near else "uniform over the extent",
                    "pairs_within_cutoff": int(np.isfinite(res.matrix_m).sum()),
                },
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "load_average_1m_at_end": round(os.getloadavg()[0], 2),
                },
                "graph_build_s (osmnx.load_graphml with --graphml)": round(t_graph, 3),
                "walknetwork_build_s": round(build_s, 3),
                "walknetwork_from_graphml_s": round(file_s, 3) if file_s is not None else None,
                "gridplan_distance_matrix_s_median": round(matrix_s, 3),
                "gridplan_nearest_no_cutoff_s_median": round(nearest_s, 3),
                f"gridplan_matrix_no_cutoff_{nocut_sample}_origins_s": round(nocut_s, 3),
                "repeat": args.repeat,
                "networkx_per_source_sample": {
                    "origins": k,
                    "seconds": round(ref_s, 3),
                    "extrapolated_all_origins_s": round(ref_full_s, 1),
                    "note": "extrapolated linearly from the sample",
                },
                "speedup_vs_networkx_extrapolated": round(ref_full_s / matrix_s, 1),
                "check_vs_networkx": {"same_reachability": same_inf, "max_abs_diff_m": max_diff},
                "nearest_matches_matrix_min_within_cutoff": bool(
                    np.allclose(
                        np.where(near.dist_m <= args.cutoff, near.dist_m, np.inf),
                        res.matrix_m.min(axis=1),
                    )
                ),
                "goal_s": 2.0,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

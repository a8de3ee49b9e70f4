"""From a :class:`~geo.data.schema.Layers` bundle to the siting arrays (demand, candidates, distances).

Demand = estates (representative points); existing facilities are appended as FIXED
candidates; new candidates are the user's points, else the ``candidates`` layer, else the
representative points of estates not already within the radius of a facility, else a grid
of walkable network nodes. Distances: :func:`geo.network.walk.distance_matrix` (walking, or the
stated straight-line fallback).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from geo.errors import Problem, ValidationError

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.data.schema import Layers

#: Spacing of the fallback grid of candidate network nodes, metres.
CANDIDATE_GRID_M = 200.0


@dataclass(frozen=True, eq=False)
class SitingArrays:
    """Arrays for ``from_cost_matrix`` plus the geometry to write results back.

    Attributes
    ----------
    cost : ndarray (n_estates, n_candidates), metres
    weights : ndarray (n_estates,)
    fixed : ndarray of bool (n_candidates,)
    demand_ids, candidate_ids : tuple of str
    demand : GeoDataFrame
        Estates (``estate_id``, weight column, representative point geometry), metric CRS.
    sites : GeoDataFrame
        Candidates, existing facilities last (``site_id``, ``kind``, ``name``), metric CRS.
    meta : dict
        ``distance_method``, ``candidate_source``, flagged/unreachable estates.
    """

    cost: np.ndarray
    weights: np.ndarray
    fixed: np.ndarray
    demand_ids: tuple[str, ...]
    candidate_ids: tuple[str, ...]
    demand: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    meta: dict[str, Any] = field(default_factory=dict)


def _points(obj: Any, crs: Any) -> gpd.GeoDataFrame:
    import geopandas as gpd

    if isinstance(obj, gpd.GeoDataFrame):
        gdf = obj.to_crs(crs) if obj.crs is not None and obj.crs != crs else obj
    elif isinstance(obj, gpd.GeoSeries):
        gdf = gpd.GeoDataFrame(geometry=obj.to_crs(crs) if obj.crs is not None else obj, crs=crs)
    else:
        xy = np.asarray(obj, dtype=np.float64).reshape(-1, 2)
        gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs)
    gdf = gdf.copy()
    if "candidate_id" not in gdf.columns:
        gdf["candidate_id"] = [f"C{i + 1:04d}" for i in range(len(gdf))]
    gdf["geometry"] = gdf.geometry.representative_point()
    return gdf


def _grid_nodes(net: Any, spacing_m: float = CANDIDATE_GRID_M) -> np.ndarray:
    """One network node per ``spacing_m`` square cell (the one nearest the cell centre)."""
    xy = net.xy
    cell = np.floor((xy - xy.min(axis=0)) / spacing_m).astype(np.int64)
    centre = (cell + 0.5) * spacing_m + xy.min(axis=0)
    d = np.linalg.norm(xy - centre, axis=1)
    order = np.lexsort((d, cell[:, 1], cell[:, 0]))
    c = cell[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = (c[1:] != c[:-1]).any(axis=1)
    kept: np.ndarray = xy[order[first]]
    return kept


def siting_arrays(
    layers: Layers,
    *,
    network: Any = None,
    weight: str = "households",
    candidates: Any = None,
    radius: float | None = None,
    cutoff_m: float | None = None,
) -> SitingArrays:
    """Build demand, candidates (existing facilities fixed) and walking distances.

    Parameters
    ----------
    layers : Layers
        Loaded dataset (metric CRS).
    network : WalkNetwork, graph, path or None
        Walk network; ``None`` uses ``layers.network_path`` when present, else the
        straight-line x detour fallback (stated in ``meta["distance_method"]``).
    weight : str
        Estate column used as demand weight (households, residents, party_members).
    candidates : GeoDataFrame, GeoSeries, (k, 2) array or None
        New candidate sites (metric CRS for arrays).
    radius : float or None
        Service radius in metres; decides which estates are "already covered".
    cutoff_m : float or None
        Distances beyond are ``inf`` (only for models that never look beyond a radius).
    """
    import geopandas as gpd
    import pandas as pd

    from geo.network.walk import as_walk_network, distance_matrix, layers_network

    estates = layers.estates
    if weight not in estates.columns:
        raise ValidationError(
            [
                Problem(
                    "estates",
                    f"no column `{weight}` to weight demand by.",
                    f"use one of households, residents, party_members; columns are "
                    f"{[c for c in estates.columns if c != 'geometry']}.",
                    field=weight,
                    code="de_column_missing",
                    params={"column": weight},
                )
            ]
        )
    crs = layers.crs
    net = as_walk_network(network, crs) if network is not None else layers_network(layers)
    demand = gpd.GeoDataFrame(
        {
            "estate_id": estates["estate_id"].astype(str).to_numpy(),
            weight: estates[weight].to_numpy(dtype=np.float64),
        },
        geometry=estates.geometry.representative_point().to_numpy(),
        crs=crs,
    )
    fac = (
        layers.facilities
        if layers.facilities is not None
        else gpd.GeoDataFrame({"facility_id": []}, geometry=[], crs=crs)
    )
    fac_sites = gpd.GeoDataFrame(
        {
            "site_id": fac["facility_id"].astype(str).to_numpy(),
            "kind": "existing",
            "name": fac["name"].to_numpy() if "name" in fac else None,
        },
        geometry=fac.geometry.to_numpy(),
        crs=crs,
    )
    d_fix = (
        distance_matrix(
            demand.geometry, fac_sites.geometry, network=net, cutoff_m=cutoff_m
        ).matrix_m.min(axis=1)
        if len(fac_sites)
        else np.full(len(demand), np.inf)
    )
    source, new = _candidates(candidates, layers, demand, d_fix, radius, net, crs)
    new_sites = gpd.GeoDataFrame(
        {
            "site_id": new["candidate_id"].astype(str).to_numpy(),
            "kind": "candidate",
            "name": new["name"].to_numpy() if "name" in new else None,
        },
        geometry=new.geometry.to_numpy(),
        crs=crs,
    )
    clash = set(new_sites["site_id"]) & set(fac_sites["site_id"])
    if clash:
        new_sites["site_id"] = "candidate:" + new_sites["site_id"]
    sites = gpd.GeoDataFrame(pd.concat([new_sites, fac_sites], ignore_index=True), crs=crs)
    res = distance_matrix(demand.geometry, sites.geometry, network=net, cutoff_m=cutoff_m)
    fixed = (sites["kind"] == "existing").to_numpy()
    ids = tuple(demand["estate_id"])
    meta = {
        "distance_method": res.method,
        "candidate_source": source,
        "n_candidates": int((~fixed).sum()),
        "n_existing": int(fixed.sum()),
        "weight": weight,
        "flagged_estates": [ids[i] for i in np.flatnonzero(res.flagged_origins)],
        "unreachable_estates": [ids[i] for i in np.flatnonzero(res.unreachable_origins)],
        "renamed_candidates": bool(clash),
    }
    return SitingArrays(
        res.matrix_m,
        demand[weight].to_numpy(),
        fixed,
        ids,
        tuple(sites["site_id"]),
        demand,
        sites,
        meta,
    )


def _candidates(
    candidates: Any,
    layers: Layers,
    demand: gpd.GeoDataFrame,
    d_fix: np.ndarray,
    radius: float | None,
    net: Any,
    crs: Any,
) -> tuple[str, gpd.GeoDataFrame]:
    import geopandas as gpd

    if candidates is not None:
        return "user points", _points(candidates, crs)
    if layers.candidates is not None and len(layers.candidates):
        return "candidates layer", _points(layers.candidates, crs)
    uncovered = d_fix > radius if radius is not None else np.ones(len(demand), dtype=bool)
    if uncovered.any():
        pts = demand.loc[uncovered, ["estate_id", "geometry"]].rename(
            columns={"estate_id": "candidate_id"}
        )
        pts["candidate_id"] = "estate:" + pts["candidate_id"]
        return "estates not already covered", gpd.GeoDataFrame(pts, crs=crs)
    if net is not None:
        return f"network nodes on a {CANDIDATE_GRID_M:g} m grid", _points(_grid_nodes(net), crs)
    pts = demand[["estate_id", "geometry"]].rename(columns={"estate_id": "candidate_id"})
    pts["candidate_id"] = "estate:" + pts["candidate_id"]
    return "all estates", gpd.GeoDataFrame(pts, crs=crs)

"""Seeded generator of the bundled demo district (``data/boundaries``).

The demo models the reference development zone in southern Wuxi (about 31.49 N, 120.33 E):
two streets (太湖街道 320211007, 华庄街道 320211006), 38 communities, a few hundred estates
with slab and tower buildings, non-residential land between them, a walking network that
runs between the estates, and the existing party-mass service facilities. **The geometry is
synthetic; only the counts follow the published figures** (38 communities, 198 grids).

Construction, in a local transverse Mercator frame in metres:

1. A jittered 8 x 6 lattice of arterial roads; each lattice cell belongs to one community
   (天鹅湖花园 takes 2 x 2 cells, about 1 km2; four edge communities take 2 or 3), so the
   communities tile the district exactly along arterial centre lines.
2. Community households are drawn so that the 300-500 household rule, aiming at 400 per
   grid, gives exactly the published 198 grids; each cell's share is split into small,
   medium and large estates.
3. Each cell is cut by residential lanes into a grid of parcels; estates take 1, 2 or 2 x 2
   parcels by what a parcel holds, two small ones may share a deep parcel split by a
   footway; free parcels become parks, schools, markets, factories. Estates are the parcels
   inset from the roads.
4. Buildings are rows of south-facing slabs (60 or 40 x 12 m) or point towers (25-28 m)
   inside each estate, the lowest density that holds its households (at most 34 floors;
   households move between estates of a cell when one cannot hold its share); households,
   party members and residents are apportioned exactly over the buildings.
5. Two canals cross the district west to east (water in the land-use layer); arterials
   bridge them, one lane per cell crosses on a footbridge, the others end on the banks.
6. The network is every arterial, lane and footway centre line, noded at every junction,
   both directions, lengths in metres.

Run ``python -m geo.demo --out DIR [--scale N] [--seed S]``; the same seed and scale always
write the same bytes.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from geo.demo import _layout as _lay
from geo.demo import _names as names
from geo.demo._io import COORD_DECIMALS, write_geojson, write_graphml, write_json
from geo.demo._layout import apportion
from geo.errors import InfeasibleError
from geo.settings import (
    DEFAULT_FULL_TIME_WORKERS,
    DEFAULT_MAX_HOUSEHOLDS,
    DEFAULT_MIN_HOUSEHOLDS,
    DEFAULT_PART_TIME_WORKERS,
    WGS84,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

log = logging.getLogger(__name__)

_Segment = tuple[np.ndarray, np.ndarray, str, str | None]  # a, b, highway, street name

#: Bumped whenever the output for a given seed and scale changes.
GENERATOR_VERSION = "3"
#: Centre of the demo district (WGS84 lon, lat): southern Wuxi.
CENTRE_LON, CENTRE_LAT = 120.33, 31.49
#: Published figures of the reference development zone that the counts follow.
PUBLISHED = {
    "communities": 38,
    "grids": 198,
    "full_time_workers": DEFAULT_FULL_TIME_WORKERS,
    "part_time_workers": DEFAULT_PART_TIME_WORKERS,
}
STATEMENT = (
    "geometry is synthetic; only the counts follow the published figures of the Wuxi "
    "Economic Development Zone (38 communities, 198 grids, 242 full-time and 1134 "
    "part-time grid workers)"
)
#: Files written by :func:`write_demo`, in order.
LAYER_FILES = ("communities", "estates", "buildings", "facilities", "landuse")
MAX_SCALE = 496  # street numbers must stay 3 digits (007 + 2 per copy)


# Lattice of one district copy: 7 columns x 6 rows of arterial cells; rows 0-2 华庄, 3-5 太湖.
@dataclass(frozen=True)
class DemoDistrict:
    """A generated demo district, everything in WGS84 (EPSG:4326).

    Attributes
    ----------
    layers : dict of str to GeoDataFrame
        ``communities``, ``estates``, ``buildings``, ``facilities``, ``landuse``.
    network : networkx.MultiDiGraph
        Walk network in the osmnx layout: ``crs`` graph attribute, nodes with ``x``, ``y``
        (lon, lat) and ``street_count``, edges in both directions with ``length`` in metres,
        ``osmid``, ``highway``.
    metadata : dict
        Seed, scale, generator version, totals, the statement that geometry is synthetic.
    """

    layers: dict[str, gpd.GeoDataFrame]
    network: nx.MultiDiGraph
    metadata: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# 5. the walk network


def _node_segments(
    a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split segments a-b at every segment end lying on them.

    Returns node coordinates (n, 2) and, per resulting edge, the node indices u, v and the
    index of the segment it comes from.
    """
    ends = np.concatenate([a, b])
    keys = np.round(ends, 3)
    points, inverse = np.unique(keys, axis=0, return_inverse=True)
    lines = shapely.linestrings(np.stack([a, b], axis=1))
    tree = shapely.STRtree(lines)
    p_idx, s_idx = tree.query(shapely.points(points), predicate="dwithin", distance=1e-3)
    d = b[s_idx] - a[s_idx]
    t = np.einsum("ij,ij->i", points[p_idx] - a[s_idx], d) / np.einsum("ij,ij->i", d, d)
    order = np.lexsort((t, s_idx))
    p_idx, s_idx = p_idx[order], s_idx[order]
    same = s_idx[1:] == s_idx[:-1]
    u, v, seg = p_idx[:-1][same], p_idx[1:][same], s_idx[:-1][same]
    keep = u != v
    del inverse
    return points, u[keep], v[keep], seg[keep]


def _network(segments: list[_Segment], to_wgs84: Any) -> nx.MultiDiGraph:
    """The osmnx-layout walk network of the segments (metric coordinates in)."""
    import networkx as nx

    a = np.array([s[0] for s in segments])
    b = np.array([s[1] for s in segments])
    points, u, v, seg = _node_segments(a, b)
    lon, lat = to_wgs84(points[:, 0], points[:, 1])
    lon, lat = np.round(lon, COORD_DECIMALS), np.round(lat, COORD_DECIMALS)
    length = np.round(np.hypot(*(points[u] - points[v]).T), 3)
    degree = np.bincount(np.concatenate([u, v]), minlength=len(points))
    graph = nx.MultiDiGraph(
        crs="epsg:4326",
        created_with=f"gridplan geo.demo {GENERATOR_VERSION}",
        name="gridplan demo walk network (synthetic)",
    )
    used = np.flatnonzero(degree > 0)
    for i in used:
        graph.add_node(int(i) + 1, x=float(lon[i]), y=float(lat[i]), street_count=int(degree[i]))
    for uu, vv, ss, ll in zip(u.tolist(), v.tolist(), seg.tolist(), length.tolist(), strict=True):
        attrs = {"osmid": ss + 1, "highway": segments[ss][2], "oneway": False, "length": ll}
        if segments[ss][3]:
            attrs["name"] = segments[ss][3]
        graph.add_edge(uu + 1, vv + 1, key=0, reversed=False, **attrs)
        graph.add_edge(vv + 1, uu + 1, key=0, reversed=True, **attrs)
    if not nx.is_strongly_connected(graph):
        raise InfeasibleError("demo walk network is not connected; report this generator bug")
    return graph


# --------------------------------------------------------------------------------------
# 6. assembling the district


def _local_crs() -> str:
    return (
        f"+proj=tmerc +lat_0={CENTRE_LAT} +lon_0={CENTRE_LON} +k=1 +x_0=0 +y_0=0 "
        "+ellps=GRS80 +units=m +no_defs"
    )


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng([seed, *key])


_LANDUSE_WEIGHTS = {
    "park": 0.3,
    "school": 0.14,
    "kindergarten": 0.12,
    "market": 0.1,
    "commercial": 0.12,
    "factory": 0.12,
    "sports": 0.05,
    "clinic": 0.05,
}


def _estate_counts(
    rng: np.random.Generator, community: _lay.Community, estates: list[dict[str, Any]]
) -> None:
    """Fill party members and residents of a community's estates (in place, private data)."""
    hh = np.array([e["households"] for e in estates], dtype=float)
    if community.party_members is not None:
        party = apportion(community.party_members, hh)
    else:
        party = np.round(hh * rng.uniform(0.045, 0.065, len(hh))).astype(int)
    residents = np.round(hh * rng.uniform(2.45, 2.85, len(hh))).astype(int)
    for e, p, r in zip(estates, party, residents, strict=True):
        e["party_members"] = int(p)
        e["residents"] = int(r)


def _building_counts(estates: list[dict[str, Any]], buildings: list[dict[str, Any]]) -> None:
    """Apportion each estate's counts over its buildings exactly; set floors (in place)."""
    by_estate: dict[str, list[dict[str, Any]]] = {}
    for b in buildings:
        by_estate.setdefault(b["estate_id"], []).append(b)
    for e in estates:
        group = by_estate[e["estate_id"]]
        hh = apportion(e["households"], np.ones(len(group)))
        party = apportion(e["party_members"], hh)
        residents = apportion(e["residents"], hh)
        for b, h, p, r in zip(group, hh, party, residents, strict=True):
            b["households"], b["party_members"], b["residents"] = int(h), int(p), int(r)
            b["floors"] = max(1, math.ceil(int(h) / b.pop("per_floor")))


@dataclass
class _CommunityParts:
    community: dict[str, Any]
    estates: list[dict[str, Any]]
    buildings: list[dict[str, Any]]
    landuse: list[dict[str, Any]]
    segments: list[_Segment]


def _community_layout(
    rng: np.random.Generator, c: _lay.Community, nodes: np.ndarray, taken: set[str]
) -> _CommunityParts:
    """Polygon, estates, buildings, free parcels and lanes of one community (metric)."""
    corners = [nodes[[r, r, r + 1, r + 1], [col, col + 1, col, col + 1]] for r, col in c.cells]
    quads = [shapely.Polygon(q[[0, 1, 3, 2]]) for q in corners]
    geom = quads[0] if len(quads) == 1 else shapely.union_all(quads)
    row = {
        "community_id": c.community_id,
        "name": c.name,
        "street": c.street,
        "street_code": c.street_code,
        "community_code": c.community_code,
        "geometry": geom,
    }
    parts = _CommunityParts(row, [], [], [], [])
    shares = apportion(c.households, np.array([q.area for q in quads]))
    p_large = 0.3 if len(c.cells) == 4 else 0.04  # 天鹅湖花园 is mostly large estates
    for (r, _), q, share in zip(c.cells, corners, shares, strict=True):
        res = _lay.cell(
            rng,
            q,
            c,
            int(share),
            p_large,
            taken,
            len(parts.estates) + 1,
            _lay.CANAL_ROWS.get(r % _lay.ROWS),
        )
        parts.estates += res.estates
        parts.buildings += res.buildings
        parts.landuse += res.landuse
        parts.segments += [(a, b, kind, None) for a, b, kind in res.segments]
    _estate_counts(rng, c, parts.estates)
    for lu in parts.landuse:
        lu["community_id"] = c.community_id
    return parts


def build_demo(*, scale: int = 1, seed: int = 0) -> DemoDistrict:
    """Generate the demo district: layers, walk network and metadata, all in WGS84.

    Parameters
    ----------
    scale : int, default 1
        Number of district copies side by side (``N`` times 38 communities at the same
        density), 1 to 496. Scale 1 is the bundled demo.
    seed : int, default 0
        Random seed; the same seed and scale always give the same district.

    Returns
    -------
    DemoDistrict

    Raises
    ------
    InfeasibleError
        If ``scale`` or ``seed`` is out of range.

    Examples
    --------
    >>> demo = build_demo()
    >>> len(demo.layers["communities"])
    38
    """
    import geopandas as gpd
    from pyproj import Transformer

    if not isinstance(scale, int) or not 1 <= scale <= MAX_SCALE:
        raise InfeasibleError(f"`scale` must be an integer from 1 to {MAX_SCALE}, got {scale!r}")
    if not isinstance(seed, int) or seed < 0:
        raise InfeasibleError(f"`seed` must be a non-negative integer, got {seed!r}")
    nodes = _lay.lattice(_rng(seed, 0), scale)
    tx, ty = _lay.tiles_shape(scale)
    in_district = np.zeros((_lay.ROWS * ty, _lay.COLS * tx), dtype=bool)
    communities: list[_lay.Community] = []
    for tile in range(scale):
        communities += _lay.tile_communities(_rng(seed, 1, tile), tile, scale)
    for c in communities:
        for r, col in c.cells:
            in_district[r, col] = True

    comm_rows: list[dict[str, Any]] = []
    estates: list[dict[str, Any]] = []
    buildings: list[dict[str, Any]] = []
    landuse: list[dict[str, Any]] = []
    segments: list[_Segment] = [
        (a, b, kind, name) for a, b, kind, name in _lay.arterials(nodes, in_district)
    ]
    taken_by_tile: dict[int, set[str]] = {}
    for ci, c in enumerate(communities):
        part = _community_layout(
            _rng(seed, 2, ci), c, nodes, taken_by_tile.setdefault(c.tile, set())
        )
        comm_rows.append(part.community)
        estates += part.estates
        buildings += part.buildings
        landuse += part.landuse
        segments += part.segments
    _building_counts(estates, buildings)
    facilities = _community_centres(communities, comm_rows, landuse)
    facilities = _upper_facilities(seed, communities, comm_rows, landuse, estates) + facilities
    _name_landuse(seed, landuse, {c.community_id: c.name for c in communities})

    to_wgs84 = Transformer.from_crs(_local_crs(), WGS84, always_xy=True).transform
    network = _network(segments, to_wgs84)
    layers = {
        "communities": _frame(comm_rows, to_wgs84, gpd),
        "estates": _frame(estates, to_wgs84, gpd),
        "buildings": _frame(buildings, to_wgs84, gpd),
        "facilities": _frame(facilities, to_wgs84, gpd),
        "landuse": _frame(landuse, to_wgs84, gpd),
    }
    metadata = _metadata(seed, scale, layers, network, communities)
    return DemoDistrict(layers, network, metadata)


def _community_centres(
    communities: list[_lay.Community],
    comm_rows: list[dict[str, Any]],
    landuse: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """One service centre per community, on its free parcel nearest to the district centre.

    Centres drawn toward the middle, as in towns that grew outwards, leave estates on the
    outer edge of the district beyond a 10- or 15-minute walk: the gaps that the coverage
    review finds and the siting models fill.
    """
    geoms: dict[int, list[shapely.Geometry]] = {}
    for c, row in zip(communities, comm_rows, strict=True):
        geoms.setdefault(c.tile, []).append(row["geometry"])
    mid = {tile: np.asarray(shapely.union_all(g).centroid.coords[0]) for tile, g in geoms.items()}
    free: dict[str, list[dict[str, Any]]] = {}
    for lu in landuse:
        if "kind" not in lu:
            free.setdefault(lu["community_id"], []).append(lu)
    out = []
    for c in communities:
        mine = free[c.community_id]
        pts = shapely.get_coordinates(shapely.centroid([lu["geometry"] for lu in mine]))
        centre = mine[int(np.argmin(np.hypot(*(pts - mid[c.tile]).T)))]
        centre["kind"] = "public_service"
        centre["name"] = f"{c.name}社区党群服务中心"
        out.append(
            {
                "facility_id": f"F{c.community_id}",
                "name": centre["name"],
                "level": "community",
                "community_id": c.community_id,
                "geometry": centre["geometry"].representative_point(),
            }
        )
    return out


def _nearest_free(
    free: list[dict[str, Any]], target: np.ndarray, community_ids: set[str]
) -> dict[str, Any]:
    """The free parcel of ``community_ids`` nearest to ``target``; it is marked taken."""
    mine = [lu for lu in free if lu["community_id"] in community_ids and "kind" not in lu]
    if not mine:
        raise InfeasibleError("demo district has no free parcel for a street or district centre")
    pts = shapely.get_coordinates(shapely.centroid([lu["geometry"] for lu in mine]))
    lu = mine[int(np.argmin(np.hypot(*(pts - target).T)))]
    lu["kind"] = "public_service"
    return lu


def _upper_facilities(
    seed: int,
    communities: list[_lay.Community],
    comm_rows: list[dict[str, Any]],
    landuse: list[dict[str, Any]],
    estates: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """District centre, street stations (on free parcels near their centres), estate posts."""
    rng = _rng(seed, 3)
    tile_of = {c.community_id: c.tile for c in communities}
    geoms = {row["community_id"]: row["geometry"] for row in comm_rows}
    members: dict[int, list[_lay.Community]] = {}
    for c in communities:
        members.setdefault(c.tile, []).append(c)
    free: dict[int, list[dict[str, Any]]] = {}
    for lu in landuse:
        if "kind" not in lu:
            free.setdefault(tile_of[lu["community_id"]], []).append(lu)
    benchmark = {c.community_id for c in communities if c.party_members is not None}
    large: dict[int, list[dict[str, Any]]] = {}
    for e in estates:  # posts sit in large estates outside the benchmark community
        if e["households"] >= 700 and e["community_id"] not in benchmark:
            large.setdefault(tile_of[e["community_id"]], []).append(e)
    out: list[dict[str, Any]] = []
    for tile in sorted(members):
        suffix = "" if tile == 0 else f"-{tile:03d}"
        groups = [("district", f"FD{tile + 1:03d}", f"经开区党群服务中心{suffix}", members[tile])]
        for code in sorted({c.street_code for c in members[tile]}):
            street = [c for c in members[tile] if c.street_code == code]
            groups.append(("street", f"FS{code}", f"{street[0].street}党群服务中心", street))
        for level, facility_id, name, group in groups:
            ids = {c.community_id for c in group}
            mid = np.asarray(shapely.union_all([geoms[i] for i in ids]).centroid.coords[0])
            lu = _nearest_free(free[tile], mid, ids)
            lu["name"] = name
            out.append(
                {
                    "facility_id": facility_id,
                    "name": name,
                    "level": level,
                    "community_id": lu["community_id"],
                    "geometry": lu["geometry"].representative_point(),
                }
            )
        pool = large.get(tile, [])
        for n, i in enumerate(
            sorted(rng.choice(len(pool), size=min(4, len(pool)), replace=False)), 1
        ):
            e = pool[int(i)]
            corner = e["geometry"].buffer(-2.0, join_style="mitre").exterior.coords[0]
            out.append(
                {
                    "facility_id": f"FP{tile + 1:03d}{n:02d}",
                    "name": f"{e['name']}党群服务站",
                    "level": "post",
                    "community_id": e["community_id"],
                    "geometry": shapely.Point(corner),
                }
            )
    return out


def _name_landuse(
    seed: int, landuse: list[dict[str, Any]], community_names: dict[str, str]
) -> None:
    """Give every free parcel a kind and a name (``旺安公园``, ``旺安公园2``); number ids (in place)."""
    rng = _rng(seed, 4)
    kinds = list(_LANDUSE_WEIGHTS)
    p = np.array(list(_LANDUSE_WEIGHTS.values()))
    seen: dict[str, int] = {}
    for n, lu in enumerate(landuse, 1):
        if "kind" not in lu:
            lu["kind"] = kinds[int(rng.choice(len(kinds), p=p / p.sum()))]
            stem = f"{lu['community_id']}{lu['kind']}"
            seen[stem] = seen.get(stem, 0) + 1
            lu["name"] = (
                community_names[lu["community_id"]]
                + names.LANDUSE_KINDS[lu["kind"]]
                + ("" if seen[stem] == 1 else f"{seen[stem]}")
            )
        lu["landuse_id"] = f"L{n:06d}"


def _frame(rows: list[dict[str, Any]], to_wgs84: Any, gpd: Any) -> gpd.GeoDataFrame:
    """GeoDataFrame in WGS84 with coordinates rounded as in the files, CCW exteriors."""
    geoms = np.array([r["geometry"] for r in rows], dtype=object)
    geoms = shapely.transform(
        geoms, lambda xy: np.round(np.column_stack(to_wgs84(xy[:, 0], xy[:, 1])), COORD_DECIMALS)
    )
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    data = [{k: v for k, v in r.items() if k != "geometry"} for r in rows]
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=WGS84)


def _grids_mid_band(households: int) -> int:
    """Grids of a community under the 300-500 rule aiming at 400 (the engine's default)."""
    lo = math.ceil(households / DEFAULT_MAX_HOUSEHOLDS)
    hi = max(lo, households // DEFAULT_MIN_HOUSEHOLDS)
    return min(max(round(households / _lay.GRID_MID), lo), hi)


def _metadata(
    seed: int,
    scale: int,
    layers: dict[str, gpd.GeoDataFrame],
    network: nx.MultiDiGraph,
    communities: list[_lay.Community],
) -> dict[str, Any]:
    est = layers["estates"]
    hh = est.groupby("community_id")["households"].sum()
    grids_500 = int(np.ceil(hh / DEFAULT_MAX_HOUSEHOLDS).sum())
    grids_400 = sum(_grids_mid_band(int(h)) for h in hh)
    bench = [c for c in communities if c.name == names.BENCHMARK_COMMUNITY]
    fac = layers["facilities"]["level"].value_counts()
    out: dict[str, Any] = {
        "generator": "python -m geo.demo",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "scale": scale,
        "statement": STATEMENT,
        "crs": "EPSG:4326 (RFC 7946 GeoJSON, lon/lat, 7 decimals)",
        "centre_lon_lat": [CENTRE_LON, CENTRE_LAT],
        "published": PUBLISHED,
        "layers": {name: len(gdf) for name, gdf in layers.items()},
        "streets": sorted({f"{c.street_code} {c.street}" for c in communities}),
        "totals": {
            "households": int(est["households"].sum()),
            "party_members": int(est["party_members"].sum()),
            "residents": int(est["residents"].sum()),
            "facilities_by_level": {k: int(v) for k, v in sorted(fac.items())},
            "network_nodes": network.number_of_nodes(),
            "network_edges": network.number_of_edges(),
        },
        "grids_by_rule": {
            "fewest grids: ceil(households / 500) per community": grids_500,
            "mid-band: round(households / 400) within ceil(h / 500)..floor(h / 300)": grids_400,
        },
    }
    if bench:
        cid = bench[0].community_id
        geom = layers["communities"].set_index("community_id").loc[[cid]]
        area = float(geom.to_crs(_local_crs()).area.iloc[0])
        out["benchmark_community"] = {
            "community_id": cid,
            "name": names.BENCHMARK_COMMUNITY,
            "area_km2": round(area / 1e6, 3),
            "households": int(hh[cid]),
            "party_members": int(est.loc[est["community_id"] == cid, "party_members"].sum()),
        }
    return out


def generate_demo(*, scale: int = 1, seed: int = 0) -> dict[str, gpd.GeoDataFrame]:
    """Return the demo layers (WGS84 GeoDataFrames); see :func:`build_demo`."""
    return build_demo(scale=scale, seed=seed).layers


def write_demo(out_dir: str | Path, *, scale: int = 1, seed: int = 0) -> dict[str, Path]:
    """Generate the demo district and write it to ``out_dir`` (created if missing).

    Writes ``communities.geojson``, ``estates.geojson``, ``buildings.geojson``,
    ``facilities.geojson``, ``landuse.geojson``, ``walk.graphml`` and ``metadata.json``;
    the same ``scale`` and ``seed`` always give the same bytes.

    Returns
    -------
    dict of str to Path
        The files written, by layer name (``"network"``, ``"metadata"`` for the last two).
    """
    demo = build_demo(scale=scale, seed=seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        name: write_geojson(demo.layers[name], out / f"{name}.geojson") for name in LAYER_FILES
    }
    paths["network"] = write_graphml(demo.network, out / "walk.graphml")
    paths["metadata"] = write_json(demo.metadata, out / "metadata.json")
    log.info("demo written to %s: %s", out, demo.metadata["layers"])
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m geo.demo --out DIR [--scale N] [--seed S]``."""
    parser = argparse.ArgumentParser(prog="python -m geo.demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", required=True, type=Path, help="output folder (created if missing)"
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        help=f"copies of the 38-community district side by side, 1-{MAX_SCALE} (default 1)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    try:
        paths = write_demo(args.out, scale=args.scale, seed=args.seed)
    except InfeasibleError as exc:
        print(f"python -m geo.demo: {exc}", file=sys.stderr)
        return 2
    for path in paths.values():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

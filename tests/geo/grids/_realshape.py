"""A seeded generator of districts with the shapes real data has (issue 11).

The bundled demo is synthetic and regular; real land-use data is not. This generator
builds a district whose features are common in real data, from a seed only:

- communities made by polygonizing an irregular road network (a jittered lattice of
  arterials plus a few diagonal roads, :func:`shapely.polygonize`);
- sparse parcels: estates cover only part of each community, with roads, parks and other
  land between them;
- high-rise estates of 1,000-6,000 households and no buildings layer;
- long and thin, concave (U-shaped) and L-shaped parcels;
- parcels touching only at a corner;
- a lake hole in one community;
- a community in two parts (cut by a river strip).

All geometry is in UTM zone 50N (EPSG:32650, metres), offset to a plausible place.
Used by the property tests and by ``bench/bench_gridding.py`` (which imports it from here).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, Polygon, box

CRS = "EPSG:32650"
X0, Y0 = 500_000.0, 3_500_000.0
#: Party members per household (about the demo's 6 %).
PARTY_SHARE = 0.06


@dataclass(frozen=True)
class District:
    """The layers of a generated district (metric CRS) and what makes it hard."""

    communities: gpd.GeoDataFrame
    estates: gpd.GeoDataFrame
    lake_community: str
    two_part_community: str


def road_network(rng: np.random.Generator, nx: int, ny: int, block_m: float) -> list[LineString]:
    """Arterials of a jittered lattice (each road a wavy polyline) plus two diagonals."""
    jitter = 0.22 * block_m
    xs = np.arange(nx + 1) * block_m
    ys = np.arange(ny + 1) * block_m
    nodes = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1).astype(float)
    nodes[1:-1, 1:-1] += rng.uniform(-jitter, jitter, (nx - 1, ny - 1, 2))
    lines: list[LineString] = []

    def wavy(a: np.ndarray, b: np.ndarray) -> LineString:
        mid = (a + b) / 2 + rng.uniform(-0.08, 0.08, 2) * block_m
        return LineString([tuple(a), tuple(mid), tuple(b)])

    for i in range(nx + 1):
        for j in range(ny):
            lines.append(wavy(nodes[i, j], nodes[i, j + 1]))
    for j in range(ny + 1):
        for i in range(nx):
            lines.append(wavy(nodes[i, j], nodes[i + 1, j]))
    w, h = nx * block_m, ny * block_m
    lines.append(LineString([(0.0, 0.35 * h), (0.6 * w, h)]))
    lines.append(LineString([(0.45 * w, 0.0), (w, 0.55 * h)]))
    return lines


def _parcel_shape(rng: np.random.Generator, kind: str, size: float) -> Polygon:
    """A parcel of ``kind`` around the origin, about ``size`` metres across."""
    if kind == "long":
        shape = box(-size, -size / 7, size, size / 7)
    elif kind == "L":
        arm = size * 0.35
        shape = shapely.union(
            box(-size / 2, -size / 2, size / 2, -size / 2 + arm),
            box(-size / 2, -size / 2, -size / 2 + arm, size / 2),
        )
    elif kind == "U":
        t = size * 0.28
        shape = shapely.difference(
            box(-size / 2, -size / 2, size / 2, size / 2),
            box(-size / 2 + t, -size / 2 + t, size / 2 - t, size / 2 + 1),
        )
    else:  # a plain block, somewhat irregular
        pts = [
            (
                np.cos(a) * size / 2 * rng.uniform(0.75, 1.0),
                np.sin(a) * size / 2 * rng.uniform(0.75, 1.0),
            )
            for a in np.linspace(0, 2 * np.pi, 7)[:-1] + rng.uniform(0, 0.5)
        ]
        shape = Polygon(pts).convex_hull
    return affinity.rotate(shape, float(rng.uniform(0, 180)), origin=(0, 0))


def _households(rng: np.random.Generator, high_rise: bool) -> float:
    if high_rise:
        return float(rng.integers(1000, 6001))
    return float(rng.integers(60, 480))


def make_district(
    seed: int = 0,
    nx: int = 4,
    ny: int = 4,
    block_m: float = 700.0,
    parcels_per_community: int = 10,
    high_rise_share: float = 0.15,
) -> District:
    """A district of about ``nx * ny`` communities with real-data shapes (see module doc).

    Parameters
    ----------
    seed : int
        Everything follows from it.
    nx, ny : int
        Lattice cells of the arterial road network (communities are its faces).
    block_m : float
        Lattice spacing in metres.
    parcels_per_community : int
        Parcels tried per community (fewer fit in small ones).
    high_rise_share : float
        Share of parcels that are high-rise estates of 1,000-6,000 households.
    """
    rng = np.random.default_rng(seed)
    roads = shapely.union_all(road_network(rng, nx, ny, block_m))
    faces = [
        f
        for f in shapely.get_parts(shapely.polygonize(shapely.get_parts(roads)))
        if f.area > 0.15 * block_m**2
    ]
    faces.sort(key=lambda f: (round(f.centroid.y, 3), round(f.centroid.x, 3)))
    road_half_width = 12.0
    comms = [shapely.buffer(f, -road_half_width, join_style="mitre") for f in faces]
    comms = [c for c in comms if not c.is_empty and c.area > 0.1 * block_m**2]
    # a lake hole in one community, a river cutting another in two
    lake_i = len(comms) // 3
    c = comms[lake_i]
    lake = shapely.buffer(c.representative_point(), 0.12 * block_m, quad_segs=6)
    comms[lake_i] = shapely.difference(c, lake)
    two_i = (2 * len(comms)) // 3
    c = comms[two_i]
    cx, cy = c.centroid.x, c.centroid.y
    river = shapely.buffer(
        LineString(
            [(cx - 2 * block_m, cy - 0.3 * block_m), (cx + 2 * block_m, cy + 0.3 * block_m)]
        ),
        18.0,
    )
    comms[two_i] = shapely.difference(c, river)
    cids = [f"C{i + 1:02d}" for i in range(len(comms))]
    rows = []
    kinds = ["block", "long", "L", "U", "block", "block"]
    for cid, comm in zip(cids, comms, strict=True):
        inner = shapely.buffer(comm, -8.0)
        taken = shapely.Polygon()
        minx, miny, maxx, maxy = inner.bounds
        placed = 0
        corner_done = False
        for attempt in range(parcels_per_community * 8):
            if placed >= parcels_per_community:
                break
            kind = kinds[int(rng.integers(len(kinds)))]
            size = float(rng.uniform(0.18, 0.36) * block_m)
            shape = _parcel_shape(rng, kind, size)
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            shape = affinity.translate(shape, x, y)
            shape = shapely.intersection(shape, inner)
            shape = shapely.difference(shape, shapely.buffer(taken, 6.0))
            shape = _largest(shape)
            if shape is None or shape.area < 0.01 * block_m**2:
                continue
            high = rng.random() < high_rise_share
            hh = _households(rng, high)
            rows.append(
                {
                    "estate_id": f"{cid}-E{placed + 1:02d}",
                    "community_id": cid,
                    "households": hh,
                    "geometry": shape,
                }
            )
            taken = shapely.union(taken, shape)
            placed += 1
            if not corner_done and kind == "block" and attempt > 0:
                # a square parcel touching this one at one corner only
                side = 0.12 * block_m
                # snap: the corner parcel starts at a vertex of the parcel
                vx, vy = max(shapely.get_coordinates(shape.exterior), key=lambda p: p[0] + p[1])
                corner = box(vx, vy, vx + side, vy + side)
                if (
                    shapely.within(corner, inner)
                    and not shapely.intersects(corner, shapely.buffer(taken, -0.01))
                    and shapely.intersection(corner, taken).area == 0
                ):
                    rows.append(
                        {
                            "estate_id": f"{cid}-E{placed + 1:02d}",
                            "community_id": cid,
                            "households": _households(rng, False),
                            "geometry": corner,
                        }
                    )
                    taken = shapely.union(taken, corner)
                    placed += 1
                    corner_done = True
    estates = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    estates["party_members"] = np.round(estates["households"] * PARTY_SHARE)
    estates["geometry"] = estates.geometry.translate(X0, Y0)
    communities = gpd.GeoDataFrame(
        {"community_id": cids, "name": [f"社区{c}" for c in cids]},
        geometry=gpd.GeoSeries(comms, crs=CRS).translate(X0, Y0),
        crs=CRS,
    )
    return District(communities, estates, cids[lake_i], cids[two_i])


def _largest(g: shapely.Geometry) -> Polygon | None:
    if g.is_empty:
        return None
    parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
    if not parts:
        return None
    return max(parts, key=lambda p: p.area)


def district_layers(seed: int = 0, **kwargs: object) -> object:
    """The district as :class:`geo.data.schema.Layers` (no buildings layer)."""
    from geo.data.schema import Layers

    d = make_district(seed, **kwargs)  # type: ignore[arg-type]
    return Layers(communities=d.communities, estates=d.estates)

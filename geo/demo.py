"""Seeded generator of the bundled demo district (``data/boundaries``).

The demo models the reference development zone in southern Wuxi (about 31.49 N, 120.33 E):
two streets (太湖街道 320211007, 华庄街道 320211006), 38 communities, a few hundred estates
with slab and tower buildings, non-residential land between them, a walking network that
runs between the estates, and the existing party-mass service facilities. **The geometry is
synthetic; only the counts follow the published figures** (38 communities, 198 grids).

Construction, in a local transverse Mercator frame in metres:

1. A jittered lattice of arterial roads; each lattice cell belongs to one community
   (天鹅湖花园 takes 2 x 2 cells, about 1 km2; one 华庄 community takes 1 x 2), so the
   communities tile the district exactly along arterial centre lines.
2. Community households are drawn so that the 300-500 household rule gives about 198 grids;
   each cell's share is split into small, medium and large estates.
3. Each cell is cut by residential lanes into a grid of parcels; large estates take 2 or
   2 x 2 parcels, small ones may share a parcel split by a footway; free parcels become
   parks, schools, markets, factories. Estates are the parcels inset from the roads.
4. Buildings are rows of south-facing slabs (about 60 x 12 m) or point towers (25 x 25 m)
   inside each estate; households and party members are apportioned exactly.
5. The network is every arterial, lane and footway centre line, noded at every junction,
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

from geo import _demo_names as names
from geo._demo_io import COORD_DECIMALS, write_geojson, write_graphml, write_json
from geo.errors import InfeasibleError
from geo.settings import (
    DEFAULT_FULL_TIME_WORKERS,
    DEFAULT_MAX_HOUSEHOLDS,
    DEFAULT_MIN_HOUSEHOLDS,
    DEFAULT_PART_TIME_WORKERS,
    DEMO_DIVISION_CODE,
    WGS84,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

log = logging.getLogger(__name__)

#: Bumped whenever the output for a given seed and scale changes.
GENERATOR_VERSION = "1"
#: Centre of the demo district (WGS84 lon, lat): southern Wuxi.
CENTRE_LON, CENTRE_LAT = 120.33, 31.49
#: Published figures of the reference development zone that the counts follow.
PUBLISHED = {"communities": 38, "grids": 198,
             "full_time_workers": DEFAULT_FULL_TIME_WORKERS,
             "part_time_workers": DEFAULT_PART_TIME_WORKERS}
STATEMENT = ("geometry is synthetic; only the counts follow the published figures of the Wuxi "
             "Economic Development Zone (38 communities, 198 grids, 242 full-time and 1134 "
             "part-time grid workers)")
#: Files written by :func:`write_demo`, in order.
LAYER_FILES = ("communities", "estates", "buildings", "facilities", "landuse")
MAX_SCALE = 496  # street numbers must stay 3 digits (007 + 2 per copy)

# Lattice of one district copy: 7 columns x 6 rows of arterial cells; rows 0-2 华庄, 3-5 太湖.
# Communities of several cells, by street number: (row, col) cells; the first of 太湖 is
# 天鹅湖花园 (2 x 2 cells, about 1 km2); the others lie on the edge of the district, where
# towns grow into former villages and factory land.
_COLS, _ROWS = 8, 6
_SWAN_CELLS = ((4, 2), (4, 3), (5, 2), (5, 3))
_MULTI_CELLS: dict[int, tuple[tuple[tuple[int, int], ...], ...]] = {
    6: (((0, 0), (0, 1)), ((2, 0), (2, 1)), ((0, 5), (0, 6), (0, 7))),
    7: (_SWAN_CELLS, ((3, 0), (4, 0)), ((5, 5), (5, 6), (5, 7))),
}
_JITTER_M = 14.0
_LANE_SETBACK_M = 8.0       # estate wall to lane centre line
_ARTERIAL_SETBACK_M = 18.0  # estate wall to arterial centre line
_BUILDING_MARGIN_M = 5.0    # building to estate wall
_TARGET_GRIDS_OTHER = 176   # grids of the 37 other communities; + 22 for 天鹅湖花园 = 198
_GRID_MID = 400             # households per grid at the middle of the 300-500 rule


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
# small pure helpers


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split the integer ``total`` in proportion to ``weights`` (largest remainder).

    Ties go to the earlier index, so the result is deterministic. Zero total weight spreads
    evenly.

    Examples
    --------
    >>> apportion(10, np.array([1.0, 1.0, 1.0])).tolist()
    [4, 3, 3]
    """
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        w = np.ones_like(w)
    quota = total * w / w.sum()
    base = np.floor(quota).astype(np.int64)
    rest = int(total - base.sum())
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:rest]] += 1
    return base


def _bilinear(corners: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Points of the patch with corners NW, NE, SW, SE at parameters u (east), v (south)."""
    nw, ne, sw, se = corners
    u = np.asarray(u, dtype=float)[..., None]
    v = np.asarray(v, dtype=float)[..., None]
    return (1 - u) * (1 - v) * nw + u * (1 - v) * ne + (1 - u) * v * sw + u * v * se


def _splits(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n + 1`` increasing parameters from 0 to 1, interior ones jittered."""
    t = np.linspace(0.0, 1.0, n + 1)
    t[1:-1] += rng.uniform(-0.18, 0.18, n - 1) / n
    return t


# --------------------------------------------------------------------------------------
# 1. lattice and communities


@dataclass
class _Community:
    tile: int
    street: str
    street_code: str
    name: str
    cells: list[tuple[int, int]]          # global (row, col) lattice cells
    households: int = 0
    party_members: int | None = None      # fixed total (the benchmark community) or None
    community_code: str = ""

    @property
    def community_id(self) -> str:
        return self.street_code + self.community_code


def _tiles_shape(scale: int) -> tuple[int, int]:
    tx = math.ceil(math.sqrt(scale))
    return tx, math.ceil(scale / tx)


def _lattice(rng: np.random.Generator, scale: int) -> np.ndarray:
    """Jittered lattice node coordinates, shape (rows + 1, cols + 1, 2), metres, y north."""
    tx, ty = _tiles_shape(scale)
    widths = rng.uniform(400.0, 540.0, _COLS * tx)
    heights = rng.uniform(360.0, 470.0, _ROWS * ty)
    for t in range(tx):  # 天鹅湖花园 columns: about 1 km east-west
        widths[t * _COLS + 2: t * _COLS + 4] = rng.uniform(495.0, 515.0, 2)
    for t in range(ty):  # and about 1 km north-south
        heights[t * _ROWS + 4: t * _ROWS + 6] = rng.uniform(485.0, 505.0, 2)
    xs = np.concatenate([[0.0], np.cumsum(widths)])
    ys = -np.concatenate([[0.0], np.cumsum(heights)])
    xs -= xs[-1] / 2
    ys -= ys[-1] / 2
    nodes = np.stack(np.meshgrid(xs, ys), axis=-1)
    nodes += rng.uniform(-_JITTER_M, _JITTER_M, nodes.shape)
    # a ragged outline: edge nodes move further across the edge
    nodes[[0, -1], :, 1] += rng.uniform(-2.5 * _JITTER_M, 2.5 * _JITTER_M, (2, nodes.shape[1]))
    nodes[:, [0, -1], 0] += rng.uniform(-2.5 * _JITTER_M, 2.5 * _JITTER_M, (nodes.shape[0], 2))
    return nodes


def _tile_communities(rng: np.random.Generator, tile: int, scale: int) -> list[_Community]:
    """The 38 communities of district copy ``tile`` with their cells and households."""
    tx, _ = _tiles_shape(scale)
    r0, c0 = (tile // tx) * _ROWS, (tile % tx) * _COLS
    out: list[_Community] = []
    for street, number in names.STREETS:
        code = f"{DEMO_DIVISION_CODE}{number + 2 * tile:03d}"
        rows = range(0, 3) if number == 6 else range(3, 6)
        groups: list[list[tuple[int, int]]] = []
        multi = {g[0]: g for g in _MULTI_CELLS[number]}
        in_multi = {cell for g in _MULTI_CELLS[number] for cell in g}
        for r in rows:
            for c in range(_COLS):
                if (r, c) in multi:
                    groups.append(list(multi[(r, c)]))
                elif (r, c) not in in_multi:
                    groups.append([(r, c)])
        pool = list(names.COMMUNITY_NAMES[street])
        public, invented = pool[:7], pool[7:]
        order = list(rng.permutation(len(groups)))
        assigned: dict[int, str] = {}
        if number == 7:
            swan = next(i for i, g in enumerate(groups) if len(g) == 4)
            assigned[swan] = names.BENCHMARK_COMMUNITY
            public.remove(names.BENCHMARK_COMMUNITY)
            order.remove(swan)
        for i, name in zip(order, public + invented, strict=True):
            assigned[int(i)] = name
        suffix = "" if tile == 0 else f"-{tile:03d}"
        for i, cells in enumerate(groups):
            out.append(_Community(tile, street + suffix, code, assigned[i] + suffix,
                                  [(r0 + r, c0 + c) for r, c in cells]))
    _draw_households(rng, out)
    for street in {c.street for c in out}:  # codes west to east, then north to south
        members = sorted((c for c in out if c.street == street), key=lambda c: (c.cells[0][0], c.cells[0][1]))
        for i, c in enumerate(members, 1):
            c.community_code = f"{i:03d}"
    return out


def _draw_households(rng: np.random.Generator, communities: list[_Community]) -> None:
    """Households per community so that the 300-500 rule gives the published 198 grids.

    Aiming at 400 per grid (round(h/400), as ``geo.gridding`` does) gives exactly 198;
    the fewest grids (ceil(h/500)) gives 194.

    A community sized for k grids gets households in
    [max(500(k-1)+1, 400k-200), min(500k, 400k+199)], non-empty for k <= 6.
    """
    others = [c for c in communities if c.name.split("-")[0] != names.BENCHMARK_COMMUNITY]
    k = rng.choice([2, 3, 4, 5, 6], size=len(others), p=[0.04, 0.14, 0.22, 0.3, 0.3])
    for i, c in enumerate(others):
        if len(c.cells) > 1:
            k[i] = max(k[i], 5)
    while k.sum() != _TARGET_GRIDS_OTHER:
        step = 1 if k.sum() < _TARGET_GRIDS_OTHER else -1
        can = np.flatnonzero((k < 6) if step > 0 else (k > 2))
        k[can[int(rng.integers(len(can)))]] += step
    for c, kk in zip(others, k, strict=True):
        lo = max(DEFAULT_MAX_HOUSEHOLDS * (kk - 1) + 1, _GRID_MID * kk - 200)
        hi = min(DEFAULT_MAX_HOUSEHOLDS * kk, _GRID_MID * kk + 199)
        c.households = int(rng.integers(lo, hi + 1))
    for c in communities:
        if c.name.split("-")[0] == names.BENCHMARK_COMMUNITY:
            c.households = names.BENCHMARK_HOUSEHOLDS
            c.party_members = names.BENCHMARK_PARTY_MEMBERS


# --------------------------------------------------------------------------------------
# 2. estates sizes and parcel packing


def _estate_sizes(rng: np.random.Generator, total: int, p_large: float) -> list[int]:
    """Split ``total`` households into small (100-300), medium (300-800), large (1000-3000)."""
    sizes: list[int] = []
    rest = total
    while rest > 0:
        r = rng.random()
        if r < p_large:
            s = int(rng.triangular(1000, 1200, 3000))
        elif r < p_large + 0.1:
            s = int(rng.triangular(300, 360, 800))
        else:
            s = int(rng.integers(100, 281))
        if rest - s < 100:
            s = rest
        sizes.append(s)
        rest -= s
    return sizes


def _shape_of(households: int) -> tuple[int, int]:
    """Parcels (columns, rows) an estate takes: 0 columns means half a parcel."""
    if households <= 300:
        return (0, 1)
    if households <= 750:
        return (1, 1)
    if households <= 1500:
        return (2, 1)
    return (2, 2)


def _pack(rng: np.random.Generator, k: int, m: int, shapes: list[tuple[int, int]]
          ) -> list[tuple[int, int, int, int, int]] | None:
    """Place estates on a k x m parcel grid; None when they do not fit.

    Returns one ``(i, j, w, h, half)`` per estate: first parcel column and row, size in
    parcels, and ``half`` = 0 for whole parcels, 1 or 2 for the west / east half.
    """
    free = np.ones((k, m), dtype=bool)
    out: list[tuple[int, int, int, int, int] | None] = [None] * len(shapes)
    order = sorted(range(len(shapes)), key=lambda i: -(shapes[i][0] * shapes[i][1]))
    n_half = sum(1 for s in shapes if s[0] == 0)
    slots = k * m - sum(max(s[0], 1) * s[1] for s in shapes if s[0] > 0)
    pair = n_half > slots - max(1, round(0.15 * k * m))  # share parcels when space is short
    open_half: tuple[int, int] | None = None
    for idx in order:
        w, h = shapes[idx]
        if w == 0 and pair and open_half is not None:
            out[idx] = (*open_half, 1, 1, 2)
            open_half = None
            continue
        ww = max(w, 1)
        spots = [(i, j) for i in range(k - ww + 1) for j in range(m - h + 1)
                 if free[i:i + ww, j:j + h].all()]
        if not spots:
            return None
        i, j = spots[int(rng.integers(len(spots)))]
        free[i:i + ww, j:j + h] = False
        if w == 0 and pair:
            out[idx] = (i, j, 1, 1, 1)
            open_half = (i, j)
        else:
            out[idx] = (i, j, ww, h, 0)
    if free.sum() < 1:
        return None
    placed = [o for o in out if o is not None]
    if open_half is not None:  # an unpaired half estate takes its whole parcel
        placed = [(i, j, 1, 1, 0) if (i, j, half) == (*open_half, 1) else (i, j, w, h, half)
                  for i, j, w, h, half in placed]
    return placed


# --------------------------------------------------------------------------------------
# 3. buildings


_BUILDING_TYPES = (  # kind, length, depth, pitch x, pitch y, households per floor, floors
    ("slab", 60.0, 12.0, 72.0, 34.0, 6, (5, 7)),
    ("slab", 40.0, 12.0, 50.0, 34.0, 4, (5, 7)),
    ("slab", 60.0, 12.0, 72.0, 50.0, 6, (11, 18)),
    ("slab", 40.0, 12.0, 50.0, 50.0, 4, (11, 18)),
    ("tower", 25.0, 25.0, 50.0, 52.0, 4, (18, 33)),
    ("tower", 28.0, 28.0, 46.0, 46.0, 6, (26, 34)),
)


def _candidates(inner: shapely.Polygon, length: float, depth: float, px: float, py: float,
                stagger: bool) -> np.ndarray:
    """Axis-aligned footprints on a grid that lie inside ``inner``."""
    x0, y0, x1, y1 = inner.bounds
    nx_ = max(int((x1 - x0 - length) // px) + 1, 1)
    ny_ = max(int((y1 - y0 - depth) // py) + 1, 1)
    cx = x0 + (x1 - x0 - (nx_ - 1) * px) / 2 + np.arange(nx_) * px
    cy = y1 - (y1 - y0 - (ny_ - 1) * py) / 2 - np.arange(ny_) * py
    gx, gy = np.meshgrid(cx, cy)
    if stagger:
        gx[1::2] += px / 4
    gx, gy = gx.ravel(), gy.ravel()
    boxes = shapely.box(gx - length / 2, gy - depth / 2, gx + length / 2, gy + depth / 2)
    return boxes[shapely.contains(inner, boxes)]


def _buildings(rng: np.random.Generator, estate: shapely.Polygon, households: int
               ) -> tuple[np.ndarray, str, int]:
    """Footprints, kind and households per floor for an estate of ``households``."""
    inner = estate.buffer(-_BUILDING_MARGIN_M, join_style="mitre")
    options = []
    for kind, length, depth, px, py, per_floor, (f_lo, f_hi) in _BUILDING_TYPES:
        boxes = _candidates(inner, length, depth, px, py, kind == "tower")
        if len(boxes):
            options.append((boxes, kind, per_floor, f_lo, f_hi))
    if options:  # the first layout that holds the households, else the largest one
        fits = [o for o in options if households <= len(o[0]) * o[2] * o[4]]
        boxes, kind, per_floor, f_lo, f_hi = fits[0] if fits else max(
            options, key=lambda o: len(o[0]) * o[2] * o[4])
        floors = int(rng.integers(f_lo, f_hi + 1))
        n = min(len(boxes), max(1, math.ceil(households / (per_floor * floors))))
        centre = np.asarray(inner.centroid.coords[0])
        mids = shapely.get_coordinates(shapely.centroid(boxes))
        keep = np.sort(np.argsort(np.hypot(*(mids - centre).T), kind="stable")[:n])
        return boxes[keep], kind, per_floor
    for length in (40.0, 25.0, 15.0, 8.0):  # small or odd estate: one compact block
        p = inner.representative_point() if not inner.is_empty else estate.representative_point()
        box = shapely.box(p.x - length / 2, p.y - 6, p.x + length / 2, p.y + 6)
        if shapely.contains(estate, box):
            return np.array([box]), "slab", 6
    raise InfeasibleError(f"demo estate too small for a building (area {estate.area:.0f} m2)")


# --------------------------------------------------------------------------------------
# 4. one lattice cell: parcels, estates, land use, lanes


@dataclass
class _CellResult:
    estates: list[dict[str, Any]]
    buildings: list[dict[str, Any]]
    landuse: list[dict[str, Any]]
    segments: list[tuple[np.ndarray, np.ndarray, str]]   # lanes and footways


def _cell(rng: np.random.Generator, corners: np.ndarray, community: _Community,
          households: int, p_large: float, taken: set[str], first_estate: int) -> _CellResult:
    quad = shapely.Polygon(corners[[0, 1, 3, 2]])
    width = float(np.linalg.norm(corners[1] - corners[0]))
    height = float(np.linalg.norm(corners[2] - corners[0]))
    sizes = _estate_sizes(rng, households, p_large)
    shapes = [_shape_of(s) for s in sizes]
    k, m = max(2, round(width / 175)), max(2, round(height / 160))
    placed = None
    for attempt in range(40):
        placed = _pack(rng, k, m, shapes)
        if placed is not None:
            break
        if attempt % 4 == 3:
            k, m = (k + 1, m) if width / k >= height / m else (k, m + 1)
    if placed is None:
        raise InfeasibleError(f"demo cell of community {community.name} cannot hold {households} households")
    us, vs = _splits(rng, k), _splits(rng, m)
    grid = _bilinear(corners, us[:, None], vs[None, :])             # (k+1, m+1, 2)
    owner = -np.ones((k, m), dtype=int)
    cell_inner = quad.buffer(-_ARTERIAL_SETBACK_M, join_style="mitre")
    estates: list[dict[str, Any]] = []
    buildings: list[dict[str, Any]] = []
    segments: list[tuple[np.ndarray, np.ndarray, str]] = []
    estate_names = names.estate_names(rng, len(sizes), community.name.split("-")[0], taken)
    for e, ((i, j, w, h, half), hh) in enumerate(zip(placed, sizes, strict=True)):
        owner[i:i + w, j:j + h] = e
        if half:
            vm = (vs[j] + vs[j + 1]) / 2  # north and south halves, split by a footway
            a, b = _bilinear(corners, us[[i, i + 1]], np.array([vm, vm]))
            if half == 1:
                ring = np.array([grid[i, j], grid[i + 1, j], b, a])
                segments.append((a, b, "footway"))
            else:
                ring = np.array([a, b, grid[i + 1, j + 1], grid[i, j + 1]])
        else:
            top = grid[i:i + w + 1, j]
            right = grid[i + w, j:j + h + 1]
            bottom = grid[i:i + w + 1, j + h][::-1]
            left = grid[i, j:j + h + 1][::-1]
            ring = np.concatenate([top, right[1:], bottom[1:], left[1:-1]])
        parcel = shapely.Polygon(ring)
        poly = parcel.buffer(-_LANE_SETBACK_M, join_style="mitre").intersection(cell_inner)
        estate_id = f"{community.community_id}E{first_estate + e:03d}"
        estates.append({"estate_id": estate_id, "name": estate_names[e],
                        "community_id": community.community_id, "households": hh,
                        "geometry": poly})
        boxes, kind, per_floor = _buildings(rng, poly, hh)
        for b, box in enumerate(boxes, 1):
            buildings.append({"building_id": f"{estate_id}B{b:03d}", "estate_id": estate_id,
                              "kind": kind, "per_floor": per_floor, "geometry": box})
    # lanes: interior parcel edges, except inside an estate of several parcels
    for i in range(1, k):
        for j in range(m):
            if owner[i - 1, j] < 0 or owner[i - 1, j] != owner[i, j]:
                segments.append((grid[i, j], grid[i, j + 1], "residential"))
    for j in range(1, m):
        for i in range(k):
            if owner[i, j - 1] < 0 or owner[i, j - 1] != owner[i, j]:
                segments.append((grid[i, j], grid[i + 1, j], "residential"))
    landuse = []
    for i in range(k):
        for j in range(m):
            if owner[i, j] < 0:
                parcel = shapely.Polygon(grid[[i, i + 1, i + 1, i], [j, j, j + 1, j + 1]])
                poly = parcel.buffer(-_LANE_SETBACK_M, join_style="mitre").intersection(cell_inner)
                landuse.append({"geometry": poly, "parcel": (i, j)})
    return _CellResult(estates, buildings, landuse, segments)



# --------------------------------------------------------------------------------------
# 5. the walk network


_ARTERIAL_KINDS = ("primary", "secondary", "secondary")


def _arterials(nodes: np.ndarray, in_district: np.ndarray
               ) -> list[tuple[np.ndarray, np.ndarray, str, str]]:
    """Lattice edges that border at least one district cell: (a, b, highway, name)."""
    rows, cols = in_district.shape
    padded = np.zeros((rows + 2, cols + 2), dtype=bool)
    padded[1:-1, 1:-1] = in_district
    out = []
    for r in range(rows + 1):
        for c in range(cols):
            if padded[r, c + 1] or padded[r + 1, c + 1]:
                out.append((nodes[r, c], nodes[r, c + 1], _ARTERIAL_KINDS[r % 3], f"纬{r + 1}路"))
    for c in range(cols + 1):
        for r in range(rows):
            if padded[r + 1, c] or padded[r + 1, c + 1]:
                out.append((nodes[r, c], nodes[r + 1, c], _ARTERIAL_KINDS[c % 3], f"经{c + 1}路"))
    return out


def _node_segments(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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


def _network(segments: list[tuple[np.ndarray, np.ndarray, str, str | None]], to_wgs84: Any
             ) -> nx.MultiDiGraph:
    """The osmnx-layout walk network of the segments (metric coordinates in)."""
    import networkx as nx

    a = np.array([s[0] for s in segments])
    b = np.array([s[1] for s in segments])
    points, u, v, seg = _node_segments(a, b)
    lon, lat = to_wgs84(points[:, 0], points[:, 1])
    lon, lat = np.round(lon, COORD_DECIMALS), np.round(lat, COORD_DECIMALS)
    length = np.round(np.hypot(*(points[u] - points[v]).T), 3)
    degree = np.bincount(np.concatenate([u, v]), minlength=len(points))
    graph = nx.MultiDiGraph(crs="epsg:4326", created_with=f"gridplan geo.demo {GENERATOR_VERSION}",
                            name="gridplan demo walk network (synthetic)")
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
    return (f"+proj=tmerc +lat_0={CENTRE_LAT} +lon_0={CENTRE_LON} +k=1 +x_0=0 +y_0=0 "
            "+ellps=GRS80 +units=m +no_defs")


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng([seed, *key])


_LANDUSE_WEIGHTS = {"park": 0.3, "school": 0.14, "kindergarten": 0.12, "market": 0.1,
                    "commercial": 0.12, "factory": 0.12, "sports": 0.05, "clinic": 0.05}


def _estate_counts(rng: np.random.Generator, community: _Community, estates: list[dict[str, Any]]) -> None:
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
    nodes = _lattice(_rng(seed, 0), scale)
    tx, ty = _tiles_shape(scale)
    in_district = np.zeros((_ROWS * ty, _COLS * tx), dtype=bool)
    communities: list[_Community] = []
    for tile in range(scale):
        communities += _tile_communities(_rng(seed, 1, tile), tile, scale)
    for c in communities:
        for r, col in c.cells:
            in_district[r, col] = True

    comm_rows: list[dict[str, Any]] = []
    estates: list[dict[str, Any]] = []
    buildings: list[dict[str, Any]] = []
    landuse: list[dict[str, Any]] = []
    segments: list[tuple[np.ndarray, np.ndarray, str, str | None]] = [
        (a, b, kind, name) for a, b, kind, name in _arterials(nodes, in_district)]
    taken_by_tile: dict[int, set[str]] = {}
    for ci, c in enumerate(communities):
        rng = _rng(seed, 2, ci)
        corners = [nodes[[r, r, r + 1, r + 1], [col, col + 1, col, col + 1]] for r, col in c.cells]
        quads = [shapely.Polygon(q[[0, 1, 3, 2]]) for q in corners]
        geom = quads[0] if len(quads) == 1 else shapely.union_all(quads)
        comm_rows.append({"community_id": c.community_id, "name": c.name, "street": c.street,
                          "street_code": c.street_code, "community_code": c.community_code,
                          "geometry": geom})
        shares = apportion(c.households, np.array([q.area for q in quads]))
        p_large = 0.3 if len(c.cells) == 4 else 0.04
        c_estates: list[dict[str, Any]] = []
        c_landuse: list[dict[str, Any]] = []
        for q, share in zip(corners, shares, strict=True):
            res = _cell(rng, q, c, int(share), p_large, taken_by_tile.setdefault(c.tile, set()),
                        len(c_estates) + 1)
            c_estates += res.estates
            buildings += res.buildings
            c_landuse += res.landuse
            segments += [(a, b, kind, None) for a, b, kind in res.segments]
        _estate_counts(rng, c, c_estates)
        estates += c_estates
        for lu in c_landuse:
            lu["community_id"] = c.community_id
        landuse += c_landuse
    _building_counts(estates, buildings)
    facilities = _community_centres(communities, comm_rows, landuse)
    facilities = _upper_facilities(seed, communities, comm_rows, landuse, estates) + facilities
    _name_landuse(seed, landuse)

    to_wgs84 = Transformer.from_crs(_local_crs(), WGS84, always_xy=True).transform
    network = _network(segments, to_wgs84)
    layers = {
        "communities": _frame(comm_rows, to_wgs84, gpd),
        "estates": _frame(estates, to_wgs84, gpd),
        "buildings": _frame(buildings, to_wgs84, gpd),
        "facilities": _frame(facilities, to_wgs84, gpd),
        "landuse": _frame([{k: v for k, v in lu.items() if k != "parcel"} for lu in landuse],
                          to_wgs84, gpd),
    }
    metadata = _metadata(seed, scale, layers, network, communities)
    return DemoDistrict(layers, network, metadata)


def _community_centres(communities: list[_Community], comm_rows: list[dict[str, Any]],
                       landuse: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One service centre per community, on its free parcel nearest to its street's centre.

    Centres drawn toward the street centre, as in towns that grew outwards, leave estates
    on the outer edge of the district beyond a 10- or 15-minute walk: the gaps that the
    coverage review finds and the siting models fill.
    """
    geoms = {row["community_id"]: row["geometry"] for row in comm_rows}
    street_mid = {}
    for key in sorted({(c.tile, c.street_code) for c in communities}):
        ids = [c.community_id for c in communities if c.tile == key[0]]
        street_mid[key] = np.asarray(shapely.union_all([geoms[i] for i in ids]).centroid.coords[0])
    out = []
    for c in communities:
        mine = [lu for lu in landuse if lu["community_id"] == c.community_id]
        pts = shapely.get_coordinates(shapely.centroid([lu["geometry"] for lu in mine]))
        centre = mine[int(np.argmin(np.hypot(*(pts - street_mid[(c.tile, c.street_code)]).T)))]
        centre["kind"] = "public_service"
        centre["name"] = f"{c.name}社区党群服务中心"
        out.append({"facility_id": f"F{c.community_id}", "name": centre["name"],
                    "level": "community", "community_id": c.community_id,
                    "geometry": centre["geometry"].representative_point()})
    return out


def _upper_facilities(seed: int, communities: list[_Community], comm_rows: list[dict[str, Any]],
                      landuse: list[dict[str, Any]], estates: list[dict[str, Any]]
                      ) -> list[dict[str, Any]]:
    """District centre, street stations (on free parcels near their centres), estate posts."""
    rng = _rng(seed, 3)
    out: list[dict[str, Any]] = []
    free = [lu for lu in landuse if "kind" not in lu]
    free_pts = shapely.get_coordinates(shapely.centroid([lu["geometry"] for lu in free]))
    used: set[int] = set()

    def take(target: np.ndarray, community_ids: set[str]) -> dict[str, Any]:
        dist = np.hypot(*(free_pts - target).T)
        for i in np.argsort(dist, kind="stable"):
            if int(i) not in used and free[i]["community_id"] in community_ids:
                used.add(int(i))
                return free[i]
        raise InfeasibleError("demo district has no free parcel for a street or district centre")

    geoms = {row["community_id"]: row["geometry"] for row in comm_rows}
    benchmark = {c.community_id for c in communities if c.party_members is not None}
    tiles = sorted({c.tile for c in communities})
    for tile in tiles:
        members = [c for c in communities if c.tile == tile]
        ids = {c.community_id for c in members}
        mid = np.asarray(shapely.union_all([geoms[i] for i in ids]).centroid.coords[0])
        lu = take(mid, ids)
        suffix = "" if tile == 0 else f"-{tile:03d}"
        lu["kind"], lu["name"] = "public_service", f"经开区党群服务中心{suffix}"
        out.append({"facility_id": f"FD{tile + 1:03d}", "name": lu["name"], "level": "district",
                    "community_id": lu["community_id"], "geometry": lu["geometry"].representative_point()})
        for street_code in sorted({c.street_code for c in members}):
            s_ids = {c.community_id for c in members if c.street_code == street_code}
            street = next(c.street for c in members if c.street_code == street_code)
            s_mid = np.asarray(shapely.union_all([geoms[i] for i in s_ids]).centroid.coords[0])
            lu = take(s_mid, s_ids)
            lu["kind"], lu["name"] = "public_service", f"{street}党群服务中心"
            out.append({"facility_id": f"FS{street_code}", "name": lu["name"], "level": "street",
                        "community_id": lu["community_id"],
                        "geometry": lu["geometry"].representative_point()})
        large = [e for e in estates if e["households"] >= 700 and e["community_id"] in ids
                 and e["community_id"] not in benchmark]
        picks = sorted(rng.choice(len(large), size=min(4, len(large)), replace=False).tolist())
        for n, i in enumerate(picks, 1):
            e = large[i]
            corner = e["geometry"].buffer(-2.0, join_style="mitre").exterior.coords[0]
            out.append({"facility_id": f"FP{tile + 1:03d}{n:02d}", "name": f"{e['name']}党群服务站",
                        "level": "post", "community_id": e["community_id"],
                        "geometry": shapely.Point(corner)})
    return out


def _name_landuse(seed: int, landuse: list[dict[str, Any]]) -> None:
    """Give every free parcel a kind and a name; number ids (in place)."""
    rng = _rng(seed, 4)
    kinds = list(_LANDUSE_WEIGHTS)
    p = np.array(list(_LANDUSE_WEIGHTS.values()))
    seen: dict[str, int] = {}
    for n, lu in enumerate(landuse, 1):
        if "kind" not in lu:
            lu["kind"] = kinds[int(rng.choice(len(kinds), p=p / p.sum()))]
            stem = f"{lu['community_id']}{lu['kind']}"
            seen[stem] = seen.get(stem, 0) + 1
            lu["name"] = (f"社区{names.LANDUSE_KINDS[lu['kind']]}"
                          + ("" if seen[stem] == 1 else f"{seen[stem]}"))
        lu["landuse_id"] = f"L{n:06d}"


def _frame(rows: list[dict[str, Any]], to_wgs84: Any, gpd: Any) -> gpd.GeoDataFrame:
    """GeoDataFrame in WGS84 with coordinates rounded as in the files, CCW exteriors."""
    geoms = np.array([r["geometry"] for r in rows], dtype=object)
    geoms = shapely.transform(geoms, lambda xy: np.round(np.column_stack(to_wgs84(xy[:, 0], xy[:, 1])),
                                                         COORD_DECIMALS))
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    data = [{k: v for k, v in r.items() if k != "geometry"} for r in rows]
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=WGS84)


def _grids_mid_band(households: int) -> int:
    """Grids of a community under the 300-500 rule aiming at 400 (the engine's default)."""
    lo = math.ceil(households / DEFAULT_MAX_HOUSEHOLDS)
    hi = max(lo, households // DEFAULT_MIN_HOUSEHOLDS)
    return min(max(round(households / _GRID_MID), lo), hi)


def _metadata(seed: int, scale: int, layers: dict[str, gpd.GeoDataFrame], network: nx.MultiDiGraph,
              communities: list[_Community]) -> dict[str, Any]:
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
            "community_id": cid, "name": names.BENCHMARK_COMMUNITY, "area_km2": round(area / 1e6, 3),
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
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    demo = build_demo(scale=scale, seed=seed)
    paths = {name: write_geojson(demo.layers[name], out / f"{name}.geojson") for name in LAYER_FILES}
    paths["network"] = write_graphml(demo.network, out / "walk.graphml")
    paths["metadata"] = write_json(demo.metadata, out / "metadata.json")
    log.info("demo written to %s: %s", out, demo.metadata["layers"])
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m geo.demo --out DIR [--scale N] [--seed S]``."""
    parser = argparse.ArgumentParser(prog="python -m geo.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument("--scale", type=int, default=1, help="copies of the 38-community district")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    paths = write_demo(args.out, scale=args.scale, seed=args.seed)
    for path in paths.values():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

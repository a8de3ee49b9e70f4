"""Layout of the demo district (private to :mod:`geo.demo.generate`): lattice, communities, parcels,
estates, buildings and road segments, all in a local metric frame (metres, y north).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from geo.demo import _names as names
from geo.errors import InfeasibleError
from geo.settings import DEFAULT_MAX_HOUSEHOLDS, DEMO_DIVISION_CODE

#: Lattice of arterial cells in one district copy; rows 0-2 are 华庄街道, rows 3-5 太湖街道.
COLS, ROWS = 8, 6
#: Communities of several cells, by street number: (row, col) cells. The first of 太湖 is
#: 天鹅湖花园 (2 x 2 cells, about 1 km2); the others lie on the edge of the district, where
#: towns grow into former villages and factory land.
_SWAN_CELLS = ((4, 2), (4, 3), (5, 2), (5, 3))
_MULTI_CELLS: dict[int, tuple[tuple[tuple[int, int], ...], ...]] = {
    6: (((0, 0), (0, 1)), ((2, 0), (2, 1)), ((0, 5), (0, 6), (0, 7))),
    7: (_SWAN_CELLS, ((3, 0), (4, 0)), ((5, 5), (5, 6), (5, 7))),
}
#: Canals crossing the district west to east: row of cells (in a district copy) -> name.
CANAL_ROWS = {1: "华溪浜", 4: "清溪河"}
#: Grids of the 37 other communities under the mid-band rule; + 22 for 天鹅湖花园 = 198.
TARGET_GRIDS_OTHER = 176
#: Households per grid at the middle of the 300-500 rule.
GRID_MID = 400

_JITTER_M = 14.0  # lattice node jitter
_PARCEL_W_M, _PARCEL_H_M = 175.0, 160.0  # target parcel size between lanes
_MIN_PARCEL_W_M = 70.0  # parcels narrower than this: the grid adds rows instead
_MIN_SHARED_ROW_M = 112.0  # rows at least this deep may hold two estates (2 x 40 m + lanes)
_MAX_DENSITY_HH_M2 = 0.05  # households per m2 of parcel that towers hold (500 per ha)
_CANAL_HALF_WIDTH_M = 12.0  # canals (河) are 24 m wide
_CANAL_BANK_M = 6.0  # towpath between water and estate walls
_LANE_SETBACK_M = 8.0  # estate wall to lane centre line
_ARTERIAL_SETBACK_M = 18.0  # estate wall to arterial centre line
_BUILDING_MARGIN_M = 5.0  # building to estate wall


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
    base: np.ndarray = np.floor(quota).astype(np.int64)
    rest = int(total - base.sum())
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:rest]] += 1
    return base


def _bilinear(corners: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Points of the patch with corners NW, NE, SW, SE at parameters u (east), v (south)."""
    nw, ne, sw, se = corners
    u = np.asarray(u, dtype=float)[..., None]
    v = np.asarray(v, dtype=float)[..., None]
    points: np.ndarray = (1 - u) * (1 - v) * nw + u * (1 - v) * ne + (1 - u) * v * sw + u * v * se
    return points


def _splits(rng: np.random.Generator, n: int, fixed_mid: bool = False) -> np.ndarray:
    """``n + 1`` increasing parameters from 0 to 1, interior ones jittered.

    With ``fixed_mid`` (``n`` even) the middle one stays at exactly 0.5, so that a canal along
    it meets the canal of the next cell on their shared arterial.
    """
    t = np.linspace(0.0, 1.0, n + 1)
    t[1:-1] += rng.uniform(-0.18, 0.18, n - 1) / n
    if fixed_mid:
        t[n // 2] = 0.5
    return t


# --------------------------------------------------------------------------------------
# 1. lattice and communities


@dataclass
class Community:
    """A community being laid out: where it lies and what it must hold (mutable, private)."""

    tile: int
    street: str
    street_code: str
    name: str
    cells: list[tuple[int, int]]  # global (row, col) lattice cells
    households: int = 0
    party_members: int | None = None  # fixed total (the benchmark community) or None
    community_code: str = ""

    @property
    def community_id(self) -> str:
        return self.street_code + self.community_code


def tiles_shape(scale: int) -> tuple[int, int]:
    """Columns and rows of district copies for ``scale`` copies (as square as possible)."""
    tx = math.ceil(math.sqrt(scale))
    return tx, math.ceil(scale / tx)


def lattice(rng: np.random.Generator, scale: int) -> np.ndarray:
    """Jittered lattice node coordinates, shape (rows + 1, cols + 1, 2), metres, y north."""
    tx, ty = tiles_shape(scale)
    widths = rng.uniform(400.0, 540.0, COLS * tx)
    heights = rng.uniform(360.0, 470.0, ROWS * ty)
    for t in range(tx):  # 天鹅湖花园 columns: about 1 km east-west
        widths[t * COLS + 2 : t * COLS + 4] = rng.uniform(495.0, 515.0, 2)
    for t in range(ty):  # and about 1 km north-south
        heights[t * ROWS + 4 : t * ROWS + 6] = rng.uniform(485.0, 505.0, 2)
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


def tile_communities(rng: np.random.Generator, tile: int, scale: int) -> list[Community]:
    """The 38 communities of district copy ``tile`` with their cells and households."""
    tx, _ = tiles_shape(scale)
    r0, c0 = (tile // tx) * ROWS, (tile % tx) * COLS
    out: list[Community] = []
    for street, number in names.STREETS:
        code = f"{DEMO_DIVISION_CODE}{number + 2 * tile:03d}"
        rows = range(0, 3) if number == 6 else range(3, 6)
        groups: list[list[tuple[int, int]]] = []
        multi = {g[0]: g for g in _MULTI_CELLS[number]}
        in_multi = {cell for g in _MULTI_CELLS[number] for cell in g}
        for r in rows:
            for c in range(COLS):
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
            out.append(
                Community(
                    tile,
                    street + suffix,
                    code,
                    assigned[i] + suffix,
                    [(r0 + r, c0 + c) for r, c in cells],
                )
            )
    _draw_households(rng, out)
    for street in {c.street for c in out}:  # codes west to east, then north to south
        members = sorted(
            (c for c in out if c.street == street), key=lambda c: (c.cells[0][0], c.cells[0][1])
        )
        for i, member in enumerate(members, 1):
            member.community_code = f"{i:03d}"
    return out


def _draw_households(rng: np.random.Generator, communities: list[Community]) -> None:
    """Households per community so that the 300-500 rule gives the published 198 grids.

    Aiming at 400 per grid (round(h/400), as ``geo.grids.gridding`` does) gives exactly 198;
    the fewest grids (ceil(h/500)) gives 194.

    A community sized for k grids gets households in
    [max(500(k-1)+1, 400k-200), min(500k, 400k+199)], non-empty for k <= 6.
    """
    others = [c for c in communities if c.name.split("-")[0] != names.BENCHMARK_COMMUNITY]
    k = rng.choice([2, 3, 4, 5, 6], size=len(others), p=[0.04, 0.14, 0.22, 0.3, 0.3])
    for i, c in enumerate(others):
        if len(c.cells) > 1:
            k[i] = max(k[i], 5)
    while k.sum() != TARGET_GRIDS_OTHER:
        step = 1 if k.sum() < TARGET_GRIDS_OTHER else -1
        can = np.flatnonzero((k < 6) if step > 0 else (k > 2))
        k[can[int(rng.integers(len(can)))]] += step
    for c, kk in zip(others, k, strict=True):
        lo = max(DEFAULT_MAX_HOUSEHOLDS * (kk - 1) + 1, GRID_MID * kk - 200)
        hi = min(DEFAULT_MAX_HOUSEHOLDS * kk, GRID_MID * kk + 199)
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


def _shape_of(households: int, capacity: float) -> tuple[int, int]:
    """Parcels (columns, rows) an estate takes: 0 columns means half a parcel.

    ``capacity`` is the households one parcel holds in towers; a small estate may share a
    parcel when it fits in less than half of it.
    """
    if households <= min(300.0, 0.45 * capacity):
        return (0, 1)
    if households <= capacity:
        return (1, 1)
    if households <= 2.1 * capacity:
        return (2, 1)
    return (2, 2)


def _pack(
    rng: np.random.Generator,
    k: int,
    m: int,
    shapes: list[tuple[int, int]],
    cut: int | None = None,
    share_rows: set[int] | None = None,
) -> list[tuple[int, int, int, int, int]] | None:
    """Place estates on a k x m parcel grid; None when they do not fit.

    Returns one ``(i, j, w, h, half)`` per estate: first parcel column and row, size in
    parcels, and ``half`` = 0 for whole parcels, 1 or 2 for the north / south half. No
    estate spans the parcel row boundary ``cut`` (a canal); two estates share a parcel only
    in ``share_rows`` (all rows when None).
    """
    share_rows = set(range(m)) if share_rows is None else share_rows
    free = np.ones((k, m), dtype=bool)
    out: list[tuple[int, int, int, int, int] | None] = [None] * len(shapes)
    order = sorted(range(len(shapes)), key=lambda i: -(shapes[i][0] * shapes[i][1]))
    n_half = sum(1 for s in shapes if s[0] == 0)
    slots = k * m - sum(max(s[0], 1) * s[1] for s in shapes if s[0] > 0)
    pair = bool(share_rows) and n_half > slots - max(1, round(0.15 * k * m))  # share when short
    open_half: tuple[int, int] | None = None
    for idx in order:
        w, h = shapes[idx]
        if w == 0 and pair and open_half is not None:
            out[idx] = (*open_half, 1, 1, 2)
            open_half = None
            continue
        ww = max(w, 1)
        shared = w == 0 and pair
        spots = [
            (i, j)
            for i in range(k - ww + 1)
            for j in range(m - h + 1)
            if free[i : i + ww, j : j + h].all()
            and not (cut is not None and j < cut < j + h)
            and (not shared or j in share_rows)
        ]
        if shared and not spots:  # no deep row left: this small estate takes a whole parcel
            shared = False
            spots = [(i, j) for i in range(k) for j in range(m) if free[i, j]]
        if not spots:
            return None
        i, j = spots[int(rng.integers(len(spots)))]
        free[i : i + ww, j : j + h] = False
        if shared:
            out[idx] = (i, j, 1, 1, 1)
            open_half = (i, j)
        else:
            out[idx] = (i, j, ww, h, 0)
    if free.sum() < 1:
        return None
    placed = [o for o in out if o is not None]
    if open_half is not None:  # an unpaired half estate takes its whole parcel
        placed = [
            (i, j, 1, 1, 0) if (i, j, half) == (*open_half, 1) else (i, j, w, h, half)
            for i, j, w, h, half in placed
        ]
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
    ("tower", 25.0, 25.0, 40.0, 40.0, 8, (28, 34)),
)


def _candidates(
    inner: shapely.Polygon, length: float, depth: float, px: float, py: float, stagger: bool
) -> np.ndarray:
    """Axis-aligned footprints on a grid that lie inside ``inner``."""
    x0, y0, x1, y1 = inner.bounds
    if inner.is_empty or x1 - x0 < length or y1 - y0 < depth:
        return np.array([], dtype=object)
    nx_ = max(int((x1 - x0 - length) // px) + 1, 1)
    ny_ = max(int((y1 - y0 - depth) // py) + 1, 1)
    cx = x0 + (x1 - x0 - (nx_ - 1) * px) / 2 + np.arange(nx_) * px
    cy = y1 - (y1 - y0 - (ny_ - 1) * py) / 2 - np.arange(ny_) * py
    gx, gy = np.meshgrid(cx, cy)
    if stagger:
        gx[1::2] += px / 4
    gx, gy = gx.ravel(), gy.ravel()
    boxes = shapely.box(gx - length / 2, gy - depth / 2, gx + length / 2, gy + depth / 2)
    inside: np.ndarray = boxes[shapely.contains(inner, boxes)]
    return inside


_Layout = tuple[np.ndarray, str, int, int, int]  # footprints, kind, per floor, floors lo, hi
#: Households a narrow estate's single compact block is allowed to hold.
_NARROW_CAPACITY = 60


def _layouts(estate: shapely.Polygon) -> list[_Layout]:
    """Every building layout that fits the estate, lowest density first."""
    inner = estate.buffer(-_BUILDING_MARGIN_M, join_style="mitre")
    options = []
    for kind, length, depth, px, py, per_floor, (f_lo, f_hi) in _BUILDING_TYPES:
        boxes = _candidates(inner, length, depth, px, py, kind == "tower")
        if len(boxes):
            options.append((boxes, kind, per_floor, f_lo, f_hi))
    return options


def _capacity(options: list[_Layout]) -> int:
    """Most households any layout holds at its highest floor count."""
    return max((len(o[0]) * o[2] * o[4] for o in options), default=_NARROW_CAPACITY)


def _rebalance(sizes: list[int], capacity: list[int]) -> list[int]:
    """Move households from estates above their capacity to estates of the cell with room.

    The cell total is kept exactly; what the whole cell cannot hold is spread in proportion
    to capacity.

    Examples
    --------
    >>> _rebalance([500, 100], [300, 400])
    [300, 300]
    """
    out = np.array(sizes, dtype=np.int64)
    cap = np.array(capacity, dtype=np.int64)
    excess = int(np.clip(out - cap, 0, None).sum())
    if excess == 0:
        return list(sizes)
    out = np.minimum(out, cap)
    room = cap - out
    if room.sum() >= excess:
        out += apportion(excess, room.astype(float))
    else:
        out += room + apportion(excess - int(room.sum()), cap.astype(float))
    return [int(v) for v in out]


def _buildings(
    rng: np.random.Generator, estate: shapely.Polygon, households: int, options: list[_Layout]
) -> tuple[np.ndarray, str, int]:
    """Footprints, kind and households per floor for an estate of ``households``."""
    inner = estate.buffer(-_BUILDING_MARGIN_M, join_style="mitre")
    if options:  # the first layout that holds the households, else the largest one
        fits = [o for o in options if households <= len(o[0]) * o[2] * o[4]]
        boxes, kind, per_floor, f_lo, f_hi = (
            fits[0] if fits else max(options, key=lambda o: len(o[0]) * o[2] * o[4])
        )
        floors = int(rng.integers(f_lo, f_hi + 1))
        n = min(len(boxes), max(1, math.ceil(households / (per_floor * floors))))
        centre = np.asarray(inner.centroid.coords[0])
        mids = shapely.get_coordinates(shapely.centroid(boxes))
        keep = np.sort(np.argsort(np.hypot(*(mids - centre).T), kind="stable")[:n])
        return boxes[keep], kind, per_floor
    # a narrow estate: one block centred in its largest inscribed circle
    room = estate.buffer(-1.0, join_style="mitre")
    radius_line = shapely.maximum_inscribed_circle(room if not room.is_empty else estate)
    (cx, cy), r = radius_line.coords[0], radius_line.length
    half_len, half_depth = min(30.0, 0.9 * r), min(6.0, 0.4 * r)
    box = shapely.box(cx - half_len, cy - half_depth, cx + half_len, cy + half_depth)
    if not shapely.contains(estate, box):  # the circle is too small for that length
        half_len = half_depth = 0.7 * r
        box = shapely.box(cx - half_len, cy - half_depth, cx + half_len, cy + half_depth)
    return np.array([box]), "slab", 6


# --------------------------------------------------------------------------------------
# 4. one lattice cell: parcels, estates, land use, lanes


@dataclass
class CellResult:
    estates: list[dict[str, Any]]
    buildings: list[dict[str, Any]]
    landuse: list[dict[str, Any]]
    segments: list[tuple[np.ndarray, np.ndarray, str]]  # lanes and footways


def _packed(
    rng: np.random.Generator, width: float, height: float, sizes: list[int], what: str, canal: bool
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int, int, int, int]]]:
    """Parcel splits (east, south parameters) and estate placement, refined until all fit.

    Estates take as many parcels as their households need at the current parcel size; two
    small estates share a parcel only in rows deep enough for two rows of blocks, away from
    a canal. A cell with a canal keeps an even number of parcel rows, the canal between the
    middle two.
    """
    k, m = max(2, round(width / _PARCEL_W_M)), max(2, round(height / _PARCEL_H_M))
    m += m % 2 if canal else 0
    for attempt in range(40):
        us, vs = _splits(rng, k), _splits(rng, m, fixed_mid=canal)
        room = max(width / k - 2 * _LANE_SETBACK_M, 0.0) * max(
            height / m - 2 * _LANE_SETBACK_M, 0.0
        )
        shapes = [_shape_of(s, room * _MAX_DENSITY_HH_M2) for s in sizes]
        deep = {
            j
            for j in range(m)
            if np.diff(vs)[j] * height >= _MIN_SHARED_ROW_M
            and not (canal and j in (m // 2 - 1, m // 2))
        }
        placed = _pack(rng, k, m, shapes, m // 2 if canal else None, share_rows=deep)
        if placed is not None:
            return us, vs, placed
        if attempt % 4 == 3:
            # narrower parcels first: deep rows keep room for rows of south-facing blocks
            k, m = (
                (k + 1, m) if width / (k + 1) >= _MIN_PARCEL_W_M else (k, m + 2 if canal else m + 1)
            )
    raise InfeasibleError(f"demo: {what} cannot hold its estates; report this generator bug")


def _estate_ring(
    corners: np.ndarray,
    grid: np.ndarray,
    us: np.ndarray,
    vs: np.ndarray,
    spot: tuple[int, int, int, int, int],
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """Outline of an estate's parcels, and the footway that splits a shared parcel."""
    i, j, w, h, half = spot
    if half:  # north and south halves of one parcel, split by a footway
        vm = (vs[j] + vs[j + 1]) / 2
        a, b = _bilinear(corners, us[[i, i + 1]], np.array([vm, vm]))
        if half == 1:
            return np.array([grid[i, j], grid[i + 1, j], b, a]), (a, b)
        return np.array([a, b, grid[i + 1, j + 1], grid[i, j + 1]]), None
    top = grid[i : i + w + 1, j]
    right = grid[i + w, j : j + h + 1]
    bottom = grid[i : i + w + 1, j + h][::-1]
    left = grid[i, j : j + h + 1][::-1]
    return np.concatenate([top, right[1:], bottom[1:], left[1:-1]]), None


def _lanes(
    grid: np.ndarray, owner: np.ndarray, canal: tuple[int, int, np.ndarray, np.ndarray] | None
) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """Interior parcel edges, except those inside an estate of several parcels.

    ``canal`` = (parcel row boundary, bridge column, north bank points, south bank points):
    no lane runs along the canal, and lanes that reach it end on its banks, except at the
    one footbridge of the cell.
    """
    k, m = owner.shape
    out = []
    for i in range(1, k):
        for j in range(m):
            if owner[i - 1, j] < 0 or owner[i - 1, j] != owner[i, j]:
                a, b = grid[i, j], grid[i, j + 1]
                if canal is not None and i != canal[1]:
                    if j + 1 == canal[0]:
                        b = canal[2][i]
                    elif j == canal[0]:
                        a = canal[3][i]
                out.append((a, b, "residential"))
    for j in range(1, m):
        if canal is not None and j == canal[0]:
            continue
        for i in range(k):
            if owner[i, j - 1] < 0 or owner[i, j - 1] != owner[i, j]:
                out.append((grid[i, j], grid[i + 1, j], "residential"))
    return out


def cell(
    rng: np.random.Generator,
    corners: np.ndarray,
    community: Community,
    households: int,
    p_large: float,
    taken: set[str],
    first_estate: int,
    canal: str | None = None,
) -> CellResult:
    """Estates, buildings, free parcels and lanes of one lattice cell of a community.

    ``corners`` are the cell's NW, NE, SW, SE lattice nodes (metres); ``households`` its
    share of the community; ``taken`` the estate names already used (updated);
    ``first_estate`` the community's next estate number; ``canal`` the name of the canal
    that crosses the cell from west to east at mid-height, if any.
    """
    width = float(np.linalg.norm(corners[1] - corners[0]))
    height = float(np.linalg.norm(corners[2] - corners[0]))
    sizes = _estate_sizes(rng, households, p_large)
    us, vs, placed = _packed(rng, width, height, sizes, community.name, canal is not None)
    k, m = len(us) - 1, len(vs) - 1
    grid = _bilinear(corners, us[:, None], vs[None, :])  # (k+1, m+1, 2)
    land = shapely.Polygon(corners[[0, 1, 3, 2]]).buffer(-_ARTERIAL_SETBACK_M, join_style="mitre")
    out = CellResult([], [], [], [])
    if canal is not None:  # water first: estates keep off its banks
        dv = _CANAL_HALF_WIDTH_M / height
        north = _bilinear(corners, us, np.full(k + 1, 0.5 - dv))
        south = _bilinear(corners, us, np.full(k + 1, 0.5 + dv))
        channel = shapely.Polygon([north[0], north[-1], south[-1], south[0]])
        out.landuse.append({"geometry": channel, "kind": "water", "name": canal})
        land = land.difference(channel.buffer(_CANAL_BANK_M, join_style="mitre"))
    owner = -np.ones((k, m), dtype=int)
    estate_names = names.estate_names(rng, len(sizes), community.name.split("-")[0], taken)
    polys, options = [], []
    for e, spot in enumerate(placed):
        i, j, w, h, _ = spot
        owner[i : i + w, j : j + h] = e
        ring, footway = _estate_ring(corners, grid, us, vs, spot)
        if footway is not None:
            out.segments.append((*footway, "footway"))
        polys.append(
            shapely.Polygon(ring).buffer(-_LANE_SETBACK_M, join_style="mitre").intersection(land)
        )
        options.append(_layouts(polys[-1]))
    sizes = _rebalance(sizes, [_capacity(o) for o in options])
    for e, (poly, hh, opts) in enumerate(zip(polys, sizes, options, strict=True)):
        estate_id = f"{community.community_id}E{first_estate + e:03d}"
        out.estates.append(
            {
                "estate_id": estate_id,
                "name": estate_names[e],
                "community_id": community.community_id,
                "households": hh,
                "geometry": poly,
            }
        )
        boxes, kind, per_floor = _buildings(rng, poly, hh, opts)
        out.buildings += [
            {
                "building_id": f"{estate_id}B{b:03d}",
                "estate_id": estate_id,
                "kind": kind,
                "per_floor": per_floor,
                "geometry": box,
            }
            for b, box in enumerate(boxes, 1)
        ]
    water = None
    if canal is not None:  # a footbridge where lanes reach the canal from both sides
        jc = m // 2
        ends = [
            i
            for i in range(1, k)
            if all(owner[i - 1, j] < 0 or owner[i - 1, j] != owner[i, j] for j in (jc - 1, jc))
        ]
        bridge = ends[int(rng.integers(len(ends)))] if ends else -1
        water = (jc, bridge, north, south)
    out.segments += _lanes(grid, owner, water)
    for i, j in zip(*np.nonzero(owner < 0), strict=True):
        parcel = shapely.Polygon(grid[[i, i + 1, i + 1, i], [j, j, j + 1, j + 1]])
        out.landuse.append(
            {"geometry": parcel.buffer(-_LANE_SETBACK_M, join_style="mitre").intersection(land)}
        )
    return out


_ARTERIAL_KINDS = ("primary", "secondary", "secondary")


def arterials(
    nodes: np.ndarray, in_district: np.ndarray
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

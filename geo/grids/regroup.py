"""One-unit moves and swaps that make a thin grid rounder (issue 11).

A grid whose Polsby-Popper is below :data:`~geo.settings.MIN_POLSBY_POPPER` for no reason its
land forces is offered every move of one unit between it and a neighbouring grid (either way)
and every swap of one of its units with one of that grid's: :func:`best_regroup` returns the
one that keeps both grids in the band and connected over shared cell edges and raises the
smaller Polsby-Popper of the two the most, with the number of moves and swaps it weighed.

The gridder's compactness pass (:mod:`geo.grids.gridding`) applies what it finds; the shape
reason ``pp_no_local_regroup`` of :func:`geo.grids.metrics.shape_reasons` is written only where
it finds nothing. Polsby-Popper here is ``4 pi A / P^2`` of the grid's cells: areas summed,
perimeters summed less twice the shared edges (the figure the gridder optimises), so both
callers judge the same numbers. Units and grids may be integers (the gridder) or ids (a plan).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from geo.grids.graph import stays_connected

K = TypeVar("K", contravariant=True)
V = TypeVar("V", covariant=True)
N = TypeVar("N")
G = TypeVar("G")

#: A move or swap must raise the smaller Polsby-Popper of the two grids by more than this.
MIN_GAIN = 1e-6


class Lookup(Protocol[K, V]):
    """Anything indexable by a key (a list by position or a mapping by id)."""

    def __getitem__(self, key: K, /) -> V: ...


@dataclass(frozen=True, eq=False)
class RegroupData(Generic[N, G]):
    """A partition's units and grids as the move search reads them.

    Attributes
    ----------
    labels : lookup unit -> grid
    members : lookup grid -> units
    nbrs : lookup unit -> ``(neighbour, shared edge length in m)``
        Edges of length 0 (island links) are ignored: contiguity is judged on shared edges.
    size, area, per : lookup unit -> float
        The sized count, the cell area (m²) and the cell perimeter (m).
    grid_size, grid_area, grid_per : lookup grid -> float
        The same per grid (perimeter: the cells' perimeters less twice their shared edges).
    lo, hi : float
        The band of the sized count.
    movable : callable grid -> bool
        Whether a neighbouring grid may give or take a unit (same community, not locked).
    """

    labels: Lookup[N, G]
    members: Lookup[G, Collection[N]]
    nbrs: Lookup[N, Iterable[tuple[N, float]]]
    size: Lookup[N, float]
    area: Lookup[N, float]
    per: Lookup[N, float]
    grid_size: Lookup[G, float]
    grid_area: Lookup[G, float]
    grid_per: Lookup[G, float]
    lo: float
    hi: float
    movable: Callable[[G], bool]


@dataclass(frozen=True)
class Regroup(Generic[N, G]):
    """A move (one pair) or a swap (two pairs) of units, ``(unit, grid it goes to)``."""

    moves: tuple[tuple[N, G], ...]
    other: G
    pp_before: float
    pp_after: float


def polsby_popper_of(area_m2: float, perimeter_m: float) -> float:
    """``4 pi A / P^2`` (0 for a zero perimeter).

    Examples
    --------
    >>> round(polsby_popper_of(100.0, 40.0), 3)  # a square
    0.785
    """
    return 4 * math.pi * area_m2 / (perimeter_m * perimeter_m) if perimeter_m > 0 else 0.0


class _Shared(Generic[N]):
    """Neighbour ids over shared edges only (length > 0), for :func:`stays_connected`."""

    def __init__(self, nbrs: Lookup[N, Iterable[tuple[N, float]]]) -> None:
        self.nbrs = nbrs

    def __getitem__(self, u: N, /) -> list[N]:
        return [v for v, w in self.nbrs[u] if w > 0]


def best_regroup(data: RegroupData[N, G], g: G) -> tuple[Regroup[N, G] | None, int]:
    """The best move or swap of one unit between grid ``g`` and a neighbouring grid.

    Candidates: every unit of ``g`` that shares an edge with a movable grid ``h`` moved to
    ``h``, every unit of ``h`` sharing an edge with ``g`` moved to ``g``, and every swap of two
    such units. A candidate qualifies when both grids keep a unit, stay in ``lo``-``hi``, stay
    connected over shared edges (:func:`geo.grids.graph.stays_connected`), and the smaller
    Polsby-Popper of the two rises by more than :data:`MIN_GAIN`; the one that raises it most
    wins (ties: the first in id order).

    Returns
    -------
    (Regroup or None, int)
        The winner (None when no candidate qualifies) and the number of candidates weighed.

    Examples
    --------
    A 1 x 4 strip ``g`` of unit squares under a 2 x 2 block ``h`` (band 3-5 squares): of the 8
    moves and swaps, moving the strip's end square under the block raises the smaller
    Polsby-Popper most (0.50 -> 0.59).

    >>> cells = {0: (0, 0), 1: (1, 0), 2: (2, 0), 3: (3, 0), 4: (0, 1), 5: (1, 1),
    ...          6: (0, 2), 7: (1, 2)}
    >>> nb = {u: [(v, 1.0) for v in cells if abs(cells[u][0] - cells[v][0])
    ...       + abs(cells[u][1] - cells[v][1]) == 1] for u in cells}
    >>> lab = {u: "g" if u < 4 else "h" for u in cells}
    >>> mem = {"g": [0, 1, 2, 3], "h": [4, 5, 6, 7]}
    >>> one = dict.fromkeys(cells, 1.0)
    >>> d = RegroupData(lab, mem, nb, one, one, dict.fromkeys(cells, 4.0), {"g": 4.0, "h": 4.0},
    ...                 {"g": 4.0, "h": 4.0}, {"g": 10.0, "h": 8.0}, 3.0, 5.0, lambda h: True)
    >>> r, n = best_regroup(d, "g")
    >>> r.moves, n
    (((0, 'h'),), 8)
    >>> round(r.pp_before, 2), round(r.pp_after, 2)
    (0.5, 0.59)
    """
    shared = _Shared(data.nbrs)
    mg = set(data.members[g])
    facing: dict[G, tuple[set[N], set[N]]] = {}  # h -> (units of g facing h, units of h facing g)
    for u in mg:
        for v, w in data.nbrs[u]:
            h = data.labels[v]
            if w > 0 and h != g and data.movable(h):
                mine, theirs = facing.setdefault(h, (set(), set()))
                mine.add(u)
                theirs.add(v)
    n_tried = 0
    best: tuple[float, Regroup[N, G]] | None = None
    for h in sorted(facing, key=str):
        mh = set(data.members[h])
        for cand in _candidates(data, g, h, mg, mh, *facing[h]):
            n_tried += 1
            if cand is None or (best is not None and cand.pp_after <= best[0]):
                continue
            if _connected_after(cand, g, h, mg, mh, shared):
                best = (cand.pp_after, cand)
    return (best[1] if best is not None else None), n_tried


def _candidates(
    data: RegroupData[N, G],
    g: G,
    h: G,
    mg: set[N],
    mh: set[N],
    g_side: set[N],
    h_side: set[N],
) -> Iterable[Regroup[N, G] | None]:
    """Every move and swap between ``g`` and ``h``: the Regroup when it is in band and rounder
    (connectivity not yet checked), None when it is not."""
    pp_now = min(
        polsby_popper_of(data.grid_area[g], data.grid_per[g]),
        polsby_popper_of(data.grid_area[h], data.grid_per[h]),
    )
    us, vs = sorted(g_side, key=str), sorted(h_side, key=str)

    def contact(u: N, group: set[N]) -> float:
        return sum(w for v, w in data.nbrs[u] if v in group)

    sg = {u: contact(u, mg) for u in us}  # u's edges with the rest of g
    sh = {u: contact(u, mh) for u in us}  # u's edges with h
    tg = {v: contact(v, mg) for v in vs}
    th = {v: contact(v, mh) for v in vs}
    base = (data.grid_size, data.grid_area, data.grid_per)
    s0, a0, p0 = ((t[g], t[h]) for t in base)

    def judge(
        out_g: N | None, in_g: N | None, w_uv: float, moves: tuple[tuple[N, G], ...]
    ) -> Regroup[N, G] | None:
        (sg0, sh0), (ag, ah), (pg, ph) = s0, a0, p0
        s_g, s_h = sg0, sh0
        if out_g is not None:  # u leaves g for h
            s_g, s_h = s_g - data.size[out_g], s_h + data.size[out_g]
            ag, ah = ag - data.area[out_g], ah + data.area[out_g]
            pg += -data.per[out_g] + 2 * sg[out_g]
            ph += data.per[out_g] - 2 * (sh[out_g] - w_uv)
        if in_g is not None:  # v leaves h for g
            s_g, s_h = s_g + data.size[in_g], s_h - data.size[in_g]
            ag, ah = ag + data.area[in_g], ah - data.area[in_g]
            pg += data.per[in_g] - 2 * (tg[in_g] - w_uv)
            ph += -data.per[in_g] + 2 * th[in_g]
        lo, hi = data.lo - 1e-9, data.hi + 1e-9
        if not (lo <= s_g <= hi and lo <= s_h <= hi):
            return None
        pp = min(polsby_popper_of(ag, pg), polsby_popper_of(ah, ph))
        if pp <= pp_now + MIN_GAIN:
            return None
        return Regroup(moves, h, pp_now, pp)

    if len(mg) > 1:
        for u in us:
            yield judge(u, None, 0.0, ((u, h),))
    if len(mh) > 1:
        for v in vs:
            yield judge(None, v, 0.0, ((v, g),))
    for u in us:
        w_with = dict(data.nbrs[u])
        for v in vs:
            yield judge(u, v, w_with.get(v, 0.0), ((u, h), (v, g)))


def _connected_after(
    cand: Regroup[N, G], g: G, h: G, mg: set[N], mh: set[N], shared: _Shared[N]
) -> bool:
    """Whether both grids stay connected over shared edges after ``cand``.

    Each grid after the change is ``(old | joined) - left``: :func:`stays_connected` walks
    exactly that set when given ``old | joined`` less ``left``. A grid that only receives a
    unit is connected when it was (the unit shares an edge with it), so it is walked as
    ``old | joined`` less the joined unit.
    """
    for grid, old in ((g, mg), (h, mh)):
        joined = [u for u, to in cand.moves if to == grid]
        left = [u for u, to in cand.moves if to != grid]
        group = old | set(joined)
        removed = left[0] if left else joined[0]
        if not stays_connected(group, removed, shared, whole=False):
            return False
    return True

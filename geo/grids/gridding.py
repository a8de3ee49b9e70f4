"""Automatic gridding: contiguous, balanced, compact grids per community, and the :class:`Plan`.

Algorithm (per community, communities are independent; see ``docs/gridding.md``):

1. number of grids ``k`` from the size rule (``ceil(total/max) .. floor(total/min)``, the
   one closest to ``total / mid-band``), unless the planner fixes it;
2. seeds by weighted k-means on cell centroids (k-means++ start from the seeded RNG);
3. balanced region growing: the lightest grid takes its nearest frontier unit, so every grid
   is contiguous by construction;
4. boundary-flip local search: move a boundary unit to a neighbouring grid when the donor
   stays connected and the objective falls. Objective per grid = band penalty + size and
   balance deviation from the mean + ``compactness_weight`` x perimeter²/(4πA) (inverse
   Polsby-Popper), with perimeters updated exactly from shared cell-edge lengths;
5. a few restarts (``GridParams.restarts``), the best objective kept.

Every loop is capped, so each community finishes in bounded time; the RNG is
``numpy.random.default_rng([seed, crc32(community_id), component])``, so results are the
same on every backend. Locked grids keep their units; the free units are gridded per
connected piece.
"""

from __future__ import annotations

import heapq
import logging
import math
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import Problem, ValidationError
from geo.grids.executor import map_communities
from geo.grids.graph import edge_components, stays_connected
from geo.grids.ids import community_prefixes, reading_order
from geo.grids.params import GridParams
from geo.grids.plan import Plan
from geo.grids.regroup import RegroupData, best_regroup, polsby_popper_of
from geo.grids.units import UnitGraph, assemble_units, community_units, prepare_frames
from geo.settings import (
    EARLY_STOP_DEV_PCT,
    FINE_PART_SHARE,
    MAX_LOCAL_SEARCH_PASSES,
    MIN_POLSBY_POPPER,
    REFINE_MEAN_DEV_PCT,
    SERIAL_UNIT_THRESHOLD,
)

if TYPE_CHECKING:
    from geo.data.schema import Layers

log = logging.getLogger(__name__)

_W_BAND = 100.0
_W_SIZE = 6.0
_W_BALANCE = 1.0
_W_PARTY = 20.0
_DEV_LIN = 0.1
#: Iterated-local-search rounds per restart, capped by a budget of unit visits.
ILS_ROUNDS = 60
ILS_MOVES_BUDGET = 4000
#: The iterated search ends after this many rounds without improvement.
ILS_PATIENCE = 20
#: The pair repair re-splits two neighbouring grids exactly when they hold at most this many
#: units together (2^(n-1) bipartitions, scored at once with numpy).
PAIR_REPAIR_MAX_UNITS = 14
#: Connectivity checks per pair (the cheapest bipartitions first).
PAIR_REPAIR_MAX_CHECKS = 400
#: Passes of the pair repair over the out-of-band grids.
PAIR_REPAIR_ROUNDS = 3
#: Moves or swaps the compactness pass applies per piece at most (:func:`_round_thin`).
COMPACT_PASS_MOVES = 12
#: The pass works on grids whose cells' Polsby-Popper is below this multiple of the floor: a
#: grid's polygon (the cleaned union of its cells) can be less round than its cells' figure,
#: by up to 9 % on real-shape seeds 0, 2 and 5, so a grid at 0.21 by its cells may be at 0.19
#: on the map.
COMPACT_PASS_PP_FACTOR = 1.15


# --------------------------------------------------------------------------- parameters


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True, eq=False)
class GridResult:
    """What :func:`grid_communities` returns: the plan and a per-community report."""

    plan: Plan
    report: list[dict[str, Any]]


# --------------------------------------------------------------------------- k and codes


def choose_k(total: float, lo: float, hi: float, n_units: int) -> tuple[int, str]:
    """Number of grids for a sized total under the band ``lo``-``hi``.

    Returns ``(k, reason)``: ``reason`` is ``""`` when the band admits ``k`` grids, else
    says why not. ``k`` lies in ``ceil(total/hi) .. floor(total/lo)`` (closest to
    ``total / ((lo+hi)/2)``) when that range is not empty, and never exceeds ``n_units``.

    Examples
    --------
    >>> choose_k(1200, 300, 500, 10)
    (3, '')
    >>> choose_k(150, 300, 500, 4)[0]
    1
    """
    if n_units <= 0:
        return 0, "no planning units"
    if total <= 0:
        return 1, (
            "the community holds 0 of the sized count; one grid covers it "
            "(check the households / party members of its estates)"
        )
    if total < lo:
        return 1, (
            f"the community holds {total:.0f} (< {lo:.0f}): one grid below the band "
            "(merge the community with a neighbour or lower the minimum)"
        )
    k_min, k_max = math.ceil(total / hi - 1e-9), math.floor(total / lo + 1e-9)
    if k_min <= k_max:
        k = min(max(round(total / ((lo + hi) / 2)), k_min), k_max)
        if k > n_units:
            return n_units, (
                f"{n_units} unit(s) cannot make {k} grids of {lo:.0f}-{hi:.0f}; "
                "split large estates by buildings"
            )
        return k, ""

    def violation(k: int) -> float:
        mean = total / k
        return max(0.0, mean - hi) / hi + max(0.0, lo - mean) / lo

    k = min((k_max, k_min), key=lambda k: (violation(k), k)) if k_max >= 1 else k_min
    k = max(1, min(k, n_units))
    return k, (
        f"{total:.0f} cannot be split into grids of {lo:.0f}-{hi:.0f} "
        f"({k_max} grid(s) would hold {total / max(k_max, 1):.0f} each, "
        f"{k_min} would hold {total / k_min:.0f}); {k} grid(s) chosen "
        "(widen the band or fix the number of grids)"
    )


def stable_seed(seed: int, community_id: str, part: int = 0) -> list[int]:
    """Seed sequence of a community's RNG: ``[seed, crc32(community_id), part]`` (stable)."""
    return [int(seed), zlib.crc32(str(community_id).encode("utf-8")), int(part)]


# --------------------------------------------------------------------------- one community


@dataclass(frozen=True, eq=False)
class CommunityTask:
    """The picklable payload of one community (arrays only, no geometry).

    ``fixed[i]`` is the locked-grid label (``0 .. n_locked-1``) of unit ``i``, or -1 when free.
    Perimeters and shared edge lengths in metres, areas in m².
    """

    community_id: str
    size: np.ndarray
    balance: np.ndarray
    party: np.ndarray
    area: np.ndarray
    perimeter: np.ndarray
    x: np.ndarray
    y: np.ndarray
    edge_a: np.ndarray
    edge_b: np.ndarray
    edge_len: np.ndarray
    fixed: np.ndarray
    n_locked: int
    params: GridParams
    ils_rounds: int = ILS_ROUNDS
    exact: bool = True


@dataclass(frozen=True, eq=False)
class CommunityOutcome:
    """Labels per unit (locked labels kept, new grids numbered after them) and the report."""

    community_id: str
    labels: np.ndarray
    report: dict[str, Any]


def grid_one_community(task: CommunityTask) -> CommunityOutcome:
    """Grid one community: choose k, grow contiguous grids, polish by boundary flips.

    Pure and deterministic for a given task (seeded RNG). Locked units keep their labels.
    """
    t0 = time.perf_counter()
    p = task.params
    lo, hi = p.band()
    n = len(task.size)
    nbrs: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for a, b, length in zip(
        task.edge_a.tolist(), task.edge_b.tolist(), task.edge_len.tolist(), strict=True
    ):
        nbrs[a].append((b, length))
        nbrs[b].append((a, length))
    labels = task.fixed.astype(int).copy()
    free = [i for i in range(n) if labels[i] < 0]
    comps = _free_components(free, nbrs, labels)
    ks, reasons = _ks_for_components(comps, task, lo, hi)
    next_label = task.n_locked
    objective = 0.0
    n_exact = n_rounded = 0
    for c_index, (comp, k) in enumerate(zip(comps, ks, strict=True)):
        rng = np.random.default_rng(stable_seed(p.seed, task.community_id, c_index))
        local, obj = _partition(comp, k, task, nbrs, rng)
        found = None
        if task.exact and k > 1 and _out_of_band(local, comp, task, lo, hi):
            # the exact model tries every number of grids the band admits at once
            found = _exact_in_band(comp, k, task, nbrs)
            if found is not None:
                k, local, obj = found
                n_exact += 1
        if found is None and p.n_grids is None and _out_of_band(local, comp, task, lo, hi):
            k, local, obj = _other_k(comp, k, local, obj, task, nbrs, lo, hi, c_index)
        local, obj, n_moved = _round_thin(comp, k, local, obj, task, nbrs)
        n_rounded += n_moved
        for u, g in zip(comp, local, strict=True):
            labels[u] = next_label + g
        next_label += k
        objective += obj
    report = {
        "community_id": task.community_id,
        "n_units": n,
        "size_total": float(task.size.sum()),
        "n_grids": int(next_label),
        "n_locked": task.n_locked,
        "pieces": len(comps),
        "feasible": not reasons,
        "reasons": reasons,
        "objective": float(objective),
        "seconds": time.perf_counter() - t0,
    }
    if n_exact:
        report["exact"] = (
            f"{n_exact} free piece(s) re-divided exactly (set-partition model) to put every "
            "grid in band"
        )
    if n_rounded:
        report["rounded"] = (
            f"{n_rounded} move(s) or swap(s) of one unit made thin grids rounder (compactness pass)"
        )
    return CommunityOutcome(task.community_id, labels, report)


def _exact_in_band(
    comp: list[int], k: int, task: CommunityTask, nbrs: list[list[tuple[int, float]]]
) -> tuple[int, list[int], float] | None:
    """The best division of a piece into connected in-band grids, exactly, or None.

    Runs where the search left grids out of band: the set-partition model of
    :func:`geo.grids.feasibility.band_partition` over the piece's connected in-band unit
    sets, each costed by the search's own per-grid objective (band, deviation from the mean
    of ``k`` grids, balance, party shortfall, compactness), the number of grids within the
    range the band admits (``k`` when the planner fixed it). Bounded: at most
    :data:`~geo.grids.feasibility.EXACT_PARTITION_MAX_UNITS` units and
    :data:`~geo.grids.feasibility.EXACT_PARTITION_MAX_COLUMNS` sets and
    :data:`~geo.grids.feasibility.EXACT_PARTITION_MAX_NODES` branch-and-bound nodes (not a
    time limit, so the plan is the same on every machine and backend). None when the piece is
    proven to admit no such division or the model is undecided.

    Returns ``(k, labels, objective)`` with labels numbered in unit order.
    """
    from geo.grids.feasibility import band_partition

    p = task.params
    lo, hi = p.band()
    sub_nbrs = _piece_neighbours(comp, nbrs)
    data = _SearchData(task, comp, sub_nbrs, k)
    total = float(sum(data.size))
    if p.n_grids is not None:
        n_groups = (k, k)
    else:
        n_groups = (max(1, math.ceil(total / hi - 1e-9)), math.floor(total / lo + 1e-9))
    ids = [str(i) for i in range(len(comp))]
    neighbors = {str(i): [str(v) for v, _ in row] for i, row in enumerate(sub_nbrs)}
    size = {str(i): s for i, s in enumerate(data.size)}

    def set_cost(members: tuple[int, ...]) -> float:
        inside = set(members)
        per = sum(data.per[i] for i in members) - sum(
            w for i in members for v, w in sub_nbrs[i] if v in inside
        )
        return data.cost(
            sum(data.size[i] for i in members),
            sum(data.bal[i] for i in members),
            sum(data.party[i] for i in members),
            sum(data.area[i] for i in members),
            per,
        )

    res = band_partition(ids, neighbors, size, lo, hi, set_cost=set_cost, n_groups=n_groups)
    if res.status != "found":
        return None
    labels = [0] * len(comp)
    for g, group in enumerate(res.groups):
        for i in group:
            labels[int(i)] = g
    labels = _relabel(labels)
    k2 = len(res.groups)
    return k2, labels, _State(_SearchData(task, comp, sub_nbrs, k2), labels, k2).objective


def _piece_neighbours(
    comp: list[int], nbrs: list[list[tuple[int, float]]]
) -> list[list[tuple[int, float]]]:
    """The neighbour lists of a piece's units in the piece's own numbering (``comp`` order),
    edges leaving the piece dropped."""
    local = {u: i for i, u in enumerate(comp)}
    return [[(local[v], w) for v, w in nbrs[u] if v in local] for u in comp]


def _round_thin(
    comp: list[int],
    k: int,
    local: list[int],
    obj: float,
    task: CommunityTask,
    nbrs: list[list[tuple[int, float]]],
) -> tuple[list[int], float, int]:
    """The compactness pass: make grids below the Polsby-Popper floor rounder, one unit at a time.

    A grid of the piece whose cells' Polsby-Popper (as the objective counts it) is below
    :data:`COMPACT_PASS_PP_FACTOR` times :data:`~geo.settings.MIN_POLSBY_POPPER`, that is not a
    single unit and holds no unit whose own cell is below the floor (reasons the land forces),
    gets the best move or swap of one unit with a neighbouring grid that keeps both grids in
    band and connected and raises the smaller Polsby-Popper of the two
    (:func:`geo.grids.regroup.best_regroup`), the thinnest grid first; at most
    :data:`COMPACT_PASS_MOVES` per piece. The band and contiguity are never traded away, so
    the objective may rise a little.

    Returns ``(labels, objective, moves applied)``; the labels unchanged when nothing applies.
    """
    if k < 2:
        return local, obj, 0
    sub_nbrs = _piece_neighbours(comp, nbrs)
    data = _SearchData(task, comp, sub_nbrs, k)
    unit_pp = [polsby_popper_of(a, per) for a, per in zip(data.area, data.per, strict=True)]
    floor = COMPACT_PASS_PP_FACTOR * MIN_POLSBY_POPPER
    state = _State(data, local, k)
    n_moved = 0
    while n_moved < COMPACT_PASS_MOVES:
        view = RegroupData(
            state.labels,
            state.members,
            sub_nbrs,
            data.size,
            data.area,
            data.per,
            state.S,
            state.A,
            state.PER,
            data.lo,
            data.hi,
            lambda h: True,
        )
        pp = [polsby_popper_of(state.A[g], state.PER[g]) for g in range(k)]
        thin = sorted(
            (pp[g], g)
            for g in range(k)
            if pp[g] < floor
            and len(state.members[g]) > 1
            and min(unit_pp[u] for u in state.members[g]) >= MIN_POLSBY_POPPER
        )
        found = next((r for r in (best_regroup(view, g)[0] for _, g in thin) if r), None)
        if found is None:
            break
        labels = list(state.labels)
        for u, to in found.moves:
            labels[u] = to
        state = _State(data, labels, k)
        n_moved += 1
    if not n_moved:
        return local, obj, 0
    return _relabel(state.labels), state.objective, n_moved


def _out_of_band(
    local: list[int], comp: list[int], task: CommunityTask, lo: float, hi: float
) -> int:
    """Grids of a piece's labelling outside the band ``lo``-``hi``."""
    sums = np.bincount(np.asarray(local), weights=task.size[np.asarray(comp)])
    return int(((sums < lo - 1e-9) | (sums > hi + 1e-9)).sum())


def _other_k(
    comp: list[int],
    k: int,
    local: list[int],
    obj: float,
    task: CommunityTask,
    nbrs: list[list[tuple[int, float]]],
    lo: float,
    hi: float,
    c_index: int,
) -> tuple[int, list[int], float]:
    """Try the neighbouring numbers of grids the band admits when ``k`` leaves grids out of band.

    The units may not add up for ``k`` grids (ten estates of 109-327 households make five
    grids of 300-500 but not six); the number with fewer grids out of band wins, then the
    smaller mean deviation.
    """
    total = float(task.size[np.asarray(comp)].sum())
    k_min, k_max = math.ceil(total / hi - 1e-9), min(math.floor(total / lo + 1e-9), len(comp))
    best = (_out_of_band(local, comp, task, lo, hi), _mean_dev(local, comp, task), k, local, obj)
    for k2 in (k - 1, k + 1):
        if k2 < max(k_min, 1) or k2 > k_max or k2 == k:
            continue
        rng = np.random.default_rng(
            stable_seed(task.params.seed, task.community_id, 1000 * (c_index + 1) + k2)
        )
        loc2, obj2 = _partition(comp, k2, task, nbrs, rng)
        cand = (_out_of_band(loc2, comp, task, lo, hi), _mean_dev(loc2, comp, task), k2, loc2, obj2)
        if cand[:2] < best[:2]:
            best = cand
        if best[0] == 0:
            break
    return best[2], best[3], best[4]


def _mean_dev(local: list[int], comp: list[int], task: CommunityTask) -> float:
    sums = np.bincount(np.asarray(local), weights=task.size[np.asarray(comp)])
    mean = sums.mean() if len(sums) else 0.0
    return float(np.abs(sums - mean).mean() / mean) if mean > 0 else 0.0


def _free_components(
    free: list[int], nbrs: list[list[tuple[int, float]]], labels: np.ndarray
) -> list[list[int]]:
    """Components of the free (unlabelled) units, each sorted, ordered by smallest unit."""
    pos = {u: i for i, u in enumerate(free)}
    rows, cols = [], []
    for u in free:
        for v, _ in nbrs[u]:
            if labels[v] < 0:
                rows.append(pos[u])
                cols.append(pos[v])
    return [sorted(c) for c in edge_components(free, rows, cols)]


def _ks_for_components(
    comps: list[list[int]], task: CommunityTask, lo: float, hi: float
) -> tuple[list[int], list[str]]:
    p = task.params
    reasons: list[str] = []
    if not comps:
        return [], reasons
    totals = [float(task.size[c].sum()) for c in comps]
    if p.n_grids is not None:
        want = max(p.n_grids - task.n_locked, len(comps))
        if p.n_grids - task.n_locked < len(comps):
            reasons.append(
                f"{p.n_grids} grid(s) requested but the free land is in {len(comps)} separate "
                f"piece(s) besides {task.n_locked} locked grid(s); {want} free grid(s) made"
            )
        weights = np.array(totals) + 1e-9
        extra = np.floor((want - len(comps)) * weights / weights.sum()).astype(int)
        rest = want - len(comps) - int(extra.sum())
        order = np.argsort(-((want - len(comps)) * weights / weights.sum() - extra), kind="stable")
        extra[order[:rest]] += 1
        ks = [min(1 + int(e), len(c)) for e, c in zip(extra, comps, strict=True)]
        if sum(ks) < want:
            reasons.append(f"only {sum(ks)} grid(s) possible: too few units for {want}")
        return ks, reasons
    ks = []
    for comp, total in zip(comps, totals, strict=True):
        k, why = choose_k(total, lo, hi, len(comp))
        ks.append(k)
        if why:
            where = f" (free piece of {len(comp)} units)" if len(comps) > 1 else ""
            reasons.append(why + where)
    return ks, reasons


def _partition(
    comp: list[int],
    k: int,
    task: CommunityTask,
    nbrs: list[list[tuple[int, float]]],
    rng: np.random.Generator,
) -> tuple[list[int], float]:
    """Labels 0..k-1 for the units of one connected piece, and their objective."""
    if k <= 1:
        return [0] * len(comp), 0.0
    sub_nbrs = _piece_neighbours(comp, nbrs)
    data = _SearchData(task, comp, sub_nbrs, k)
    best: tuple[float, list[int]] | None = None
    for _ in range(task.params.restarts):
        labels = _grow(data, k, rng)
        labels, obj = _local_search(data, labels, k, rng, task.ils_rounds)
        if _any_out_of_band(data, labels, k):
            labels, obj = _repair_pairs(data, labels, k)
        if best is None or obj < best[0] - 1e-12:
            best = (obj, labels)
        if _good_enough(data, best[1], k):
            break  # further restarts rarely pay when every grid is in band and well balanced
    assert best is not None
    return _relabel(best[1]), best[0]


def _good_enough(data: _SearchData, labels: list[int], k: int) -> bool:
    """Every grid in band and mean |deviation| at most EARLY_STOP_DEV_PCT."""
    sums = [0.0] * k
    for u, g in enumerate(labels):
        sums[g] += data.size[u]
    if any(s < data.lo - 1e-9 or s > data.hi + 1e-9 for s in sums):
        return False
    return sum(abs(s - data.mean_s) for s in sums) / k / data.mean_s * 100 <= EARLY_STOP_DEV_PCT


def _any_out_of_band(data: _SearchData, labels: list[int], k: int) -> bool:
    sums = [0.0] * k
    for u, g in enumerate(labels):
        sums[g] += data.size[u]
    return any(s < data.lo - 1e-9 or s > data.hi + 1e-9 for s in sums)


def _relabel(labels: list[int]) -> list[int]:
    """Number labels in order of first appearance (unit order), so the result is canonical."""
    seen: dict[int, int] = {}
    return [seen.setdefault(g, len(seen)) for g in labels]


class _SearchData:
    """Arrays of one connected piece, as Python lists for fast scalar access."""

    def __init__(
        self, task: CommunityTask, comp: list[int], nbrs: list[list[tuple[int, float]]], k: int
    ):
        idx = np.asarray(comp)
        p = task.params
        self.n = len(comp)
        self.nbrs = nbrs
        self.nbr_ids = [[v for v, _ in row] for row in nbrs]
        self.size = task.size[idx].tolist()
        self.bal = task.balance[idx].tolist()
        self.party = task.party[idx].tolist()
        self.area = np.maximum(task.area[idx], 1e-6).tolist()
        self.per = task.perimeter[idx].tolist()
        self.xy = np.column_stack([task.x[idx], task.y[idx]])
        self.lo, self.hi = p.band()
        s_tot, b_tot = float(sum(self.size)), float(sum(self.bal))
        self.mean_s = s_tot / k if s_tot > 0 else 1.0
        self.mean_b = b_tot / k if b_tot > 0 else 1.0
        self.w_balance = _W_BALANCE if p.balance != p.size_by else 0.0
        self.cw4pi = p.compactness_weight / (4 * math.pi)
        self.w_size = _W_SIZE
        self.min_party = float(p.min_party_per_grid)
        self.cost = _grid_cost(
            self.lo,
            self.hi,
            self.mean_s,
            self.mean_b,
            self.w_size,
            self.w_balance,
            self.min_party,
            self.cw4pi,
        )


def _grid_cost(
    lo: float,
    hi: float,
    mean_s: float,
    mean_b: float,
    w_size: float,
    w_balance: float,
    min_party: float,
    cw4pi: float,
) -> Callable[[float, float, float, float, float], float]:
    """``cost(size, balance, party, area_m2, perimeter_m)``: the objective of one grid.

    A closure over the piece's constants (hot loop: local names and plain arithmetic, no
    attribute look-ups or calls).
    """
    w_band, dev_lin, w_party = _W_BAND, _DEV_LIN, _W_PARTY

    def cost(s: float, b: float, party: float, a: float, per: float) -> float:
        c = 0.0
        if s > hi:
            band = (s - hi) / hi
            c += w_band * band * band
        elif s < lo:
            band = (lo - s) / lo
            c += w_band * band * band
        ds = (s - mean_s) / mean_s
        c += w_size * ((ds if ds > 0 else -ds) * dev_lin + ds * ds)
        if w_balance:
            db = (b - mean_b) / mean_b
            c += w_balance * ((db if db > 0 else -db) * dev_lin + db * db)
        if party < min_party:
            short = (min_party - party) / min_party
            c += w_party * short * short
        return c + cw4pi * per * per / a

    return cost


def _kmeans_seeds(data: _SearchData, k: int, rng: np.random.Generator) -> list[int]:
    xy = data.xy
    w = np.asarray(data.size) + 1e-3 * (data.mean_s / max(data.n, 1)) + 1e-9
    first = int(rng.choice(data.n, p=w / w.sum()))
    centers = [xy[first]]
    d2 = ((xy - centers[0]) ** 2).sum(-1)  # squared distance to the nearest centre so far
    for _ in range(1, k):
        prob = w * d2
        prob = prob / prob.sum() if prob.sum() > 0 else w / w.sum()
        centers.append(xy[int(rng.choice(data.n, p=prob))])
        d2 = np.minimum(d2, ((xy - centers[-1]) ** 2).sum(-1))
    c = np.array(centers)
    xw = xy * w[:, None]
    prev = None
    for _ in range(8):
        lab = np.argmin(((xy[:, None, :] - c[None, :, :]) ** 2).sum(-1), axis=1)
        if prev is not None and np.array_equal(lab, prev):
            break  # the same clusters give the same centres: every further round is this one
        prev = lab
        # each cluster's units as one slice, in unit order (the same sums as a mask's)
        order = np.argsort(lab, kind="stable")
        cuts = np.searchsorted(lab[order], np.arange(k + 1)).tolist()
        xw_s, w_s = xw[order], w[order]
        for j in range(k):
            a, b = cuts[j], cuts[j + 1]
            if a < b:
                c[j] = xw_s[a:b].sum(0) / w_s[a:b].sum()
    d2 = ((xy[:, None, :] - c[None, :, :]) ** 2).sum(-1)
    nearest = np.argsort(d2, axis=0, kind="stable").T.tolist()  # units by distance, per centre
    seeds: list[int] = []
    taken: set[int] = set()
    for j in range(k):
        for u in nearest[j]:
            if u not in taken:
                seeds.append(u)
                taken.add(u)
                break
    return seeds


def _grow(data: _SearchData, k: int, rng: np.random.Generator) -> list[int]:
    """Balanced region growing from k-means seeds: the lightest grid takes its nearest unit."""
    seeds = _kmeans_seeds(data, k, rng)
    labels = [-1] * data.n
    sizes = [0.0] * k
    heaps: list[list[tuple[float, int]]] = [[] for _ in range(k)]
    centers = [data.xy[s] for s in seeds]
    xy = data.xy

    def push(g: int, u: int) -> None:
        for v, _ in data.nbrs[u]:
            if labels[v] < 0:
                d = xy[v] - centers[g]
                heapq.heappush(heaps[g], (float(d @ d), v))

    for g, s in enumerate(seeds):
        labels[s] = g
        sizes[g] += data.size[s] + 1e-6
    for g, s in enumerate(seeds):
        push(g, s)
    left = data.n - k
    active = set(range(k))
    while left > 0 and active:
        g = min(active, key=lambda j: (sizes[j], j))
        heap = heaps[g]
        while heap and labels[heap[0][1]] >= 0:
            heapq.heappop(heap)
        if not heap:
            active.discard(g)
            continue
        _, u = heapq.heappop(heap)
        labels[u] = g
        sizes[g] += data.size[u] + 1e-6
        left -= 1
        push(g, u)
    for u in range(data.n):  # unreachable only if the piece were disconnected: keep it whole
        if labels[u] < 0:
            labels[u] = 0
    return labels


class _State:
    """A partition of one piece under local search: labels and per-grid running sums."""

    def __init__(self, data: _SearchData, labels: list[int], k: int) -> None:
        self.data = data
        self.k = k
        self.labels = list(labels)
        self.S = [0.0] * k
        self.B = [0.0] * k
        self.P = [0.0] * k
        self.A = [0.0] * k
        self.PER = [0.0] * k
        self.members: list[set[int]] = [set() for _ in range(k)]
        for u, g in enumerate(self.labels):
            self.S[g] += data.size[u]
            self.B[g] += data.bal[u]
            self.P[g] += data.party[u]
            self.A[g] += data.area[u]
            self.PER[g] += data.per[u]
            self.members[g].add(u)
        for u in range(data.n):
            for v, w in data.nbrs[u]:
                if self.labels[v] == self.labels[u]:
                    self.PER[self.labels[u]] -= w  # each internal edge seen twice: -2w in total
        self.f = [
            data.cost(self.S[g], self.B[g], self.P[g], self.A[g], self.PER[g]) for g in range(k)
        ]

    def copy(self) -> _State:
        new = object.__new__(_State)
        new.data, new.k = self.data, self.k
        new.labels = list(self.labels)
        new.S, new.B, new.P, new.A, new.PER = (
            list(self.S),
            list(self.B),
            list(self.P),
            list(self.A),
            list(self.PER),
        )
        new.members = [set(m) for m in self.members]
        new.f = list(self.f)
        return new

    @property
    def objective(self) -> float:
        return float(sum(self.f))

    def shared(self, u: int) -> dict[int, float]:
        """Shared edge length of unit ``u`` with each grid around it (its own included)."""
        out: dict[int, float] = {}
        for v, w in self.data.nbrs[u]:
            g = self.labels[v]
            out[g] = out.get(g, 0.0) + w
        return out

    def move_cost(self, u: int, h: int, shared: dict[int, float]) -> tuple[float, float, float]:
        """``(delta, new cost of donor, new cost of receiver)`` of moving ``u`` to ``h``."""
        d = self.data
        g = self.labels[u]
        su, bu, pu, au, peru = d.size[u], d.bal[u], d.party[u], d.area[u], d.per[u]
        fg = d.cost(
            self.S[g] - su,
            self.B[g] - bu,
            self.P[g] - pu,
            self.A[g] - au,
            self.PER[g] - peru + 2 * shared.get(g, 0.0),
        )
        fh = d.cost(
            self.S[h] + su,
            self.B[h] + bu,
            self.P[h] + pu,
            self.A[h] + au,
            self.PER[h] + peru - 2 * shared.get(h, 0.0),
        )
        return fg + fh - self.f[g] - self.f[h], fg, fh

    def apply(self, u: int, h: int, shared: dict[int, float], fg: float, fh: float) -> None:
        d = self.data
        g = self.labels[u]
        su, bu, pu, au, peru = d.size[u], d.bal[u], d.party[u], d.area[u], d.per[u]
        self.S[g] -= su
        self.B[g] -= bu
        self.P[g] -= pu
        self.A[g] -= au
        self.PER[g] += -peru + 2 * shared.get(g, 0.0)
        self.S[h] += su
        self.B[h] += bu
        self.P[h] += pu
        self.A[h] += au
        self.PER[h] += peru - 2 * shared.get(h, 0.0)
        self.f[g], self.f[h] = fg, fh
        self.members[g].discard(u)
        self.members[h].add(u)
        self.labels[u] = h

    def descend(self, rng: np.random.Generator, start: list[int] | None = None) -> None:
        """Best-improvement flips of boundary units (donor kept connected) until none helps.

        Works through a queue (all units in random order, or ``start``); after a move the
        members of the two grids and the unit's neighbours are queued again, since only
        their move costs changed. At most ``MAX_LOCAL_SEARCH_PASSES x n`` visits.
        """
        d = self.data
        nbrs, nbr_ids, cost = d.nbrs, d.nbr_ids, d.cost
        size, bal, party, area, per = d.size, d.bal, d.party, d.area, d.per
        # the state's lists are updated in place (``apply``), so local names stay valid
        labels, members = self.labels, self.members
        S, B, P, A, PER, f = self.S, self.B, self.P, self.A, self.PER, self.f
        queue = deque(rng.permutation(d.n).tolist() if start is None else start)
        queued = set(queue)
        budget = MAX_LOCAL_SEARCH_PASSES * d.n
        while queue and budget > 0:
            budget -= 1
            u = queue.popleft()
            queued.discard(u)
            g = labels[u]
            if len(members[g]) <= 1:
                continue
            for v in nbr_ids[u]:
                if labels[v] != g:
                    break
            else:
                continue  # interior unit: no grid to move to
            shared: dict[int, float] = {}
            for v, w in nbrs[u]:
                h = labels[v]
                shared[h] = shared.get(h, 0.0) + w
            su, bu, pu, au, peru = size[u], bal[u], party[u], area[u], per[u]
            best_fg = cost(
                S[g] - su, B[g] - bu, P[g] - pu, A[g] - au, PER[g] - peru + 2 * shared.get(g, 0.0)
            )
            base = best_fg - f[g]
            best_h, best_d, best_fh = -1, -1e-9, 0.0
            for h, lh in shared.items():
                if h == g:
                    continue
                fh = cost(S[h] + su, B[h] + bu, P[h] + pu, A[h] + au, PER[h] + peru - 2 * lh)
                delta = base + fh - f[h]
                if delta < best_d:
                    best_h, best_d, best_fh = h, delta, fh
            if best_h < 0 or not stays_connected(members[g], u, nbr_ids):
                continue
            self.apply(u, best_h, shared, best_fg, best_fh)
            for v in (*members[g], *members[best_h], *nbr_ids[u]):
                if v not in queued:
                    queued.add(v)
                    queue.append(v)

    def perturb(self, rng: np.random.Generator, n_moves: int) -> list[int]:
        """Random boundary flips that keep every grid connected and non-empty.

        Returns the units whose move costs changed (members of the grids involved).
        """
        nbr_ids = self.data.nbr_ids
        labels, members = self.labels, self.members
        done = 0
        touched: set[int] = set()
        for u in rng.permutation(self.data.n).tolist():
            if done >= n_moves:
                break
            g = labels[u]
            if len(members[g]) <= 1:
                continue
            for v in nbr_ids[u]:
                if labels[v] != g:
                    break
            else:
                continue  # interior unit: no grid to move to
            shared = self.shared(u)
            others = sorted(h for h in shared if h != g)
            if not stays_connected(members[g], u, nbr_ids):
                continue
            h = others[int(rng.integers(len(others)))]
            _, fg, fh = self.move_cost(u, h, shared)
            self.apply(u, h, shared, fg, fh)
            touched |= members[g]
            touched |= members[h]
            touched.update(nbr_ids[u])
            done += 1
        return sorted(touched)


def _local_search(
    data: _SearchData,
    labels: list[int],
    k: int,
    rng: np.random.Generator,
    ils_rounds: int = ILS_ROUNDS,
) -> tuple[list[int], float]:
    """Descent, then iterated local search: perturb the best plan, descend, keep if better."""
    best = _State(data, labels, k)
    best.descend(rng)
    rounds = min(ils_rounds, max(min(4, ils_rounds), ILS_MOVES_BUDGET // max(data.n, 1)))
    stale = 0
    for _ in range(rounds):
        if stale >= ILS_PATIENCE:
            break
        stale += 1
        cand = best.copy()
        touched = cand.perturb(rng, 1 + int(rng.integers(max(2, min(6, data.n // 4)))))
        cand.descend(rng, touched)
        if cand.objective < best.objective - 1e-12:
            best = cand
            stale = 0
    return best.labels, best.objective


def _grid_cost_array(
    data: _SearchData,
    s: np.ndarray,
    b: np.ndarray,
    party: np.ndarray,
    a: np.ndarray,
    per: np.ndarray,
) -> np.ndarray:
    """:func:`_grid_cost` of many candidate grids at once (arrays of equal length)."""
    lo, hi = data.lo, data.hi
    band = np.where(s > hi, (s - hi) / hi, np.where(s < lo, (lo - s) / lo, 0.0))
    c = _W_BAND * band * band
    ds = (s - data.mean_s) / data.mean_s
    c = c + data.w_size * (np.abs(ds) * _DEV_LIN + ds * ds)
    if data.w_balance:
        db = (b - data.mean_b) / data.mean_b
        c = c + data.w_balance * (np.abs(db) * _DEV_LIN + db * db)
    short = np.where(party < data.min_party, (data.min_party - party) / data.min_party, 0.0)
    out: np.ndarray = c + _W_PARTY * short * short + data.cw4pi * per * per / a
    return out


def _connected(units: list[int], nbr_ids: list[list[int]]) -> bool:
    """Whether ``units`` (non-empty) form one connected group (edges among them only)."""
    inside = set(units)
    seen = {units[0]}
    stack = [units[0]]
    while stack:
        u = stack.pop()
        for v in nbr_ids[u]:
            if v in inside and v not in seen:
                seen.add(v)
                stack.append(v)
    return len(seen) == len(units)


def _pair_resplit(state: _State, g: int, h: int) -> list[int] | None:
    """The best re-split of two neighbouring grids, or None when none has fewer out of band.

    Every bipartition of the units of ``g`` and ``h`` together (at most
    :data:`PAIR_REPAIR_MAX_UNITS` of them) is scored with the search's own objective
    (vectorised), ranked by grids out of band first and the objective second: the first
    whose two sides are both connected wins if it has fewer grids out of band than the
    current pair (improving the objective alone is the descent's business). A pair whose
    total cannot put more of it in band (two grids need ``2 lo .. 2 hi``) is not tried. The band
    comes first because the objective weighs a small excess (506 in 300-500) less than
    the compactness a fix may cost. This move generalises the single flips and the two-unit
    swaps of the local search: it exchanges any number of units at once, which a grid of
    small estates hemmed in by units near the maximum needs (one flip would push a
    neighbour over the band first). At most :data:`PAIR_REPAIR_MAX_CHECKS` connectivity
    checks, so the cost is bounded.
    """
    d = state.data
    union = sorted(state.members[g] | state.members[h])
    n = len(union)
    if n < 2 or n > PAIR_REPAIR_MAX_UNITS:
        return None
    lo, hi = d.lo - 1e-9, d.hi + 1e-9
    cur_out = sum(1 for x in (state.S[g], state.S[h]) if x < lo or x > hi)
    together = state.S[g] + state.S[h]
    if cur_out <= (0 if 2 * lo <= together <= 2 * hi else 1):
        return None  # no re-split can put more of the pair in band: the descent's business
    idx = np.asarray(union)
    # side A = the set bits of the first n-1 units; the last unit always stays on side B
    masks = np.arange(1, 1 << (n - 1), dtype=np.int64)
    bits = np.zeros((len(masks), n), dtype=bool)
    bits[:, : n - 1] = ((masks[:, None] >> np.arange(n - 1)) & 1).astype(bool)
    fa = bits.astype(float)
    fb = 1.0 - fa

    def attr(values: list[float]) -> tuple[np.ndarray, np.ndarray]:
        v = np.asarray(values, dtype=float)[idx]
        return fa @ v, fb @ v

    (sa, sb), (ba, bb), (pa, pb), (aa, ab), (pera, perb) = (
        attr(d.size),
        attr(d.bal),
        attr(d.party),
        attr(d.area),
        attr(d.per),
    )
    pos = {u: i for i, u in enumerate(union)}
    ei, ej, ew = [], [], []
    for u in union:
        for v, w in d.nbrs[u]:
            if v in pos and pos[v] > pos[u]:
                ei.append(pos[u])
                ej.append(pos[v])
                ew.append(w)
    if ei:
        ii, jj, ww = np.asarray(ei), np.asarray(ej), np.asarray(ew)
        pera = pera - 2 * (fa[:, ii] * fa[:, jj]) @ ww
        perb = perb - 2 * (fb[:, ii] * fb[:, jj]) @ ww
    total = _grid_cost_array(d, sa, ba, pa, aa, pera) + _grid_cost_array(d, sb, bb, pb, ab, perb)
    out = ((sa < lo) | (sa > hi)).astype(int) + ((sb < lo) | (sb > hi)).astype(int)
    order = np.lexsort((total, out))
    for j in order[:PAIR_REPAIR_MAX_CHECKS].tolist():
        if out[j] >= cur_out:
            return None
        side_a = [u for u, on in zip(union, bits[j].tolist(), strict=True) if on]
        side_b = [u for u, on in zip(union, bits[j].tolist(), strict=True) if not on]
        if _connected(side_a, d.nbr_ids) and _connected(side_b, d.nbr_ids):
            labels = list(state.labels)
            for u in side_a:
                labels[u] = g
            for u in side_b:
                labels[u] = h
            return labels
    return None


def _out_of_band_grids(state: _State) -> list[int]:
    """Grids outside the band, the furthest out first."""
    d = state.data
    gap = [max(d.lo - s, s - d.hi) / d.mean_s for s in state.S]
    return sorted((g for g in range(state.k) if gap[g] > 1e-9), key=lambda g: (-gap[g], g))


def _repair_pairs(data: _SearchData, labels: list[int], k: int) -> tuple[list[int], float]:
    """Re-split each out-of-band grid with a neighbouring grid (:func:`_pair_resplit`).

    Runs only when the local search left grids out of band; up to
    :data:`PAIR_REPAIR_ROUNDS` passes, each trying every out-of-band grid with its
    neighbouring grids (the lightest first when it is under the band, the heaviest first
    when over). No descent follows: the descent's objective could undo a fix that costs
    compactness. Grids out of band never increase.
    """
    state = _State(data, labels, k)
    for _ in range(PAIR_REPAIR_ROUNDS):
        improved = False
        for g in _out_of_band_grids(state):
            s_g = state.S[g]
            if data.lo - 1e-9 <= s_g <= data.hi + 1e-9:
                continue  # brought into band by an earlier re-split of this pass
            around = sorted(
                {state.labels[v] for u in state.members[g] for v in data.nbr_ids[u]} - {g},
                key=lambda h: (state.S[h] if s_g < data.lo else -state.S[h], h),
            )
            for h in around:
                new = _pair_resplit(state, g, h)
                if new is not None:
                    state = _State(data, new, k)
                    improved = True
                    break
        if not improved:
            break
    return state.labels, state.objective


# --------------------------------------------------------------------------- driver


def grid_communities(
    layers_or_units: Layers | UnitGraph,
    params: GridParams | None = None,
    *,
    locked_plan: Plan | None = None,
    scheduler: Any = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    barriers: gpd.GeoSeries | gpd.GeoDataFrame | None = None,
) -> GridResult:
    """Grid every community: contiguous, nested, balanced grids tiling each community.

    Parameters
    ----------
    layers_or_units : Layers or UnitGraph
        Loaded layers (units are built with ``max_households=params.max_households``) or
        ready units.
    params : GridParams, optional
    locked_plan : Plan, optional
        A previous plan on the same units: its locked grids keep their units, ids and
        names; everything else is re-optimised.
    scheduler : str or distributed.Client, optional
        Run communities on a Dask cluster (``"tcp://..."``); default local processes.
    workers : int, optional
        Local worker processes (1 = in-process). Small inputs run in-process anyway.
    progress : callable, optional
        ``progress(done, total)`` over communities.
    barriers : lines, optional
        Passed to :func:`geo.grids.units.build_units` when ``layers_or_units`` are layers.

    Returns
    -------
    GridResult
        ``plan`` and ``report`` (one dict per community: k, feasible, reasons, seconds).
        Communities without units appear in the report with their reason and get no grid.
    """

    params = params or GridParams()
    if locked_plan is not None and not isinstance(layers_or_units, UnitGraph):
        layers_or_units = locked_plan.units  # locked grids name units of the plan's own graph
    locked_ids: dict[str, list[str]] = {}
    if isinstance(layers_or_units, UnitGraph):
        graph = layers_or_units
        tasks, locked_ids = _tasks(graph.units, graph.edges, params, locked_plan)
        if workers is None and scheduler is None and len(graph.units) < SERIAL_UNIT_THRESHOLD:
            workers = 1
        outcomes = map_communities(
            grid_one_community, tasks, workers=workers, scheduler=scheduler, progress=progress
        )
    else:
        graph, outcomes = _build_and_grid(
            layers_or_units,
            params,
            barriers=barriers,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
        )
    assignment, names = _assign_ids(graph, outcomes, locked_ids, locked_plan)
    report = [o.report for o in outcomes] + _empty_reports(graph)
    locked = frozenset(locked_plan.locked) if locked_plan is not None else frozenset()
    plan = Plan(graph, assignment, names, locked, params, tuple(report))
    return GridResult(plan=plan, report=report)


@dataclass(frozen=True, eq=False)
class CommunityJob:
    """Payload of the whole per-community pipeline: frames in, units and grids out."""

    frames: Any  # geo.grids.units.CommunityFrames
    params: GridParams


@dataclass(frozen=True, eq=False)
class CommunityResult:
    """Units of one community and its gridding outcome (None without units)."""

    units: Any  # geo.grids.units.CommunityUnits
    outcome: CommunityOutcome | None


def _build_and_grid(
    layers: Layers,
    params: GridParams,
    *,
    barriers: Any,
    workers: int | None,
    scheduler: Any,
    progress: Callable[[int, int], None] | None,
) -> tuple[UnitGraph, list[CommunityOutcome]]:
    """Validate once, then build units and grid each community in one job (in parallel)."""

    prepared = prepare_frames(
        layers.communities,
        layers.estates,
        layers.buildings,
        barriers=barriers,
        max_households=params.max_households,
    )
    jobs = [CommunityJob(frames, params) for frames in prepared.jobs()]
    if workers is None and scheduler is None and len(prepared.estates) < SERIAL_UNIT_THRESHOLD:
        workers = 1
    results = map_communities(
        build_and_grid_community, jobs, workers=workers, scheduler=scheduler, progress=progress
    )
    graph = assemble_units(prepared, [r.units for r in results], params.max_households)
    return graph, [r.outcome for r in results if r.outcome is not None]


def build_and_grid_community(job: CommunityJob) -> CommunityResult:
    """Units, cells and grids of one community; the split of estates responds to the result.

    :func:`_build_and_grid_first` makes the first plan. When it leaves grids out of band:

    1. if the community has estates split into parts (no buildings), the parts are made
       finer, about half a grid each (:data:`~geo.settings.FINE_PART_SHARE` of the band's
       middle), so that small estates beside a high-rise estate can join one of its parts;
    2. if grids are still out of band, estates without buildings above half the minimum are
       split too, into at least two compact parts of about half a grid (their whole units
       may admit no in-band plan at all: 268, 258, 223, 186 and 103 households bordering
       each other make no grids of 300-500);
    3. if grids are still out of band, the same with parts of about a third of a grid (parts
       of half a grid pair up only two by two: 24 parts of about 195 and one of 136 need
       the 136 to border two of them).

    The plan with fewer grids out of band (then smaller mean deviation) is kept, and the
    report says which split made it (``"refined"``).
    """
    first = _build_and_grid_first(job)
    out = first.outcome
    p = job.params
    if out is None or p.n_grids is not None or out.report["feasible"] is False:
        return first
    lo, hi = p.band()
    best, best_score = first, _score_sizes(first.units.units[p.size_by].to_numpy(float), p, out)
    if best_score[0] == 0:
        return first
    mid = (lo + hi) / 2
    small = {"split_without_buildings_above": p.min_households / 2}
    tries: list[tuple[float, dict[str, Any], str]] = []
    if first.units.units["unit_id"].str.contains("#", regex=False).any():
        tries.append(
            (
                FINE_PART_SHARE * mid,
                {},
                "large estates split into parts of about half a grid to meet the band",
            )
        )
    tries.append(
        (
            FINE_PART_SHARE * mid,
            small,
            "estates without buildings split into compact parts of about half a grid "
            "to meet the band",
        )
    )
    tries.append(
        (
            mid / 3,
            small,
            "estates without buildings split into compact parts of about a third of a grid "
            "to meet the band",
        )
    )
    for part, extra, why in tries:
        if best_score[0] == 0:
            break
        fine = community_units(
            job.frames,
            max_households=p.max_households,
            min_households=p.min_households,
            part_households=part,
            **extra,
        )
        if fine.fatal or fine.units.empty or len(fine.units) <= len(best.units.units):
            continue
        task2 = _piece_task(fine, p)
        out2 = grid_one_community(task2)
        score2 = _score(task2, out2)
        if score2 < best_score:
            out2.report["refined"] = why
            best, best_score = CommunityResult(fine, out2), score2
    return best


def _build_and_grid_first(job: CommunityJob) -> CommunityResult:
    """Units, cells and grids of one community; refined by buildings when whole estates fail.

    With ``params.split_to_fit``, a quick pass on whole estates (one restart, no iterated
    search) decides: when it leaves every grid in band with a mean deviation of at most
    :data:`~geo.settings.REFINE_MEAN_DEV_PCT`, whole estates get the full search; otherwise
    estates above half the minimum are split by their buildings and the community gets the
    full search on those units; the better plan is kept (fewer grids out of band, then
    smaller mean deviation).
    """

    p = job.params
    piece = community_units(
        job.frames, max_households=p.max_households, min_households=p.min_households
    )
    if piece.fatal or piece.units.empty:
        return CommunityResult(piece, None)
    full_task = _piece_task(piece, p)
    if not p.split_to_fit:
        return CommunityResult(piece, grid_one_community(full_task))
    # a quick pass (one restart, no iterated search) shows whether whole estates can do; its
    # task is the full one's arrays (restarts change no array)
    quick_task = replace(full_task, params=replace(p, restarts=1), ils_rounds=0, exact=False)
    quick = grid_one_community(quick_task)
    quick_score = _score(quick_task, quick)
    if quick_score[0] == 0 and quick_score[1] <= REFINE_MEAN_DEV_PCT:
        return CommunityResult(piece, _best(quick_task, quick, full_task))
    if job.frames.buildings is None:  # nothing to refine by: the finer units would be the same
        return CommunityResult(piece, _best(quick_task, quick, full_task))
    finer = community_units(
        job.frames,
        max_households=p.max_households,
        split_by_buildings_above=max(1, p.min_households // 2),
        min_households=p.min_households,
    )
    if finer.fatal or len(finer.units) <= len(piece.units):
        return CommunityResult(piece, _best(quick_task, quick, full_task))
    task2 = _piece_task(finer, p)
    out2 = grid_one_community(task2)
    if _score(task2, out2) < quick_score:
        out2.report["refined"] = "estates split by buildings to meet the band"
        return CommunityResult(finer, out2)
    return CommunityResult(piece, _best(quick_task, quick, full_task))


def _best(
    quick_task: CommunityTask, quick: CommunityOutcome, full_task: CommunityTask
) -> CommunityOutcome:
    """The full search's outcome unless the quick pass scored better."""
    full = grid_one_community(full_task)
    return quick if _score(quick_task, quick) < _score(full_task, full) else full


def _piece_task(piece: Any, params: GridParams) -> CommunityTask:
    """The task of one community's units (no locks): the arrays of :func:`_tasks`, cut directly.

    Same arrays as ``_tasks(units, edges, params, None)[0][0]`` without the pandas
    grouping and reindexing, which cost more than the gridding of a small community.
    """
    units = piece.units
    cids = units["community_id"].to_numpy()
    if len(cids) == 0 or not (cids == cids[0]).all():
        return _tasks(units.set_index(units["unit_id"].to_numpy()), piece.edges, params, None)[0][0]
    pos = {u: i for i, u in enumerate(units["unit_id"].tolist())}
    edges = piece.edges
    ea = np.array([pos[u] for u in edges["unit_a"].tolist()], dtype=np.intp)
    eb = np.array([pos[u] for u in edges["unit_b"].tolist()], dtype=np.intp)
    return CommunityTask(
        community_id=str(cids[0]),
        size=units[params.size_by].to_numpy(float),
        balance=params.balance_values(units),
        party=units["party_members"].to_numpy(float),
        area=units["area_m2"].to_numpy(float),
        perimeter=units["perimeter_m"].to_numpy(float),
        x=units["x"].to_numpy(float),
        y=units["y"].to_numpy(float),
        edge_a=ea,
        edge_b=eb,
        edge_len=edges["length_m"].to_numpy(float),
        fixed=np.full(len(units), -1, dtype=int),
        n_locked=0,
        params=params,
    )


def _score(task: CommunityTask, out: CommunityOutcome) -> tuple[int, float]:
    """(grids out of band, mean |deviation| in %) of one community's outcome."""
    return _score_sizes(task.size, task.params, out)


def _score_sizes(size: np.ndarray, params: GridParams, out: CommunityOutcome) -> tuple[int, float]:
    """:func:`_score` from the units' sizes (``params.size_by``) alone, without a task."""
    lo, hi = params.band()
    k = int(out.labels.max()) + 1 if len(out.labels) else 0
    sums = np.bincount(out.labels, weights=size, minlength=k)
    mean = sums.mean() if k else 0.0
    dev = float(np.abs(sums - mean).mean() / mean * 100) if mean > 0 else 0.0
    return int(((sums < lo - 1e-9) | (sums > hi + 1e-9)).sum()), dev


def _tasks(
    units: pd.DataFrame, edges: pd.DataFrame, params: GridParams, locked_plan: Plan | None
) -> tuple[list[CommunityTask], dict[str, list[str]]]:
    """One :class:`CommunityTask` per community of ``units`` (index = unit id), and locked ids."""
    fixed_grid: dict[str, str] = {}
    if locked_plan is not None:
        missing = [
            u
            for g in locked_plan.locked
            for u in locked_plan.members.get(g, ())
            if u not in units.index
        ]
        if missing:
            raise ValidationError(
                [
                    Problem(
                        "plan",
                        f"locked grids hold {len(missing)} unit(s) that are not in "
                        f"these units: {missing[:5]}.",
                        "re-optimise on the units the plan was made with, or unlock them",
                        code="gr_locked_units_missing",
                        params={"n": len(missing), "ids": ", ".join(map(str, missing[:5]))},
                    )
                ]
            )
        for g in sorted(locked_plan.locked):
            fixed_grid.update(dict.fromkeys(locked_plan.members.get(g, ()), g))
    size = units[params.size_by].to_numpy(float)
    balance = params.balance_values(units)
    pos = pd.Series(np.arange(len(units)), index=units.index)
    ea = pos.reindex(edges["unit_a"]).to_numpy()
    eb = pos.reindex(edges["unit_b"]).to_numpy()
    el = edges["length_m"].to_numpy(float)
    comm_of_edge = units["community_id"].to_numpy()[ea] if len(ea) else np.array([], dtype=object)
    tasks = []
    locked_ids: dict[str, list[str]] = {}
    for cid, idx in units.groupby("community_id", sort=True).indices.items():
        idx = np.sort(idx)
        local = np.full(len(units), -1)
        local[idx] = np.arange(len(idx))
        m = comm_of_edge == cid
        ids = units.index.to_numpy()[idx]
        lg = sorted({fixed_grid[u] for u in ids if u in fixed_grid})
        locked_ids[cid] = lg  # type: ignore[index]  # groupby keys: the str community ids
        code = {g: i for i, g in enumerate(lg)}
        fixed = np.array([code[fixed_grid[u]] if u in fixed_grid else -1 for u in ids], dtype=int)
        tasks.append(
            CommunityTask(
                community_id=str(cid),
                size=size[idx],
                balance=balance[idx],
                party=units["party_members"].to_numpy(float)[idx],
                area=units["area_m2"].to_numpy(float)[idx],
                perimeter=units["perimeter_m"].to_numpy(float)[idx],
                x=units["x"].to_numpy(float)[idx],
                y=units["y"].to_numpy(float)[idx],
                edge_a=local[ea[m]],
                edge_b=local[eb[m]],
                edge_len=el[m],
                fixed=fixed,
                n_locked=len(lg),
                params=params,
            )
        )
    return tasks, locked_ids


def _assign_ids(
    graph: UnitGraph,
    outcomes: list[CommunityOutcome],
    locked_ids: dict[str, list[str]],
    locked_plan: Plan | None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Grid ids: locked grids keep theirs; new grids get free sequence numbers in reading order."""
    units = graph.units
    prefixes = community_prefixes(graph.communities)
    assignment: dict[str, str] = {}
    names: dict[str, str] = {}
    groups = units.groupby("community_id", sort=True).indices
    all_ids = units.index.to_numpy()
    all_a, all_x, all_y = (units[c].to_numpy(float) for c in ("area_m2", "x", "y"))
    comm_names = (
        dict(zip(graph.communities.index, graph.communities["name"], strict=True))
        if "name" in graph.communities.columns
        else {}
    )
    for out in outcomes:
        cid = out.community_id
        idx = np.sort(groups[cid])
        ids = all_ids[idx]
        lg = locked_ids.get(cid, [])
        new_labels = sorted(set(out.labels.tolist()) - set(range(len(lg))))
        a, x, y = all_a[idx] + 1e-9, all_x[idx], all_y[idx]
        wsum = np.bincount(out.labels, weights=a)
        wx = np.bincount(out.labels, weights=a * x) / np.where(wsum > 0, wsum, 1)
        wy = np.bincount(out.labels, weights=a * y) / np.where(wsum > 0, wsum, 1)
        cx = {g: float(wx[g]) for g in new_labels}
        cy = {g: float(wy[g]) for g in new_labels}
        order = reading_order(cx, cy, float(a.sum()), float(y.max()) if len(y) else 0.0)
        taken = {g[-3:] for g in lg}
        prefix = prefixes[cid]
        seqs = (f"{s:03d}" for s in range(1, 100000) if f"{s:03d}" not in taken)
        label_id = {i: g for i, g in enumerate(lg)}
        cname = str(comm_names.get(cid, cid))
        for g in order:
            gid = prefix + next(seqs)
            label_id[g] = gid
            names[gid] = f"{cname} {gid[-3:]}"
        for locked in lg:
            names[locked] = (
                locked_plan.names.get(locked, locked) if locked_plan is not None else locked
            )
        for u, lab in zip(ids, out.labels.tolist(), strict=True):
            assignment[u] = label_id[lab]
    return assignment, names


def _empty_reports(graph: UnitGraph) -> list[dict[str, Any]]:
    have = set(graph.units["community_id"])
    return [
        {
            "community_id": str(cid),
            "n_units": 0,
            "size_total": 0.0,
            "n_grids": 0,
            "n_locked": 0,
            "pieces": 0,
            "feasible": False,
            "reasons": [
                "no estates in this community: add its estates or merge it into a neighbour"
            ],
            "objective": 0.0,
            "seconds": 0.0,
        }
        for cid in graph.communities.index
        if cid not in have
    ]


def reoptimise(plan: Plan, *, params: GridParams | None = None, **kwargs: Any) -> Plan:
    """Re-run gridding on the unlocked grids of ``plan`` (locked grids untouched)."""
    return grid_communities(plan.units, params or plan.params, locked_plan=plan, **kwargs).plan


__all__ = [
    "CommunityOutcome",
    "CommunityTask",
    "GridParams",
    "GridResult",
    "Plan",
    "choose_k",
    "community_prefixes",
    "grid_communities",
    "grid_one_community",
    "reading_order",
    "reoptimise",
    "stable_seed",
]

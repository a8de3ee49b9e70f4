"""Repair of a plan that is out of rule: split grids grown too large, merge or dissolve grids
too small, then move units between grids, so that grids return to the band with few
households moved, keeping locked grids, compliant grids and contiguity.

The repair works per *neighbourhood*: a connected set of units of one community whose grids
it may change (out-of-rule grids, and grids the planner unlocked). A neighbourhood holding
``S`` households needs between ``ceil(S / max)`` and ``floor(S / min)`` grids; when it holds
fewer it is split, when it holds more grids are dissolved into their neighbours. A
neighbourhood of at most :data:`~geo.grids.repair_exact.EXACT_MAX_UNITS` units is solved
exactly (:func:`geo.grids.repair_exact.solve_region`, HiGHS, warm-started from the
heuristic's answer, stopped by a node limit) when one of its models is small enough; others
by the heuristic below. Every neighbourhood also gets a lower bound on the households that
must move.

Contiguity is judged on the map: edges of the unit graph whose two cells' outline is not
one polygon are dropped first (:func:`outline_neighbors`), an exact answer with a grid in two
parts is rejected for the heuristic's, and a community where a changed grid is still in two
parts goes back to the plan in force (:func:`two_part_grids`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo.errors import Problem, ValidationError
from geo.grids.graph import Adjacency, components, stays_connected
from geo.grids.ids import new_grid_ids
from geo.grids.metrics import grid_geometry
from geo.grids.plan import Plan
from geo.grids.repair_exact import (
    EXACT_MAX_UNITS,
    EXACT_NODE_LIMIT,
    EXACT_TIME_LIMIT_S,
    FLOW_MAX_ASSIGNMENTS,
    solve_region,
)
from geo.settings import REPAIR_MAX_MOVES_PER_GRID

if TYPE_CHECKING:
    from geo.grids.params import GridParams


def band_penalty(size: float, lo: float, hi: float) -> float:
    """Distance of a grid size from the band [lo, hi] (0 inside)."""
    return max(0.0, lo - size, size - hi)


#: Columns of a moves table (repair, absorption).
MOVE_COLUMNS = ("unit_id", "from_grid", "to_grid", "households")


@dataclass(frozen=True, eq=False)
class RepairResult:
    """What :func:`repair_plan` did.

    Attributes
    ----------
    plan : Plan
        The repaired plan (same grid ids; grids keep their names and locks).
    moves : DataFrame
        Net moves, one per unit that changed grid: :data:`MOVE_COLUMNS`.
    households_moved : float
        Households of the moved units (the repair's cost).
    fixed : tuple of str
        Grids out of rule before and compliant after.
    still_out : list of dict
        Grids still out of rule: ``grid_id``, ``issue``, ``hint`` (what to unlock or change).
    free : tuple of str
        Grids the repair was allowed to change.
    grid_changes : list of dict
        Grid by grid, every grid of the plan before the repair and every new grid:
        ``grid_id``, ``change`` (``"kept"``, ``"split"``, ``"merged"``, ``"units moved"``,
        ``"new"``), ``into`` (the grids that now hold its units: the parts of a split, the
        grids a merged grid went into; for a new grid, the grids its units came from),
        ``households_out``, ``households_in``.
    new_codes, retired_codes : tuple of str
        Codes of the grids the repair opened, and of the grids it dissolved (never reused).
    bound : float
        Lower bound on the households any repair under the same rule must move
        (households; 0 when the size rule counts party members).
    status : str
        ``"optimal"`` when every neighbourhood was solved exactly to optimality,
        ``"heuristic"`` otherwise (see ``gap``), ``"nothing to repair"``. Neighbourhoods no
        number of grids can fit (``status`` ``"infeasible"``) stay in ``still_out``.
    gap : float
        ``(households_moved - bound) / households_moved`` (0 when optimal or nothing moved).
    regions : list of dict
        Per neighbourhood: ``community_id, grids, n_units, size, k_min, k_max, method``
        (``"exact"`` / ``"heuristic"``), ``status``, ``households_moved``, ``bound``, ``gap``.
    """

    plan: Plan
    moves: pd.DataFrame
    households_moved: float
    fixed: tuple[str, ...]
    still_out: list[dict[str, str]]
    free: tuple[str, ...]
    grid_changes: list[dict[str, Any]] = field(default_factory=list)
    new_codes: tuple[str, ...] = ()
    retired_codes: tuple[str, ...] = ()
    bound: float = 0.0
    status: str = "heuristic"
    gap: float = 0.0
    regions: list[dict[str, Any]] = field(default_factory=list)

    def changed_grids(self) -> list[str]:
        """Grids whose units changed (split, merged, units moved, new), sorted."""
        return sorted(r["grid_id"] for r in self.grid_changes if r["change"] != "kept")

    def summary(self) -> dict[str, Any]:
        """JSON-safe summary of the repair and the repaired plan."""
        out = self.plan.summary()
        out["repair"] = {
            "n_moves": len(self.moves),
            "households_moved": self.households_moved,
            "bound": self.bound,
            "status": self.status,
            "gap": self.gap,
            "fixed": list(self.fixed),
            "still_out": self.still_out,
            "free": list(self.free),
            "new_codes": list(self.new_codes),
            "retired_codes": list(self.retired_codes),
            "grid_changes": [r for r in self.grid_changes if r["change"] != "kept"],
            "n_kept": sum(r["change"] == "kept" for r in self.grid_changes),
            "regions": self.regions,
            "moves": self.moves.to_dict("records"),
        }
        return out


class _State:
    """Mutable working copy of an assignment for the repair search."""

    def __init__(self, plan: Plan, col: str) -> None:
        self.assign = dict(plan.assignment)
        self.members = {g: set(us) for g, us in plan.members.items()}
        self.size = plan.units.units[col].astype(float).to_dict()
        self.load = {g: sum(self.size[u] for u in us) for g, us in self.members.items()}
        self.nbrs = plan.units.neighbors
        self.adj = plan.units.adjacency
        self._whole: dict[str, bool] = {}  # grid -> in one piece; dropped when the grid changes
        self.lengths = plan.units.edge_lengths
        self.comm = plan.units.community_of
        self.cells = plan.units.units.geometry
        self.comm_total: dict[str, float] = {}
        for u, s in self.size.items():
            self.comm_total[self.comm[u]] = self.comm_total.get(self.comm[u], 0.0) + s

    def use_neighbors(self, nbrs: Mapping[str, tuple[str, ...]]) -> None:
        """Search on the adjacency ``nbrs`` from now on."""
        self.nbrs = dict(nbrs)
        self.adj = Adjacency.from_neighbors(self.nbrs)
        self._whole.clear()

    def open(self, g: str) -> None:
        """Start an empty grid ``g``."""
        self.members.setdefault(g, set())
        self.load.setdefault(g, 0.0)

    def move(self, u: str, to: str) -> None:
        frm = self.assign[u]
        self.members[frm].discard(u)
        self.members[to].add(u)
        self.load[frm] -= self.size[u]
        self.load[to] += self.size[u]
        self.assign[u] = to
        self._whole.pop(frm, None)
        self._whole.pop(to, None)

    def is_whole(self, grid: str) -> bool:
        """Whether ``grid`` is in one piece (cached until one of its units moves)."""
        whole = self._whole.get(grid)
        if whole is None:
            whole = self._whole[grid] = len(components(self.members[grid], self.adj)) <= 1
        return whole

    def connected_without(self, grid: str, u: str) -> bool:
        group = self.members[grid]
        return len(group) > 1 and stays_connected(group, u, self.nbrs, whole=self.is_whole(grid))


def _compliant(state: _State, g: str, lo: float, hi: float) -> bool:
    return band_penalty(state.load[g], lo, hi) == 0 and state.is_whole(g)


def repair_plan(
    plan: Plan,
    *,
    params: GridParams | None = None,
    unlocked: Iterable[str] | str | None = None,
    max_moves_per_grid: int = REPAIR_MAX_MOVES_PER_GRID,
    restructure: bool = True,
    retired: Iterable[str] = (),
    exact_max_units: int = EXACT_MAX_UNITS,
    time_limit: float = EXACT_TIME_LIMIT_S,
    node_limit: int | None = EXACT_NODE_LIMIT,
) -> RepairResult:
    """Bring out-of-rule grids back into the rule with the fewest households moved.

    Out of rule = outside the size band of ``params`` or not contiguous. The rule on what
    may change is in the module docstring of :mod:`geo.grids.import_plan`: planner-locked
    grids never change; compliant grids change only when named in ``unlocked``
    (``"all"``: every compliant grid) and then stay compliant. Every other grid keeps its
    units, its code and its outline.

    Steps: detached pieces of out-of-rule grids join an adjacent free grid; then, per
    neighbourhood (connected units of free grids in one community) holding a grid out of
    the band, the number of grids is brought into ``[ceil(S / max), floor(S / min)]``
    (``S`` its size): a neighbourhood of at most ``exact_max_units`` units is solved exactly
    (HiGHS, :func:`geo.grids.repair_exact.solve_region`: band, nesting and flow-based
    contiguity, fewest households moved); a larger one is split (the largest grid gives a
    connected part, fewest households, to a new grid, until there are enough) or has its
    smallest grids dissolved into their neighbours (until there are few enough). Then a
    greedy, bounded search moves units for the remaining balance: repeatedly the boundary
    move (one unit between two free grids of a community, donor kept contiguous) with the
    least households moved minus band violation removed, or the best two-move chain when no
    single move helps, at most ``max_moves_per_grid`` moves per free grid. Last, moved units
    whose return breaks nothing go back to their first grid.

    The part of a split grid that moves gets a new code (:func:`geo.grids.ids.new_grid_ids`:
    the community's next free sequence, never one in the plan or in ``retired``); the codes
    of dissolved grids are listed as retired.

    Parameters
    ----------
    plan : Plan
        The plan to repair (e.g. :attr:`ImportResult.plan`); not modified.
    params : GridParams, optional
        The size rule (default: the plan's parameters).
    unlocked : iterable of grid ids, "neighbours", "all", or None
        Compliant grids the repair may also change (they stay compliant): the named grids,
        the compliant neighbours of out-of-rule grids, or every compliant grid. None
        (default): none.
    max_moves_per_grid : int
        Bound on the moves of the greedy search, per free grid.
    restructure : bool
        Split and dissolve grids where the band needs it (default); False only moves units.
    retired : iterable of str
        Codes used before (earlier versions of the plan) that new grids must not take.
    exact_max_units : int
        Largest neighbourhood (units) solved exactly; 0 uses the heuristic everywhere.
    time_limit : float
        Wall-clock limit (s) of each exact solve, a safety net; a solve stopped by it
        reports its gap.
    node_limit : int or None
        Branch-and-bound nodes of each exact solve (deterministic: the answer is the same
        on a busy and a quiet machine); a solve stopped by it keeps the better of its
        answer and the heuristic's, and reports the gap.

    Returns
    -------
    RepairResult

    Raises
    ------
    ValidationError
        ``unlocked`` names unknown grids.
    """
    params = params or plan.params
    lo, hi = params.band()
    state = _State(plan, params.size_by)
    grids = sorted(state.members)
    compliant0 = {g for g in grids if _compliant(state, g, lo, hi)}
    opened = _opened(state, grids, compliant0, unlocked)
    free = (set(grids) - compliant0 | opened) - set(plan.locked)
    state.use_neighbors(outline_neighbors(plan, [u for g in free for u in state.members[g]]))
    _reattach_pieces(state, free, lo, hi)
    taken = set(grids) | {str(c) for c in retired}
    hh = plan.units.units["households"].astype(float).to_dict()
    regions: list[dict[str, Any]] = []
    if restructure:
        for region in _regions(state, free):
            info = _repair_region(
                state,
                region,
                free,
                compliant0,
                taken,
                hh,
                lo,
                hi,
                exact_max_units=exact_max_units,
                time_limit=time_limit,
                node_limit=node_limit,
            )
            if info is not None:
                regions.append(info)
    # Communities are independent (units never leave theirs): search each one on its own,
    # and only those holding a grid out of the band.
    by_comm: dict[str, set[str]] = {}
    for g in free:
        if state.members[g]:
            by_comm.setdefault(state.comm[next(iter(state.members[g]))], set()).add(g)
    for cid in sorted(by_comm):
        pool_c = by_comm[cid]
        if any(band_penalty(state.load[g], lo, hi) > 0 for g in pool_c):
            _search(state, pool_c, compliant0, lo, hi, budget=max_moves_per_grid * len(pool_c))
    _undo_needless(state, plan.assignment, free, lo, hi)
    _keep_outlines_whole(state, plan.assignment, regions)
    return _result(plan, params, state, grids, compliant0, free, regions, hh, lo, hi)


def outline_neighbors(plan: Plan, units: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The unit adjacency with the edges between ``units`` kept only where the outlines agree.

    Two units are neighbours in :attr:`UnitGraph.edges` when one cell's boundary runs along
    the other within a few centimetres; after an import recuts cells along the plan's
    boundaries, a sliver of a third cell (fractions of a millimetre wide, metres long) can
    lie between two cells so linked. Their grid would be connected in the graph and in two
    parts on the map. An edge between two of ``units`` stays when the outline of the two
    cells (:func:`geo.grids.metrics.grid_geometry`, as a grid's outline is drawn) is one
    polygon; so a set connected in the returned graph has a one-polygon outline.

    Returns
    -------
    dict
        ``{unit_id: neighbour unit ids}`` for every unit of the plan.
    """
    import shapely

    nbrs = plan.units.neighbors
    inside = set(units)
    pairs = sorted({(u, v) for u in inside for v in nbrs.get(u, ()) if v in inside and u < v})
    if not pairs:
        return dict(nbrs)
    cells = plan.units.units.geometry
    a = cells.loc[[p[0] for p in pairs]].to_numpy()
    b = cells.loc[[p[1] for p in pairs]].to_numpy()
    one = shapely.get_type_id(shapely.union(a, b)) == 3  # a Polygon: they share an edge
    apart = {
        pairs[k]
        for k in np.flatnonzero(~one)
        if grid_geometry([a[k], b[k]]).geom_type != "Polygon"  # not even without debris
    }
    if not apart:
        return dict(nbrs)
    return {
        u: tuple(v for v in vs if (min(u, v), max(u, v)) not in apart) for u, vs in nbrs.items()
    }


def two_part_grids(
    cells: Mapping[str, Any], members: Mapping[str, Iterable[str]], grids: Iterable[str]
) -> list[str]:
    """The grids of ``grids`` whose outline (the union of their cells,
    :func:`geo.grids.metrics.grid_geometry`) is not one polygon, sorted; empty grids pass."""
    out = []
    for g in sorted(set(grids)):
        us = list(members.get(g, ()))
        if us and grid_geometry([cells[u] for u in us]).geom_type != "Polygon":
            out.append(g)
    return out


def _keep_outlines_whole(
    state: _State, original: Mapping[str, str], regions: list[dict[str, Any]]
) -> None:
    """Last check of the answer, on the map: a community where a grid the repair changed has
    an outline in two parts goes back to the plan in force (its grids then stay out of rule
    and get a hint), and its neighbourhoods are reported ``rejected``."""
    changed = {state.assign[u] for u in state.assign if state.assign[u] != original[u]}
    changed |= {original[u] for u in state.assign if state.assign[u] != original[u]}
    bad = two_part_grids(state.cells, state.members, changed)
    comms = {state.comm[next(iter(state.members[g]))] for g in bad}
    if not comms:
        return
    _restore(state, {u: g for u, g in original.items() if state.comm[u] in comms})
    for info in regions:
        if info["community_id"] in comms:
            info.update(
                status="rejected",
                households_moved=0.0,
                gap=0.0,
                exact=f"rejected: grid(s) {bad} in two parts; the plan in force kept",
            )


def _opened(
    state: _State, grids: list[str], compliant0: set[str], unlocked: Iterable[str] | str | None
) -> set[str]:
    """The compliant grids ``unlocked`` lets the repair change."""
    if unlocked == "all":
        return set(compliant0)
    if unlocked == "neighbours":
        out0 = set(grids) - compliant0
        return {
            state.assign[v]
            for g in out0
            for u in state.members[g]
            for v in state.nbrs.get(u, ())
            if state.comm[v] == state.comm[u]
        } & compliant0
    opened = (
        set()
        if unlocked is None
        else {str(g) for g in ([unlocked] if isinstance(unlocked, str) else unlocked)}
    )
    unknown = sorted(opened - set(grids))
    if unknown:
        raise ValidationError(
            [
                Problem(
                    "plan",
                    f"`unlocked` names grid(s) not in the plan: {unknown[:5]}",
                    "name existing grid ids or pass unlocked='all'",
                    code="rp_unknown_grids",
                    params={"ids": ", ".join(unknown[:5])},
                )
            ]
        )
    return opened


def _result(
    plan: Plan,
    params: GridParams,
    state: _State,
    grids: list[str],
    compliant0: set[str],
    free: set[str],
    regions: list[dict[str, Any]],
    hh: Mapping[str, float],
    lo: float,
    hi: float,
) -> RepairResult:
    """The repaired plan, its moves and grid-by-grid report, from the working state."""
    new_assign = state.assign
    changed = sorted(u for u in new_assign if new_assign[u] != plan.assignment[u])
    moves = pd.DataFrame(
        {
            "unit_id": changed,
            "from_grid": [plan.assignment[u] for u in changed],
            "to_grid": [new_assign[u] for u in changed],
            "households": [float(hh[u]) for u in changed],
        },
        columns=list(MOVE_COLUMNS),
    )
    touched = set(moves["from_grid"]) | set(moves["to_grid"])
    live = {g for g, us in state.members.items() if us}
    new_codes = tuple(sorted(live - set(grids)))
    retired = tuple(sorted(set(grids) - live))
    names = {**plan.names, **{g: g for g in new_codes}}
    new_plan = plan.with_assignment(new_assign, names=names, touched=touched) if changed else plan
    if params is not plan.params:
        new_plan = Plan(
            new_plan.units,
            dict(new_plan.assignment),
            dict(new_plan.names),
            new_plan.locked,
            params,
            new_plan.report,
            new_plan.outlines,
        )
    after = {g for g in live if _compliant(state, g, lo, hi)}
    fixed = tuple(sorted((set(grids) - compliant0) & after))
    still = [
        _hint(state, g, free, plan.locked, lo, hi, params.size_by) for g in sorted(live - after)
    ]
    moved = float(moves["households"].sum())
    bound = float(sum(r["bound"] for r in regions))
    if params.size_by != "households":
        bound = 0.0
    bound = min(bound, moved)
    if not regions and not changed:
        status = "nothing to repair" if not still else "heuristic"
    elif (
        any(r["status"] == "optimal" for r in regions)
        and all(r["status"] in ("optimal", "infeasible") for r in regions)
        and abs(moved - sum(r["households_moved"] for r in regions)) < 1e-6
    ):
        status, bound = "optimal", moved
    else:
        status = "heuristic"
    gap = 0.0 if moved <= 0 or status == "optimal" else (moved - bound) / moved
    return RepairResult(
        plan=new_plan,
        moves=moves,
        households_moved=moved,
        fixed=fixed,
        still_out=still,
        free=tuple(sorted(free)),
        grid_changes=grid_changes(plan.assignment, new_assign, hh),
        new_codes=new_codes,
        retired_codes=retired,
        bound=bound,
        status=status,
        gap=gap,
        regions=regions,
    )


def grid_changes(
    before: Mapping[str, str], after: Mapping[str, str], households: Mapping[str, float]
) -> list[dict[str, Any]]:
    """Grid by grid, what happened between two assignments of the same units.

    Returns
    -------
    list of dict
        ``grid_id, change, into, households_out, households_in`` (see
        :attr:`RepairResult.grid_changes`), grids of ``before`` first, then new grids.
    """
    old_ids = sorted(set(before.values()))
    new_ids = set(after.values())
    out_hh: dict[str, float] = {}
    in_hh: dict[str, float] = {}
    went: dict[str, set[str]] = {}
    came: dict[str, set[str]] = {}
    for u, g in before.items():
        h = after[u]
        if h == g:
            continue
        out_hh[g] = out_hh.get(g, 0.0) + float(households[u])
        in_hh[h] = in_hh.get(h, 0.0) + float(households[u])
        went.setdefault(g, set()).add(h)
        came.setdefault(h, set()).add(g)
    fresh = sorted(new_ids - set(old_ids))
    rows = []
    for g in old_ids:
        if g not in new_ids:
            change, into = "merged", sorted(went.get(g, ()))
        elif went.get(g, set()) & set(fresh):
            change, into = "split", sorted({g} | (went[g] & set(fresh)))
        elif g in went or g in came:
            change, into = "units moved", sorted(went.get(g, ()))
        else:
            change, into = "kept", []
        rows.append(
            {
                "grid_id": g,
                "change": change,
                "into": into,
                "households_out": out_hh.get(g, 0.0),
                "households_in": in_hh.get(g, 0.0),
            }
        )
    for g in fresh:
        rows.append(
            {
                "grid_id": g,
                "change": "new",
                "into": sorted(came.get(g, ())),
                "households_out": 0.0,
                "households_in": in_hh.get(g, 0.0),
            }
        )
    return rows


# --------------------------------------------------------------------------- split and merge


def _regions(state: _State, free: set[str]) -> list[list[str]]:
    """Neighbourhoods: connected units of free grids within one community, sorted."""
    units = [u for g in sorted(free) for u in state.members[g]]
    by_comm: dict[str, list[str]] = {}
    for u in units:
        by_comm.setdefault(state.comm[u], []).append(u)
    out = []
    for cid in sorted(by_comm):
        nbrs = {u: [v for v in state.nbrs.get(u, ()) if state.comm[v] == cid] for u in by_comm[cid]}
        out.extend(components(by_comm[cid], nbrs))
    return sorted(out, key=lambda r: r[0])


def grid_count_range(size: float, lo: float, hi: float) -> tuple[int, int]:
    """Fewest and most grids in the band ``[lo, hi]`` that ``size`` can fill (min > max: none)."""
    if size <= 0:
        return 0, 0
    return max(1, math.ceil(size / hi - 1e-9)), math.floor(size / lo + 1e-9)


def region_lower_bound(sizes: Iterable[float], lo: float, hi: float) -> float:
    """Least size count that must change grid so that grids of these sizes fit the band.

    ``sizes`` are the present grids of a neighbourhood (units never leave it). For every
    feasible number of grids ``k`` (:func:`grid_count_range`): with ``k > m`` grids
    (``m`` present), every unit of the ``k - m`` new grids moves (at least ``lo`` each);
    with ``k < m``, every unit of the ``m - k`` grids that vanish moves (at least the
    ``m - k`` smallest); in all cases what exceeds ``hi`` must leave its grid and what lacks
    to ``lo`` must arrive. The bound is the least over ``k``; 0 when no ``k`` fits.
    """
    s = sorted(float(x) for x in sizes)
    m = len(s)
    kmin, kmax = grid_count_range(sum(s), lo, hi)
    excess = sum(max(0.0, x - hi) for x in s)
    deficit = sum(max(0.0, lo - x) for x in s)
    best = math.inf
    for k in range(kmin, kmax + 1):
        if k > m:
            b = max(lo * (k - m), excess)
        elif k < m:
            b = max(sum(s[: m - k]), excess)
        else:
            b = max(excess, deficit)
        best = min(best, b)
    return 0.0 if best == math.inf else float(best)


def _repair_region(
    state: _State,
    region: list[str],
    free: set[str],
    compliant0: set[str],
    taken: set[str],
    hh: Mapping[str, float],
    lo: float,
    hi: float,
    *,
    exact_max_units: int,
    time_limit: float,
    node_limit: int | None = EXACT_NODE_LIMIT,
) -> dict[str, Any] | None:
    """Split / dissolve grids of one neighbourhood (exactly when small); None if nothing to do."""
    gids = sorted({state.assign[u] for u in region})
    if not any(band_penalty(state.load[g], lo, hi) > 0 for g in gids):
        return None
    total = sum(state.size[u] for u in region)
    kmin, kmax = grid_count_range(total, lo, hi)
    before = {u: state.assign[u] for u in region}
    info: dict[str, Any] = {
        "community_id": state.comm[region[0]],
        "grids": gids,
        "n_units": len(region),
        "size": total,
        "k_min": kmin,
        "k_max": kmax,
    }
    bound = region_lower_bound([state.load[g] for g in gids], lo, hi)
    if kmin > kmax:
        info.update(method="none", status="infeasible", households_moved=0.0, bound=0.0, gap=0.0)
        return info
    # the heuristic first: the exact solve must beat it (a solve cut short by its time
    # limit on a busy machine may not)
    codes = set(taken)
    k = min(max(len(gids), kmin), kmax)
    _heuristic_count(state, region, gids, k, free, taken, lo, hi)
    pool = {state.assign[u] for u in region}
    _search(state, pool, compliant0, lo, hi, budget=REPAIR_MAX_MOVES_PER_GRID * len(pool))
    heur = {u: state.assign[u] for u in region}
    heur_moved = float(sum(hh[u] for u in region if heur[u] != before[u]))
    heur_bad = sum(band_penalty(state.load[g], lo, hi) for g in pool)
    info.update(method="heuristic", status="heuristic", bound=bound)
    sol = None
    if heur_bad == 0 and heur_moved <= bound + 1e-9:
        info["status"] = "optimal"  # the heuristic meets the lower bound: nothing to solve
    elif len(region) <= exact_max_units:
        slot = {g: i for i, g in enumerate(gids)}
        fresh_heur = sorted({heur[u] for u in region} - set(gids))
        slot_heur = {**slot, **{g: len(gids) + j for j, g in enumerate(fresh_heur)}}
        sol = solve_region(
            region,
            state.nbrs,
            state.size,
            hh,
            {u: slot[before[u]] for u in region},
            len(gids),
            max(0, kmax - len(gids)),
            lo,
            hi,
            time_limit=time_limit,
            node_limit=node_limit,
            start={u: slot_heur[heur[u]] for u in region} if heur_bad == 0 else None,
            flow=len(region) * max(len(gids), kmax) <= FLOW_MAX_ASSIGNMENTS,
        )
        if sol is None:
            info["exact"] = (
                "no exact answer: too many connected sets for the partition model and too "
                "many units x grids for the flow model, or none in the band"
            )
    taken_heur = set(taken)
    if sol is not None and (sol.status == "optimal" or heur_bad > 0 or sol.moved < heur_moved):
        _restore(state, before)
        taken.clear()
        taken |= codes
        n_new = max((s - len(gids) + 1 for s in sol.slot_of.values()), default=0)
        fresh = new_grid_ids(gids[0], taken, n_new) if n_new > 0 else []
        taken |= set(fresh)
        target = {
            u: (gids[s] if s < len(gids) else fresh[s - len(gids)]) for u, s in sol.slot_of.items()
        }
        for g in fresh:
            free.add(g)
        _restore(state, target)
        split = two_part_grids(state.cells, state.members, set(target.values()))
        if split:
            # the graph can join two cells the outlines keep apart; such an answer is never
            # returned: the heuristic's stands (its bound stays: the graph model relaxes the
            # outlines' contiguity)
            _restore(state, heur)
            taken.clear()
            taken |= taken_heur
            info.update(bound=max(bound, sol.bound), exact=f"rejected: {split} in two parts")
        else:
            info.update(
                method="exact",
                status=sol.status,
                bound=max(bound, sol.bound),
                seconds=round(sol.seconds, 3),
            )
    elif sol is not None:
        info.update(bound=max(bound, sol.bound))  # the heuristic was better than a cut-short solve
    moved = float(sum(hh[u] for u in region if state.assign[u] != before[u]))
    info["households_moved"] = moved
    info["gap"] = 0.0 if moved <= 0 else max(0.0, (moved - info["bound"]) / moved)
    return info


def _restore(state: _State, target: Mapping[str, str]) -> None:
    """Move the units of ``target`` to its grids (opening them as needed)."""
    for u, g in target.items():
        if state.assign[u] != g:
            state.open(g)
            state.move(u, g)


def _heuristic_count(
    state: _State,
    region: list[str],
    gids: list[str],
    k: int,
    free: set[str],
    taken: set[str],
    lo: float,
    hi: float,
) -> None:
    """Split the largest grids, or dissolve the smallest, until the neighbourhood holds ``k`` grids."""
    live = [g for g in gids if state.members[g]]
    kmin, kmax = grid_count_range(sum(state.load[g] for g in live), lo, hi)
    grow = len(live) <= k  # one direction only: splits, or dissolutions
    for _ in range(2 * len(region)):
        big = max(live, key=lambda g: (state.load[g], g))
        small = min(live, key=lambda g: (state.load[g], g))
        # reach k grids; then, when the units' sizes leave a grid out of the band, one more
        # split (or dissolution) if the band allows that many grids
        if grow and (len(live) < k or (state.load[big] > hi and len(live) < kmax)):
            new = new_grid_ids(big, taken, 1)[0]
            state.open(new)
            if not _split_off(state, big, new, lo, hi):
                break
            taken.add(new)
            free.add(new)
            live.append(new)
        elif not grow and (len(live) > k or (state.load[small] < lo and len(live) > kmin)):
            if not _dissolve(state, small, set(live) - {small}, lo, hi):
                break
            live.remove(small)
        else:
            break


def _split_off(state: _State, g: str, new: str, lo: float, hi: float) -> bool:
    """Move a connected part of ``g`` to the empty grid ``new``: fewest households, both parts
    in the band when possible, the rest of ``g`` kept connected. False if ``g`` has one unit."""
    members = set(state.members[g])
    if len(members) < 2:
        return False
    load = state.load[g]
    want_lo, want_hi = max(lo, load - hi), min(hi, load - lo)
    if want_lo > want_hi:
        want_lo, want_hi = lo, hi
    edge = state.lengths
    border = sorted(u for u in members if any(state.assign[v] != g for v in state.nbrs.get(u, ())))
    seeds = border or sorted(members)
    step = max(1, len(seeds) // 16)
    best: tuple[tuple[float, float, float, str], set[str]] | None = None
    for seed in seeds[::step]:
        part = {seed}
        size = state.size[seed]
        while size < want_lo:
            rest = members - part
            cands = sorted({v for u in part for v in state.nbrs.get(u, ()) if v in rest})
            cands = [
                v for v in cands if len(components(rest - {v}, state.nbrs)) <= 1 and rest - {v}
            ]
            if not cands:
                break
            v = max(
                cands,
                key=lambda v: (sum(edge.get((v, w), 0.0) for w in part) - 1e-3 * state.size[v], v),
            )
            part.add(v)
            size += state.size[v]
        if len(components(members - part, state.nbrs)) > 1 or not members - part:
            continue
        rest_load = load - size
        miss = band_penalty(size, lo, hi) + band_penalty(rest_load, lo, hi)
        key = (miss, size, -sum(edge.get((u, w), 0.0) for u in part for w in part), seed)
        if best is None or key < best[0]:
            best = (key, part)
    if best is None:
        return False
    for u in sorted(best[1]):
        state.move(u, new)
    return True


def _dissolve(state: _State, g: str, into: set[str], lo: float, hi: float) -> bool:
    """Give every unit of ``g`` to an adjacent grid of ``into``, in waves from the border.

    A unit goes to the grid that stays closest to the band after taking it, then the longest
    shared edge. False (and ``g`` left as it was) when some unit cannot reach one.
    """
    original = set(state.members[g])
    while state.members[g]:
        progressed = False
        for u in sorted(state.members[g]):
            cands = {state.assign[v] for v in state.nbrs.get(u, ()) if state.assign[v] in into}
            if not cands:
                continue

            def closeness(h: str, u: str = u) -> tuple[float, float, str]:
                return (
                    band_penalty(state.load[h] + state.size[u], lo, hi),
                    -sum(
                        state.lengths.get((u, v), 0.0)
                        for v in state.nbrs[u]
                        if state.assign[v] == h
                    ),
                    h,
                )

            to = min(cands, key=closeness)
            state.move(u, to)
            progressed = True
        if not progressed:
            for u in original:
                if state.assign[u] != g:
                    state.move(u, g)
            return False
    return True


def _search(
    state: _State, free: set[str], compliant0: set[str], lo: float, hi: float, *, budget: int
) -> None:
    """Greedy boundary moves (then two-move chains) among ``free`` grids, at most ``budget``."""
    n = 0
    while n < budget and any(band_penalty(state.load[g], lo, hi) > 0 for g in free):
        step = None
        # Moves among out-of-rule grids first; compliant unlocked grids only when needed.
        for pool in (free - compliant0, free):
            step = _best_move(state, pool, compliant0, lo, hi) or _best_chain(
                state, pool, compliant0, lo, hi
            )
            if step:
                break
        if not step:
            break
        for u, to in step:
            state.move(u, to)
            n += 1


def _reattach_pieces(state: _State, free: set[str], lo: float, hi: float) -> None:
    """Detached pieces of free grids join the adjacent free grid that suits the band best."""
    for g in sorted(free):
        pieces = components(state.members[g], state.adj)
        if len(pieces) <= 1:
            continue
        main = max(pieces, key=lambda p: (sum(state.size[u] for u in p), len(p)))
        for piece in pieces:
            if piece is main:
                continue
            cands = {
                state.assign[v]
                for u in piece
                for v in state.nbrs.get(u, ())
                if state.assign[v] != g
                and state.assign[v] in free
                and state.comm[v] == state.comm[u]
            }
            if not cands:
                continue
            w = sum(state.size[u] for u in piece)

            def after(h: str, w: float = w) -> tuple[float, str]:
                return (band_penalty(state.load[h] + w, lo, hi), h)

            to = min(cands, key=after)
            for u in piece:
                state.move(u, to)


def _undo_needless(
    state: _State, original: Mapping[str, str], free: set[str], lo: float, hi: float
) -> None:
    """Send moved units back to their first grid when that breaks nothing (largest first).

    A greedy search can move more than it needs; a unit goes back when its first grid still
    exists and is adjacent, the grid it left stays contiguous, and neither grid's band
    violation grows. Repeats until no unit can go back.
    """
    changed = True
    while changed:
        changed = False
        moved = sorted(
            (u for u in state.assign if state.assign[u] != original[u]),
            key=lambda u: (-state.size[u], u),
        )
        for u in moved:
            a, b = original[u], state.assign[u]
            if a not in free or not state.members.get(a):
                continue
            if not any(
                state.assign[v] == a for v in state.nbrs.get(u, ())
            ) or not state.connected_without(b, u):
                continue
            su = state.size[u]
            if (
                band_penalty(state.load[a] + su, lo, hi)
                <= band_penalty(state.load[a], lo, hi) + 1e-9
                and band_penalty(state.load[b] - su, lo, hi)
                <= band_penalty(state.load[b], lo, hi) + 1e-9
            ):
                state.move(u, a)
                changed = True


def _moves_from(
    state: _State,
    free: set[str],
    compliant0: set[str],
    lo: float,
    hi: float,
    *,
    strict: bool = True,
    donors: Iterable[str] | None = None,
) -> list[tuple[float, float, float, str, str]]:
    """Every allowed single move with its gain: (gain, size, gain/size, unit, to).

    Donors are ``donors`` (default: every free grid), receivers free grids. With
    ``strict``, a grid compliant at the start may not leave the band.
    """
    out = []
    for a in sorted(free if donors is None else donors):
        for u in sorted(state.members[a]):
            su = state.size[u]
            if su <= 0:
                continue
            tos = {
                state.assign[v]
                for v in state.nbrs.get(u, ())
                if state.assign[v] != a
                and state.assign[v] in free
                and state.comm[v] == state.comm[u]
            }
            if not tos or not state.connected_without(a, u):
                continue
            la = state.load[a]
            for b in sorted(tos):
                lb = state.load[b]
                # A grid compliant at the start must stay in the band.
                if strict and (
                    (a in compliant0 and band_penalty(la - su, lo, hi) > 0)
                    or (b in compliant0 and band_penalty(lb + su, lo, hi) > 0)
                ):
                    continue
                gain = (
                    band_penalty(la, lo, hi)
                    + band_penalty(lb, lo, hi)
                    - band_penalty(la - su, lo, hi)
                    - band_penalty(lb + su, lo, hi)
                )
                out.append((gain, su, gain / su, u, b))
    return out


def _best_move(
    state: _State, free: set[str], compliant0: set[str], lo: float, hi: float
) -> list[tuple[str, str]] | None:
    cands = [m for m in _moves_from(state, free, compliant0, lo, hi) if m[0] > 1e-9]
    if not cands:
        return None
    # Least (households moved - violation removed): a move between an over and an under grid
    # is progress for free; ties: more violation removed, fewer households, then ids.
    best = min(cands, key=lambda m: (m[1] - m[0], -m[0], m[1], m[3], m[4]))
    return [(best[3], best[4])]


def _best_chain(
    state: _State, free: set[str], compliant0: set[str], lo: float, hi: float
) -> list[tuple[str, str]] | None:
    """The best two-move chain a -> b, then b -> c, with a positive total gain (c may be a:
    a swap of two units between a and b).

    The middle grid ``b`` may leave the band after the first move (that is what the chain
    is for) but every grid compliant at the start must be back in the band after the second.
    """
    best: tuple[tuple[float, float, str, str], list[tuple[str, str]]] | None = None
    firsts = [
        m
        for m in _moves_from(state, free, compliant0, lo, hi, strict=False)
        if band_penalty(state.load[state.assign[m[3]]], lo, hi) > 0
        or band_penalty(state.load[m[4]], lo, hi) > 0
    ]
    firsts.sort(key=lambda m: (m[1] - m[0], m[1], m[3], m[4]))
    for gain1, s1, _, u, b in firsts[:200]:
        a = state.assign[u]
        state.move(u, b)
        try:
            if a in compliant0 and band_penalty(state.load[a], lo, hi) > 0:
                continue
            seconds = [
                m
                for m in _moves_from(state, free, compliant0, lo, hi, strict=False, donors=[b])
                if m[3] != u
            ]
            for gain2, s2, _, v, c in seconds:
                total = gain1 + gain2
                if total <= 1e-9:
                    continue
                sb = state.load[b] - state.size[v]
                sc = state.load[c] + state.size[v]
                if (b in compliant0 and band_penalty(sb, lo, hi) > 0) or (
                    c in compliant0 and band_penalty(sc, lo, hi) > 0
                ):
                    continue
                key = (s1 + s2 - total, s1 + s2, u, v)
                if best is None or key < best[0]:
                    best = (key, [(u, b), (v, c)])
        finally:
            state.move(u, a)
    return best[1] if best else None


def _hint(
    state: _State, g: str, free: set[str], locked: Iterable[str], lo: float, hi: float, col: str
) -> dict[str, str]:
    load = state.load[g]
    issue = []
    if not state.is_whole(g):
        issue.append("not contiguous")
    if load > hi:
        issue.append(f"{load:.0f} {col.replace('_', ' ')} > {hi:.0f}")
    elif load < lo:
        issue.append(f"{load:.0f} {col.replace('_', ' ')} < {lo:.0f}")
    neighbours = sorted(
        {
            state.assign[v]
            for u in state.members[g]
            for v in state.nbrs.get(u, ())
            if state.assign[v] != g and state.comm[v] == state.comm[u]
        }
    )
    what = col.replace("_", " ")
    big = max(state.members[g], key=lambda u: (state.size[u], u))
    cid = state.comm[big]
    comm_total = state.comm_total[cid]
    if g in set(locked):
        hint = "the planner locked this grid; unlock it to repair it"
    elif state.size[big] > hi:
        hint = (
            f"unit {big} alone holds {state.size[big]:.0f} {what} (> {hi:.0f}); split that estate "
            "by its buildings"
        )
    elif load < lo and comm_total < lo:
        hint = (
            f"the whole community {cid} holds only {comm_total:.0f} {what} (< {lo:.0f}); merge it with a "
            "neighbouring community or accept a small grid"
        )
    elif not neighbours:
        hint = "no other grid in its community; accept it or re-grid the community"
    elif all(n not in free for n in neighbours):
        hint = (
            f"all its neighbours ({', '.join(neighbours)}) are compliant and locked by the repair rule; "
            f"unlock one of them (unlocked=[...]) or re-optimise"
        )
    else:
        hint = (
            f"no move between it and its free neighbours "
            f"({', '.join(n for n in neighbours if n in free)}) keeps them in band and contiguous; "
            "unlock more neighbours or re-optimise"
        )
    return {"grid_id": g, "issue": "; ".join(issue), "hint": hint}


def households_moved(old: Plan, new: Plan, *, match_ids: bool = True) -> float:
    """Households that changed grid between two plans on the same units.

    With ``match_ids`` (for plans whose grid ids are unrelated, e.g. a fresh plan against
    the plan in force), each grid of ``new`` is first matched to at most one grid of ``old``
    so that the households staying put are maximal (assignment problem, per community);
    without it grid ids are compared as they are.
    """
    from scipy.optimize import linear_sum_assignment

    hh = old.units.units["households"].astype(float)
    if not match_ids:
        return float(sum(hh.at[u] for u, g in new.assignment.items() if old.assignment[u] != g))
    frame = pd.DataFrame(
        {
            "old": [old.assignment[u] for u in hh.index],
            "new": [new.assignment[u] for u in hh.index],
            "hh": hh.to_numpy(),
        }
    )
    overlap = (
        frame.groupby(["old", "new"])["hh"]
        .sum()
        .unstack(
            fill_value=0.0  # type: ignore[arg-type]  # pandas-stubs omit float; pandas takes any scalar
        )
    )
    rows, cols = linear_sum_assignment(overlap.to_numpy(), maximize=True)
    kept = float(overlap.to_numpy()[rows, cols].sum())
    return float(hh.sum()) - kept

"""Exact repair of one neighbourhood with HiGHS: fewest households moved, subject to the band,
nesting and contiguity.

A *neighbourhood* is a connected set of units of one community whose grids the repair may
change (out-of-rule grids and grids the planner unlocked). :func:`solve_region` assigns its
units to *slots*: the grids it holds now (a unit staying in its own grid costs nothing) and
new grids (every unit in one counts as moved), with every used slot inside the band and
connected. Contiguity is the single-commodity flow formulation (Shirabe 2005; Validi and
Buchanan 2022): each used slot has one root that sends one unit of flow to every other unit
of the slot, along arcs between units of that slot only.

The model is a MIP with ``n·S`` assignment and root binaries and ``2·E·S`` flow columns
(``n`` units, ``E`` adjacencies, ``S`` slots); it is meant for neighbourhoods up to about
60 units (:data:`EXACT_MAX_UNITS`), beyond which :mod:`geo.grids.repair` uses its heuristic.
``highspy`` and ``scipy.sparse`` are imported when a model is solved (``geo.grids.feasibility``
imports :func:`connected_sets` from here, on the path of ``gridplan grid``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Largest neighbourhood (units) solved exactly by default.
EXACT_MAX_UNITS = 60
#: Largest number of connected in-band unit sets (columns) of the partition model; beyond
#: it the flow model is used.
PARTITION_MAX_COLUMNS = 10_000
#: Largest ``units x grids`` (assignment binaries) of a neighbourhood the repair gives the flow
#: model when its connected sets exceed the partition model's cap: on the demo, 19 units x 2
#: grids solves to optimality in well under a second; 29 units x 10 grids took 19-30 s for 50
#: branch-and-bound nodes.
FLOW_MAX_ASSIGNMENTS = 120
#: Default wall-clock limit (s) of one exact solve: a safety net behind the node limit.
EXACT_TIME_LIMIT_S = 5.0
#: Default branch-and-bound node limit of one exact solve (deterministic: the same answer on
#: a busy and a quiet machine).
EXACT_NODE_LIMIT = 200
_STATUS = {
    "kOptimal": "optimal",
    "kTimeLimit": "time_limit",
    "kInfeasible": "infeasible",
    "kInterrupt": "interrupted",
    "kSolutionLimit": "node_limit",
}


def _new_highs() -> Any:
    """A silent HiGHS instance (``highspy.Highs()`` prints a banner on stdout)."""
    from highspy._core import _Highs

    h = _Highs()
    h.setOptionValue("output_flag", False)
    return h


def _run_mip(
    a_mat: Any,
    cost: np.ndarray,
    col_hi: np.ndarray,
    row_lo: np.ndarray,
    row_hi: np.ndarray,
    integer: np.ndarray,
    time_limit: float,
    *,
    offset: float = 0.0,
    presolve: bool = True,
    node_limit: int | None = None,
    start: np.ndarray | None = None,
) -> tuple[str, Any, np.ndarray | None]:
    """Solve ``min cost @ x + offset`` s.t. ``row_lo <= A x <= row_hi``, ``0 <= x <= col_hi``
    (``integer`` marks integer columns) with HiGHS; household counts are whole numbers, so
    an absolute gap below 1 proves optimality. ``node_limit`` caps the branch-and-bound
    nodes (a limit that does not depend on the machine's load, unlike ``time_limit``);
    ``start`` is a feasible solution HiGHS starts from (its incumbent until it finds better).

    Returns ``(status, info, x)``; ``x`` is None when no feasible solution was found.
    """
    import highspy

    h = _highs_model(a_mat, cost, col_hi, row_lo, row_hi, integer, offset)
    h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.setOptionValue("mip_abs_gap", 0.5)
    if not presolve:
        h.setOptionValue("presolve", "off")
    if node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(node_limit))
    if start is not None:
        warm = highspy.HighsSolution()
        warm.col_value = [float(v) for v in start]
        warm.value_valid = True
        h.setSolution(warm)
    h.run()
    info = h.getInfo()
    status = _STATUS.get(h.getModelStatus().name, h.getModelStatus().name)
    if info.primal_solution_status != 2:  # no feasible solution
        return status, info, None
    return status, info, np.asarray(h.getSolution().col_value)


def _highs_model(
    a_mat: Any,
    cost: np.ndarray,
    col_hi: np.ndarray,
    row_lo: np.ndarray,
    row_hi: np.ndarray,
    integer: np.ndarray,
    offset: float = 0.0,
) -> Any:
    """A silent HiGHS instance holding ``min cost @ x + offset``, ``row_lo <= A x <= row_hi``,
    ``0 <= x <= col_hi`` (``integer`` marks integer columns)."""
    import highspy
    import scipy.sparse as sp

    a_mat = sp.csr_array(a_mat)
    n_rows, n_cols = a_mat.shape
    h = _new_highs()
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.zeros(n_cols)
    lp.col_upper_ = np.asarray(col_hi, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lo, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_hi, dtype=np.float64)
    lp.offset_ = float(offset)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n_cols
    lp.a_matrix_.num_row_ = n_rows
    lp.a_matrix_.start_ = a_mat.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a_mat.indices.astype(np.int32)
    lp.a_matrix_.value_ = a_mat.data.astype(np.float64)
    kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
    lp.integrality_ = [kinds[int(flag)] for flag in integer]
    h.passModel(lp)
    return h


@dataclass(frozen=True)
class RegionSolution:
    """The exact repair of one neighbourhood.

    Attributes
    ----------
    slot_of : dict
        ``{unit_id: slot}``; slots ``0 .. n_kept - 1`` are the neighbourhood's present grids
        (in the order given), higher slots new grids (used ones numbered without gaps).
    moved : float
        Households (``cost``) of the units not in their own grid: the objective.
    bound : float
        Proven lower bound on ``moved`` (equal to it when ``status == "optimal"``).
    status : str
        ``"optimal"``, ``"time_limit"`` (``slot_of`` is the best found), ...
    gap : float
        ``(moved - bound) / moved`` (0 when optimal).
    seconds : float
        Wall time of the solve.
    """

    slot_of: dict[str, int]
    moved: float
    bound: float
    status: str
    gap: float
    seconds: float


def solve_region(
    units: Sequence[str],
    neighbors: Mapping[str, Iterable[str]],
    size: Mapping[str, float],
    cost: Mapping[str, float],
    home: Mapping[str, int],
    n_kept: int,
    n_new: int,
    lo: float,
    hi: float,
    *,
    time_limit: float = EXACT_TIME_LIMIT_S,
    method: str = "auto",
    max_columns: int = PARTITION_MAX_COLUMNS,
    node_limit: int | None = EXACT_NODE_LIMIT,
    start: Mapping[str, int] | None = None,
    flow: bool = True,
) -> RegionSolution | None:
    """Fewest households moved re-assigning ``units`` to band-respecting, connected grids.

    Two exact models give the same optimum: a *partition* model over the connected
    in-band unit sets (:func:`connected_sets`), tight and fast when those sets are few
    (units of an estate size), and the *flow* model of the module docstring, used when
    the sets exceed ``max_columns`` (many small units).

    Parameters
    ----------
    units : sequence of str
        The neighbourhood's units (one community).
    neighbors : mapping
        Unit adjacency (``UnitGraph.neighbors``); arcs leaving ``units`` are ignored.
    size : mapping
        The size count of each unit (households or party members).
    cost : mapping
        Households of each unit (the cost of moving it).
    home : mapping
        ``{unit_id: slot}`` of the grid each unit is in now (``0 .. n_kept - 1``).
    n_kept, n_new : int
        Present grids of the neighbourhood, and new grids it may open.
    lo, hi : float
        The band: every used grid holds between ``lo`` and ``hi`` (size count).
    time_limit : float
        Wall-clock limit in seconds (a safety net: the node limit should stop a solve first,
        so that the answer does not depend on how busy the machine is).
    method : {"auto", "partition", "flow"}
        The model: ``"auto"`` (default) the partition model when the connected in-band
        sets number at most ``max_columns``, else the flow model.
    max_columns : int
        Largest number of columns of the partition model ``"auto"`` builds.
    node_limit : int or None
        Branch-and-bound nodes HiGHS may explore (None: no limit); a solve stopped by it
        reports status ``"node_limit"``, its best answer and its bound.
    start : mapping, optional
        ``{unit_id: slot}`` of a known answer (grids in the band, connected: e.g. the
        heuristic's), given to the partition model as its first incumbent; the solve then
        never returns worse than it.
    flow : bool
        With ``method="auto"``, fall back on the flow model when the sets exceed
        ``max_columns`` (default); False returns None there instead (the flow model on such
        a neighbourhood can take minutes, and a limit that stops it early leaves its answer
        to the machine's load).

    Returns
    -------
    RegionSolution or None
        None when no assignment fits the band (the model is infeasible), none was found
        within the limits, or ``flow`` is False and the partition model would be too large.
    """
    if method not in ("auto", "partition", "flow"):
        raise ValueError(f"method must be 'auto', 'partition' or 'flow', not {method!r}")
    if method != "flow":
        sets = connected_sets(
            units, neighbors, size, hi, limit=None if method == "partition" else max_columns
        )
        if sets is not None:
            return _solve_partition(
                units,
                sets,
                size,
                cost,
                home,
                n_kept,
                n_new,
                lo,
                time_limit=time_limit,
                node_limit=node_limit,
                start=start,
            )
        if method == "auto" and not flow:
            return None
    return _solve_flow(
        units, neighbors, size, cost, home, n_kept, n_new, lo, hi, time_limit, node_limit
    )


def connected_sets(
    units: Sequence[str],
    neighbors: Mapping[str, Iterable[str]],
    size: Mapping[str, float],
    hi: float,
    *,
    limit: int | None = PARTITION_MAX_COLUMNS,
) -> list[tuple[int, ...]] | None:
    """Every connected set of ``units`` holding at most ``hi`` (indices into ``units``).

    Enumerates each connected induced subgraph once (the ESU scheme: a set grows from its
    lowest-index unit, by units of higher index in the exclusive neighbourhood of the unit
    just added), cutting a branch as soon as it holds more than ``hi`` (sizes are
    non-negative, so no larger set can fit).

    Returns
    -------
    list of tuple of int or None
        The sets, each sorted; None when there are more than ``limit``.
    """
    ids = list(units)
    idx = {u: i for i, u in enumerate(ids)}
    nb = [sorted({idx[v] for v in neighbors.get(u, ()) if v in idx and v != u}) for u in ids]
    w = [float(size[u]) for u in ids]
    out: list[tuple[int, ...]] = []
    cap = math.inf if limit is None else limit

    def grow(sub: list[int], near: set[int], ext: list[int], load: float, root: int) -> bool:
        out.append(tuple(sorted(sub)))
        if len(out) > cap:
            return False
        ext = list(ext)
        while ext:
            v = ext.pop()
            if load + w[v] > hi + 1e-9:
                continue
            added = [x for x in nb[v] if x > root and x not in near]
            if not grow([*sub, v], near | set(added), ext + added, load + w[v], root):
                return False
        return True

    for root in range(len(ids)):
        if w[root] > hi + 1e-9:
            continue
        near = {root, *nb[root]}
        if not grow([root], near, [x for x in nb[root] if x > root], w[root], root):
            return None
    return out


def _solve_partition(
    units: Sequence[str],
    sets: list[tuple[int, ...]],
    size: Mapping[str, float],
    cost: Mapping[str, float],
    home: Mapping[str, int],
    n_kept: int,
    n_new: int,
    lo: float,
    *,
    time_limit: float,
    node_limit: int | None = None,
    start: Mapping[str, int] | None = None,
) -> RegionSolution | None:
    """The partition model: pick connected in-band sets covering every unit once, each set
    either in one present grid it shares units with (cost: its units from elsewhere) or in
    a new grid (cost: all its units); at most ``n_kept + n_new`` grids, each present grid
    at most once."""

    ids = list(units)
    n = len(ids)
    w = np.asarray([float(size[u]) for u in ids])
    c = np.asarray([float(cost[u]) for u in ids])
    hm = np.asarray([int(home[u]) for u in ids])
    col_set: list[int] = []
    col_slot: list[int] = []  # a present grid, or -1: new
    col_cost: list[float] = []
    for k, members in enumerate(sets):
        m = list(members)
        if w[m].sum() < lo - 1e-9:
            continue
        total = float(c[m].sum())
        col_set.append(k)
        col_slot.append(-1)
        col_cost.append(total)
        for s in sorted({int(hm[i]) for i in m}):
            col_set.append(k)
            col_slot.append(s)
            col_cost.append(total - float(c[[i for i in m if hm[i] == s]].sum()))
    n_cols = len(col_set)
    if n_cols == 0:
        return None
    rows: list[int] = []
    cols: list[int] = []
    for j, k in enumerate(col_set):
        for i in sets[k]:
            rows.append(i)
            cols.append(j)
        if col_slot[j] >= 0:
            rows.append(n + col_slot[j])
            cols.append(j)
        rows.append(n + n_kept)  # every grid counts
        cols.append(j)
    n_rows = n + n_kept + 1
    import scipy.sparse as sp

    a_mat = sp.csr_array(
        (np.ones(len(rows)), (np.asarray(rows), np.asarray(cols))), shape=(n_rows, n_cols)
    )
    row_lo = np.concatenate([np.ones(n), np.zeros(n_kept), [0.0]])
    row_hi = np.concatenate([np.ones(n), np.ones(n_kept), [float(n_kept + n_new)]])
    costs = np.asarray(col_cost, dtype=np.float64)
    warm = _partition_start(ids, sets, col_set, col_slot, n_kept, start)
    t0 = time.perf_counter()
    # presolve's probing on thousands of near-identical set columns takes seconds and
    # removes little; the LP relaxation of a set partition is tight without it
    status, info, z = _run_mip(
        a_mat,
        costs,
        np.ones(n_cols),
        row_lo,
        row_hi,
        np.ones(n_cols, dtype=bool),
        time_limit,
        presolve=False,
        node_limit=node_limit,
        start=warm,
    )
    if z is None:
        return None
    chosen = [j for j in range(n_cols) if z[j] > 0.5]
    used = {col_slot[j] for j in chosen if col_slot[j] >= 0}
    # new sets take new grids first; a present grid left empty takes one only when the
    # new grids run out (its code then names a grid made of other grids' units)
    spare = [s for s in range(n_kept) if s not in used]
    fresh = iter([*range(n_kept, n_kept + n_new), *spare])
    slot_of: dict[str, int] = {}
    for j in sorted(chosen, key=lambda j: sets[col_set[j]]):
        s = col_slot[j] if col_slot[j] >= 0 else next(fresh)
        for i in sets[col_set[j]]:
            slot_of[ids[i]] = s
    used_new = sorted({s for s in slot_of.values() if s >= n_kept})
    renumber = {s: n_kept + k for k, s in enumerate(used_new)}
    slot_of = {u: renumber.get(s, s) for u, s in slot_of.items()}
    moved = float(sum(c[i] for i in range(n) if slot_of[ids[i]] != hm[i]))
    bound = moved if status == "optimal" else max(0.0, float(info.mip_dual_bound))
    gap = 0.0 if status == "optimal" or moved <= 0 else max(0.0, (moved - bound) / moved)
    return RegionSolution(
        slot_of=slot_of,
        moved=moved,
        bound=bound,
        status=status,
        gap=gap,
        seconds=time.perf_counter() - t0,
    )


def _partition_start(
    ids: list[str],
    sets: list[tuple[int, ...]],
    col_set: list[int],
    col_slot: list[int],
    n_kept: int,
    start: Mapping[str, int] | None,
) -> np.ndarray | None:
    """The partition model's columns of the answer ``start`` (``{unit: slot}``), or None
    when it is not one (a grid that is not among the connected in-band sets)."""
    if start is None:
        return None
    idx = {u: i for i, u in enumerate(ids)}
    groups: dict[int, list[int]] = {}
    for u, slot in start.items():
        groups.setdefault(int(slot), []).append(idx[u])
    col_of = {(sets[k], sl): j for j, (k, sl) in enumerate(zip(col_set, col_slot, strict=True))}
    z = np.zeros(len(col_set))
    for slot, members in groups.items():
        key = tuple(sorted(members))
        j = col_of.get((key, slot if slot < n_kept else -1))
        if j is None:
            j = col_of.get((key, -1))
        if j is None:
            return None
        z[j] = 1.0
    return z


def _solve_flow(
    units: Sequence[str],
    neighbors: Mapping[str, Iterable[str]],
    size: Mapping[str, float],
    cost: Mapping[str, float],
    home: Mapping[str, int],
    n_kept: int,
    n_new: int,
    lo: float,
    hi: float,
    time_limit: float,
    node_limit: int | None = None,
) -> RegionSolution | None:
    """The flow model (module docstring)."""

    ids = list(units)
    n = len(ids)
    idx = {u: i for i, u in enumerate(ids)}
    n_slots = n_kept + n_new
    arcs = [(idx[u], idx[v]) for u in ids for v in neighbors.get(u, ()) if v in idx and v != u]
    n_arcs = len(arcs)
    s_ = np.asarray([float(size[u]) for u in ids])
    c_ = np.asarray([float(cost[u]) for u in ids])

    # columns: x[u,s] | r[u,s] | y[s] | f[a,s]
    def x(i: int, s: int) -> int:
        return i * n_slots + s

    def r(i: int, s: int) -> int:
        return n * n_slots + i * n_slots + s

    def y(s: int) -> int:
        return 2 * n * n_slots + s

    def f(a: int, s: int) -> int:
        return 2 * n * n_slots + n_slots + a * n_slots + s

    n_cols = 2 * n * n_slots + n_slots + n_arcs * n_slots
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lo_b: list[float] = []
    hi_b: list[float] = []

    def row(entries: Iterable[tuple[int, float]], lower: float, upper: float) -> None:
        k = len(lo_b)
        for col, val in entries:
            rows.append(k)
            cols.append(col)
            vals.append(val)
        lo_b.append(lower)
        hi_b.append(upper)

    # the flow a root sends is at most the units a grid can hold: the most of the smallest
    # units that fit under ``hi`` (much less than ``n``: a tighter relaxation)
    fit = np.cumsum(np.sort(s_)) <= hi + 1e-9
    big = float(max(1, int(fit.sum())))
    for i in range(n):  # every unit in exactly one grid
        row(((x(i, s), 1.0) for s in range(n_slots)), 1.0, 1.0)
    for s in range(n_slots):
        members = [(x(i, s), s_[i]) for i in range(n)]
        row([*members, (y(s), -lo)], 0.0, np.inf)  # a used grid holds at least lo
        row([*members, (y(s), -hi)], -np.inf, 0.0)  # and at most hi; an unused one nothing
        row([*((r(i, s), 1.0) for i in range(n)), (y(s), -1.0)], 0.0, 0.0)  # one root per used grid
        for i in range(n):
            row([(x(i, s), 1.0), (y(s), -1.0)], -np.inf, 0.0)
            row([(r(i, s), 1.0), (x(i, s), -1.0)], -np.inf, 0.0)
    for s in range(n_kept, n_slots - 1):  # new grids opened in order (symmetry)
        row([(y(s), 1.0), (y(s + 1), -1.0)], 0.0, np.inf)
    into: list[list[int]] = [[] for _ in range(n)]
    out_of: list[list[int]] = [[] for _ in range(n)]
    for a, (i, j) in enumerate(arcs):
        out_of[i].append(a)
        into[j].append(a)
    for s in range(n_slots):
        for i in range(n):  # each non-root unit of a grid keeps one unit of the flow it receives
            entries = [(f(a, s), 1.0) for a in into[i]] + [(f(a, s), -1.0) for a in out_of[i]]
            row([*entries, (x(i, s), -1.0), (r(i, s), big)], 0.0, np.inf)
        for a, (i, j) in enumerate(arcs):  # flow only between units of the grid
            row([(f(a, s), 1.0), (x(i, s), -(big - 1))], -np.inf, 0.0)
            row([(f(a, s), 1.0), (x(j, s), -(big - 1))], -np.inf, 0.0)
    import scipy.sparse as sp

    a_mat = sp.csr_array((vals, (rows, cols)), shape=(len(lo_b), n_cols))
    cost_vec = np.zeros(n_cols)
    for i, u in enumerate(ids):
        cost_vec[x(i, home[u])] = -c_[i]  # staying home saves its households
    col_hi = np.ones(n_cols)
    col_hi[2 * n * n_slots + n_slots :] = big - 1
    integer = np.zeros(n_cols, dtype=bool)
    integer[: 2 * n * n_slots + n_slots] = True

    t0 = time.perf_counter()
    status, info, sol = _run_mip(
        a_mat,
        cost_vec,
        col_hi,
        np.asarray(lo_b, dtype=np.float64),
        np.asarray(hi_b, dtype=np.float64),
        integer,
        time_limit,
        offset=float(c_.sum()),
        node_limit=node_limit,
    )
    if sol is None:  # no feasible solution
        return None
    xs = sol[: n * n_slots].reshape(n, n_slots)
    slot = xs.argmax(axis=1)
    moved = float(sum(c_[i] for i in range(n) if slot[i] != home[ids[i]]))
    bound = moved if status == "optimal" else max(0.0, float(info.mip_dual_bound))
    used_new = sorted({int(s) for s in slot if s >= n_kept})
    renumber = {s: n_kept + k for k, s in enumerate(used_new)}
    slot_of = {u: int(renumber.get(int(slot[i]), int(slot[i]))) for i, u in enumerate(ids)}
    gap = 0.0 if status == "optimal" or moved <= 0 else max(0.0, (moved - bound) / moved)
    return RegionSolution(
        slot_of=slot_of,
        moved=moved,
        bound=bound,
        status=status,
        gap=gap,
        seconds=time.perf_counter() - t0,
    )

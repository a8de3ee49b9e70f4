"""Bounded exact check: can a small community part be divided into connected in-band grids?

An out-of-band grid has the reason ``"arithmetic"`` when no plan on its units could put it in
the band. The cheap test (:func:`geo.grids.metrics.band_reason`) looks at the part's total
only; :func:`band_partition_exists` decides it exactly for parts of at most
:data:`~geo.settings.FEASIBILITY_MAX_UNITS` units: it enumerates the connected unit sets of at
most ``hi`` (:func:`geo.grids.repair_exact.connected_sets`), keeps those of at least ``lo``,
and searches an exact cover of the part by them (the lowest uncovered unit is covered first;
covered sets that failed are remembered), stopping after ``node_budget`` sets tried.

Larger parts, up to :data:`EXACT_PARTITION_MAX_UNITS` units, get the same search on a smaller
budget, then a set-partition model over the same connected in-band sets, solved with HiGHS (:func:`band_partition`): at
most :data:`EXACT_PARTITION_MAX_COLUMNS` sets and :data:`EXACT_PARTITION_MAX_NODES`
branch-and-bound nodes (a deterministic limit); an infeasible model is a proof
(every set's sum is exact and the model is pure 0-1). :func:`band_partition` also returns the
best division under a per-set cost, which the gridder uses where its search left grids out of
band (``geo/grids/gridding.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from geo.grids.repair_exact import _run_mip, connected_sets
from geo.settings import FEASIBILITY_MAX_UNITS, FEASIBILITY_NODE_BUDGET

#: Largest community part (units) decided by the set-partition model (HiGHS).
EXACT_PARTITION_MAX_UNITS = 120
#: Largest number of connected sets of at most the maximum (enumerated before the band's
#: minimum is applied) the exact cover and the set-partition model are built on; beyond it
#: the part is undecided.
EXACT_PARTITION_MAX_COLUMNS = 5_000
#: Sets tried by the exact cover on parts above :data:`~geo.settings.FEASIBILITY_MAX_UNITS`
#: before the set-partition model takes over.
LARGE_PART_NODE_BUDGET = 20_000
#: Branch-and-bound nodes of one set-partition solve: the limit that bounds the work, the
#: same on every machine (a solve that hits it without a proof decides nothing).
EXACT_PARTITION_MAX_NODES = 2_000
#: Wall-clock safety limit (s) of one set-partition solve, far above what the node limit
#: allows on the sets above (the models solve in milliseconds); it only guards a stalled solve.
EXACT_PARTITION_TIME_LIMIT_S = 20.0


_COST_SCALE = 1e4


@dataclass(frozen=True)
class BandPartition:
    """What :func:`band_partition` found.

    Attributes
    ----------
    status : str
        ``"found"`` (``groups`` is a division into connected in-band grids; optimal for the
        cost when ``optimal``), ``"infeasible"`` (proven: no such division exists),
        ``"undecided"`` (too many units or sets, or the time limit ran out).
    groups : tuple of tuple of str
        The grids' units when found, else empty.
    optimal : bool
        The division minimises the summed set cost (within 5e-5 absolute).
    """

    status: str
    groups: tuple[tuple[str, ...], ...] = ()
    optimal: bool = False


def band_partition(
    units: Sequence[str],
    neighbors: Mapping[str, Iterable[str]],
    size: Mapping[str, float],
    lo: float,
    hi: float,
    *,
    set_cost: Callable[[tuple[int, ...]], float] | None = None,
    n_groups: tuple[int, int] | None = None,
    max_units: int = EXACT_PARTITION_MAX_UNITS,
    max_columns: int = EXACT_PARTITION_MAX_COLUMNS,
    max_nodes: int = EXACT_PARTITION_MAX_NODES,
    time_limit: float = EXACT_PARTITION_TIME_LIMIT_S,
) -> BandPartition:
    """A division of ``units`` into connected grids of ``lo``-``hi``, exactly (HiGHS).

    The set-partition model: one 0-1 column per connected unit set holding ``lo``-``hi``
    (:func:`geo.grids.repair_exact.connected_sets`), every unit covered exactly once, the
    number of sets within ``n_groups``; minimises the summed ``set_cost`` (0 when None: a
    pure feasibility question).

    Parameters
    ----------
    units, neighbors, size, lo, hi
        As :func:`band_partition_exists`.
    set_cost : callable, optional
        ``set_cost(indices into units) -> float``, the cost of one grid.
    n_groups : (int, int), optional
        Fewest and most grids.
    max_units, max_columns : int
        Larger parts, or parts with more connected sets, are ``"undecided"``.
    max_nodes : int
        Branch-and-bound nodes; a solve stopped by it without a proof is ``"undecided"`` (or
        ``"found"``, not optimal, when it has a division). Deterministic.
    time_limit : float
        Seconds, a safety limit only (stops the same way).

    Returns
    -------
    BandPartition
    """
    ids = list(units)
    n = len(ids)
    if n == 0 or n > max_units:
        return BandPartition("undecided")
    sets = connected_sets(ids, neighbors, size, hi, limit=max_columns)
    if sets is None:
        return BandPartition("undecided")
    w = np.asarray([float(size[u]) for u in ids])
    cols = [s for s in sets if float(w[list(s)].sum()) >= lo - 1e-9]
    covered = np.zeros(n, dtype=bool)
    for s in cols:
        covered[list(s)] = True
    if not covered.all():
        return BandPartition("infeasible")  # a unit lies in no connected in-band set
    g_lo, g_hi = n_groups if n_groups is not None else (1, n)
    if g_lo > g_hi:
        return BandPartition("infeasible")
    rows = [i for s in cols for i in s] + [n] * len(cols)
    col_idx = [j for j, s in enumerate(cols) for _ in s] + list(range(len(cols)))
    import scipy.sparse as sp  # only here: ``gridplan grid`` on in-band data never loads scipy

    a_mat = sp.csr_array(
        (np.ones(len(rows)), (np.asarray(rows), np.asarray(col_idx))), shape=(n + 1, len(cols))
    )
    # the runner stops at an absolute gap of 0.5 (made for household counts): scaled so
    # that the gap is 0.5e-4 of the caller's cost units
    cost = (
        np.asarray([float(set_cost(s)) for s in cols]) * _COST_SCALE
        if set_cost is not None
        else np.zeros(len(cols))
    )
    status, _info, z = _run_mip(
        a_mat,
        cost,
        np.ones(len(cols)),
        np.concatenate([np.ones(n), [float(g_lo)]]),
        np.concatenate([np.ones(n), [float(g_hi)]]),
        np.ones(len(cols), dtype=bool),
        time_limit,
        presolve=False,
        node_limit=max_nodes,
    )
    if z is None:
        return BandPartition("infeasible" if status == "infeasible" else "undecided")
    groups = tuple(tuple(ids[i] for i in cols[j]) for j in range(len(cols)) if z[j] > 0.5)
    return BandPartition("found", groups, optimal=status == "optimal")


def band_partition_exists(
    units: Sequence[str],
    neighbors: Mapping[str, Iterable[str]],
    size: Mapping[str, float],
    lo: float,
    hi: float,
    *,
    max_units: int = FEASIBILITY_MAX_UNITS,
    node_budget: int = FEASIBILITY_NODE_BUDGET,
    exact_max_units: int = EXACT_PARTITION_MAX_UNITS,
) -> bool | None:
    """Whether ``units`` can be divided into connected grids each holding ``lo``-``hi``.

    Parameters
    ----------
    units : sequence of str
        The units of one community part (only adjacencies among them count).
    neighbors : mapping
        ``{unit: neighbour units}`` (shared edges).
    size : mapping
        ``{unit: size}`` in the band's measure (households or party members).
    lo, hi : float
        The band, same measure.
    max_units : int
        Parts of more units get the exact cover on a budget of
        :data:`LARGE_PART_NODE_BUDGET` sets, then the set-partition model
        (:func:`band_partition`, up to ``exact_max_units``), as do parts whose search ran out
        of budget. Verdicts are remembered per part.
    node_budget : int
        Sets tried before the search gives up (None).
    exact_max_units : int
        Parts of more units are not checked (None); 0 turns the set-partition model off.

    Returns
    -------
    bool or None
        True when such a division exists, False when none does, None when undecided (too
        many units, too many connected sets, or the budget or time limit ran out).
    """
    ids = list(units)
    if not ids:
        return None
    inside = set(ids)
    key = (
        tuple(ids),
        tuple(float(size[u]) for u in ids),
        tuple(tuple(sorted(v for v in neighbors.get(u, ()) if v in inside)) for u in ids),
        float(lo),
        float(hi),
        max_units,
        node_budget,
        exact_max_units,
    )
    if key in _VERDICTS:
        return _VERDICTS[key]
    if len(ids) <= max_units:
        found = _enumerated_cover(ids, neighbors, size, lo, hi, node_budget)
    elif len(ids) <= exact_max_units:
        # the exact cover first, on a smaller budget: it finds a division fast when one exists
        found = _enumerated_cover(
            ids, neighbors, size, lo, hi, min(node_budget, LARGE_PART_NODE_BUDGET)
        )
    else:
        found = None
    if found is None and len(ids) <= exact_max_units:
        verdict = band_partition(ids, neighbors, size, lo, hi, max_units=exact_max_units).status
        found = {"found": True, "infeasible": False}.get(verdict)
    if len(_VERDICTS) >= _VERDICTS_MAX:
        _VERDICTS.pop(next(iter(_VERDICTS)))
    _VERDICTS[key] = found
    return found


#: Verdicts of :func:`band_partition_exists` by part (units, sizes, adjacency, band): a
#: part's units do not change when a plan is edited, so the check runs once per part.
_VERDICTS: dict[tuple[Any, ...], bool | None] = {}
_VERDICTS_MAX = 4096


def _enumerated_cover(
    ids: list[str],
    neighbors: Mapping[str, Iterable[str]],
    size: Mapping[str, float],
    lo: float,
    hi: float,
    node_budget: int,
) -> bool | None:
    """The exact-cover search of :func:`band_partition_exists` (None: too many connected sets
    or over budget)."""
    sets = connected_sets(ids, neighbors, size, hi, limit=EXACT_PARTITION_MAX_COLUMNS)
    if sets is None:
        return None
    w = [float(size[u]) for u in ids]
    by_low: dict[int, list[int]] = {}
    for s in sets:
        if sum(w[i] for i in s) >= lo - 1e-9:
            mask = 0
            for i in s:
                mask |= 1 << i
            by_low.setdefault(s[0], []).append(mask)
    full = (1 << len(ids)) - 1
    failed: set[int] = set()
    nodes = 0

    def cover(done: int) -> bool | None:
        nonlocal nodes
        if done == full:
            return True
        if done in failed:
            return False
        low = (~done & full & -(~done & full)).bit_length() - 1
        for m in by_low.get(low, ()):
            if m & done:
                continue
            nodes += 1
            if nodes > node_budget:
                return None
            r = cover(done | m)
            if r is True:
                return True
            if r is None:
                return None
        failed.add(done)
        return False

    return cover(0)


def unplaceable_units(
    units: Sequence[str],
    neighbors: Mapping[str, Iterable[str]],
    size: Mapping[str, float],
    lo: float,
    hi: float,
) -> list[str]:
    """Units of ``units`` that lie in no connected set of ``lo``-``hi`` (a direct cause).

    Empty when every unit lies in some such set (the cause is then how the sets overlap), or
    when the connected sets are too many to list.
    """
    ids = list(units)
    sets = connected_sets(ids, neighbors, size, hi)
    if sets is None:
        return []
    placed: set[int] = set()
    for s in sets:
        if sum(float(size[ids[i]]) for i in s) >= lo - 1e-9:
            placed.update(s)
    return [u for i, u in enumerate(ids) if i not in placed]


def infeasible_reason(
    units: Sequence[str],
    neighbors: Mapping[str, Iterable[str]],
    size: Mapping[str, float],
    lo: float,
    hi: float,
    *,
    where: str = "the community",
    what: str = "households",
) -> str:
    """The ``"arithmetic"`` reason of a part proven to admit no in-band division.

    Names a unit that fits in no connected in-band grid and what its neighbours hold when
    there is one, else the part's unit sizes.
    """
    ids = list(units)
    inside = set(ids)
    head = (
        f"arithmetic: no division of the {len(ids)} units of {where} into connected grids of "
        f"{lo:.0f}-{hi:.0f} {what} exists"
    )
    stuck = unplaceable_units(ids, neighbors, size, lo, hi)
    if stuck:
        u = stuck[0]
        nb = sorted(float(size[v]) for v in set(neighbors.get(u, ())) & inside if v != u)
        span = (
            f"{nb[0]:.0f}" if nb and nb[0] == nb[-1] else f"{nb[0]:.0f}-{nb[-1]:.0f}" if nb else ""
        )
        held = f"its neighbours hold {span} each" if nb else "it has no neighbour"
        more = f" ({len(stuck) - 1} more such units)" if len(stuck) > 1 else ""
        return (
            f"{head}: unit {u} ({float(size[u]):.0f} {what}) fits in no connected grid of "
            f"{lo:.0f}-{hi:.0f}, {held}{more}"
        )
    sizes = ", ".join(f"{float(size[u]):.0f}" for u in sorted(ids, key=lambda v: -float(size[v])))
    return f"{head}: the units hold {sizes} and border each other so that no grouping fits"

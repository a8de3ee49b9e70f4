"""Bounded exact check: can a small community part be divided into connected in-band grids?

An out-of-band grid has the reason ``"arithmetic"`` when no plan on its units could put it in
the band. The cheap test (:func:`geo.grids.metrics.band_reason`) looks at the part's total
only; :func:`band_partition_exists` decides it exactly for parts of at most
:data:`~geo.settings.FEASIBILITY_MAX_UNITS` units: it enumerates the connected unit sets of at
most ``hi`` (:func:`geo.grids.repair_exact.connected_sets`), keeps those of at least ``lo``,
and searches an exact cover of the part by them (the lowest uncovered unit is covered first;
covered sets that failed are remembered), stopping after ``node_budget`` sets tried.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from geo.grids.repair_exact import connected_sets
from geo.settings import FEASIBILITY_MAX_UNITS, FEASIBILITY_NODE_BUDGET


def band_partition_exists(
    units: Sequence[str],
    neighbors: Mapping[str, Iterable[str]],
    size: Mapping[str, float],
    lo: float,
    hi: float,
    *,
    max_units: int = FEASIBILITY_MAX_UNITS,
    node_budget: int = FEASIBILITY_NODE_BUDGET,
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
        Parts of more units are not checked (None).
    node_budget : int
        Sets tried before the search gives up (None).

    Returns
    -------
    bool or None
        True when such a division exists, False when none does, None when undecided (too
        many units, too many connected sets, or the budget ran out).
    """
    ids = list(units)
    if not ids or len(ids) > max_units:
        return None
    sets = connected_sets(ids, neighbors, size, hi)
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

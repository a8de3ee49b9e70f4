"""The grid plan: an immutable assignment of planning units to grids, with its grid table
and summary computed lazily and cached (GerryChain's ``Partition`` is the model)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import shapely

from geo.errors import Problem, ValidationError
from geo.grids.feasibility import band_partition_exists, infeasible_reason
from geo.grids.metrics import (
    grid_table,
    plan_summary,
    shape_reasons,
    tiling_check,
    with_reasons,
    with_rule_columns,
)
from geo.grids.params import GridParams
from geo.grids.units import UnitGraph

if TYPE_CHECKING:
    pass


@dataclass(frozen=True, eq=False)
class Plan:
    """An immutable grid plan: the assignment unit -> grid over a :class:`UnitGraph`.

    Attributes
    ----------
    units : UnitGraph
    assignment : dict
        ``{unit_id: grid_id}``, every unit exactly once (treat as read-only).
    names : dict
        ``{grid_id: display name}``.
    locked : frozenset of str
        Grids that re-optimisation leaves untouched.
    params : GridParams
    report : tuple of dict
        Per-community gridding report (k, feasibility, reasons) when the plan came from
        :func:`grid_communities`.
    outlines : dict
        ``{grid_id: (unit ids, polygon)}``: outlines of the plan in force kept as drawn
        (:func:`geo.grids.import_plan.import_plan`). A grid whose units are still exactly
        those shows that polygon; once its units change it shows the union of its cells.
    """

    units: UnitGraph
    assignment: dict[str, str]
    names: dict[str, str] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    params: GridParams = field(default_factory=GridParams)
    report: tuple[dict[str, Any], ...] = ()
    outlines: dict[str, tuple[frozenset[str], Any]] = field(default_factory=dict)

    @cached_property
    def members(self) -> dict[str, tuple[str, ...]]:
        """``{grid_id: unit ids}``, units in ``UnitGraph.units`` order."""
        out: dict[str, list[str]] = {}
        for u in self.units.units.index:
            out.setdefault(self.assignment[u], []).append(u)
        return {g: tuple(v) for g, v in sorted(out.items())}

    @cached_property
    def _grids(self) -> gpd.GeoDataFrame:

        table = grid_table(
            self.units.units,
            self.assignment,
            neighbors=self.units.neighbors,
            names=self.names,
            locked=self.locked,
        )
        return self._with_reasons(with_rule_columns(self._outlined(table), self.params))

    def _outlined(self, table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """``table`` with the kept outlines of grids whose units did not change."""
        keep = [
            g
            for g in table.index
            if g in self.outlines and self.outlines[g][0] == frozenset(self.members.get(g, ()))
        ]
        if not keep:
            return table
        return with_outlines(table, {g: self.outlines[g][1] for g in keep})

    def _with_reasons(self, table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """Reasons of out-of-band grids (community parts from ``UnitGraph.pieces``)."""
        pieces = self.units.pieces
        totals, n_parts = self.units.piece_totals(self.params.size_by)
        members = self.members
        comm_of = self.units.community_of
        piece_total, n_pieces = {}, {}
        for g in table.index:
            first = members[g][0]
            c = comm_of[first]
            piece_total[g] = totals[(c, pieces.get(first, 0))]
            n_pieces[g] = n_parts[c]
        return with_reasons(table, piece_total, n_pieces, self.params, self._proven(table))

    def _proven(self, table: gpd.GeoDataFrame) -> dict[str, str]:
        """``{grid_id: reason}`` for out-of-band grids whose community part is small enough for
        the exact check and proven to admit no division into connected in-band grids."""
        lo, hi = self.params.band()
        col = self.params.size_by
        what = col.replace("_", " ")
        out_band = [g for g, ok in zip(table.index, table["in_band"], strict=True) if not ok]
        if not out_band:
            return {}
        pieces, comm_of, members = self.units.pieces, self.units.community_of, self.members
        part_units: dict[tuple[str, int], list[str]] = {}
        for u in self.units.units.index:
            part_units.setdefault((comm_of[u], pieces.get(u, 0)), []).append(u)
        _totals, n_parts = self.units.piece_totals(col)
        size = self.units.units[col].astype(float).to_dict()
        verdict: dict[tuple[str, int], str] = {}
        out: dict[str, str] = {}
        for g in out_band:
            first = members[g][0]
            key = (comm_of[first], pieces.get(first, 0))
            if key not in verdict:
                ids = part_units[key]
                ok = band_partition_exists(ids, self.units.neighbors, size, lo, hi)
                where = "this part of the community" if n_parts[key[0]] > 1 else "the community"
                verdict[key] = (
                    infeasible_reason(
                        ids, self.units.neighbors, size, lo, hi, where=where, what=what
                    )
                    if ok is False
                    else ""
                )
            if verdict[key]:
                out[g] = verdict[key]
        return out

    def shape_reasons(self) -> dict[str, str]:
        """``{grid_id: reason}`` for grids below the Polsby-Popper floor (``""``: none found)."""
        return shape_reasons(
            self._grids,
            self.units.units,
            self.members,
            self.units.communities,
            edges=self.units.edges,
            band=self.params.band(),
            size_by=self.params.size_by,
            locked=self.locked,
        )

    def grids(self) -> gpd.GeoDataFrame:
        """Grid polygons with counts and metrics (cached; metric CRS), index ``grid_id``.

        Columns: ``grid_id, community_id, name, locked, households, party_members, residents,
        n_units, n_estates, area_m2, perimeter_m, polsby_popper, reock, convex_hull_ratio,
        contiguous, max_unit_households, max_unit_party_members, size, dev_pct,
        party_dev_pct, in_band, party_ok, issue, geometry``.
        """
        return self._grids.copy()

    def summary(self) -> dict[str, Any]:
        """Plan metrics (JSON-safe): balance, band share, compactness, cut edges, issues."""

        out = plan_summary(
            self._grids, self.units.units, self.units.edges, self.assignment, self.params
        )
        out["n_locked"] = len(self.locked)
        out["infeasible_communities"] = [
            {"community_id": r["community_id"], "reasons": r["reasons"]}
            for r in self.report
            if r.get("reasons")
        ]
        out["problems"] = [str(p) for p in self.units.problems]
        low = self.shape_reasons()
        out["low_compactness"] = [{"grid_id": g, "reason": r} for g, r in sorted(low.items())]
        out["multi_part_communities"] = sorted(
            {
                p.feature
                for p in self.units.problems
                if p.layer == "communities" and "separate parts" in p.message and p.feature
            }
        )
        return out

    def tiling(self) -> pd.DataFrame:
        """Tiling check per community (see :func:`geo.grids.metrics.tiling_check`)."""

        return tiling_check(self._grids, self.units.communities)

    def flip(self, changes: Mapping[str, str]) -> Plan:
        """A new plan with units moved to other grids (GerryChain's ``Partition.flip``).

        Parameters
        ----------
        changes : mapping
            ``{unit_id: new grid_id}`` for the units that move; a new grid id creates a grid.

        The grids touched by the flip (the units' old and new grids) are worked out here, so
        only those are re-scored when this plan's grid table is already computed.

        Raises
        ------
        ValidationError
            If ``changes`` names units that are not in the plan.
        """
        unknown = sorted(set(changes) - set(self.assignment))
        if unknown:
            raise ValidationError(
                [
                    Problem(
                        "plan",
                        f"{len(unknown)} unknown unit(s): {unknown[:5]}.",
                        "flip units of the plan's UnitGraph",
                        code="pl_unknown_units",
                        params={"n": len(unknown), "ids": ", ".join(unknown[:5])},
                    )
                ],
                title="invalid flip",
            )
        touched = {g for u, g in changes.items() if self.assignment[u] != g}
        touched |= {self.assignment[u] for u, g in changes.items() if self.assignment[u] != g}
        return self.with_assignment({**self.assignment, **changes}, touched=touched)

    def with_assignment(
        self,
        assignment: Mapping[str, str] | None = None,
        *,
        names: Mapping[str, str] | None = None,
        locked: frozenset[str] | set[str] | None = None,
        touched: tuple[str, ...] | list[str] | set[str] | None = None,
    ) -> Plan:
        """A new plan with a changed assignment, names or locks (this one is unchanged).

        Parameters
        ----------
        assignment : mapping, optional
            The complete new ``{unit_id: grid_id}`` (default: unchanged).
        names, locked : optional
            New names / locked set (default: unchanged; names of vanished grids dropped).
        touched : collection of grid ids, optional
            Grids whose units changed (old and new ids). When given and this plan's grid
            table is already computed, only those grids are recomputed; the deviation
            columns are refreshed for the whole table (cheap).

        Raises
        ------
        ValidationError
            If ``assignment`` misses units or names unknown ones.
        """
        new_assign = dict(self.assignment if assignment is None else assignment)
        if assignment is not None:
            _check_assignment(self.units, new_assign)
        grid_set = set(new_assign.values())
        new_names = {
            g: n for g, n in (self.names if names is None else names).items() if g in grid_set
        }
        new_locked = frozenset(
            g for g in (self.locked if locked is None else locked) if g in grid_set
        )
        plan = Plan(
            self.units, new_assign, new_names, new_locked, self.params, self.report, self.outlines
        )
        if "_grids" in self.__dict__:
            plan.__dict__["_grids"] = self._updated_grids(plan, touched)
        return plan

    def _updated_grids(self, plan: Plan, touched: Any) -> gpd.GeoDataFrame:

        old = self._grids
        if touched is None:
            touched = {g for u, g in plan.assignment.items() if self.assignment[u] != g}
            touched |= {
                self.assignment[u] for u, g in plan.assignment.items() if self.assignment[u] != g
            }
        touched = set(touched)
        grid_set = set(plan.assignment.values())
        keep = old[~old.index.isin(touched) & old.index.isin(grid_set)].copy()
        keep["name"] = [plan.names.get(g, g) for g in keep.index]
        keep["locked"] = [g in plan.locked for g in keep.index]
        fresh = grid_table(
            self.units.units,
            plan.assignment,
            neighbors=self.units.neighbors,
            grid_ids=touched & grid_set,
            names=plan.names,
            locked=plan.locked,
        )
        fresh = plan._outlined(fresh)
        base_cols = [c for c in fresh.columns]
        table = pd.concat([keep[base_cols], fresh]).sort_index()
        table = gpd.GeoDataFrame(table, geometry="geometry", crs=self.units.crs)
        return plan._with_reasons(with_rule_columns(table, plan.params))


def with_outlines(table: gpd.GeoDataFrame, outlines: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """A grid table with the polygons of ``outlines`` (grid id -> polygon) and their shape metrics."""
    import numpy as np

    from geo.grids.metrics import convex_hull_ratio, polsby_popper, reock

    out = table.copy()
    ids = [g for g in out.index if g in outlines]
    arr = np.array([outlines[g] for g in ids], dtype=object)
    out.loc[ids, "geometry"] = gpd.GeoSeries(arr, index=ids, crs=out.crs)
    out.loc[ids, "area_m2"] = shapely.area(arr)
    out.loc[ids, "perimeter_m"] = shapely.length(arr)
    out.loc[ids, "polsby_popper"] = polsby_popper(arr)
    out.loc[ids, "reock"] = reock(arr)
    out.loc[ids, "convex_hull_ratio"] = convex_hull_ratio(arr)
    return out


def _check_assignment(units: UnitGraph, assignment: Mapping[str, str]) -> None:
    ids = set(units.units.index)
    missing = ids - set(assignment)
    extra = set(assignment) - ids
    problems = []
    if missing:
        problems.append(
            Problem(
                "plan",
                f"{len(missing)} unit(s) have no grid: {sorted(missing)[:5]}.",
                "assign every unit to exactly one grid",
                code="pl_unassigned",
                params={"n": len(missing), "ids": ", ".join(sorted(missing)[:5])},
            )
        )
    if extra:
        problems.append(
            Problem(
                "plan",
                f"{len(extra)} unknown unit(s): {sorted(extra)[:5]}.",
                "use unit ids of the plan's UnitGraph",
                code="pl_unknown_units",
                params={"n": len(extra), "ids": ", ".join(sorted(extra)[:5])},
            )
        )
    if problems:
        raise ValidationError(problems, title="invalid assignment")

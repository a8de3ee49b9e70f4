"""Planner edits on a grid plan: move, merge, split, lock, unlock, rename, re-optimise, repair, undo, redo.

A :class:`~geo.grids.plan.Plan` is an immutable value (the assignment ``unit -> grid``, names,
locks, parameters). :class:`PlanEditor` applies one edit at a time, each giving a *new* plan,
and keeps undo/redo stacks of the exact previous plans. Every edit is checked before it is
applied: hard rules (a unit moves only to an adjacent grid of its own community, the donor
grid stays in one piece, locked grids never change) refuse the edit with an
:class:`~geo.errors.EditError` naming the unit or grid and the reason; soft rules (size band,
party members per grid) are reported in :attr:`EditResult.violations`.

Only the grids an edit touched are re-scored (their polygons and metrics); the plan-wide
figures come from the plan's grid table, patched for the touched grids only
(:meth:`geo.grids.plan.Plan.with_assignment`), so one move costs a few unions of cells, not a
whole plan.

Every edit is recorded as a JSON-safe event (``{"op": "move", "units": [...], "to": ...}``);
:meth:`PlanEditor.replay` rebuilds an editor with the same plans and the same undo/redo
stacks from the starting plan and the events.

Examples
--------
Not run as a doctest: it needs a built plan of the demo data (the editor tests run these steps).

>>> editor = PlanEditor(plan)                                    # doctest: +SKIP
>>> res = editor.move(["E012"], "320211007001003")               # doctest: +SKIP
>>> res.violations                                               # doctest: +SKIP
['grid 320211007001003: 620 households > 500']
>>> editor.undo().plan == plan                                   # doctest: +SKIP
True
"""

from __future__ import annotations

import dataclasses
import functools
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from geo.errors import EditError
from geo.grids.graph import Adjacency, components, grid_neighbors, is_connected
from geo.grids.gridding import grid_communities
from geo.grids.ids import new_grid_ids
from geo.grids.params import GridParams
from geo.grids.repair import repair_plan

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.grids.params import GridParams
    from geo.grids.plan import Plan

#: Spanning trees tried per cut when splitting a grid (bounded; the best balance is kept).
SPLIT_TREES = 64
#: Operations an event may name.
OPS = ("move", "merge", "split", "lock", "unlock", "rename", "reoptimise", "repair", "undo", "redo")


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class EditResult:
    """What one edit did.

    Attributes
    ----------
    plan : Plan
        The plan after the edit.
    touched : tuple of str
        Grids whose units, name or lock changed, including grids the edit removed.
    grids : GeoDataFrame
        The touched grids that still exist, recomputed (polygon, counts, shape, rule
        columns), metric CRS, index ``grid_id``.
    violations : list of str
        Soft rule breaks of the touched grids, e.g. ``"grid X: 620 households > 500"``.
    event : dict
        The JSON-safe event recorded for this edit.
    summary : dict
        Plan-wide figures after the edit (:meth:`geo.grids.plan.Plan.summary`) plus ``op``,
        ``removed`` (grid ids), ``added`` (grid ids) and ``households_moved``. Computed on
        first access (it scans the whole plan), so an edit itself stays local.
    changed_units : dict
        ``{unit_id: grid_id}`` of the units whose grid changed with this edit (empty for a
        lock, unlock or rename). With :attr:`grids` and :attr:`removed` it is the whole delta a
        map needs to follow the edit without redrawing the plan.
    removed : tuple of str
        Grids that no longer exist after the edit.
    """

    plan: Plan
    touched: tuple[str, ...]
    grids: gpd.GeoDataFrame
    violations: list[str]
    event: dict[str, Any]
    edit: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)
    changed_units: dict[str, str] = dataclasses.field(default_factory=dict, repr=False)

    @functools.cached_property
    def summary(self) -> dict[str, Any]:
        """Plan-wide figures after the edit plus the edit's own (see the class docstring)."""
        out = self.plan.summary()
        out.update(self.edit)
        return out

    @property
    def removed(self) -> tuple[str, ...]:
        """Grids the edit removed (touched grids that are no longer in the plan)."""
        return tuple(g for g in self.touched if g not in self.plan.members)

    @property
    def figures(self) -> dict[str, Any]:
        """Plan-level figures after the edit (:func:`plan_figures`) plus ``households_moved``."""
        return {
            **plan_figures(self.plan),
            "households_moved": float(self.edit.get("households_moved", 0.0)),
        }


def plan_figures(plan: Plan) -> dict[str, Any]:
    """Plan-level figures read off the (patched) grid table, without rescanning the units.

    Returns ``n_grids``, ``share_in_band`` (0-1), ``max_abs_dev_pct`` (%),
    ``mean_polsby_popper`` (0-1), ``n_locked`` and ``n_out_of_rule`` (grids with an issue).
    """
    g = plan.grids()
    n = len(g)
    return {
        "n_grids": n,
        "share_in_band": float(g["in_band"].mean()) if n else 0.0,
        "max_abs_dev_pct": float(g["dev_pct"].abs().max()) if n else 0.0,
        "mean_polsby_popper": float(g["polsby_popper"].mean()) if n else 0.0,
        "n_locked": len(plan.locked),
        "n_out_of_rule": int(g["issue"].astype(bool).sum()) if n else 0,
    }


# --------------------------------------------------------------------------- graph helpers


def tree_partition(
    units: list[str],
    weights: Mapping[str, float],
    edges: Iterable[tuple[str, str]],
    k: int,
    *,
    seed: int = 0,
    trees: int = SPLIT_TREES,
) -> list[list[str]]:
    """Split connected ``units`` into ``k`` connected parts of balanced weight.

    Recursive spanning-tree bisection: for each cut, ``trees`` random spanning trees
    (seeded) are drawn and the tree edge whose subtree weight is closest to the target
    (``total * floor(k/2) / k``) is cut; both sides of a tree cut are connected. Bounded
    time: ``trees`` trees per cut, ``k - 1`` cuts.

    Returns
    -------
    list of list of str
        ``k`` parts, each sorted, ordered by their smallest unit id.

    Raises
    ------
    EditError
        If ``k`` exceeds the number of units or the units are not connected.
    """
    if k < 1 or k > len(units):
        raise EditError(
            f"cannot split {len(units)} unit(s) into k={k} parts; "
            f"choose k between 2 and {len(units)}",
            code="split_k_units",
            n=len(units),
            k=k,
        )
    rng = random.Random(seed)
    edge_list = sorted({(min(a, b), max(a, b)) for a, b in edges})
    parts = _bisect(sorted(units), weights, edge_list, k, rng, trees)
    return sorted((sorted(p) for p in parts), key=lambda p: p[0])


def _bisect(
    units: list[str],
    weights: Mapping[str, float],
    edges: list[tuple[str, str]],
    k: int,
    rng: random.Random,
    trees: int,
) -> list[list[str]]:
    if k == 1:
        return [units]
    inside = set(units)
    sub_edges = [(a, b) for a, b in edges if a in inside and b in inside]
    total = sum(weights[u] for u in units)
    k_left = k // 2
    target = total * k_left / k
    best: tuple[float, set[str]] | None = None
    for _ in range(trees):
        side = _best_tree_cut(units, weights, sub_edges, target, k_left, k - k_left, rng)
        if side is None:
            continue
        dev = abs(sum(weights[u] for u in side) - target)
        if best is None or dev < best[0]:
            best = (dev, side)
        if dev == 0:
            break
    if best is None:
        raise EditError(
            f"units {units[:5]}{' ...' if len(units) > 5 else ''} are not connected or too "
            f"few to split into {k} connected parts",
            code="not_splittable",
            units=", ".join(units[:5]) + (" ..." if len(units) > 5 else ""),
            k=k,
        )
    left = sorted(best[1])
    right = sorted(inside - best[1])
    return _bisect(left, weights, edges, k_left, rng, trees) + _bisect(
        right, weights, edges, k - k_left, rng, trees
    )


def _best_tree_cut(
    units: list[str],
    weights: Mapping[str, float],
    edges: list[tuple[str, str]],
    target: float,
    n_left: int,
    n_right: int,
    rng: random.Random,
) -> set[str] | None:
    """Draw one random spanning tree and return the subtree (side) closest to ``target``."""
    parent = {u: u for u in units}

    def find(u: str) -> str:
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    order = edges[:]
    rng.shuffle(order)
    adj: dict[str, list[str]] = {u: [] for u in units}
    n_tree = 0
    for a, b in order:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
            adj[a].append(b)
            adj[b].append(a)
            n_tree += 1
    if n_tree != len(units) - 1:
        return None
    root = units[rng.randrange(len(units))]
    seen = {root}
    order_nodes = [root]
    tree_parent: dict[str, str | None] = {root: None}
    for u in order_nodes:  # BFS; list grows while iterating
        for v in adj[u]:
            if v not in seen:
                seen.add(v)
                tree_parent[v] = u
                order_nodes.append(v)
    sub_w = {u: float(weights[u]) for u in units}
    sub_n = dict.fromkeys(units, 1)
    for u in reversed(order_nodes[1:]):
        p = tree_parent[u]
        assert p is not None
        sub_w[p] += sub_w[u]
        sub_n[p] += sub_n[u]
    total_n = len(units)
    total_w = sub_w[root]
    best_u: tuple[str, bool] | None = None
    best_dev = float("inf")
    for u in order_nodes[1:]:
        n_sub, w = sub_n[u], sub_w[u]
        # Each side must hold at least as many units as the parts it will be split into;
        # the subtree may be either side.
        if n_sub >= n_left and total_n - n_sub >= n_right and abs(w - target) < best_dev:
            best_dev, best_u = abs(w - target), (u, True)
        if n_sub >= n_right and total_n - n_sub >= n_left and abs(total_w - w - target) < best_dev:
            best_dev, best_u = abs(total_w - w - target), (u, False)
    if best_u is None:
        return None
    u, subtree_is_left = best_u
    subtree = set()
    stack = [u]
    while stack:
        x = stack.pop()
        subtree.add(x)
        stack.extend(v for v in adj[x] if tree_parent.get(v) == x)
    return subtree if subtree_is_left else set(units) - subtree


# --------------------------------------------------------------------------- plan values


def replace_plan(
    plan: Plan,
    *,
    assignment: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    locked: Iterable[str] | None = None,
    touched: Iterable[str] | None = None,
) -> Plan:
    """A new plan equal to ``plan`` except for the given fields (``plan`` is not changed).

    Names and locks of grids that no longer exist are dropped. ``touched`` names the grids
    whose units changed (old and new ids), so that only those are re-scored when ``plan``'s
    grid table is already computed (:meth:`geo.grids.plan.Plan.with_assignment`).
    """
    return plan.with_assignment(
        None if assignment is None else dict(assignment),
        names=None if names is None else dict(names),
        locked=None if locked is None else frozenset(locked),
        touched=None if touched is None else set(touched),
    )


def _grid_community(plan: Plan, members: Mapping[str, set[str]], grid: str) -> str:
    return str(plan.units.community_of[next(iter(members[grid]))])


def _violations(table: gpd.GeoDataFrame, grids: Iterable[str]) -> list[str]:
    out = []
    for g in grids:
        if g in table.index and table.at[g, "issue"]:
            out.append(f"grid {g}: {table.at[g, 'issue']}")
    return out


def changed_units(old: Plan, new: Plan, grids: Iterable[str]) -> dict[str, str]:
    """``{unit: new grid}`` of the units of ``grids`` (old or new members) whose grid changed."""
    units: set[str] = set()
    for g in grids:
        units |= set(old.members.get(g, ())) | set(new.members.get(g, ()))
    return {
        u: new.assignment[u]
        for u in sorted(units)
        if u in new.assignment and old.assignment.get(u) != new.assignment[u]
    }


def _diff_grids(old: Plan, new: Plan) -> tuple[set[str], set[str]]:
    """Grids whose units changed (incl. added/removed), and grids whose name or lock changed."""
    old_m, new_m = old.members, new.members
    units_changed = {g for g in set(old_m) | set(new_m) if old_m.get(g) != new_m.get(g)}
    labels = {
        g
        for g in set(new_m) - units_changed
        if old.names.get(g) != new.names.get(g) or ((g in old.locked) != (g in new.locked))
    }
    return units_changed, labels


# --------------------------------------------------------------------------- the editor


class PlanEditor:
    """Edit a plan with undo/redo; each edit re-scores only the grids it touched.

    Parameters
    ----------
    plan : Plan
        The starting plan (never modified; every edit makes a new plan). Its grid table is
        computed once here; later plans patch it (:meth:`geo.grids.plan.Plan.with_assignment`).

    Attributes
    ----------
    plan : Plan
        The current plan.
    events : list of dict
        Every edit applied so far, undo and redo included, as JSON-safe dicts.
    """

    def __init__(self, plan: Plan) -> None:
        plan.grids()  # compute the grid table once; edits patch it
        self._plan = plan
        self._undo: list[Plan] = []
        self._redo: list[Plan] = []
        self.events: list[dict[str, Any]] = []

    # ---------------------------------------------------------------- properties
    @property
    def plan(self) -> Plan:
        """The current plan."""
        return self._plan

    @property
    def can_undo(self) -> bool:
        """True when there is an edit to undo."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """True when there is an undone edit to redo."""
        return bool(self._redo)

    # ---------------------------------------------------------------- plumbing
    def _members(self) -> dict[str, set[str]]:
        return {g: set(us) for g, us in self._plan.members.items()}

    def _require_grid(self, grid: str, members: Mapping[str, set[str]], what: str = "grid") -> None:
        if grid not in members:
            known = sorted(members)
            raise EditError(
                f"{what} {grid!r} is not in the plan ({len(known)} grids, e.g. "
                f"{known[:3]}); pick an existing grid id",
                code="unknown_grid",
                grid=str(grid),
                n=len(known),
                examples=", ".join(map(str, known[:3])),
            )

    def _require_unlocked(self, grids: Iterable[str], why: str) -> None:
        locked = sorted(set(grids) & set(self._plan.locked))
        if locked:
            raise EditError(
                f"grid {', '.join(locked)} is locked, so it cannot {why}; unlock it first",
                code="grid_locked",
                grids=", ".join(locked),
            )

    def _commit(
        self,
        new_plan: Plan,
        event: dict[str, Any],
        *,
        touched: Iterable[str],
        moved: float = 0.0,
        added: Iterable[str] = (),
        removed: Iterable[str] = (),
    ) -> EditResult:
        before = self._plan
        self._undo.append(before)
        self._redo.clear()
        self._plan = new_plan
        self.events.append(event)
        return self._result(
            event, touched, moved=moved, added=added, removed=removed, before=before
        )

    def _result(
        self,
        event: dict[str, Any],
        touched: Iterable[str],
        *,
        moved: float = 0.0,
        added: Iterable[str] = (),
        removed: Iterable[str] = (),
        before: Plan | None = None,
    ) -> EditResult:
        plan = self._plan
        table = plan.grids()
        touched_t = tuple(sorted(set(touched)))
        changed = {} if before is None else changed_units(before, plan, touched_t)
        alive = [g for g in touched_t if g in table.index]
        edit = {
            "op": event["op"],
            "added": sorted(added),
            "removed": sorted(removed),
            "households_moved": float(moved),
        }
        return EditResult(
            plan=plan,
            touched=touched_t,
            grids=table.loc[alive],
            violations=_violations(table, alive),
            event=event,
            edit=edit,
            changed_units=changed,
        )

    # ---------------------------------------------------------------- edits
    def move(
        self, unit_ids: str | Iterable[str], to_grid: str, *, allow_remove: bool = False
    ) -> EditResult:
        """Move units to an adjacent grid of their community.

        Parameters
        ----------
        unit_ids : str or iterable of str
            The units to move (together they must touch ``to_grid``: each unit is adjacent
            to ``to_grid`` or to another moved unit that is).
        to_grid : str
            The receiving grid (same community, not locked).
        allow_remove : bool
            Let a donor grid that loses all its units disappear (refused otherwise).

        Raises
        ------
        EditError
            Unknown unit or grid, a locked donor or receiver, another community, units not
            adjacent to ``to_grid``, a donor left in pieces, or an emptied donor without
            ``allow_remove``.
        """
        units = [unit_ids] if isinstance(unit_ids, str) else list(dict.fromkeys(unit_ids))
        event = {"op": "move", "units": units, "to": to_grid, "allow_remove": bool(allow_remove)}
        new_plan, info = self._plan_move(units, to_grid, allow_remove=allow_remove)
        return self._commit(
            new_plan, event, touched=info["touched"], moved=info["moved"], removed=info["removed"]
        )

    def _plan_move(
        self, units: list[str], to_grid: str, *, allow_remove: bool
    ) -> tuple[Plan, dict[str, Any]]:
        plan = self.plan
        assign = plan.assignment
        members = self._members()
        if not units:
            raise EditError("`unit_ids` is empty; name at least one unit to move", code="no_units")
        self._require_grid(to_grid, members, "target grid")
        unknown = [u for u in units if u not in assign]
        if unknown:
            raise EditError(
                f"unit {', '.join(map(repr, unknown[:5]))} is not in the plan; "
                "pick units from plan.units",
                code="unknown_unit",
                units=", ".join(map(str, unknown[:5])),
            )
        already = [u for u in units if assign[u] == to_grid]
        if already:
            raise EditError(
                f"unit {', '.join(map(repr, already[:5]))} is already in grid {to_grid}",
                code="already_in_grid",
                units=", ".join(already[:5]),
                grid=to_grid,
            )
        comm = plan.units.community_of
        target_comm = _grid_community(plan, members, to_grid)
        foreign = [u for u in units if comm[u] != target_comm]
        if foreign:
            raise EditError(
                f"unit {foreign[0]!r} is in community {comm[foreign[0]]!r} but grid {to_grid} "
                f"is in community {target_comm!r}; grids stay inside one community",
                code="other_community",
                unit=str(foreign[0]),
                unit_community=str(comm[foreign[0]]),
                grid=str(to_grid),
                grid_community=str(target_comm),
            )
        donors = sorted({assign[u] for u in units})
        self._require_unlocked([to_grid], "receive units")
        self._require_unlocked(donors, "give units away")
        nbrs = plan.units.neighbors
        reached = _reachable(members[to_grid], set(units), plan.units.adjacency)
        cut_off = [u for u in units if u not in reached]
        if cut_off:
            u = cut_off[0]
            near = sorted({assign[v] for v in nbrs.get(u, ())} - {assign[u]})
            raise EditError(
                f"unit {u!r} is not adjacent to grid {to_grid} (its cell touches grids "
                f"{near or 'none besides its own'}); move it to an adjacent grid",
                code="not_adjacent",
                unit=u,
                grid=to_grid,
            )
        moving = set(units)
        removed = []
        for d in donors:
            rest = members[d] - moving
            if not rest:
                if not allow_remove:
                    raise EditError(
                        f"moving these units would empty grid {d}; pass allow_remove=True "
                        "to delete it, or merge it instead",
                        code="would_empty",
                        grid=d,
                    )
                removed.append(d)
                continue
            before = len(components(members[d], plan.units.adjacency))
            after = components(rest, plan.units.adjacency)
            if len(after) > before:
                lost = [u for comp in after[1:] for u in comp]
                raise EditError(
                    f"grid {d} would no longer be contiguous: unit(s) "
                    f"{', '.join(lost[:5])}{' ...' if len(lost) > 5 else ''} would be cut "
                    "off; move them too or pick other units",
                    code="would_cut_off",
                    grid=d,
                    units=", ".join(lost[:5]) + (" ..." if len(lost) > 5 else ""),
                )
        hh = plan.units.units["households"]
        moved = float(sum(float(hh.at[u]) for u in units))
        touched = {to_grid, *donors}
        return plan.flip(dict.fromkeys(units, to_grid)), {
            "touched": touched,
            "moved": moved,
            "removed": removed,
        }

    def merge(self, a: str, b: str) -> EditResult:
        """Merge grid ``b`` into adjacent grid ``a`` of the same community (``a`` keeps its id and name).

        Raises
        ------
        EditError
            Unknown, identical, locked, non-adjacent grids, or grids of two communities.
        """
        plan = self.plan
        members = self._members()
        self._require_grid(a, members)
        self._require_grid(b, members)
        if a == b:
            raise EditError(
                f"cannot merge grid {a} with itself; name two different grids",
                code="merge_self",
                grid=str(a),
            )
        ca, cb = _grid_community(plan, members, a), _grid_community(plan, members, b)
        if ca != cb:
            raise EditError(
                f"grid {a} is in community {ca!r} and grid {b} in {cb!r}; "
                "only grids of one community can merge",
                code="merge_communities",
                a=str(a),
                b=str(b),
                a_community=str(ca),
                b_community=str(cb),
            )
        self._require_unlocked([a, b], "be merged")
        if b not in grid_neighbors(a, members, plan.assignment, plan.units.neighbors):
            raise EditError(
                f"grids {a} and {b} share no cell edge; merge adjacent grids only",
                code="merge_not_adjacent",
                a=str(a),
                b=str(b),
            )
        hh = plan.units.units["households"]
        moved = float(sum(float(hh.at[u]) for u in members[b]))
        event = {"op": "merge", "a": a, "b": b}
        return self._commit(
            plan.flip(dict.fromkeys(members[b], a)), event, touched={a, b}, moved=moved, removed=[b]
        )

    def split(self, grid: str, k: int = 2, *, seed: int = 0) -> EditResult:
        """Split a grid into ``k`` contiguous parts balanced on ``params.size_by``.

        The part holding the grid's smallest unit id keeps the grid's id and name; the others
        get fresh ids (:func:`new_grid_ids`). Reproducible for a given ``seed``.

        Raises
        ------
        EditError
            Unknown or locked grid, ``k`` < 2 or above the grid's number of units, or a grid
            that is not in one piece.
        """
        plan = self.plan
        members = self._members()
        self._require_grid(grid, members)
        self._require_unlocked([grid], "be split")
        k = int(k)
        if k < 2 or k > len(members[grid]):
            raise EditError(
                f"cannot split grid {grid} ({len(members[grid])} units) into k={k}; "
                f"choose k between 2 and {len(members[grid])}",
                code="split_k",
                grid=str(grid),
                n=len(members[grid]),
                k=k,
            )
        nbrs = plan.units.neighbors
        units = sorted(members[grid])
        if not is_connected(units, plan.units.adjacency):
            raise EditError(
                f"grid {grid} is not contiguous, so it cannot be split by a tree cut; "
                "move its detached units first",
                code="split_not_contiguous",
                grid=str(grid),
            )
        col = str(plan.params.size_by)
        weights = {u: float(w) for u, w in plan.units.units.loc[units, col].items()}
        inside = set(units)
        edges = [(u, v) for u in units for v in nbrs.get(u, ()) if v in inside and u < v]
        parts = tree_partition(units, weights, edges, k, seed=seed)
        fresh = new_grid_ids(grid, set(members), k - 1)
        new_assign = dict(plan.assignment)
        names = dict(plan.names)
        base_name = names.get(grid, grid)
        for pid, part in zip(fresh, parts[1:], strict=True):
            for u in part:
                new_assign[u] = pid
            names[pid] = f"{base_name} ({pid[-3:]})" if re.fullmatch(r"\d{15}", pid) else pid
        hh = plan.units.units["households"]
        moved = float(sum(float(hh.at[u]) for p in parts[1:] for u in p))
        event = {"op": "split", "grid": grid, "k": k, "seed": int(seed)}
        touched = {grid, *fresh}
        return self._commit(
            replace_plan(plan, assignment=new_assign, names=names, touched=touched),
            event,
            touched=touched,
            moved=moved,
            added=fresh,
        )

    def lock(self, grids: str | Iterable[str]) -> EditResult:
        """Lock grids: no edit and no re-optimisation changes them until unlocked."""
        return self._set_lock(grids, True)

    def unlock(self, grids: str | Iterable[str]) -> EditResult:
        """Unlock grids."""
        return self._set_lock(grids, False)

    def _set_lock(self, grids: str | Iterable[str], value: bool) -> EditResult:
        gl = [grids] if isinstance(grids, str) else list(dict.fromkeys(grids))
        members = self._members()
        for g in gl:
            self._require_grid(g, members)
        locked = set(self.plan.locked)
        locked = locked | set(gl) if value else locked - set(gl)
        event = {"op": "lock" if value else "unlock", "grids": gl}
        return self._commit(replace_plan(self.plan, locked=locked, touched=()), event, touched=gl)

    def rename(self, grid: str, name: str) -> EditResult:
        """Give a grid a display name (its id does not change)."""
        members = self._members()
        self._require_grid(grid, members)
        name = str(name).strip()
        if not name:
            raise EditError(
                f"the new name of grid {grid} is empty; give a non-empty name",
                code="empty_name",
                grid=str(grid),
            )
        names = dict(self.plan.names)
        names[grid] = name
        event = {"op": "rename", "grid": grid, "name": name}
        return self._commit(replace_plan(self.plan, names=names, touched=()), event, touched=[grid])

    def reoptimise(self, params: GridParams | None = None) -> EditResult:
        """Re-run the gridding engine on the unlocked grids; locked grids stay identical.

        Parameters
        ----------
        params : GridParams, optional
            Parameters of the run (default: the plan's own).
        """

        params = self.plan.params if params is None else params
        result = grid_communities(self.plan.units, params, locked_plan=self.plan)
        new_plan = result.plan
        for g in self.plan.locked:  # the engine's contract; refuse silently broken results
            if new_plan.members.get(g) != self.plan.members.get(g):
                raise EditError(
                    f"re-optimisation changed locked grid {g}; this is a bug in "
                    "geo.grids.gridding, please report it",
                    code="locked_changed",
                    grid=str(g),
                )
        changed, labels = _diff_grids(self.plan, new_plan)
        event: dict[str, Any] = {"op": "reoptimise"}
        if params is not self.plan.params:
            event["params"] = dataclasses.asdict(params)
        return self._commit(
            new_plan,
            event,
            touched=changed | labels,
            moved=_households_moved(self.plan, new_plan),
            added=set(new_plan.members) - set(self.plan.members),
            removed=set(self.plan.members) - set(new_plan.members),
        )

    def repair(self, unlocked: Iterable[str] | str | None = None) -> EditResult:
        """Bring out-of-rule grids back into the band with the fewest households moved.

        Runs :func:`geo.grids.repair.repair_plan` on the current plan (planner locks respected,
        compliant grids left alone unless ``unlocked``); one undoable edit.

        Parameters
        ----------
        unlocked : iterable of grid ids, "neighbours", "all", or None
            Compliant grids the repair may also change (see :func:`~geo.grids.repair.repair_plan`).
        """

        if unlocked is not None and not isinstance(unlocked, str):
            unlocked = sorted(unlocked)
        rep = repair_plan(self.plan, unlocked=unlocked)
        touched = set(rep.moves["from_grid"]) | set(rep.moves["to_grid"])
        event: dict[str, Any] = {"op": "repair", "unlocked": unlocked}
        result = self._commit(rep.plan, event, touched=touched, moved=rep.households_moved)
        result.edit["repair"] = {
            "moves": rep.moves.to_dict("records"),
            "still_out": rep.still_out,
            "fixed": list(rep.fixed),
        }
        return result

    # ---------------------------------------------------------------- history
    def undo(self) -> EditResult:
        """Go back to the exact previous plan.

        Raises
        ------
        EditError
            When there is nothing to undo.
        """
        if not self._undo:
            raise EditError("nothing to undo", code="nothing_to_undo")
        return self._step(self._undo, self._redo, {"op": "undo"})

    def redo(self) -> EditResult:
        """Re-apply the last undone edit.

        Raises
        ------
        EditError
            When there is nothing to redo.
        """
        if not self._redo:
            raise EditError("nothing to redo", code="nothing_to_redo")
        return self._step(self._redo, self._undo, {"op": "redo"})

    def _step(self, source: list[Plan], sink: list[Plan], event: dict[str, Any]) -> EditResult:
        before = self._plan
        sink.append(before)
        self._plan = source.pop()
        self.events.append(event)
        changed, labels = _diff_grids(before, self._plan)
        old, new = set(before.assignment.values()), set(self._plan.assignment.values())
        return self._result(
            event,
            changed | labels,
            moved=_households_moved(before, self._plan),
            added=new - old,
            removed=old - new,
            before=before,
        )

    def apply(self, event: Mapping[str, Any]) -> EditResult:
        """Apply one recorded event (see :attr:`events`).

        Raises
        ------
        EditError
            An unknown ``op`` or an event the current plan refuses.
        """
        op = event.get("op")
        if op == "move":
            return self.move(
                list(event["units"]), event["to"], allow_remove=bool(event.get("allow_remove"))
            )
        if op == "merge":
            return self.merge(event["a"], event["b"])
        if op == "split":
            return self.split(event["grid"], int(event["k"]), seed=int(event.get("seed", 0)))
        if op in ("lock", "unlock"):
            return self._set_lock(list(event["grids"]), op == "lock")
        if op == "rename":
            return self.rename(event["grid"], event["name"])
        if op == "reoptimise":
            params = None
            if event.get("params") is not None:
                params = GridParams(**event["params"])
            return self.reoptimise(params)
        if op == "repair":
            return self.repair(event.get("unlocked"))
        if op == "undo":
            return self.undo()
        if op == "redo":
            return self.redo()
        raise EditError(
            f"unknown edit op {op!r} in event {dict(event)}; expected one of {OPS}",
            code="unknown_op",
            op=str(op),
            ops=", ".join(OPS),
        )

    @classmethod
    def replay(cls, plan: Plan, events: Iterable[Mapping[str, Any]]) -> PlanEditor:
        """Rebuild an editor from its starting plan and events: same plan, same undo/redo stacks."""
        editor = cls(plan)
        for ev in events:
            editor.apply(ev)
        return editor

    def to_state(self) -> dict[str, Any]:
        """JSON-safe state (the events) from which :meth:`from_state` rebuilds this editor."""
        return {"version": 1, "events": [dict(e) for e in self.events]}

    @classmethod
    def from_state(cls, plan: Plan, state: Mapping[str, Any]) -> PlanEditor:
        """Rebuild an editor saved with :meth:`to_state` on the same starting plan."""
        if state.get("version") != 1:
            raise EditError(
                f"editor state version {state.get('version')!r} is not supported (expected 1)",
                code="state_version",
                version=str(state.get("version")),
            )
        return cls.replay(plan, state.get("events", []))


def _reachable(start: set[str], extra: set[str], adjacency: Adjacency) -> set[str]:
    """Units of ``extra`` reachable from ``start`` through ``extra``.

    A path that passes through ``start`` again can be cut at its last ``start`` unit, so these
    are the ``extra`` units in a component of ``start | extra`` that holds a ``start`` unit.
    """
    return {
        u
        for comp in components(start | extra, adjacency)
        if not start.isdisjoint(comp)
        for u in comp
        if u in extra
    }


def _households_moved(old: Plan, new: Plan) -> float:
    """Households of units whose grid id differs between two plans of the same units."""
    hh = old.units.units["households"]
    return float(
        sum(float(hh.at[u]) for u, g in new.assignment.items() if old.assignment.get(u) != g)
    )

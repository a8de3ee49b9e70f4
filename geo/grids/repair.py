"""Repair of a plan that is out of rule: move units between grids so that grids return to the
band with few households moved, keeping locked grids and contiguity."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from geo.errors import Problem, ValidationError
from geo.grids.graph import components, stays_connected
from geo.grids.plan import Plan
from geo.settings import REPAIR_MAX_MOVES_PER_GRID

if TYPE_CHECKING:

    from geo.grids.params import GridParams
    from geo.grids.plan import Plan


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
    """

    plan: Plan
    moves: pd.DataFrame
    households_moved: float
    fixed: tuple[str, ...]
    still_out: list[dict[str, str]]
    free: tuple[str, ...]

    def summary(self) -> dict[str, Any]:
        """JSON-safe summary of the repair and the repaired plan."""
        out = self.plan.summary()
        out["repair"] = {"n_moves": len(self.moves), "households_moved": self.households_moved,
                         "fixed": list(self.fixed), "still_out": self.still_out, "free": list(self.free),
                         "moves": self.moves.to_dict("records")}
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
        self.comm = plan.units.community_of
        self.comm_total: dict[str, float] = {}
        for u, s in self.size.items():
            self.comm_total[self.comm[u]] = self.comm_total.get(self.comm[u], 0.0) + s

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


def repair_plan(plan: Plan, *, params: GridParams | None = None,
                unlocked: Iterable[str] | str | None = None,
                max_moves_per_grid: int = REPAIR_MAX_MOVES_PER_GRID) -> RepairResult:
    """Bring out-of-rule grids back into the rule with the fewest households moved.

    Out of rule = outside the size band of ``params`` or not contiguous. The rule on what
    may change is in the module docstring: planner-locked grids never change; compliant
    grids change only when named in ``unlocked`` (``"all"``: every compliant grid) and then
    stay compliant.

    The search is greedy and bounded: first detached pieces of out-of-rule grids join an
    adjacent free grid; then, repeatedly, the boundary move (one unit between two free
    grids of a community, donor kept contiguous) with the least households moved minus band
    violation removed is applied (a move from an over- to an under-full grid costs nothing
    net), ties broken by more violation removed, fewer households, then ids; when no single
    move helps, the best two-move chain (through a third free grid, or a swap) is tried. Moves among
    out-of-rule grids are tried before moves involving unlocked compliant grids. It stops
    when no move helps or after ``max_moves_per_grid`` moves per free grid. Communities are
    searched one by one (units never leave their community); last, moved units
    whose return breaks nothing go back to their first grid (largest first).

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
        Bound on the moves, per free grid.

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
    if unlocked == "all":
        opened = set(compliant0)
    elif unlocked == "neighbours":
        out0 = set(grids) - compliant0
        opened = {state.assign[v] for g in out0 for u in state.members[g] for v in state.nbrs.get(u, ())
                  if state.comm[v] == state.comm[u]} & compliant0
    else:
        opened = set() if unlocked is None else {str(g) for g in ([unlocked] if isinstance(unlocked, str)
                                                                  else unlocked)}
        unknown = sorted(opened - set(grids))
        if isinstance(unlocked, str) and unlocked not in set(grids):
            unknown = [unlocked]
        if unknown:
            raise ValidationError([Problem("plan", f"`unlocked` names grid(s) not in the plan: {unknown[:5]}",
                                           "name existing grid ids or pass unlocked='all'")])
    free = (set(grids) - compliant0 | opened) - set(plan.locked)
    _reattach_pieces(state, free, lo, hi)
    # Communities are independent (units never leave theirs): search each one on its own,
    # and only those holding a grid out of the band.
    by_comm: dict[str, set[str]] = {}
    for g in free:
        by_comm.setdefault(state.comm[next(iter(state.members[g]))], set()).add(g)
    for cid in sorted(by_comm):
        pool_c = by_comm[cid]
        if any(band_penalty(state.load[g], lo, hi) > 0 for g in pool_c):
            _search(state, pool_c, compliant0, lo, hi, budget=max_moves_per_grid * len(pool_c))
    _undo_needless(state, plan.assignment, free, lo, hi)
    new_assign = state.assign
    changed = sorted(u for u in new_assign if new_assign[u] != plan.assignment[u])
    hh = plan.units.units["households"].astype(float)
    moves = pd.DataFrame({"unit_id": changed, "from_grid": [plan.assignment[u] for u in changed],
                          "to_grid": [new_assign[u] for u in changed],
                          "households": [float(hh.at[u]) for u in changed]}, columns=list(MOVE_COLUMNS))
    touched = set(moves["from_grid"]) | set(moves["to_grid"])
    new_plan = plan.with_assignment(new_assign, touched=touched) if changed else plan
    if params is not plan.params:

        new_plan = Plan(new_plan.units, dict(new_plan.assignment), dict(new_plan.names), new_plan.locked,
                        params, new_plan.report)
    after = {g for g in state.members if state.members[g] and _compliant(state, g, lo, hi)}
    fixed = tuple(sorted((set(grids) - compliant0) & after))
    still = [_hint(state, g, free, plan.locked, lo, hi, params.size_by)
             for g in sorted(set(state.members) - after) if state.members[g]]
    return RepairResult(plan=new_plan, moves=moves, households_moved=float(moves["households"].sum()),
                        fixed=fixed, still_out=still, free=tuple(sorted(free)))


def _search(state: _State, free: set[str], compliant0: set[str], lo: float, hi: float, *,
            budget: int) -> None:
    """Greedy boundary moves (then two-move chains) among ``free`` grids, at most ``budget``."""
    n = 0
    while n < budget and any(band_penalty(state.load[g], lo, hi) > 0 for g in free):
        step = None
        # Moves among out-of-rule grids first; compliant unlocked grids only when needed.
        for pool in (free - compliant0, free):
            step = _best_move(state, pool, compliant0, lo, hi) or _best_chain(state, pool, compliant0, lo, hi)
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
            cands = {state.assign[v] for u in piece for v in state.nbrs.get(u, ())
                     if state.assign[v] != g and state.assign[v] in free and state.comm[v] == state.comm[u]}
            if not cands:
                continue
            w = sum(state.size[u] for u in piece)
            to = min(cands, key=lambda h, w=w: (band_penalty(state.load[h] + w, lo, hi), h))
            for u in piece:
                state.move(u, to)


def _undo_needless(state: _State, original: Mapping[str, str], free: set[str], lo: float, hi: float) -> None:
    """Send moved units back to their first grid when that breaks nothing (largest first).

    A greedy search can move more than it needs; a unit goes back when its first grid still
    exists and is adjacent, the grid it left stays contiguous, and neither grid's band
    violation grows. Repeats until no unit can go back.
    """
    changed = True
    while changed:
        changed = False
        moved = sorted((u for u in state.assign if state.assign[u] != original[u]),
                       key=lambda u: (-state.size[u], u))
        for u in moved:
            a, b = original[u], state.assign[u]
            if a not in free or not state.members.get(a):
                continue
            if not any(state.assign[v] == a for v in state.nbrs.get(u, ())) or not state.connected_without(b, u):
                continue
            su = state.size[u]
            if (band_penalty(state.load[a] + su, lo, hi) <= band_penalty(state.load[a], lo, hi) + 1e-9
                    and band_penalty(state.load[b] - su, lo, hi) <= band_penalty(state.load[b], lo, hi) + 1e-9):
                state.move(u, a)
                changed = True


def _moves_from(state: _State, free: set[str], compliant0: set[str], lo: float, hi: float, *,
                strict: bool = True, donors: Iterable[str] | None = None
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
            tos = {state.assign[v] for v in state.nbrs.get(u, ())
                   if state.assign[v] != a and state.assign[v] in free and state.comm[v] == state.comm[u]}
            if not tos or not state.connected_without(a, u):
                continue
            la = state.load[a]
            for b in sorted(tos):
                lb = state.load[b]
                # A grid compliant at the start must stay in the band.
                if strict and ((a in compliant0 and band_penalty(la - su, lo, hi) > 0)
                               or (b in compliant0 and band_penalty(lb + su, lo, hi) > 0)):
                    continue
                gain = (band_penalty(la, lo, hi) + band_penalty(lb, lo, hi)
                        - band_penalty(la - su, lo, hi) - band_penalty(lb + su, lo, hi))
                out.append((gain, su, gain / su, u, b))
    return out


def _best_move(state: _State, free: set[str], compliant0: set[str], lo: float,
               hi: float) -> list[tuple[str, str]] | None:
    cands = [m for m in _moves_from(state, free, compliant0, lo, hi) if m[0] > 1e-9]
    if not cands:
        return None
    # Least (households moved - violation removed): a move between an over and an under grid
    # is progress for free; ties: more violation removed, fewer households, then ids.
    best = min(cands, key=lambda m: (m[1] - m[0], -m[0], m[1], m[3], m[4]))
    return [(best[3], best[4])]


def _best_chain(state: _State, free: set[str], compliant0: set[str], lo: float,
                hi: float) -> list[tuple[str, str]] | None:
    """The best two-move chain a -> b, then b -> c, with a positive total gain (c may be a:
    a swap of two units between a and b).

    The middle grid ``b`` may leave the band after the first move (that is what the chain
    is for) but every grid compliant at the start must be back in the band after the second.
    """
    best: tuple[tuple[float, float, str, str], list[tuple[str, str]]] | None = None
    firsts = [m for m in _moves_from(state, free, compliant0, lo, hi, strict=False)
              if band_penalty(state.load[state.assign[m[3]]], lo, hi) > 0 or band_penalty(state.load[m[4]], lo, hi) > 0]
    firsts.sort(key=lambda m: (m[1] - m[0], m[1], m[3], m[4]))
    for gain1, s1, _, u, b in firsts[:200]:
        a = state.assign[u]
        state.move(u, b)
        try:
            if a in compliant0 and band_penalty(state.load[a], lo, hi) > 0:
                continue
            seconds = [m for m in _moves_from(state, free, compliant0, lo, hi, strict=False, donors=[b])
                       if m[3] != u]
            for gain2, s2, _, v, c in seconds:
                total = gain1 + gain2
                if total <= 1e-9:
                    continue
                sb = state.load[b] - state.size[v]
                sc = state.load[c] + state.size[v]
                if (b in compliant0 and band_penalty(sb, lo, hi) > 0) or (c in compliant0 and band_penalty(sc, lo, hi) > 0):
                    continue
                key = (s1 + s2 - total, s1 + s2, u, v)
                if best is None or key < best[0]:
                    best = (key, [(u, b), (v, c)])
        finally:
            state.move(u, a)
    return best[1] if best else None


def _hint(state: _State, g: str, free: set[str], locked: Iterable[str], lo: float, hi: float,
          col: str) -> dict[str, str]:
    load = state.load[g]
    issue = []
    if not state.is_whole(g):
        issue.append("not contiguous")
    if load > hi:
        issue.append(f"{load:.0f} {col.replace('_', ' ')} > {hi:.0f}")
    elif load < lo:
        issue.append(f"{load:.0f} {col.replace('_', ' ')} < {lo:.0f}")
    neighbours = sorted({state.assign[v] for u in state.members[g] for v in state.nbrs.get(u, ())
                         if state.assign[v] != g and state.comm[v] == state.comm[u]})
    what = col.replace("_", " ")
    big = max(state.members[g], key=lambda u: (state.size[u], u))
    cid = state.comm[big]
    comm_total = state.comm_total[cid]
    if g in set(locked):
        hint = "the planner locked this grid; unlock it to repair it"
    elif state.size[big] > hi:
        hint = (f"unit {big} alone holds {state.size[big]:.0f} {what} (> {hi:.0f}); split that estate "
                "by its buildings")
    elif load < lo and comm_total < lo:
        hint = (f"the whole community {cid} holds only {comm_total:.0f} {what} (< {lo:.0f}); merge it with a "
                "neighbouring community or accept a small grid")
    elif not neighbours:
        hint = "no other grid in its community; accept it or re-grid the community"
    elif all(n not in free for n in neighbours):
        hint = (f"all its neighbours ({', '.join(neighbours)}) are compliant and locked by the repair rule; "
                f"unlock one of them (unlocked=[...]) or re-optimise")
    else:
        hint = (f"no move between it and its free neighbours "
                f"({', '.join(n for n in neighbours if n in free)}) keeps them in band and contiguous; "
                "unlock more neighbours or re-optimise")
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
    frame = pd.DataFrame({"old": [old.assignment[u] for u in hh.index],
                          "new": [new.assignment[u] for u in hh.index], "hh": hh.to_numpy()})
    overlap = frame.groupby(["old", "new"])["hh"].sum().unstack(fill_value=0.0)
    rows, cols = linear_sum_assignment(overlap.to_numpy(), maximize=True)
    kept = float(overlap.to_numpy()[rows, cols].sum())
    return float(hh.sum()) - kept



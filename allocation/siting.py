"""Facility siting: where the next estate service posts should go.

Four models, each a class with ``from_cost_matrix`` (arrays) and ``from_layers`` (estates,
facilities and candidates of a :class:`geo.data.schema.Layers`, distances from
:func:`geo.network.walk.distance_matrix`), and ``solve()`` returning a :class:`SitingResult`:

* :class:`LSCP` -- fewest new posts so that every demand point is within ``radius``;
* :class:`MCLP` -- most weight within ``radius`` with ``p`` new posts;
* :class:`PMedian` -- least total weighted distance with ``p`` new posts (optional capacities);
* :class:`PCenter` -- least largest distance with ``p`` new posts.

Existing facilities are *fixed* candidates: always open, counted in every objective, and
never part of ``p`` (``p`` counts NEW posts only; spopt counts them inside ``p``).
Every model is solved exactly with HiGHS from sparse arrays; a greedy or vertex-substitution
solution is only a warm start. When the time limit stops the proof, the best solution found
is returned with its gap and ``status="time_limit"``. The mathematics is in the class
docstrings and ``docs/siting.md``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self, SupportsFloat

import numpy as np
import scipy.sparse as sp

from allocation import _cpsat, _lagrange, _race, _reduce
from allocation import _formulations as _f
from allocation import _heuristics as _h
from allocation._highs import MipOutcome, solve_mip
from geo.errors import InfeasibleError, Problem, ValidationError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from geo.data.schema import Layers

log = logging.getLogger(__name__)

#: Callback receiving progress messages (one line each).
Progress = Callable[[str], None]

__all__ = [
    "CURVE_LABELS",
    "LSCP",
    "MCLP",
    "PCenter",
    "PMedian",
    "SitingInputs",
    "SitingResult",
    "coverage_curve",
    "plot_coverage_curve",
]


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, eq=False)
class SitingInputs:
    """Validated arrays shared by every model.

    Attributes
    ----------
    cost : ndarray, shape (n_demand, n_candidates)
        Distances in metres (``inf`` = unreachable). Read-only copy.
    weights : ndarray, shape (n_demand,)
        Demand weights (households by default), non-negative.
    fixed : ndarray of bool, shape (n_candidates,)
        Candidates already open (existing facilities).
    demand_ids, candidate_ids : tuple of str
    """

    cost: np.ndarray
    weights: np.ndarray
    fixed: np.ndarray
    demand_ids: tuple[str, ...]
    candidate_ids: tuple[str, ...]

    @property
    def n_free(self) -> int:
        """Candidates that are not already open."""
        return int((~self.fixed).sum())

    @property
    def free_cost(self) -> np.ndarray:
        return self.cost[:, ~self.fixed]

    @property
    def d_fix(self) -> np.ndarray:
        """Distance from each demand point to its nearest existing facility (``inf`` if none)."""
        if not self.fixed.any():
            return np.full(self.cost.shape[0], np.inf)
        nearest: np.ndarray = self.cost[:, self.fixed].min(axis=1)
        return nearest

    def free_index(self) -> np.ndarray:
        """Column index in ``cost`` of each free candidate."""
        return np.flatnonzero(~self.fixed)


def _ids(
    ids: Sequence[object] | None, n: int, name: str, problems: list[Problem]
) -> tuple[str, ...]:
    if ids is None:
        return tuple(str(i) for i in range(n))
    out = tuple(str(i) for i in ids)
    if len(out) != n:
        problems.append(
            Problem(
                name,
                f"{len(out)} ids given for {n} rows/columns of the cost matrix.",
                f"give exactly one id per {'row' if name == 'demand_ids' else 'column'}.",
                code="s_ids_count",
                params={"n": len(out), "rows": n},
            )
        )
    elif len(set(out)) != n:
        dup = sorted({i for i in out if out.count(i) > 1})[:5]
        problems.append(
            Problem(
                name,
                f"duplicate ids {dup}.",
                "make every id unique.",
                code="s_ids_duplicate",
                params={"ids": ", ".join(dup)},
            )
        )
    return out


def _sample(ids: Sequence[str], mask: np.ndarray, k: int = 5) -> str:
    picked = [ids[i] for i in np.flatnonzero(mask)[:k]]
    more = int(mask.sum()) - len(picked)
    return ", ".join(picked) + (f" (+{more} more)" if more > 0 else "")


def make_inputs(
    cost: Any,
    *,
    weights: Any = None,
    fixed: Any = None,
    demand_ids: Sequence[object] | None = None,
    candidate_ids: Sequence[object] | None = None,
) -> SitingInputs:
    """Validate a cost matrix and its companions; report every problem at once.

    Parameters
    ----------
    cost : array-like, shape (n_demand, n_candidates)
        Distances in metres; ``inf`` marks an unreachable pair; NaN and negatives are refused.
    weights : array-like or None
        Demand weights (default 1 each); NaN and negatives are refused.
    fixed : array-like or None
        Candidates already open: a boolean mask over candidates, or candidate ids.
    demand_ids, candidate_ids : sequence or None
        Ids (default ``"0", "1", ...``).

    Raises
    ------
    ValidationError
        Listing every problem (the argument, the offending ids, the fix).
    """
    problems: list[Problem] = []
    try:
        c = np.array(cost, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            [
                Problem(
                    "cost",
                    f"not a numeric matrix ({exc}).",
                    "give distances in metres, one row per demand point.",
                    code="s_cost_not_numeric",
                    params={"msg": str(exc)},
                )
            ]
        ) from exc
    if c.ndim != 2 or 0 in c.shape:
        raise ValidationError(
            [
                Problem(
                    "cost",
                    f"must be a non-empty 2-D matrix, got shape {c.shape}.",
                    "give one row per demand point and one column per candidate.",
                    code="s_cost_shape",
                    params={"shape": str(c.shape)},
                )
            ]
        )
    n, m = c.shape
    d_ids = _ids(demand_ids, n, "demand_ids", problems)
    c_ids = _ids(candidate_ids, m, "candidate_ids", problems)
    if np.isnan(c).any():
        rows = np.asarray(np.isnan(c).any(axis=1))
        problems.append(
            Problem(
                "cost",
                f"NaN distances in the rows of demand {_sample(d_ids, rows)}.",
                "use inf for an unreachable pair, or fix the distances.",
                field="cost",
                code="s_cost_nan",
                params={"ids": _sample(d_ids, rows)},
            )
        )
    if (c < 0).any():
        rows = np.asarray((c < 0).any(axis=1))
        problems.append(
            Problem(
                "cost",
                f"negative distances in the rows of demand {_sample(d_ids, rows)}.",
                "distances must be >= 0 metres.",
                code="s_cost_negative",
                params={"ids": _sample(d_ids, rows)},
            )
        )
    w = np.ones(n) if weights is None else np.array(weights, dtype=np.float64).ravel()
    if w.shape != (n,):
        problems.append(
            Problem(
                "weights",
                f"{w.size} weights for {n} demand points.",
                "give one weight per demand point (row of the cost matrix).",
                code="s_weights_count",
                params={"n": w.size, "rows": n},
            )
        )
        w = np.ones(n)
    elif np.isnan(w).any():
        problems.append(
            Problem(
                "weights",
                f"NaN weight for demand {_sample(d_ids, np.isnan(w))}.",
                "give every demand point a number (0 if nobody lives there).",
                code="s_weights_nan",
                params={"ids": _sample(d_ids, np.isnan(w))},
            )
        )
    elif (w < 0).any() or np.isinf(w).any():
        problems.append(
            Problem(
                "weights",
                f"negative or infinite weight for demand {_sample(d_ids, (w < 0) | np.isinf(w))}.",
                "weights must be finite and >= 0.",
                code="s_weights_bad",
                params={"ids": _sample(d_ids, (w < 0) | np.isinf(w))},
            )
        )
    mask = _fixed_mask(fixed, c_ids, problems)
    if problems:
        raise ValidationError(problems, title="the siting inputs are not usable")
    c.setflags(write=False)
    w.setflags(write=False)
    mask.setflags(write=False)
    return SitingInputs(c, w, mask, d_ids, c_ids)


def _fixed_mask(fixed: Any, c_ids: tuple[str, ...], problems: list[Problem]) -> np.ndarray:
    m = len(c_ids)
    if fixed is None:
        return np.zeros(m, dtype=bool)
    arr = np.asarray(fixed)
    if arr.dtype == bool:
        if arr.shape != (m,):
            problems.append(
                Problem(
                    "fixed",
                    f"boolean mask of length {arr.size} for {m} candidates.",
                    "give one flag per candidate, or a list of candidate ids.",
                    code="s_fixed_mask",
                    params={"n": arr.size, "m": m},
                )
            )
            return np.zeros(m, dtype=bool)
        return arr.copy()
    pos = {cid: j for j, cid in enumerate(c_ids)}
    wanted = [str(v) for v in np.atleast_1d(arr).tolist()]
    unknown = [v for v in wanted if v not in pos]
    if unknown:
        problems.append(
            Problem(
                "fixed",
                f"unknown candidate ids {unknown[:5]}.",
                "list ids that appear among the candidates (cost matrix columns).",
                code="s_fixed_unknown",
                params={"ids": ", ".join(unknown[:5])},
            )
        )
    mask = np.zeros(m, dtype=bool)
    mask[[pos[v] for v in wanted if v in pos]] = True
    return mask


def _check_p(p: SupportsFloat | str | None, inputs: SitingInputs, model: str) -> int:
    if p is None or isinstance(p, bool) or not float(p).is_integer() or float(p) < 0:
        raise ValidationError(
            [
                Problem(
                    "p",
                    f"{model} needs `p`, the number of NEW posts, as an integer >= 0; got {p!r}.",
                    "pass p=1 or more (--posts).",
                    code="s_p_bad",
                    params={"model": model, "p": repr(p)},
                )
            ]
        )
    p_int = int(float(p))
    if p_int > inputs.n_free:
        raise InfeasibleError(
            f"{model}: p={p_int} new posts requested but only {inputs.n_free} candidate(s) are not "
            f"already open ({int(inputs.fixed.sum())} fixed of {inputs.fixed.size}). "
            f"Fix: lower `p` (--posts) to at most {inputs.n_free}, or add candidate sites.",
            code="s_p_too_many",
            model=model,
            p=p_int,
            free=inputs.n_free,
            fixed=int(inputs.fixed.sum()),
            total=inputs.fixed.size,
        )
    return p_int


def _check_radius(radius: object, model: str) -> float:
    try:
        r = float(radius)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        r = float("nan")
    if radius is None or not math.isfinite(r) or r <= 0:
        raise ValidationError(
            [
                Problem(
                    "radius",
                    f"{model} needs a service radius in metres > 0, got {radius!r}.",
                    "pass e.g. radius=500 (--radius 500), a life-circle distance.",
                    code="s_radius_bad",
                    params={"model": model, "radius": repr(radius)},
                )
            ]
        )
    return r


def _unused(model: str, **given: object) -> None:
    bad = [k for k, v in given.items() if v is not None]
    if bad:
        raise ValidationError(
            [
                Problem(
                    k,
                    f"{model} does not use `{k}`.",
                    f"drop `{k}` or choose another model.",
                    code="s_unused",
                    params={"model": model, "arg": k},
                )
                for k in bad
            ]
        )


# --------------------------------------------------------------------------- result


def _json(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, dict):
        return {str(k): _json(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_json(x) for x in v]
    return v


@dataclass(frozen=True)
class SitingResult:
    """The outcome of one siting solve.

    Attributes
    ----------
    model : str
        ``"lscp"``, ``"mclp"``, ``"pmedian"`` or ``"pcenter"``.
    objective : float
        LSCP: number of new posts; MCLP: covered weight (existing facilities' coverage
        included); p-median: total weighted distance (weight x metres); p-center: largest
        distance (m). Always recomputed from the selection on the full cost matrix.
    bound : float
        Proven bound on the optimum (lower for minimisation, upper for MCLP).
    gap : float
        Relative gap between ``objective`` and ``bound`` (0.0 when proven optimal).
    status : str
        ``"optimal"`` (proven), or ``"time_limit"`` (best found, not proven: see ``gap``).
    selected : tuple of str
        New posts (candidate ids), sorted.
    fixed : tuple of str
        Existing facilities kept open.
    seconds : float
        Wall time of model build and solve, in seconds.
    assignment : dict
        Demand id -> nearest open candidate id (capacitated p-median: the assigned one);
        ``None`` for an excluded demand point.
    distance_m : dict
        Demand id -> distance to its assigned site, metres (``None`` if unreachable).
    covered_weight, total_weight : float or None
        Weight within ``radius`` of an open site (models with a radius), and all weight.
    p, radius : int or float or None
        The parameters used.
    excluded : tuple of str
        Demand points left out because no candidate can reach them (LSCP: within the radius).
    message : str
        One sentence for the planner (what was proven, what was excluded).
    stats : dict
        Model size and timings (rows, columns, non-zeros, levels, build/solve seconds ...).
    """

    model: str
    objective: float
    bound: float
    gap: float
    status: str
    selected: tuple[str, ...]
    fixed: tuple[str, ...]
    seconds: float
    assignment: dict[str, str | None]
    distance_m: dict[str, float | None]
    covered_weight: float | None
    total_weight: float
    p: int | None
    radius: float | None
    excluded: tuple[str, ...] = ()
    message: str = ""
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def optimal(self) -> bool:
        """True when the solver proved the objective optimal."""
        return self.status == "optimal"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (non-finite floats become ``None``)."""
        return {k: _json(getattr(self, k)) for k in self.__dataclass_fields__}


def _status(outcome_status: str, gap: float) -> str:
    return "optimal" if outcome_status == "optimal" or gap <= 1e-9 else "time_limit"


class _Model:
    """Shared plumbing: inputs, layer path, result assembly."""

    name = ""
    _needs_radius = False

    def __init__(self, inputs: SitingInputs, *, p: int | None, radius: float | None) -> None:
        self.inputs = inputs
        self.p = p
        self.radius = radius
        #: How the model was built (``from_layers``: distance method, candidate source ...).
        self.meta: dict[str, Any] = {}
        #: The demand / site geometry when built by ``from_layers`` (``allocation._layers.SitingArrays``).
        self.arrays: Any = None

    @classmethod
    def from_cost_matrix(
        cls,
        cost: Any,
        *,
        weights: Any = None,
        fixed: Any = None,
        p: int | None = None,
        radius: float | None = None,
        capacities: Any = None,
        demand_ids: Sequence[object] | None = None,
        candidate_ids: Sequence[object] | None = None,
    ) -> Self:
        """Build from a demand x candidate cost matrix in metres; each model defines it."""
        raise NotImplementedError(f"{cls.__name__} does not define from_cost_matrix")

    def __repr__(self) -> str:
        n, m = self.inputs.cost.shape
        return (
            f"{type(self).__name__}(n_demand={n}, n_candidates={m}, fixed={int(self.inputs.fixed.sum())}, "
            f"p={self.p}, radius={self.radius})"
        )

    @classmethod
    def from_layers(
        cls,
        layers: Layers,
        *,
        network: object = None,
        weight: str = "households",
        candidates: Any = None,
        p: int | None = None,
        radius: float | None = None,
        capacities: Any = None,
    ) -> Any:
        """Build the model from a :class:`~geo.data.schema.Layers` bundle (metric CRS).

        Demand = estates (representative points, weighted by ``weight``); existing
        facilities are appended as fixed candidates; new candidates are ``candidates``
        (points), else ``layers.candidates``, else the representative points of estates not
        already within ``radius`` (or all estates), else a grid of walkable network nodes.
        Distances come from :func:`geo.network.walk.distance_matrix` (walking, or straight line
        x detour factor when no network is available; the method used is in ``.meta``).
        ``capacities`` (p-median only): one per site, new candidates first, existing last.
        LSCP and MCLP cut the distance search at ``radius``.
        """
        from allocation._layers import siting_arrays
        from geo.network.walk import as_walk_network, layers_network, require_network_near

        if cls._needs_radius:
            _check_radius(radius, cls.__name__)
        net = (
            as_walk_network(network, layers.crs) if network is not None else layers_network(layers)
        )
        require_network_near(net, layers.estates.geometry.representative_point(), layer="estates")
        arrays = siting_arrays(
            layers,
            network=net,
            weight=weight,
            candidates=candidates,
            radius=radius,
            cutoff_m=radius if cls._needs_radius else None,
        )
        model = cls.from_cost_matrix(
            arrays.cost,
            weights=arrays.weights,
            fixed=arrays.fixed,
            p=p,
            radius=radius,
            capacities=capacities,
            demand_ids=arrays.demand_ids,
            candidate_ids=arrays.candidate_ids,
        )
        model.meta = dict(arrays.meta)
        model.arrays = arrays
        return model

    # result helpers ---------------------------------------------------------
    def _nearest(self, open_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cost = self.inputs.cost
        if not open_mask.any():
            n = cost.shape[0]
            return np.full(n, -1), np.full(n, np.inf)
        sub = cost[:, open_mask]
        k = np.argmin(sub, axis=1)
        d = sub[np.arange(cost.shape[0]), k]
        cols = np.flatnonzero(open_mask)[k]
        return np.where(np.isfinite(d), cols, -1), d

    def _result(
        self,
        *,
        selected_cols: np.ndarray,
        objective: float,
        bound: float,
        status: str,
        seconds: float,
        excluded: np.ndarray | None = None,
        message: str = "",
        stats: dict[str, Any] | None = None,
        assign_cols: np.ndarray | None = None,
    ) -> SitingResult:
        inp = self.inputs
        open_mask = inp.fixed.copy()
        open_mask[selected_cols] = True
        cols, d = self._nearest(open_mask)
        if assign_cols is not None:
            cols = assign_cols
            d = np.where(cols >= 0, inp.cost[np.arange(cols.size), np.maximum(cols, 0)], np.inf)
        excl = np.zeros(cols.size, dtype=bool) if excluded is None else excluded
        cid, did = inp.candidate_ids, inp.demand_ids
        assignment = {
            did[i]: (None if excl[i] or cols[i] < 0 else cid[cols[i]]) for i in range(cols.size)
        }
        dist = {
            did[i]: (None if excl[i] or not np.isfinite(d[i]) else float(d[i]))
            for i in range(cols.size)
        }
        covered = None
        if self.radius is not None:
            covered = float(inp.weights[d <= self.radius].sum())
        gap = 0.0 if status == "optimal" else _rel_gap(objective, bound)
        return SitingResult(
            model=self.name,
            objective=float(objective),
            bound=float(bound),
            gap=gap,
            status=status,
            selected=tuple(sorted(cid[j] for j in selected_cols)),
            fixed=tuple(cid[j] for j in np.flatnonzero(inp.fixed)),
            seconds=float(seconds),
            assignment=assignment,
            distance_m=dist,
            covered_weight=covered,
            total_weight=float(inp.weights.sum()),
            p=self.p,
            radius=self.radius,
            excluded=tuple(did[i] for i in np.flatnonzero(excl)),
            message=message,
            stats=stats or {},
        )


def _rel_gap(objective: float, bound: float) -> float:
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return float("inf")
    return abs(objective - bound) / max(abs(objective), 1e-9)


def _say(progress: Progress | None, text: str) -> None:
    log.info(text)
    if progress is not None:
        progress(text)


def _time_note(status: str, gap: float, time_limit: float) -> str:
    if status == "optimal":
        return "proven optimal"
    return (
        f"time limit of {time_limit:g} s reached: best solution found, not proven optimal "
        f"(gap {100 * gap:.2f}%); raise the time limit for a proof"
    )


# --------------------------------------------------------------------------- LSCP


#: The common base of the four models (for annotations in the shells).
SitingModel = _Model


class LSCP(_Model):
    r"""Location set covering: the fewest NEW posts so that every demand point is within ``radius``.

    With :math:`N_i = \{j : d_{ij} \le r\}` the free candidates covering demand :math:`i`,
    :math:`F` the existing facilities and :math:`I' = \{i : N_i \ne \emptyset,
    \min_{f \in F} d_{if} > r\}` the demand not yet covered but coverable::

        min  sum_j y_j
        s.t. sum_{j in N_i} y_j >= 1     for i in I'
             y_j in {0, 1}

    Demand already within ``radius`` of an existing facility is dropped from the model (it
    is covered); demand no candidate can reach within ``radius`` is excluded and listed in
    ``SitingResult.excluded``. Rows with the same covering set are merged. Weights are not
    used (every demand point must be covered); ``objective`` = number of new posts.

    Before HiGHS, the matrix is reduced exactly (:func:`allocation._reduce.reduce_cover`:
    row domination, column domination, essential columns, iterated); the counts are in
    ``stats["reduction"]``. The objective is an integer, so a gap below 1 is a proof.

    Examples
    --------
    >>> LSCP.from_cost_matrix([[100., 900.], [800., 200.]], radius=300).solve().objective
    2.0
    """

    name = "lscp"
    _needs_radius = True

    @classmethod
    def from_cost_matrix(
        cls,
        cost: Any,
        *,
        weights: Any = None,
        fixed: Any = None,
        p: int | None = None,
        radius: float | None = None,
        capacities: Any = None,
        demand_ids: Sequence[object] | None = None,
        candidate_ids: Sequence[object] | None = None,
    ) -> LSCP:
        """Build from a demand x candidate cost matrix in metres (see :func:`make_inputs`)."""
        _unused("LSCP", p=p, capacities=capacities)
        r = _check_radius(radius, "LSCP")
        inputs = make_inputs(
            cost, weights=weights, fixed=fixed, demand_ids=demand_ids, candidate_ids=candidate_ids
        )
        return cls(inputs, p=None, radius=r)

    def solve(self, *, time_limit: float = 60.0, progress: Progress | None = None) -> SitingResult:
        """Solve exactly with HiGHS (greedy cover as warm start)."""
        t0 = time.perf_counter()
        inp, r = self.inputs, float(self.radius)  # type: ignore[arg-type]
        free = inp.free_index()
        covered_fix = inp.d_fix <= r
        a_all = _f.cover_matrix(inp.free_cost, r)
        reach = np.asarray(a_all.sum(axis=1)).ravel() > 0
        excluded = ~covered_fix & ~reach
        rows = np.flatnonzero(~covered_fix & reach)
        note = ""
        if excluded.any():
            note = (
                f"{int(excluded.sum())} demand point(s) cannot be reached within {r:g} m by any "
                f"candidate and are excluded: {_sample(inp.demand_ids, excluded)}. "
                "Add candidates near them or raise the radius. "
            )
        if rows.size == 0:
            return self._result(
                selected_cols=np.array([], dtype=int),
                objective=0.0,
                bound=0.0,
                status="optimal",
                seconds=time.perf_counter() - t0,
                excluded=excluded,
                message=note + "Existing facilities already cover every reachable demand point.",
            )
        a, _, _ = _f.group_rows(a_all[rows])
        red = _reduce.reduce_cover(a)
        ar = red.matrix(a)
        _say(
            progress,
            f"LSCP: {a.shape[0]} distinct covering sets x {a.shape[1]} candidates, "
            f"reduced to {ar.shape[0]} x {ar.shape[1]} with {red.forced.size} essential "
            "site(s)",
        )
        if ar.shape[0] == 0:  # the essential sites cover everything: nothing left to decide
            sel = red.forced
            return self._result(
                selected_cols=free[sel],
                objective=float(sel.size),
                bound=float(sel.size),
                status="optimal",
                seconds=time.perf_counter() - t0,
                excluded=excluded,
                message=note + f"{sel.size} new post(s): proven optimal (every one essential).",
                stats={
                    "reduction": red.removed,
                    "formulation": "set covering, solved by reductions",
                },
            )
        warm = _h.drop_redundant(ar, _h.greedy_cover(ar))
        start = np.zeros(ar.shape[1])
        start[warm] = 1.0
        problem = _f.lscp_problem(ar)
        build = time.perf_counter() - t0
        # the objective counts posts: a gap below 1 proves optimality
        race = _race.race(
            max(time_limit - build, 0.01),
            start,
            lambda limit, x0, stop, on_solution: solve_mip(
                problem,
                time_limit=limit,
                start=x0,
                options={"mip_abs_gap": _INTEGRAL_GAP},
                stop=stop,
                on_solution=on_solution,
            ),
            lambda limit, x0, on_solver: _cpsat.solve_cover(
                ar, x0, time_limit=limit, on_solver=on_solver
            ),
            clean=lambda x: _clean_cover(ar, x),
            maximise=False,
            first_seconds=_HIGHS_FIRST_SECONDS,
        )
        out, start = race.outcome, race.start
        # never trust a returned x that does not cover every row
        covering = _clean_cover(ar, out.x) if out.x is not None else None
        x = start if covering is None else covering
        sel = np.sort(np.concatenate([red.cols[x > 0.5], red.forced]))
        objective = float(sel.size)
        n_forced = float(red.forced.size)
        # stopped before any bound: the reduced model has a row left, so one post at least
        lower = max(out.bound, 1.0) if math.isfinite(out.bound) else 1.0
        status = _status(out.status, _rel_gap(objective, lower + n_forced))
        bound = objective if status == "optimal" else math.ceil(lower + n_forced - 1e-6)
        return self._result(
            selected_cols=free[sel],
            objective=objective,
            bound=bound,
            status=status,
            seconds=time.perf_counter() - t0,
            excluded=excluded,
            message=note
            + f"{sel.size} new post(s): {_time_note(status, _rel_gap(objective, bound), time_limit)}.",
            stats=_stats(
                problem,
                out,
                build,
                warm_objective=float(warm.size) + n_forced,
                reduction=red.removed,
                **_race_stats(race, offset=n_forced),
            ),
        )


#: HiGHS absolute gap for integer objectives (post counts, integer weights): below 1 is a proof.
_INTEGRAL_GAP = 0.99

#: Seconds HiGHS gets alone on a reduced LSCP / MCLP model before CP-SAT (one worker,
#: ``allocation._cpsat``) starts beside it (``allocation._race``: the first proof wins), when
#: ``ortools`` is installed. Chosen by measurement
#: (bench/bench_siting_solvers.py, the same reduced models side by side, docs/benchmarks.md):
#: most models are proven by HiGHS in well under a second, where CP-SAT is no faster and its
#: first import cost 2.5-3 s on the shared machine at load 12; the models HiGHS needs seconds
#: for, CP-SAT proved sooner (LSCP at 1,000 x 250: slowest 2.33 s -> 0.41 s; MCLP 6.6 -> 1.1 s).
_HIGHS_FIRST_SECONDS = 1.0


def _clean_cover(a: sp.csr_array, x: np.ndarray) -> np.ndarray | None:
    """``x`` rounded, if it covers every row of ``a`` (a hint for CP-SAT), else None."""
    y = np.round(x)
    return y if bool(np.all(a @ y >= 1)) else None


def _clean_max_cover(a: sp.csr_array, p: int, x: np.ndarray) -> np.ndarray | None:
    """``[y, c]`` with ``y`` rounded and ``c`` = covered, if at most ``p`` posts, else None."""
    y = np.round(x[: a.shape[1]])
    if y.sum() > p:
        return None
    return np.concatenate([y, (a @ y > 0).astype(np.float64)])


def _race_stats(race: _race.RaceResult, *, offset: float = 0.0) -> dict[str, Any]:
    """``solver`` and, when CP-SAT took part, ``race`` (each arm's figures) for ``stats``."""
    if not race.detail:
        return {"solver": race.solver}
    detail = dict(race.detail)
    for arm in (_race.HIGHS, _race.CPSAT):  # LSCP: the essential posts count in the figures
        if arm in detail:
            figures = dict(detail[arm])
            for key in ("objective", "bound"):
                if figures[key] is not None:
                    figures[key] = figures[key] + offset
            detail[arm] = figures
    return {"solver": race.solver, "race": detail}


def _stats(problem: Any, out: MipOutcome, build: float, **extra: Any) -> dict[str, Any]:
    rows, cols = problem.shape
    return {
        "rows": rows,
        "columns": cols,
        "nonzeros": int(problem.a.nnz),
        "build_seconds": round(build, 4),
        "solve_seconds": round(out.seconds, 4),
        "solver_status": out.status,
        **extra,
    }


# --------------------------------------------------------------------------- MCLP


class MCLP(_Model):
    r"""Maximal covering: the most demand weight within ``radius`` with ``p`` NEW posts.

    With :math:`N_i` the free candidates within ``radius`` of demand :math:`i`, :math:`w_i`
    the weights, and only demand not already covered by an existing facility in the model::

        max  sum_i w_i c_i  (+ weight already covered by existing facilities)
        s.t. c_i <= sum_{j in N_i} y_j      for each uncovered demand i
             sum_j y_j <= p
             y_j in {0, 1},  0 <= c_i <= 1

    (``c_i`` is integral at any integer ``y``.) Demand points with the same covering set
    are merged (weights summed); demand no candidate reaches adds nothing and is dropped.
    ``objective`` = covered weight including the existing facilities' coverage. Fewer than
    ``p`` posts are returned only when extra posts would cover nothing more.

    Dominated candidates (covering a subset of another's demand) are dropped first
    (:func:`allocation._reduce.reduce_max_cover`, counts in ``stats["reduction"]``); the
    warm start is greedy + interchange (:func:`allocation._heuristics.swap_cover`).

    Examples
    --------
    >>> MCLP.from_cost_matrix([[100., 900.], [800., 200.]], weights=[5, 3], p=1,
    ...                       radius=300).solve().objective
    5.0
    """

    name = "mclp"
    _needs_radius = True

    @classmethod
    def from_cost_matrix(
        cls,
        cost: Any,
        *,
        weights: Any = None,
        fixed: Any = None,
        p: int | None = None,
        radius: float | None = None,
        capacities: Any = None,
        demand_ids: Sequence[object] | None = None,
        candidate_ids: Sequence[object] | None = None,
    ) -> MCLP:
        """Build from a demand x candidate cost matrix in metres (see :func:`make_inputs`)."""
        _unused("MCLP", capacities=capacities)
        r = _check_radius(radius, "MCLP")
        inputs = make_inputs(
            cost, weights=weights, fixed=fixed, demand_ids=demand_ids, candidate_ids=candidate_ids
        )
        return cls(inputs, p=_check_p(p, inputs, "MCLP"), radius=r)

    def with_p(self, p: int) -> MCLP:
        """The same instance with another number of new posts."""
        return MCLP(self.inputs, p=_check_p(p, self.inputs, "MCLP"), radius=self.radius)

    def solve(
        self,
        *,
        time_limit: float = 60.0,
        progress: Progress | None = None,
        warm_start: Iterable[str] | None = None,
    ) -> SitingResult:
        """Solve exactly with HiGHS.

        Parameters
        ----------
        time_limit : float
            Seconds for build and solve.
        progress : callable or None
            Receives one-line progress messages.
        warm_start : iterable of str or None
            Candidate ids of a feasible selection (at most ``p``) to start from; the greedy
            solution is used when it is better.
        """
        t0 = time.perf_counter()
        inp, r, p = self.inputs, float(self.radius), int(self.p)  # type: ignore[arg-type]
        free = inp.free_index()
        covered_fix = inp.d_fix <= r
        base = float(inp.weights[covered_fix].sum())
        a_all = _f.cover_matrix(inp.free_cost, r)
        reach = np.asarray(a_all.sum(axis=1)).ravel() > 0
        rows = np.flatnonzero(~covered_fix & reach & (inp.weights > 0))
        if rows.size == 0 or p == 0:
            return self._result(
                selected_cols=np.array([], dtype=int),
                objective=base,
                bound=base,
                status="optimal",
                seconds=time.perf_counter() - t0,
                message="No new post can add coverage."
                if p
                else "p = 0: existing facilities only.",
            )
        a0, _, w = _f.group_rows(a_all[rows], inp.weights[rows])
        red = _reduce.reduce_max_cover(a0)
        a = red.matrix(a0)
        _say(
            progress,
            f"MCLP: {a0.shape[0]} distinct covering sets x {a0.shape[1]} candidates "
            f"({red.removed['cols_dominated']} dominated), p={p}",
        )
        greedy = _h.swap_cover(
            a, w, _h.greedy_cover(a, w, p), time_budget=min(2.0, 0.05 * time_limit)
        )
        warm = greedy
        if warm_start is not None:
            pos = {inp.candidate_ids[free[c]]: k for k, c in enumerate(red.cols)}
            given = np.array(sorted(pos[c] for c in warm_start if c in pos), dtype=np.int64)[:p]
            if _covered(a, w, given) >= _covered(a, w, greedy):
                warm = given
        start = np.zeros(a.shape[1] + a.shape[0])
        start[warm] = 1.0
        start[a.shape[1] :] = (a[:, warm].sum(axis=1) > 0) if warm.size else 0.0
        problem = _f.mclp_problem(a, w, p, offset=base)
        build = time.perf_counter() - t0
        integral = bool(np.all(w == np.round(w)))  # integer weights: a gap below 1 is a proof
        options = dict(_MCLP_OPTIONS, **({"mip_abs_gap": _INTEGRAL_GAP} if integral else {}))
        race = _race.race(
            max(time_limit - build, 0.01),
            start,
            lambda limit, x0, stop, on_solution: solve_mip(
                problem,
                time_limit=limit,
                start=x0,
                options=options,
                stop=stop,
                on_solution=on_solution,
            ),
            # CP-SAT needs integer weights
            (
                lambda limit, x0, on_solver: _cpsat.solve_max_cover(
                    a, w, p, x0, time_limit=limit, offset=base, on_solver=on_solver
                )
            )
            if integral
            else None,
            clean=lambda x: _clean_max_cover(a, p, x),
            maximise=True,
            first_seconds=_HIGHS_FIRST_SECONDS,
        )
        out, start = race.outcome, race.start
        y = out.x[: a.shape[1]] if out.x is not None else start[: a.shape[1]]
        sel = np.flatnonzero(y > 0.5)
        objective = base + _covered(a, w, sel)
        if _covered(a, w, warm) > objective - base:  # never return worse than the warm start
            sel, objective = warm, base + _covered(a, w, warm)
        bound = max(out.bound, objective) if math.isfinite(out.bound) else float("inf")
        status = _status(out.status, _rel_gap(objective, bound))
        bound = objective if status == "optimal" else bound
        extra = f" ({p - sel.size} more post(s) would cover nothing more)" if sel.size < p else ""
        return self._result(
            selected_cols=free[red.cols[sel]],
            objective=objective,
            bound=bound,
            status=status,
            seconds=time.perf_counter() - t0,
            message=f"{sel.size} new post(s){extra}: {_time_note(status, _rel_gap(objective, bound), time_limit)}.",
            stats=_stats(
                problem,
                out,
                build,
                warm_objective=base + _covered(a, w, greedy),
                reduction=red.removed,
                **_race_stats(race),
            ),
        )


#: HiGHS options for MCLP, chosen by measurement (bench/bench_siting.py instances, 18 per size):
#: presolve off cut the median HiGHS time 3x at 300 x 80 and 5x at 1,000 x 250 (total 2.6x).
_MCLP_OPTIONS: dict[str, object] = {"presolve": "off"}


def _covered(a: sp.csr_array, w: np.ndarray, cols: np.ndarray) -> float:
    if cols.size == 0:
        return 0.0
    hit = np.asarray(a[:, cols].sum(axis=1)).ravel() > 0
    return float(w[hit].sum())


# --------------------------------------------------------------------------- p-median


class PMedian(_Model):
    r"""p-median: the least total weighted distance with ``p`` NEW posts (existing ones open).

    Uncapacitated, solved with the radius formulation of García, Labbé & Marín (2011,
    INFORMS J. Computing 23(4)). For demand :math:`i`, sort the distinct distances to free
    candidates :math:`D_{i1} < \dots < D_{iK_i}` below :math:`G_i`, a distance within which
    an open site is guaranteed: the nearest existing facility, or the
    :math:`(m - p + 1)`-th nearest free candidate (any :math:`m - p + 1` free candidates
    contain an open one) -- this is the reduction of levels. :math:`z_{ik} = 1` when no site
    within :math:`D_{ik}` is open::

        min  sum_i w_i D_i1 + sum_i sum_k w_i (D_i,k+1 - D_ik) z_ik      (D_i,K+1 = G_i)
        s.t. z_ik + sum_{j: d_ij <= D_ik} y_j >= 1      for each i, k
             sum_j y_j = p,  y_j in {0, 1},  z_ik >= 0

    entered in the equivalent chained form ``z_ik - z_i,k-1 + sum_{d_ij = D_ik} y_j >= 0``
    (same LP bound, one non-zero per demand-candidate pair).

    Before HiGHS sees it, the model is reduced with bounds (all exact):

    1. warm start: greedy add + vertex substitution (Teitz & Bart), from the greedy and from
       seeded random starts; its value is the upper bound ``U``;
    2. Lagrangian relaxation of the assignment constraints (Beasley 1993), subgradient
       optimised: bound ``L``; a free site whose penalty ``rho_j - rho_[p]`` lifts ``L`` above
       ``U`` cannot be in a solution better than ``U`` and is removed (a chosen site can
       likewise be forced open). When every weight x distance is an integer, "better" means
       ``<= U - 1`` and ``L`` is rounded up, which also lets HiGHS stop at an absolute gap
       below 1;
    3. for small ``p`` (at most ``_BRANCH_MAX_P``): depth-first branch and bound on the
       remaining sites with the Lagrangian bound at every node (Beasley 1993,
       :func:`allocation._lagrange.branch_median`), within 80 % of the remaining time; optimal
       when its tree is exhausted, else its best solution becomes the warm start;
    4. the radius formulation on the remaining sites, warm-started; if a short first solve
       improves ``U``, step 2 is repeated with the new ``U`` before the proof.

    The warm start is kept, so sites removed in step 2 can only hold solutions no better
    than the one returned: the result is optimal when the tree of step 3 is exhausted or
    HiGHS proves the reduced model.

    With ``capacities`` (one per candidate, in weight units) the textbook single-source
    model is used instead (``x_ij`` binary assignment, ``x_ij <= y_j``,
    ``sum_i w_i x_ij <= Q_j y_j``): exact as well, but n x m variables, so slower.

    ``objective`` = sum over demand of weight x distance to the nearest open site (metres).

    Examples
    --------
    >>> PMedian.from_cost_matrix([[0., 5., 9.], [5., 0., 4.], [9., 4., 0.]], p=1).solve().objective
    9.0
    """

    name = "pmedian"

    def __init__(
        self, inputs: SitingInputs, *, p: int, capacities: np.ndarray | None = None
    ) -> None:
        super().__init__(inputs, p=p, radius=None)
        self.capacities = capacities

    @classmethod
    def from_cost_matrix(
        cls,
        cost: Any,
        *,
        weights: Any = None,
        fixed: Any = None,
        p: int | None = None,
        radius: float | None = None,
        capacities: Any = None,
        demand_ids: Sequence[object] | None = None,
        candidate_ids: Sequence[object] | None = None,
    ) -> PMedian:
        """Build from a demand x candidate cost matrix in metres (see :func:`make_inputs`).

        ``capacities``: one capacity per candidate (weight units) or None.
        """
        _unused("PMedian", radius=radius)
        inputs = make_inputs(
            cost, weights=weights, fixed=fixed, demand_ids=demand_ids, candidate_ids=candidate_ids
        )
        p_int = _check_p(p, inputs, "PMedian")
        caps = None if capacities is None else _check_capacities(capacities, inputs, p_int)
        return cls(inputs, p=p_int, capacities=caps)

    def with_p(self, p: int) -> PMedian:
        p_int = _check_p(p, self.inputs, "PMedian")
        caps = (
            None
            if self.capacities is None
            else _check_capacities(self.capacities, self.inputs, p_int)
        )
        return PMedian(self.inputs, p=p_int, capacities=caps)

    def solve(self, *, time_limit: float = 60.0, progress: Progress | None = None) -> SitingResult:
        """Solve exactly with HiGHS (vertex substitution as warm start)."""
        t0 = time.perf_counter()
        inp, p = self.inputs, int(self.p)  # type: ignore[arg-type]
        excluded = ~np.isfinite(inp.cost).any(axis=1)
        note = _excluded_note(inp, excluded)
        keep = ~excluded
        cost, w, d_fix = inp.free_cost[keep], inp.weights[keep], inp.d_fix[keep]
        free = inp.free_index()
        if self.capacities is not None:
            return self._solve_capacitated(t0, time_limit, excluded, note, progress)
        if p == 0:
            _need_open(inp, "PMedian")
            obj = float(np.sum(w[w > 0] * d_fix[w > 0]))
            return self._result(
                selected_cols=np.array([], dtype=int),
                objective=obj,
                bound=obj,
                status="optimal",
                seconds=time.perf_counter() - t0,
                excluded=excluded,
                message=note + "p = 0: existing facilities only.",
            )
        warm = _h.multistart_median(cost, w, d_fix, p, time_budget=min(5.0, 0.1 * time_limit))
        warm_obj = _median_value(cost, w, d_fix, warm)
        integral = _integral(cost, w, d_fix)
        lag, closed, opened = -np.inf, np.zeros(cost.shape[1], bool), np.zeros(cost.shape[1], bool)
        lam = None
        lag_budget = min(10.0, 0.2 * time_limit)
        if np.isfinite(warm_obj):
            lr = _h.lagrangian_median(
                cost, w, d_fix, p, warm_obj, time_budget=lag_budget, integral=integral
            )
            lag, closed, opened, lag_sites, lag_value, bound_sites, lam = lr
            target = min(warm_obj, lag_value)
            for start in (
                lag_sites,
                bound_sites,
            ):  # vertex substitution from the Lagrangian's sites
                if start.size == p and lag < warm_obj - 1e-9 * max(1.0, abs(warm_obj)):
                    better = _h.interchange(
                        cost, w, d_fix, start, time_budget=min(5.0, 0.1 * time_limit)
                    )
                    value = _median_value(cost, w, d_fix, better)
                    if value < warm_obj:
                        warm, warm_obj = better, value
            if warm_obj < target - 1e-9 * max(
                1.0, abs(warm_obj)
            ):  # fix again with the better bound
                lr = _h.lagrangian_median(
                    cost,
                    w,
                    d_fix,
                    p,
                    warm_obj,
                    time_budget=lag_budget,
                    integral=integral,
                    lam0=lam,
                    iterations=200,
                )
                lag, closed, opened, lam = max(lag, lr.bound), lr.closed, lr.opened, lr.lam
        if lag >= warm_obj - 1e-9 * max(
            1.0, abs(warm_obj)
        ):  # the bound alone proves the warm start
            closed = np.ones(cost.shape[1], dtype=bool)
            opened = np.zeros(cost.shape[1], dtype=bool)
        _say(
            progress,
            f"p-median: warm start {warm_obj:g}, Lagrangian bound {lag:g}: "
            f"{int(closed.sum())} sites ruled out, {int(opened.sum())} forced open",
        )
        branch_nodes = None
        if (
            p <= _BRANCH_MAX_P
            and lam is not None
            and lag < warm_obj - 1e-9 * max(1.0, abs(warm_obj))
        ):  # small p: branch first
            branch = _lagrange.branch_median(
                cost,
                w,
                d_fix,
                p,
                warm,
                closed=closed,
                lam=lam,
                integral=integral,
                time_budget=_BRANCH_SHARE * (time_limit - (time.perf_counter() - t0)),
            )
            branch_nodes = branch.nodes
            if branch.best_value < warm_obj:
                warm, warm_obj = branch.best_sites, branch.best_value
            _say(
                progress,
                f"p-median: branch and bound on sites, {branch.nodes} nodes, "
                f"{'proven' if branch.proven else 'not finished'}",
            )
            if branch.proven:
                return self._result(
                    selected_cols=free[warm],
                    objective=warm_obj,
                    bound=warm_obj,
                    status="optimal",
                    seconds=time.perf_counter() - t0,
                    excluded=excluded,
                    message=note + f"{warm.size} new post(s): proven optimal.",
                    stats={
                        "warm_objective": warm_obj,
                        "lagrangian_bound": lag,
                        "sites_ruled_out": int(closed.sum()),
                        "branch_nodes": branch.nodes,
                        "formulation": "Lagrangian branch and bound on sites (Beasley 1993)",
                    },
                )
        rounds = 0
        while (
            True
        ):  # a better incumbent found under a short limit lets the bound rule out more sites
            rounds += 1
            left = time_limit - (time.perf_counter() - t0)
            last = rounds >= 3
            budget = left if last else max(1.0, 0.15 * left)
            # first round: HiGHS's primal heuristics on, to improve a weak warm start; then off
            options = {} if rounds == 1 and not last and budget < left else dict(_MEDIAN_OPTIONS)
            if options and lag < warm_obj - (1.0 if integral else 1e-6 * max(1.0, abs(warm_obj))):
                options.update({"mip_heuristic_effort": 0.05, "mip_heuristic_run_rins": True})
            if integral:  # objective values are integers: a gap below 1 is a proof (0.5: margin
                options["mip_abs_gap"] = 0.5  # for HiGHS's tolerances on its dual bound)
            sel, out, rm, build = self._reduced_median(
                cost, w, d_fix, p, warm, closed, opened, budget, options
            )
            if out is None or out.status == "optimal" or last or budget >= left:
                break
            value = _median_value(cost, w, d_fix, sel)
            if value < warm_obj - 1e-9 * max(1.0, abs(warm_obj)):
                warm, warm_obj = sel, value
                lr = _h.lagrangian_median(
                    cost,
                    w,
                    d_fix,
                    p,
                    warm_obj,
                    time_budget=lag_budget,
                    integral=integral,
                    lam0=lam,
                    iterations=200,
                )
                lag, closed, opened, lam = max(lag, lr.bound), lr.closed, lr.opened, lr.lam
                if lag >= warm_obj - 1e-9 * max(1.0, abs(warm_obj)):  # proven by the bound
                    sel, out, rm = warm, None, None
                    break
                _say(
                    progress,
                    f"p-median: incumbent {warm_obj:g}; {int(closed.sum())} sites ruled out",
                )
            else:
                rounds = 2  # no progress: spend the rest of the time on the proof
        objective = _median_value(cost, w, d_fix, sel)
        if not np.isfinite(objective):
            raise InfeasibleError(
                f"PMedian: no choice of {p} new post(s) lets every demand point reach an open site. "
                "Fix: raise `p` (--posts), add candidates, or check the network for disconnected parts.",
                code="s_unreachable",
                model="PMedian",
                p=p,
            )
        # sites outside the reduced model only lead to solutions worse than the warm start
        reduced_bound = out.bound if out is not None else objective
        bound = min(objective, max(lag, min(warm_obj, reduced_bound)))
        proven = (out is None or out.status == "optimal") or _rel_gap(objective, bound) <= 1e-9
        status = "optimal" if proven else "time_limit"
        if status == "optimal":
            bound = objective
        stats: dict[str, Any] = {
            "warm_objective": warm_obj,
            "lagrangian_bound": lag,
            "sites_ruled_out": int(closed.sum()),
            "sites_forced_open": int(opened.sum()),
            "formulation": "radius (García, Labbé & Marín 2011) after Lagrangian fixing",
            "rounds": rounds,
        }
        if branch_nodes is not None:  # the tree ran out of time before HiGHS took over
            stats["branch_nodes"] = branch_nodes
        if out is not None and rm is not None:
            stats = _stats(
                rm.problem,
                out,
                build,
                levels=int(rm.level_value.size),
                levels_unreduced=rm.n_levels_full,
                **stats,
            )
        return self._result(
            selected_cols=free[sel],
            objective=objective,
            bound=bound,
            status=status,
            seconds=time.perf_counter() - t0,
            excluded=excluded,
            message=note
            + f"{sel.size} new post(s): {_time_note(status, _rel_gap(objective, bound), time_limit)}.",
            stats=stats,
        )

    @staticmethod
    def _reduced_median(
        cost: np.ndarray,
        w: np.ndarray,
        d_fix: np.ndarray,
        p: int,
        warm: np.ndarray,
        closed: np.ndarray,
        opened: np.ndarray,
        budget: float,
        options: dict[str, object],
    ) -> tuple[np.ndarray, MipOutcome | None, Any, float]:
        """Solve the radius formulation on the sites the Lagrangian bound could not rule out.

        Returns the best selection (warm start if nothing better), the HiGHS outcome (None
        when the bound already proved the warm start), the model and the build time.
        """
        t0 = time.perf_counter()
        warm_obj = _median_value(cost, w, d_fix, warm)
        keep = ~closed
        keep[warm] = True
        if keep.sum() <= p:
            return warm, None, None, time.perf_counter() - t0  # only the warm start's sites remain
        op = np.flatnonzero(opened & keep)
        idx = np.flatnonzero(keep & ~opened)
        d_fix2 = np.minimum(d_fix, cost[:, op].min(axis=1)) if op.size else d_fix
        p2 = p - op.size
        if p2 == 0:
            cand = op
            better = _median_value(cost, w, d_fix, cand) <= warm_obj
            return (cand if better else warm), None, None, time.perf_counter() - t0
        rm = _f.pmedian_radius(cost[:, idx], w, d_fix2, p2)
        start = None
        if np.isin(op, warm).all():
            y0 = np.isin(idx, warm).astype(np.float64)
            start = rm.start(y0, np.minimum(d_fix, cost[:, warm].min(axis=1)))
        build = time.perf_counter() - t0
        out = solve_mip(
            rm.problem, time_limit=max(budget - build, 0.01), start=start, options=options
        )
        sel = warm
        if out.x is not None:
            cand = np.concatenate([op, idx[out.x[: idx.size] > 0.5]])
            if cand.size == p and _median_value(cost, w, d_fix, cand) <= warm_obj:
                sel = np.sort(cand)
        return sel, out, rm, build

    def _solve_capacitated(
        self,
        t0: float,
        time_limit: float,
        excluded: np.ndarray,
        note: str,
        progress: Progress | None,
    ) -> SitingResult:
        inp, p = self.inputs, int(self.p)  # type: ignore[arg-type]
        keep = np.flatnonzero(~excluded)
        cost, w = inp.cost[keep], inp.weights[keep]
        problem, pi, pj = _f.pmedian_capacitated(cost, w, self.capacities, inp.fixed, p)  # type: ignore[arg-type]
        m = cost.shape[1]
        build = time.perf_counter() - t0
        _say(
            progress, f"capacitated p-median: {problem.shape[0]} rows x {problem.shape[1]} columns"
        )
        out = solve_mip(problem, time_limit=max(time_limit - build, 0.01))
        if out.x is None:
            if out.status == "infeasible":
                raise InfeasibleError(
                    f"PMedian: the capacities cannot hold every demand point with {p} new post(s). "
                    "Fix: raise `p`, raise capacities, or drop `capacities`.",
                    code="s_capacity_short",
                    p=p,
                )
            raise InfeasibleError(
                f"PMedian (capacitated): no feasible assignment found within {time_limit:g} s. "
                "Fix: raise the time limit, or solve without capacities.",
                code="s_capacity_time",
                seconds=f"{time_limit:g}",
            )
        y = out.x[:m] > 0.5
        sel = np.flatnonzero(y & ~inp.fixed)
        x = out.x[m:] > 0.5
        assign = np.full(inp.cost.shape[0], -1)
        assign[keep[pi[x]]] = pj[x]
        objective = float(np.sum(w[pi[x]] * cost[pi[x], pj[x]]))
        status = _status(out.status, _rel_gap(objective, out.bound))
        bound = objective if status == "optimal" else out.bound
        return self._result(
            selected_cols=sel,
            objective=objective,
            bound=bound,
            status=status,
            seconds=time.perf_counter() - t0,
            excluded=excluded,
            assign_cols=assign,
            message=note + f"{sel.size} new post(s), capacitated: "
            f"{_time_note(status, _rel_gap(objective, bound), time_limit)}.",
            stats=_stats(problem, out, build, formulation="textbook capacitated, single source"),
        )


#: Largest p for which PMedian first branches on sites with the Lagrangian bound, and the share
#: of the remaining time it may use before HiGHS takes over (OR-Library pmed16: 19.7 s -> 1.3 s,
#: pmed35: 60 s -> 4.8 s; 300 x 80, p = 8 of issue 16: 3.7 s -> 0.3 s).
#: 80 %: on the small-p OR-Library instances HiGHS rarely proves what the tree cannot (pmed36).
_BRANCH_MAX_P = 12
_BRANCH_SHARE = 0.8

#: HiGHS options for the reduced p-median: the warm start is already good, so HiGHS's own
#: primal heuristics (RINS, RENS, feasibility jump ...) mostly cost time there.
_MEDIAN_OPTIONS: dict[str, object] = {
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_zi_round": False,
    "mip_heuristic_run_shifting": False,
    "mip_heuristic_run_feasibility_jump": False,
}


def _integral(cost: np.ndarray, w: np.ndarray, d_fix: np.ndarray) -> bool:
    """True when every weight x distance is an integer (e.g. OR-Library): gaps below 1 prove optimality."""
    fin = cost[np.isfinite(cost)]
    dfin = d_fix[np.isfinite(d_fix)]
    return bool(
        np.all(w == np.round(w))
        and np.all(fin == np.round(fin))
        and np.all(dfin == np.round(dfin))
        and fin.size
        and float(np.abs(fin).max()) * float(w.sum()) < 2**52
    )


def _median_value(cost: np.ndarray, w: np.ndarray, d_fix: np.ndarray, sel: np.ndarray) -> float:
    d = d_fix if sel.size == 0 else np.minimum(d_fix, cost[:, sel].min(axis=1))
    pos = w > 0
    return float(np.sum(w[pos] * d[pos]))


def _excluded_note(inp: SitingInputs, excluded: np.ndarray) -> str:
    if not excluded.any():
        return ""
    return (
        f"{int(excluded.sum())} demand point(s) cannot reach any candidate or facility and are "
        f"excluded: {_sample(inp.demand_ids, excluded)}. Check the network near them or add candidates. "
    )


def _check_capacities(capacities: Any, inputs: SitingInputs, p: int) -> np.ndarray:
    caps = np.array(capacities, dtype=np.float64).ravel()
    m = inputs.cost.shape[1]
    if caps.shape != (m,) or np.isnan(caps).any() or (caps < 0).any():
        raise ValidationError(
            [
                Problem(
                    "capacities",
                    f"need {m} capacities >= 0 (one per candidate), got "
                    f"{caps.size} values{' with NaN' if np.isnan(caps).any() else ''}.",
                    "give one non-negative capacity per candidate, in weight units.",
                    code="s_capacities_bad",
                    params={"m": m, "n": caps.size},
                )
            ]
        )
    best = float(caps[inputs.fixed].sum() + np.sort(caps[~inputs.fixed])[::-1][:p].sum())
    total = float(inputs.weights.sum())
    if best < total:
        raise InfeasibleError(
            f"PMedian: existing facilities plus the {p} largest candidates hold at most {best:g}, "
            f"less than the total demand {total:g}. Fix: raise `p` (--posts) or the capacities.",
            code="s_capacity_total",
            p=p,
            best=f"{best:g}",
            total=f"{total:g}",
        )
    caps.setflags(write=False)
    return caps


# --------------------------------------------------------------------------- p-center


class PCenter(_Model):
    r"""p-center: the least largest distance from a demand point to its nearest open site.

    Solved exactly by searching the radius: the optimum is one of the distinct distances
    :math:`r_1 < r_2 < \dots` of the cost matrix. A radius :math:`r` is feasible when
    ``p`` new posts can cover, within :math:`r`, every demand point that existing
    facilities do not already cover within :math:`r` -- a set-covering (LSCP) question::

        min  sum_j y_j   s.t.  sum_{j: d_ij <= r} y_j >= 1  for each i with d_i,fix > r

    answered by a greedy cover of size <= p (feasible at once) or else by HiGHS solving
    the set cover to optimality (cut-off ``p + 0.5``: the optimal size decides). Binary search runs between the lower bound
    :math:`\max_i \min_j d_{ij}` and the value of a greedy solution; each feasible check
    lowers the upper bound to the largest distance its cover actually uses. Every demand
    point counts (weights are not used, as in spopt); ``objective`` is in metres.

    Examples
    --------
    >>> PCenter.from_cost_matrix([[0., 5., 9.], [5., 0., 4.], [9., 4., 0.]], p=1).solve().objective
    5.0
    """

    name = "pcenter"

    @classmethod
    def from_cost_matrix(
        cls,
        cost: Any,
        *,
        weights: Any = None,
        fixed: Any = None,
        p: int | None = None,
        radius: float | None = None,
        capacities: Any = None,
        demand_ids: Sequence[object] | None = None,
        candidate_ids: Sequence[object] | None = None,
    ) -> PCenter:
        """Build from a demand x candidate cost matrix in metres (see :func:`make_inputs`)."""
        _unused("PCenter", radius=radius, capacities=capacities)
        inputs = make_inputs(
            cost, weights=weights, fixed=fixed, demand_ids=demand_ids, candidate_ids=candidate_ids
        )
        return cls(inputs, p=_check_p(p, inputs, "PCenter"), radius=None)

    def solve(self, *, time_limit: float = 60.0, progress: Progress | None = None) -> SitingResult:
        """Binary search on the radius with exact set-covering checks (see class docstring)."""
        t0 = time.perf_counter()
        inp, p = self.inputs, int(self.p)  # type: ignore[arg-type]
        excluded = ~np.isfinite(inp.cost).any(axis=1)
        note = _excluded_note(inp, excluded)
        cost, d_fix = inp.free_cost[~excluded], inp.d_fix[~excluded]
        free = inp.free_index()
        if p == 0:
            _need_open(inp, "PCenter")
            obj = float(d_fix.max())
            return self._result(
                selected_cols=np.array([], dtype=int),
                objective=obj,
                bound=obj,
                status="optimal",
                seconds=time.perf_counter() - t0,
                excluded=excluded,
                message=note + "p = 0: existing facilities only.",
            )
        best = _h.greedy_center(cost, d_fix, p)
        ub = _center_value(cost, d_fix, best)
        lb = float(np.max(np.minimum(d_fix, cost.min(axis=1))))
        values = np.unique(np.concatenate([cost[np.isfinite(cost)], d_fix[np.isfinite(d_fix)]]))
        values = (
            values[(values >= lb) & (values <= ub)] if np.isfinite(ub) else values[values >= lb]
        )
        lo, hi = 0, values.size - 1  # the optimum is values[k] for some lo <= k <= hi
        checks: list[dict[str, Any]] = []
        timed_out = False
        while lo < hi:
            mid = (lo + hi) // 2
            r = float(values[mid])
            left = time_limit - (time.perf_counter() - t0)
            if left <= 0:
                timed_out = True
                break
            verdict, cover = _cover_check(cost, d_fix, r, p, left)
            checks.append({"radius": r, "verdict": verdict})
            _say(
                progress,
                f"p-center: radius {r:g} -> {verdict} (search [{values[lo]:g}, {values[hi]:g}])",
            )
            if verdict == "feasible":
                if cover.size < p:  # top up with other sites so that all p posts are used
                    others = np.setdiff1d(
                        np.concatenate([best, np.arange(cost.shape[1])]), cover, assume_unique=False
                    )
                    _, first = np.unique(others, return_index=True)
                    others = others[np.sort(first)]
                    cover = np.sort(np.concatenate([cover, others[: p - cover.size]]))
                val = _center_value(cost, d_fix, cover)
                if val <= ub:
                    best, ub = cover, val
                hi = int(np.searchsorted(values, ub, side="left"))
                hi = min(hi, mid)
            elif verdict == "infeasible":
                lo = mid + 1
            else:
                timed_out = True
                break
        if not np.isfinite(ub):
            raise InfeasibleError(
                f"PCenter: no choice of {p} new post(s) lets every demand point reach an open site. "
                "Fix: raise `p` (--posts), add candidates, or check the network for disconnected parts.",
                code="s_unreachable",
                model="PCenter",
                p=p,
            )
        bound = float(values[lo]) if values.size else ub
        status = "time_limit" if timed_out and bound < ub else "optimal"
        if status == "optimal":
            bound = ub
        return self._result(
            selected_cols=free[best],
            objective=ub,
            bound=bound,
            status=status,
            seconds=time.perf_counter() - t0,
            excluded=excluded,
            message=note + f"{best.size} new post(s), largest distance {ub:g} m: "
            f"{_time_note(status, _rel_gap(ub, bound), time_limit)}.",
            stats={
                "checks": checks,
                "n_checks": len(checks),
                "distinct_radii": int(values.size),
                "formulation": "binary search over set covering",
            },
        )


def _need_open(inp: SitingInputs, model: str) -> None:
    if not inp.fixed.any():
        raise InfeasibleError(
            f"{model}: p = 0 and no existing facility: nothing would be open. "
            "Fix: pass p >= 1 (--posts) or list existing facilities (--fixed).",
            code="s_nothing_open",
            model=model,
        )
    if not np.isfinite(inp.d_fix).all():
        raise InfeasibleError(
            f"{model}: p = 0 and some demand points reach no existing facility. "
            "Fix: pass p >= 1 (--posts).",
            code="s_fixed_unreachable",
            model=model,
        )


def _center_value(cost: np.ndarray, d_fix: np.ndarray, sel: np.ndarray) -> float:
    d = d_fix if sel.size == 0 else np.minimum(d_fix, cost[:, sel].min(axis=1))
    return float(d.max())


def _cover_check(
    cost: np.ndarray, d_fix: np.ndarray, r: float, p: int, time_left: float
) -> tuple[str, np.ndarray]:
    """Can ``p`` free sites cover, within ``r``, every demand not covered by a fixed site?"""
    rows = np.flatnonzero(d_fix > r)
    empty = np.array([], dtype=np.int64)
    if rows.size == 0:
        return "feasible", empty
    a_rows = _f.cover_matrix(cost[rows], r)
    if (np.diff(a_rows.indptr) == 0).any():
        return "infeasible", empty
    a, _, _ = _f.group_rows(a_rows)
    greedy = _h.greedy_cover(a)
    if greedy.size <= p:
        return "feasible", greedy
    red = _reduce.reduce_cover(a)  # exact: an optimal cover of the reduced matrix + forced sites
    left = p - red.forced.size
    if left < 0:
        return "infeasible", empty
    ar = red.matrix(a)
    if ar.shape[0] == 0:
        return "feasible", red.forced
    greedy = _h.drop_redundant(ar, _h.greedy_cover(ar))
    if greedy.size <= left:
        return "feasible", np.sort(np.concatenate([red.cols[greedy], red.forced]))
    out = solve_mip(
        _f.lscp_problem(ar),
        time_limit=time_left,
        options={"objective_bound": left + 0.5, "mip_abs_gap": _INTEGRAL_GAP},
    )
    if out.x is not None and out.x.sum() <= left + 0.5:
        return "feasible", np.sort(np.concatenate([red.cols[out.x > 0.5], red.forced]))
    if out.status in ("infeasible", "cutoff") or (out.status == "optimal" and out.x is None):
        return "infeasible", empty
    if out.status == "optimal":  # solved to optimality with more than p posts
        return "infeasible", empty
    return "undecided", empty


# --------------------------------------------------------------------------- coverage curve


def coverage_curve(
    model_inputs: MCLP, p_max: int, *, time_limit: float = 60.0, progress: Progress | None = None
) -> pd.DataFrame:
    """Covered weight for p = 0 .. ``p_max`` new posts, each solved exactly (MCLP).

    Parameters
    ----------
    model_inputs : MCLP
        The instance (cost matrix, weights, existing facilities, radius); its ``p`` is ignored.
    p_max : int
        Largest number of new posts (at most the free candidates).
    time_limit : float
        Seconds per solve; each p warm-starts from the previous p's posts.

    Returns
    -------
    DataFrame
        Columns ``p``, ``covered_weight``, ``share`` (of total weight, 0-1), ``gain`` (weight
        added by the p-th post), ``status``, ``gap``, ``seconds``, ``selected`` (ids, ``;``-joined).
    """
    import pandas as pd

    if not isinstance(model_inputs, MCLP):
        raise ValidationError(
            [
                Problem(
                    "model_inputs",
                    f"must be an MCLP, got {type(model_inputs).__name__}.",
                    "build it with MCLP.from_cost_matrix(...) or MCLP.from_layers(...).",
                    code="s_not_mclp",
                    params={"type": type(model_inputs).__name__},
                )
            ]
        )
    p_top = _check_p(p_max, model_inputs.inputs, "coverage_curve")
    total = float(model_inputs.inputs.weights.sum())
    rows: list[dict[str, Any]] = []
    previous: tuple[str, ...] = ()
    for p in range(p_top + 1):
        res = model_inputs.with_p(p).solve(time_limit=time_limit, warm_start=previous)
        gain = res.objective - rows[-1]["covered_weight"] if rows else 0.0
        rows.append(
            {
                "p": p,
                "covered_weight": res.objective,
                "share": res.objective / total if total else 0.0,
                "gain": gain,
                "status": res.status,
                "gap": res.gap,
                "seconds": res.seconds,
                "selected": ";".join(res.selected),
            }
        )
        _say(progress, f"curve: p={p} covered {res.objective:g} ({res.status})")
        previous = res.selected
    return pd.DataFrame(rows)


#: The coverage curve's texts in English (:func:`plot_coverage_curve`), by key; a shell passes
#: its own language's texts under the same keys.
CURVE_LABELS: dict[str, str] = {
    "title": "Coverage by number of new posts",
    "x": "new posts p",
    "y": "demand covered (%)",
    "covered": "covered (%)",
    "gain": "gain of the p-th post",
    "gain_axis": "weight added by the p-th post",
    "not_proven": "not proven optimal",
}


def plot_coverage_curve(
    df: pd.DataFrame,
    *,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    family: Sequence[str] | None = None,
) -> Figure:
    """Plot a :func:`coverage_curve` table: covered share (line) and gain per post (bars).

    Parameters
    ----------
    df : DataFrame
        The :func:`coverage_curve` table (``p``, ``share``, ``gain``, ``status``).
    title : str, optional
        The title; else ``labels["title"]``.
    labels : mapping, optional
        Texts by the keys of :data:`CURVE_LABELS` (e.g. Chinese ones from the app); a key left
        out keeps its English text.
    family : sequence of str, optional
        Font families for the texts, e.g. ``["Noto Sans CJK SC", "DejaVu Sans"]`` for Chinese
        (the font must be registered with matplotlib); matplotlib's default when omitted.

    Returns
    -------
    Figure
        A matplotlib Figure (Agg canvas, nothing is displayed).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    text = {**CURVE_LABELS, **(labels or {})}
    font: dict[str, Any] = {"family": list(family)} if family else {}
    fig = Figure(figsize=(7, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(df["p"], 100 * df["share"], marker="o", color="C0", label=text["covered"])
    ax.set_xlabel(text["x"], **font)
    ax.set_ylabel(text["y"], **font)
    ax.set_ylim(0, 100)
    ax2 = ax.twinx()
    ax2.bar(df["p"], df["gain"], alpha=0.3, color="C1", label=text["gain"])
    ax2.set_ylabel(text["gain_axis"], **font)
    ax.set_title(title if title is not None else text["title"], **font)
    not_proven = df["status"] != "optimal"
    if not_proven.any():
        ax.plot(
            df.loc[not_proven, "p"],
            100 * df.loc[not_proven, "share"],
            "x",
            color="red",
            label=text["not_proven"],
        )
    ax.set_zorder(ax2.get_zorder() + 1)  # the line above the bars
    ax.patch.set_visible(False)
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="lower right", prop={"family": list(family)} if family else None)
    fig.tight_layout()
    return fig

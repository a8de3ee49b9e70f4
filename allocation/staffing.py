"""Staffing: apportion full-time and part-time grid workers to grids by workload.

Two named apportionment methods, both exact in the total and honouring a minimum per grid:

* **largest remainder** (Hamilton): quota ``q_i = total * w_i / sum(w)``; grids whose quota is
  below the minimum are fixed at the minimum and the quotas of the others recomputed on what is
  left (until stable); then each gets ``floor(q_i)`` and the leftover seats go to the largest
  fractional remainders. Respects quota but can show the Alabama paradox.
* **Huntington-Hill** (the US House method): everyone starts at the minimum; each further worker
  goes to the grid with the highest priority ``w_i / sqrt(a_i (a_i + 1))`` (infinite at
  ``a_i = 0``). A divisor method: free of the Alabama paradox.

Ties go to the larger workload, then to the earlier grid, so results are reproducible.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from geo.errors import InfeasibleError, Problem, ValidationError
from geo.settings import DEFAULT_FULL_TIME_WORKERS, DEFAULT_PART_TIME_WORKERS

if TYPE_CHECKING:
    import pandas as pd

#: Apportionment methods and their names in explanations.
METHODS = {"largest_remainder": "largest remainder", "huntington_hill": "Huntington-Hill"}
#: Workload measures a grid can be staffed by.
WORKLOADS = ("households", "party_members", "load")


@dataclass(frozen=True)
class Apportionment:
    """Detail of one apportionment (``seats`` is what :func:`apportion` returns).

    Attributes
    ----------
    seats : ndarray of int
        Workers per grid; sums to the total.
    quota : ndarray of float
        Standard quota ``total * w_i / sum(w)``.
    at_minimum : ndarray of bool
        Grids held up by the minimum (they would get fewer otherwise).
    """

    seats: np.ndarray
    quota: np.ndarray
    at_minimum: np.ndarray


def apportion(
    workload: Sequence[float] | np.ndarray,
    total: int,
    *,
    minimum: int = 1,
    method: str = "largest_remainder",
) -> np.ndarray:
    """Split ``total`` workers among grids in proportion to ``workload``.

    Parameters
    ----------
    workload : array-like of float
        Non-negative workload per grid (households, party members or a weighted load).
    total : int
        Workers to hand out; the result sums to exactly this.
    minimum : int
        Workers every grid gets at least.
    method : {"largest_remainder", "huntington_hill"}

    Returns
    -------
    ndarray of int64

    Raises
    ------
    InfeasibleError
        If ``total < len(workload) * minimum``.
    ValueError
        On a negative or NaN workload, a negative total or minimum, or an unknown method.

    Examples
    --------
    >>> apportion([6, 6, 2], 10, minimum=0).tolist()
    [4, 4, 2]
    >>> apportion([6, 6, 2], 11, minimum=0).tolist()  # Alabama paradox: the third grid loses one
    [5, 5, 1]
    """
    return apportion_detail(workload, total, minimum=minimum, method=method).seats


def apportion_detail(
    workload: Sequence[float] | np.ndarray,
    total: int,
    *,
    minimum: int = 1,
    method: str = "largest_remainder",
) -> Apportionment:
    """As :func:`apportion`, with the quotas and which grids the minimum held up."""
    w = _check(workload, total, minimum, method)
    n = len(w)
    if n == 0:
        return Apportionment(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, bool))
    if w.sum() == 0:
        w = np.ones(n)  # no workload anywhere: share equally
    quota = total * w / w.sum()
    if method == "largest_remainder":
        seats = _largest_remainder(w, total, minimum)
    else:
        seats = _huntington_hill(w, total, minimum)
    free = (
        _largest_remainder(w, total, 0)
        if method == "largest_remainder"
        else _huntington_hill(w, total, 0)
    )
    return Apportionment(seats, quota, (seats == minimum) & (free < minimum))


def _check(workload: Any, total: int, minimum: int, method: str) -> np.ndarray:
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {tuple(METHODS)}, got {method!r}")
    w = np.asarray(workload, dtype=float).ravel()
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        raise ValueError(
            f"`workload` must be finite and >= 0; bad at positions {bad[:10].tolist()}: "
            f"{w[bad[:10]].tolist()}"
        )
    if int(total) != total or total < 0:
        raise ValueError(f"`total` must be a non-negative integer, got {total!r}")
    if int(minimum) != minimum or minimum < 0:
        raise ValueError(f"`minimum` must be a non-negative integer, got {minimum!r}")
    if total < len(w) * minimum:
        raise InfeasibleError(
            f"{total} worker(s) cannot give {len(w)} grid(s) at least {minimum} each "
            f"(needs {len(w) * minimum}); raise the total, lower the minimum, or merge grids",
            code="staff_too_few",
            total=int(total),
            grids=len(w),
            minimum=int(minimum),
            needs=len(w) * int(minimum),
        )
    return w


def _largest_remainder(w: np.ndarray, total: int, minimum: int) -> np.ndarray:
    fixed = np.zeros(len(w), bool)
    while True:
        left = total - minimum * fixed.sum()
        free_w = w[~fixed].sum()
        quota = np.where(fixed, float(minimum), left * w / free_w if free_w > 0 else 0.0)
        newly = ~fixed & (quota < minimum)
        if not newly.any():
            break
        fixed |= newly
    seats = np.where(fixed, minimum, np.floor(quota)).astype(np.int64)
    rest = int(total - seats.sum())
    if rest:
        remainder = np.where(fixed, -np.inf, quota - seats)
        order = np.lexsort((np.arange(len(w)), -w, -remainder))  # last key sorts first
        seats[order[:rest]] += 1
    return seats


def _huntington_hill(w: np.ndarray, total: int, minimum: int) -> np.ndarray:
    seats = np.full(len(w), minimum, dtype=np.int64)
    heap = [(-_hh_priority(w[i], minimum), -w[i], i) for i in range(len(w))]
    heapq.heapify(heap)
    for _ in range(int(total - seats.sum())):
        _, neg_w, i = heapq.heappop(heap)
        seats[i] += 1
        heapq.heappush(heap, (-_hh_priority(w[i], int(seats[i])), neg_w, i))
    return seats


def _hh_priority(w: float, a: int) -> float:
    if a == 0:
        return math.inf if w > 0 else 0.0
    return w / math.sqrt(a * (a + 1))


# --------------------------------------------------------------------------- grids


def grid_workload(
    grids: pd.DataFrame, workload: str = "households", weights: Mapping[str, float] | None = None
) -> np.ndarray:
    """Workload per grid: a column, or ``load = sum(weights[col] * grids[col])``.

    Raises
    ------
    ValidationError
        On a missing column, missing ``weights`` for ``"load"``, or NaN / negative values.
    """
    if workload not in WORKLOADS:
        raise ValueError(f"`workload` must be one of {WORKLOADS}, got {workload!r}")
    if workload == "load":
        if not weights:
            raise ValidationError(
                [
                    Problem(
                        "grids",
                        "`workload='load'` needs `weights`",
                        "pass weights such as {'households': 1, 'party_members': 5}",
                        code="staff_load_weights",
                    )
                ]
            )
        columns = dict(weights)
    else:
        columns = {workload: 1.0}
    missing = [c for c in columns if c not in grids.columns]
    if missing:
        raise ValidationError(
            [
                Problem(
                    "grids",
                    f"column(s) {missing} missing; have {list(grids.columns)}",
                    "staff a grid layer from `gridplan grid` or add the column",
                    field=c,
                    code="staff_column_missing",
                    params={"column": c, "have": ", ".join(map(str, grids.columns))},
                )
                for c in missing
            ]
        )
    values = sum(float(k) * grids[c].astype(float).to_numpy() for c, k in columns.items())
    values = np.asarray(values, dtype=float)
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        ids = (
            grids["grid_id"].astype(str).to_numpy() if "grid_id" in grids else np.arange(len(grids))
        )
        raise ValidationError(
            [
                Problem(
                    "grids",
                    f"workload is {values[i]}",
                    "give a count >= 0",
                    feature=str(ids[i]),
                    field=workload,
                    code="staff_workload_bad",
                    params={"value": f"{values[i]}"},
                )
                for i in bad[:20]
            ]
        )
    return values


def staff_grids(
    grids: pd.DataFrame,
    *,
    full_time: int = DEFAULT_FULL_TIME_WORKERS,
    part_time: int = DEFAULT_PART_TIME_WORKERS,
    workload: str = "households",
    weights: Mapping[str, float] | None = None,
    min_full_time: int = 1,
    min_part_time: int = 0,
    method: str = "largest_remainder",
) -> pd.DataFrame:
    """Apportion full-time and part-time workers to grids, with a reason per grid.

    Parameters
    ----------
    grids : DataFrame or GeoDataFrame
        One row per grid with ``grid_id`` and the workload column(s) (``households`` ...).
    full_time, part_time : int
        Workers to hand out (defaults: the reference zone's 242 and 1,134).
    workload : {"households", "party_members", "load"}
        Measure of a grid's work; ``"load"`` needs ``weights``.
    weights : mapping of column -> float, optional
        Weighted load, e.g. ``{"households": 1, "party_members": 5}``.
    min_full_time, min_part_time : int
        Minimum workers of each kind per grid (default: one full-time worker each).
    method : {"largest_remainder", "huntington_hill"}

    Returns
    -------
    pandas.DataFrame
        ``grid_id``, ``workload``, ``quota_full_time``, ``full_time``, ``quota_part_time``,
        ``part_time``, ``workers``, ``households``, ``households_per_worker`` (NaN when no
        worker), ``explanation`` (e.g. ``"full-time: quota 1.37 -> 1 (largest remainder)"``).

    Raises
    ------
    InfeasibleError
        If there are fewer workers than grids times the minimum.
    ValidationError
        On a missing ``grid_id`` or workload column, or NaN / negative workloads.
    """
    import pandas as pd

    if "grid_id" not in grids.columns:
        raise ValidationError(
            [
                Problem(
                    "grids",
                    "column `grid_id` missing",
                    "add one id per grid",
                    field="grid_id",
                    code="staff_no_grid_id",
                )
            ]
        )
    w = grid_workload(grids, workload, weights)
    name = METHODS.get(method, method)
    try:
        ft = apportion_detail(w, full_time, minimum=min_full_time, method=method)
        pt = apportion_detail(w, part_time, minimum=min_part_time, method=method)
    except InfeasibleError as exc:
        params = getattr(exc, "params", {})
        raise InfeasibleError(
            f"staffing {len(w)} grid(s): {exc}", code=getattr(exc, "code", None), **params
        ) from None
    workers = ft.seats + pt.seats
    households = grids["households"].astype(float).to_numpy() if "households" in grids else w
    with np.errstate(divide="ignore", invalid="ignore"):
        per_worker = np.where(workers > 0, households / np.maximum(workers, 1), np.nan)
    return pd.DataFrame(
        {
            "grid_id": grids["grid_id"].astype(str).to_numpy(),
            "workload": w,
            "quota_full_time": ft.quota.round(4),
            "full_time": ft.seats,
            "quota_part_time": pt.quota.round(4),
            "part_time": pt.seats,
            "workers": workers,
            "households": households,
            "households_per_worker": per_worker.round(2),
            "explanation": [
                f"full-time: {_why(ft, i, min_full_time, name)}; "
                f"part-time: {_why(pt, i, min_part_time, name)}"
                for i in range(len(w))
            ],
        }
    )


def _why(a: Apportionment, i: int, minimum: int, method_name: str) -> str:
    reason = f"minimum {minimum}" if a.at_minimum[i] else method_name
    return f"quota {a.quota[i]:.2f} -> {int(a.seats[i])} ({reason})"


def staffing_summary(table: pd.DataFrame, *, method: str, workload: str) -> dict[str, Any]:
    """JSON-safe summary of a :func:`staff_grids` table."""
    hpw = table["households_per_worker"].dropna()
    return {
        "grids": len(table),
        "method": METHODS.get(method, method),
        "workload": workload,
        "full_time": int(table["full_time"].sum()),
        "part_time": int(table["part_time"].sum()),
        "households": float(table["households"].sum()),
        "households_per_worker": {
            "min": float(hpw.min()) if len(hpw) else None,
            "median": float(hpw.median()) if len(hpw) else None,
            "max": float(hpw.max()) if len(hpw) else None,
        },
        "grids_at_minimum_full_time": int(
            (table["explanation"].str.contains(r"^full-time: [^;]*\(minimum")).sum()
        ),
    }

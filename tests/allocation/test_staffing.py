"""Staffing: apportionment known answers, exact totals, minimums, per-grid explanations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.staffing import apportion, apportion_detail, staff_grids, staffing_summary
from geo.errors import InfeasibleError, ValidationError


def test_largest_remainder_known_answer_and_alabama_paradox():
    # quotas 4.29, 4.29, 1.43 -> 4, 4, 1 + the leftover seat to the largest remainder
    assert apportion([6, 6, 2], 10, minimum=0).tolist() == [4, 4, 2]
    # one more seat in total and the third grid loses one: Hamilton's Alabama paradox
    assert apportion([6, 6, 2], 11, minimum=0).tolist() == [5, 5, 1]


def test_huntington_hill_hand_computed_and_no_alabama_paradox():
    # priorities w/sqrt(a(a+1)): after 4,4,1 the third grid's 2/sqrt(2)=1.41 beats 6/sqrt(20)=1.34
    assert apportion([6, 6, 2], 10, method="huntington_hill").tolist() == [4, 4, 2]
    assert apportion([6, 6, 2], 11, method="huntington_hill").tolist() == [5, 4, 2]
    # Huntington-Hill favours small grids against Hamilton: 2 seats, quotas 1.8 / 0.2
    assert apportion([90, 10], 2, minimum=0, method="largest_remainder").tolist() == [2, 0]
    assert apportion([90, 10], 2, minimum=0, method="huntington_hill").tolist() == [1, 1]


def test_minimum_is_honoured_and_quotas_recomputed():
    # quotas 9.5, 0.25, 0.25 -> the two small grids are held up to 1, the rest gets 8
    d = apportion_detail([38, 1, 1], 10, minimum=1)
    assert d.seats.tolist() == [8, 1, 1]
    assert d.at_minimum.tolist() == [False, True, True]
    np.testing.assert_allclose(d.quota, [9.5, 0.25, 0.25])


def test_ties_are_reproducible():
    assert apportion([1, 1, 1], 2, minimum=0).tolist() == [1, 1, 0]
    assert apportion([1, 1, 1], 2, minimum=0, method="huntington_hill").tolist() == [1, 1, 0]
    assert apportion([0, 0], 3, minimum=1).tolist() == [2, 1]  # no workload: equal shares


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 2000), min_size=1, max_size=25),
    st.integers(0, 60),
    st.integers(0, 2),
    st.sampled_from(["largest_remainder", "huntington_hill"]),
)
def test_total_exact_minimum_respected(weights, extra, minimum, method):
    total = len(weights) * minimum + extra
    seats = apportion(weights, total, minimum=minimum, method=method)
    assert seats.sum() == total and (seats >= minimum).all()
    w = np.asarray(weights, float)
    if method == "largest_remainder" and minimum == 0 and w.sum() > 0:
        quota = total * w / w.sum()  # quota rule: floor or ceiling of the quota
        assert ((seats >= np.floor(quota)) & (seats <= np.ceil(quota))).all()
    if method == "huntington_hill" and w.sum() > 0 and (w > 0).all():
        # divisor-method optimality: nobody's next seat outranks a seat already given
        def prio(wi, a):
            return math.inf if a == 0 else wi / math.sqrt(a * (a + 1))

        best_left = max(prio(wi, a) for wi, a in zip(w, seats, strict=True))
        given_last = [prio(wi, a - 1) for wi, a in zip(w, seats, strict=True) if a > minimum]
        if given_last:
            assert best_left <= min(given_last) + 1e-12


def test_errors_name_the_problem():
    with pytest.raises(InfeasibleError, match=r"3 worker.*4 grid.*needs 4"):
        apportion([1, 2, 3, 4], 3, minimum=1)
    with pytest.raises(ValueError, match="workload"):
        apportion([1, float("nan")], 3)
    with pytest.raises(ValueError, match="workload"):
        apportion([1, -2], 3)
    with pytest.raises(ValueError, match="method"):
        apportion([1], 3, method="dhondt")
    with pytest.raises(ValueError, match="total"):
        apportion([1], -1)


def _grids():
    return pd.DataFrame(
        {
            "grid_id": ["g1", "g2", "g3", "g4"],
            "households": [480, 350, 120, 450],
            "party_members": [30, 12, 2, 25],
        }
    )


def test_staff_grids_table_and_explanations():
    # full-time quotas 1.71, 1.25, 0.43, 1.61: g3 is held up to 1, the others share 4
    t = staff_grids(_grids(), full_time=5, part_time=20)
    assert t["full_time"].tolist() == [2, 1, 1, 1] and t["part_time"].sum() == 20
    assert (t["full_time"] >= 1).all()
    assert t.loc[0, "explanation"].startswith("full-time: quota 1.71 -> 2 (largest remainder)")
    assert t.loc[2, "full_time"] == 1 and "(minimum 1)" in t.loc[2, "explanation"]
    np.testing.assert_allclose(
        t["households_per_worker"], (t["households"] / t["workers"]).round(2)
    )
    summary = staffing_summary(t, method="largest_remainder", workload="households")
    assert summary["full_time"] == 5 and summary["grids_at_minimum_full_time"] == 1


def test_staff_grids_party_members_and_load():
    by_party = staff_grids(
        _grids(), full_time=4, part_time=69, workload="party_members", method="huntington_hill"
    )
    assert by_party["part_time"].tolist() == [30, 12, 2, 25]
    assert "Huntington-Hill" in by_party.loc[0, "explanation"]
    load = staff_grids(
        _grids(),
        full_time=4,
        part_time=10,
        workload="load",
        weights={"households": 1.0, "party_members": 10.0},
    )
    np.testing.assert_allclose(load["workload"], [780, 470, 140, 700])


def test_staff_grids_errors():
    with pytest.raises(InfeasibleError, match="staffing 4 grid"):
        staff_grids(_grids(), full_time=3, part_time=10)
    with pytest.raises(ValidationError, match="needs `weights`"):
        staff_grids(_grids(), workload="load")
    with pytest.raises(ValidationError, match="missing"):
        staff_grids(_grids().drop(columns="party_members"), workload="party_members")
    bad = _grids()
    bad.loc[1, "households"] = np.nan
    with pytest.raises(ValidationError, match="feature g2"):
        staff_grids(bad)
    with pytest.raises(ValidationError, match="grid_id"):
        staff_grids(_grids().drop(columns="grid_id"))

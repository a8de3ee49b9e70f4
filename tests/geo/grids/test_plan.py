"""The plan value (geo.grids.plan): a flip re-scores only what it touched, and what it keeps
equals a fresh computation of the whole plan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.errors import ValidationError
from geo.grids.plan import Plan
from tests.geo._synthetic import block_units


def _columns_equal(a, b) -> None:
    cols = [c for c in a.columns if c != "geometry"]
    pd.testing.assert_frame_equal(
        a[cols].sort_index(), b[cols].sort_index(), check_exact=False, check_dtype=False, rtol=1e-9
    )
    assert all(
        x.equals_exact(y, 1e-6)
        for x, y in zip(a.sort_index().geometry, b.sort_index().geometry, strict=True)
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flips_equal_a_fresh_plan(seed):
    units = block_units(nx=5, ny=4)
    ids = list(units.units.index)
    rng = np.random.default_rng(seed)
    plan = Plan(units, {u: f"G{i % 4}" for i, u in enumerate(ids)})
    plan.grids()  # computed once, then patched by every flip
    for _ in range(12):
        movers = rng.choice(ids, size=int(rng.integers(1, 4)), replace=False)
        target = f"G{int(rng.integers(0, 5))}"  # G4 is a new grid
        plan = plan.flip(dict.fromkeys(movers.tolist(), target))
        fresh = Plan(units, dict(plan.assignment))
        _columns_equal(plan.grids(), fresh.grids())


def test_flip_leaves_the_original_and_refuses_unknown_units():
    units = block_units(nx=3, ny=2)
    ids = list(units.units.index)
    plan = Plan(units, dict.fromkeys(ids, "A"))
    moved = plan.flip({ids[0]: "B"})
    assert plan.assignment[ids[0]] == "A" and moved.assignment[ids[0]] == "B"
    assert set(moved.grids().index) == {"A", "B"}
    with pytest.raises(ValidationError, match="unknown unit"):
        plan.flip({"nowhere": "A"})

"""The siting benchmark family (bench/bench_siting.py): reproducible instances, honest summaries."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "bench_siting", ROOT / "bench" / "bench_siting.py"
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_siting"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("kind", ["uniform", "clustered"])
def test_instances_are_reproducible_and_as_specified(bench, kind: str) -> None:
    a = bench.make_instance(300, 80, kind=kind, seed=4)
    b = bench.make_instance(300, 80, kind=kind, seed=4)
    c = bench.make_instance(300, 80, kind=kind, seed=5)
    assert np.array_equal(a["cost"], b["cost"]) and not np.array_equal(a["cost"], c["cost"])
    assert a["cost"].shape == (300, 80)
    assert np.array_equal(a["cost"], np.rint(a["cost"]))  # rounded metres
    assert a["weights"].min() >= 50 and a["weights"].max() <= 600
    assert a["cost"].max() <= 5000 * np.sqrt(2) + 1


def test_radius_gives_the_target_candidates_per_demand(bench) -> None:
    inst = bench.make_instance(2000, 500, kind="uniform", seed=1)
    for k in (5, 15, 30):
        mean = (inst["cost"] <= bench.radius_for(500, k)).sum(axis=1).mean()
        assert 0.75 * k <= mean <= 1.05 * k  # below k only by the square's edge effect


def test_plan_and_summary_per_class(bench) -> None:
    args = argparse.Namespace(
        models="lscp,pmedian",
        sizes="300x80",
        large=False,
        kinds="uniform",
        seeds="1,2",
        per_demand="5,15",
    )
    cases = bench.plan(args)
    assert len(cases) == 2 * 2 + 2  # lscp: seeds x radii; p-median: seeds at its own size
    rows = [
        dict(
            c,
            gridplan_seconds=1.0,
            gridplan_objective=3.0,
            gridplan_status="optimal",
            spopt={"seconds": r, "objective": 3.0},
            ratio=r,
            equal_objective=True,
        )
        for c, r in zip(cases, [10.0, 2.0, 30.0, 40.0, 5.0, 7.0], strict=True)
    ]
    rows[1]["equal_objective"] = False
    classes = {(c["model"], c["size"]): c for c in bench.summarise(rows)}
    lscp = classes[("lscp", "300x80")]
    assert lscp["instances"] == 4 and lscp["median_ratio"] == 20.0 and lscp["worst_ratio"] == 2.0
    assert lscp["objectives_equal"] is False  # one unequal pair flags the class
    assert classes[("pmedian", "300x80")]["objectives_equal"] is True


def test_median_sizes_run_pmedian_and_pcenter_at_the_given_sizes(bench) -> None:
    args = argparse.Namespace(
        models="pmedian,pcenter,mclp",
        sizes="300x80",
        large=False,
        kinds="uniform",
        seeds="1",
        per_demand="5",
        median_sizes="1000x250,2000x500",
    )
    cases = bench.plan(args)
    got = {(c["model"], c["n"], c["m"], c["p"]) for c in cases}
    assert got == {
        ("pmedian", 1000, 250, 10),
        ("pmedian", 2000, 500, 20),
        ("pcenter", 1000, 250, 10),
        ("pcenter", 2000, 500, 20),
        ("mclp", 300, 80, 5),  # LSCP / MCLP keep --sizes
    }
    args.median_sizes = ""  # default: the small sizes and p
    small = {(c["model"], c["n"], c["m"], c["p"]) for c in bench.plan(args)}
    assert ("pmedian", 300, 80, 8) in small and ("pcenter", 200, 50, 5) in small

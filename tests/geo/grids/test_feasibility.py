"""The exact band-feasibility check against brute force, and its use in grid reasons."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Mapping

import networkx as nx
import pytest

from geo.grids.feasibility import (
    band_partition,
    band_partition_exists,
    infeasible_reason,
    unplaceable_units,
)
from geo.grids.metrics import band_reason


def _partitions(items: list[str]):  # type: ignore[no-untyped-def]
    """Every set partition of ``items`` (brute force)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in _partitions(rest):
        for i in range(len(part)):
            yield [*part[:i], [first, *part[i]], *part[i + 1 :]]
        yield [[first], *part]


def _brute(g: nx.Graph, size: dict[str, float], lo: float, hi: float) -> bool:
    for part in _partitions(list(g.nodes)):
        if all(
            lo <= sum(size[u] for u in block) <= hi and nx.is_connected(g.subgraph(block))
            for block in part
        ):
            return True
    return False


def subset_dp_feasible(
    units: list[str],
    neighbors: Mapping[str, Iterable[str]],
    size: Mapping[str, float],
    lo: float,
    hi: float,
) -> bool:
    """Independent reference: every subset's band and connectivity (networkx), then a DP over
    subsets (the part is coverable when some in-band connected block holding its lowest
    uncovered unit leaves a coverable rest)."""
    g = nx.Graph()
    g.add_nodes_from(units)
    g.add_edges_from((u, v) for u in units for v in neighbors.get(u, ()) if v in g)
    n = len(units)
    good = [
        m
        for m in range(1, 1 << n)
        if lo <= sum(size[units[i]] for i in range(n) if m >> i & 1) <= hi
        and nx.is_connected(g.subgraph([units[i] for i in range(n) if m >> i & 1]))
    ]
    ok = {0: True}
    for rest in range(1, 1 << n):
        low = rest & -rest
        ok[rest] = any(ok[rest ^ m] for m in good if m & low and m & rest == m)
    return ok[(1 << n) - 1]


def _lattice(rng: random.Random) -> nx.Graph:
    rows, cols = rng.choice([(1, 4), (2, 3), (2, 4), (3, 3), (2, 2)])
    g = nx.grid_2d_graph(rows, cols)
    g = nx.relabel_nodes(g, {n: f"u{n[0]}{n[1]}" for n in g.nodes})
    for e in list(g.edges):
        if rng.random() < 0.25:
            g.remove_edge(*e)
    if rng.random() < 0.3:
        a, b = rng.sample(list(g.nodes), 2)
        g.add_edge(a, b)
    return g


@pytest.mark.parametrize("seed", range(60))
def test_feasible_exactly_when_brute_force_finds_a_partition(seed: int) -> None:
    rng = random.Random(seed)
    g = _lattice(rng)
    size = {u: float(rng.choice([60, 120, 180, 250, 268, 324, 383, 420])) for u in g.nodes}
    nb = {u: tuple(g.neighbors(u)) for u in g.nodes}
    want = _brute(g, size, 300, 500)
    assert subset_dp_feasible(list(g.nodes), nb, size, 300, 500) is want
    assert band_partition_exists(list(g.nodes), nb, size, 300, 500) is want


def test_the_issue_example_is_infeasible_and_named() -> None:
    # A 268-household estate whose only neighbours are whole estates of 324-383.
    size = {"a": 268.0, "b": 324.0, "c": 383.0, "d": 350.0}
    nb = {"a": ("b", "c"), "b": ("a", "d"), "c": ("a", "d"), "d": ("b", "c")}
    units = list(size)
    assert band_partition_exists(units, nb, size, 300, 500) is False
    assert unplaceable_units(units, nb, size, 300, 500) == ["a"]
    reason = infeasible_reason(units, nb, size, 300, 500)
    assert "unit a (268 households)" in reason and "324-383" in reason
    kind, text = band_reason(
        size=268,
        locked=False,
        max_unit=268,
        piece_total=1325,
        n_pieces=1,
        lo=300,
        hi=500,
        proven=reason,
    )
    assert (kind, text) == ("arithmetic", reason)
    # without the proof the same grid is a search grid (1325 = 3 grids of 300-500 in total)
    assert (
        band_reason(
            size=268, locked=False, max_unit=268, piece_total=1325, n_pieces=1, lo=300, hi=500
        )[0]
        == "search"
    )


def test_budget_and_size_limits_leave_it_undecided() -> None:
    g = nx.path_graph(6)
    nb = {str(u): tuple(str(v) for v in g.neighbors(u)) for u in g.nodes}
    size = {str(u): 100.0 for u in g.nodes}
    units = list(size)
    assert band_partition_exists(units, nb, size, 300, 500) is True
    off = {"exact_max_units": 0}  # the set-partition model off: the enumeration alone
    assert band_partition_exists(units, nb, size, 300, 500, max_units=5, **off) is None
    # beyond the enumeration's limit the set-partition model decides
    assert band_partition_exists(units, nb, size, 300, 500, max_units=5) is True
    size["5"] = 50.0  # 550 in total: one grid is > 500, two need >= 600
    assert band_partition_exists(units, nb, size, 300, 500, node_budget=0, **off) is None
    assert band_partition_exists(units, nb, size, 300, 500, node_budget=0) is False
    assert band_partition_exists(units, nb, size, 300, 500) is False
    assert band_partition_exists(units, nb, size, 300, 500, exact_max_units=5, max_units=5) is None


def test_overlap_cause_lists_sizes() -> None:
    # every unit lies in some in-band set, but no two disjoint sets cover all
    size = {"a": 200.0, "b": 200.0, "c": 200.0}
    nb = {"a": ("b", "c"), "b": ("a", "c"), "c": ("a", "b")}
    assert band_partition_exists(list(size), nb, size, 300, 500) is False
    assert unplaceable_units(list(size), nb, size, 300, 500) == []
    assert "200, 200, 200" in infeasible_reason(list(size), nb, size, 300, 500)


def test_itertools_brute_matches_on_a_path() -> None:
    # independent check of the brute force itself on a path (contiguous cuts)
    sizes = [150.0, 200.0, 250.0, 100.0, 300.0]
    g = nx.path_graph([f"p{i}" for i in range(5)])
    size = {f"p{i}": s for i, s in enumerate(sizes)}
    cuts_ok = any(
        all(300 <= sum(sizes[a:b]) <= 500 for a, b in itertools.pairwise((0, *c, 5)))
        for r in range(5)
        for c in itertools.combinations(range(1, 5), r)
    )
    assert _brute(g, size, 300, 500) is cuts_ok


def test_real_shapes_search_grids_proven_arithmetic() -> None:
    """On a real-shape district, grids whose part's total allows the band but whose units do
    not are ``arithmetic`` (checked by the subset DP), and the cheap test alone says search."""
    from geo.grids.gridding import grid_communities
    from geo.grids.params import GridParams
    from tests.geo.grids._realshape import district_layers

    # seed 1: a part of 11 units of 116-143 households (seed 0 now grids wholly in band)
    plan = grid_communities(district_layers(1), GridParams()).plan
    grids = plan.grids()
    lo, hi = plan.params.band()
    proven = grids[grids["band_reason"].str.contains("no division of the", regex=False)]
    assert len(proven) >= 1
    for gid in proven.index:
        assert proven.at[gid, "reason_kind"] == "arithmetic"
        first = plan.members[gid][0]
        cid, piece = plan.units.community_of[first], plan.units.pieces[first]
        part = [
            u
            for u, c in plan.units.community_of.items()
            if c == cid and plan.units.pieces[u] == piece
        ]
        size = {u: float(plan.units.units.at[u, "households"]) for u in part}
        total = sum(size.values())
        # the total alone allows the band: before the exact check this was a "search" grid
        assert (
            band_reason(
                size=float(grids.at[gid, "size"]),
                locked=False,
                max_unit=float(grids.at[gid, "max_unit_households"]),
                piece_total=total,
                n_pieces=1,
                lo=lo,
                hi=hi,
            )[0]
            == "search"
        )
        if len(part) <= 12:
            assert not subset_dp_feasible(part, plan.units.neighbors, size, lo, hi)


def _random_part(
    rng: random.Random,
) -> tuple[list[str], dict[str, tuple[str, ...]], dict[str, float]]:
    """A planar-ish random part: a lattice of 6-12 units with some edges removed, sizes of
    estates and building parts (60-480)."""
    rows, cols = rng.choice([(2, 3), (2, 4), (3, 3), (2, 5), (3, 4), (2, 6)])
    g = nx.grid_2d_graph(rows, cols)
    for e in list(g.edges):
        if rng.random() < 0.2:
            g.remove_edge(*e)
    if not nx.is_connected(g):
        g = g.subgraph(max(nx.connected_components(g), key=len)).copy()
    units = [f"u{a}{b}" for a, b in sorted(g.nodes)]
    nb = {f"u{a}{b}": tuple(f"u{c}{d}" for c, d in g.neighbors((a, b))) for a, b in g.nodes}
    size = {u: float(rng.choice([60, 120, 180, 240, 268, 300, 330, 383, 420, 480])) for u in units}
    return units, nb, size


@pytest.mark.parametrize("seed", range(40))
def test_set_partition_model_matches_the_subset_dp(seed: int) -> None:
    """The HiGHS set-partition model (forced on by max_units=0) decides exactly as the
    independent subset DP (networkx connectivity), and a division it finds is one."""
    rng = random.Random(1000 + seed)
    units, nb, size = _random_part(rng)
    want = subset_dp_feasible(units, nb, size, 300, 500)
    got = band_partition_exists(units, nb, size, 300, 500, max_units=0)
    assert got is want
    res = band_partition(units, nb, size, 300, 500)
    assert res.status == ("found" if want else "infeasible")
    if want:
        g = nx.Graph()
        g.add_edges_from((u, v) for u in units for v in nb[u])
        assert sorted(u for grp in res.groups for u in grp) == sorted(units)
        for grp in res.groups:
            assert 300 <= sum(size[u] for u in grp) <= 500
            assert len(grp) == 1 or nx.is_connected(g.subgraph(grp))


@pytest.mark.parametrize("seed", range(15))
def test_set_partition_cost_optimum_matches_brute_force(seed: int) -> None:
    """With a set cost, the division found is optimal: brute force over every set partition."""
    rng = random.Random(2000 + seed)
    units, nb, size = _random_part(rng)
    units = units[:8]
    nb = {u: tuple(v for v in nb[u] if v in units) for u in units}
    g = nx.Graph()
    g.add_nodes_from(units)
    g.add_edges_from((u, v) for u in units for v in nb[u])
    if not nx.is_connected(g):
        return
    mid = 400.0

    def cost_of(block: list[str]) -> float:
        return (sum(size[u] for u in block) - mid) ** 2

    best = None
    for part in _partitions(units):
        if all(
            300 <= sum(size[u] for u in block) <= 500 and nx.is_connected(g.subgraph(block))
            for block in part
        ):
            c = sum(cost_of(block) for block in part)
            best = c if best is None else min(best, c)
    res = band_partition(
        units, nb, size, 300, 500, set_cost=lambda s: cost_of([units[i] for i in s])
    )
    if best is None:
        assert res.status == "infeasible"
    else:
        assert res.status == "found" and res.optimal
        assert sum(cost_of(list(grp)) for grp in res.groups) == pytest.approx(best, abs=1e-4)


def test_set_partition_group_count_and_limits() -> None:
    g = nx.path_graph(6)
    nb = {str(u): tuple(str(v) for v in g.neighbors(u)) for u in g.nodes}
    size = {str(u): 100.0 for u in g.nodes}
    units = list(size)
    assert band_partition(units, nb, size, 300, 500, n_groups=(2, 2)).status == "found"
    assert band_partition(units, nb, size, 300, 500, n_groups=(1, 1)).status == "infeasible"
    assert band_partition(units, nb, size, 300, 500, max_units=5).status == "undecided"
    assert band_partition(units, nb, size, 300, 500, max_columns=3).status == "undecided"


def test_verdicts_are_remembered_per_part(monkeypatch: pytest.MonkeyPatch) -> None:
    import geo.grids.feasibility as feas

    g = nx.path_graph(7)
    nb = {f"r{u}": tuple(f"r{v}" for v in g.neighbors(u)) for u in g.nodes}
    size = {f"r{u}": 110.0 + u for u in g.nodes}
    units = list(size)
    first = band_partition_exists(units, nb, size, 300, 500, max_units=3)
    assert first is True

    def boom(*a: object, **k: object) -> None:
        raise AssertionError("checked again")

    monkeypatch.setattr(feas, "_enumerated_cover", boom)
    monkeypatch.setattr(feas, "band_partition", boom)
    assert band_partition_exists(units, nb, size, 300, 500, max_units=3) is True
    with pytest.raises(AssertionError, match="checked again"):  # another band: a new check
        band_partition_exists(units, nb, size, 300, 450, max_units=3)

"""Plan store on both backends: round trip, versions, conflicts, journal, diff, GeoPackage layout."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from geopandas.testing import assert_geodataframe_equal
from pandas.testing import assert_frame_equal

from geo.errors import ConflictError, StoreError, ValidationError
from geo.output.paths import default_store_target
from geo.output.store import (
    PlanRecord,
    Store,
    diff_plans,
    open_store,
    record_from_plan,
)
from tests.geo._store_support import make_record, pg_cluster, pg_schema_url  # noqa: F401


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgres)])
def target(request, tmp_path: Path) -> str:
    """A fresh store location: a GeoPackage file, or a fresh schema on the throwaway cluster."""
    if request.param == "gpkg":
        return str(tmp_path / "plans.gpkg")
    return pg_schema_url(request.getfixturevalue("pg_cluster"))


@pytest.fixture()
def store(target: str):
    with open_store(target) as s:
        yield s


def assert_same_plan(got: PlanRecord, want: PlanRecord) -> None:
    assert got.name == want.name
    assert dict(got.assignment) == dict(want.assignment)
    assert_geodataframe_equal(got.grids, want.grids, check_less_precise=False)
    assert got.grids.crs == want.grids.crs
    assert dict(got.params) == dict(want.params)
    assert dict(got.names) == dict(want.names)
    assert got.locked == want.locked
    if want.posts is None:
        assert got.posts is None
    else:
        assert_geodataframe_equal(got.posts, want.posts)
    if want.staffing is None:
        assert got.staffing is None
    else:
        assert_frame_equal(got.staffing, want.staffing)
    assert list(got.events) == list(want.events)


def test_round_trip_equals_the_plan(store: Store) -> None:
    rec = make_record()
    saved = store.save(rec)
    assert (saved.version, saved.parent, saved.author) == (1, None, "tester")
    loaded = store.load("demo")
    assert_same_plan(loaded, rec)
    assert (loaded.version, loaded.parent, loaded.message) == (1, None, "first cut")
    assert loaded.created == saved.created


def test_round_trip_without_posts_or_staffing_and_empty_history(store: Store) -> None:
    rec = make_record(posts=None, staffing=None, events=[], locked=frozenset())
    store.save(rec)
    assert_same_plan(store.load("demo", 1), rec)


def test_versions_chain_and_reopen(target: str) -> None:
    with open_store(target) as s:
        v1 = s.save(make_record())
        moved = dict(v1.assignment) | {"u0_0": "g1"}
        v2 = s.save(
            make_record(assignment=moved, message="moved u0_0").replace(version=v1.version),
            expected_version=1,
        )
        assert (v2.version, v2.parent) == (2, 1)
    with open_store(target) as s:  # a new process/session sees both versions
        assert s.latest_version("demo") == 2
        assert s.load("demo").assignment["u0_0"] == "g1"
        assert s.load("demo", 1).assignment["u0_0"] == "g0"
        versions = s.versions("demo")
        assert versions["version"].tolist() == [1, 2]
        assert versions["parent_version"].tolist()[1] == 1
        assert versions["n_history"].tolist() == [2, 2]
        listing = s.list()
        assert listing.loc[0, ["name", "latest_version", "n_versions"]].tolist() == ["demo", 2, 2]
        from sqlalchemy import text

        with s.engine.begin() as conn:  # the view QGIS / SQL users open: latest versions only
            rows = conn.execute(
                text("SELECT version, COUNT(*) FROM grids_latest GROUP BY version")
            ).all()
        assert [tuple(r) for r in rows] == [(2, 3)]
        assert listing.loc[0, "message"] == "moved u0_0"


def test_concurrent_save_conflict_loses_nothing(store: Store) -> None:
    base = store.save(make_record())
    alice = store.load("demo")
    bob = store.load("demo")
    alice_edit = make_record(assignment=dict(alice.assignment) | {"u0_0": "g1"}).replace(
        version=alice.version, author="alice"
    )
    bob_edit = make_record(assignment=dict(bob.assignment) | {"u1_2": "g1"}).replace(
        version=bob.version, author="bob"
    )
    store.save(alice_edit, expected_version=base.version)
    with pytest.raises(
        ConflictError,
        match=r"plan `demo` was saved as version 2 by alice .* "
        r"after you opened version 1; nothing was overwritten",
    ) as err:
        store.save(bob_edit, expected_version=base.version)
    assert err.value.latest_version == 2
    assert store.latest_version("demo") == 2
    assert store.load("demo").assignment["u0_0"] == "g1"  # alice's version stands
    assert store.load("demo").assignment["u1_2"] == "g2"  # bob's edit did not leak in
    branch = store.save_as(bob_edit, "demo-bob")
    assert (branch.name, branch.version, branch.parent_plan, branch.parent) == (
        "demo-bob",
        1,
        "demo",
        1,
    )
    assert store.load("demo-bob").assignment["u1_2"] == "g1"  # bob's work is kept
    assert sorted(store.list()["name"]) == ["demo", "demo-bob"]


def test_new_plan_with_taken_name_conflicts(store: Store) -> None:
    store.save(make_record())
    with pytest.raises(ConflictError, match=r"plan `demo` already exists .*save_as"):
        store.save(make_record())
    with pytest.raises(ConflictError, match=r"plan `demo` has no version 3 \(latest 1\)"):
        store.save(make_record(), expected_version=3)
    with pytest.raises(ConflictError, match=r"plan `new` has no version 1 \(latest none\)"):
        store.save(make_record(name="new"), expected_version=1)
    assert store.latest_version("new") is None  # the failed save left no empty plan behind


def test_racing_writers_exactly_one_wins(target: str) -> None:
    with open_store(target) as s:
        s.save(make_record())
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def writer(i: int) -> None:
        with open_store(target) as s:
            rec = make_record(author=f"w{i}").replace(version=1)
            barrier.wait()
            try:
                s.save(rec, expected_version=1)
                outcomes.append("saved")
            except ConflictError:
                outcomes.append("conflict")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["conflict"] * 3 + ["saved"]
    with open_store(target) as s:
        assert s.latest_version("demo") == 2 and len(s.versions("demo")) == 2


def test_event_journal_appends_and_survives_reopen(target: str) -> None:
    with open_store(target) as s:
        s.save(make_record())
        assert s.append_event("demo", 1, {"op": "move", "units": ["u0_0"], "to": "g1"}) == 1
        assert s.append_event("demo", 1, {"op": "lock", "grid": "g1"}) == 2
        assert (
            s.append_event(
                "demo", 1, {"op": "rename", "grid": "g2", "name": "东区"}, session="tab-2"
            )
            == 1
        )
    with open_store(target) as s:  # a server restart: a new store object, same events
        assert s.events("demo", 1) == [
            {"op": "move", "units": ["u0_0"], "to": "g1"},
            {"op": "lock", "grid": "g1"},
        ]
        assert s.events("demo", 1, session="tab-2") == [
            {"op": "rename", "grid": "g2", "name": "东区"}
        ]
        assert s.sessions("demo", 1) == ["default", "tab-2"]
        assert s.versions("demo")["n_journal"].tolist() == [3]
        assert s.clear_events("demo", 1) == 2
        assert s.events("demo", 1) == []


def test_event_errors(store: Store) -> None:
    store.save(make_record())
    with pytest.raises(StoreError, match=r"plan `demo` has no version 7"):
        store.append_event("demo", 7, {"op": "undo"})
    with pytest.raises(StoreError, match=r"no plan `nope`"):
        store.append_event("nope", 1, {"op": "undo"})
    with pytest.raises(ValidationError, match="not JSON-safe"):
        store.append_event("demo", 1, {"op": "move", "units": {1, 2}})


def test_missing_plan_and_version(store: Store) -> None:
    with pytest.raises(StoreError, match=r"no plan `demo` .*plans: none"):
        store.load("demo")
    store.save(make_record())
    with pytest.raises(StoreError, match=r"plan `demo` has no version 2 \(versions 1-1\)"):
        store.load("demo", 2)
    with pytest.raises(StoreError, match=r"no plan `other` .*plans: `demo`"):
        store.versions("other")
    assert store.latest_version("other") is None


def test_malformed_record_is_refused(store: Store) -> None:
    bad = make_record(name=" ", events=[{"op": float("nan")}])
    with pytest.raises(ValidationError, match=r"(?s)name ' ' is empty.*not JSON-safe"):
        store.save(bad)
    assert store.list().empty


def test_diff_of_two_known_versions(store: Store) -> None:
    v1 = store.save(make_record())
    moved = dict(v1.assignment) | {"u0_0": "g1", "u1_0": "g1"}  # g0 disappears into g1
    moved |= {"u1_2": "g3"}  # a new grid g3 out of g2
    store.save(make_record(assignment=moved).replace(version=1), expected_version=1)
    diff = diff_plans(store.load("demo", 1), store.load("demo", 2))
    assert diff.moved.to_dict(orient="records") == [
        {"unit_id": "u0_0", "from_grid": "g0", "to_grid": "g1"},
        {"unit_id": "u1_0", "from_grid": "g0", "to_grid": "g1"},
        {"unit_id": "u1_2", "from_grid": "g2", "to_grid": "g3"},
    ]
    assert (diff.grids_added, diff.grids_removed, diff.grids_changed) == (
        ["g3"],
        ["g0"],
        ["g1", "g2"],
    )
    metrics = diff.metrics.set_index("metric")
    assert metrics.loc["n_grids", "delta"] == 0  # 3 grids before (g0-g2), 3 after (g1-g3)
    assert metrics.loc["households_max", "a"] == 300 and metrics.loc["households_max", "b"] == 600
    deltas = diff.grid_deltas.set_index("grid_id")
    assert (
        deltas.loc["g1", "households_delta"] == 300 and deltas.loc["g2", "households_delta"] == -150
    )
    areas = diff.changed_areas
    assert isinstance(areas, gpd.GeoDataFrame) and areas.crs == "EPSG:32651"
    by = {(r.grid_id, r.change): round(r.area_m2) for r in areas.itertuples()}
    assert by == {
        ("g3", "added"): 10_000,
        ("g0", "removed"): 20_000,
        ("g1", "gained"): 20_000,
        ("g2", "lost"): 10_000,
    }
    summary = diff.summary()
    assert summary["units_moved"] == 3 and summary["changed_area_m2"] == 60_000
    json.dumps(summary, allow_nan=False)


def test_diff_of_identical_plans_is_empty() -> None:
    rec = make_record()
    diff = diff_plans(rec, rec)
    assert diff.moved.empty and diff.changed_areas.empty
    assert not (diff.grids_added or diff.grids_removed or diff.grids_changed)
    assert (diff.metrics["delta"].fillna(0) == 0).all()


def test_record_from_plan_adapter() -> None:
    from dataclasses import dataclass

    rec = make_record()

    @dataclass(frozen=True)
    class Params:
        min_households: int = 300
        size_by: str = "households"

    class FakePlan:
        def __init__(self) -> None:
            self.assignment = dict(rec.assignment)
            self.names = dict(rec.names)
            self.locked = frozenset({"g0"})
            self.params = Params()

        def grids(self):
            return rec.grids

    out = record_from_plan(FakePlan(), "from-engine", events=[{"op": "undo"}])
    assert out.params == {"min_households": 300, "size_by": "households"}
    assert out.locked == frozenset({"g0"}) and out.events == [{"op": "undo"}]
    assert out.grids is rec.grids and out.version is None


# --------------------------------------------------------------------------- GeoPackage only


def test_gpkg_store_is_a_geopackage_qgis_opens(tmp_path: Path) -> None:
    path = tmp_path / "plans.gpkg"
    with open_store(path) as s:
        s.save(make_record())
        s.save(make_record(name="other"))
    layers = dict(pyogrio.list_layers(path))
    assert {"grids", "posts", "plans", "versions", "assignment", "staffing", "events"} <= set(
        layers
    )
    assert layers["plans"] is None
    grids = pyogrio.read_dataframe(path, layer="grids")
    assert grids.crs.to_epsg() == 4326 and len(grids) == 6
    assert set(grids["plan"]) == {"demo", "other"}
    assert grids.geometry.is_valid.all()
    lon, lat = grids.geometry.iloc[0].representative_point().coords[0]
    assert 119 < lon < 122 and 30 < lat < 33
    assert grids["households"].tolist()[:3] == [300.0, 300.0, 300.0]
    with open_store(path) as s:
        s.save(
            make_record(assignment={u: "g0" for u in make_record().assignment}).replace(version=1),
            expected_version=1,
        )
    assert {"grids_latest"} <= set(dict(pyogrio.list_layers(path)))
    latest = pyogrio.read_dataframe(path, layer="grids_latest")
    assert sorted(zip(latest["plan"], latest["version"], latest["grid_id"], strict=True)) == [
        ("demo", 2, "g0"),
        ("other", 1, "g0"),
        ("other", 1, "g1"),
        ("other", 1, "g2"),
    ]
    assert latest.crs.to_epsg() == 4326 and latest.geometry.notna().all()
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_default_store_target(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRIDPLAN_STORE", str(tmp_path / "env.gpkg"))
    assert default_store_target() == str(tmp_path / "env.gpkg")
    with open_store() as s:
        s.save(make_record())
    assert (tmp_path / "env.gpkg").exists()
    monkeypatch.delenv("GRIDPLAN_STORE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_store_target() == str(tmp_path / "home" / ".local/share/gridplan/plans.gpkg")


def test_sqlite_url_and_bad_scheme(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path}/u.gpkg") as s:
        s.save(make_record())
    assert (tmp_path / "u.gpkg").exists()
    with pytest.raises(StoreError, match="scheme `mysql` is not supported"):
        open_store("mysql://x@localhost/db")


def test_unreachable_postgres_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot open the plan store postgresql"):
        open_store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_store_does_not_import_streamlit() -> None:
    import subprocess
    import sys

    code = "import sys, geo.output.store; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_frame_dtypes_survive(store: Store) -> None:
    rec = make_record()
    grids = rec.grids.assign(
        when=pd.Timestamp("2026-01-02T03:04:05", tz="UTC"),
        share=[0.1, 0.2, float("nan")],
        flag=[True, False, True],
    )
    store.save(rec.replace(grids=grids))
    got = store.load("demo").grids
    assert_geodataframe_equal(got, grids)


def test_engine_plan_round_trip_and_resume(tmp_path: Path) -> None:
    """A real Plan -> store -> Plan on the same units; the journal replays the edits exactly."""
    from geo.grids.edits import PlanEditor
    from geo.grids.gridding import grid_communities
    from geo.grids.params import GridParams
    from geo.grids.units import build_units_from_frames
    from geo.output.store import record_to_plan, resume_editor
    from tests.geo._synthetic import make_frames

    comms, estates, buildings = make_frames(4, nx=4, ny=3)
    units = build_units_from_frames(comms, estates, buildings)
    plan = grid_communities(units, GridParams(min_households=300, max_households=700, seed=1)).plan
    editor = PlanEditor(plan)
    grid_ids = sorted(set(plan.assignment.values()))
    editor.lock(grid_ids[0])
    editor.rename(grid_ids[-1], "东区网格")
    with open_store(tmp_path / "p.gpkg") as s:
        saved = s.save(record_from_plan(editor.plan, "engine", events=editor.events))
        editor2 = PlanEditor(editor.plan)  # the app edits on after saving, journaling each edit
        for edit in (
            lambda e: e.unlock(grid_ids[0]),
            lambda e: e.rename(grid_ids[1], "西区"),
            lambda e: e.undo(),
        ):
            edit(editor2)
            s.append_event("engine", saved.version, editor2.events[-1])
    with open_store(tmp_path / "p.gpkg") as s:  # a restarted server
        rec = s.load("engine")
        assert_geodataframe_equal(rec.grids, editor.plan.grids())
        back = record_to_plan(rec, units)
        assert back.assignment == editor.plan.assignment and back.locked == editor.plan.locked
        assert back.names == editor.plan.names and back.params == plan.params
        # dtypes differ inside the engine itself: a table patched by edits has object ids
        assert_geodataframe_equal(
            back.grids(), editor.plan.grids(), check_less_precise=True, check_dtype=False
        )
        _, resumed = resume_editor(s, units, "engine")
    assert resumed.events == editor2.events
    assert resumed.plan.assignment == editor2.plan.assignment
    assert resumed.can_redo == editor2.can_redo


def test_an_export_or_other_file_is_not_taken_for_a_store(tmp_path: Path) -> None:
    from geo.output.export import export_plan

    exported = export_plan(make_record().replace(version=1), "gpkg", tmp_path / "export.gpkg")[0]
    with pytest.raises(StoreError, match=r"export.gpkg is not a gridplan plan store: .*`grids`"):
        open_store(exported)
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"this is not a database file at all" * 100)
    with pytest.raises(StoreError, match=r"cannot open the plan store .*junk\.gpkg"):
        open_store(junk)


def test_one_store_shared_by_threads(store: Store) -> None:
    """The app keeps one Store per process (st.cache_resource) used by every session's thread."""
    store.save(make_record())
    errors: list[str] = []

    def session(i: int) -> None:
        try:
            for k in range(10):
                store.append_event(
                    "demo", 1, {"op": "rename", "grid": "g1", "name": f"{i}-{k}"}, session=f"s{i}"
                )
            store.load("demo")
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=session, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    for i in range(4):
        assert [e["name"] for e in store.events("demo", 1, session=f"s{i}")] == [
            f"{i}-{k}" for k in range(10)
        ]


def test_diff_ignores_millimetre_shifts_but_not_real_ones() -> None:
    rec = make_record()
    nudged = rec.grids.copy()
    nudged["geometry"] = nudged.geometry.translate(0.004, -0.003)  # 5 mm: a datum round trip
    assert not diff_plans(rec, rec.replace(grids=nudged)).grids_changed
    moved = rec.grids.copy()
    moved["geometry"] = moved.geometry.translate(0.5, 0.0)
    assert diff_plans(rec, rec.replace(grids=moved)).grids_changed == sorted(rec.grids["grid_id"])

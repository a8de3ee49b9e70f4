"""Hostile input, output side (issue #9): no command writes onto the plan store, onto one of
its own inputs, or into a place it cannot write, and the refusal names both paths.

One row per case; :func:`tests.hostile._harness.run_case` checks the exit code, the message,
that no traceback reached the user and that none of the user's files changed. Every row runs
with ``GRIDPLAN_STORE`` pointing at ``default.gpkg`` inside the case's folder, so the default
store is a file of the user as well.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.output.store import open_store
from tests.geo._store_support import make_record
from tests.hostile._harness import Case, run_case

REFUSED = 2


# --------------------------------------------------------------------------- the user's files


def dataset(folder: Path) -> Path:
    """A small dataset folder: communities, estates and a walk network file."""
    folder.mkdir(parents=True, exist_ok=True)
    gpd.GeoDataFrame(
        {"community_id": ["c1"], "name": ["甲社区"]},
        geometry=[box(120.30, 31.48, 120.31, 31.49)],
        crs="EPSG:4326",
    ).to_file(folder / "communities.geojson")
    gpd.GeoDataFrame(
        {"estate_id": ["e1", "e2"], "households": [300, 200], "party_members": [10, 5]},
        geometry=[box(120.301, 31.481, 120.303, 31.483), box(120.305, 31.485, 120.307, 31.487)],
        crs="EPSG:4326",
    ).to_file(folder / "estates.geojson")
    (folder / "walk.graphml").write_text("<graphml/>", encoding="utf-8")
    return folder


def store(path: Path) -> Path:
    """A plan store holding plan `demo` v1."""
    with open_store(path) as s:
        s.save(make_record())
    return path


def default_store(tmp: Path) -> Path:
    return tmp / "default.gpkg"


def _export(tmp: Path, fmt: str, out: Path | str, *extra: str) -> list[str]:
    return [
        "export",
        "--plan",
        "demo",
        "--format",
        fmt,
        "--out",
        str(out),
        "--store",
        str(store(tmp / "plans.gpkg")),
        *extra,
    ]


def _symlink_to_store(tmp: Path) -> list[str]:
    link = tmp / "link.gpkg"
    link.symlink_to(tmp / "plans.gpkg")  # the store itself is made by _export
    return _export(tmp, "gpkg", link)


def _dotdot_to_store(tmp: Path) -> list[str]:
    (tmp / "sub").mkdir()
    return _export(tmp, "gpkg", tmp / "sub" / ".." / "plans.gpkg")


def _default_store(tmp: Path) -> list[str]:
    store(default_store(tmp))
    return ["export", "--plan", "demo", "--format", "gpkg", "--out", str(default_store(tmp))]


def _sqlite_url(tmp: Path) -> list[str]:
    path = store(tmp / "plans.gpkg")
    return [
        "export",
        "--plan",
        "demo",
        "--format",
        "gpkg",
        "--out",
        str(path),
        "--store",
        f"sqlite:///{path}",
    ]


def _parent_is_file(tmp: Path) -> list[str]:
    (tmp / "notes.txt").write_text("mine", encoding="utf-8")
    return _export(tmp, "html", tmp / "notes.txt" / "map.html")


def _out_is_folder(tmp: Path) -> list[str]:
    (tmp / "maps").mkdir()
    (tmp / "maps" / "keep.txt").write_text("mine", encoding="utf-8")
    return _export(tmp, "html", tmp / "maps")


def _grid(tmp: Path, out: Path | str, *extra: str) -> list[str]:
    return ["grid", "--data", str(dataset(tmp / "data")), "--out", str(out), *extra]


def _grid_from_plan(tmp: Path) -> list[str]:
    plan = tmp / "in_force.geojson"
    gpd.GeoDataFrame(
        {"grid_id": ["g1"], "name": ["一"]},
        geometry=[box(120.30, 31.48, 120.31, 31.49)],
        crs="EPSG:4326",
    ).to_file(plan)
    return _grid(tmp, plan, "--from-plan", str(plan))


def _grid_gpkg_dataset(tmp: Path) -> list[str]:
    data = dataset(tmp / "data")
    gpkg = tmp / "data.gpkg"
    for name in ("communities", "estates"):
        gpd.read_file(data / f"{name}.geojson").to_file(gpkg, layer=name)
    return ["grid", "--data", str(gpkg), "--out", str(gpkg)]


def _side_file_is_input(tmp: Path) -> list[str]:
    # --out x.geojson also writes x_assignment.csv beside it: here that is the --from-plan file
    plan = tmp / "x_assignment.csv"
    plan.write_text("grid_id\n", encoding="utf-8")
    return _grid(tmp, tmp / "x.geojson", "--from-plan", str(plan))


def _staff_grids(tmp: Path) -> list[str]:
    grids = tmp / "grids.csv"
    grids.write_text("grid_id,households\ng1,300\n", encoding="utf-8")
    return ["staff", "--grids", str(grids), "--out", str(grids)]


def _site_matrix(tmp: Path) -> list[str]:
    matrix = tmp / "cost.csv"
    matrix.write_text("c1,c2\n100,200\n", encoding="utf-8")
    return [
        "site",
        "--cost-matrix",
        str(matrix),
        "--model",
        "mclp",
        "--posts",
        "1",
        "--radius",
        "150",
        "--curve",
        "--curve-plot",
        str(matrix),
    ]


def _coverage_dupes(tmp: Path) -> list[str]:
    return [
        "coverage",
        "--data",
        str(dataset(tmp / "data")),
        "--out",
        str(tmp / "cov.geojson"),
        "--gaps",
        str(tmp / "cov.geojson"),
    ]


def _plan_diff_map(tmp: Path) -> list[str]:
    path = store(tmp / "plans.gpkg")
    return [
        "plan",
        "diff",
        "demo",
        "--from",
        "1",
        "--to",
        "1",
        "--store",
        str(path),
        "--map",
        str(path),
    ]


def _demo_onto_file(tmp: Path) -> list[str]:
    (tmp / "notes.txt").write_text("mine", encoding="utf-8")
    return ["demo", "--out", str(tmp / "notes.txt")]


CASES: Sequence[Case] = (
    # finding 2: the plan store
    Case(
        "export-gpkg-onto-store",
        lambda t: _export(t, "gpkg", t / "plans.gpkg"),
        REFUSED,
        r"refusing to write `.*plans\.gpkg`: it is the plan store `.*plans\.gpkg`",
    ),
    Case(
        "export-onto-symlink-to-store",
        _symlink_to_store,
        REFUSED,
        r"link\.gpkg`: it is the plan store `.*plans\.gpkg`",
    ),
    Case("export-dotdot-onto-store", _dotdot_to_store, REFUSED, r"it is the plan store"),
    Case(
        "export-onto-default-store",
        _default_store,
        REFUSED,
        r"it is the plan store `.*default\.gpkg`",
    ),
    Case("export-onto-store-by-sqlite-url", _sqlite_url, REFUSED, r"it is the plan store"),
    Case(
        "export-onto-store-wal",
        lambda t: _export(t, "geojson", t / "plans.gpkg-wal"),
        REFUSED,
        r"plans\.gpkg-wal`: it is the plan store",
    ),
    Case(
        "export-csv-folder-is-store",
        lambda t: _export(t, "csv", t / "plans.gpkg"),
        REFUSED,
        r"plans\.gpkg`: it is the plan store",
    ),
    Case(
        "grid-save-plan-onto-store",
        lambda t: _grid(
            t, store(t / "plans.gpkg"), "--save-plan", "x", "--store", str(t / "plans.gpkg")
        ),
        REFUSED,
        r"it is the plan store .*Fix: choose",
    ),
    Case(
        "grid-onto-default-store",
        lambda t: _grid(t, store(default_store(t))),
        REFUSED,
        r"default\.gpkg`: it is the plan",
    ),
    Case("plan-diff-map-onto-store", _plan_diff_map, REFUSED, r"--map.*it is the plan store"),
    # finding 2: the command's own inputs
    Case(
        "grid-onto-data-estates",
        lambda t: _grid(t, t / "data" / "estates.geojson"),
        REFUSED,
        r"estates\.geojson`: it is the input `.*estates\.geojson` of --data",
    ),
    Case(
        "grid-dotdot-onto-data-file",
        lambda t: _grid(t, t / "elsewhere" / ".." / "data" / "communities.geojson"),
        REFUSED,
        r"it is the input `.*communities\.geojson` of --data",
    ),
    Case(
        "grid-onto-walk-network",
        lambda t: _grid(t, t / "data" / "walk.graphml"),
        REFUSED,
        r"it is the input `.*walk\.graphml` of --data",
    ),
    Case("grid-onto-from-plan", _grid_from_plan, REFUSED, r"of --from-plan"),
    Case("grid-onto-gpkg-dataset", _grid_gpkg_dataset, REFUSED, r"data\.gpkg` of --data"),
    Case(
        "grid-side-file-onto-input",
        _side_file_is_input,
        REFUSED,
        r"--out \(assignment\).*x_assignment\.csv` of --from-plan",
    ),
    Case("staff-onto-grids", _staff_grids, REFUSED, r"`--out`.*of --grids"),
    Case("site-plot-onto-cost-matrix", _site_matrix, REFUSED, r"--curve-plot.*of --cost-matrix"),
    Case(
        "coverage-gaps-same-as-out",
        _coverage_dupes,
        REFUSED,
        r"`--gaps`.*cov\.geojson` is also written as",
    ),
    # finding 3 (finding 7 of the review): an output that cannot be written
    Case(
        "export-parent-is-a-file",
        _parent_is_file,
        REFUSED,
        r"cannot write `.*notes\.txt/map\.html`: `.*notes\.txt` is a file, not a folder",
    ),
    Case("export-out-is-a-folder", _out_is_folder, REFUSED, r"`.*maps` is a folder, not a file"),
    Case(
        "demo-folder-is-a-file",
        _demo_onto_file,
        REFUSED,
        r"notes\.txt` is a file, but this output is a folder",
    ),
    # control: an ordinary export still works
    Case(
        "export-ordinary",
        lambda t: _export(t, "geojson", t / "out" / "grids.geojson"),
        0,
        r"exported plan `demo` version 1",
        # opening a store rewrites its header bytes (sqlite change counter): not a loss
        allowed=("grids.geojson", "grids_posts.geojson", "plans.gpkg"),
    ),
)


@pytest.fixture(autouse=True)
def _default_store_in_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDPLAN_STORE", str(default_store(tmp_path)))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_outputs(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_case(case, tmp_path, capsys)


def test_unwritable_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As root every folder is writable, so the permission check is driven by ``os.access``."""
    locked = tmp_path / "locked"
    locked.mkdir()
    real = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: False if Path(p) == locked else real(p, mode, **kw)
    )
    case = Case(
        "export-unwritable-folder",
        lambda t: _export(t, "html", locked / "m.html"),
        REFUSED,
        r"the folder `.*locked` is not writable\..*Fix: choose a folder",
    )
    run_case(case, tmp_path, capsys)


# --------------------------------------------------------------------------- finding 8


@pytest.mark.parametrize("command", ["coverage", "grid"])
def test_columns_dropped_at_load_are_listed_in_the_metadata(
    tmp_path: Path, command: str, capsys
) -> None:
    """Personal columns the loader dropped appear in ``personal_fields_dropped`` of the output."""
    import json

    from cli.main import main

    data = dataset(tmp_path / "data")
    (data / "walk.graphml").unlink()
    estates = gpd.read_file(data / "estates.geojson")
    estates["姓名"] = ["张三", "李四"]
    estates["联系电话"] = ["13812345678", "13912345678"]
    estates.to_file(data / "estates.geojson")
    gpd.GeoDataFrame(
        {"facility_id": ["f1"], "name": ["站"], "level": ["community"]},
        geometry=[box(120.302, 31.482, 120.3021, 31.4821).centroid],
        crs="EPSG:4326",
    ).to_file(data / "facilities.geojson")
    out = tmp_path / "out.geojson"
    extra = ["--no-network"] if command == "coverage" else []
    assert main([command, "--data", str(data), "--out", str(out), *extra]) == 0, capsys.readouterr()
    meta = json.loads(out.read_text(encoding="utf-8"))["metadata"]
    assert set(meta["personal_fields_dropped"]) == {"姓名", "联系电话"}
    assert meta["personal_fields_dropped_at_load"] == {"estates": ["姓名", "联系电话"]}
    assert "张三" not in out.read_text(encoding="utf-8")

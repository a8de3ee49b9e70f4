"""``gridplan plan list|show|diff`` and ``gridplan export`` on a store made in the test."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from cli.main import main
from geo.output.store import open_store
from tests.geo._store_support import make_record, pg_cluster, pg_schema_url  # noqa: F401


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    """A store with plan `demo` v1, v2 (u0_0 moved g0 -> g1) and a personal column in v2."""
    path = tmp_path / "plans.gpkg"
    with open_store(path) as s:
        v1 = s.save(make_record())
        rec = make_record(assignment=dict(v1.assignment) | {"u0_0": "g1"}, message="move u0_0")
        grids = rec.grids.assign(联系电话=["13812345678"] * len(rec.grids))  # must never leave
        s.save(rec.replace(version=1, grids=grids), expected_version=1)
        s.append_event("demo", 2, {"op": "lock", "grid": "g2"})
    return path


def test_plan_list(store_path: Path, capsys) -> None:
    assert main(["plan", "list", "--store", str(store_path)]) == 0
    out = capsys.readouterr().out
    assert "demo" in out and "move u0_0" in out
    assert main(["plan", "list", "--store", str(store_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert (
        rows[0]["name"] == "demo" and rows[0]["latest_version"] == 2 and rows[0]["n_versions"] == 2
    )


def test_plan_list_uses_env_store(store_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("GRIDPLAN_STORE", str(store_path))
    assert main(["plan", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["name"] == "demo"


def test_plan_list_empty_store(tmp_path: Path, capsys) -> None:
    assert main(["plan", "list", "--store", str(tmp_path / "new.gpkg")]) == 0
    assert "no plans in" in capsys.readouterr().out


def test_plan_show(store_path: Path, capsys) -> None:
    assert main(["plan", "show", "demo", "--version", "1", "--store", str(store_path)]) == 0
    out = capsys.readouterr().out
    assert "version 1 by tester" in out and "3 grids, 6 units, 1 locked" in out and "第1网格" in out
    assert main(["plan", "show", "demo", "--store", str(store_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (
        doc["version"] == 2
        and doc["parent"] == 1
        and doc["journal"] == [{"op": "lock", "grid": "g2"}]
    )
    assert [v["version"] for v in doc["versions"]] == [1, 2]


def test_plan_show_missing_is_a_clear_error(store_path: Path, capsys) -> None:
    assert main(["plan", "show", "nope", "--store", str(store_path)]) == 2
    assert "no plan `nope`" in capsys.readouterr().err
    assert main(["plan", "show", "demo", "--version", "9", "--store", str(store_path)]) == 2
    assert "has no version 9" in capsys.readouterr().err


def test_plan_diff(store_path: Path, tmp_path: Path, capsys) -> None:
    changes = tmp_path / "changes.geojson"
    assert (
        main(
            [
                "plan",
                "diff",
                "demo",
                "--from",
                "1",
                "--to",
                "2",
                "--store",
                str(store_path),
                "--map",
                str(changes),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "1 units moved" in out and "grids changed: g0, g1" in out and "u0_0" in out
    areas = gpd.read_file(changes)
    assert sorted(zip(areas["grid_id"], areas["change"], strict=True)) == [
        ("g0", "lost"),
        ("g1", "gained"),
    ]
    assert (
        main(
            [
                "plan",
                "diff",
                "demo",
                "--from",
                "1",
                "--to",
                "2",
                "--store",
                str(store_path),
                "--json",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["moved"] == [{"unit_id": "u0_0", "from_grid": "g0", "to_grid": "g1"}]
    assert doc["changed_area_m2"] == pytest.approx(20_000)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv", "html"])
def test_export_formats_without_personal_fields(
    store_path: Path, tmp_path: Path, fmt: str, capsys
) -> None:
    out = (
        tmp_path
        / {"geojson": "plan.geojson", "gpkg": "plan.gpkg", "csv": "csv", "html": "m.html"}[fmt]
    )
    assert (
        main(
            [
                "export",
                "--plan",
                "demo",
                "--format",
                fmt,
                "--out",
                str(out),
                "--store",
                str(store_path),
            ]
        )
        == 0
    )
    assert "exported plan `demo` version 2" in capsys.readouterr().out
    if fmt == "geojson":
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert doc["metadata"]["plan"] == "demo" and doc["metadata"]["version"] == 2
        assert doc["metadata"]["personal_fields_dropped"] == ["联系电话"]
        assert "联系电话" not in doc["features"][0]["properties"]
        assert (tmp_path / "plan_posts.geojson").exists()
        text = json.dumps(doc["features"], ensure_ascii=False)
    elif fmt == "gpkg":
        assert set(dict(pyogrio.list_layers(out))) == {
            "grids",
            "assignment",
            "posts",
            "staffing",
            "metadata",
        }
        grids = gpd.read_file(out, layer="grids")
        assert "联系电话" not in grids.columns
        text = grids.to_json()
    elif fmt == "csv":
        assert sorted(p.name for p in out.iterdir()) == [
            "assignment.csv",
            "grids.csv",
            "metadata.json",
            "posts.csv",
            "staffing.csv",
        ]
        assert len(pd.read_csv(out / "assignment.csv")) == 6
        text = (out / "grids.csv").read_text(encoding="utf-8-sig")
    else:
        text = out.read_text(encoding="utf-8")
        assert "L.map(" in text and "<title>demo v2</title>" in text
        text = text.split("metadata</summary>")[0]
    assert "13812345678" not in text


def test_export_version_and_bad_options(store_path: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "v1.geojson"
    assert (
        main(
            [
                "export",
                "--plan",
                "demo",
                "--version",
                "1",
                "--format",
                "geojson",
                "--out",
                str(out),
                "--store",
                str(store_path),
            ]
        )
        == 0
    )
    assert json.loads(out.read_text(encoding="utf-8"))["metadata"]["version"] == 1
    assert (
        main(
            [
                "export",
                "--plan",
                "demo",
                "--format",
                "html",
                "--gcj02",
                "--out",
                str(tmp_path / "x.html"),
                "--store",
                str(store_path),
            ]
        )
        == 2
    )
    assert "--gcj02" in capsys.readouterr().err


def test_export_gcj02(store_path: Path, tmp_path: Path) -> None:
    wgs, gcj = tmp_path / "w.geojson", tmp_path / "g.geojson"
    for path, extra in ((wgs, []), (gcj, ["--gcj02"])):
        assert (
            main(
                [
                    "export",
                    "--plan",
                    "demo",
                    "--format",
                    "geojson",
                    "--out",
                    str(path),
                    "--store",
                    str(store_path),
                    *extra,
                ]
            )
            == 0
        )
    a, b = gpd.read_file(wgs), gpd.read_file(gcj)
    shift = a.to_crs(32651).centroid.distance(b.to_crs(32651).centroid)
    assert (shift > 100).all() and json.loads(gcj.read_text())["metadata"]["datum"] == "GCJ-02"


def test_save_from_args(tmp_path: Path, capsys) -> None:
    import argparse

    from cli.plan import add_save_arguments, save_from_args

    parser = argparse.ArgumentParser()
    add_save_arguments(parser)
    rec = make_record()

    class FakePlan:
        def __init__(self) -> None:
            self.assignment, self.names, self.locked = rec.assignment, rec.names, rec.locked
            self.params = dict(rec.params)

        def grids(self):
            return rec.grids

    store = tmp_path / "s.gpkg"
    args = parser.parse_args(["--save-plan", "cut", "--store", str(store)])
    assert save_from_args(args, FakePlan()) == {"name": "cut", "version": 1, "store": str(store)}
    assert save_from_args(args, FakePlan())["version"] == 2  # next version of the same name
    assert capsys.readouterr().out == ""  # commands print JSON: nothing else on stdout
    assert save_from_args(parser.parse_args([]), FakePlan()) is None
    with open_store(store) as s:
        assert s.load("cut", 2).parent == 1


def test_grid_save_plan_then_show_and_export(tmp_path: Path, capsys) -> None:
    from tests.geo._synthetic import make_frames

    data = tmp_path / "data"
    data.mkdir()
    comms, estates, _ = make_frames(5, nx=4, ny=3)
    comms.to_crs(4326).to_file(data / "communities.geojson", driver="GeoJSON")
    estates.to_crs(4326).to_file(data / "estates.geojson", driver="GeoJSON")
    store = tmp_path / "plans.gpkg"
    for version in (1, 2):
        assert (
            main(
                [
                    "grid",
                    "--data",
                    str(data),
                    "--out",
                    str(tmp_path / "g.geojson"),
                    "--save-plan",
                    "synthetic",
                    "--store",
                    str(store),
                ]
            )
            == 0
        )
        summary = json.loads(capsys.readouterr().out)  # stdout stays pure JSON
        assert summary["saved_plan"] == {
            "name": "synthetic",
            "version": version,
            "store": str(store),
        }
    with open_store(store) as s:
        rec = s.load("synthetic")
    assert rec.parent == 1 and rec.params["min_households"] == 300 and len(rec.grids) >= 1
    assert (
        main(
            [
                "export",
                "--plan",
                "synthetic",
                "--format",
                "gpkg",
                "--out",
                str(tmp_path / "x.gpkg"),
                "--store",
                str(store),
            ]
        )
        == 0
    )
    assert len(gpd.read_file(tmp_path / "x.gpkg", layer="grids")) == len(rec.grids)


@pytest.mark.postgres
def test_cli_on_a_postgis_store(pg_cluster: str, tmp_path: Path, capsys) -> None:  # noqa: F811
    url = pg_schema_url(pg_cluster)
    with open_store(url) as s:
        v1 = s.save(make_record())
        s.save_as(
            make_record(assignment=dict(v1.assignment) | {"u1_1": "g0"}).replace(version=1),
            "demo-branch",
        )
    assert main(["plan", "list", "--store", url, "--json"]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)] == ["demo", "demo-branch"]
    assert (
        main(
            [
                "plan",
                "diff",
                "demo",
                "--from",
                "1",
                "--to",
                "1",
                "--to-plan",
                "demo-branch",
                "--store",
                url,
                "--json",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["to"] == {"plan": "demo-branch", "version": 1}
    assert doc["moved"] == [{"unit_id": "u1_1", "from_grid": "g1", "to_grid": "g0"}]
    out = tmp_path / "pg.geojson"
    assert (
        main(
            [
                "export",
                "--plan",
                "demo-branch",
                "--format",
                "geojson",
                "--out",
                str(out),
                "--store",
                url,
            ]
        )
        == 0
    )
    assert json.loads(out.read_text(encoding="utf-8"))["metadata"]["parent_plan"] == "demo"

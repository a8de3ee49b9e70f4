"""Tables and rosters as planners have them: title rows, merged cells, totals rows, GBK CSV,
swapped lon/lat, point estates, and rosters joined by id or by name with every miss reported."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.data.io import load_layers
from geo.data.join import join_roster, loose_key, name_key
from geo.data.tables import coordinate_columns, read_table, table_points
from geo.errors import ValidationError
from tests._userdata import estate_points_frame, write_points_dataset, write_xlsx

DEMO = Path(__file__).resolve().parents[3] / "data" / "boundaries"


@pytest.fixture(scope="module")
def demo() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    comm = gpd.read_file(DEMO / "communities.geojson")
    est = gpd.read_file(DEMO / "estates.geojson")
    keep = comm["community_id"].isin(["320211006020", "320211006017", "320211007014"])
    return comm[keep], est[est["community_id"].isin(comm.loc[keep, "community_id"])]


ROSTER = pd.DataFrame(
    {
        "社区": ["华庄", "华庄", "太湖", "太湖"],
        "小区名称": ["幸福家园", "阳光城", "湖滨苑", "幸福家园"],
        "户数": [120, 80, 200, 90],
        "党员数": [5, 3, 9, 4],
    }
)


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_xlsx_title_merged_cells_and_totals_row(tmp_path: Path, engine: str) -> None:
    path = write_xlsx(
        tmp_path / "r.xlsx", ROSTER, title="某某街道党员名册", merge_column="社区", totals="合计"
    )
    t = read_table(path, engine=engine)
    assert t.engine == engine and t.header_row == 2
    assert list(t.frame.columns) == list(ROSTER.columns)
    assert t.frame["社区"].tolist() == ["华庄", "华庄", "太湖", "太湖"]  # merged cells filled
    assert t.rows == (3, 4, 5, 6) and t.frame["户数"].sum() == 490  # totals row not data
    assert t.totals == {"户数": 490.0, "党员数": 21.0}
    text = " ".join(p.message for p in t.problems)
    assert "title row(s) 1" in text and "totals row(s) 7" in text and "merged" in text


def test_totals_row_that_disagrees_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("小区名称,户数\n甲,10\n乙,20\n合计,35\n", encoding="utf-8")
    t = read_table(path)
    assert len(t.frame) == 2
    assert any("35 vs rows 30" in p.message for p in t.problems)


def test_gbk_csv_from_excel_on_chinese_windows(tmp_path: Path) -> None:
    path = tmp_path / "小区.csv"
    path.write_bytes("小区名称,户数,经度,纬度\r\n幸福家园,120,120.31,31.50\r\n".encode("gbk"))
    t = read_table(path)
    assert t.frame.iloc[0].tolist() == ["幸福家园", 120, 120.31, 31.5]


def test_codes_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        '小区编号,社区代码,户数\n320211006001E001,001,1200\n320211006001E002,002,"1,300"\n',
        encoding="utf-8",
    )
    f = read_table(path).frame
    assert f["小区编号"].tolist() == ["320211006001E001", "320211006001E002"]
    assert f["社区代码"].tolist() == ["001", "002"] and f["户数"].tolist() == [1200, 1300]


@pytest.mark.parametrize(
    ("cols", "expected"),
    [
        (["名称", "经度", "纬度"], ("经度", "纬度", None)),
        (["name", "lng", "lat"], ("lng", "lat", None)),
        (["name", "LON", "LAT"], ("LON", "LAT", None)),
        (["name", "x", "y"], ("x", "y", None)),
        (["name", "高德经度", "高德纬度"], ("高德经度", "高德纬度", "GCJ-02")),
        (["name", "location"], (None, None, None)),
    ],
)
def test_coordinate_columns(cols: list[str], expected: tuple) -> None:
    c = coordinate_columns(cols)
    assert c is not None and (c.lon, c.lat, c.datum) == expected


def test_swapped_lon_lat_detected_and_fixed(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("名称,经度,纬度\n甲,120.31,31.50\n乙,31.51,120.32\n", encoding="utf-8")
    gdf, problems = table_points(read_table(path), "estates")
    assert gdf.geometry.x.round(2).tolist() == [120.31, 120.32]
    assert gdf.geometry.y.round(2).tolist() == [31.50, 31.51]
    assert (
        len(problems) == 1 and "swapped" in problems[0].message and problems[0].feature == "row 3"
    )


def test_names_normalised() -> None:
    assert (
        name_key("幸福家园 ３号楼")
        == name_key("幸福家园3栋")
        == name_key("幸福家园三幢")
        == "幸福家园3#"
    )
    assert loose_key("无锡市新吴区旺庄街道幸福家园小区") == loose_key("幸福家园") == "幸福家园"


def _layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "estate_id": ["e1", "e2", "e3", "e4"],
            "name": ["幸福家园", "阳光城", "湖滨苑", "幸福家园"],
            "community_id": ["c1", "c1", "c2", "c2"],
            "households": [100, 100, 100, 100],
        },
        geometry=[shapely.Point(i, 0) for i in range(4)],
    )


COMMS = pd.DataFrame({"community_id": ["c1", "c2"], "name": ["华庄社区", "太湖社区"]})


def test_duplicate_names_in_two_communities_told_apart_by_community(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", ROSTER, merge_column="社区")
    out, report, _ = join_roster(_layer(), path, "estates", communities=COMMS)
    assert report.misses == () and report.matched == 4
    assert out["households"].tolist() == [120, 80, 200, 90]
    assert out["party_members"].tolist() == [5, 3, 9, 4]


def test_duplicate_names_without_community_are_ambiguous(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", ROSTER.drop(columns="社区"))
    out, report, problems = join_roster(_layer(), path, "estates", communities=COMMS)
    amb = [m for m in report.misses if m.status == "ambiguous"]
    assert [m.row for m in amb] == [2, 5]  # header is row 1
    assert all(len(m.candidates) == 2 for m in amb)
    assert out["households"].tolist() == [100, 80, 200, 100]  # nothing guessed
    assert any("match several features" in p.message for p in problems)


def test_misspelt_names_reported_with_closest_candidates(tmp_path: Path) -> None:
    roster = pd.DataFrame(
        {
            "小区": ["无锡市新吴区幸福家园小区", "阳光成", "湖滨苑"],
            "社区": ["华庄", "华庄", "太湖"],
            "党员数": [7, 2, 9],
        }
    )
    path = tmp_path / "r.csv"
    roster.to_csv(path, index=False, encoding="gbk")
    _out, report, _problems = join_roster(_layer(), path, "estates", communities=COMMS)
    assert report.by_loose == 1 and report.by_name == 1
    (miss,) = report.misses
    assert miss.row == 3 and miss.status == "unmatched" and miss.candidates[0] == "阳光城 (e2)"
    assert (
        report.totals_table["party_members"] == 18 and report.totals_matched["party_members"] == 16
    )
    assert report.totals_after["party_members"] == 16  # exactly the matched rows
    assert "row 3 `阳光成`: unmatched; closest: 阳光城 (e2)" in report.text()


def test_roster_totals_disagreeing_with_layer_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    pd.DataFrame({"小区编号": ["e1", "e2", "e3", "e4"], "户数": [100, 100, 100, 150]}).to_csv(
        path, index=False
    )
    _out, report, problems = join_roster(_layer(), path, "estates")
    assert report.by_id == 4 and report.totals_before["households"] == 400
    assert report.totals_after["households"] == 450
    assert any("totals 450 households, the layer 400" in p.message for p in problems)


def test_personal_columns_in_rosters_dropped(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "r.xlsx",
        pd.DataFrame(
            {
                "小区名称": ["阳光城"],
                "姓名": ["张三"],
                "身份证号": ["320211199001011234"],
                "联系电话": ["13812345678"],
                "党员数": [1],
            }
        ),
    )
    from geo.data.join import read_roster

    _, frame, problems = read_roster(path, "estates")
    assert set(frame.columns) == {"name", "party_members"}
    assert any("personal data" in p.message for p in problems)


def test_points_csv_in_gcj02_loads_as_point_estates_with_cells(tmp_path: Path, demo) -> None:
    comm, est = demo
    folder = write_points_dataset(comm, est, tmp_path / "d")
    layers = load_layers(folder, datum={"estates": "GCJ-02"})
    e = layers.estates
    assert e["from_point"].all() and len(e) == len(est)
    assert (e.geometry.geom_type.isin(["Polygon", "MultiPolygon"])).all()
    # the point converted back from GCJ-02 lies within metres of the original point
    orig = est.to_crs(layers.crs).representative_point().to_numpy()
    assert float(shapely.distance(e.geometry.centroid.to_numpy(), orig).max()) < 2.0
    assert set(e["community_id"]) == set(est["community_id"])
    assert any("stand in for the missing estate outlines" in p.message for p in layers.problems)
    from geo.grids.units import build_units

    units = build_units(layers)
    assert units.units["households"].sum() == est["households"].sum()
    # cells tile the communities
    assert abs(units.units.area.sum() - layers.communities.area.sum()) < 1.0


def test_xlsx_with_title_and_roster_in_folder(tmp_path: Path, demo) -> None:
    comm, est = demo
    folder = write_points_dataset(comm, est, tmp_path / "d", fmt="xlsx", title="小区一览表")
    frame = estate_points_frame(est)
    roster = frame[["小区名称", "党员数"]].copy()
    roster["党员数"] = roster["党员数"] + 1
    write_xlsx(folder / "estates_roster.xlsx", roster, title="党员名册", totals="合计")
    layers = load_layers(folder, datum={"estates": "GCJ-02"})
    (report,) = layers.joins
    unique = ~frame["小区名称"].duplicated(keep=False)
    assert report.matched == int(unique.sum())
    assert layers.estates["party_members"].sum() == est["party_members"].sum() + int(unique.sum())


def test_table_without_coordinates_is_an_error(tmp_path: Path, demo) -> None:
    comm, _ = demo
    comm.to_file(tmp_path / "communities.geojson")
    (tmp_path / "estates.csv").write_text("小区名称,户数,党员数\n甲,10,1\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="no longitude/latitude columns"):
        load_layers(tmp_path)


def test_misspelt_roster_five_percent(tmp_path: Path, demo) -> None:
    _, est = demo
    est = est.drop_duplicates("name", keep=False).reset_index(drop=True)
    rng = np.random.default_rng(0)
    names = est["name"].tolist()
    bad = rng.choice(len(names), size=max(1, len(names) // 20), replace=False)
    for i in bad:
        names[i] = names[i][:-1] + "X"
    roster = pd.DataFrame({"小区名称": names, "党员数": est["party_members"] + 1})
    path = write_xlsx(tmp_path / "r.xlsx", roster, title="名册")
    _out, report, _ = join_roster(est, path, "estates")
    assert sorted(m.row - 3 for m in report.misses) == sorted(bad.tolist())
    assert all(
        m.candidates and m.candidates[0].startswith(est["name"][m.row - 3]) for m in report.misses
    )
    ok = np.setdiff1d(np.arange(len(est)), bad)
    assert report.totals_matched["party_members"] == float((est["party_members"][ok] + 1).sum())

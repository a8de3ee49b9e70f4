"""The printable atlas: pages, embedded CJK text that pdftotext reads back, grid colours."""

# ruff: noqa: F811 -- pytest fixtures imported from tests/ui/conftest.py are parameters here
from __future__ import annotations

import itertools
import shutil
import subprocess

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.errors import ValidationError
from geo.grids.gridding import grid_communities
from geo.grids.params import GridParams
from geo.output.atlas import find_cjk_font, nice_scale_length, reason_text, wrap_em, write_atlas
from geo.output.export import grid_adjacency, grid_colours
from geo.output.store import record_from_plan
from tests.ui.conftest import tiny_dir, tiny_layers  # noqa: F401 -- the two-community district

needs_font = pytest.mark.skipif(
    find_cjk_font() is None, reason="fonts-noto-cjk missing: `make fonts`"
)
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils missing: `make fonts`"
)


def _pdf_text(path, *pages: int) -> list[str]:
    out = []
    for p in pages:
        res = subprocess.run(
            ["pdftotext", "-f", str(p), "-l", str(p), "-layout", str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        )
        out.append(res.stdout)
    return out


def _page_count(path) -> int:
    res = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(
        next(line.split()[-1] for line in res.stdout.splitlines() if line.startswith("Pages:"))
    )


@pytest.fixture(scope="module")
def tiny_record(tiny_layers):
    plan = grid_communities(tiny_layers, GridParams(min_households=100, max_households=500)).plan
    return record_from_plan(plan, "小试方案")


@needs_font
@needs_pdftotext
def test_atlas_pages_and_chinese_text_extract(tmp_path, tiny_layers, tiny_record) -> None:
    grids = tiny_record.grids
    staffing = gpd.pd.DataFrame({"grid_id": grids["grid_id"], "full_time": 2, "part_time": 7})
    out = write_atlas(
        tiny_record,
        {
            "communities": tiny_layers.communities,
            "estates": tiny_layers.estates,
            "facilities": tiny_layers.facilities,
        },
        tmp_path / "atlas.pdf",
        staffing=staffing,
        notes=["测试备注"],
    )
    assert out.pages == 3 and _page_count(out.path) == 3  # cover + two communities
    assert out.communities == ("001", "002")
    cover, first, second = _pdf_text(out.path, 1, 2, 3)
    assert "党建网格划分图册" in cover and "小试方案" in cover and "太湖街道" in cover
    assert "测试备注" in cover
    assert "甲社区" in first and "乙社区" in second
    for grid_id, name, cid in zip(
        grids["grid_id"], grids["name"], grids["community_id"], strict=True
    ):
        page = first if str(cid) == "001" else second
        assert str(grid_id) in page and str(name) in page  # code column and the map label
    assert "专职" in first and "兼职" in first and "北" in first
    res = subprocess.run(["pdffonts", str(out.path)], capture_output=True, text=True, check=True)
    assert "NotoSansCJK" in res.stdout  # embedded (pdffonts lists emb=yes rows with their names)
    assert all(" yes " in line for line in res.stdout.splitlines()[2:] if "NotoSansCJK" in line)


@needs_font
@needs_pdftotext
def test_atlas_in_english_and_without_staffing(tmp_path, tiny_layers, tiny_record) -> None:
    out = write_atlas(
        tiny_record, {"communities": tiny_layers.communities}, tmp_path / "a.pdf", lang="en"
    )
    cover, first = _pdf_text(out.path, 1, 2)
    assert "Party-building grid atlas" in cover and "full-" in first and "party" in first
    assert "–" in first  # no workers: a dash, never "nan" or "None"
    assert "nan" not in first and "None" not in first


@needs_font
@needs_pdftotext
def test_atlas_with_density_layer_and_column(tmp_path, tiny_layers, tiny_record) -> None:
    from allocation.density import density_points, density_surface, grid_density

    surface = density_surface(density_points(tiny_layers), cell_m=20)
    per_grid = grid_density(surface, tiny_record.grids)
    out = write_atlas(
        tiny_record,
        {"communities": tiny_layers.communities},
        tmp_path / "d.pdf",
        density=surface,
        grid_density=per_grid,
    )
    (first,) = _pdf_text(out.path, 2)
    assert "党员密度" in first  # legend entry and column header
    gid = tiny_record.grids.query("community_id == '001'")["grid_id"].iloc[0]
    assert f"{round(per_grid[str(gid)]):,}" in first


def test_atlas_refuses_without_font_and_in_degrees(tmp_path, tiny_layers, tiny_record) -> None:
    with pytest.raises(ValidationError, match="fonts-noto-cjk"):
        write_atlas(
            tiny_record,
            {"communities": tiny_layers.communities},
            tmp_path / "a.pdf",
            font=tmp_path / "missing.ttc",
        )
    if find_cjk_font() is not None:
        with pytest.raises(ValidationError, match="not metric"):
            write_atlas(
                tiny_record,
                {"communities": tiny_layers.communities.to_crs(4326)},
                tmp_path / "a.pdf",
            )
    assert not (tmp_path / "a.pdf").exists()


def test_reason_text_in_chinese() -> None:
    issue = "736 households > 500; 2 party members < 3 for a party group"
    assert reason_text(issue, "zh") == "736 户 > 500；党员 2 名 < 3，不足以建立党小组"
    assert reason_text(issue, "en") == issue
    assert reason_text("not contiguous", "zh") == "不连片"
    assert reason_text("something new", "zh") == "something new"  # unknown: kept, never dropped


def test_reason_column_says_why_a_grid_is_out_of_band_as_the_app_does() -> None:
    """The atlas's reason column holds the out-of-band reason, in the very words of the app's
    reasons table (one table of templates, geo.grids.wording)."""
    import geopandas as gpd

    from geo.grids.metrics import band_reason
    from geo.output.atlas import _community_rows
    from ui.i18n import issue_text
    from ui.i18n import reason_text as app_reason_text

    why = band_reason(
        size=268, locked=False, max_unit=268, piece_total=268, n_pieces=2, lo=300, hi=500
    )[1]
    g = gpd.GeoDataFrame(
        {
            "grid_id": ["g1", "g2"],
            "name": ["一格", "二格"],
            "households": [268.0, 400.0],
            "party_members": [20.0, 30.0],
            "issue": ["268 households < 300", ""],
            "band_reason": [why, ""],
        }
    )
    _, rows = _community_rows(g, "zh", with_density=False)
    cell = rows[0][-1]
    assert cell == issue_text("268 households < 300", "zh") + "；" + app_reason_text(why, "zh")
    assert "户数算不拢" in cell and "2 部分" in cell and rows[1][-1] == ""
    _, rows = _community_rows(g, "en", with_density=False)
    assert rows[0][-1] == "268 households < 300; " + why


def test_wrap_and_scale_helpers() -> None:
    assert wrap_em("单个单元即有六百户", 4) == ["单个单元", "即有六百", "户"]
    assert wrap_em("one unit alone holds", 6) == ["one unit", "alone", "holds"]
    assert wrap_em("full-time", 3) == ["full-", "time"]
    assert wrap_em("", 5) == [""]
    assert [nice_scale_length(w) for w in (1000, 2600, 7000, 40)] == [200, 500, 1000, 5]


def _brute_adjacency(grids):
    ids, geoms = grids["grid_id"].tolist(), list(grids.geometry)
    return sorted(
        (min(ids[i], ids[j]), max(ids[i], ids[j]))
        for i, j in itertools.combinations(range(len(ids)), 2)
        if geoms[i].distance(geoms[j]) <= 0.5
    )


def test_grid_colours_never_share_across_a_border(demo_layers) -> None:
    grids = grid_communities(demo_layers, GridParams()).plan.grids()
    pairs = grid_adjacency(grids)
    assert pairs == _brute_adjacency(grids)  # independent reference: pairwise distances
    colours = grid_colours(grids)
    assert set(colours) == set(grids["grid_id"].astype(str))
    assert all(colours[a] != colours[b] for a, b in pairs) and len(pairs) > 300
    degree = max(sum(1 for p in pairs if g in p) for g in colours)
    assert max(colours.values()) + 1 <= degree + 1


def test_grid_colours_on_a_chequerboard() -> None:
    # a 3x3 block of squares: edge-adjacent and corner-touching cells both count as neighbours
    grids = gpd.GeoDataFrame(
        {"grid_id": [f"g{i}{j}" for i in range(3) for j in range(3)]},
        geometry=[box(i, j, i + 1, j + 1) for i in range(3) for j in range(3)],
        crs="EPSG:32651",
    )
    colours = grid_colours(grids, tolerance_m=0.01)
    assert len(grid_adjacency(grids, tolerance_m=0.01)) == 20
    assert all(colours[a] != colours[b] for a, b in grid_adjacency(grids, tolerance_m=0.01))
    assert len(set(colours.values())) == 4  # king's graph: four colours are needed and enough

"""Hostile input, layer side: files a user loads with ``gridplan check`` / ``gridplan grid`` and
through the app's upload path (:func:`ui.data.load_uploads`).

Each row is one finding of the hostile-input review (issue #9) or a related case; every row
asserts the exit code, the message, no traceback and the user's files unchanged (the shared
harness). The app's upload path is asserted to give the same problems as the CLI.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from geo.errors import ValidationError
from tests.hostile._harness import Case, run_case

X0, Y0, D = 120.30, 31.48, 0.01  # lon, lat of the south-west corner; ~1 km communities


# --- datasets ------------------------------------------------------------------------------------


def communities(geoms: Sequence[object] | None = None) -> gpd.GeoDataFrame:
    geoms = geoms or [box(X0, Y0, X0 + D, Y0 + D), box(X0 + D, Y0, X0 + 2 * D, Y0 + D)]
    return gpd.GeoDataFrame(
        {"社区编号": ["c1", "c2"][: len(geoms)], "名称": ["甲社区", "乙社区"][: len(geoms)]},
        geometry=list(geoms),
        crs="EPSG:4326",
    )


def estates(
    households: Sequence[object] = (400, 350),
    party: Sequence[object] = (20, 15),
    geoms: Sequence[object] | None = None,
    **extra: Sequence[object],
) -> gpd.GeoDataFrame:
    geoms = geoms or [
        box(X0 + 0.002, Y0 + 0.002, X0 + 0.006, Y0 + 0.006),
        box(X0 + 0.012, Y0 + 0.002, X0 + 0.016, Y0 + 0.006),
    ]
    n = len(geoms)
    data = {
        "编号": [f"e{i + 1}" for i in range(n)],
        "户数": list(households)[:n],
        "党员数": list(party)[:n],
        **{k: list(v)[:n] for k, v in extra.items()},
    }
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs="EPSG:4326")


def write(
    folder: Path, comm: gpd.GeoDataFrame | None = None, est: gpd.GeoDataFrame | None = None
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (communities() if comm is None else comm).to_file(folder / "communities.geojson")
    (estates() if est is None else est).to_file(folder / "estates.geojson")
    return folder


def edit_estates_json(folder: Path, edit: Callable[[dict], None]) -> Path:
    """Rewrite estates.geojson as raw JSON (values GDAL would never write)."""
    path = folder / "estates.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    edit(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False, allow_nan=True), encoding="utf-8")
    return folder


def raw_households(value: object) -> Callable[[Path], Path]:
    """A dataset whose first estate's 户数 is ``value`` written verbatim (e.g. ``1e400``)."""

    def build(tmp: Path) -> Path:
        data = write(tmp / "data")
        path = data / "estates.geojson"
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["features"][0]["properties"]["户数"] = "@@"
        text = json.dumps(doc, ensure_ascii=False).replace('"@@"', str(value))
        path.write_text(text, encoding="utf-8")
        return data

    return build


def unclosed_ring(tmp: Path) -> Path:
    def edit(doc: dict) -> None:
        ring = doc["features"][0]["geometry"]["coordinates"][0]
        doc["features"][0]["geometry"]["coordinates"][0] = ring[:-1]

    return edit_estates_json(write(tmp / "data"), edit)


def empty_file(tmp: Path) -> Path:
    data = write(tmp / "data")
    (data / "estates.geojson").write_bytes(b"")
    return data


def zipped_shapefile_without(suffix: str) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        data = write(tmp / "data")
        est = gpd.read_file(data / "estates.geojson")
        (data / "estates.geojson").unlink()
        shp = tmp / "shp"
        shp.mkdir()
        est.to_file(shp / "estates.shp", encoding="UTF-8")
        with zipfile.ZipFile(data / "estates.zip", "w") as zf:
            for f in sorted(shp.iterdir()):
                if f.suffix != suffix:
                    zf.write(f, f.name)
        return data

    return build


def straddling(share: float) -> Callable[[Path], Path]:
    """Estate e1 (400 households, community c1) with ``share`` of its area in c2."""

    def build(tmp: Path) -> Path:
        w = 0.004
        x = X0 + D - w * (1 - share)
        est = estates(
            geoms=[
                box(x, Y0 + 0.004, x + w, Y0 + 0.008),
                box(X0 + 0.014, Y0 + 0.002, X0 + 0.018, Y0 + 0.006),
            ],
            community=["c1", "c2"],
        )
        return write(tmp / "data", est=est)

    return build


def overlapping(tmp: Path) -> Path:
    """c2 drawn ~150 m too wide, over c1 (estates stay clear of the overlap)."""
    comm = communities([box(X0, Y0, X0 + D, Y0 + D), box(X0 + D - 0.0015, Y0, X0 + 2 * D, Y0 + D)])
    return write(tmp / "data", comm=comm)


def check(build: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    return lambda tmp: ["check", "--data", str(build(tmp))]


def grid(build: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    return lambda tmp: ["grid", "--data", str(build(tmp)), "--out", str(tmp / "out" / "g.geojson")]


def with_estates(**kw: object) -> Callable[[Path], Path]:
    return lambda tmp: write(tmp / "data", est=estates(**kw))  # type: ignore[arg-type]


def with_buildings(households: float) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        data = write(tmp / "data")
        gpd.GeoDataFrame(
            {"楼栋编号": ["b1"], "户数": [households], "所属小区": ["e1"]},
            geometry=[box(X0 + 0.003, Y0 + 0.003, X0 + 0.004, Y0 + 0.004)],
            crs="EPSG:4326",
        ).to_file(data / "buildings.geojson")
        return data

    return build


def bow_tie(tmp: Path) -> Path:
    tie = Polygon(
        [
            (X0 + 0.002, Y0 + 0.002),
            (X0 + 0.006, Y0 + 0.006),
            (X0 + 0.006, Y0 + 0.002),
            (X0 + 0.002, Y0 + 0.006),
        ]
    )
    return write(
        tmp / "data", est=estates(geoms=[tie, box(X0 + 0.012, Y0 + 0.002, X0 + 0.016, Y0 + 0.006)])
    )


def zero_area_community(tmp: Path) -> Path:
    flat = Polygon([(X0 + D, Y0), (X0 + 2 * D, Y0), (X0 + 2 * D, Y0), (X0 + D, Y0)])
    return write(
        tmp / "data",
        comm=communities([box(X0, Y0, X0 + D, Y0 + D), flat]),
        est=estates(geoms=[box(X0 + 0.002, Y0 + 0.002, X0 + 0.006, Y0 + 0.006)]),
    )


def crs_claims_metres(tmp: Path) -> Path:
    data = write(tmp / "data")
    doc = json.loads((data / "estates.geojson").read_text(encoding="utf-8"))
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}}
    (data / "estates.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return data


def estates_in_two_files(tmp: Path) -> Path:
    data = write(tmp / "data")
    estates(households=(300, 300)).to_file(data / "estates.gpkg", layer="estates")
    return data


def estate_outside(tmp: Path) -> Path:
    return write(
        tmp / "data", est=estates(geoms=[box(X0 + 0.05, Y0 + 0.05, X0 + 0.054, Y0 + 0.054)])
    )


# --- the table -----------------------------------------------------------------------------------

NO_NEGATIVE = r"^(?!.*-9,223)"
CASES = [
    # finding 3: absurd counts
    Case(
        "households_1e12_check",
        check(with_estates(households=(1e12, 350))),
        1,
        r"feature `e1` \(1,000,000,000,000\), field `households`: `households` is implausibly "
        r"large \(above 50,000, the limit per estate\).*fix: correct `households`",
    ),
    Case(
        "households_1e12_grid",
        grid(with_estates(households=(1e12, 350))),
        2,
        r"`households` is implausibly large",
    ),
    Case(
        "households_1e19_no_overflow",
        check(with_estates(households=(1e19, 350))),
        1,
        NO_NEGATIVE + r".*10,000,000,000,000,000,000.*implausibly large",
    ),
    Case(
        "households_nan_text",
        check(raw_households('"NaN"')),
        1,
        r"`households` is missing \(empty or NaN\)",
    ),
    Case("households_inf_text", check(raw_households('"inf"')), 1, r"`households` is infinite"),
    Case(
        "households_1e400",
        check(raw_households("1e400")),
        1,
        r"cannot read `estates.geojson`: `estates.geojson` is not a readable GeoJSON file "
        r"\(.*Unrecognized number: 1e400\).*fix: open it in your GIS",
    ),
    Case(
        "households_not_whole",
        check(with_estates(households=(300.5, 350))),
        1,
        r"`households` is not a whole number",
    ),
    Case(
        "households_negative",
        check(with_estates(households=(-1, 350))),
        1,
        r"`households` is negative",
    ),
    Case(
        "party_above_residents",
        check(with_estates(party=(80, 15), 人口=(50, 900))),
        1,
        r"feature `e1` \(80 > 50\), field `party_members`: `party_members` is above "
        r"`residents`",
    ),
    Case(
        "party_above_households_x3",
        check(with_estates(households=(10, 350), party=(31, 15))),
        1,
        r"`party_members` is above 3 per household",
    ),
    Case(
        "residents_implausible",
        check(with_estates(人口=(300_000, 900))),
        1,
        r"`residents` is implausibly large \(above 200,000",
    ),
    Case(
        "building_households_implausible",
        check(with_buildings(60_000)),
        1,
        r"\[buildings\]\n  ERROR: feature `b1` \(60,000\), field `households`: `households` "
        r"is implausibly large \(above 5,000, the limit per building\)",
    ),
    # finding 4: an estate straddling two communities
    Case(
        "estate_straddles_half",
        check(straddling(0.5)),
        1,
        r"feature `e1`, field `community_id`: the estate straddles two communities: 50% of its "
        r"area lies outside its community `c1` \(甲社区\), in community `c2` \(乙社区\); its "
        r"400 households would all count in `c1`.*fix: correct the community boundary, or "
        r"split the estate",
    ),
    Case("estate_straddles_half_grid", grid(straddling(0.5)), 2, r"straddles two communities"),
    Case(
        "estate_straddles_a_little",
        check(straddling(0.05)),
        0,
        r"OK: .*WARNING: feature `e1`, field `community_id`: the estate straddles two "
        r"communities: 5% of its area",
    ),
    # finding 6: overlapping communities are resolved and said so
    Case(
        "communities_overlap_check",
        check(overlapping),
        0,
        r"WARNING: 1 pair\(s\) of communities overlap: `c1` and `c2` \([0-9.]+ ha, given to "
        r"`c1`\)",
    ),
    Case(
        "communities_overlap_grid",
        grid(overlapping),
        0,
        r'(?=.*"tiling_ok": true)(?=.*"input_warnings": \[\s*"\[warning\] layer '
        r"`communities`: 1 pair\(s\) of communities overlap: `c1` and `c2`)",
        allowed=("g.geojson", "g_assignment.csv"),
    ),
    # finding 7: tracebacks become messages naming the file, the feature and the fix
    Case(
        "unclosed_ring_check",
        check(unclosed_ring),
        1,
        r"feature `e1`: the geometry in `estates.geojson` cannot be built: a polygon ring is "
        r"not closed.*fix: close every ring",
    ),
    Case(
        "unclosed_ring_grid",
        grid(unclosed_ring),
        2,
        r"feature `e1`: the geometry in `estates.geojson` cannot be built",
    ),
    Case(
        "empty_file_check",
        check(empty_file),
        1,
        r"cannot read `estates.geojson`: `estates.geojson` is empty \(0 bytes\)\.\n"
        r"    fix: export the layer again",
    ),
    Case("empty_file_grid", grid(empty_file), 2, r"`estates.geojson` is empty \(0 bytes\)"),
    Case(
        "zip_without_shx",
        check(zipped_shapefile_without(".shx")),
        1,
        r"cannot read `estates.zip`: the Shapefile `estates.shp` comes without its "
        r"`estates.shx` \(index\).*fix: zip `estates.shp` together with",
    ),
    Case(
        "zip_without_dbf",
        check(zipped_shapefile_without(".dbf")),
        1,
        r"comes without its `estates.dbf` \(attribute table\)",
    ),
    # related cases
    Case(
        "bow_tie_estate_repaired",
        check(bow_tie),
        0,
        r"WARNING: feature `e1` \('Self-intersection.*'\): invalid geometry repaired with "
        r"make_valid",
    ),
    Case(
        "zero_area_community",
        check(zero_area_community),
        1,
        r"\[communities\]\n  ERROR: feature `c2` \('Polygon'\): invalid geometry could not be "
        r"repaired into an allowed type\.\n    fix: redraw the feature",
    ),
    Case(
        "crs_member_claims_metres",
        check(crs_claims_metres),
        1,
        r"every coordinate lies within -180\.\.180 / -90\.\.90 although the CRS EPSG:4549 is "
        r"projected",
    ),
    Case(
        "estates_in_two_files",
        check(estates_in_two_files),
        0,
        r"both `estates.gpkg` and `estates.geojson` could be the estates layer; "
        r"`estates.gpkg` is used",
    ),
    Case(
        "estate_outside_every_community",
        check(estate_outside),
        1,
        r"feature `e1`: the estate lies outside every community",
    ),
    Case(
        "garbage_geojson",
        check(lambda tmp: _garbage(write(tmp / "data"))),
        1,
        r"cannot read `estates.geojson`: (?!.*It might help)(?!.*/tmp/)",
    ),
]


def _garbage(data: Path) -> Path:
    (data / "estates.geojson").write_text("this is not json", encoding="utf-8")
    return data


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_layer(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_case(case, tmp_path, capsys)


# --- the app's upload path gives the CLI's problems ----------------------------------------------

SAME_AS_CLI = [
    unclosed_ring,
    empty_file,
    straddling(0.5),
    overlapping,
    with_estates(households=(1e19, 350)),
    zipped_shapefile_without(".dbf"),
]


def _key(problems: Sequence[object]) -> list[tuple[str, str, str, str]]:
    return sorted((p.layer, p.message, p.fix, p.severity) for p in problems)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "build",
    SAME_AS_CLI,
    ids=[
        "unclosed_ring",
        "empty_file",
        "straddling",
        "overlapping",
        "households_1e19",
        "zip_without_dbf",
    ],
)
def test_upload_gives_the_cli_problems(build: Callable[[Path], Path], tmp_path: Path) -> None:
    from geo.data.io import load_layers
    from ui.data import load_uploads, problems_frame

    data = build(tmp_path)
    try:
        cli = list(load_layers(data).problems)
    except ValidationError as exc:
        cli = list(exc.problems)
    files = {f.stem: (f.name, f.read_bytes()) for f in data.iterdir()}
    _, app, _ = load_uploads(files, {})
    assert _key(app) == _key(cli)
    assert len(problems_frame(app, "en")) == len(cli)  # the data-check panel shows them all


def test_upload_of_empty_file_names_it(tmp_path: Path) -> None:
    from ui.data import load_uploads

    data = write(tmp_path)
    files = {
        "communities": ("社区.geojson", (data / "communities.geojson").read_bytes()),
        "estates": ("小区.geojson", b""),
    }
    layers, problems, _ = load_uploads(files, {})
    assert layers is None
    assert [p.message for p in problems] == [
        "cannot read `小区.geojson`: `小区.geojson` is empty (0 bytes)."
    ]


# --- bounds of the engine ------------------------------------------------------------------------


def test_split_polygon_refuses_unbounded_parts() -> None:
    from geo.grids.units import split_polygon
    from geo.settings import MAX_SPLIT_PARTS

    with pytest.raises(ValueError, match=r"`n_parts` must be at most 1000 \(MAX_SPLIT_PARTS\)"):
        split_polygon(box(0, 0, 10, 10), MAX_SPLIT_PARTS + 1)
    assert len(split_polygon(box(0, 0, 100, 10), 7)) == 7


def test_units_refuse_an_estate_that_needs_too_many_parts() -> None:
    """The engine bounds the split even when the loader's limits are bypassed (Python API)."""
    from geo.grids.units import build_units_from_frames

    comm = gpd.GeoDataFrame(
        {"community_id": ["c1"], "name": ["甲"]}, geometry=[box(0, 0, 1000, 1000)], crs="EPSG:4549"
    )
    est = gpd.GeoDataFrame(
        {"estate_id": ["e1"], "households": [1e12], "party_members": [5], "community_id": ["c1"]},
        geometry=[box(10, 10, 500, 500)],
        crs="EPSG:4549",
    )
    with pytest.raises(
        ValidationError,
        match=r"feature e1, field `households`: the estate "
        r"holds 1,000,000,000,000 households.*more than 1000 parts",
    ):
        build_units_from_frames(comm, est)
    est["households"] = [np.inf]
    with pytest.raises(ValidationError, match=r"counts must be finite numbers >= 0"):
        build_units_from_frames(comm, est)


def test_tiling_check_sees_overlap_across_communities() -> None:
    """Each community tiled exactly, but the two communities' grids overlap: not ok."""
    from geo.grids.metrics import tiling_check

    crs = "EPSG:4549"
    comm = gpd.GeoDataFrame(
        {"community_id": ["A", "B"]},
        geometry=[box(0, 0, 100, 100), box(90, 0, 200, 100)],
        crs=crs,
        index=["A", "B"],
    )
    grids = gpd.GeoDataFrame(
        {"community_id": ["A", "B"]}, geometry=[box(0, 0, 100, 100), box(90, 0, 200, 100)], crs=crs
    )
    rows = tiling_check(grids, comm).set_index("community_id")
    assert not rows["ok"].any()
    assert rows["cross_overlap_m2"].tolist() == pytest.approx([1000.0, 1000.0])
    assert rows["area_error_rel"].tolist() == pytest.approx([0.0, 0.0])
    gap = grids.set_geometry([box(0, 0, 95, 100), box(100, 0, 200, 100)])
    comm2 = comm.set_geometry([box(0, 0, 100, 100), box(100, 0, 200, 100)])
    row = tiling_check(gap, comm2).set_index("community_id").loc["A"]
    assert not row["ok"] and row["gap_m2"] == pytest.approx(500.0)


# --- property: malformed GeoJSON never escapes as a traceback ------------------------------------

_NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**30), 10**30),
    st.text(max_size=5),
    st.none(),
)
_COORD = st.lists(_NUMBER, min_size=0, max_size=3)
_RING = st.lists(
    st.one_of(
        _COORD,
        st.sampled_from(
            [[X0 + 0.002, Y0 + 0.002], [X0 + 0.004, Y0 + 0.004], [X0 + 0.002, Y0 + 0.004]]
        ),
    ),
    min_size=0,
    max_size=6,
)
_GEOMETRY = st.one_of(
    st.none(),
    st.just({}),
    st.builds(
        lambda t, c: {"type": t, "coordinates": c},
        st.sampled_from(["Polygon", "MultiPolygon", "Point", "LineString", "Bogus", 3]),
        st.one_of(st.lists(_RING, max_size=2), _COORD, _NUMBER),
    ),
    st.builds(
        lambda c: {"type": "GeometryCollection", "geometries": c}, st.lists(st.just({}), max_size=2)
    ),
)
_PROPS = st.fixed_dictionaries(
    {}, optional={"编号": _NUMBER, "户数": _NUMBER, "党员数": _NUMBER, "community": _NUMBER}
)
_FEATURE = st.one_of(
    st.builds(
        lambda g, p: {"type": "Feature", "geometry": g, "properties": p},
        _GEOMETRY,
        st.one_of(_PROPS, st.none(), st.just([])),
    ),
    st.just({}),
    _NUMBER,
)
_DOC = st.one_of(
    st.builds(
        lambda f: {"type": "FeatureCollection", "features": f}, st.lists(_FEATURE, max_size=4)
    ),
    st.recursive(
        _NUMBER,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
        ),
        max_leaves=8,
    ),
)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(doc=_DOC)
def test_malformed_geojson_gives_a_message(
    doc: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``gridplan check`` and the upload path: a clear message or success, never a traceback."""
    from cli.main import main
    from ui.data import load_uploads

    data = write(tmp_path / "p")
    text = json.dumps(doc, ensure_ascii=False, allow_nan=True)
    (data / "estates.geojson").write_text(text, encoding="utf-8")
    code = main(["check", "--data", str(data)])
    out = capsys.readouterr()
    assert code in (0, 1), out
    assert "Traceback" not in out.out + out.err
    assert out.out.startswith(("OK:", "FAILED:"))
    files = {f.stem: (f.name, f.read_bytes()) for f in data.iterdir()}
    layers, problems, _ = load_uploads(files, {})
    assert (layers is None) == (code == 1)
    assert all(p.message and p.fix for p in problems)
    assert shapely.__version__  # the geometry library stayed importable (no crash)

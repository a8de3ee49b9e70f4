"""Hostile input, tables and walk networks: one row per finding of the review (issue #9, items
5, 7 and 8) and the related cases found beside them.

Each row writes a file a user could hand over (a cost matrix from Excel, a grid table, a walk
network) and asserts the exit code, the message and that nothing the user had was changed.
The readers are also fed generated malformed CSV: a ``ValidationError`` or a valid result,
never another exception.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocation.tables import CostMatrix, read_cost_matrix, read_grids_table
from geo.errors import ValidationError
from geo.network.walk import grid_walk_graph
from tests.hostile._harness import Case, run_case

DEMO = Path(__file__).resolve().parents[2] / "data" / "boundaries"
SITE = ("--model", "pmedian", "--posts", "1")


def _text(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    def write(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


def _bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def write(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


def site(write: Callable[[Path], Path], *extra: str) -> Callable[[Path], Sequence[str]]:
    return lambda tmp_path: ["site", "--cost-matrix", str(write(tmp_path)), *SITE, *extra]


def site_with(option: str, text: str) -> Callable[[Path], Sequence[str]]:
    def build(tmp_path: Path) -> Sequence[str]:
        cost = _text("cost.csv", ",a,b\nd1,100,200\nd2,300,50\n")(tmp_path)
        other = _text(f"{option.strip('-')}.csv", text)(tmp_path)
        return ["site", "--cost-matrix", str(cost), option, str(other), *SITE]

    return build


def staff(write: Callable[[Path], Path], *extra: str) -> Callable[[Path], Sequence[str]]:
    return lambda tmp_path: [
        "staff",
        "--grids",
        str(write(tmp_path)),
        "--full-time",
        "4",
        "--part-time",
        "4",
        "--out",
        str(tmp_path / "out" / "staff.csv"),
        *extra,
    ]


def _graphml(G: nx.MultiDiGraph, name: str = "walk.graphml") -> Callable[[Path], Path]:
    def write(tmp_path: Path) -> Path:
        import osmnx as ox

        path = tmp_path / name
        ox.save_graphml(G, path)
        return path

    return write


def on_demo(
    command: str, network: Callable[[Path], Path], *extra: str
) -> Callable[[Path], Sequence[str]]:
    """``command`` on a copy of the demo with ``--network`` the written file."""

    def build(tmp_path: Path) -> Sequence[str]:
        data = tmp_path / "data"
        shutil.copytree(DEMO, data)
        net = network(tmp_path)
        args = [
            command,
            "--data",
            str(data),
            "--network",
            str(net),
            "--out",
            str(tmp_path / "out.geojson"),
        ]
        return (
            args
            + (["--model", "mclp", "--posts", "2", "--radius", "500"] if command == "site" else [])
            + list(extra)
        )

    return build


#: metres (UTM 51N, Wuxi) written under a graph that says WGS84
METRES_AS_WGS84 = grid_walk_graph(3, 3, origin=(350_000.0, 3_480_000.0), crs="EPSG:4326")
#: a real network in the right CRS, 4,000 km west of the demo district
FAR = grid_walk_graph(3, 3, origin=(-2_000_000.0, 0.0), crs="EPSG:32651")
NAN_NODE = grid_walk_graph(2, 2, crs="EPSG:32651")
NAN_NODE.nodes[0]["x"] = float("nan")
BAD_CRS = grid_walk_graph(2, 2, crs="EPSG:32651")
BAD_CRS.graph["crs"] = "not-a-crs"

OSM_METRES = """<osm version="0.6">
<node id="1" lat="3480000" lon="350000"/><node id="2" lat="3480100" lon="350000"/>
<way id="9"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>"""
OSM_NO_LAT = OSM_METRES.replace('lat="3480000" ', "")

CASES = [
    # 5. duplicate ids
    Case(
        "cost-duplicate-candidate-columns",
        site(_text("c.csv", ",c1,c1,c2\nd1,1,2,3\nd2,4,5,6\n")),
        2,
        r"candidate id\(s\) are repeated in the header: 'c1' in columns 2 and 3",
    ),
    Case(
        "cost-duplicate-demand-rows",
        site(_text("c.csv", ",a,b\nd1,1,2\nd2,3,4\nd1,5,6\n")),
        2,
        r"demand id\(s\) are repeated: 'd1' on lines 2 and 4",
    ),
    Case(
        "cost-duplicate-after-strip",
        site(_text("c.csv", ",a, a\nd1,1,2\n")),
        2,
        r"'a' in columns 2 and 3",
    ),
    Case(
        "cost-empty-candidate-id",
        site(_text("c.csv", ",a,,b\nd1,1,2,3\n")),
        2,
        r"1 column\(s\) have no candidate id in the header: column 3",
    ),
    Case(
        "cost-empty-demand-id", site(_text("c.csv", ",a\nd1,1\n,2\n")), 2, r"no demand id: line 3"
    ),
    Case(
        "grids-csv-duplicate-grid-id",
        staff(_text("g.csv", "grid_id,households\ng1,300\ng2,400\ng1,200\n")),
        2,
        r"grid id\(s\) are repeated: 'g1' \(line 2, line 4\)",
    ),
    Case(
        "grids-csv-duplicate-column",
        staff(_text("g.csv", "grid_id,households,households\ng1,3,4\n")),
        2,
        r"column name\(s\) are repeated in the header: 'households' in columns 2 and 3",
    ),
    Case(
        "grids-geojson-duplicate-grid-id",
        staff(
            _text(
                "g.geojson",
                """{"type": "FeatureCollection",
         "features": [{"type": "Feature", "geometry": null, "properties": {"grid_id": "g1", "households": 3}},
         {"type": "Feature", "geometry": null, "properties": {"grid_id": "g1", "households": 4}}]}""",
            )
        ),
        2,
        r"'g1' \(feature 1, feature 2\)",
    ),
    Case(
        "fixed-duplicate-and-unknown",
        site_with("--fixed", "a\na\nzz\n"),
        2,
        r"not candidates of the cost matrix: 'zz' \(line 3\).*'a' on lines 1 and 2",
    ),
    Case(
        "weights-duplicate-id",
        site_with("--weights", "d1,1\nd2,2\nd1,3\n"),
        2,
        r"id\(s\) are repeated: 'd1' on lines 1 and 3",
    ),
    # 7. tracebacks become messages: cost matrix
    Case("cost-empty-file", site(_text("c.csv", "")), 2, r"c\.csv`: the file is empty"),
    Case("cost-blank-lines-only", site(_text("c.csv", "\n,,\n \n")), 2, r"the file is empty"),
    Case("cost-header-only", site(_text("c.csv", ",a,b\n")), 2, r"a header but no demand rows"),
    Case(
        "cost-no-candidates", site(_text("c.csv", "id\nd1\n")), 2, r"the header names no candidate"
    ),
    Case(
        "cost-extra-cell",
        site(_text("c.csv", ",a,b\nd1,1,2,3\nd2,1,2\n")),
        2,
        r"more cells than the header's 3: line 2 \(4 cells\)",
    ),
    Case(
        "cost-short-row",
        site(_text("c.csv", ",a,b\nd1,1\nd2,1,2\n")),
        2,
        r"fewer cells than the header's 3: line 2 \(2 cells\)",
    ),
    Case(
        "cost-text-cell",
        site(_text("c.csv", ",a,b\nd1,1,12 m\n")),
        2,
        r"1 cell\(s\) are not numbers: line 2 column 3 \('d1', 'b'\): '12 m'",
    ),
    Case(
        "cost-negative",
        site(_text("c.csv", ",a,b\nd1,1,-5\nd2,-inf,2\n")),
        2,
        r"2 cell\(s\) are negative: line 2 column 3.*line 3 column 2",
    ),
    Case("cost-nan", site(_text("c.csv", ",a,b\nd1,1,NaN\n")), 2, r"1 cell\(s\) are NaN"),
    Case(
        "cost-all-problems-at-once",
        site(_text("c.csv", ",a,a\nd1,x\nd1,1,-1\n")),
        2,
        r"repeated in the header.*fewer cells.*repeated: 'd1'.*negative",
    ),
    Case(
        "cost-many-bad-cells-listed-briefly",
        site(_text("c.csv", ",a\n" + "".join(f"d{i},x\n" for i in range(40)))),
        2,
        r"40 cell\(s\) are not numbers: .* and 35 more",
    ),
    Case(
        "cost-xlsx-renamed",
        site(_bytes("c.csv", b"PK\x03\x04\x14\x00rest-of-a-workbook")),
        2,
        r"an Excel workbook \(\.xlsx\).*Save As > CSV UTF-8",
    ),
    Case("cost-binary", site(_bytes("c.csv", b",a\nd1,\x00\x01\n")), 2, r"NUL bytes"),
    Case(
        "cost-unclosed-quote-huge-field",
        site(_text("c.csv", ',a\nd1,"' + "9" * 200_000 + "\n")),
        2,
        r"line \d+ is not valid CSV",
    ),
    Case(
        "cost-semicolons",
        site(_text("c.csv", ";a;b\nd1;1;2\n")),
        2,
        r"semicolons: the table is not comma",
    ),
    Case(
        "cost-missing-file",
        lambda tmp_path: ["site", "--cost-matrix", str(tmp_path / "no.csv"), *SITE],
        2,
        r"cost matrix file not found",
    ),
    Case(
        "weights-nan-negative-text",
        site_with("--weights", "demand_id,weight\nd1,nan\nd2,-1\n"),
        2,
        r"2 weight\(s\) are not finite numbers >= 0: line 2 \('d1'\): 'nan', line 3 \('d2'\): '-1'",
    ),
    Case(
        "capacities-unknown-id",
        site_with("--capacities", "a,5\nb,5\nq,1\n"),
        2,
        r"not in the cost matrix: 'q' \(line 3\)",
    ),
    # 7. grid tables
    Case(
        "grids-text-households",
        staff(_text("g.csv", "grid_id,households\ng1,300\ng2,about 40\n")),
        2,
        r"field `households`: 1 grid\(s\) have a `households` that is not a number >= 0: 'g2': 'about 40'",
    ),
    Case(
        "grids-negative-missing-nan",
        staff(_text("g.csv", "grid_id,households\ng1,-3\ng2,\ng3,nan\n")),
        2,
        r"3 grid\(s\).*'g1': '-3', 'g2': missing, 'g3': 'nan'",
    ),
    Case(
        "grids-text-in-weighted-column",
        staff(
            _text("g.csv", "grid_id,households,party_members\ng1,300,many\ng2,200,4\n"),
            "--workload",
            "load",
            "--weights",
            "households=1,party_members=5",
        ),
        2,
        r"`party_members` that is not a number >= 0: 'g1': 'many'",
    ),
    Case(
        "grids-no-grid-id",
        staff(_text("g.csv", "id,households\ng1,3\n")),
        2,
        r"no `grid_id` column",
    ),
    Case("grids-empty", staff(_text("g.csv", "")), 2, r"g\.csv`: the file is empty"),
    Case(
        "grids-ragged",
        staff(_text("g.csv", "grid_id,households\ng1,3,7\n")),
        2,
        r"more cells than the header's 2: line 2",
    ),
    Case(
        "grids-header-only",
        staff(_text("g.csv", "grid_id,households\n")),
        2,
        r"header but no grid rows",
    ),
    Case(
        "grids-empty-id",
        staff(_text("g.csv", "grid_id,households\n,3\ng2,4\n")),
        2,
        r"have no `grid_id`: line 2",
    ),
    # 7. walk networks
    Case(
        "network-metres-declared-wgs84",
        on_demo("coverage", _graphml(METRES_AS_WGS84)),
        2,
        r"walk\.graphml`: 9 of 9 node\(s\) lie outside longitude.*look like metres",
    ),
    Case("network-metres-site", on_demo("site", _graphml(METRES_AS_WGS84)), 2, r"look like metres"),
    Case(
        "network-nan-coordinate",
        on_demo("coverage", _graphml(NAN_NODE)),
        2,
        r"1 node\(s\) have a non-finite `x`/`y`, e.g. node 0",
    ),
    Case(
        "network-unknown-crs",
        on_demo("coverage", _graphml(BAD_CRS)),
        2,
        r"the graph's `crs` 'not-a-crs' is not a known CRS",
    ),
    Case(
        "network-osm-metres",
        on_demo("coverage", _text("walk.osm", OSM_METRES)),
        2,
        r"walk\.osm`: 2 of 2 node\(s\) lie outside.*an \.osm file holds WGS84 degrees",
    ),
    Case(
        "network-osm-no-lat",
        on_demo("coverage", _text("walk.osm", OSM_NO_LAT)),
        2,
        r"walk\.osm is not a usable walk network \(KeyError: 'lat'\)",
    ),
    Case(
        "network-osm-empty",
        on_demo("coverage", _text("walk.osm", "")),
        2,
        r"walk\.osm is not valid XML",
    ),
    # 8. a network far from every estate
    Case(
        "network-far-site",
        on_demo("site", _graphml(FAR)),
        2,
        r"layer `estates`: the walk network is 41\d\d\.\d km from the nearest of the \d+ estates: "
        r"probably the network of another city.*CRSs or datums",
    ),
    Case(
        "network-far-coverage",
        on_demo("coverage", _graphml(FAR)),
        2,
        r"the walk network is 41\d\d\.\d km from the nearest.*--network FILE",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_table(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_case(case, tmp_path, capsys)


# --------------------------------------------------------------------------- accepted inputs


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "utf-16"])
def test_cost_matrix_from_excel_encodings(tmp_path: Path, encoding: str) -> None:
    path = _text("c.csv", ",候选点甲,b\n社区一,100,\n社区二,inf,7\n", encoding)(tmp_path)
    demand, sites, matrix = read_cost_matrix(path)
    assert demand == ["社区一", "社区二"] and sites == ["候选点甲", "b"]
    np.testing.assert_array_equal(matrix, [[100.0, np.inf], [np.inf, 7.0]])


def test_cost_matrix_ignores_spreadsheet_padding(tmp_path: Path) -> None:
    """Excel leaves trailing commas and blank lines; they hold no data and are not an error."""
    path = _text("c.csv", ",a,b,,\nd1,1,2,,\n,,,,\n\nd2,3,4\n")(tmp_path)
    assert read_cost_matrix(path).demand_ids == ["d1", "d2"]


def test_grids_table_counts_are_floats_and_ids_text(tmp_path: Path) -> None:
    path = _text("g.csv", "grid_id,households,name\n007,300,东区\n008, 12.0 ,西区\n")(tmp_path)
    grids = read_grids_table(path)
    assert grids["grid_id"].tolist() == ["007", "008"]
    assert grids["households"].tolist() == [300.0, 12.0] and grids["name"].tolist() == [
        "东区",
        "西区",
    ]


# --------------------------------------------------------------------------- generated malformed CSV

_CELL = st.one_of(
    st.sampled_from(
        [
            "",
            "1",
            "0",
            "-1",
            "nan",
            "inf",
            "-inf",
            "1e3",
            "x",
            "a",
            "a",
            "c1",
            " 2 ",
            "１２",
            '"',
            '"q,"',
            "社区",
        ]
    ),
    st.text(max_size=6),
)
_ROWS = st.lists(st.lists(_CELL, max_size=5), max_size=6)
_ENCODING = st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16", "latin-1"])


def _write_rows(path: Path, rows: list[list[str]], encoding: str, newline: str) -> None:
    text = newline.join(",".join(r) for r in rows)
    path.write_bytes(text.encode(encoding, errors="replace"))


def _assert_valid(result: CostMatrix) -> None:
    n, m = result.matrix.shape
    assert (n, m) == (len(result.demand_ids), len(result.site_ids)) and n > 0 and m > 0
    assert len(set(result.demand_ids)) == n and len(set(result.site_ids)) == m
    assert not np.isnan(result.matrix).any() and (result.matrix >= 0).all()


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=_ROWS, encoding=_ENCODING, newline=st.sampled_from(["\n", "\r\n"]))
def test_cost_matrix_reader_never_crashes(
    tmp_path: Path, rows: list[list[str]], encoding: str, newline: str
) -> None:
    path = tmp_path / "gen.csv"
    _write_rows(path, rows, encoding, newline)
    try:
        result = read_cost_matrix(path)
    except ValidationError as exc:
        assert str(exc).startswith(f"cannot read {path}") and "Fix:" in str(exc)
    else:
        _assert_valid(result)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=_ROWS,
    encoding=_ENCODING,
    header=st.lists(st.sampled_from(["grid_id", "households", "x", ""]), max_size=4),
)
def test_grids_reader_never_crashes(
    tmp_path: Path, rows: list[list[str]], encoding: str, header: list[str]
) -> None:
    path = tmp_path / "gen.csv"
    _write_rows(path, [header, *rows] if header else rows, encoding, "\n")
    try:
        grids = read_grids_table(path)
    except ValidationError as exc:
        assert "Fix:" in str(exc)
    else:
        assert (
            len(grids) > 0 and grids["grid_id"].is_unique and grids["grid_id"].str.len().gt(0).all()
        )
        if "households" in grids:
            assert (grids["households"].astype(float) >= 0).all()

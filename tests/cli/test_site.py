"""``gridplan site`` on a tiny CSV and on the bundled demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main


def _write(tmp_path: Path) -> dict[str, Path]:
    files = {
        "cost": ",a,b,c\nd1,100,900,800\nd2,850,120,\nd3,900,950,90\n",
        "weights": "demand_id,weight\nd1,10\nd2,20\nd3,30\n",
        "fixed": "a\n",
    }
    out = {}
    for name, text in files.items():
        out[name] = tmp_path / f"{name}.csv"
        out[name].write_text(text)
    return out


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict | None, str]:
    code = main(["site", *argv])
    cap = capsys.readouterr()
    return code, (json.loads(cap.out) if code == 0 else None), cap.err


def test_site_cost_matrix_mclp_with_fixed_and_weights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = _write(tmp_path)
    code, out, err = _run(
        capsys,
        "--cost-matrix",
        str(f["cost"]),
        "--weights",
        str(f["weights"]),
        "--fixed",
        str(f["fixed"]),
        "--model",
        "mclp",
        "--posts",
        "1",
        "--radius",
        "300",
        "--curve",
    )
    assert code == 0, err
    assert out["objective"] == 40.0 and out["selected"] == ["c"] and out["fixed"] == ["a"]
    assert out["status"] == "optimal" and out["gap"] == 0.0 and out["seconds"] >= 0
    assert [row["covered_weight"] for row in out["curve"]] == [10.0, 40.0]


def test_site_cost_matrix_pmedian_empty_cell_is_unreachable(tmp_path: Path, capsys) -> None:
    f = _write(tmp_path)
    code, out, err = _run(
        capsys,
        "--cost-matrix",
        str(f["cost"]),
        "--model",
        "pmedian",
        "--posts",
        "2",
        "--assignment",
    )
    assert code == 0, err
    # best pair: b + c -> d1 800 (c), d2 120 (b), d3 90 (c) = 1010; a + c -> 100 + 850 + 90 = 1040
    assert out["objective"] == 1010.0 and out["selected"] == ["b", "c"]
    assert out["assignment"] == {"d1": "c", "d2": "b", "d3": "c"}


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--model", "pmedian", "--posts", "9"], "lower `p`"),
        (["--model", "mclp", "--posts", "1", "--radius", "0"], "radius in metres > 0"),
        (
            ["--model", "lscp", "--radius", "100", "--out", "x.geojson"],
            "--out only applies with --data",
        ),
        (["--model", "pcenter", "--posts", "1", "--curve"], "coverage curve is an MCLP curve"),
    ],
)
def test_site_bad_options_say_what_to_change(
    tmp_path: Path, capsys, argv: list[str], needle: str
) -> None:
    f = _write(tmp_path)
    code, _, err = _run(capsys, "--cost-matrix", str(f["cost"]), *argv)
    assert code == 2 and needle in err


def test_site_bad_csv_cells_and_missing_weights(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(",a,b\nd1,1,x\n")
    code, _, err = _run(capsys, "--cost-matrix", str(bad), "--model", "pcenter", "--posts", "1")
    assert code == 2 and "1 cell(s) are not numbers: line 2 column 3 ('d1', 'b'): 'x'" in err
    f = _write(tmp_path)
    f["weights"].write_text("d1,1\nd2,nan\n")
    code, _, err = _run(
        capsys,
        "--cost-matrix",
        str(f["cost"]),
        "--weights",
        str(f["weights"]),
        "--model",
        "pmedian",
        "--posts",
        "1",
    )
    assert code == 2 and "no weight for 1 id(s) of the cost matrix: 'd3'" in err
    assert "1 weight(s) are not finite numbers >= 0: line 2 ('d2'): 'nan'" in err


def test_site_on_demo_writes_posts_geojson(demo_dir: Path, tmp_path: Path, capsys) -> None:
    out_path = tmp_path / "posts.geojson"
    code, out, err = _run(
        capsys,
        "--data",
        str(demo_dir),
        "--model",
        "mclp",
        "--posts",
        "3",
        "--radius",
        "500",
        "--out",
        str(out_path),
    )
    assert code == 0, err
    assert out["status"] == "optimal" and len(out["selected"]) == 3
    assert out["distance_method"] in ("network", "straight-line x1.3")
    gj = json.loads(out_path.read_text())
    feats = gj["features"]
    new = [f for f in feats if f["properties"]["kind"] == "new"]
    assert sorted(f["properties"]["site_id"] for f in new) == sorted(out["selected"])
    lon, lat = new[0]["geometry"]["coordinates"]
    assert 70 < lon < 140 and 0 < lat < 60  # WGS84
    newly = sum(f["properties"]["new_households"] for f in new)
    existing_cov = out["objective"] - newly
    assert newly > 0 and existing_cov >= 0

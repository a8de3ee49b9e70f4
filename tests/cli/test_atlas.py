"""``gridplan atlas`` end to end: a saved plan on the tiny district becomes a PDF."""

# ruff: noqa: F811 -- pytest fixtures imported from tests/ui/conftest.py are parameters here
from __future__ import annotations

import json
import shutil

import pytest

from cli.main import COMMANDS, main
from geo.grids.gridding import grid_communities
from geo.grids.params import GridParams
from geo.output.atlas import find_cjk_font
from geo.output.store import open_store, record_from_plan
from tests.ui.conftest import tiny_dir, tiny_layers  # noqa: F401 -- the two-community district


def test_atlas_is_a_command() -> None:
    assert "atlas" in COMMANDS


@pytest.mark.skipif(
    find_cjk_font() is None or shutil.which("pdfinfo") is None,
    reason="fonts-noto-cjk / poppler-utils missing: `make fonts`",
)
def test_atlas_cli_writes_pdf(tmp_path, tiny_dir, tiny_layers, capsys) -> None:
    store = tmp_path / "plans.gpkg"
    plan = grid_communities(tiny_layers, GridParams(min_households=100, max_households=500)).plan
    with open_store(store) as s:
        s.save(record_from_plan(plan, "tiny"))
    out = tmp_path / "atlas.pdf"
    code = main(
        [
            "atlas",
            "--plan",
            "tiny",
            "--data",
            str(tiny_dir),
            "--out",
            str(out),
            "--store",
            str(store),
            "--full-time",
            "10",
            "--part-time",
            "20",
        ]
    )
    cap = capsys.readouterr()
    assert code == 0, cap.err
    summary = json.loads(cap.out)
    assert summary["pages"] == 3 and summary["communities"] == 2 and out.stat().st_size > 10_000
    assert "10 full-time" in summary["notes"][0] and "bandwidth 200 m" in summary["notes"][1]
    code = main(
        [
            "atlas",
            "--plan",
            "nope",
            "--data",
            str(tiny_dir),
            "--out",
            str(out),
            "--store",
            str(store),
        ]
    )
    assert code == 2 and "nope" in capsys.readouterr().err

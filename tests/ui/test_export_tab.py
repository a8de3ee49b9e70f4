"""Export tab helpers: the printable atlas from the app's plan, the default GeoJSON layer."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from geo.grids.gridding import grid_communities
from geo.grids.params import GridParams
from geo.output.atlas import find_cjk_font
from ui.tabs_export import build_atlas, default_layer_index


def test_default_export_layer_is_the_grids() -> None:
    names = sorted(
        [
            "p_2026-01-01_assignment.geojson",
            "p_2026-01-01_grids.geojson",
            "p_2026-01-01_coverage.geojson",
        ]
    )
    assert names[default_layer_index(names)] == "p_2026-01-01_grids.geojson"
    assert default_layer_index(["a.geojson"]) == 0


@pytest.mark.skipif(
    find_cjk_font() is None or shutil.which("pdftotext") is None,
    reason="fonts-noto-cjk / poppler-utils missing: `make fonts`",
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_build_atlas_from_the_app_plan(tmp_path, tiny_layers, lang) -> None:
    plan = grid_communities(tiny_layers, GridParams(min_households=100, max_households=500)).plan
    pdf = build_atlas(plan, {}, tiny_layers, "方案甲", lang)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "a.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "方案甲" in text and "甲社区" in text
    # no staffing computed in the app: the published totals are apportioned and said so
    assert "242" in text and "1,134" in text
    assert ("网格员：按户数" in text) == (lang == "zh")

"""Benchmark: the printable atlas of the demo plan, matplotlib's PDF backend against ReportLab.

- ``matplotlib``: :func:`geo.output.atlas.write_atlas` on the demo district gridded with the
  default parameters and staffed with the published 242 / 1,134 workers: cover + one A4
  landscape page per community, Noto Sans CJK SC embedded. The written PDF is read back with
  ``pdftotext`` (poppler-utils) and the Chinese characters it yields are counted.
- ``matplotlib_density``: the same with the party-member density layer and column, as
  ``gridplan atlas`` runs by default (surface and per-grid means inside the timing).
- ``reportlab``: the same pages drawn with ReportLab's canvas (grid polygons filled with the
  same colours, estate outlines, community boundary, facilities, grid labels, the grid table
  as text). ReportLab's ``TTFont`` refuses Noto CJK ("postscript outlines are not supported":
  the Noto CJK fonts are CFF-based), so this reference uses ReportLab's built-in CID font
  ``STSong-Light``, which is *not embedded* (a printer without that font shows boxes): it
  measures drawing speed only. The refusal is recorded in the JSON (``reportlab_noto``).

Both run in one process, alternating, ``--repeat`` times; medians and their ratio are printed
with the machine load (``os.getloadavg``) as JSON.

Run: ``.venv/bin/python bench/bench_atlas.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _demo() -> tuple[Any, Any, Any]:
    from allocation.staffing import staff_grids
    from geo.data.io import load_demo
    from geo.grids.gridding import grid_communities
    from geo.grids.params import GridParams
    from geo.output.store import record_from_plan

    layers = load_demo()
    plan = grid_communities(layers, GridParams()).plan
    record = record_from_plan(plan, "demo")
    return layers, record, staff_grids(record.grids)


def _matplotlib(layers: Any, record: Any, staffing: Any, out: Path) -> int:
    from geo.output.atlas import write_atlas

    res = write_atlas(
        record,
        {
            "communities": layers.communities,
            "estates": layers.estates,
            "facilities": layers.facilities,
        },
        out,
        staffing=staffing,
    )
    return res.pages


def _matplotlib_density(layers: Any, record: Any, staffing: Any, out: Path) -> int:
    """As ``gridplan atlas`` runs by default: with the party-member density layer and column
    (the surface and per-grid means computed inside the timing)."""
    from allocation.density import density_points, density_surface, grid_density
    from geo.output.atlas import write_atlas

    surface = density_surface(density_points(layers))
    res = write_atlas(
        record,
        {
            "communities": layers.communities,
            "estates": layers.estates,
            "facilities": layers.facilities,
        },
        out,
        staffing=staffing,
        density=surface,
        grid_density=grid_density(surface, record.grids),
    )
    return res.pages


def _reportlab(layers: Any, record: Any, staffing: Any, out: Path) -> int:
    """The same content with ReportLab (non-embedded CID font: a speed reference only)."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from geo.output.export import GRID_FILLS, grid_colours

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    w, h = landscape(A4)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(w, h))
    grids = record.grids.reset_index(drop=True).merge(
        staffing[["grid_id", "full_time", "part_time"]], on="grid_id", how="left"
    )
    colours = grid_colours(grids)
    c.setFont("STSong-Light", 26)
    c.drawCentredString(w / 2, h - 80, "党建网格划分图册")
    c.setFont("STSong-Light", 10)
    for i, (street, part) in enumerate(
        grids.merge(layers.communities[["community_id", "street"]], on="community_id").groupby(
            "street"
        )
    ):
        c.drawString(
            80,
            h - 160 - 16 * i,
            f"{street}  {part['community_id'].nunique()}  {len(part)}  "
            f"{int(part['households'].sum())}  {int(part['party_members'].sum())}",
        )
    c.showPage()
    pages = 1
    for cid, comm in layers.communities.groupby("community_id"):
        cg = grids[grids["community_id"] == cid]
        if cg.empty:
            continue
        x0, y0, x1, y1 = comm.total_bounds
        scale = min(0.53 * w / (x1 - x0), 0.85 * h / (y1 - y0))

        def path(
            geom: Any,
            fill: str | None,
            c: Any = c,
            x0: float = x0,
            y0: float = y0,
            scale: float = scale,
        ) -> None:
            for poly in getattr(geom, "geoms", [geom]):
                p = c.beginPath()
                xs, ys = poly.exterior.coords.xy
                p.moveTo(20 + (xs[0] - x0) * scale, 40 + (ys[0] - y0) * scale)
                for x, y in zip(xs[1:], ys[1:], strict=True):
                    p.lineTo(20 + (x - x0) * scale, 40 + (y - y0) * scale)
                p.close()
                if fill:
                    c.setFillColor(HexColor(fill))
                c.drawPath(p, stroke=1, fill=1 if fill else 0)

        for gid, geom in zip(cg["grid_id"], cg.geometry, strict=True):
            path(geom, GRID_FILLS[colours[gid] % len(GRID_FILLS)])
        for geom in layers.estates[layers.estates["community_id"] == cid].geometry:
            path(geom, None)
        path(comm.geometry.iloc[0], None)
        c.setFillColor(HexColor("#000000"))
        c.setFont("STSong-Light", 7)
        for name, geom in zip(cg["name"], cg.geometry, strict=True):
            pt = geom.representative_point()
            c.drawCentredString(20 + (pt.x - x0) * scale, 40 + (pt.y - y0) * scale, str(name))
        for f in layers.facilities[layers.facilities["community_id"] == cid].geometry:
            c.circle(20 + (f.x - x0) * scale, 40 + (f.y - y0) * scale, 3, fill=1)
        c.setFont("STSong-Light", 8.5)
        for i, r in enumerate(cg.itertuples(index=False)):
            c.drawString(
                0.57 * w,
                h - 60 - 14 * i,
                f"{r.grid_id}  {r.name}  {int(r.households)}  "
                f"{int(r.party_members)}  {r.full_time}  {r.part_time}  {r.issue}",
            )
        c.setFont("STSong-Light", 17)
        c.drawString(20, h - 30, f"{comm['street'].iloc[0]} {comm['name'].iloc[0]}")
        c.showPage()
        pages += 1
    c.save()
    out.write_bytes(buf.getvalue())
    return pages


def _reportlab_noto() -> str:
    from reportlab.pdfbase.ttfonts import TTFont

    from geo.output.atlas import find_cjk_font

    font = find_cjk_font()
    if font is None:
        return "no Noto CJK font installed"
    try:
        TTFont("NotoCJK", str(font), subfontIndex=2)
    except Exception as exc:  # the refusal itself is the measurement
        return f"refused: {type(exc).__name__}: {exc}"
    return "accepted"


def _cjk_extracted(pdf: Path) -> int | None:
    if shutil.which("pdftotext") is None:
        return None
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    layers, record, staffing = _demo()
    times: dict[str, list[float]] = {"matplotlib": [], "matplotlib_density": [], "reportlab": []}
    pages: dict[str, int] = {}
    extracted: dict[str, int | None] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            for name, fn in (
                ("matplotlib", _matplotlib),
                ("matplotlib_density", _matplotlib_density),
                ("reportlab", _reportlab),
            ):
                out = Path(tmp) / f"{name}.pdf"
                t0 = time.perf_counter()
                pages[name] = fn(layers, record, staffing, out)
                times[name].append(time.perf_counter() - t0)
                extracted[name] = _cjk_extracted(out)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        json.dumps(
            {
                "benchmark": "atlas of the demo plan (cover + one page per community)",
                "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "repeat": args.repeat,
                "pages": pages,
                "seconds_median": {k: round(v, 3) for k, v in med.items()},
                "seconds_all": {k: [round(x, 3) for x in v] for k, v in times.items()},
                "ratio_matplotlib_over_reportlab": round(med["matplotlib"] / med["reportlab"], 2),
                "cjk_chars_extracted_by_pdftotext": extracted,
                "target_seconds": 20,
                "target_pages": 39,
                "matplotlib_meets_target": pages["matplotlib"] >= 39 and med["matplotlib"] < 20,
                "matplotlib_density_meets_target": pages["matplotlib_density"] >= 39
                and med["matplotlib_density"] < 20,
                "reportlab_noto": _reportlab_noto(),
                "reportlab_font": "STSong-Light (built-in CID font, not embedded)",
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

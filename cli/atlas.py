"""``gridplan atlas``: a saved plan as a printable PDF atlas (cover + one A4 page per community)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.plan import add_store_argument


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``atlas`` subcommand."""
    from geo.settings import DEFAULT_FULL_TIME_WORKERS, DEFAULT_PART_TIME_WORKERS

    parser = subparsers.add_parser(
        "atlas",
        help="print a saved plan as a PDF atlas (a page per community)",
        description="Write a printable atlas of a plan version: a cover page (district figures, "
        "one row per street) and one A4 landscape page per community with a map of "
        "its grids (names, estates, facilities, posts, scale bar, north arrow) and a "
        "table of its grids (code, name, households, party members, full-time and "
        "part-time workers, reason for any grid out of rule). Chinese text is set in "
        "Noto CJK (Debian fonts-noto-cjk), embedded.",
    )
    parser.add_argument("--plan", required=True, metavar="NAME", help="plan name in the store")
    parser.add_argument("--version", type=int, default=None, metavar="N", help="default: latest")
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        metavar="DIR",
        help="the dataset the plan was made on (default: the bundled demo)",
    )
    parser.add_argument("--out", required=True, type=Path, metavar="PATH.pdf", help="PDF to write")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the atlas")
    parser.add_argument(
        "--full-time",
        type=int,
        default=DEFAULT_FULL_TIME_WORKERS,
        help="full-time workers to apportion when the plan has no staffing",
    )
    parser.add_argument(
        "--part-time",
        type=int,
        default=DEFAULT_PART_TIME_WORKERS,
        help="part-time workers to apportion when the plan has no staffing",
    )
    parser.add_argument(
        "--no-density",
        action="store_true",
        help="leave out the party-member density layer and column",
    )
    add_store_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the plan and its dataset, staff it if it has no staffing, write the atlas."""
    import json

    from allocation.density import density_points, density_surface, grid_density
    from allocation.staffing import staff_grids
    from geo.data.io import load_demo, load_layers
    from geo.output.atlas import write_atlas
    from geo.output.paths import check_args
    from geo.output.store import open_store

    check_args(args, outputs=["out"], inputs=["data"] if args.data is not None else [])
    with open_store(args.store) as store:
        record = store.load(args.plan, args.version)
    layers = load_layers(args.data) if args.data is not None else load_demo()
    staffing, note = record.staffing, "staffing: saved with the plan"
    if staffing is None or not len(staffing):
        staffing = staff_grids(record.grids, full_time=args.full_time, part_time=args.part_time)
        note = (
            f"staffing: {args.full_time} full-time and {args.part_time} part-time workers "
            "apportioned by households (largest remainder, at least one full-time per grid)"
        )
    notes, surface, per_grid = [note], None, None
    if not args.no_density:
        surface = density_surface(density_points(layers))
        per_grid = grid_density(surface, record.grids)
        notes.append(
            f"party-member density: Gaussian kernel, bandwidth {surface.bandwidth_m:.0f} m "
            f"(Scott's rule would give {surface.scott_m:.0f} m), {surface.cell_m:.0f} m cells"
        )
    result = write_atlas(
        record,
        {
            "communities": layers.communities,
            "estates": layers.estates,
            "facilities": layers.facilities,
        },
        args.out,
        staffing=staffing,
        lang=args.lang,
        notes=notes,
        density=surface,
        grid_density=per_grid,
    )
    print(
        json.dumps(
            {
                "plan": record.name,
                "version": record.version,
                "out": str(result.path),
                "pages": result.pages,
                "communities": len(result.communities),
                "font": result.font,
                "notes": notes,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    return 0

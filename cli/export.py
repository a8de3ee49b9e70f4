"""``gridplan export``: a saved plan version as GeoJSON, GeoPackage, CSV tables or an HTML map."""

from __future__ import annotations

import argparse

from cli.plan import add_store_argument


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a saved plan (geojson, gpkg, csv, html)",
        description="Export a plan version from the store for other systems: RFC 7946 GeoJSON "
        "(WGS84 lon/lat, 7 decimals), a GeoPackage with one layer per table, CSV "
        "tables, or a standalone HTML map that works offline (Leaflet inlined, no basemap). Each export carries a metadata record "
        "(plan, version, parameters, time). Personal fields are never exported.",
    )
    parser.add_argument("--plan", required=True, metavar="NAME", help="plan name in the store")
    parser.add_argument("--version", type=int, default=None, metavar="N", help="default: latest")
    parser.add_argument("--format", required=True, choices=("geojson", "gpkg", "csv", "html"))
    parser.add_argument(
        "--out", required=True, metavar="PATH", help="output file (a folder for csv)"
    )
    parser.add_argument(
        "--gcj02",
        action="store_true",
        help="offset coordinates to GCJ-02 for Amap-based systems "
        "(geojson, gpkg, csv; not RFC 7946 WGS84 any more)",
    )
    parser.add_argument(
        "--lang",
        choices=("zh", "en"),
        default="zh",
        help="language of the html map's layer names, legend and panels",
    )
    add_store_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geo.errors import Problem, ValidationError
    from geo.output.export import export_paths, export_plan
    from geo.output.paths import check_args
    from geo.output.store import open_store

    folder = ["out"] if args.format == "csv" else []
    check_args(
        args,
        folders=folder,
        outputs=[
            (f"--out ({p.name})", p) if folder else ("--out", p)
            for p in export_paths(args.format, args.out)
        ],
    )

    if args.gcj02 and args.format == "html":
        raise ValidationError(
            [
                Problem(
                    layer="export",
                    field="--gcj02",
                    message="does not apply to the html map (it is drawn in WGS84)",
                    fix="drop --gcj02 or choose geojson, gpkg or csv",
                )
            ],
            title="cannot export",
        )
    with open_store(args.store) as store:
        record = store.load(args.plan, args.version)
    written = export_plan(record, args.format, args.out, gcj02=args.gcj02, lang=args.lang)
    print(f"exported plan `{record.name}` version {record.version} ({args.format}):")
    for path in written:
        print(f"  {path}")
    return 0

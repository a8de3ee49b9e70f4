"""``gridplan check``: load every layer of a dataset and print the validation report."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check", help="validate a dataset and print the report (exit 1 on errors)",
        description="Load every layer (folder of layer files, GeoPackage with named layers, or a "
                    ".zip of them), print every problem per layer and feature with its fix, and "
                    "exit 0 when there is no error, 1 otherwise.")
    parser.add_argument("--data", required=True, metavar="DIR_OR_GPKG",
                        help="folder of <layer>.geojson|.gpkg|.zip|.shp files, a .gpkg or a .zip")
    parser.add_argument("--datum", default=None, metavar="DATUM",
                        help="datum of the coordinates: WGS84, CGCS2000, GCJ-02 (Amap), BD-09 (Baidu) or "
                             "EPSG:xxxx (default: each file's own CRS)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geo.errors import UploadRejected, ValidationError
    from geo.io import load_layers, validation_report

    try:
        layers = load_layers(args.data, datum=args.datum)
    except ValidationError as exc:
        print(validation_report(exc), end="")
        return 1
    except UploadRejected as exc:
        print(f"FAILED: {exc}")
        return 1
    print(validation_report(layers), end="")
    return 0

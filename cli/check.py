"""``gridplan check``: load every layer of a dataset and print the validation report."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate a dataset and print the report (exit 1 on errors)",
        description="Load every layer (folder of layer files, GeoPackage with named layers, or a "
        ".zip of them), print every problem per layer and feature with its fix, and "
        "exit 0 when there is no error, 1 otherwise.",
    )
    parser.add_argument(
        "--data",
        required=True,
        metavar="DIR_OR_GPKG",
        help="folder of <layer>.geojson|.gpkg|.zip|.shp files, a .gpkg or a .zip",
    )
    parser.add_argument(
        "--datum",
        action="append",
        default=None,
        metavar="[LAYER=]DATUM",
        help="datum of the coordinates: WGS84, CGCS2000, GCJ-02 (Amap), BD-09 "
        "(Baidu) or EPSG:xxxx, for every layer or, as LAYER=DATUM, for one "
        "(repeatable; default: each file's own CRS)",
    )
    add_roster_argument(parser)
    parser.add_argument(
        "--network",
        default=None,
        metavar="FILE",
        help="walk network (.graphml / .osm); default: walk.graphml beside the data",
    )
    parser.set_defaults(func=run)


def add_roster_argument(parser: argparse.ArgumentParser) -> None:
    """``--roster [LAYER=]FILE``: a CSV/XLSX of counts joined to a layer by id or name."""
    parser.add_argument(
        "--roster",
        action="append",
        default=None,
        metavar="[LAYER=]FILE",
        help="a CSV/XLSX roster of counts (户数, 党员数 ...) joined to the estates "
        "layer (or LAYER) by id or by name; every unmatched row is reported "
        "(repeatable; files named <layer>_roster.xlsx or 小区名册.xlsx in "
        "the data folder are joined too)",
    )


def roster_option(values: list[str] | None) -> dict[str, list[str]] | None:
    """``["r.xlsx", "buildings=b.csv"]`` -> ``{"estates": ["r.xlsx"], "buildings": ["b.csv"]}``."""
    from geo.data.schema import LAYER_NAMES

    if not values:
        return None
    out: dict[str, list[str]] = {}
    for value in values:
        layer, _, path = value.rpartition("=") if "=" in value else ("estates", "", value)
        if layer not in LAYER_NAMES:
            raise SystemExit(
                f"gridplan: --roster {value}: `{layer}` is not one of {', '.join(LAYER_NAMES)}"
            )
        out.setdefault(layer, []).append(path)
    return out


def datum_option(values: list[str] | None) -> dict[str, str] | None:
    """``["GCJ-02", "communities=WGS84"]`` -> ``{layer: datum}`` for every layer.

    A bare datum applies to every layer; ``LAYER=DATUM`` overrides it for one layer.
    """
    from geo.data.schema import LAYER_NAMES

    if not values:
        return None
    default = [v for v in values if "=" not in v]
    if len(default) > 1:
        raise SystemExit(f"gridplan check: give one --datum for all layers, got {default}")
    datums = dict.fromkeys(LAYER_NAMES, default[0]) if default else {}
    for value in values:
        if "=" in value:
            layer, datum = (x.strip() for x in value.split("=", 1))
            if layer not in LAYER_NAMES:
                raise SystemExit(
                    f"gridplan check: --datum {value}: `{layer}` is not one of "
                    f"{', '.join(LAYER_NAMES)}"
                )
            datums[layer] = datum
    return datums


def run(args: argparse.Namespace) -> int:
    from geo.data.io import load_layers, validation_report
    from geo.errors import UploadRejected, ValidationError

    try:
        layers = load_layers(
            args.data,
            datum=datum_option(args.datum),
            rosters=roster_option(args.roster),
            network=args.network,
        )
    except ValidationError as exc:
        print(validation_report(exc), end="")
        return 1
    except UploadRejected as exc:
        print(f"FAILED: {exc}")
        return 1
    print(validation_report(layers), end="")
    return 0

"""``gridplan check``: load every layer of a dataset and print the validation report."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check", help="validate a dataset and print the report (exit 1 on errors)",
        description="Load every layer (folder of layer files, GeoPackage with named layers, or a "
                    ".zip of them), print every problem per layer and feature with its fix, and "
                    "exit 0 when there is no error, 1 otherwise.")
    parser.add_argument("--data", required=True, metavar="DIR_OR_GPKG",
                        help="folder of <layer>.geojson|.gpkg|.zip|.shp files, a .gpkg or a .zip")
    parser.add_argument("--datum", action="append", default=None, metavar="[LAYER=]DATUM",
                        help="datum of the coordinates: WGS84, CGCS2000, GCJ-02 (Amap), BD-09 "
                             "(Baidu) or EPSG:xxxx, for every layer or, as LAYER=DATUM, for one "
                             "(repeatable; default: each file's own CRS)")
    parser.set_defaults(func=run)


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
                raise SystemExit(f"gridplan check: --datum {value}: `{layer}` is not one of "
                                 f"{', '.join(LAYER_NAMES)}")
            datums[layer] = datum
    return datums


def run(args: argparse.Namespace) -> int:
    from geo.data.io import load_layers, validation_report
    from geo.errors import UploadRejected, ValidationError

    try:
        layers = load_layers(args.data, datum=datum_option(args.datum))
    except ValidationError as exc:
        print(validation_report(exc), end="")
        return 1
    except UploadRejected as exc:
        print(f"FAILED: {exc}")
        return 1
    print(validation_report(layers), end="")
    return 0

"""``gridplan coverage``: walking distance from each estate to its nearest facility, life-circle gaps."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from cli.check import add_roster_argument


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``coverage`` subcommand."""
    p = subparsers.add_parser(
        "coverage",
        help="review facility coverage of estates by walking distance",
        description="Nearest facility per estate on the walk network (the dataset's walk.graphml "
        "unless --network is given; without any, straight-line x detour factor, "
        "labelled as such), life-circle classes, gaps. Writes RFC 7946 GeoJSON "
        "(WGS84) and prints a JSON summary.",
    )
    p.add_argument("--data", required=True, type=Path, help="dataset folder or GeoPackage")
    p.add_argument(
        "--datum",
        action="append",
        default=None,
        metavar="[LAYER=]DATUM",
        help="datum of the data: WGS84, CGCS2000, GCJ-02, BD-09 or EPSG:x, for every "
        "layer or, as LAYER=DATUM, for one (repeatable; default: each file's own CRS)",
    )
    add_roster_argument(p)
    p.add_argument(
        "--network",
        type=Path,
        default=None,
        help="walk network (.graphml / .osm); default: walk.graphml beside the data",
    )
    p.add_argument(
        "--no-network",
        action="store_true",
        help="ignore any network and use the straight-line fallback",
    )
    p.add_argument(
        "--levels", default=None, help="facility levels to count, comma-separated (default: all)"
    )
    p.add_argument(
        "--thresholds",
        default=None,
        help="life-circle distances in metres, ascending (default 300,500,1000)",
    )
    p.add_argument(
        "--gap-threshold",
        type=float,
        default=None,
        help="estates farther than this many metres are gaps (default 500)",
    )
    p.add_argument(
        "--weight",
        choices=("households", "residents", "party_members"),
        default="households",
        help="demand weight for shares and gap ranking",
    )
    p.add_argument(
        "--detour-factor",
        type=float,
        default=None,
        help="straight-line multiplier of the fallback (default 1.3)",
    )
    p.add_argument("--gaps", type=Path, default=None, help="also write the ranked gap list as CSV")
    p.add_argument("--out", required=True, type=Path, help="GeoJSON of estates with their class")
    p.set_defaults(func=run)


def _floats(text: str, what: str) -> list[float]:
    from geo.errors import Problem, ValidationError

    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ValidationError(
            [
                Problem(
                    what,
                    f"cannot read {text!r}",
                    "give metres separated by commas, e.g. 300,500,1000",
                )
            ]
        ) from None


def run(args: argparse.Namespace) -> int:
    """Run the coverage review, write ``--out`` (and ``--gaps``), print a JSON summary."""
    from allocation.coverage import coverage_review
    from cli.check import datum_option, roster_option
    from geo.data.io import load_layers
    from geo.errors import GridplanError, Problem, ValidationError
    from geo.network.walk import WalkNetwork
    from geo.output.export import (
        DROPPED_AT_LOAD,
        json_safe,
        make_metadata,
        personal_fields_dropped_at_load,
        write_geojson,
    )
    from geo.output.paths import check_args
    from geo.settings import DEFAULT_DETOUR_FACTOR, LIFE_CIRCLES_M

    check_args(args, outputs=["out", "gaps"], inputs=["data", "network"])
    layers = load_layers(
        args.data, datum=datum_option(args.datum), rosters=roster_option(args.roster)
    )
    network_path = None if args.no_network else (args.network or layers.network_path)
    network = WalkNetwork.from_file(network_path, layers.crs) if network_path is not None else None
    thresholds = _floats(args.thresholds, "--thresholds") if args.thresholds else LIFE_CIRCLES_M
    levels = [s.strip() for s in args.levels.split(",") if s.strip()] if args.levels else None
    try:
        res = coverage_review(
            layers,
            network=network,
            levels=levels,
            thresholds_m=thresholds,
            weight=args.weight,
            gap_threshold_m=args.gap_threshold
            if args.gap_threshold is not None
            else LIFE_CIRCLES_M[1],
            detour_factor=args.detour_factor
            if args.detour_factor is not None
            else DEFAULT_DETOUR_FACTOR,
        )
    except GridplanError:
        raise
    except ValueError as exc:  # a bad option value: report it like any input problem
        raise ValidationError(
            [Problem("options", str(exc), "correct the option and run again")]
        ) from None
    summary = res.to_dict()
    summary["network"] = str(network_path) if network_path is not None else None
    # typed as open keyword arguments: its key is a constant, not one of make_metadata's parameters
    dropped: dict[str, Any] = {DROPPED_AT_LOAD: personal_fields_dropped_at_load(layers)}
    meta = make_metadata(
        parameters={
            "levels": summary["levels"],
            "thresholds_m": summary["thresholds_m"],
            "gap_threshold_m": summary["gap_threshold_m"],
            "weight": args.weight,
        },
        method=res.method,
        network=summary["network"],
        **dropped,
    )
    write_geojson(res.estates, args.out, metadata=meta)
    summary["out"] = str(args.out)
    if args.gaps is not None:
        args.gaps.parent.mkdir(parents=True, exist_ok=True)
        res.gaps.assign(method=res.method).to_csv(args.gaps, index=False, encoding="utf-8")
        summary["gaps_csv"] = str(args.gaps)
    print(json.dumps(json_safe(summary), ensure_ascii=False, indent=2))
    return 0

"""``gridplan demo``: write the synthetic demo district (same generator as ``python -m geo.demo``)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="write the synthetic demo district (38 communities per copy) to a folder",
        description="Generate the demo district of the reference development zone (synthetic "
        "geometry; counts follow the published figures) as RFC 7946 GeoJSON layers, "
        "an osmnx GraphML walk network and metadata.json. The same scale and seed "
        "always write the same bytes.",
    )
    parser.add_argument(
        "--out", required=True, metavar="DIR", help="output folder (created if missing)"
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        metavar="N",
        help="N copies of the district side by side, for benchmarks (default 1)",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from geo.demo.generate import LAYER_FILES, write_demo
    from geo.output.paths import check_args

    out = Path(args.out)
    members = [*(f"{n}.geojson" for n in LAYER_FILES), "walk.graphml", "metadata.json"]
    check_args(args, folders=["out"], outputs=[(f"--out ({m})", out / m) for m in members])

    paths = write_demo(args.out, scale=args.scale, seed=args.seed)
    meta = json.loads(paths["metadata"].read_text(encoding="utf-8"))
    print(
        json.dumps(
            {"out": str(args.out), "layers": meta["layers"], "totals": meta["totals"]},
            ensure_ascii=False,
            sort_keys=True,
        )
    )
    return 0

"""``gridplan site``: propose new service posts (LSCP, MCLP, p-median, p-center), solved exactly.

Two entry points:

* ``--cost-matrix C.csv [--weights W.csv] [--fixed F.csv]``: a dense demand x candidate
  matrix in metres (header row of candidate ids, first column demand ids); ``W.csv``
  ``demand_id,weight``; ``F.csv`` one already-open candidate id a line.
* ``--data DIR [--network FILE] --out posts.geojson``: estates, facilities (kept open) and
  candidates of a dataset; writes the new posts (WGS84 GeoJSON) with the estates and
  households each newly covers.

Both print a JSON summary (objective, bound, gap, status, selected, seconds ...).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

MODELS = ("lscp", "mclp", "pmedian", "pcenter")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``site`` subcommand."""
    p = subparsers.add_parser(
        "site",
        help="site new service posts (LSCP, MCLP, p-median, p-center) exactly with HiGHS",
        description="Propose new service posts, existing facilities kept open and counted. "
        "Give either --cost-matrix (CSV) or --data (dataset folder). Prints a JSON summary.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--cost-matrix",
        type=Path,
        help="dense demand x candidate CSV, metres (header: candidate ids)",
    )
    src.add_argument(
        "--data", type=Path, help="dataset folder or GeoPackage (estates, facilities, candidates)"
    )
    p.add_argument("--model", required=True, choices=MODELS, help="siting model")
    p.add_argument(
        "--posts", type=int, default=None, help="number of NEW posts p (mclp, pmedian, pcenter)"
    )
    p.add_argument(
        "--radius", type=float, default=None, help="service radius in metres (lscp, mclp)"
    )
    p.add_argument(
        "--time-limit", type=float, default=60.0, help="seconds for the solve (default 60)"
    )
    p.add_argument(
        "--weights", type=Path, help="CSV demand_id,weight (with --cost-matrix; default 1 each)"
    )
    p.add_argument(
        "--fixed", type=Path, help="CSV, one already-open candidate id a line (with --cost-matrix)"
    )
    p.add_argument(
        "--capacities", type=Path, help="CSV candidate_id,capacity (pmedian, with --cost-matrix)"
    )
    p.add_argument(
        "--datum",
        action="append",
        default=None,
        metavar="[LAYER=]DATUM",
        help="datum of --data: WGS84, CGCS2000, GCJ-02, BD-09 or EPSG:x, for every layer "
        "or, as LAYER=DATUM, for one (repeatable; default: each file's own CRS)",
    )
    p.add_argument(
        "--network",
        type=Path,
        help="walk network GraphML/.osm (with --data; default: beside the data)",
    )
    p.add_argument(
        "--weight", default="households", help="estate column weighting demand (with --data)"
    )
    p.add_argument("--out", type=Path, help="GeoJSON of proposed posts to write (with --data)")
    p.add_argument(
        "--curve",
        action="store_true",
        help="also the marginal coverage curve p = 0..--posts (MCLP, needs --radius)",
    )
    p.add_argument("--curve-plot", type=Path, help="PNG of the coverage curve (with --curve)")
    p.add_argument(
        "--assignment", action="store_true", help="include each demand point's site in the JSON"
    )
    p.set_defaults(func=run)


def _fail(arg: str, message: str, fix: str) -> Exception:
    from geo.errors import Problem, ValidationError

    return ValidationError([Problem(arg, message, fix)])


def _build(args: argparse.Namespace) -> Any:
    from allocation import siting

    classes: dict[str, type[siting.SitingModel]] = {
        "lscp": siting.LSCP,
        "mclp": siting.MCLP,
        "pmedian": siting.PMedian,
        "pcenter": siting.PCenter,
    }
    cls = classes[args.model]
    p = args.posts
    if args.curve and args.model != "mclp":
        raise _fail(
            "--curve",
            "the coverage curve is an MCLP curve.",
            "use --model mclp --radius M --posts P.",
        )
    if args.cost_matrix is not None:
        for flag, value in (("--network", args.network), ("--out", args.out)):
            if value is not None:
                raise _fail(
                    flag, f"{flag} only applies with --data.", f"drop {flag} or use --data DIR."
                )
        from allocation.tables import read_cost_matrix, read_id_list, read_keyed_numbers

        d_ids, c_ids, cost = read_cost_matrix(args.cost_matrix)
        weights = (
            read_keyed_numbers(args.weights, d_ids, what="weight", option="--weights")
            if args.weights
            else None
        )
        fixed = read_id_list(args.fixed, c_ids, option="--fixed") if args.fixed else None
        caps = (
            read_keyed_numbers(args.capacities, c_ids, what="capacity", option="--capacities")
            if args.capacities
            else None
        )
        return cls.from_cost_matrix(
            cost,
            weights=weights,
            fixed=fixed,
            p=p,
            radius=args.radius,
            capacities=caps,
            demand_ids=d_ids,
            candidate_ids=c_ids,
        )
    from geo.data.io import load_layers

    for flag, value in (
        ("--weights", args.weights),
        ("--fixed", args.fixed),
        ("--capacities", args.capacities),
    ):
        if value is not None:
            raise _fail(
                flag,
                f"{flag} only applies with --cost-matrix.",
                "with --data, weights come from --weight and existing facilities are always fixed.",
            )
    if args.out is None:
        raise _fail("--out", "--data needs --out posts.geojson.", "add --out FILE.geojson.")
    from cli.check import datum_option

    layers = load_layers(args.data, datum=datum_option(args.datum))
    kwargs: dict[str, Any] = {"network": args.network, "weight": args.weight, "radius": args.radius}
    if args.model != "lscp":
        kwargs["p"] = p
    elif p is not None:
        raise _fail(
            "--posts",
            "LSCP finds the number of posts itself.",
            "drop --posts, or use --model mclp.",
        )
    return cls.from_layers(layers, **kwargs)


def posts_frame(model: Any, result: Any) -> Any:
    """Proposed (and existing) posts with the estates and weight each serves and newly covers."""
    import numpy as np

    arrays = model.arrays
    sites = arrays.sites
    weight = arrays.meta["weight"]
    chosen = set(result.selected) | set(result.fixed)
    out = sites[sites["site_id"].isin(chosen)].copy()
    out["kind"] = np.where(out["kind"] == "existing", "existing", "new")
    dem = arrays.demand.set_index("estate_id")
    n = len(arrays.demand_ids)
    d_fix = arrays.cost[:, arrays.fixed].min(axis=1) if arrays.fixed.any() else np.full(n, np.inf)
    was_covered = dict(
        zip(arrays.demand_ids, d_fix <= (result.radius if result.radius else -1.0), strict=True)
    )
    served: dict[str, list[str]] = {s: [] for s in out["site_id"]}
    newly: dict[str, list[str]] = {s: [] for s in out["site_id"]}
    for estate, site in result.assignment.items():
        if site is None or site not in served:
            continue
        served[site].append(estate)
        dist = result.distance_m.get(estate)
        within = result.radius is None or (dist is not None and dist <= result.radius)
        if within and not was_covered[estate] and site in result.selected:
            newly[site].append(estate)
    out["estates"] = out["site_id"].map(lambda s: sorted(served[s]))
    out[weight] = out["site_id"].map(lambda s: float(dem.loc[served[s], weight].sum()))
    out["new_estates"] = out["site_id"].map(lambda s: sorted(newly[s]))
    out[f"new_{weight}"] = out["site_id"].map(lambda s: float(dem.loc[newly[s], weight].sum()))
    return out.reset_index(drop=True)


def run(args: argparse.Namespace) -> int:
    """Build, solve, print the JSON summary (and write ``--out`` with ``--data``)."""
    from geo.output.paths import check_args

    check_args(
        args,
        outputs=["out", "curve_plot"],
        inputs=["cost_matrix", "data", "weights", "fixed", "capacities", "network"],
    )
    from allocation.siting import coverage_curve, plot_coverage_curve

    model = _build(args)
    result = model.solve(time_limit=args.time_limit)
    summary = result.to_dict()
    if not args.assignment:
        summary.pop("assignment")
        summary.pop("distance_m")
    summary.update(
        {
            k: v
            for k, v in model.meta.items()
            if k
            in ("distance_method", "candidate_source", "unreachable_estates", "flagged_estates")
        }
    )
    if args.curve:
        df = coverage_curve(model, int(args.posts), time_limit=args.time_limit)
        summary["curve"] = df.to_dict(orient="records")
        if args.curve_plot is not None:
            plot_coverage_curve(df).savefig(args.curve_plot, dpi=120)
            summary["curve_plot"] = str(args.curve_plot)
    if args.data is not None:
        from geo.output.export import make_metadata, write_geojson

        posts = posts_frame(model, result)
        meta = make_metadata(
            parameters={
                "model": args.model,
                "posts": args.posts,
                "radius_m": args.radius,
                "weight": args.weight,
            },
            method=model.meta.get("distance_method"),
            objective=result.objective,
            status=result.status,
            gap=result.gap,
        )
        write_geojson(posts, args.out, metadata=meta)
        summary["out"] = str(args.out)
    if args.data is not None or args.curve:  # frames and layer metadata may hold numpy values
        from geo.output.export import (
            json_safe,  # imports geopandas: kept off the --cost-matrix path
        )

        summary = json_safe(summary)
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0

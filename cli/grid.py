"""``gridplan grid``: automatic party-building grids, or the plan in force imported and repaired.

Writes the grids as RFC 7946 GeoJSON (WGS84) with their metrics as properties, the unit ->
grid assignment as ``<out stem>_assignment.csv`` beside it, and prints a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from cli.check import add_roster_argument
from cli.plan import add_save_arguments, save_from_args


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``grid`` subcommand."""
    p = subparsers.add_parser(
        "grid",
        help="divide every community into balanced, contiguous party-building grids",
        description="Grid every community of a dataset (whole estates, large estates split by "
        "buildings), or import the plan in force (--from-plan) and repair it "
        "(--repair). Writes RFC 7946 GeoJSON grids with metrics, a unit -> grid CSV "
        "beside it, and prints a JSON summary.",
    )
    p.add_argument(
        "--data",
        required=True,
        type=Path,
        metavar="DIR_OR_GPKG",
        help="dataset folder, GeoPackage or .zip (communities and estates required)",
    )
    p.add_argument(
        "--datum",
        action="append",
        default=None,
        metavar="[LAYER=]DATUM",
        help="datum of the data: WGS84, CGCS2000, GCJ-02, BD-09 or EPSG:x, for every layer or, "
        "as LAYER=DATUM, for one (repeatable; default: each file's own CRS)",
    )
    add_roster_argument(p)
    p.add_argument(
        "--min-households", type=int, default=None, help="households per grid, minimum (300)"
    )
    p.add_argument(
        "--max-households", type=int, default=None, help="households per grid, maximum (500)"
    )
    p.add_argument(
        "--size-by",
        choices=("households", "party_members"),
        default="households",
        help="count the size rule applies to (party_members: 15-40 per grid)",
    )
    p.add_argument(
        "--min-party", type=int, default=None, help="party members per grid, minimum (15)"
    )
    p.add_argument(
        "--max-party", type=int, default=None, help="party members per grid, maximum (40)"
    )
    p.add_argument(
        "--min-party-per-grid",
        type=int,
        default=None,
        help="party members a grid needs for a party group (3)",
    )
    p.add_argument(
        "--balance",
        choices=("party_members", "households", "load"),
        default="party_members",
        help="second count balanced across a community's grids",
    )
    p.add_argument("--compactness", type=float, default=None, help="compactness weight (0.2)")
    p.add_argument(
        "--grids-per-community",
        type=int,
        default=None,
        metavar="N",
        help="fix the number of grids per community (default: from the size rule)",
    )
    p.add_argument(
        "--whole-estates",
        action="store_true",
        help="never split estates below the maximum by their buildings",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same plan)")
    p.add_argument("--workers", type=int, default=None, help="local worker processes")
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="run communities on this Dask distributed scheduler",
    )
    p.add_argument(
        "--barriers",
        type=Path,
        default=None,
        metavar="FILE",
        help="lines or polygons (their outlines) that cut adjacency: rivers, arterials",
    )
    p.add_argument(
        "--barrier-kind",
        default=None,
        metavar="KIND",
        help="keep only --barriers features whose `kind` is KIND (e.g. water in landuse.geojson)",
    )
    p.add_argument(
        "--other-grids",
        type=Path,
        default=None,
        metavar="FILE",
        help="another department's grid layer: add a fusion report",
    )
    p.add_argument(
        "--other-grids-as-barriers",
        action="store_true",
        help="treat the --other-grids boundaries as barriers when gridding",
    )
    p.add_argument(
        "--from-plan",
        type=Path,
        default=None,
        metavar="GRIDS_FILE",
        help="import the plan in force (grid polygons with grid_id, name) instead of gridding",
    )
    p.add_argument(
        "--repair",
        action="store_true",
        help="with --from-plan: bring out-of-rule grids into the band, fewest households moved "
        "(splitting grids grown too large, merging grids too small); with updated --data, "
        "the summary lists the data changes since the plan (from the plan's "
        "<stem>_assignment.csv when it sits beside it)",
    )
    p.add_argument(
        "--unlock-neighbours",
        action="store_true",
        help="with --repair: let compliant neighbours of out-of-rule grids change too",
    )
    p.add_argument("--out", required=True, type=Path, help="output GeoJSON of the grids")
    add_save_arguments(p)
    p.set_defaults(func=run)


def _side_outputs(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """The files written beside ``--out``: the assignment CSV, the fusion report."""
    sides = [("--out (assignment)", args.out.with_name(f"{args.out.stem}_assignment.csv"))]
    if args.other_grids is not None:
        sides.append(("--out (fusion report)", args.out.with_name(f"{args.out.stem}_fusion.csv")))
    return sides


def _params(args: argparse.Namespace) -> Any:
    from geo.grids.params import GridParams

    given = {
        "min_households": args.min_households,
        "max_households": args.max_households,
        "min_party_members": args.min_party,
        "max_party_members": args.max_party,
        "min_party_per_grid": args.min_party_per_grid,
        "compactness_weight": args.compactness,
        "n_grids": args.grids_per_community,
    }
    return GridParams(
        size_by=args.size_by,
        balance=args.balance,
        seed=args.seed,
        split_to_fit=not args.whole_estates,
        **{k: v for k, v in given.items() if v is not None},
    )


def run(args: argparse.Namespace) -> int:
    """Grid (or import and repair), write ``--out`` and the assignment CSV, print the summary."""
    import pandas as pd

    from geo.errors import Problem, ValidationError
    from geo.output.paths import check_args

    check_args(
        args,
        outputs=["out", *_side_outputs(args)],
        inputs=["data", "barriers", "other_grids", "from_plan"],
    )
    t0 = time.perf_counter()
    if args.repair and args.from_plan is None:
        raise ValidationError(
            [
                Problem(
                    "options",
                    "--repair needs --from-plan.",
                    "pass the plan in force with --from-plan FILE",
                )
            ]
        )
    if args.other_grids_as_barriers and args.other_grids is None:
        raise ValidationError(
            [
                Problem(
                    "options",
                    "--other-grids-as-barriers needs --other-grids.",
                    "pass the other grid layer with --other-grids FILE",
                )
            ]
        )
    params = _params(args)
    from cli.check import datum_option, roster_option
    from geo.data.io import load_layers, read_layer

    datums = datum_option(args.datum)
    layers = load_layers(args.data, datum=datums, rosters=roster_option(args.roster))
    other = (
        read_layer(args.other_grids, "other_grids", datum=(datums or {}).get("other_grids"))
        if args.other_grids is not None
        else None
    )
    barriers = _barriers(args, layers) if args.barriers is not None else None
    if other is not None and args.other_grids_as_barriers:
        from geo.grids.fusion import barrier_lines

        lines = barrier_lines(other, layers.communities).geometry
        barriers = lines if barriers is None else pd.concat([barriers, lines], ignore_index=True)
    extra: dict[str, Any] = {}
    if args.from_plan is not None:
        plan, extra = _from_plan(args, layers, params, barriers)
    else:
        from geo.grids.gridding import grid_communities

        plan = grid_communities(
            layers, params, scheduler=args.scheduler, workers=args.workers, barriers=barriers
        ).plan
    summary = plan.summary()
    summary.update({k: v for k, v in extra.items() if not k.startswith("_")})
    # what loading changed in the input (overlaps cut, values estimated) travels with the plan
    summary["input_warnings"] = [str(p) for p in layers.problems if p.severity == "warning"]
    tiling = plan.tiling()
    summary["tiling_ok"] = bool(tiling["ok"].all())
    summary["max_tiling_area_error_rel"] = (
        float(tiling["area_error_rel"].max()) if len(tiling) else 0.0
    )
    if other is not None:
        summary["fusion"] = _fusion(plan, other, args.out)
    summary.update(_write(plan, args, summary, layers))
    saved = save_from_args(args, plan, **extra.pop("_save", {}))
    if saved is not None:
        summary["saved_plan"] = saved
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    from geo.output.export import json_safe

    print(json.dumps(json_safe(summary), ensure_ascii=False, indent=2))
    for line in out_of_band_lines(summary):
        print(line, file=sys.stderr)
    return 0


def out_of_band_lines(summary: dict[str, Any]) -> list[str]:
    """One line per grid out of band (and per grid too thin) with its reason, for stderr.

    The JSON summary on stdout carries the same lists (``out_of_band``, ``low_compactness``,
    ``multi_part_communities``); these lines are for the planner reading the terminal.
    """
    lines = []
    bad = summary.get("out_of_band") or []
    if bad:
        lines.append(
            f"{len(bad)} grid(s) outside the band {summary.get('band')}, each with its reason:"
        )
        lines += [
            f"  {b['grid_id']} ({b['community_id']}): {b['size']:.0f} - [{b['kind']}] {b['reason']}"
            for b in bad
        ]
    thin = summary.get("low_compactness") or []
    if thin:
        lines.append(f"{len(thin)} grid(s) with Polsby-Popper below the floor:")
        lines += [
            f"  {t['grid_id']}: {t['reason'] or 'no reason found: check the grid on the map'}"
            for t in thin
        ]
    for cid in summary.get("multi_part_communities") or []:
        lines.append(f"community {cid} is in several parts; its grids follow its parts")
    return lines


def _barriers(args: argparse.Namespace, layers: Any) -> Any:
    """Barrier lines from a file of lines or polygons (outlines), in the layers' CRS."""
    import geopandas as gpd

    from geo.errors import Problem, ValidationError

    frame = gpd.read_file(args.barriers)
    if args.barrier_kind is not None:
        if "kind" not in frame.columns:
            raise ValidationError(
                [
                    Problem(
                        str(args.barriers),
                        "--barrier-kind given but the file has no `kind` column.",
                        "drop --barrier-kind or add the column",
                    )
                ]
            )
        frame = frame[frame["kind"] == args.barrier_kind]
    if frame.crs is None:
        raise ValidationError(
            [
                Problem(
                    str(args.barriers),
                    "the barrier file has no CRS.",
                    "save it with a CRS (GeoJSON is WGS84)",
                )
            ]
        )
    geoms = frame.to_crs(layers.crs).geometry
    return gpd.GeoSeries(
        geoms.boundary.where(geoms.geom_type.str.contains("Polygon"), geoms), crs=layers.crs
    )


def _from_plan(
    args: argparse.Namespace, layers: Any, params: Any, barriers: Any
) -> tuple[Any, dict[str, Any]]:
    from cli.check import datum_option
    from geo.data.io import read_layer
    from geo.grids.import_plan import import_plan_layers
    from geo.grids.repair import repair_plan

    # the plan in force is often drawn on Amap (GCJ-02): --datum other_grids=GCJ-02
    datum = (datum_option(args.datum) or {}).get("other_grids")
    grid_layer = read_layer(args.from_plan, "other_grids", datum=datum)
    # by layers, so that estates the old boundaries cut are split into their buildings
    imp = import_plan_layers(layers, grid_layer, params=params, barriers=barriers)
    extra: dict[str, Any] = {
        "imported": {
            "file": str(args.from_plan),
            "cut_units": len(imp.cut_units),
            "absorbed_units": len(imp.absorbed),
            "uncovered_m2": float(imp.uncovered["area_m2"].sum()) if len(imp.uncovered) else 0.0,
            "overlap_m2": float(imp.overlaps["area_m2"].sum()) if len(imp.overlaps) else 0.0,
            "renamed": imp.renamed,
            "share_in_band_before": imp.plan.summary()["share_in_band"],
        }
    }
    extra["imported"]["cells_recut"] = len(imp.recut)
    changes = _data_changes(args.from_plan, layers)
    if changes is not None:
        extra["data_changes"] = changes
    plan = imp.plan
    if args.repair:
        retired: set[str] = set()
        if getattr(args, "save_plan", None):  # codes of every earlier version are never reused
            from geo.output.store import open_store

            with open_store(args.store) as store:
                retired = store.codes_used(args.save_plan)
        rep = repair_plan(
            plan,
            params=params,
            retired=retired,
            unlocked="neighbours" if args.unlock_neighbours else None,
        )
        plan = rep.plan
        report = rep.summary()["repair"]
        extra["repair"] = {
            "households_moved": rep.households_moved,
            "units_moved": len(rep.moves),
            "lower_bound": rep.bound,
            "status": rep.status,
            "gap": rep.gap,
            "fixed": list(rep.fixed),
            "still_out": rep.still_out,
            "new_codes": list(rep.new_codes),
            "retired_codes": list(rep.retired_codes),
            "grids_changed": report["grid_changes"],
            "n_grids_kept": report["n_kept"],
            "regions": rep.regions,
            "moves": rep.moves.to_dict(orient="records"),
        }
        from geo.output.store import repair_event

        event = repair_event({**report, "data_changes": changes} if changes is not None else report)
        extra["_save"] = {
            "events": [event],
            "message": f"repair of {args.from_plan.name}: "
            f"{rep.households_moved:.0f} households moved ({rep.status})",
        }
    return plan, extra


def _data_changes(plan_file: Path, layers: Any) -> dict[str, Any] | None:
    """Estate changes since the plan, from the assignment CSV exported beside it (None if absent)."""
    import pandas as pd

    from geo.grids.import_plan import data_changes

    csv = plan_file.with_name(f"{plan_file.stem}_assignment.csv")
    if not csv.is_file():
        return None
    before = pd.read_csv(
        csv, dtype={"estate_id": str, "community_id": str, "unit_id": str, "grid_id": str}
    )
    if not {"estate_id", "community_id", "households"} <= set(before.columns):
        return None
    return data_changes(before, layers.estates)


def _fusion(plan: Any, other: Any, out: Path) -> dict[str, Any]:
    from geo.grids.fusion import fusion_report, fusion_summary

    report = fusion_report(plan, None, other)
    path = out.with_name(f"{out.stem}_fusion.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    report.drop(columns="geometry", errors="ignore").to_csv(path, index=False, encoding="utf-8")
    return {**fusion_summary(report), "csv": str(path)}


def _write(
    plan: Any, args: argparse.Namespace, summary: dict[str, Any], layers: Any
) -> dict[str, str]:
    from geo.output.export import (
        DROPPED_AT_LOAD,
        make_metadata,
        personal_fields_dropped_at_load,
        write_geojson,
    )

    grids = plan.grids().drop(columns=["max_unit_households", "max_unit_party_members"])
    # typed as open keyword arguments: its key is a constant, not one of make_metadata's parameters
    dropped: dict[str, Any] = {DROPPED_AT_LOAD: personal_fields_dropped_at_load(layers)}
    meta = make_metadata(
        parameters=plan.params,
        method="gridplan grid",
        source=str(args.data),
        share_in_band=summary["share_in_band"],
        **dropped,
    )
    write_geojson(grids.reset_index(drop=True), args.out, metadata=meta)
    units = plan.units.units
    table = units[
        [
            "unit_id",
            "estate_id",
            "building_id",
            "community_id",
            "households",
            "party_members",
            "residents",
        ]
    ].copy()
    table.insert(1, "grid_id", table["unit_id"].map(plan.assignment))
    csv = args.out.with_name(f"{args.out.stem}_assignment.csv")
    table.to_csv(csv, index=False, encoding="utf-8")
    return {"out": str(args.out), "assignment_csv": str(csv)}

"""``gridplan plan list|show|diff``: saved plans in the store, their versions and differences.

Also the small helpers other subcommands use to reach the store: :func:`add_store_argument`
(``--store PATH_OR_URL``) and, for ``gridplan grid``, :func:`add_save_arguments` and
:func:`save_from_args` (``--save-plan NAME``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

STORE_HELP = (
    "plan store: a GeoPackage path or a postgresql:// URL (default: $GRIDPLAN_STORE, "
    "else ~/.local/share/gridplan/plans.gpkg)"
)


def add_store_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--store PATH_OR_URL`` to a parser."""
    parser.add_argument("--store", default=None, metavar="PATH_OR_URL", help=STORE_HELP)


def add_save_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--save-plan NAME`` (and ``--store`` if absent) for commands that make a plan."""
    parser.add_argument(
        "--save-plan",
        default=None,
        metavar="NAME",
        help="save the resulting plan in the store as the next version of NAME",
    )
    if not any("--store" in a.option_strings for a in parser._actions):
        add_store_argument(parser)


def save_from_args(args: argparse.Namespace, plan: Any, **extra: Any) -> dict[str, Any] | None:
    """Save ``plan`` (a ``geo.grids.plan.Plan``) as the next version of ``args.save_plan``.

    Does nothing and returns ``None`` when ``--save-plan`` was not given. ``extra`` is
    passed to :func:`geo.output.store.record_from_plan` (posts, staffing, message ...). Prints
    nothing (commands print JSON); returns ``{"name", "version", "store"}`` for the summary.
    """
    if not getattr(args, "save_plan", None):
        return None
    from geo.output.store import open_store, record_from_plan

    with open_store(args.store) as store:
        record = record_from_plan(plan, args.save_plan, **extra)
        latest = store.latest_version(args.save_plan)
        saved = store.save(record.replace(version=latest), expected_version=latest)
        return {"name": saved.name, "version": saved.version, "store": store.describe()}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="list saved plans, show a version, compare two versions",
        description="Work with the plan store: `list` the plans, `show` a plan's versions and "
        "one version's grids, `diff` two versions (units moved, grids changed, "
        "metric deltas; optionally a GeoJSON map of the changed areas).",
    )
    sub = parser.add_subparsers(dest="plan_command", required=True, metavar="ACTION")
    p_list = sub.add_parser("list", help="saved plans with their latest version")
    p_show = sub.add_parser("show", help="versions of a plan and one version's grids")
    p_show.add_argument("name", metavar="NAME")
    p_show.add_argument("--version", type=int, default=None, metavar="N", help="default: latest")
    p_diff = sub.add_parser("diff", help="compare two versions of a plan")
    p_diff.add_argument("name", metavar="NAME")
    p_diff.add_argument("--from", dest="from_version", type=int, required=True, metavar="A")
    p_diff.add_argument("--to", dest="to_version", type=int, required=True, metavar="B")
    p_diff.add_argument(
        "--to-plan",
        default=None,
        metavar="OTHER",
        help="take version B from another plan (e.g. a branch saved with save-as)",
    )
    p_diff.add_argument(
        "--map",
        default=None,
        metavar="PATH.geojson",
        help="write the changed areas as RFC 7946 GeoJSON",
    )
    for p in (p_list, p_show, p_diff):
        add_store_argument(p)
        p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.set_defaults(func=run)


def _print_table(df: Any) -> None:
    import pandas as pd

    with pd.option_context(
        "display.max_rows", 200, "display.max_columns", 20, "display.width", 160
    ):
        print(df.to_string(index=False))


def _dump(obj: Any) -> None:
    from geo.output.export import json_safe

    json.dump(json_safe(obj), sys.stdout, ensure_ascii=False, indent=2)
    print()


def run(args: argparse.Namespace) -> int:
    from geo.output.paths import check_args
    from geo.output.store import open_store

    check_args(args, outputs=["map"])

    with open_store(args.store) as store:
        if args.plan_command == "list":
            return _list(store, args)
        if args.plan_command == "show":
            return _show(store, args)
        return _diff(store, args)


def _list(store: Any, args: argparse.Namespace) -> int:
    df = store.list()
    if args.json:
        _dump(df.to_dict(orient="records"))
    elif df.empty:
        print(f"no plans in {store.describe()}")
    else:
        _print_table(df)
    return 0


def _show(store: Any, args: argparse.Namespace) -> int:
    versions = store.versions(args.name)
    rec = store.load(args.name, args.version)
    cols = [
        c
        for c in (
            "grid_id",
            "name",
            "community_id",
            "households",
            "party_members",
            "n_units",
            "in_band",
            "contiguous",
            "locked",
        )
        if c in rec.grids
    ]
    grids = rec.grids[cols]
    if args.json:
        _dump(
            {
                "plan": rec.name,
                "version": rec.version,
                "parent": rec.parent,
                "parent_plan": rec.parent_plan,
                "author": rec.author,
                "created": rec.created,
                "message": rec.message,
                "params": rec.params,
                "n_units": len(rec.assignment),
                "locked": sorted(rec.locked),
                "history": list(rec.events),
                "journal": store.events(rec.name, rec.version),
                "versions": versions.to_dict(orient="records"),
                "grids": grids.to_dict(orient="records"),
            }
        )
        return 0
    print(f"plan `{rec.name}` in {store.describe()}")
    _print_table(versions)
    parent = "" if rec.parent is None else f", parent {rec.parent_plan or rec.name} v{rec.parent}"
    print(f"\nversion {rec.version} by {rec.author} at {rec.created}{parent}: {rec.message or '-'}")
    print(f"parameters: {json.dumps(dict(rec.params), ensure_ascii=False)}")
    print(
        f"{len(rec.grids)} grids, {len(rec.assignment)} units, {len(rec.locked)} locked, "
        f"{len(rec.events)} edits in its history\n"
    )
    _print_table(grids)
    return 0


def _diff(store: Any, args: argparse.Namespace) -> int:
    from geo.output.store import diff_plans

    a = store.load(args.name, args.from_version)
    b = store.load(args.to_plan or args.name, args.to_version)
    diff = diff_plans(a, b)
    if args.map:
        from geo.output.export import make_metadata, write_geojson

        write_geojson(
            diff.changed_areas,
            args.map,
            metadata=make_metadata(a.name, b.version, diff_from=a.version, diff_to_plan=b.name),
        )
    if args.json:
        _dump(
            {
                **diff.summary(),
                "moved": diff.moved.to_dict(orient="records"),
                "grid_deltas": diff.grid_deltas.to_dict(orient="records"),
            }
        )
        return 0
    s = diff.summary()
    print(
        f"{a.name} v{a.version} -> {b.name} v{b.version}: {s['units_moved']} units moved, "
        f"{len(diff.grids_added)} grids added, {len(diff.grids_removed)} removed, "
        f"{len(diff.grids_changed)} changed, {s['changed_area_m2']:.0f} m2 changed"
    )
    for label, ids in (
        ("added", diff.grids_added),
        ("removed", diff.grids_removed),
        ("changed", diff.grids_changed),
    ):
        if ids:
            print(f"grids {label}: {', '.join(ids)}")
    if len(diff.moved):
        print("\nunits moved:")
        _print_table(diff.moved)
    print("\nmetrics:")
    _print_table(diff.metrics.round(3))
    if args.map:
        print(f"\nmap of the changed areas: {args.map}")
    return 0

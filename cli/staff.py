"""``gridplan staff``: apportion full-time and part-time grid workers to grids by workload."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``staff`` subcommand."""
    from geo.settings import DEFAULT_FULL_TIME_WORKERS, DEFAULT_PART_TIME_WORKERS

    p = subparsers.add_parser(
        "staff",
        help="apportion grid workers to grids by workload",
        description="Apportion full-time and part-time workers to grids (largest remainder or "
        "Huntington-Hill), with a minimum per grid; writes a CSV and prints a JSON summary.",
    )
    p.add_argument(
        "--grids",
        required=True,
        type=Path,
        help="grid layer (.geojson/.gpkg/.csv) with grid_id and the workload column(s)",
    )
    p.add_argument(
        "--full-time", type=int, default=DEFAULT_FULL_TIME_WORKERS, help="full-time workers"
    )
    p.add_argument(
        "--part-time", type=int, default=DEFAULT_PART_TIME_WORKERS, help="part-time workers"
    )
    p.add_argument(
        "--method", choices=("largest_remainder", "huntington_hill"), default="largest_remainder"
    )
    p.add_argument(
        "--workload", choices=("households", "party_members", "load"), default="households"
    )
    p.add_argument(
        "--weights",
        default=None,
        help="weights of the load, e.g. households=1,party_members=5 (with --workload load)",
    )
    p.add_argument(
        "--min-full-time", type=int, default=1, help="full-time workers per grid at least"
    )
    p.add_argument(
        "--min-part-time", type=int, default=0, help="part-time workers per grid at least"
    )
    p.add_argument("--out", required=True, type=Path, help="CSV to write, one row per grid")
    p.set_defaults(func=run)


def parse_weights(text: str | None) -> dict[str, float] | None:
    """Parse ``"households=1,party_members=5"`` into a dict."""
    from geo.errors import Problem, ValidationError

    if not text:
        return None
    out = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            raise ValidationError(
                [
                    Problem(
                        "--weights",
                        f"cannot read {part!r}",
                        "write column=number pairs, e.g. households=1,party_members=5",
                    )
                ]
            )
    return out


def read_grids(
    path: Path, numeric: tuple[str, ...] = ("households", "party_members")
) -> pd.DataFrame:
    """Read a grid table from GeoJSON, GeoPackage or CSV, refusing repeated grid ids and counts
    that are text, missing, NaN or negative (``numeric`` columns, when present)."""
    from allocation.tables import check_grids_table, read_grids_table, to_counts
    from geo.errors import Problem, ValidationError

    if not path.is_file():
        raise ValidationError(
            [
                Problem(
                    str(path),
                    "grid file not found",
                    "pass the grids written by `gridplan grid` or an export",
                )
            ]
        )
    if path.suffix.lower() == ".csv":
        return read_grids_table(path, numeric=numeric)
    import geopandas as gpd

    layer = None
    if path.suffix.lower() == ".gpkg":  # an export holds grids, assignment, metadata
        import pyogrio

        layer = "grids" if "grids" in {str(n) for n in pyogrio.list_layers(path)[:, 0]} else None
    grids = gpd.read_file(path, layer=layer)
    problems = check_grids_table(grids, layer=path.name, numeric=numeric)
    if problems:
        raise ValidationError(problems, title=f"cannot read {path}")
    return to_counts(grids, numeric)


def _count_columns(workload: str, weights: dict[str, float] | None) -> tuple[str, ...]:
    """Columns that must hold counts: ``households`` (households per worker) and the workload's."""
    used = list(weights) if workload == "load" and weights else [workload]
    return tuple(dict.fromkeys(["households", *used]))


def run(args: argparse.Namespace) -> int:
    """Staff the grids, write ``--out`` and print a JSON summary."""
    from geo.output.paths import check_args

    check_args(args, outputs=["out"], inputs=["grids"])
    from allocation.staffing import staff_grids, staffing_summary
    from geo.errors import GridplanError, Problem, ValidationError
    from geo.output.export import json_safe

    weights = parse_weights(args.weights)
    grids = read_grids(args.grids, _count_columns(args.workload, weights))
    try:
        table = staff_grids(
            grids,
            full_time=args.full_time,
            part_time=args.part_time,
            workload=args.workload,
            weights=weights,
            min_full_time=args.min_full_time,
            min_part_time=args.min_part_time,
            method=args.method,
        )
    except GridplanError:
        raise
    except ValueError as exc:  # a bad option value (negative total ...): report it as input problem
        raise ValidationError(
            [Problem("options", str(exc), "correct the option and run again")]
        ) from None
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False, encoding="utf-8")
    summary = staffing_summary(table, method=args.method, workload=args.workload)
    summary["out"] = str(args.out)
    print(json.dumps(json_safe(summary), ensure_ascii=False, indent=2))
    return 0

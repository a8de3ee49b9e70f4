"""Run one ``gridplan`` command with a wall-clock split by phase (used by bench_gridding.py).

``python bench/_cli_phases.py OUT.json grid --data DIR --out FILE`` runs the command as
``python -m cli.main`` would, with the engine imported from ``GRIDPLAN_ENGINE_ROOT`` (default:
this tree), and writes ``OUT.json``: wall seconds per phase (``phases``) and CPU seconds of
this process per phase (``cpu``; ``untimed`` there includes start-up). Each phase is the *exclusive* time
spent in a few named engine functions (time in a nested timed function counts for that one),
so the phases add up to the whole run. Imports are their own phase wherever they happen
(``import`` of a module not yet loaded, timed through ``builtins.__import__``). A function
missing from the engine (an older tree) is skipped. Process start-up is the time from
``GRIDPLAN_BENCH_T0`` (``time.time()`` in the parent just before it started this process) to
the first line here.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

T_ENTRY = time.time()
ROOT = os.environ.get("GRIDPLAN_ENGINE_ROOT") or os.getcwd()
sys.path.insert(0, ROOT)

#: (module, attribute, phase): attribute may be ``Class.method``
TARGETS: list[tuple[str, str, str]] = [
    ("geo.data.io", "load_layers", "load_and_validate"),
    ("geo.grids.units", "prepare_frames", "units_prepare"),
    ("geo.grids.units", "community_units", "units_other"),
    ("geo.grids.units", "compact_parts", "units_compact_split"),
    ("geo.grids.units", "tessellate", "units_cells"),
    ("geo.grids.units", "adjacency", "adjacency"),
    ("geo.grids.units", "assemble_units", "units_assemble"),
    ("geo.grids.gridding", "grid_communities", "gridding_other"),
    ("geo.grids.gridding", "grid_one_community", "search"),
    ("geo.grids.feasibility", "band_partition_exists", "feasibility"),
    ("geo.grids.feasibility", "infeasible_reason", "feasibility"),
    ("geo.grids.feasibility", "unplaceable_units", "feasibility"),
    ("geo.grids.metrics", "grid_geometry", "grid_geometry"),
    ("geo.grids.metrics", "grid_geometries", "grid_geometry"),
    ("geo.grids.metrics", "grid_table", "metrics"),
    ("geo.grids.plan", "Plan.summary", "metrics"),
    ("geo.grids.plan", "Plan.shape_reasons", "metrics"),
    ("geo.grids.plan", "Plan.tiling", "tiling_check"),
    ("cli.grid", "_write", "write"),
    ("cli.grid", "run", "cli_other"),
]

totals: dict[str, float] = defaultdict(float)
cpu_totals: dict[str, float] = defaultdict(float)
calls: dict[str, int] = defaultdict(int)
# [wall start, CPU start, wall of nested timed calls, CPU of nested timed calls]
_stack: list[list[float]] = []


def _enter() -> None:
    _stack.append([time.perf_counter(), time.process_time(), 0.0, 0.0])


def _leave(phase: str) -> None:
    start, cpu_start, nested, cpu_nested = _stack.pop()
    spent = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    totals[phase] += spent - nested
    cpu_totals[phase] += cpu - cpu_nested
    calls[phase] += 1
    if _stack:
        _stack[-1][2] += spent
        _stack[-1][3] += cpu


def timed(fn: Callable[..., Any], phase: str) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _enter()
        try:
            return fn(*args, **kwargs)
        finally:
            _leave(phase)

    return wrapper


_import = builtins.__import__


def _timed_import(name: str, *args: Any, **kwargs: Any) -> Any:
    if name in sys.modules:
        return _import(name, *args, **kwargs)
    _enter()
    try:
        return _import(name, *args, **kwargs)
    finally:
        _leave("imports")


def _patch() -> None:
    """Wrap every target, in its module and wherever another loaded module holds it."""
    import importlib

    for mod_name, attr, phase in TARGETS:
        try:
            mod = importlib.import_module(mod_name)
        except ModuleNotFoundError:  # an older tree's layout: the phase is skipped
            continue
        owner: Any = mod
        name = attr
        if "." in attr:
            cls, name = attr.split(".")
            owner = getattr(mod, cls, None)
        orig = getattr(owner, name, None) if owner is not None else None
        if orig is None:
            continue
        wrapped = timed(orig, phase)
        setattr(owner, name, wrapped)
        if owner is not mod:
            continue
        for other in list(sys.modules.values()):
            if other is None or not getattr(other, "__name__", "").startswith(("geo", "cli")):
                continue
            for key, val in list(vars(other).items()):
                if val is orig:
                    setattr(other, key, wrapped)


def main() -> None:
    out, argv = sys.argv[1], sys.argv[2:]
    t0 = float(os.environ.get("GRIDPLAN_BENCH_T0", T_ENTRY))
    startup = T_ENTRY - t0
    builtins.__import__ = _timed_import
    _enter()
    import cli.main  # the command's own imports, then the engine modules it calls into

    for mod in (
        "cli.grid",
        "geo.data.io",
        "geo.grids.gridding",
        "geo.grids.units",
        "geo.grids.metrics",
        "geo.grids.plan",
        "geo.grids.feasibility",
        "geo.output.export",
        "geo.output.paths",
    ):
        with contextlib.suppress(ModuleNotFoundError):  # an older tree's layout
            __import__(mod)
    _leave("imports")
    _patch()
    with open(os.devnull, "w") as devnull:
        stdout, sys.stdout = sys.stdout, devnull
        try:
            code = cli.main.main(argv)
        finally:
            sys.stdout = stdout
    ran = time.time() - T_ENTRY  # everything since the first line, imports included
    phases = {"startup": round(startup, 4), **{k: round(v, 4) for k, v in totals.items()}}
    phases["untimed"] = round(ran - sum(totals.values()), 4)
    with open(out, "w", encoding="utf-8") as fh:
        cpu = {k: round(v, 4) for k, v in cpu_totals.items()}
        cpu["untimed"] = round(time.process_time() - sum(cpu_totals.values()), 4)
        json.dump({"code": code, "phases": phases, "cpu": cpu, "calls": dict(calls)}, fh)
    # end as the program does (an engine with the fast exit of ``cli.main.exit_now`` uses it)
    if hasattr(cli.main, "exit_now") and not os.environ.get("GRIDPLAN_SLOW_EXIT"):
        cli.main.exit_now(code)


if __name__ == "__main__":
    main()

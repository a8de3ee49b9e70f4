"""``gridplan grid`` by phase, two source trees side by side (issue 11's speed at scale).

Usage::

    .venv/bin/python bench/bench_phases_ab.py --data DIR --before DIR [--after DIR]
        [--repeat 3] [--workers 1]

``--before`` and ``--after`` are checkouts of gridplan (``--after`` defaults to this one), e.g.
the engine issue 11 was measured on, exported with ``git archive f85968a | tar -x -C DIR``.
Each run is ``bench/_cli_phases.py OUT.json grid --data DIR --out FILE --workers N`` (this
tree's instrumentation, the engine of the tree under test: ``GRIDPLAN_ENGINE_ROOT``) in a fresh
process; the two trees alternate run by run, and the order within a round alternates too
(after-before, before-after, ...), so a drift of the machine's load favours neither side. With
``--workers 1`` (the default) everything runs in one process, so the CPU seconds per phase
are the engine's whole work.

Printed: one JSON line per run on stderr, then one JSON object: per tree the CPU seconds of
each phase (median over the runs) and their sum over the engine's phases (``engine``: units,
cells, adjacency, search and the gridding driver, the phases ``grid_communities`` spends),
the ratio after/before of each, whether the two trees wrote the same assignment in every run
(``same_assignment``) and the load average at the start and the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: the phases of ``grid_communities`` (bench/_cli_phases.py's names)
ENGINE_PHASES = (
    "units_prepare",
    "units_other",
    "units_compact_split",
    "units_cells",
    "adjacency",
    "units_assemble",
    "search",
    "feasibility",
    "gridding_other",
)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _digest(out: Path) -> str:
    """SHA-256 of the sorted ``unit_id,grid_id`` lines of the run's assignment CSV."""
    lines = out.with_name(f"{out.stem}_assignment.csv").read_text(encoding="utf-8").splitlines()
    return hashlib.sha256("\n".join(sorted(lines[1:])).encode()).hexdigest()[:16]


def run_once(tree: Path, data: Path, tmp: Path, workers: int) -> dict[str, Any]:
    """One instrumented ``gridplan grid`` with the engine of ``tree``: CPU seconds per phase."""
    report = tmp / "phases.json"
    out = tmp / "grids.geojson"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["GRIDPLAN_ENGINE_ROOT"] = str(tree)
    env["GRIDPLAN_BENCH_T0"] = repr(time.time())
    load = _load()[0]
    cmd = [sys.executable, str(ROOT / "bench" / "_cli_phases.py"), str(report), "grid"]
    cmd += ["--data", str(data), "--out", str(out), "--workers", str(workers)]
    subprocess.run(cmd, capture_output=True, cwd=tree, env=env, check=True)
    got = json.loads(report.read_text(encoding="utf-8"))
    cpu = got["cpu"]
    return {
        "cpu": cpu,
        "engine_cpu": round(sum(cpu.get(p, 0.0) for p in ENGINE_PHASES), 3),
        "assignment_sha256": _digest(out),
        "load_1min": load,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--before", type=Path, required=True)
    ap.add_argument("--after", type=Path, default=ROOT)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    trees = {"after": args.after.resolve(), "before": args.before.resolve()}
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in trees}
    out: dict[str, Any] = {"data": str(args.data), "workers": args.workers, "load_start": _load()}
    with tempfile.TemporaryDirectory(prefix="bench-phases-") as d:
        for i in range(args.repeat):
            order = ["after", "before"] if i % 2 == 0 else ["before", "after"]
            for name in order:
                tmp = Path(d) / f"{name}{i}"
                tmp.mkdir()
                row = run_once(trees[name], args.data, tmp, args.workers)
                runs[name].append(row)
                print(json.dumps({"tree": name, "round": i, **row}), file=sys.stderr, flush=True)
    for name, rows in runs.items():
        phases = sorted({p for r in rows for p in r["cpu"]})
        out[name] = {
            "tree": str(trees[name]),
            "engine_cpu_median": round(statistics.median(r["engine_cpu"] for r in rows), 3),
            "engine_cpu": [r["engine_cpu"] for r in rows],
            "cpu_median": {
                p: round(statistics.median(r["cpu"].get(p, 0.0) for r in rows), 3) for p in phases
            },
            "assignment_sha256": sorted({r["assignment_sha256"] for r in rows}),
        }
    a, b = out["after"], out["before"]
    out["engine_cpu_ratio_after_over_before"] = round(
        a["engine_cpu_median"] / max(b["engine_cpu_median"], 1e-9), 3
    )
    out["phase_cpu_ratio_after_over_before"] = {
        p: round(v / b["cpu_median"][p], 2)
        for p, v in a["cpu_median"].items()
        if b["cpu_median"].get(p, 0.0) > 0.05
    }
    out["same_assignment"] = a["assignment_sha256"] == b["assignment_sha256"]
    out["load_end"] = _load()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

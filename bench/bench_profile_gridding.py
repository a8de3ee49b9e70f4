"""Where two engines' gridding CPU differs: cProfile of ``grid_communities`` in one process.

Usage::

    .venv/bin/python bench/bench_profile_gridding.py --data DIR --before-tree TREE [--top 15]

Each tree (this one and ``--before-tree``, e.g. ``git archive COMMIT | tar -x -C TREE``) grids
``DIR`` serially (``workers=1``) in a fresh process under cProfile. Printed: one JSON object
with each tree's CPU seconds and the functions whose own time (summed by module file and
function name; third-party packages by package) changed the most, in seconds, before and
after. Profiling slows both sides alike; read the differences, not the totals.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import cProfile, sys, time
root, data, out = sys.argv[1:]
sys.path.insert(0, root)
from geo.data.io import load_layers
from geo.grids.gridding import grid_communities
try:
    from geo.grids.params import GridParams
except ImportError:  # an engine from before GridParams had its own module
    from geo.grids.gridding import GridParams
layers = load_layers(data)
prof = cProfile.Profile()
cpu = time.process_time()
prof.enable()
grid_communities(layers, GridParams(), workers=1)
prof.disable()
print(time.process_time() - cpu)
prof.dump_stats(out)
"""


def _profile(tree: Path, data: Path, out: Path) -> float:
    res = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tree), str(data), str(out)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tree,
    )
    return float(res.stdout.strip().splitlines()[-1])


def _own_times(path: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    for (file, _line, fn), (_cc, _nc, tt, _ct, _callers) in pstats.Stats(str(path)).stats.items():  # type: ignore[attr-defined]
        if "site-packages/" in file:
            where = file.split("site-packages/")[-1].split("/")[0]
        else:
            where = os.path.basename(file)
        key = f"{where}:{fn}"
        out[key] = out.get(key, 0.0) + tt
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="a folder of layers")
    ap.add_argument("--before-tree", type=Path, required=True)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cpu_before = _profile(args.before_tree.resolve(), args.data.resolve(), Path(tmp) / "b")
        cpu_after = _profile(ROOT, args.data.resolve(), Path(tmp) / "a")
        before, after = _own_times(Path(tmp) / "b"), _own_times(Path(tmp) / "a")
    keys = sorted(set(before) | set(after), key=lambda k: after.get(k, 0.0) - before.get(k, 0.0))

    def row(k: str) -> dict[str, object]:
        b, a = before.get(k, 0.0), after.get(k, 0.0)
        return {
            "function": k,
            "before_s": round(b, 3),
            "after_s": round(a, 3),
            "diff_s": round(a - b, 3),
        }

    print(
        json.dumps(
            {
                "load_average": os.getloadavg(),
                "cpu_seconds_under_profile": {
                    "before": round(cpu_before, 2),
                    "after": round(cpu_after, 2),
                },
                "most_gained": [row(k) for k in reversed(keys[-args.top :])],
                "most_saved": [row(k) for k in keys[: args.top]],
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()

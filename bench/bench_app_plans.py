"""What the app's plan journal costs on the demo: save, one journaled edit, resume after a refresh.

Generates the demo plan, saves it in a scratch GeoPackage store, makes 20 moves and an undo
(each appended with ``Store.append_event``, timed), then times what a new session does to
resume: load the version and rebuild its units (``ui.plans.build_record_units``), and
``geo.output.store.resume_editor`` (load + replay the journal). Prints one JSON line.

Run: ``.venv/bin/python bench/bench_app_plans.py [--repeats 3]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    """Run the measurement and print JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="resume runs (median reported)")
    args = ap.parse_args()

    from geo.data.io import load_demo
    from geo.errors import EditError
    from geo.grids.edits import PlanEditor
    from geo.grids.gridding import grid_communities
    from geo.grids.params import GridParams
    from geo.output.store import open_store, record_from_plan, resume_editor
    from ui.plans import build_record_units, split_estates

    layers = load_demo()
    plan = grid_communities(layers, GridParams()).plan
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "plans.gpkg")
        t0 = time.perf_counter()
        store.save(record_from_plan(plan, "demo"))
        t_save = time.perf_counter() - t0
        editor, appends = PlanEditor(plan), []

        def journal() -> None:
            t = time.perf_counter()
            store.append_event("demo", 1, editor.events[-1], session="bench")
            appends.append(time.perf_counter() - t)

        for u in sorted(plan.assignment):
            if len(editor.events) >= 20:
                break
            for g in sorted(
                {plan.assignment[n] for n in plan.units.neighbors.get(u, ())}
                - {editor.plan.assignment[u]}
            ):
                try:
                    editor.move([u], g)
                except EditError:
                    continue
                journal()
                break
        editor.undo()
        journal()
        units_s, resume_s = [], []
        for _ in range(max(args.repeats, 1)):
            t = time.perf_counter()
            rec = store.load("demo", 1)
            units = build_record_units(
                layers, int(rec.params["max_households"]), split_estates(rec.assignment)
            )
            units_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            _rec, resumed = resume_editor(store, units, "demo", 1, session="bench")
            resume_s.append(time.perf_counter() - t)
            assert (
                resumed.plan.assignment == editor.plan.assignment
                and resumed.events == editor.events
            )
        store.close()
    print(
        json.dumps(
            {
                "units": len(plan.assignment),
                "grids": len(set(plan.assignment.values())),
                "events": len(editor.events),
                "save_s": round(t_save, 3),
                "append_event_ms_median": round(1000 * statistics.median(appends), 1),
                "append_event_ms_max": round(1000 * max(appends), 1),
                "load_and_rebuild_units_s_median": round(statistics.median(units_s), 2),
                "resume_editor_s_median": round(statistics.median(resume_s), 2),
                "repeats": len(resume_s),
            }
        )
    )


if __name__ == "__main__":
    main()

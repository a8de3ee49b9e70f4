"""The local executor's workers can solve with HiGHS after their parent has (a fork hazard)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# A set-covering MIP, solved once in the parent (HiGHS starts its thread pool), then in two
# forked workers through map_communities. Each covering is checked against brute force.
_SCRIPT = textwrap.dedent(
    """
    import itertools
    import numpy as np
    import highspy
    from geo.grids.executor import map_communities

    def cover(seed):
        rng = np.random.default_rng(seed)
        m, n = 14, 10
        a = rng.random((m, n)) < 0.25
        a[np.arange(m), rng.integers(0, n, m)] = True
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        idx = np.arange(n, dtype=np.int32)
        h.addVars(n, np.zeros(n), np.ones(n))
        h.changeColsCost(n, idx, np.ones(n))
        h.changeColsIntegrality(n, idx, np.array([highspy.HighsVarType.kInteger] * n))
        for row in a:
            cols = np.nonzero(row)[0].astype(np.int32)
            h.addRow(1.0, highspy.kHighsInf, len(cols), cols, np.ones(len(cols)))
        h.run()
        best = min(
            k for k in range(1, n + 1) for s in itertools.combinations(range(n), k)
            if a[:, list(s)].any(axis=1).all()
        )
        return round(h.getInfo().objective_function_value), best

    if __name__ == "__main__":
        first = cover(0)
        assert first[0] == first[1], first
        out = map_communities(cover, list(range(1, 7)), workers=2)
        assert all(got == best for got, best in out), out
        print("ok", len(out))
    """
)


def test_workers_solve_with_highs_after_the_parent_did(tmp_path: Path) -> None:
    script = tmp_path / "fork_highs.py"
    script.write_text(_SCRIPT, encoding="utf-8")
    # own process group: without the fix the forked workers spin forever, and must not outlive
    # the test
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(
            "a worker forked after the parent ran HiGHS never finished its own solve"
        ) from None
    assert proc.returncode == 0, err[-2000:]
    assert out.strip().splitlines()[-1] == "ok 6"

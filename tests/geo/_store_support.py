"""Shared pieces of the store tests: a throwaway PostgreSQL/PostGIS cluster and small plans.

Imported by ``tests/geo/test_store*.py`` (not a conftest, so that other test folders are
untouched).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box
from shapely.ops import unary_union

from geo.output.store import PlanRecord

UTM = "EPSG:32651"
X0, Y0 = 220_000.0, 3_490_000.0
INSTALL_HINT = (
    "PostgreSQL + PostGIS are not installed: run `make postgres` as root "
    "(apt-get install postgresql postgis postgresql-postgis)"
)


def postgres_bindir() -> Path | None:
    """Directory of the newest Debian PostgreSQL whose PostGIS extension is installed."""
    for initdb in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        bindir = Path(initdb).parent
        version = bindir.parent.name
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            return bindir
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], as_user: list[str]) -> None:
    proc = subprocess.run(as_user + cmd, capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[str]:
    """A throwaway PostgreSQL cluster with PostGIS on a free loopback port; yields its URL.

    Skips with the reason outside CI when PostgreSQL/PostGIS are missing; fails in CI.
    """
    bindir = postgres_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail(INSTALL_HINT + " (CI is set: this test never skips)")
        pytest.skip(INSTALL_HINT)
    with throwaway_cluster(bindir) as url:
        yield url


@contextlib.contextmanager
def throwaway_cluster(bindir: Path) -> Iterator[str]:
    """Run ``initdb`` in a temporary folder (as the ``postgres`` user when running as root),
    start the server on a free loopback port, create PostGIS; stop and delete it afterwards.
    """
    base = Path(tempfile.mkdtemp(prefix="gridplan-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        import pwd

        pw = pwd.getpwnam("postgres")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    port = _free_port()
    try:
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            as_user,
        )
        opts = (
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off"
        )
        _run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(base / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                opts,
                "start",
            ],
            as_user,
        )
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        engine.dispose()
        yield url
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


def pg_schema_url(cluster_url: str) -> str:
    """A URL on a fresh schema of the cluster (PostGIS stays reachable in ``public``)."""
    from sqlalchemy import create_engine, text

    schema = "t" + uuid.uuid4().hex[:12]
    engine = create_engine(cluster_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return f"{cluster_url}?options=-csearch_path%3D{schema}%2Cpublic"


def make_record(
    name: str = "demo",
    *,
    n_cols: int = 3,
    n_rows: int = 2,
    units_per_cell: int = 1,
    assignment: dict[str, str] | None = None,
    **changes,
) -> PlanRecord:
    """A small plan: units are 100 m squares on a grid; grids are unions of their units.

    By default units ``u{r}_{c}`` are assigned by column: grid ``g{c}``.
    """
    cells = {
        f"u{r}_{c}": box(X0 + 100 * c, Y0 + 100 * r, X0 + 100 * (c + 1), Y0 + 100 * (r + 1))
        for r in range(n_rows)
        for c in range(n_cols)
    }
    assignment = assignment or {u: f"g{u.split('_')[1]}" for u in cells}
    grid_ids = sorted(set(assignment.values()))
    geoms = [unary_union([cells[u] for u, g in assignment.items() if g == gid]) for gid in grid_ids]
    n_units = [sum(1 for g in assignment.values() if g == gid) for gid in grid_ids]
    grids = gpd.GeoDataFrame(
        {
            "grid_id": grid_ids,
            "community_id": ["320211007001"] * len(grid_ids),
            "name": [f"第{i + 1}网格" for i in range(len(grid_ids))],
            "locked": [gid == grid_ids[0] for gid in grid_ids],
            "households": np.array([150 * n for n in n_units], dtype=np.int64),
            "party_members": np.array([5 * n for n in n_units], dtype=np.int64),
            "n_units": np.array(n_units, dtype=np.int64),
            "polsby_popper": [0.785 if n == 1 else np.nan for n in n_units],
            "in_band": [300 <= 150 * n <= 500 for n in n_units],
        },
        geometry=geoms,
        crs=UTM,
    )
    posts = gpd.GeoDataFrame(
        {"candidate_id": ["c1", "c2"], "households_covered": [300, 150]},
        geometry=[Point(X0 + 50, Y0 + 50), Point(X0 + 150, Y0 + 50)],
        crs=UTM,
    )
    staffing = pd.DataFrame(
        {
            "grid_id": grid_ids,
            "full_time": np.ones(len(grid_ids), dtype=np.int64),
            "part_time": np.arange(len(grid_ids), dtype=np.int64) + 2,
            "explanation": ["最少一名专职"] * len(grid_ids),
        }
    )
    rec = PlanRecord(
        name=name,
        assignment=assignment,
        grids=grids,
        params={
            "min_households": 300,
            "max_households": 500,
            "balance": "party_members",
            "seed": 0,
        },
        names={gid: f"第{i + 1}网格" for i, gid in enumerate(grid_ids)},
        locked=frozenset(grid_ids[:1]),
        posts=posts,
        staffing=staffing,
        events=[{"op": "move", "units": ["u0_0"], "to": grid_ids[-1]}, {"op": "undo"}],
        author="tester",
        message="first cut",
    )
    return rec.replace(**changes) if changes else rec

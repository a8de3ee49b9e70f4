"""Shared fixtures: the bundled demo, the OR-Library reference data, a scratch dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "data" / "boundaries"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    """The bundled demo district (``data/boundaries``)."""
    return DEMO_DIR


@pytest.fixture(scope="session")
def demo_layers(demo_dir: Path):
    """The demo district loaded and validated by :func:`geo.data.io.load_layers` (metric CRS)."""
    from geo.data.io import load_layers

    return load_layers(demo_dir)


@pytest.fixture(scope="session")
def orlib_dir() -> Path:
    """OR-Library p-median instances, kept in ``../shared/data/orlib`` (never copied here)."""
    path = SHARED_DATA / "orlib"
    if not path.is_dir():
        pytest.fail(f"reference data missing: {path} (shared/ must sit beside the checkout)")
    return path


@pytest.fixture(scope="session", autouse=True)
def _scratch_plan_store(tmp_path_factory: pytest.TempPathFactory):
    """Whatever saves plans in a test (the app, the notebook, a CLI call without ``--store``)
    saves into a scratch store, never the user's own (``GRIDPLAN_STORE``)."""
    old = os.environ.get("GRIDPLAN_STORE")
    os.environ["GRIDPLAN_STORE"] = str(tmp_path_factory.mktemp("store") / "plans.gpkg")
    yield
    if old is None:
        os.environ.pop("GRIDPLAN_STORE", None)
    else:
        os.environ["GRIDPLAN_STORE"] = old

"""The browser test's app saves plans: into a scratch store, never the user's own."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _scratch_plan_store(tmp_path_factory: pytest.TempPathFactory):
    old = os.environ.get("GRIDPLAN_STORE")
    os.environ["GRIDPLAN_STORE"] = str(tmp_path_factory.mktemp("store") / "plans.gpkg")
    yield
    if old is None:
        os.environ.pop("GRIDPLAN_STORE", None)
    else:
        os.environ["GRIDPLAN_STORE"] = old

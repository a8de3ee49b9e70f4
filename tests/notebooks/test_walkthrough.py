"""The walkthrough notebook executes end to end in the project's interpreter; git keeps it stripped."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "walkthrough.ipynb"


@pytest.fixture()
def venv_kernel(tmp_path: Path, monkeypatch) -> str:
    """Register the kernel ``python3`` of this interpreter (the venv's) first on JUPYTER_PATH."""
    from ipykernel.kernelspec import install

    install(kernel_name="python3", prefix=str(tmp_path))
    spec = tmp_path / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"
    assert json.loads(spec.read_text())["argv"][0] == sys.executable
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    return "python3"


def test_notebook_is_stored_without_outputs() -> None:
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the walkthrough has no code"
    assert all(c.outputs == [] and c.execution_count is None for c in code)


def test_walkthrough_executes(venv_kernel: str) -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, kernel_name=venv_kernel, timeout=300,
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError with the failing cell and traceback
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert sys.executable in text  # the kernel ran in this interpreter (the venv's)
    html = [o["data"]["text/html"] for o in outputs
            if o.output_type in ("execute_result", "display_data") and "text/html" in o.get("data", {})]
    assert sum("leaflet" in h.lower() for h in html) >= 4  # the inline maps rendered
    assert "moved unit ('" in text  # an edit really happened
    assert "geojson ['grids.geojson', 'grids_posts.geojson']" in text  # posts exported too
    assert "proven optimal" in text or "gap" in text  # the siting cell solved

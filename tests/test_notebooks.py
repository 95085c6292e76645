"""Every notebook in notebooks/ runs from top to bottom in the test suite.

The notebooks are executed with nbclient in a fresh kernel of this Python, with
``HOMEOSTASIS_FAST=1`` (the notebooks shorten their long runs) and a scratch working folder.
They are stored without outputs, and a test fails if a notebook in notebooks/ is not executed
by the session (for example one added without a matching test, or deselected).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbclient  # in the test extras (pip install -e ".[test]"), with nbformat and ipykernel
import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
CELL_TIMEOUT_SECONDS = 120  # a cold start compiles the model (~10 s) inside the first cell


def notebooks_on_disk() -> list[Path]:
    """Every .ipynb under notebooks/, in any folder or letter case, except Jupyter checkpoints."""
    return sorted(path for path in NOTEBOOK_DIR.rglob("*") if path.suffix.lower() == ".ipynb"
                  and ".ipynb_checkpoints" not in path.parts)


NOTEBOOKS = notebooks_on_disk()


def notebook_id(path: Path) -> str:
    return path.relative_to(NOTEBOOK_DIR).as_posix()


@pytest.fixture
def isolated_kernel(tmp_path, monkeypatch):
    """A python3 kernel of this interpreter, whatever kernels the user has installed."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (homeostasis tests)", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))  # no user startup files
    monkeypatch.setenv("HOMEOSTASIS_FAST", "1")
    work = tmp_path / "work"
    work.mkdir()
    return work


def test_the_notebooks_exist():
    names = {notebook_id(path) for path in NOTEBOOKS}
    assert {"01_named_scenarios.ipynb", "03_comparing_time_courses.ipynb"} <= names


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=notebook_id)
def test_notebook_is_stored_without_outputs(notebook):
    content = nbformat.read(notebook, as_version=4)
    nbformat.validate(content)
    for index, cell in enumerate(content.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, \
                f"{notebook.name} cell {index} holds outputs; clear them before committing"
    assert content.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=notebook_id)
def test_notebook_runs(notebook, isolated_kernel):
    content = nbformat.read(notebook, as_version=4)
    client = nbclient.NotebookClient(content, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3",
                                     resources={"metadata": {"path": str(isolated_kernel)}})
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    outputs = [output for cell in content.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    assert not [output for output in outputs if output.get("name") == "stderr"
                and "Traceback" in output.get("text", "")]
    # every figure a cell ends with is shown as an image, not as '<Figure size ...>'
    for output in outputs:
        data = output.get("data", {})
        if data.get("text/plain", "").startswith("<Figure"):
            assert "image/png" in data, f"{notebook.name}: a figure is shown as text, not drawn"
    assert any("image/png" in output.get("data", {}) for output in outputs), f"{notebook.name} draws no figure"
    assert list(isolated_kernel.iterdir()) == [], f"{notebook.name} wrote files into its working folder"


def test_every_notebook_is_executed(request):
    """Fails when a notebook in notebooks/ is not run by this test session."""
    executed = {item.callspec.params["notebook"] for item in request.session.items
                if getattr(item, "originalname", None) == "test_notebook_runs"}
    missing = [notebook_id(path) for path in notebooks_on_disk() if path not in executed]
    assert not missing, (f"notebook(s) not executed by this test session: {', '.join(missing)}; "
                         f"run tests/test_notebooks.py in full (every notebook in notebooks/ must run)")

"""The example notebooks run top to bottom in a real kernel on a fresh demo board."""

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from kanban_widget.demo import build_demo

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def demo_board(tmp_path_factory):
    """One fresh demo board per run; each notebook works on its own copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(path, tasks=300)
    return path


@pytest.mark.parametrize("name", ["quickstart", "triage", "analytics", "live_demo"])
def test_notebook_runs_and_shows_the_board(name, demo_board, tmp_path, monkeypatch):
    board = tmp_path / "demo.db"
    shutil.copy(demo_board, board)
    monkeypatch.setenv("KANBAN_DB", str(board))
    monkeypatch.setenv("KANBAN_DEMO_SECONDS", "3")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, errors[0]["traceback"][-1] if errors else None
    if name != "analytics":
        views = [o for o in outputs if WIDGET_MIME in o.get("data", {})]
        assert views, f"{name}: no widget view in the outputs"
    else:
        images = [o for o in outputs if "image/png" in o.get("data", {})]
        assert len(images) >= 4, f"analytics: expected the charts, found {len(images)} images"

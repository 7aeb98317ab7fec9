"""The example notebooks run top to bottom in a real kernel on a fresh demo board, and again in
the same folder on the board the first run left, as a user pressing Run All twice would."""

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from kanban_widget import Store
from kanban_widget.demo import build_demo

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_board(tmp_path_factory):
    """One fresh demo board per run; each notebook works on its own copy. Triage holds three
    ideas, so triage.ipynb's first run (which moves up to five out) leaves the second run an
    empty column. (How many the demo itself leaves there varies with the day it is built.)"""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(path, tasks=100)
    with Store(path) as store:
        ideas = store.list_tasks(status="triage")
        for task in ideas[3:]:
            store.move_task(task.id, "todo")
        for n in range(len(ideas), 3):
            store.create_task(f"An idea from the test, {n}", triage=True)
        assert len(store.list_tasks(status="triage")) == 3
    return path


def _run(name: str, folder: Path):
    """Execute notebook ``name`` in a fresh kernel in ``folder``; return the executed notebook
    and its outputs, failing on the first error output."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, f"{name}: {errors[0]['ename']}: {errors[0]['evalue']}" if errors else None
    return nb, outputs


def _titles(board: Path) -> list:
    with Store(board, read_only=True) as store:
        return sorted(t.title for t in store.list_tasks(include_archived=True))


def _boards(nb, trait: str) -> list:
    """``trait`` of every board model the run left, from the saved widget state."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return [m["state"][trait] for m in state.values() if "selected" in m.get("state", {})]


def _selections(nb) -> list:
    return _boards(nb, "selected")


@pytest.mark.parametrize("name", ["quickstart", "triage", "analytics", "live_demo"])
def test_notebook_runs_twice_and_shows_the_board(name, demo_board, tmp_path, monkeypatch):
    board = tmp_path / "demo.db"
    shutil.copy(demo_board, board)
    monkeypatch.setenv("KANBAN_DB", str(board))
    monkeypatch.setenv("KANBAN_DEMO_SECONDS", "3")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    before = _titles(board)

    nb, outputs = _run(name, tmp_path)
    after_first = _titles(board)
    if name != "analytics":
        views = [o for o in outputs if WIDGET_MIME in o.get("data", {})]
        assert views, f"{name}: no widget view in the outputs"
        # The run ends with nothing selected, so the page shows no bulk bar.
        assert _selections(nb) and not any(_selections(nb)), _selections(nb)
    else:
        images = [o for o in outputs if "image/png" in o.get("data", {})]
        assert len(images) >= 4, f"analytics: expected the charts, found {len(images)} images"

    # Run All again, same folder, on the board the first run changed.
    nb, _ = _run(name, tmp_path)
    assert _titles(board) == after_first, f"{name}: the second run added or removed tasks"
    if name != "analytics":
        assert not any(_selections(nb)), _selections(nb)
    if name == "live_demo":  # `serve` shows it: columns, not a 20,000 px page of lanes
        assert _boards(nb, "lanes") == [False]
    if name == "quickstart":
        added = [t for t in after_first if t not in before]
        assert sorted(added) == sorted(["Write the launch plan", "Build the landing page",
                                        "Review the copy", "Maybe a launch video?"])

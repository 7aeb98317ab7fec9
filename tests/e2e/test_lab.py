"""End to end in real JupyterLab: run the quickstart, drag a card, and watch another process.

A real server and kernel, anywidget's labextension, Debian's Chromium: what a user gets.
"""

import json
import shutil
from pathlib import Path

import pytest

from kanban_widget import Store
from labserver import LabServer, create_in_another_process, drag_beside

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.browser, pytest.mark.lab]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    board = root / "kanban.db"
    with Store(board) as store:  # a small board that already has history
        for i in range(12):
            store.create_task(f"Existing task {i}", assignee=("ann", "bo")[i % 2],
                              tenant=("acme", "globex")[i % 2])
    shutil.copy(REPO / "notebooks" / "quickstart.ipynb", root / "quickstart.ipynb")
    with LabServer(root, env={"KANBAN_DB": str(board)}) as server:
        server.board = board
        yield server


def _code_cells(path: Path) -> int:
    return sum(c["cell_type"] == "code" for c in json.loads(path.read_text())["cells"])


def test_quickstart_drag_and_live_update(lab, page):
    lab.open_notebook(page, "quickstart.ipynb", _code_cells(lab.root / "quickstart.ipynb"))
    root = page.locator(".jp-OutputArea-output [data-kanban-root]").first
    root.wait_for(state="visible", timeout=30_000)
    assert page.errors == [], page.errors

    # The cells created tasks from Python; the board shows them where the store put them.
    card = root.locator('[data-column="ready"] [data-task-id]', has_text="Build the landing page")
    card.wait_for(timeout=15_000)
    task_id = card.get_attribute("data-task-id")

    # Drag it to todo with the mouse: the store records the move.
    drag_beside(page, card, root.locator('[data-column="todo"]'))
    root.locator(f'[data-column="todo"] [data-task-id="{task_id}"]').wait_for(timeout=15_000)
    with Store(lab.board, read_only=True) as store:
        assert store.get_task(task_id).status == "todo"
        assert store.list_events(task_id)[-1].kind == "status"

    # A commit from another process appears on the board without touching the notebook.
    create_in_another_process(lab.board)
    root.locator('[data-column="ready"] [data-task-id]',
                 has_text="Made by another process").wait_for(timeout=15_000)
    page.screenshot(path=str(Path(__file__).parent / "shots" / "lab_quickstart.png"))
    assert page.errors == [], page.errors

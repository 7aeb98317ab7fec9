"""End to end in real JupyterLab: run the quickstart, drag a card, and watch another process;
and `kanban-widget lab`, whose page shows a live board before the user runs anything.

A real server and kernel, anywidget's labextension, Debian's Chromium: what a user gets.
"""

import json
import shutil
import signal
from pathlib import Path

import pytest

from kanban_widget import Store
from labserver import (LabServer, LaunchedCLI, create_in_another_process, drag_beside,
                       wait_status)

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
    wait_status(lab.board, task_id, "todo")
    with Store(lab.board, read_only=True) as store:
        assert store.list_events(task_id)[-1].kind == "status"

    # A commit from another process appears on the board without touching the notebook.
    create_in_another_process(lab.board)
    root.locator('[data-column="ready"] [data-task-id]',
                 has_text="Made by another process").wait_for(timeout=15_000)
    page.screenshot(path=str(Path(__file__).parent / "shots" / "lab_quickstart.png"))
    assert page.errors == [], page.errors


def test_kanban_widget_lab_opens_on_a_live_board(page, tmp_path):
    """The README's first command: the page shows the board, live, with nothing run by hand."""
    data = tmp_path / "data"
    with LaunchedCLI(["lab", "--no-browser", "--tasks", "40"], tmp_path,
                     env={"XDG_DATA_HOME": str(data)}) as launched:
        url = launched.wait_url()
        board = data / "kanban-widget" / "demo" / "demo.db"
        page.goto(url, wait_until="domcontentloaded", timeout=90_000)
        root = page.locator(".jp-OutputArea-output [data-kanban-root]").first
        root.wait_for(state="visible", timeout=90_000)
        card = root.locator('[data-column="ready"] [data-task-id]',
                            has_text="Build the landing page")
        card.wait_for(timeout=30_000)
        # The quickstart selected two cards and cleared them again: no bulk bar is left.
        assert root.locator("[data-selected-count]").count() == 0

        # Live both ways: a drag reaches the store, another process's commit reaches the page.
        task_id = card.get_attribute("data-task-id")
        drag_beside(page, card, root.locator('[data-column="todo"]'))
        root.locator(f'[data-column="todo"] [data-task-id="{task_id}"]').wait_for(timeout=15_000)
        wait_status(board, task_id, "todo")
        create_in_another_process(board)
        root.locator('[data-column="ready"] [data-task-id]',
                     has_text="Made by another process").wait_for(timeout=15_000)

        # The demo server asks no "get notified about official Jupyter news?" question.
        assert page.get_by_text("official Jupyter news").count() == 0
        page.screenshot(path=str(Path(__file__).parent / "shots" / "kanban_widget_lab.png"))
        assert page.errors == [], page.errors

        out = launched.stop(signal.SIGTERM)
        assert launched.proc.returncode == 0, out
        assert launched.processes() == []

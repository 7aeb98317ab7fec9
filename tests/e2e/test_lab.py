"""End to end in real JupyterLab: run the quickstart, drag a card, and watch another process.

A real server and kernel, anywidget's labextension, Debian's Chromium: what a user gets.
"""

import json
import multiprocessing
import shutil
from pathlib import Path

import pytest

from kanban_widget import Store
from labserver import LabServer

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


def drag_beside(page, card, column, steps=15):
    """Press on the card, move across to ``column`` at the card's height, release."""
    start, target = card.bounding_box(), column.bounding_box()
    sx, sy = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    tx = target["x"] + target["width"] / 2
    page.mouse.move(sx, sy)
    page.mouse.down()
    for i in range(1, steps + 1):
        page.mouse.move(sx + (tx - sx) * i / steps, sy)
    page.mouse.up()


def _code_cells(path: Path) -> int:
    return sum(c["cell_type"] == "code" for c in json.loads(path.read_text())["cells"])


def _create_elsewhere(path: str) -> None:
    with Store(path) as store:
        store.create_task("Made by another process", assignee="zed", priority=50)


def test_quickstart_drag_and_live_update(lab, page):
    lab.open_notebook(page, "quickstart.ipynb", _code_cells(lab.root / "quickstart.ipynb"))
    root = page.locator(".jp-OutputArea-output [data-kanban-root]").first
    root.wait_for(state="visible", timeout=30_000)
    assert page.errors == [], page.errors

    # The cells created tasks from Python; the board shows them where the store put them.
    card = root.locator('[data-column="ready"] [data-task-id]', has_text="Build the landing page")
    card.wait_for(timeout=15_000)
    task_id = card.get_attribute("data-task-id")
    card.scroll_into_view_if_needed()

    # Drag it to todo with the mouse: the store records the move. (Columns are tall: aim at
    # the todo column beside the card, not at its centre, which may be off screen.)
    drag_beside(page, card, root.locator('[data-column="todo"]'))
    root.locator(f'[data-column="todo"] [data-task-id="{task_id}"]').wait_for(timeout=15_000)
    with Store(lab.board, read_only=True) as store:
        assert store.get_task(task_id).status == "todo"
        assert store.list_events(task_id)[-1].kind == "status"

    # A commit from another process appears on the board without touching the notebook.
    proc = multiprocessing.get_context("spawn").Process(target=_create_elsewhere,
                                                        args=(str(lab.board),))
    proc.start()
    proc.join(30)
    root.locator('[data-column="ready"] [data-task-id]',
                 has_text="Made by another process").wait_for(timeout=15_000)
    page.screenshot(path=str(Path(__file__).parent / "shots" / "lab_quickstart.png"))
    assert page.errors == [], page.errors

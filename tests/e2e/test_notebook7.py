"""End to end in Jupyter Notebook 7: show a board, drag a card, and watch another process.

The same checks as ``test_lab.py``, in the other host users run anywidgets in: a real Notebook 7
server and kernel, anywidget's labextension, Debian's Chromium. Notebook 7 is JupyterLab's
components in a different shell (one document per page, its own menus, no status bar), so the
page is driven through ``LabServer(app="notebook")``.
"""

import time
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from kanban_widget import Store
from labserver import LabServer, create_in_another_process, drag_beside, wait_status

SHOTS = Path(__file__).resolve().parent / "shots"
pytestmark = [pytest.mark.browser, pytest.mark.lab, pytest.mark.timeout(180)]

# Notebook 7.x itself throws this while loading the page, before any cell runs: its shortcuts
# extension reads a plugin's schema that a concurrent settings load has not stored yet
# (jupyter/notebook#7862, a race in Notebook's own bundle). Tolerated only from that bundle.
HOST_RACE = "Cannot read properties of undefined (reading 'schema')"


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory):
    root = tmp_path_factory.mktemp("notebook7")
    board = root / "kanban.db"
    with Store(board) as store:
        ids = {title: store.create_task(title, assignee=who) for title, who in
               [("Drag me to todo", "ann"), ("Stay ready", "bo"), ("Write the docs", None)]}
        store.create_task("Half-baked idea", triage=True)
    with LabServer(root, app="notebook") as server:
        server.board, server.ids = board, ids
        yield server


def unexpected_errors(page) -> list[str]:
    """Uncaught page errors, less Notebook 7's own known startup race."""
    return [f"{msg}\n{stack}" for msg, stack in page.error_stacks
            if not (msg == HOST_RACE and "/static/notebook/notebook_core." in stack)]


def check_errors(page) -> None:
    errors = unexpected_errors(page)
    assert not errors, f"page errors: {errors}; console errors: {page.console_errors}"


def wait_shown(page, locator, timeout: float = 15.0):
    """Wait until ``locator`` is visible; fail at once if the page throws meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        check_errors(page)
        try:
            locator.wait_for(state="visible", timeout=250)
            return locator
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise AssertionError(f"{locator} not visible after {timeout} s; console errors: "
                                     f"{page.console_errors}") from None


def test_board_in_notebook7_drag_and_live_update(notebook7, page):
    page.error_stacks = []
    page.on("pageerror", lambda e: page.error_stacks.append((e.message, e.stack or "")))
    notebook7.write_notebook("board.ipynb", [
        f"from kanban_widget import KanbanBoard\nKanbanBoard({str(notebook7.board)!r})"])
    notebook7.open_notebook(page, "board.ipynb", 1, timeout=45_000)
    root = wait_shown(page, page.locator(".jp-OutputArea-output [data-kanban-root]").first, 20)

    # The board shows the store as it is.
    task_id = notebook7.ids["Drag me to todo"]
    card = wait_shown(page, root.locator(f'[data-column="ready"] [data-task-id="{task_id}"]'))
    wait_shown(page, root.locator('[data-column="triage"] [data-task-id]',
                                  has_text="Half-baked idea"))

    # Drag it to todo with the mouse: the card moves and the store records the move.
    drag_beside(page, card, root.locator('[data-column="todo"]'))
    wait_shown(page, root.locator(f'[data-column="todo"] [data-task-id="{task_id}"]'))
    wait_status(notebook7.board, task_id, "todo")
    with Store(notebook7.board, read_only=True) as store:
        assert store.list_events(task_id)[-1].kind == "status"
        assert store.get_task(notebook7.ids["Stay ready"]).status == "ready"

    # A commit from another process appears on the board without touching the notebook.
    create_in_another_process(notebook7.board)
    wait_shown(page, root.locator('[data-column="ready"] [data-task-id]',
                                  has_text="Made by another process"))
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "notebook7_board.png"))
    check_errors(page)

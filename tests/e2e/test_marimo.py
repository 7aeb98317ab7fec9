"""End to end in marimo, ``marimo edit`` and ``marimo run``: a real server and kernel, Chromium.

The notebook shows two boards: one displayed directly (marimo wraps an anywidget itself), and
one through ``mo.ui.anywidget`` whose tail thread's sends are thrown away, as Colab's comm
drops a background thread's messages; that board reaches the database through the page's own
polls only. marimo renders widgets inside a shadow root; Playwright's CSS locators pierce it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kanban_widget import Store
from labserver import create_in_another_process, drag_to_todo_and_check
from marimoserver import MarimoServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = '''
import marimo

app = marimo.App(width="full")


@app.cell
def _():
    import os
    import threading

    import marimo as mo

    from kanban_widget import KanbanBoard
    return KanbanBoard, mo, os, threading


@app.cell
def _(KanbanBoard, os):
    board = KanbanBoard(os.environ["KANBAN_DB"])
    board
    return (board,)


@app.cell
def _(KanbanBoard, mo, os, threading):
    quiet = KanbanBoard(os.environ["KANBAN_DB_QUIET"])
    quiet_view = mo.ui.anywidget(quiet)
    _send = quiet.comm.send

    def _not_from_the_tail_thread(*args, **kwargs):
        if not threading.current_thread().name.startswith("kanban-tail-"):
            return _send(*args, **kwargs)

    quiet.comm.send = _not_from_the_tail_thread
    quiet_view
    return (quiet_view,)


if __name__ == "__main__":
    app.run()
'''


def _seed(path: Path, prefix: str) -> None:
    with Store(path) as store:
        for i in range(6):
            store.create_task(f"{prefix} {i}", assignee=("ann", "bo")[i % 2])


@pytest.mark.parametrize("mode", ["edit", "run"])
def test_marimo_board_drag_and_live_update(tmp_path, page, mode):
    board, quiet = tmp_path / "kanban.db", tmp_path / "quiet.db"
    _seed(board, "Existing task")
    _seed(quiet, "Quiet task")
    (tmp_path / "board.py").write_text(NOTEBOOK)
    env = {"KANBAN_DB": str(board), "KANBAN_DB_QUIET": str(quiet)}
    with MarimoServer(tmp_path, "board.py", mode, env=env) as server:
        server.open(page)
        root = page.locator("[data-kanban-root]").filter(has_text="Existing task 0")
        root.wait_for(state="visible", timeout=60_000)
        quiet_root = page.locator("[data-kanban-root]").filter(has_text="Quiet task 0")
        quiet_root.wait_for(state="visible", timeout=30_000)

        # Drag a card with the mouse: the store records the move.
        drag_to_todo_and_check(page, root, "Existing task 3", board)

        # Another process commits: the thread's patch brings it to the first board, and the
        # page's polls to the second, whose thread is never heard.
        create_in_another_process(board)
        create_in_another_process(quiet, "Made while the thread is muted")
        root.locator('[data-column="ready"] [data-task-id]',
                     has_text="Made by another process").wait_for(timeout=15_000)
        quiet_root.locator('[data-column="ready"] [data-task-id]',
                           has_text="Made while the thread is muted").wait_for(timeout=15_000)

        # A drag on the muted board: the reply comes from the message handler.
        drag_to_todo_and_check(page, quiet_root, "Quiet task 2", quiet)
        page.screenshot(path=str(Path(__file__).parent / "shots" / f"marimo_{mode}.png"))
        assert page.errors == [], page.errors

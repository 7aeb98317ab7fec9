"""Real JupyterLab with the board's thread muted, as Colab's comm mutes it: the page converges.

Colab drops comm messages sent from a background thread (googlecolab/colabtools#3373), so no
live patch would reach the page there. Here the notebook replaces the board's comm ``send`` with
one that throws away whatever the watching thread sends: another process's write can then
reach the page only through the page's own ``poll``, answered on the kernel's main thread.
"""

import re

import pytest

from kanban_widget import Store
from labserver import LabServer, create_in_another_process, drag_to_todo_and_check

pytestmark = [pytest.mark.browser, pytest.mark.lab, pytest.mark.slow]

CELLS = [
    """import os, threading
from kanban_widget import KanbanBoard

board = KanbanBoard(os.environ["KANBAN_DB"])
dropped = [0]
_send = board.comm.send

def _not_from_the_tail_thread(*args, **kwargs):
    if threading.current_thread().name.startswith("kanban-tail-"):
        dropped[0] += 1
        return None
    return _send(*args, **kwargs)

board.comm.send = _not_from_the_tail_thread
board""",
    'print(f"DROPPED={dropped[0]}")',
]


def test_lab_board_converges_when_the_thread_is_muted(tmp_path, page):
    path = tmp_path / "kanban.db"
    with Store(path) as store:
        for i in range(6):
            store.create_task(f"Existing task {i}", assignee=("ann", "bo")[i % 2])
    with LabServer(tmp_path, env={"KANBAN_DB": str(path)}) as lab:
        lab.open_notebook(page, lab.write_notebook("muted.ipynb", CELLS), len(CELLS))
        root = page.locator(".jp-OutputArea-output [data-kanban-root]").first
        root.wait_for(state="visible", timeout=30_000)

        # A drag is answered by the message handler: it works as anywhere.
        drag_to_todo_and_check(page, root, "Existing task 3", path)

        # Another process commits; only the page's polls can bring it.
        create_in_another_process(path)
        root.locator('[data-column="ready"] [data-task-id]',
                     has_text="Made by another process").wait_for(timeout=15_000)

        # The thread did try: what it sent was thrown away, so the poll did the work.
        lab.run_cell(page, 1)
        output = page.locator(".jp-CodeCell").nth(1).locator(".jp-OutputArea-output")
        output.filter(has_text="DROPPED=").wait_for(timeout=15_000)
        dropped = int(re.search(r"DROPPED=(\d+)", output.inner_text()).group(1))
        assert dropped > 0, "the thread sent nothing: this test proved nothing"
        assert page.errors == [], page.errors

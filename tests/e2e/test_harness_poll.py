"""A host that drops what the tail thread sends (Colab's comm does): the page still converges.

The built front end on the harness page, the REAL widget and store behind the message bridge of
test_harness_bridge.py, except that every message the tail thread sends is thrown away, as
Colab throws away comm messages sent from a background thread (googlecolab/colabtools#3373).
Only what the kernel's message handler sends gets through, so the page's own ``poll`` is the
only way another process's writes can reach it.
"""

from __future__ import annotations

import threading
import time

import pytest
from playwright.sync_api import expect

from kanban_widget import KanbanBoard, Store
from test_harness_bridge import TRAITS, Bridge, task_id
from test_harness_moves import mouse_drag

pytestmark = pytest.mark.browser


class ThreadDroppingBridge(Bridge):
    """The bridge, but messages sent from the widget's tail thread never reach the page."""

    def __init__(self, page, widget):
        super().__init__(page, widget)
        self.dropped = 0

    def _capture(self, data=None, metadata=None, buffers=None):
        if threading.current_thread().name.startswith("kanban-tail-"):
            self.dropped += 1
            return
        super()._capture(data, metadata, buffers)


@pytest.fixture
def board(tmp_path):
    path = tmp_path / "kanban.db"
    with Store(path) as store:
        store.create_task("Loose task", assignee="ann")
        store.create_task("Other task", assignee="bo")
    widget = KanbanBoard(path)
    try:
        yield widget
    finally:
        widget.close()


def titles_js(*titles):
    return ("ts => ts.every(t => [...document.querySelectorAll('#board-0 .kb-card-title')]"
            ".some(e => e.textContent === t))")


def test_page_converges_by_polling_when_thread_sends_are_lost(harness, board):
    w = board
    state = w.get_state()
    harness.boot({"bridge": True, "traits": {k: state[k] for k in TRAITS}})
    page = harness.page
    bridge = ThreadDroppingBridge(page, w)
    loose = next(t.id for t in w.store.list_tasks() if t.title == "Loose task")

    # A drag is answered by the message handler: it works as anywhere else.
    mouse_drag(page, harness.card(loose), harness.column("running"))
    bridge.until("id => document.querySelector(`#board-0 [data-task-id='${id}']`)"
                 ".dataset.status === 'running'", arg=loose)
    assert w.store.get_task(loose).status == "running"

    # Another process writes, one task at a time and then a burst: the thread sees every
    # commit, its patches go nowhere, and the page's polls bring them.
    with Store(w.store.path) as other:
        other.create_task("Made by another process", assignee="zed", priority=9)
    bridge.until(titles_js(), arg=["Made by another process"], timeout=20)
    with Store(w.store.path) as other:
        burst = [other.create_task(f"Burst {i}") for i in range(40)]
        other.move_task(loose, "done", result="shipped")
    bridge.until(titles_js(), arg=[f"Burst {i}" for i in range(40)], timeout=20)
    expect(harness.card(loose)).to_have_attribute("data-status", "done")
    assert bridge.dropped > 0, "the tail thread sent nothing: this test proved nothing"
    assert set(burst) <= {task_id(page, f"Burst {i}") for i in range(40)}

    # The page's revision is Python's: its next poll says so, and gets only the reply.
    asked = []
    answer = w._HANDLERS["poll"]
    w._HANDLERS = {**w._HANDLERS, "poll": lambda me, req: (asked.append(req["rev"]), answer(me, req))[1]}
    deadline = time.monotonic() + 20
    while not (asked and asked[-1] == w._state.rev):
        assert time.monotonic() < deadline, f"polls {asked}, Python at {w._state.rev}"
        bridge.pump()
        time.sleep(0.05)
    assert page.errors == [], page.errors

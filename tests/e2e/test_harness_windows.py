"""Windows in a real browser: the built front end against the REAL widget and store (the bridge
of test_harness_bridge.py). A column holding more cards than its window shows the first page
and the column's count; "show more" fetches the next page from Python; another process's
writes move cards into and out of the window, and the count follows.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kanban_widget import KanbanBoard, Store
from kanban_widget.store.windows import PAGE
from test_harness_bridge import TRAITS, Bridge

pytestmark = pytest.mark.browser

N_READY = PAGE + 12


@pytest.fixture
def board(tmp_path):
    path = tmp_path / "kanban.db"
    with Store(path) as store:
        # priorities N_READY..1: "Ready 0" heads the column, "Ready 61" ends it
        ids = [store.create_task(f"Ready {i}", assignee="ann", priority=N_READY - i)
               for i in range(N_READY)]
        store.create_task("An idea", triage=True)
    widget = KanbanBoard(path)
    try:
        yield widget, ids
    finally:
        widget.close()


def shown_ids(page, status):
    return page.evaluate(
        "s => [...document.querySelectorAll(`#board-0 [data-column='${s}'] [data-task-id]`)]"
        ".map(e => e.dataset.taskId)", status)


def test_show_more_and_patches_across_the_window(harness, board):
    w, ids = board
    state = w.get_state()
    assert len(state["_board"]["cards"]) == PAGE + 1  # the page is sent one window per column
    harness.boot({"bridge": True, "traits": {k: state[k] for k in TRAITS}})
    page, ready = harness.page, harness.column("ready")
    bridge = Bridge(page, w)

    # the first page, the column's real count, and a "show more" naming what Python holds back
    expect(ready.locator("[data-column-count]")).to_have_text(str(N_READY))
    assert shown_ids(page, "ready") == ids[:PAGE]
    more = ready.locator("[data-show-more]")
    expect(more).to_contain_text(f"{N_READY - PAGE} hidden")

    # a card beyond the window jumps to the top: it enters, the window's last card leaves
    with Store(w.store.path) as other:
        other.update_task(ids[-1], priority=100)
    bridge.until("id => !!document.querySelector(`#board-0 [data-task-id='${id}']`)", arg=ids[-1])
    assert shown_ids(page, "ready") == [ids[-1]] + ids[:PAGE - 1]
    expect(ready.locator("[data-column-count]")).to_have_text(str(N_READY))

    # a shown card drops to the bottom: it leaves, the next card refills the window
    with Store(w.store.path) as other:
        other.update_task(ids[0], priority=-1)
    bridge.until("id => !document.querySelector(`#board-0 [data-task-id='${id}']`)", arg=ids[0])
    assert shown_ids(page, "ready") == [ids[-1]] + ids[1:PAGE]

    # a shown card leaves the column: both counts move, the window refills
    with Store(w.store.path) as other:
        other.move_task(ids[1], "blocked", reason="waiting")
    bridge.until("n => document.querySelector(\"#board-0 [data-column='ready'] "
                 "[data-column-count]\").textContent === String(n)", arg=N_READY - 1)
    expect(harness.column("blocked").locator("[data-column-count]")).to_have_text("1")
    assert shown_ids(page, "ready") == [ids[-1]] + ids[2:PAGE + 1]

    # "show more" asks Python for the next page: every card of the column is then shown
    more.click()
    bridge.until("n => document.querySelectorAll(\"#board-0 [data-column='ready'] "
                 "[data-task-id]\").length === n", arg=N_READY - 1)
    assert shown_ids(page, "ready") == [ids[-1]] + ids[2:-1] + [ids[0]]
    expect(ready.locator("[data-show-more]")).to_have_count(0)
    assert page.errors == [] and page.console_errors == [], (page.errors, page.console_errors)

"""The board switcher: shown only with several boards, and, against the real widget, switching
shows the other board and writes from the page land in it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kanban_widget import KanbanBoard, Store
from kanban_widget.feed import BoardFeed
from test_harness_a11y import axe_check
from test_harness_bridge import TRAITS, Bridge
from test_harness_moves import mouse_drag

pytestmark = pytest.mark.browser

TWO = [{"slug": "default", "name": "Default"}, {"slug": "ops", "name": "Operations"}]


def test_switcher_only_with_several_boards_and_it_sets_the_trait(harness):
    harness.boot({"tasks": [], "traits": {"board_slug": "default", "boards": TWO[:1]}})
    switch = harness.root().locator("[data-board-switch]")
    expect(switch).to_have_count(0)
    harness.py_update("boards", TWO)
    expect(switch).to_be_visible()
    expect(switch.locator("option")).to_have_text(["Default", "Operations (ops)"])
    expect(switch).to_have_value("default")
    axe_check(harness, "board switcher")
    harness.shot("board-switcher")

    switch.select_option("ops")
    assert harness.trait("board_slug") == "ops"
    assert {"board_slug": "ops"} in harness.saved()
    harness.py_update("board_slug", "default")  # Python sends back the board it shows
    expect(switch).to_have_value("default")
    assert harness.page.errors == []


@pytest.fixture
def two_boards(kanban_home):
    with Store(kanban_home / "kanban.db") as store:
        store.create_task("Default's task")
    Store.create_board("ops", name="Operations")
    with Store(board="ops") as store:
        store.create_task("Ops task")
    widget = KanbanBoard()  # the current board: default
    try:
        yield kanban_home, widget
    finally:
        widget.close()


def test_switching_the_real_widget_shows_the_other_board_and_writes_there(harness, two_boards):
    home, w = two_boards
    ops_db = home / "kanban" / "boards" / "ops" / "kanban.db"
    state = w.get_state()
    harness.boot({"bridge": True, "traits": {k: state[k] for k in TRAITS}})
    page, root = harness.page, harness.root()
    bridge = Bridge(page, w)
    titles = "() => [...document.querySelectorAll('#board-0 .kb-card-title')].map(e => e.textContent)"
    assert page.evaluate(titles) == ["Default's task"]

    root.locator("[data-board-switch]").select_option("ops")
    bridge.until(f"() => ({titles})().join() === 'Ops task'")
    assert w.path == ops_db and w.board_slug == "ops"
    assert str(home / "kanban.db") not in BoardFeed._feeds  # the old board's feed was let go
    expect(root.locator("[data-board-switch]")).to_have_value("ops")

    # a drag on the page now moves the ops board's card, in the ops file
    task = w.store.list_tasks()[0].id
    mouse_drag(page, harness.card(task), harness.column("running"))
    bridge.until("id => window.__boards[0].model.sent.length === 0 && document.querySelector("
                 "`#board-0 [data-task-id='${id}']`).dataset.status === 'running'", arg=task)
    with Store(ops_db, read_only=True) as ops:
        assert ops.get_task(task).status == "running"
    with Store(home / "kanban.db", read_only=True) as default:
        assert [t.status for t in default.list_tasks()] == ["ready"]

    # another process's write to the ops board reaches the page live
    with Store(ops_db) as other:
        other.create_task("Written elsewhere")
    bridge.until(f"() => ({titles})().includes('Written elsewhere')")
    assert page.errors == []

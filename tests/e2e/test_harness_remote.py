"""A remote board in a real browser: the built front end, bridged (as in test_harness_bridge)
to a REAL ``KanbanBoard(url, token=...)`` following a REAL ``kanban-widget api`` (uvicorn on
loopback). A card moved by another process moves on the page; a card dragged on the page is
moved in the server's board file; a stopped server shows "offline" in the banner."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kanban_widget import KanbanBoard, Store
from test_harness_bridge import TRAITS, Bridge
from test_harness_moves import mouse_drag

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the server harness
from server_harness import Server, cli  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path):
    path = tmp_path / "kanban.db"
    with Store(path) as store:
        ids = {"mover": store.create_task("Moved elsewhere", assignee="ann"),
               "dragged": store.create_task("Dragged here", assignee="bo")}
    server = Server(["--db", str(path)])
    widget = KanbanBoard(server.url, token=server.token)
    try:
        yield path, server, widget, ids
    finally:
        widget.close()
        server.stop()


def test_a_remote_boards_card_moved_by_another_process(harness, served):
    path, server, widget, ids = served
    state = widget.get_state()
    harness.boot({"bridge": True, "traits": {k: state[k] for k in TRAITS}})
    bridge = Bridge(harness.page, widget)
    expect(harness.card(ids["mover"])).to_have_attribute("data-status", "ready")

    cli(path, "move", ids["mover"], "blocked", "--reason", "waiting on review")  # another process, the file itself
    bridge.until("id => document.querySelector(`#board-0 [data-task-id='${id}']`)"
                 "?.dataset.status === 'blocked'", arg=ids["mover"], timeout=20)

    mouse_drag(harness.page, harness.card(ids["dragged"]), harness.column("running"))
    bridge.until("id => window.__boards[0].model.sent.length === 0 && !document.querySelector("
                 "`#board-0 [data-task-id='${id}']`).classList.contains('kb-pending')",
                 arg=ids["dragged"], timeout=20)
    with Store(path, read_only=True) as store:
        assert store.get_task(ids["dragged"]).status == "running"
    expect(harness.card(ids["dragged"])).to_have_attribute("data-status", "running")

    server.stop()
    bridge.until("() => document.querySelector('#board-0').textContent.includes('offline')",
                 timeout=20)
    assert harness.page.errors == []

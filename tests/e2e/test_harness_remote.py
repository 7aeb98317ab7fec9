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


def test_a_remote_board_searched_from_the_page_shows_the_servers_filtered_column(harness,
                                                                                 tmp_path):
    """The search box of a remote board: the server answers it in SQL, so the column's count
    is the matching cards' (not the whole column's) and its window is the first matching
    cards of the whole column (not those of the cards held); a matching card another process
    makes arrives, one that does not match is counted nowhere on the page."""
    path = tmp_path / "kanban.db"
    with Store(path) as store:
        for i in range(120):  # 70 match, most of them past the first page of the column
            store.create_task(f"{'needle' if i % 12 < 7 else 'hay'} {i}", priority=i % 3)
    server = Server(["--db", str(path)])
    widget = KanbanBoard(server.url, token=server.token)
    try:
        state = widget.get_state()
        harness.boot({"bridge": True, "traits": {k: state[k] for k in TRAITS}})
        bridge = Bridge(harness.page, widget)
        count = harness.column("ready").locator("[data-column-count]")
        expect(count).to_have_text("120")

        harness.page.locator("#board-0 [data-filter=search]").fill("needle")
        bridge.until("() => document.querySelector('#board-0 [data-column=ready] "
                     "[data-column-count]').textContent === '70'", timeout=20)
        titles = harness.page.locator("#board-0 [data-column=ready] .kb-card-title")
        shown = titles.all_text_contents()
        assert len(shown) == 50 and all(t.startswith("needle") for t in shown)

        cli(path, "create", "needle from afar", "--priority", "9")
        cli(path, "create", "hay from afar", "--priority", "9")
        bridge.until("() => [...document.querySelectorAll('#board-0 .kb-card-title')]"
                     ".some(e => e.textContent === 'needle from afar')", timeout=20)
        bridge.until("() => document.querySelector('#board-0 [data-column=ready] "
                     "[data-column-count]').textContent === '71'", timeout=20)
        assert "hay from afar" not in titles.all_text_contents()
        assert harness.page.errors == []
    finally:
        widget.close()
        server.stop()

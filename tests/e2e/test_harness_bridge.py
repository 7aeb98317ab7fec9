"""The built front end against the REAL Python widget and store, with no kernel.

The harness page runs the bundle with a stand-in model; this test relays messages both ways:
Python's `DummyComm.send` (updates and custom messages, from any thread, the tail thread
included) is queued and replayed into the page, and what the page saves or sends is fed to
`KanbanBoard._handle_msg`, the path a kernel comm message takes. So the wire protocol is tested
end to end: real `parse_request`, real store rules and messages, real patches.
"""

from __future__ import annotations

import queue
import time

import pytest
from playwright.sync_api import expect

from kanban_widget import KanbanBoard, Store
from test_harness_moves import mouse_drag

pytestmark = pytest.mark.browser

TRAITS = ("_board", "search", "tenant", "assignee", "show_archived", "lanes", "selected",
          "has_dispatcher", "read_only", "error", "board_slug", "boards")


class Bridge:
    """Relays messages between a KanbanBoard (no kernel) and the harness page."""

    def __init__(self, page, widget):
        self.page, self.w, self.q = page, widget, queue.Queue()
        widget.comm.send = self._capture  # outside a kernel this is a comm.DummyComm

    def _capture(self, data=None, metadata=None, buffers=None):
        self.q.put(data)  # any thread: the tail thread publishes patches from its own

    def pump(self):
        """Move every pending message across, both ways; Playwright is called from here only."""
        moved = 0
        for state in self.page.evaluate("() => window.__boards[0].model.saved.splice(0)"):
            self.w._handle_msg({"content": {"data": {"method": "update", "state": state,
                                                     "buffer_paths": []}}, "buffers": []})
            moved += 1
        for content in self.page.evaluate("() => window.__boards[0].model.sent.splice(0)"):
            self.w._handle_msg({"content": {"data": {"method": "custom", "content": content}},
                                "buffers": []})
            moved += 1
        while True:
            try:
                msg = self.q.get_nowait()
            except queue.Empty:
                break
            moved += 1
            if msg.get("method") == "update":
                for key, value in msg["state"].items():
                    if key in TRAITS:
                        self.page.evaluate("([k, v]) => window.__boards[0].model.pyUpdate(k, v)",
                                           [key, value])
            elif msg.get("method") == "custom":
                self.page.evaluate("c => window.__boards[0].model.pyCustom(c)", msg["content"])
            # echo_update: the real front end ignores echoes of its own changes; so do we
        return moved

    def until(self, predicate_js: str, timeout: float = 10.0, arg=None):
        deadline = time.monotonic() + timeout
        while True:
            self.pump()
            if self.page.evaluate(predicate_js, arg):
                self.pump()
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {predicate_js}; errors: {self.page.errors}")
            time.sleep(0.02)


@pytest.fixture
def live_board(tmp_path):
    path = tmp_path / "kanban.db"
    with Store(path) as store:
        parent = store.create_task("Parent epic", assignee="ann", priority=2, tenant="acme")
        store.create_task("Child waits on parent", assignee="bo", parents=[parent])
        store.create_task("Loose task", assignee="ann")
        store.create_task("Idea", triage=True)
    widget = KanbanBoard(path, dispatcher=lambda task: 4242)
    try:
        yield widget
    finally:
        widget.close()


def card_js(title):
    return ("t => [...document.querySelectorAll('#board-0 [data-task-id]')]"
            ".find(e => e.querySelector('.kb-card-title').textContent === t)")


def task_id(page, title):
    return page.evaluate(f"t => ({card_js(title)})(t)?.dataset.taskId", title)


def test_real_widget_round_trip(harness, live_board):
    w = live_board
    state = w.get_state()
    harness.boot({"bridge": True, "traits": {k: state[k] for k in TRAITS}})
    page, root = harness.page, harness.root()
    bridge = Bridge(page, w)
    ids = {t.title: t.id for t in w.store.list_tasks()}
    loose, child, parent = ids["Loose task"], ids["Child waits on parent"], ids["Parent epic"]

    expect(harness.card(loose)).to_have_attribute("data-status", "ready")
    expect(harness.card(child)).to_have_attribute("data-status", "todo")

    # drag: the real store moves it, the reply carries the card
    mouse_drag(page, harness.card(loose), harness.column("running"))
    bridge.until("id => window.__boards[0].model.sent.length === 0 && "
                 "document.querySelector(`#board-0 [data-task-id='${id}']`).dataset.status === 'running'"
                 " && !document.querySelector(`#board-0 [data-task-id='${id}']`).classList.contains('kb-pending')",
                 arg=loose)
    assert w.store.get_task(loose).status == "running"

    # the real store refuses ready over an open parent; the card snaps back with its message
    mouse_drag(page, harness.card(child), harness.column("ready"))
    bridge.until("() => !!document.querySelector('#board-0 [data-notice]')")
    expect(harness.card(child)).to_have_attribute("data-status", "todo")
    notice = root.locator("[data-notice]").inner_text()
    assert parent in notice, notice
    assert w.store.get_task(child).status == "todo"

    # another process writes: the tail thread's patch brings the card
    with Store(w.store.path) as other:
        other.create_task("Made by another process", assignee="zed", priority=9)
    bridge.until("() => [...document.querySelectorAll('#board-0 .kb-card-title')]"
                 ".some(e => e.textContent === 'Made by another process')")
    new_id = task_id(page, "Made by another process")
    assert harness.card_status(new_id) == "ready"

    # filters and selection reach Python
    root.locator("[data-filter=search]").fill("parent")
    bridge.until("() => window.__boards[0].model.get('search') === 'parent'")
    time.sleep(0.35)  # the search box saves after its debounce
    bridge.until("() => window.__boards[0].model.saved.length === 0")
    assert w.search == "parent"
    assert w.visible_ids() == [parent, child] or sorted(w.visible_ids()) == sorted([parent, child])
    root.locator("[data-filter=search]").fill("")
    harness.card(parent).click(modifiers=["Control"])
    harness.card(child).click(modifiers=["Control"])
    bridge.until("() => window.__boards[0].model.saved.length === 0")
    assert sorted(w.selected) == sorted([parent, child])
    # ... and Python's selection reaches the page
    w.selected = [loose]
    bridge.until("id => document.querySelector(`#board-0 [data-task-id='${id}'] .kb-card-check`)"
                 ".checked === true", arg=loose)

    # bulk with a partial failure, answered per card by the real store
    harness.card(child).click(modifiers=["Control"])
    bar = root.locator("[data-bulk-bar]")
    bar.locator("select[data-bulk=status]").select_option("ready")
    bar.locator('[data-bulk-apply="move"]').click()
    bridge.until("() => !!document.querySelector('#board-0 [data-bulk-report]')")
    report = bar.locator("[data-bulk-report]").inner_text()
    assert "1 of 2 failed" in report and child in report, report
    assert w.store.get_task(loose).status == "ready"

    # the drawer: real detail, an edit and a comment
    harness.card(parent).click()
    drawer = root.locator(f'[data-drawer="{parent}"]')
    bridge.until("() => !!document.querySelector('#board-0 [data-drawer] [data-edit=title]')")
    expect(drawer.locator("[data-links]")).to_contain_text(child)
    drawer.locator("[data-comment-input]").fill("From the **browser**")
    drawer.locator("[data-comment-send]").click()
    bridge.until("() => document.querySelectorAll('#board-0 [data-comment]').length === 1")
    assert [c.body for c in w.store.list_comments(parent)] == ["From the **browser**"]
    expect(drawer.locator("[data-comment] .kb-md strong")).to_have_text("browser")
    drawer.locator("[data-edit=title]").fill("Parent epic, renamed")
    drawer.locator("[data-edit=title]").press("Enter")
    bridge.until("id => document.querySelector(`#board-0 [data-task-id='${id}'] .kb-card-title`)"
                 ".textContent === 'Parent epic, renamed'", arg=parent)
    assert w.store.get_task(parent).title == "Parent epic, renamed"
    # a cycle is refused by the store, shown in the drawer
    drawer.locator("[data-link-input]").fill(child)
    drawer.locator("[data-add-parent]").click()
    bridge.until("() => !!document.querySelector('#board-0 [data-drawer-error]')")
    assert "cycle" in drawer.locator("[data-drawer-error]").inner_text().lower()
    page.keyboard.press("Escape")

    # dispatch: the real dispatcher runs
    root.locator("[data-dispatch]").click()
    bridge.until("() => !!document.querySelector('#board-0 [data-dispatch-report]')")
    assert "spawned" in root.locator("[data-dispatch-report]").inner_text()

    # show archived: Python re-sends the board with the archived column
    w.store.archive_task(new_id)
    bridge.until("id => !document.querySelector(`#board-0 [data-task-id='${id}']`)", arg=new_id)
    root.locator("[data-filter=show_archived]").check()
    bridge.until("() => !!document.querySelector('#board-0 [data-column=archived]')")
    expect(harness.column("archived").locator(f'[data-task-id="{new_id}"]')).to_have_count(1)

    # no request was malformed
    assert page.errors == [] and page.console_errors == [], (page.errors, page.console_errors)
    harness.shot("bridge_real_python")

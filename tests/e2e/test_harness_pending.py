"""A bulk move racing another process, against the REAL widget and store (issue #13).

Select the ~1,200 cards in Done and bulk-move them to Todo; while the request is out, another
process (the CLI, in a subprocess) moves one of them to Blocked. The page must show the card in
Blocked as soon as the patch saying so arrives, whatever the order in which the bulk reply and
the patches reach it: before the fix, a patch that came before the reply was overridden by the
reply's confirmation, and the card stayed in Todo, marked pending, for 10 s.

The relay of `test_harness_bridge.py` lets the test hold Python's messages and hand them to the
page in the order each case names.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from kanban_widget import KanbanBoard, Store
from test_harness_bridge import TRAITS, Bridge

pytestmark = pytest.mark.browser

N_DONE = 1200
CLI = [sys.executable, "-m", "kanban_widget.cli"]


@pytest.fixture
def done_board(tmp_path):
    """A board with N_DONE cards in Done; the first, of the highest priority, tops Todo later."""
    path = tmp_path / "kanban.db"
    with Store(path) as store, store.atomic():
        ids = [store.create_task(f"Finished {i:04d}", priority=9 if i == 0 else 0)
               for i in range(N_DONE)]
        for task_id in ids:
            store.move_task(task_id, "done")
    widget = KanbanBoard(path)
    try:
        yield widget, ids[0]
    finally:
        widget.close()


def card_state(page, task_id):
    """The card's column and whether it is marked pending, read once (no waiting)."""
    return page.evaluate(
        """id => {
            const el = document.querySelector(`#board-0 [data-task-id='${id}']`);
            return el && {column: el.closest('[data-column]').dataset.column,
                          pending: el.classList.contains('kb-pending')};
        }""", task_id)


def take_python_messages(bridge, until, timeout=15.0):
    """Hold what Python sends until `until(messages)` is true; returns the messages, in order."""
    held, deadline = [], time.monotonic() + timeout
    while True:
        while not bridge.q.empty():
            held.append(bridge.q.get_nowait())
        if until(held):
            return held
        assert time.monotonic() < deadline, f"Python never sent what the test waits for: {held}"
        time.sleep(0.02)


def is_reply(msg):
    return msg.get("method") == "custom" and msg["content"].get("type") == "reply"


def patch_moves(msg, task_id, status):
    content = msg.get("content") or {}
    return (msg.get("method") == "custom" and content.get("type") == "patch"
            and any(c["id"] == task_id and c["status"] == status for c in content.get("upserts", [])))


def deliver(page, msg):
    """One of Python's messages into the page, as the comm would."""
    if msg.get("method") == "custom":
        page.evaluate("c => window.__boards[0].model.pyCustom(c)", msg["content"])
    elif msg.get("method") == "update":
        for key, value in msg["state"].items():
            if key in TRAITS:
                page.evaluate("([k, v]) => window.__boards[0].model.pyUpdate(k, v)", [key, value])


@pytest.mark.parametrize("reply_last", [True, False], ids=["patches-then-reply", "reply-then-patches"])
def test_bulk_move_racing_another_process_converges_at_once(harness, done_board, reply_last):
    w, raced = done_board
    state = w.get_state()
    harness.boot({"bridge": True, "traits": {k: state[k] for k in TRAITS}})
    page, root = harness.page, harness.root()
    bridge = Bridge(page, w)

    # select the whole Done column and bulk-move it to Todo
    root.locator('[data-column="done"] [data-select-all]').check()
    bridge.until(f"() => window.__boards[0].model.get('selected').length === {N_DONE}")
    bar = root.locator("[data-bulk-bar]")
    bar.locator("select[data-bulk=status]").select_option("todo")
    bar.locator('[data-bulk-apply="move"]').click()
    assert card_state(page, raced) == {"column": "todo", "pending": True}

    # Python runs the request (the reply is held, so for the page it is still out) ...
    for content in page.evaluate("() => window.__boards[0].model.sent.splice(0)"):
        w._handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": []})
    assert w.store.get_task(raced).status == "todo"
    # ... and another process moves one of the cards on to Blocked
    db = str(Path(w.store.path))
    subprocess.run([*CLI, "--db", db, "move", raced, "blocked", "--reason", "waiting on legal"],
                   check=True, capture_output=True, timeout=60)
    held = take_python_messages(bridge, lambda msgs: any(is_reply(m) for m in msgs)
                                and any(patch_moves(m, raced, "blocked") for m in msgs))
    with Store(db) as other:
        assert other.get_task(raced).status == "blocked"

    replies = [m for m in held if is_reply(m)]
    rest = [m for m in held if not is_reply(m)]
    for msg in (rest + replies) if reply_last else (replies + rest):
        deliver(page, msg)
    # read once, right after the last message: no waiting for anything to expire
    assert card_state(page, raced) == {"column": "blocked", "pending": False}
    counts = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#board-0 [data-column]')]
        .map(c => [c.dataset.column, c.querySelector('[data-column-count]').textContent]))""")
    assert counts["todo"] == str(N_DONE - 1) and counts["blocked"] == "1", counts
    assert "done" not in counts or counts["done"] == "0", counts
    assert page.evaluate("() => document.querySelectorAll('#board-0 .kb-pending').length") == 0
    report = bar.locator("[data-bulk-report]").inner_text()
    assert f"{N_DONE} done" in report, report
    assert page.errors == [] and page.console_errors == [], (page.errors, page.console_errors)

"""Moving cards: mouse drag, touch drag, keyboard, refusals that snap back, confirm dialogs."""

import pytest
from playwright.sync_api import expect

from conftest import SAMPLE_LINKS, sample_tasks

pytestmark = pytest.mark.browser


def center(box):
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag_over(page, source, target, steps=12):
    """Press on `source` and move over `target` without releasing: the drag is under way."""
    source.scroll_into_view_if_needed()  # a user grabs a card they can see (the board scrolls)
    sx, sy = center(source.bounding_box())
    tx, ty = center(target.bounding_box())
    page.mouse.move(sx, sy)
    page.mouse.down()
    for i in range(1, steps + 1):
        page.mouse.move(sx + (tx - sx) * i / steps, sy + (ty - sy) * i / steps)


def mouse_drag(page, source, target, steps=12):
    drag_over(page, source, target, steps)
    page.mouse.up()


def touch_drag(page, source, target, steps=12):
    """A real touch sequence through the DevTools protocol (pointerType "touch" in the page)."""
    cdp = page.context.new_cdp_session(page)
    sx, sy = center(source.bounding_box())
    tx, ty = center(target.bounding_box())
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": sx, "y": sy}]})
    for i in range(1, steps + 1):
        x, y = sx + (tx - sx) * i / steps, sy + (ty - sy) * i / steps
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_mouse_drag_moves_card(harness):
    harness.boot()
    mouse_drag(harness.page, harness.card("t_ready003"), harness.column("running"))
    expect(harness.card("t_ready003")).to_have_attribute("data-status", "running")
    expect(harness.column("running").locator('[data-task-id="t_ready003"]')).to_have_count(1)
    moves = harness.sent(type_="move")
    assert [(m["task_id"], m["status"]) for m in moves] == [("t_ready003", "running")]
    harness.page.wait_for_function("() => window.__boards[0].kernel.tasks.get('t_ready003').status === 'running'")
    expect(harness.column("running").locator("[data-column-count]")).to_have_text("2")
    # the click that ends a drag does not open the drawer
    expect(harness.root().locator("[data-drawer]")).to_have_count(0)
    assert harness.page.errors == []


def test_optimistic_move_shows_before_the_reply(harness):
    harness.boot({"tasks": sample_tasks(), "kernel": {"replyDelayMs": 800}})
    mouse_drag(harness.page, harness.card("t_triage01"), harness.column("todo"))
    # the reply takes 800 ms, the card is already in its new column and marked pending
    expect(harness.column("todo").locator('[data-task-id="t_triage01"]')).to_have_class(
        "kb-card kb-pending", timeout=500
    )
    expect(harness.column("todo").locator('[data-task-id="t_triage01"]')).not_to_have_class(
        "kb-card kb-pending", timeout=3000
    )


def test_touch_drag_from_the_grip(touch_harness):
    h = touch_harness
    h.boot()
    touch_drag(h.page, h.card("t_ready002").locator("[data-drag-handle]"), h.column("running"))
    expect(h.card("t_ready002")).to_have_attribute("data-status", "running")
    assert [(m["task_id"], m["status"]) for m in h.sent(type_="move")] == [("t_ready002", "running")]
    assert h.page.errors == []


def test_refused_move_snaps_back_with_the_message(harness):
    harness.boot({"tasks": sample_tasks(), "links": SAMPLE_LINKS, "kernel": {"replyDelayMs": 300}})
    mouse_drag(harness.page, harness.card("t_child001"), harness.column("ready"))
    # optimistic first ...
    expect(harness.card("t_child001")).to_have_attribute("data-status", "ready", timeout=250)
    # ... then the fake store refuses (its parent is still running) and the card goes back
    expect(harness.card("t_child001")).to_have_attribute("data-status", "todo")
    banner = harness.root().locator("[data-kanban-error]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("parent t_parent01 is still running")
    harness.shot("move_refused")
    banner.get_by_role("button", name="Dismiss").click()
    expect(banner).to_be_hidden()


def test_keyboard_moves_and_focus(harness):
    harness.boot()
    page = harness.page
    card = harness.card("t_triage01")
    card.focus()
    page.keyboard.press("]")  # triage → todo
    expect(harness.card("t_triage01")).to_have_attribute("data-status", "todo")
    expect(harness.card("t_triage01")).to_be_focused()
    page.keyboard.press("Shift+ArrowRight")  # todo → ready
    expect(harness.card("t_triage01")).to_have_attribute("data-status", "ready")
    page.keyboard.press("Shift+ArrowLeft")  # ready → todo
    expect(harness.card("t_triage01")).to_have_attribute("data-status", "todo")
    page.keyboard.press("[")  # todo → triage
    expect(harness.card("t_triage01")).to_have_attribute("data-status", "triage")
    statuses = [m["status"] for m in harness.sent(type_="move")]
    assert statuses == ["todo", "ready", "todo", "triage"]
    # arrows move the focus: right to the todo column, down within ready
    harness.card("t_ready001").focus()
    page.keyboard.press("ArrowDown")
    expect(harness.card("t_ready002")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(harness.card("t_child001")).to_be_focused()
    page.keyboard.press("Space")
    assert harness.trait("selected") == ["t_child001"]
    harness.card("t_ready001").focus()
    page.keyboard.press("Control+a")
    assert sorted(harness.trait("selected")) == ["t_child001", "t_ready001", "t_ready002", "t_ready003"]
    page.keyboard.press("Control+a")
    assert harness.trait("selected") == ["t_child001"]
    harness.card("t_child001").focus()
    page.keyboard.press("Enter")
    expect(harness.root().locator('[data-drawer="t_child001"]')).to_be_visible()
    page.keyboard.press("Escape")
    expect(harness.root().locator("[data-drawer]")).to_have_count(0)
    expect(harness.card("t_child001")).to_be_focused()


def test_done_blocked_archived_ask_first(harness):
    harness.boot()
    page = harness.page
    root = harness.root()
    dialog = root.locator("[data-dialog]")

    # done: Escape cancels, nothing is sent
    mouse_drag(page, harness.card("t_ready001"), harness.column("done"))
    expect(dialog).to_have_attribute("data-dialog", "done")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert harness.card_status("t_ready001") == "ready"
    assert harness.sent(type_="move") == []

    # done with a result
    mouse_drag(page, harness.card("t_ready001"), harness.column("done"))
    dialog.locator("textarea[name=result]").fill("Shipped in v2")
    # Tab cycles inside the dialog: result → Cancel → confirm → result
    for _ in range(3):
        page.keyboard.press("Tab")
    expect(dialog.locator("textarea[name=result]")).to_be_focused()
    harness.shot("dialog_done")
    dialog.locator("[data-dialog-confirm]").click()
    expect(harness.card("t_ready001")).to_have_attribute("data-status", "done")
    assert harness.sent(type_="move")[-1] == {
        "type": "move", "id": harness.sent(type_="move")[-1]["id"], "task_id": "t_ready001",
        "status": "done", "result": "Shipped in v2",
    }

    # blocked from the keyboard, with a reason
    harness.card("t_parent01").focus()
    page.keyboard.press("]")  # running → blocked
    expect(dialog).to_have_attribute("data-dialog", "blocked")
    dialog.locator("textarea[name=reason]").fill("waiting for creds")
    dialog.locator("[data-dialog-confirm]").click()
    expect(harness.card("t_parent01")).to_have_attribute("data-status", "blocked")
    assert harness.sent(type_="move")[-1]["reason"] == "waiting for creds"

    # archived from the drawer: cancel with the button, then Escape leaves the drawer open
    harness.card("t_done0001").click()
    drawer = root.locator('[data-drawer="t_done0001"]')
    expect(drawer).to_be_visible()
    drawer.locator('[data-move-to="archived"]').click()
    expect(dialog).to_have_attribute("data-dialog", "archived")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(drawer).to_be_visible()
    drawer.locator('[data-move-to="archived"]').click()
    dialog.locator("[data-dialog-confirm]").click()
    # archived while archived is hidden: the card leaves the board
    expect(harness.card("t_done0001")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(root.locator("[data-drawer]")).to_have_count(0)
    assert page.errors == []


def test_drop_into_another_lane_reassigns(harness):
    harness.boot()
    root = harness.root()
    root.locator("[data-filter=lanes]").check()
    target = harness.column("ready").locator('[data-lane="alice"]')
    expect(target).to_be_visible()
    mouse_drag(harness.page, harness.card("t_ready002"), target)
    expect(harness.card("t_ready002")).to_contain_text("@alice")
    expect(harness.column("ready").locator('[data-lane="alice"] [data-task-id="t_ready002"]')).to_have_count(1)
    (upd,) = harness.sent(type_="update")
    assert upd["task_id"] == "t_ready002" and upd["fields"] == {"assignee": "alice"}
    assert harness.sent(type_="move") == []


def test_escape_cancels_a_drag(harness):
    harness.boot()
    page = harness.page
    drag_over(page, harness.card("t_ready001"), harness.column("running"), steps=10)
    expect(harness.column("running")).to_have_class("kb-column kb-st-running kb-drop-target")
    page.keyboard.press("Escape")
    page.mouse.up()
    expect(page.locator(".kb-drag-layer")).to_have_count(0)
    assert harness.card_status("t_ready001") == "ready"
    assert harness.sent(type_="move") == []
    expect(harness.column("running")).to_have_class("kb-column kb-st-running")

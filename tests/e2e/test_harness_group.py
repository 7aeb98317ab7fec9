"""Moving a selection as a group (drag and keyboard), and the drawer's focus handling."""

import re

import pytest
from playwright.sync_api import expect

from conftest import SAMPLE_LINKS, sample_tasks
from test_harness_moves import drag_over, mouse_drag

pytestmark = pytest.mark.browser

FOCUS_IN_DRAWER = "() => Boolean(document.activeElement && document.activeElement.closest('[data-drawer]'))"


def select(harness, *ids):
    for tid in ids:
        harness.card(tid).click(modifiers=["Control"])
    assert sorted(harness.trait("selected")) == sorted(ids)


def statuses(harness, *ids):
    return [harness.card_status(tid) for tid in ids]


def expect_in(harness, status, ids, **kw):
    for tid in ids:
        expect(harness.card(tid)).to_have_attribute("data-status", status, **kw)


def press_on(harness, task_id, key):
    """Focus a card and press `key` on it."""
    harness.card(task_id).focus()
    harness.page.keyboard.press(key)


def test_group_drag_moves_the_selection_and_snaps_back_the_refused_card(harness):
    harness.boot({"tasks": sample_tasks(), "links": SAMPLE_LINKS, "kernel": {"replyDelayMs": 400}})
    page, root = harness.page, harness.root()
    group = ("t_triage01", "t_child001", "t_block001")
    select(harness, *group)

    # the ghost carries the count; every carried card is dimmed where it stands
    drag_over(page, harness.card("t_triage01"), harness.column("ready"))
    expect(page.locator(".kb-drag-layer [data-drag-count]")).to_have_text("3")
    for tid in group:
        expect(harness.card(tid)).to_have_class(re.compile(r"\bkb-dragging\b"))
    harness.shot("group_drag")
    page.mouse.up()

    # optimistic: all three land at once, before the reply ...
    expect_in(harness, "ready", group, timeout=300)
    # ... in ONE bulk request
    (bulk,) = harness.sent(type_="bulk")
    assert {k: bulk[k] for k in ("type", "action", "value")} == {"type": "bulk", "action": "move", "value": "ready"}
    assert sorted(bulk["task_ids"]) == sorted(group)
    assert harness.sent(type_="move") == []

    # the fake store refuses t_child001 (its parent is running): it alone goes back to todo
    expect(harness.card("t_child001")).to_have_attribute("data-status", "todo")
    assert statuses(harness, "t_triage01", "t_block001") == ["ready", "ready"]
    report = root.locator("[data-bulk-report]")
    expect(report).to_contain_text("1 of 3 failed")
    expect(report.locator('[data-bulk-failure="t_child001"]')).to_contain_text("parent t_parent01 is still running")
    expect(report.locator("[data-bulk-failure]")).to_have_count(1)
    # the group stays selected, so it can be moved on together
    assert sorted(harness.trait("selected")) == sorted(group)
    harness.page.wait_for_function("() => window.__boards[0].kernel.tasks.get('t_block001').status === 'ready'")
    assert page.errors == []


def test_dragging_an_unselected_card_moves_only_that_card(harness):
    harness.boot()
    page = harness.page
    select(harness, "t_ready001", "t_ready002")
    drag_over(page, harness.card("t_triage01"), harness.column("todo"))
    expect(page.locator(".kb-drag-layer .kb-ghost")).to_have_count(1)
    expect(page.locator(".kb-drag-layer [data-drag-count]")).to_have_count(0)
    page.mouse.up()
    expect(harness.card("t_triage01")).to_have_attribute("data-status", "todo")
    assert [(m["task_id"], m["status"]) for m in harness.sent(type_="move")] == [("t_triage01", "todo")]
    assert harness.sent(type_="bulk") == []
    assert statuses(harness, "t_ready001", "t_ready002") == ["ready", "ready"]
    assert sorted(harness.trait("selected")) == ["t_ready001", "t_ready002"]


def test_group_move_to_done_asks_once(harness):
    harness.boot()
    page, root = harness.page, harness.root()
    group = ("t_ready001", "t_ready002", "t_ready003")
    select(harness, *group)
    dialog = root.locator("[data-dialog]")

    # Escape: nothing moves, nothing is sent
    mouse_drag(page, harness.card("t_ready002"), harness.column("done"))
    expect(dialog).to_have_count(1)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert statuses(harness, *group) == ["ready"] * 3
    assert harness.sent(type_="bulk") == [] and harness.sent(type_="move") == []

    # one dialog for the whole group
    mouse_drag(page, harness.card("t_ready002"), harness.column("done"))
    expect(dialog).to_have_count(1)
    expect(dialog).to_have_attribute("data-dialog", "done")
    expect(dialog).to_contain_text("Mark 3 tasks as done?")
    dialog.locator("[data-dialog-confirm]").click()
    expect(dialog).to_have_count(0)
    expect_in(harness, "done", group)
    (bulk,) = harness.sent(type_="bulk")
    assert (bulk["action"], bulk["value"], sorted(bulk["task_ids"])) == ("move", "done", sorted(group))
    assert harness.sent(type_="move") == []
    expect(root.locator("[data-bulk-report]")).to_contain_text("Bulk move: 3 done")
    assert page.errors == []


def test_keyboard_moves_the_selection_as_a_group(harness):
    harness.boot()
    page, root = harness.page, harness.root()
    group = ("t_ready001", "t_ready003")
    for tid in group:
        press_on(harness, tid, "Space")
    assert sorted(harness.trait("selected")) == list(group)

    press_on(harness, "t_ready001", "Shift+ArrowRight")  # ready → running, both cards
    expect_in(harness, "running", group)
    expect(harness.card("t_ready001")).to_be_focused()
    assert harness.card_status("t_ready002") == "ready"

    # again: running → blocked asks once, focused on its confirm button; Enter confirms
    page.keyboard.press("Shift+ArrowRight")
    dialog = root.locator('[data-dialog="blocked"]')
    expect(dialog).to_contain_text("Mark 2 tasks as blocked?")
    expect(dialog.locator("[data-dialog-confirm]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    expect_in(harness, "blocked", group)
    expect(harness.card("t_ready001")).to_be_focused()

    # Shift+← brings the group back one column
    page.keyboard.press("Shift+ArrowLeft")
    expect_in(harness, "running", group)
    bulk = harness.sent(type_="bulk")
    assert [(m["value"], tuple(sorted(m["task_ids"]))) for m in bulk] == [
        ("running", group), ("blocked", group), ("running", group),
    ]
    assert harness.sent(type_="move") == []

    # an unselected card still moves alone
    press_on(harness, "t_triage01", "Shift+ArrowRight")
    expect(harness.card("t_triage01")).to_have_attribute("data-status", "todo")
    assert [m["task_id"] for m in harness.sent(type_="move")] == ["t_triage01"]
    assert page.errors == []


def test_drawer_keeps_tab_focus_and_returns_it_to_its_card(harness):
    harness.boot()
    page, root = harness.page, harness.root()
    press_on(harness, "t_triage01", "Enter")
    drawer = root.locator('[data-drawer="t_triage01"]')
    expect(drawer).to_be_visible()
    expect(drawer).to_be_focused()
    expect(drawer.locator("[data-comment-input]")).to_be_visible()

    # Tab cycles through the drawer's controls and never reaches the board behind it
    seen = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_IN_DRAWER)
        seen.add(page.evaluate("() => document.activeElement.outerHTML.slice(0, 80)"))
    assert len(seen) > 10
    drawer.locator("[data-drawer-close]").focus()
    page.keyboard.press("Shift+Tab")  # from the first control back round to the last
    assert page.evaluate(FOCUS_IN_DRAWER)
    expect(drawer.locator("[data-drawer-close]")).not_to_be_focused()

    # even from the board (a click elsewhere), Tab goes back into the open drawer
    root.locator("[data-filter=search]").focus()
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUS_IN_DRAWER)

    page.keyboard.press("Escape")
    expect(root.locator("[data-drawer]")).to_have_count(0)
    expect(harness.card("t_triage01")).to_be_focused()


def test_drawer_returns_focus_to_the_card_that_opened_it_after_following_a_link(harness):
    harness.boot()
    page, root = harness.page, harness.root()
    harness.card("t_child001").click()
    expect(root.locator('[data-drawer="t_child001"]')).to_be_focused()
    root.locator('[data-drawer] [data-link-id="t_parent01"] button').first.click()
    expect(root.locator('[data-drawer="t_parent01"]')).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUS_IN_DRAWER)
    root.locator("[data-drawer-close]").click()
    expect(root.locator("[data-drawer]")).to_have_count(0)
    expect(harness.card("t_child001")).to_be_focused()
    assert page.errors == []

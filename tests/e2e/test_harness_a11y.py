"""Accessibility: axe-core finds no serious or critical violation on the board's root in any
state (board, lanes, bulk bar, create form, drawer, each confirm dialog, dark theme), and the
keyboard path works end to end with a visible focus.

axe-core is the npm devDependency in js/ (`npm ci` installs it); its axe.min.js is injected
into the harness page. Moderate and minor findings (best practices such as "every region is a
landmark") are printed, not failed on; a role not allowed on its element fails at any impact.
"""

import pytest
from playwright.sync_api import expect

from conftest import REPO, sample_tasks

pytestmark = pytest.mark.browser

AXE = REPO / "js" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
# Failed on at any impact: a role its element may not take (axe calls <aside role=dialog> minor).
ALWAYS_FAIL = {"aria-allowed-role"}

RUN_AXE = """async (root) => {
  const result = await axe.run(root, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
    count: v.nodes.length,
  }));
}"""


def axe_check(harness, state: str) -> None:
    """Run axe on board 0's root; fail on any serious or critical violation, naming `state`."""
    page = harness.page
    assert AXE.exists(), f"{AXE} is missing: run `npm ci` in js/ (axe-core is a devDependency)"
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    violations = harness.root().evaluate(RUN_AXE)
    blocking = [v for v in violations if v["impact"] in BLOCKING or v["id"] in ALWAYS_FAIL]
    for v in violations:
        if v not in blocking:
            print(f"[axe {state}] {v['impact']}: {v['id']} ({v['count']} nodes)")
    assert blocking == [], f"axe, {state}: " + "\n".join(
        f"{v['impact']} {v['id']} ({v['count']} nodes): {v['help']}\n  " + "\n  ".join(v["nodes"])
        for v in blocking
    )


def test_axe_board_lanes_bulk_bar_and_create_form(harness):
    harness.boot()
    root = harness.root()
    axe_check(harness, "board")

    root.locator("[data-filter=lanes]").check()
    expect(root.locator("[data-lane]").first).to_be_visible()
    axe_check(harness, "lanes on")
    root.locator("[data-filter=lanes]").uncheck()

    harness.card("t_ready001").click(modifiers=["Control"])
    harness.card("t_ready002").click(modifiers=["Control"])
    bar = root.locator("[data-bulk-bar]")
    expect(bar.locator("[data-selected-count]")).to_have_text("2 selected")
    axe_check(harness, "bulk bar")
    bar.locator("input[data-bulk=priority]").fill("2")
    bar.locator('[data-bulk-apply="priority"]').click()
    expect(bar.locator("[data-bulk-report]")).to_be_visible()
    axe_check(harness, "bulk report")

    harness.column("todo").locator("[data-create-toggle]").click()
    expect(root.locator("[data-create-form] input[name=title]")).to_be_focused()
    axe_check(harness, "create form")
    root.locator("[data-create-form] button[type=submit]").click()  # empty title: an error shows
    expect(root.locator("[data-create-form] .kb-form-error")).to_be_visible()
    axe_check(harness, "create form with an error")
    assert harness.page.errors == []


def test_axe_drawer_and_each_confirm_dialog(harness):
    harness.boot()
    page, root = harness.page, harness.root()
    dialog = root.locator("[data-dialog]")

    harness.card("t_parent01").click()
    drawer = root.locator('[data-drawer="t_parent01"]')
    expect(drawer.locator("[data-links] [data-link-id]").first).to_be_visible()  # details loaded
    axe_check(harness, "drawer")

    for status in ("done", "blocked", "archived"):
        drawer.locator(f'[data-move-to="{status}"]').click()
        expect(dialog).to_have_attribute("data-dialog", status)
        axe_check(harness, f"{status} dialog over the drawer")
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
    page.keyboard.press("Escape")
    expect(drawer).to_have_count(0)

    # a group confirmation (no text field) from the bulk bar
    harness.card("t_ready001").click(modifiers=["Control"])
    harness.card("t_ready002").click(modifiers=["Control"])
    root.locator('[data-bulk-apply="archive"]').click()
    expect(dialog).to_have_attribute("data-dialog", "archived")
    axe_check(harness, "archive dialog for two cards")
    assert page.errors == []


def test_axe_dark_theme(harness):
    harness.boot()
    harness.page.evaluate("document.body.dataset.jpThemeLight = 'false'")
    axe_check(harness, "dark board")
    harness.card("t_done0001").click()
    expect(harness.root().locator("[data-drawer] [data-comments]")).to_be_visible()
    axe_check(harness, "dark drawer")


def focus_ring(locator) -> dict:
    return locator.evaluate(
        "el => { const s = getComputedStyle(el); return {visible: el.matches(':focus-visible'),"
        " style: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"
    )


def test_keyboard_path_with_visible_focus(harness):
    """Tab to a card, Shift+arrow it along, confirm, open and close the drawer: keys only."""
    harness.boot()
    page, root = harness.page, harness.root()
    root.locator("[data-filter=search]").focus()
    for _ in range(40):  # Tab through the toolbar and the first column's header
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('[data-task-id]')"):
            break
    first = root.locator("[data-column=triage] [data-task-id]").first
    expect(first).to_be_focused()
    ring = focus_ring(first)
    assert ring["visible"] and ring["style"] != "none" and ring["width"] >= 2, ring

    task_id = first.get_attribute("data-task-id")
    card = harness.card(task_id)
    page.keyboard.press("Shift+ArrowRight")  # triage → todo
    expect(card).to_have_attribute("data-status", "todo")
    expect(card).to_be_focused()
    page.keyboard.press("Shift+ArrowRight")  # todo → ready
    expect(card).to_have_attribute("data-status", "ready")

    page.keyboard.press("Shift+ArrowRight")  # ready → running
    expect(card).to_have_attribute("data-status", "running")

    # into blocked: the confirmation takes the focus; Ctrl+Enter confirms with the reason
    page.keyboard.press("Shift+ArrowRight")
    dialog = root.locator("[data-dialog]")
    expect(dialog.locator("textarea[name=reason]")).to_be_focused()
    page.keyboard.type("Waiting for a key")
    page.keyboard.press("Control+Enter")
    expect(dialog).to_have_count(0)
    expect(card).to_have_attribute("data-status", "blocked")
    expect(card).to_be_focused()
    assert harness.sent(type_="move")[-1]["reason"] == "Waiting for a key"

    # into done: Tab to the confirm button (the focus ring shows), Enter presses it
    page.keyboard.press("Shift+ArrowRight")
    expect(dialog).to_have_attribute("data-dialog", "done")
    axe_check(harness, "done dialog from the keyboard")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    confirm = dialog.locator("[data-dialog-confirm]")
    expect(confirm).to_be_focused()
    assert focus_ring(confirm)["style"] != "none"
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    expect(card).to_have_attribute("data-status", "done")
    expect(card).to_be_focused()

    # Enter opens the drawer with the focus inside; Tab stays inside; Escape gives it back
    page.keyboard.press("Enter")
    drawer = root.locator(f'[data-drawer="{task_id}"]')
    expect(drawer).to_be_focused()
    for _ in range(5):
        page.keyboard.press("Tab")
        assert drawer.evaluate("el => el.contains(document.activeElement)")
    ring = focus_ring(page.locator(":focus"))
    assert ring["style"] != "none" and ring["width"] >= 1, ring
    page.keyboard.press("Escape")
    expect(drawer).to_have_count(0)
    expect(card).to_be_focused()
    assert focus_ring(card)["visible"]
    assert page.errors == []


def test_axe_read_only_board_with_an_error_and_archived_shown(harness):
    harness.boot({"tasks": sample_tasks(), "kernel": {"readOnly": True, "hasDispatcher": True,
                                                      "error": "sync thread stopped: database is locked"}})
    root = harness.root()
    expect(root.locator("[data-kanban-error]")).to_be_visible()
    root.locator("[data-filter=show_archived]").check()
    expect(harness.column("archived")).to_be_visible()
    axe_check(harness, "read-only board with the error banner")
    harness.card("t_done0001").click()
    expect(root.locator("[data-drawer] [data-comments]")).to_be_visible()
    axe_check(harness, "read-only drawer")

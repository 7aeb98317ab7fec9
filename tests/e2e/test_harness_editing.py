"""Inline create, multi-select and bulk actions, filters and lanes, the drawer, dispatch."""

import pytest
from playwright.sync_api import expect

from conftest import SAMPLE_LINKS, sample_tasks

pytestmark = pytest.mark.browser


def test_inline_create_enter_submits_escape_cancels(harness):
    harness.boot()
    page, root = harness.page, harness.root()
    col = harness.column("ready")
    col.locator("[data-create-toggle]").click()
    form = col.locator("[data-create-form]")
    expect(form.locator("input[name=title]")).to_be_focused()
    page.keyboard.type("Throwaway")
    page.keyboard.press("Escape")
    expect(form).to_have_count(0)
    assert harness.sent(type_="create") == []

    col.locator("[data-create-toggle]").click()
    form.locator("input[name=title]").fill("Write the release notes")
    form.locator("input[name=assignee]").fill("erin")
    form.locator("input[name=priority]").fill("2")
    form.locator("input[name=title]").press("Enter")
    expect(form).to_have_count(0)
    (msg,) = harness.sent(type_="create")
    assert {k: msg[k] for k in ("title", "column", "assignee", "priority")} == {
        "title": "Write the release notes", "column": "ready", "assignee": "erin", "priority": 2,
    }
    new = root.locator('[data-task-id="t_new0001"]')
    expect(new).to_have_attribute("data-status", "ready")
    expect(new).to_contain_text("Write the release notes")
    expect(new).to_contain_text("↑2")

    # in triage, with a parent: the fake store makes it a triage task linked to its parent
    tri = harness.column("triage")
    tri.locator("[data-create-toggle]").click()
    tri.locator("input[name=title]").fill("Sub idea")
    tri.locator("input[name=parent]").fill("t_parent01")
    tri.locator("button[type=submit]").click()
    expect(root.locator('[data-task-id="t_new0002"]')).to_have_attribute("data-status", "triage")
    assert harness.sent(type_="create")[-1]["parent"] == "t_parent01"

    # an error keeps the form open and says why
    tri.locator("[data-create-toggle]").click()
    tri.locator("input[name=title]").fill("Orphan")
    tri.locator("input[name=parent]").fill("t_nope")
    tri.locator("input[name=title]").press("Enter")
    expect(tri.locator(".kb-form-error")).to_contain_text("t_nope does not exist")
    assert page.errors == []


def test_multi_select_and_bulk_with_partial_failure(harness):
    harness.boot({"tasks": sample_tasks(), "links": SAMPLE_LINKS})
    page, root = harness.page, harness.root()
    mod = "Control"
    harness.card("t_ready001").click(modifiers=[mod])
    harness.card("t_child001").click(modifiers=[mod])
    expect(root.locator("[data-selected-count]")).to_have_text("2 selected")
    assert sorted(harness.trait("selected")) == ["t_child001", "t_ready001"]
    # ctrl-click again toggles off
    harness.card("t_child001").click(modifiers=[mod])
    assert harness.trait("selected") == ["t_ready001"]
    # shift-click selects the range within the column
    harness.card("t_ready003").click(modifiers=["Shift"])
    assert sorted(harness.trait("selected")) == ["t_ready001", "t_ready002", "t_ready003"]
    # select-all of a column adds the todo card
    harness.column("todo").locator("[data-select-all]").click()
    assert sorted(harness.trait("selected")) == ["t_child001", "t_ready001", "t_ready002", "t_ready003"]
    # the selection went to Python
    assert sorted(harness.saved()[-1]["selected"]) == ["t_child001", "t_ready001", "t_ready002", "t_ready003"]

    bar = root.locator("[data-bulk-bar]")
    # move everything to ready: t_child001 is refused (its parent is running), the rest stay ready
    bar.locator("select[data-bulk=status]").select_option("running")
    bar.locator('[data-bulk-apply="move"]').click()
    report = bar.locator("[data-bulk-report]")
    expect(report).to_contain_text("Bulk move: 4 done")
    for tid in ("t_ready001", "t_ready002", "t_ready003", "t_child001"):
        expect(harness.card(tid)).to_have_attribute("data-status", "running")

    for tid in ("t_ready001", "t_child001"):
        harness.card(tid).click(modifiers=[mod])
    bar.locator("select[data-bulk=status]").select_option("ready")
    bar.locator('[data-bulk-apply="move"]').click()
    expect(report).to_contain_text("1 of 2 failed")
    expect(report.locator('[data-bulk-failure="t_child001"]')).to_contain_text("parent t_parent01 is still running")
    expect(harness.card("t_ready001")).to_have_attribute("data-status", "ready")
    expect(harness.card("t_child001")).to_have_attribute("data-status", "running")
    # the failed card stays selected for another try
    assert harness.trait("selected") == ["t_child001"]
    harness.shot("bulk_partial_failure")

    # assign and priority (a fully successful bulk action clears the selection)
    bar.locator("input[data-bulk=assignee]").fill("zoe")
    bar.locator('[data-bulk-apply="assign"]').click()
    expect(harness.card("t_child001")).to_contain_text("@zoe")
    expect(report).to_contain_text("Bulk assign: 1 done")
    assert harness.trait("selected") == []
    harness.card("t_child001").click(modifiers=[mod])
    bar.locator("input[data-bulk=priority]").fill("4")
    bar.locator('[data-bulk-apply="priority"]').click()
    expect(harness.card("t_child001")).to_contain_text("↑4")

    # archive asks first
    harness.card("t_ready001").click(modifiers=[mod])
    harness.card("t_child001").click(modifiers=[mod])
    expect(root.locator("[data-selected-count]")).to_have_text("2 selected")
    bar.locator('[data-bulk-apply="archive"]').click()
    dialog = root.locator('[data-dialog="archived"]')
    expect(dialog).to_contain_text("Archive 2 tasks?")
    dialog.locator("[data-dialog-confirm]").click()
    expect(harness.card("t_ready001")).to_have_count(0)
    expect(harness.card("t_child001")).to_have_count(0)
    bulk = harness.sent(type_="bulk")
    assert [m["action"] for m in bulk] == ["move", "move", "assign", "priority", "archive"]
    assert page.errors == []


def test_filters_are_synced_traits(harness):
    harness.boot()
    page, root = harness.page, harness.root()
    cards = root.locator("[data-task-id]")
    expect(cards).to_have_count(9)

    search = root.locator("[data-filter=search]")
    search.press_sequentially("ready", delay=20)
    expect(cards).to_have_count(3)
    # typing is debounced: one save for the whole word
    page.wait_for_function("() => window.__boards[0].model.saved.some(s => s.search === 'ready')")
    assert [s["search"] for s in harness.saved() if "search" in s] == ["ready"]
    expect(harness.column("ready").locator("[data-column-count]")).to_have_text("3")
    expect(harness.column("done").locator("[data-column-count]")).to_have_text("0")
    search.fill("")
    expect(cards).to_have_count(9)

    root.locator("[data-filter=tenant]").select_option("globex")
    expect(cards).to_have_count(1)
    assert harness.trait("tenant") == "globex"
    root.locator("[data-filter=tenant]").select_option("")

    root.locator("[data-filter=assignee]").select_option("(unassigned)")
    expect(cards).to_have_count(2)  # t_ready002, t_triage01
    root.locator("[data-filter=assignee]").select_option("bob")
    expect(cards).to_have_count(2)
    root.locator("[data-filter=assignee]").select_option("")

    # Python sets a filter: the UI follows
    harness.py_update("search", "stuck")
    expect(cards).to_have_count(1)
    expect(root.locator("[data-filter=search]")).to_have_value("stuck")
    harness.py_update("search", "")

    # lanes: one row per assignee across every column
    root.locator("[data-filter=lanes]").check()
    assert harness.trait("lanes") is True
    lanes = harness.column("ready").locator("[data-lane]")
    expect(lanes).to_have_count(6)  # alice bob carol dave erin (unassigned)
    expect(harness.column("ready").locator('[data-lane="alice"] [data-task-id]')).to_have_count(1)
    expect(harness.column("done").locator('[data-lane="(unassigned)"]')).to_have_count(1)
    harness.shot("lanes")
    root.locator("[data-filter=lanes]").uncheck()

    # show archived: Python re-snapshots with the archived column
    harness.kernel("(k.tasks.get('t_done0001').status = 'archived', k.pushBoard(), true)")
    expect(harness.card("t_done0001")).to_have_count(0)
    root.locator("[data-filter=show_archived]").check()
    expect(harness.column("archived")).to_be_visible()
    expect(harness.column("archived").locator('[data-task-id="t_done0001"]')).to_have_count(1)
    root.locator("[data-filter=show_archived]").uncheck()
    expect(harness.column("archived")).to_have_count(0)
    assert page.errors == []


def test_drawer_edit_comment_links(harness):
    harness.boot({"tasks": sample_tasks(), "links": SAMPLE_LINKS})
    page, root = harness.page, harness.root()
    harness.card("t_child001").click()
    drawer = root.locator('[data-drawer="t_child001"]')
    expect(drawer).to_be_visible()
    expect(drawer.locator("[data-links]")).to_contain_text("t_parent01")

    # title
    title = drawer.locator("[data-edit=title]")
    title.fill("Child one, renamed")
    title.press("Enter")
    expect(harness.card("t_child001")).to_contain_text("Child one, renamed")
    # assignee + priority
    drawer.locator("[data-edit=assignee]").fill("")
    drawer.locator("[data-edit=priority]").fill("5")
    drawer.locator("[data-save=meta]").click()
    expect(harness.card("t_child001")).to_contain_text("unassigned")
    expect(harness.card("t_child001")).to_contain_text("↑5")
    upd = harness.sent(type_="update")
    assert upd[0]["fields"] == {"title": "Child one, renamed"}
    assert upd[1]["fields"] == {"assignee": None, "priority": 5}

    # body, rendered as markdown
    drawer.locator("[data-edit-body]").click()
    drawer.locator("[data-edit=body]").fill("# Plan\n\n- **first** step\n- see [docs](https://example.org/docs)")
    drawer.locator("[data-save=body]").click()
    body = drawer.locator(".kb-body")
    expect(body.locator("h1")).to_have_text("Plan")
    expect(body.locator("strong")).to_have_text("first")
    link = body.locator("a")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_attribute("target", "_blank")

    # comment: Enter sends; the drawer refreshes when the patch touches the task
    box = drawer.locator("[data-comment-input]")
    box.fill("Looks *good*")
    box.press("Enter")
    expect(drawer.locator("[data-comment]")).to_have_count(1)
    expect(drawer.locator("[data-comment] em")).to_have_text("good")
    expect(harness.card("t_child001").locator('.kb-meta-count[title="1 comments"]')).to_have_count(1)

    # a link that would make a cycle is refused with the store's message
    drawer.locator("[data-link-input]").fill("t_parent01")
    drawer.locator("[data-add-child]").click()
    expect(drawer.locator("[data-drawer-error]")).to_contain_text("would create a cycle")
    # add and remove a child
    drawer.locator("[data-link-input]").fill("t_triage01")
    drawer.locator("[data-add-child]").click()
    expect(drawer.locator('[data-link-id="t_triage01"]')).to_be_visible()
    expect(drawer.locator("[data-drawer-error]")).to_have_count(0)
    drawer.locator('[data-unlink="t_triage01"]').click()
    expect(drawer.locator('[data-link-id="t_triage01"]')).to_have_count(0)

    # history, newest first
    kinds = drawer.locator("[data-event]").evaluate_all("els => els.map(e => e.dataset.event)")
    assert kinds[:2] == ["commented", "edited"]

    # a change made elsewhere (another process) refreshes the open drawer
    harness.kernel("(k.tasks.get('t_child001').title = 'Renamed by an agent', k.publish(['t_child001']), true)")
    expect(drawer.locator("[data-edit=title]")).to_have_value("Renamed by an agent")
    harness.shot("drawer")

    # status actions from the drawer
    drawer.locator('[data-move-to="triage"]').click()
    expect(harness.card("t_child001")).to_have_attribute("data-status", "triage")
    expect(drawer.locator("[data-drawer-status]")).to_have_text("Triage")
    page.keyboard.press("Escape")
    expect(root.locator("[data-drawer]")).to_have_count(0)
    assert page.errors == []


def test_dispatch_button(harness):
    harness.boot({"tasks": sample_tasks(), "links": SAMPLE_LINKS, "kernel": {"hasDispatcher": True}})
    root = harness.root()
    root.locator("[data-dispatch]").click()
    report = root.locator("[data-dispatch-report]")
    expect(report).to_contain_text("spawned 2")
    expect(report).to_contain_text("skipped unassigned 1")
    expect(harness.card("t_ready001")).to_have_attribute("data-status", "running")
    assert harness.sent(type_="dispatch")


def test_no_dispatch_button_without_dispatcher(harness):
    harness.boot()
    expect(harness.root().locator("[data-dispatch]")).to_have_count(0)

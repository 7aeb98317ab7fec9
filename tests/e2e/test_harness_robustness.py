"""Themes, isolation between boards, live patches and resync, failures, read-only, XSS, big boards."""

import pytest
from playwright.sync_api import expect

from conftest import NOW, SAMPLE_LINKS, sample_tasks
from test_harness_a11y import axe_check
from test_harness_moves import mouse_drag

pytestmark = pytest.mark.browser

XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><svg onload="window.__pwned=3"></svg>'
XSS_MD = (
    XSS
    + "\n\n[click me](javascript:window.__pwned=4) <a href=\"javascript:window.__pwned=5\">a</a>"
    + '\n\n<iframe src="javascript:window.__pwned=6"></iframe><details open ontoggle="window.__pwned=7">'
)


def luminance(rgb: str) -> float:
    nums = [float(x) for x in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    return sum(c * w for c, w in zip(nums, (0.2126, 0.7152, 0.0722))) / 255


def card_colors(harness, task_id="t_triage01"):
    return harness.card(task_id).evaluate(
        "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]"
    )


@pytest.mark.parametrize(
    "theme_js",
    [
        "document.body.dataset.jpThemeLight = 'false'",
        "document.body.dataset.vscodeThemeKind = 'vscode-dark'",
        "document.body.classList.add('dark')",
    ],
    ids=["jupyterlab", "vscode", "dark-class"],
)
def test_dark_themes(harness, theme_js):
    harness.boot()
    bg, fg = card_colors(harness)
    assert luminance(bg) > 0.8 and luminance(fg) < 0.3, (bg, fg)
    harness.page.evaluate(theme_js)
    bg, fg = card_colors(harness)
    assert luminance(bg) < 0.3 and luminance(fg) > 0.7, (bg, fg)
    if "jp" in theme_js:
        harness.shot("dark_jupyterlab")


def test_host_variables_win_over_fallbacks(harness):
    harness.boot()
    harness.page.evaluate(
        "document.documentElement.style.setProperty('--jp-layout-color1', 'rgb(1, 2, 3)')"
    )
    assert card_colors(harness)[0] == "rgb(1, 2, 3)"


def test_prefers_color_scheme_dark(harness):
    harness.page.emulate_media(color_scheme="dark")
    harness.boot()
    bg, _ = card_colors(harness)
    assert luminance(bg) < 0.3, bg
    # JupyterLab says light: the host wins over the OS preference
    harness.page.evaluate("document.body.dataset.jpThemeLight = 'true'")
    bg, _ = card_colors(harness)
    assert luminance(bg) > 0.8, bg


def test_two_boards_do_not_interfere(harness):
    tasks_b = [dict(t, title=f"B: {t['title']}") for t in sample_tasks()]
    harness.boot(
        {"tasks": sample_tasks(), "links": SAMPLE_LINKS},
        {"tasks": tasks_b, "links": SAMPLE_LINKS},
    )
    page = harness.page
    assert page.locator("[data-kanban-root]").count() == 2
    # a drag inside board 0 changes board 0 only
    mouse_drag(page, harness.card("t_triage01", 0), harness.column("todo", 0))
    expect(harness.card("t_triage01", 0)).to_have_attribute("data-status", "todo")
    assert harness.card_status("t_triage01", 1) == "triage"
    assert harness.sent(1) == []
    # a card of board 0 dropped on board 1 goes nowhere
    mouse_drag(page, harness.card("t_ready001", 0), harness.column("running", 1))
    page.wait_for_timeout(200)
    assert harness.card_status("t_ready001", 0) == "ready"
    assert harness.card_status("t_ready001", 1) == "ready"
    assert [m["task_id"] for m in harness.sent(0, "move")] == ["t_triage01"]
    assert harness.sent(1) == []
    # keyboard, selection, drawer and filters stay in their own board
    harness.card("t_ready002", 1).focus()
    page.keyboard.press("]")
    expect(harness.card("t_ready002", 1)).to_have_attribute("data-status", "running")
    assert harness.card_status("t_ready002", 0) == "ready"
    harness.card("t_block001", 0).click(modifiers=["Control"])
    assert harness.trait("selected", 0) == ["t_block001"] and harness.trait("selected", 1) == []
    harness.card("t_done0001", 1).click()
    expect(harness.root(1).locator("[data-drawer]")).to_be_visible()
    expect(harness.root(0).locator("[data-drawer]")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(harness.root(1).locator("[data-drawer]")).to_have_count(0)
    harness.root(0).locator("[data-filter=search]").fill("stuck")
    expect(harness.root(0).locator("[data-task-id]")).to_have_count(1)
    expect(harness.root(1).locator("[data-task-id]")).to_have_count(9)
    # a refusal shows in its own board's banner only
    harness.kernel("(k.failNext = {type: 'move', code: 'BoardBusy', error: 'board 1 is busy'}, true)", 1)
    harness.card("t_triage01", 1).focus()
    page.keyboard.press("]")
    expect(harness.root(1).locator("[data-kanban-error]")).to_contain_text("board 1 is busy")
    expect(harness.root(0).locator("[data-kanban-error]")).to_be_hidden()
    assert page.errors == []


def test_two_views_of_one_model_agree(harness):
    harness.boot()
    harness.page.evaluate("window.__addView(0)")
    views = harness.page.locator("#board-0 [data-kanban-root]")
    expect(views).to_have_count(2)
    second = views.nth(1)
    mouse_drag(harness.page, harness.card("t_triage01"), harness.column("todo"))
    expect(second.locator('[data-task-id="t_triage01"]')).to_have_attribute("data-status", "todo")
    # selection is a model trait: both views show it
    harness.card("t_ready001").click(modifiers=["Control"])
    expect(second.locator('[data-task-id="t_ready001"] .kb-card-check')).to_be_checked()


def test_live_patches_and_rev_gap_resync(harness):
    harness.boot()
    page = harness.page
    # another process moves a card: a patch arrives
    harness.kernel("(k.tasks.get('t_ready001').status = 'running', k.publish(['t_ready001']), true)")
    expect(harness.card("t_ready001")).to_have_attribute("data-status", "running")
    # a patch goes missing: the next one has a gap, the UI asks for a resync and catches up
    harness.kernel("(k.dropPatches = 1, k.tasks.get('t_ready002').status = 'blocked', k.publish(['t_ready002']), true)")
    page.wait_for_timeout(100)
    assert harness.card_status("t_ready002") == "ready"
    harness.kernel("(k.tasks.get('t_ready003').status = 'done', k.publish(['t_ready003']), true)")
    expect(harness.card("t_ready002")).to_have_attribute("data-status", "blocked")
    expect(harness.card("t_ready003")).to_have_attribute("data-status", "done")
    assert len(harness.sent(type_="resync")) == 1
    # a later patch still applies after the resync
    harness.kernel("(k.tasks.get('t_ready003').title = 'After resync', k.publish(['t_ready003']), true)")
    expect(harness.card("t_ready003")).to_contain_text("After resync")
    # removes: a card archived elsewhere leaves the board
    harness.kernel("(k.tasks.get('t_block001').status = 'archived', k.publish(['t_block001']), true)")
    expect(harness.card("t_block001")).to_have_count(0)
    assert page.errors == []


def test_persistent_error_and_read_only(harness):
    harness.boot({"tasks": sample_tasks(), "kernel": {"readOnly": True, "hasDispatcher": True,
                                                      "error": "sync thread stopped: database is locked"}})
    root = harness.root()
    expect(root.locator("[data-kanban-error]")).to_contain_text("database is locked")
    expect(root.locator("[data-read-only]").first).to_be_visible()
    expect(root.locator("[data-read-only]").first).to_contain_text("Read-only")
    expect(root.locator("[data-create-toggle]")).to_have_count(0)
    expect(root.locator("[data-drag-handle]")).to_have_count(0)
    expect(root.locator("[data-dispatch]")).to_be_disabled()
    mouse_drag(harness.page, harness.card("t_triage01"), harness.column("todo"))
    harness.card("t_triage01").focus()
    harness.page.keyboard.press("]")
    harness.page.wait_for_timeout(150)
    assert harness.card_status("t_triage01") == "triage"
    assert harness.sent(type_="move") == []
    harness.card("t_triage01").click()
    drawer = root.locator("[data-drawer]")
    expect(drawer).to_be_visible()
    expect(drawer.locator("[data-edit=title]")).to_be_disabled()
    expect(drawer.locator("[data-move-to]")).to_have_count(0)
    expect(drawer.locator("[data-comment-input]")).to_have_count(0)
    # the error clears when Python clears it
    harness.py_update("error", "")
    expect(root.locator("[data-kanban-error]")).to_be_hidden()


def test_render_error_shows_a_reload_button(harness):
    harness.boot({"tasks": [], "kernel": {}}, check_errors=False)
    page = harness.page
    # Python sends a snapshot the UI cannot draw
    harness.py_update("_board", {"rev": 9, "cards": "not a list"})
    crash = harness.root().locator("[data-kanban-crash]")
    expect(crash).to_be_visible()
    expect(crash).to_contain_text("could not be drawn")
    expect(crash).to_contain_text("no list of cards")
    harness.shot("render_error")
    # fixed on the Python side; the reload button brings the board back
    harness.page.evaluate("window.__boards[0].model.state._board = window.__boards[0].kernel.snapshot()")
    crash.locator("[data-reload]").click()
    expect(harness.root().locator('[data-column="ready"]')).to_be_visible()
    assert page.errors == []


def test_xss_payloads_stay_text(harness):
    tasks = [
        {"id": "t_xss00001", "title": XSS, "status": "ready", "assignee": XSS, "tenant": "<b>t</b>",
         "body": XSS_MD, "result": XSS_MD, "created_at": NOW - 100},
    ]
    comments = {"t_xss00001": [{"id": 1, "task_id": "t_xss00001", "author": XSS, "body": XSS_MD,
                                "created_at": NOW - 50}]}
    harness.boot({"tasks": tasks, "comments": comments})
    page, root = harness.page, harness.root()
    expect(harness.card("t_xss00001")).to_contain_text("<img src=x")
    harness.card("t_xss00001").click()
    drawer = root.locator("[data-drawer]")
    expect(drawer.locator("[data-comment]")).to_have_count(1)
    # add a hostile comment and a hostile title through the UI too
    drawer.locator("[data-comment-input]").fill(XSS_MD)
    drawer.locator("[data-comment-send]").click()
    expect(drawer.locator("[data-comment]")).to_have_count(2)
    drawer.locator("[data-edit=title]").fill(XSS)
    drawer.locator("[data-edit=title]").press("Enter")
    # click every link the sanitiser kept
    for link in drawer.locator(".kb-md a[href]").all():
        href = link.get_attribute("href")
        assert href.startswith(("http://", "https://", "mailto:")), href
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__pwned") is None
    dangerous = root.locator("img, script, svg:not(.kb-icon), iframe, details, [onerror], [onload], [ontoggle]")
    expect(dangerous).to_have_count(0)
    assert root.locator('a[href^="javascript"]').count() == 0
    harness.shot("xss")
    assert page.errors == []


HOSTILE_STATUS = "x kb-drawer kb-app"


def test_a_status_name_is_data_not_markup(harness):
    """A Hermes board may carry statuses we do not know; their names must not become classes."""
    tasks = [
        {"id": "t_evil0001", "title": "Hostile status", "status": HOSTILE_STATUS, "created_at": NOW - 100},
        {"id": "t_evil0002", "title": "Selected-looking", "status": "kb-card kb-selected kb-stale-red",
         "created_at": NOW - 100},
        {"id": "t_odd00001", "title": "Plain unknown", "status": "qa", "created_at": NOW - 100},
        {"id": "t_ready001", "title": "Known", "status": "ready", "created_at": NOW - 100},
    ]
    harness.boot({"tasks": tasks})
    page, root = harness.page, harness.root()
    evil = harness.column(HOSTILE_STATUS)
    expect(evil.locator(".kb-col-title")).to_have_text(HOSTILE_STATUS)  # the name shows, as text
    expect(evil).to_have_class("kb-column kb-st-other")
    expect(harness.column("kb-card kb-selected kb-stale-red")).to_have_class("kb-column kb-st-other")
    expect(evil.locator(".kb-dot")).to_have_class("kb-dot")
    # nothing took the drawer's or the app's styles: one app, no drawer, columns look alike
    expect(root.locator(".kb-app")).to_have_count(1)
    expect(root.locator(".kb-drawer")).to_have_count(0)
    style = "el => { const s = getComputedStyle(el); return [s.position, s.backgroundColor, s.zIndex]; }"
    assert evil.evaluate(style) == harness.column("qa").evaluate(style)
    dot = "el => getComputedStyle(el.querySelector('.kb-dot')).backgroundColor"
    assert evil.evaluate(dot) == harness.column("qa").evaluate(dot)
    card = harness.card("t_evil0002")
    assert card.get_attribute("class") == "kb-card"  # not selected, not stale
    assert card.get_attribute("data-status") == "kb-card kb-selected kb-stale-red"  # attribute value: inert

    # the drawer's status badge: neutral class, the raw name as text
    harness.card("t_evil0001").click()
    badge = root.locator("[data-drawer-status]")
    expect(badge).to_have_text(HOSTILE_STATUS)
    expect(badge).to_have_class("kb-badge kb-status kb-st-other")
    expect(root.locator(".kb-drawer")).to_have_count(1)
    page.keyboard.press("Escape")
    axe_check(harness, "unknown statuses")
    assert page.errors == []


def test_ten_thousand_cards_render_in_pages(harness):
    timings = harness.boot({"generate": 10_000})
    root = harness.root()
    n_dom = root.locator("[data-task-id]").count()
    assert 0 < n_dom <= 8 * 50, n_dom
    counts = root.locator("[data-column-count]").evaluate_all("els => els.map(e => +e.textContent)")
    assert sum(counts) == 10_000
    more = harness.column("done").locator("[data-show-more]")
    expect(more).to_contain_text("Show 50 more")
    before = harness.column("done").locator("[data-task-id]").count()
    more.click()
    expect(harness.column("done").locator("[data-task-id]")).to_have_count(before + 50)
    # a move on the big board is still quick and correct
    first = harness.column("ready").locator("[data-task-id]").first
    tid = first.get_attribute("data-task-id")
    first.focus()
    harness.page.keyboard.press("]")
    expect(harness.card(tid)).to_have_attribute("data-status", "running")
    print(f"first render of 10,000 cards: {timings['renderMs'][0]:.0f} ms")
    assert harness.page.errors == []


def test_cleanup_drops_every_listener(harness):
    harness.boot()
    page = harness.page
    page.evaluate("window.__addView(0)")
    harness.card("t_ready001").click()  # a drawer open, timers running
    remaining = page.evaluate("window.__cleanupBoard(0)")
    assert remaining == 0
    assert page.locator("[data-kanban-root]").count() == 0
    assert page.locator(".kb-drag-layer").count() == 0
    page.wait_for_timeout(100)
    assert page.errors == []


def test_refresh_button_reloads_the_board(harness):
    harness.boot()
    # a change Python never published (as if a patch was lost with nothing after it)
    harness.kernel("(k.tasks.get('t_ready001').title = 'Changed quietly', k.rev += 1, true)")
    harness.root().locator("[data-refresh]").click()
    expect(harness.card("t_ready001")).to_contain_text("Changed quietly")
    assert len(harness.sent(type_="resync")) == 1

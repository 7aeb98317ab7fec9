"""The Graph view in a real browser against the REAL widget and store (the bridge of
test_harness_bridge.py): nodes and edges from the `graph` request, click selects, double-click
opens the drawer, a drag proposes a link the store makes, a cycle is refused with the store's
message, the keyboard reaches all of it, and "Show in graph" opens it around a task."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kanban_widget import KanbanBoard, Store
from test_harness_a11y import axe_check
from test_harness_bridge import TRAITS, Bridge

pytestmark = pytest.mark.browser

GRAPH = "#board-0 [data-kanban-graph]"


@pytest.fixture
def chain_board(tmp_path):
    """spec (running) → build → ship, docs and loose alone."""
    path = tmp_path / "kanban.db"
    with Store(path) as store:
        spec = store.create_task("Write the spec", assignee="ann")
        build = store.create_task("Build it", parents=[spec], assignee="bo")
        ship = store.create_task("Ship it", parents=[build])
        docs = store.create_task("Write docs")
        loose = store.create_task("Loose task")
        store.move_task(spec, "running")
    widget = KanbanBoard(path)
    try:
        yield widget, {"spec": spec, "build": build, "ship": ship, "docs": docs, "loose": loose}
    finally:
        widget.close()


def boot(harness, widget):
    state = widget.get_state()
    harness.boot({"bridge": True, "traits": {k: state[k] for k in TRAITS}})
    return Bridge(harness.page, widget)


def node(harness, task_id):
    return harness.page.locator(f'{GRAPH} [data-task-id="{task_id}"]')


def drag(page, source, target, steps=10):
    a, b = source.bounding_box(), target.bounding_box()
    sx, sy = a["x"] + a["width"] / 2, a["y"] + a["height"] / 2
    tx, ty = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
    page.mouse.move(sx, sy)
    page.mouse.down()
    for i in range(1, steps + 1):
        page.mouse.move(sx + (tx - sx) * i / steps, sy + (ty - sy) * i / steps)
    page.mouse.up()


def open_graph(harness, bridge, expected_nodes):
    harness.root().locator("[data-view-graph]").check()
    bridge.until(f"() => document.querySelectorAll('{GRAPH} [data-task-id]').length === {expected_nodes}")


def test_graph_view_draws_selects_opens_and_links(harness, chain_board):
    w, ids = chain_board
    page = harness.page
    bridge = boot(harness, w)
    open_graph(harness, bridge, 5)  # nothing selected: the whole board
    expect(page.locator("#board-0 .kb-board-wrap")).to_be_hidden()

    # left to right by dependency depth; blocking edges are marked; each node says who and what
    xs = {k: node(harness, ids[k]).bounding_box()["x"] for k in ("spec", "build", "ship")}
    assert xs["spec"] < xs["build"] < xs["ship"], xs
    edge = page.locator(f'{GRAPH} [data-edge="{ids["spec"]}>{ids["build"]}"]')
    expect(edge).to_have_attribute("data-blocking", "true")
    spec_node = node(harness, ids["spec"])
    expect(spec_node).to_have_attribute("data-status", "running")
    for text in (ids["spec"], "Write the spec", "@ann", "In progress"):
        expect(spec_node).to_contain_text(text)

    # click selects (the board's shared selection, up to Python); the critical path shows
    node(harness, ids["ship"]).click()
    bridge.until("id => JSON.stringify(window.__boards[0].model.get('selected')) === JSON.stringify([id])",
                 arg=ids["ship"])
    bridge.until(f"() => !!document.querySelector('{GRAPH} [data-graph-critical-total]')")
    assert w.selected == [ids["ship"]]
    expect(page.locator(f"{GRAPH} [data-graph-critical]")).to_contain_text("3 open tasks")
    expect(page.locator(f"{GRAPH} [data-on-path]")).to_have_count(3)
    expect(node(harness, ids["docs"])).not_to_have_attribute("data-on-path", "")
    axe_check(harness, "graph view with a critical path")

    # Ctrl-click adds to the selection
    node(harness, ids["docs"]).click(modifiers=["Control"])
    bridge.until("() => window.__boards[0].model.get('selected').length === 2")
    assert sorted(w.selected) == sorted([ids["ship"], ids["docs"]])

    # double-click opens the drawer, with the real task
    node(harness, ids["build"]).dblclick()
    drawer = page.locator(f'#board-0 [data-drawer="{ids["build"]}"]')
    bridge.until("() => !!document.querySelector('#board-0 [data-drawer] [data-edit=title]')")
    expect(drawer.locator("[data-edit=title]")).to_have_value("Build it")
    drawer.locator("[data-drawer-close]").click()
    expect(drawer).to_have_count(0)

    # dragging from docs to ship proposes a link; the store makes it; the graph follows
    drag(page, node(harness, ids["docs"]), node(harness, ids["ship"]))
    proposal = page.locator(f"{GRAPH} [data-graph-proposal]")
    expect(proposal).to_contain_text(f"Make {ids['ship']} depend on {ids['docs']}")
    axe_check(harness, "graph view proposing a link")
    proposal.locator("[data-graph-link-confirm]").click()
    bridge.until(f"() => !!document.querySelector('{GRAPH} [data-edge=\"{ids['docs']}>{ids['ship']}\"]')")
    assert ids["docs"] in w.store.parents_of(ids["ship"])

    # a drag that would close a cycle is refused with the store's message; nothing changes
    drag(page, node(harness, ids["ship"]), node(harness, ids["spec"]))
    page.locator(f"{GRAPH} [data-graph-link-confirm]").click()
    bridge.until(f"() => !!document.querySelector('{GRAPH} [data-graph-error]')")
    expect(page.locator(f"{GRAPH} [data-graph-error]")).to_contain_text("would create a cycle")
    assert w.store.parents_of(ids["spec"]) == []

    # a drag cancelled before confirming writes nothing
    drag(page, node(harness, ids["loose"]), node(harness, ids["docs"]))
    page.locator(f"{GRAPH} [data-graph-link-cancel]").click()
    expect(page.locator(f"{GRAPH} [data-graph-proposal]")).to_have_count(0)
    bridge.pump()
    assert w.store.parents_of(ids["docs"]) == []

    harness.shot("graph_view")
    # the board's filters dim what they would hide, and keep the chains whole
    harness.root().locator("[data-filter=search]").fill("Write docs")
    bridge.until("() => window.__boards[0].model.get('search') === 'Write docs'", timeout=15)
    expect(node(harness, ids["spec"])).to_have_class(re.compile(r"\bkb-graph-dim\b"))
    expect(node(harness, ids["docs"])).not_to_have_class(re.compile(r"\bkb-graph-dim\b"))
    expect(page.locator(f"{GRAPH} [data-task-id]")).to_have_count(5)
    harness.root().locator("[data-filter=search]").fill("")

    # back to the board
    harness.root().locator("[data-view-graph]").uncheck()
    expect(page.locator(GRAPH)).to_have_count(0)
    expect(harness.card(ids["spec"])).to_be_visible()
    assert page.errors == [] and page.console_errors == [], (page.errors, page.console_errors)


def test_graph_view_by_keyboard_and_show_in_graph(harness, chain_board):
    w, ids = chain_board
    page = harness.page
    bridge = boot(harness, w)

    # "Show in graph" from a card's drawer: around that task, which is selected
    harness.card(ids["build"]).click()
    bridge.until("() => !!document.querySelector('#board-0 [data-drawer] [data-edit=title]')")
    page.locator("#board-0 [data-drawer] [data-show-in-graph]").click()
    bridge.until(f"() => document.querySelectorAll('{GRAPH} [data-task-id]').length === 3")
    expect(page.locator(f"{GRAPH} [data-graph-scope]")).to_contain_text(f"Around {ids['build']}")
    bridge.until("() => window.__boards[0].model.get('selected').length === 1")
    assert w.selected == [ids["build"]]
    page.locator("#board-0 [data-drawer-close]").click()

    # wider and narrower neighbourhoods
    depth = page.locator(f"{GRAPH} [data-graph-depth]")
    depth.select_option("all")
    bridge.until(f"() => document.querySelectorAll('{GRAPH} [data-task-id]').length === 3")
    page.locator(f"{GRAPH} [data-graph-overview]").click()
    bridge.until(f"() => document.querySelectorAll('{GRAPH} [data-task-id]').length === 5")
    page.locator(f"{GRAPH} [data-graph-focus]").click()
    bridge.until(f"() => document.querySelectorAll('{GRAPH} [data-task-id]').length === 3")

    # zoom buttons and dragging the background change the view's transform
    layer = page.locator(f"{GRAPH} svg > g")
    before = layer.get_attribute("transform")
    page.locator(f"{GRAPH} [data-graph-zoom-in]").click()
    expect(layer).not_to_have_attribute("transform", before)
    zoomed = layer.get_attribute("transform")
    canvas = page.locator(f"{GRAPH} [data-graph-canvas]").bounding_box()
    page.mouse.move(canvas["x"] + 15, canvas["y"] + canvas["height"] - 15)
    page.mouse.down()
    page.mouse.move(canvas["x"] + 115, canvas["y"] + canvas["height"] - 65, steps=5)
    page.mouse.up()
    expect(layer).not_to_have_attribute("transform", zoomed)
    bridge.pump()
    assert w.store.parents_of(ids["spec"]) == []  # a pan is no link
    page.locator(f"{GRAPH} [data-graph-fit]").click()

    # Tab reaches one node (a roving tabindex); arrows follow the links
    first = node(harness, ids["build"])
    first.focus()
    expect(first).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(node(harness, ids["ship"])).to_be_focused()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(node(harness, ids["spec"])).to_be_focused()
    # Space selects, Enter opens the drawer, Escape closes it and the focus comes back
    page.keyboard.press("Space")
    bridge.until("id => window.__boards[0].model.get('selected').includes(id)", arg=ids["spec"])
    page.keyboard.press("Enter")
    bridge.until("() => !!document.querySelector('#board-0 [data-drawer] [data-edit=title]')")
    # (the drawer takes the focus after its first paint; a person's Escape comes later)
    page.wait_for_function("() => !!document.activeElement.closest('#board-0 [data-drawer]')")
    page.keyboard.press("Escape")
    expect(page.locator("#board-0 [data-drawer]")).to_have_count(0)
    expect(node(harness, ids["spec"])).to_be_focused()

    # L on a parent, L on the child: the proposal takes the focus; Enter links
    page.keyboard.press("ArrowRight")   # build
    page.keyboard.press("ArrowRight")   # ship
    expect(node(harness, ids["ship"])).to_be_focused()
    page.keyboard.press("l")
    expect(page.locator(f"{GRAPH} [data-graph-hint]")).to_contain_text(f"Linking from {ids['ship']}")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")     # spec
    page.keyboard.press("l")
    confirm = page.locator(f"{GRAPH} [data-graph-link-confirm]")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    bridge.until(f"() => !!document.querySelector('{GRAPH} [data-graph-error]')")
    expect(page.locator(f"{GRAPH} [data-graph-error]")).to_contain_text("would create a cycle")
    assert page.errors == [] and page.console_errors == [], (page.errors, page.console_errors)

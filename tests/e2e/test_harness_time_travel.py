"""Time travel in the browser, against the REAL widget and store (the bridge of
``test_harness_bridge.py``): the History button, the banner, the scrubber's keys, playback and
back to live, with the live board hidden (and its write controls out of reach) meanwhile."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

import test_harness_bridge
from kanban_widget import KanbanBoard, Store, time_travel
from kanban_widget.store import history
from test_harness_a11y import axe_check
from test_harness_bridge import Bridge

pytestmark = pytest.mark.browser

T0 = 1_780_000_000
TRAITS = test_harness_bridge.TRAITS + ("time", "_time_view")


@pytest.fixture
def history_board(tmp_path):
    """Three tasks created a minute apart, then the first one done a minute later."""
    path = tmp_path / "kanban.db"
    now = [T0]
    with Store(path, clock=lambda: now[0]) as store:
        first = store.create_task("First")
        now[0] += 60
        store.create_task("Second")
        now[0] += 60
        store.create_task("Third")
        now[0] += 60
        store.complete_task(first)
    widget = KanbanBoard(path)
    try:
        yield widget, first
    finally:
        widget.close()


def past_count(page, status):
    return page.evaluate(
        "s => Number(document.querySelector(`#board-0 [data-past-column='${s}'] "
        "[data-past-count]`)?.textContent)", status)


def test_scrub_step_play_and_back_to_live(harness, history_board, monkeypatch):
    monkeypatch.setattr(test_harness_bridge, "TRAITS", TRAITS)
    widget, first = history_board
    state = widget.get_state()
    harness.boot({"bridge": True, "traits": {k: state[k] for k in TRAITS if k in state}})
    page, root = harness.page, harness.root()
    bridge = Bridge(page, widget)
    expect(harness.card(first)).to_be_visible()

    root.locator("[data-time-open]").click()          # opens at the present moment
    bridge.until("() => !!document.querySelector('#board-0 [data-past-board]')")
    expect(root.locator("[data-time-banner]")).to_contain_text("viewing")
    expect(root.locator("[data-time-banner]")).to_contain_text("read-only")
    expect(root.locator(".kb-app")).to_be_hidden()    # no drag, no create, no drawer
    assert past_count(page, "done") == 1
    bars = root.locator("[data-time-density] > span")
    assert bars.count() > 10
    axe_check(harness, "time travel")

    scrubber = root.locator("[data-time-range]")
    scrubber.focus()
    page.keyboard.press("Home")                       # the first event: only First exists
    bridge.until(f"() => window.__boards[0].model.get('_time_view')?.as_of === {T0}")
    expect(root.locator("[data-time-label]")).to_have_text("2026-05-28 20:26:40 UTC")
    assert [past_count(page, s) for s in ("ready", "done")] == [1, 0]
    changes = root.locator("[data-time-changes]")
    changes.locator("summary").click()
    expect(changes).to_contain_text("3 cards changed column since then")
    expect(changes.locator(f"[data-change='{first}']")).to_contain_text("ready → done")
    scrubber.focus()
    page.keyboard.press("Shift+ArrowRight")           # event by event: Second is created
    bridge.until(f"() => window.__boards[0].model.get('_time_view')?.as_of === {T0 + 60}")
    assert past_count(page, "ready") == 2
    page.keyboard.press("Shift+ArrowLeft")
    bridge.until(f"() => window.__boards[0].model.get('_time_view')?.as_of === {T0}")
    assert widget.time == T0                          # the page's scrubber set the trait
    page.keyboard.press("End")                        # First moves to done: it glides there
    bridge.until(f"() => window.__boards[0].model.get('_time_view')?.as_of === {T0 + 180}")
    assert page.evaluate(
        "id => document.querySelector(`#board-0 [data-past-card='${id}']`).getAnimations().length",
        first) == 1
    page.keyboard.press("Home")
    bridge.until(f"() => window.__boards[0].model.get('_time_view')?.as_of === {T0}")

    # Playback at a minute per second runs to the end of the history, then stops.
    root.locator("[data-time-speed]").select_option("60")
    root.locator("[data-time-play]").click()
    bridge.until(f"() => window.__boards[0].model.get('_time_view')?.as_of === {T0 + 180}",
                 timeout=20)
    expect(root.locator("[data-time-play]")).to_have_text("Play")
    assert [past_count(page, s) for s in ("ready", "done")] == [2, 1]

    root.locator("[data-time-live]").click()
    bridge.until("() => !document.querySelector('#board-0 [data-past-board]')")
    assert widget.time is None
    expect(root.locator(".kb-app")).to_be_visible()
    expect(harness.card(first)).to_have_attribute("data-status", "done")


def test_time_set_from_python_shows_the_past_on_the_page(harness, history_board, monkeypatch):
    monkeypatch.setattr(test_harness_bridge, "TRAITS", TRAITS)
    widget, _ = history_board
    state = widget.get_state()
    harness.boot({"bridge": True, "traits": {k: state[k] for k in TRAITS if k in state}})
    bridge = Bridge(harness.page, widget)
    widget.time = T0 + 60
    bridge.until("() => !!document.querySelector('#board-0 [data-past-board]')")
    assert past_count(harness.page, "ready") == 2
    assert past_count(harness.page, "done") == 0


def test_a_long_history_shows_its_build_then_the_past_board(harness, history_board,
                                                           monkeypatch):
    """Over ``QUICK_BUILD_EVENTS`` events Python replays the log in the background: the page
    shows which step it is at (held at "links" here), then the board at that moment."""
    monkeypatch.setattr(test_harness_bridge, "TRAITS", TRAITS)
    monkeypatch.setattr(history, "QUICK_BUILD_EVENTS", 0)
    release = threading.Event()
    real_prepare = history.prepare_history

    def held_at_links(store, reader, progress):
        def hold(phase, done, of):
            progress(phase, done, of)
            if phase == "links":
                release.wait(20)
        real_prepare(store, reader, hold)

    monkeypatch.setattr(time_travel, "prepare_history", held_at_links)
    widget, first = history_board
    state = widget.get_state()
    harness.boot({"bridge": True, "traits": {k: state[k] for k in TRAITS if k in state}})
    root = harness.root()
    bridge = Bridge(harness.page, widget)
    expect(harness.card(first)).to_be_visible()
    root.locator("[data-time-open]").click()
    bridge.until("() => /links \\(step 5 of 8\\)/.test("
                 "document.querySelector('#board-0 [data-time-building]')?.textContent)")
    expect(root.locator("[data-time-building] progress")).to_have_attribute("value", "4")
    expect(root.locator("[data-past-board]")).to_have_count(0)
    expect(root.locator(".kb-app")).to_be_hidden()     # read-only from the first moment
    release.set()
    bridge.until("() => !!document.querySelector('#board-0 [data-past-board]')")
    expect(root.locator("[data-time-building]")).to_have_count(0)
    assert past_count(harness.page, "done") == 1

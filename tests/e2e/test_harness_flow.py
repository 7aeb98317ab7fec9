"""The column header's WIP limit (n / limit, over-limit highlight, the edit field) and the card
age tint against the column's own history, in a real browser, with axe on the header."""

import subprocess
import sys

import pytest
from playwright.sync_api import expect

import test_harness_bridge
from conftest import HOUR, NOW
from kanban_widget import KanbanBoard, Store
from test_harness_a11y import axe_check
from test_harness_bridge import Bridge

pytestmark = pytest.mark.browser


def running(task_id, hours):
    return {"id": task_id, "title": f"Running {hours} h", "status": "running",
            "created_at": NOW - 100 * HOUR, "status_since": NOW - hours * HOUR}


def test_wip_header_and_age_tint(harness):
    tasks = [running("t_new00001", 1), running("t_mid00001", 5), running("t_old00001", 30),
             {"id": "t_ready001", "title": "Ready", "status": "ready", "created_at": NOW - 60}]
    harness.boot({"tasks": tasks, "traits": {"wip_limits": {"running": 2},
                                             "age_bands": {"running": [4 * HOUR, 24 * HOUR]}}})
    root = harness.root()
    # The tint: below p50 neutral, p50..p85 amber, past p85 red, and the label says why.
    assert [harness.card(t).get_attribute("data-stale")
            for t in ("t_new00001", "t_mid00001", "t_old00001")] == [None, "amber", "red"]
    assert "longer in In progress than 85 % of past spells" in harness.card(
        "t_old00001").get_attribute("aria-label")
    assert harness.card("t_ready001").get_attribute("data-stale") is None  # no band: neutral
    # The header: 3 cards over a limit of 2, said in words to a screen reader.
    wip = harness.column("running").locator("[data-wip]")
    expect(wip).to_have_attribute("data-wip", "over")
    assert wip.inner_text().strip().startswith("3 / 2")
    assert wip.locator(".kb-sr-only").inner_text() == (
        "3 cards in In progress, over its WIP limit of 2")
    red = wip.evaluate("el => getComputedStyle(el).color")
    assert red != harness.column("ready").locator("[data-column-count]").evaluate(
        "el => getComputedStyle(el).color")
    axe_check(harness, "a column over its WIP limit")
    harness.shot("flow_wip_and_tint")
    # Set a limit from the header with the keyboard: the trait is saved for Python to store.
    harness.column("running").locator("[data-wip-edit]").click()
    field = harness.column("running").locator("[data-wip-input]")
    expect(field).to_be_focused()
    field.fill("5")
    field.press("Enter")
    expect(wip).to_have_attribute("data-wip", "within")
    assert wip.locator("[aria-hidden]").inner_text() == "3 / 5"
    assert harness.trait("wip_limits") == {"running": 5}
    assert {"running": 5} in [s.get("wip_limits") for s in harness.saved()]
    # A limit set by another process arrives as the trait from Python.
    harness.py_update("wip_limits", {"running": 5, "ready": 0})
    expect(harness.column("ready").locator("[data-wip]")).to_have_attribute("data-wip", "over")
    assert root.locator("[data-wip-edit]").count() >= 2
    assert harness.page.errors == []


def test_read_only_board_shows_limits_without_the_control(harness):
    harness.boot({"tasks": [running("t_a0000001", 1)], "kernel": {"readOnly": True},
                  "traits": {"wip_limits": {"running": 4}}})
    expect(harness.column("running").locator("[data-wip]")).to_have_attribute("data-wip", "within")
    assert harness.root().locator("[data-wip-edit]").count() == 0


def test_real_widget_bands_and_limits(harness, tmp_path, monkeypatch):
    """The real KanbanBoard over a real file: bands computed by its thread tint the cards, a
    limit set by another process (the CLI) reaches the header, one set on the page the file."""
    path = tmp_path / "kanban.db"
    t0 = NOW - 30 * 86400
    clock = [t0]
    with Store(path, clock=lambda: clock[0]) as store:
        # 20 finished ready spells of 60 s … 1200 s: ready's p50 is 600 s, its p85 1020 s.
        for i in range(1, 21):
            task = store.create_task(f"Done quickly {i}", assignee="ann")
            clock[0] = t0 + 60 * i
            store.move_task(task, "running")
            clock[0] = t0
        old = store.create_task("Waiting a month", assignee="bo")
    with Store(path) as store:
        fresh = store.create_task("Just arrived", assignee="bo")
    monkeypatch.setattr(test_harness_bridge, "TRAITS",
                        test_harness_bridge.TRAITS + ("wip_limits", "age_bands"))
    w = KanbanBoard(path)
    try:
        state = w.get_state()
        harness.boot({"bridge": True,
                      "traits": {k: state[k] for k in test_harness_bridge.TRAITS}})
        bridge = Bridge(harness.page, w)
        bridge.until("id => document.querySelector(`#board-0 [data-task-id='${id}']`)"
                     ".dataset.stale === 'red'", timeout=30, arg=old)
        assert harness.card(fresh).get_attribute("data-stale") is None
        assert "longer in Ready than 85 % of past spells" in harness.card(old).get_attribute(
            "aria-label")
        assert harness.card(old).locator(".kb-age").get_attribute("title").endswith(
            "longer in Ready than 85 % of past spells")

        done = subprocess.run([sys.executable, "-m", "kanban_widget.cli", "--db", str(path),
                               "wip", "running", "3"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        bridge.until("() => document.querySelector('#board-0 [data-column=running] [data-wip]')"
                     "?.dataset.wip === 'over'", timeout=30)
        assert harness.column("running").locator("[data-wip] [aria-hidden]").inner_text() == "20 / 3"

        harness.column("ready").locator("[data-wip-edit]").click()
        harness.column("ready").locator("[data-wip-input]").fill("1")
        harness.column("ready").locator("[data-wip-input]").press("Enter")
        bridge.until("() => document.querySelector('#board-0 [data-column=ready] [data-wip]')"
                     "?.dataset.wip === 'over'")
        bridge.pump()
        with Store(path, read_only=True) as other:
            assert other.wip_limits() == {"running": 3, "ready": 1}
        assert harness.page.errors == []
    finally:
        w.close()

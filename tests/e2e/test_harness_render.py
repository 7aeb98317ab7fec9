"""The board renders from `_board`: columns, counts, cards and their badges."""

import pytest

from conftest import NOW

pytestmark = pytest.mark.browser


def test_columns_in_order_with_counts(harness):
    harness.boot()
    root = harness.root()
    columns = root.locator("[data-column]").evaluate_all("els => els.map(e => e.dataset.column)")
    # scheduled and review are empty, so hidden; archived only when shown
    assert columns == ["triage", "todo", "ready", "running", "blocked", "done"]
    counts = {
        c: harness.column(c).locator("[data-column-count]").inner_text() for c in columns
    }
    assert counts == {"triage": "1", "todo": "1", "ready": "3", "running": "1", "blocked": "1", "done": "2"}
    harness.shot("render_light")
    assert harness.page.errors == []


def test_card_badges_and_staleness(harness):
    tasks = [
        {"id": "t_full0001", "title": "All children done", "status": "ready", "priority": 2,
         "tenant": "acme", "assignee": "ann", "created_at": NOW - 7200, "status_since": NOW - 60},
        {"id": "t_kid00001", "title": "Kid", "status": "done", "created_at": NOW - 7000},
        {"id": "t_odd00001", "title": "Odd status", "status": "qa", "created_at": NOW - 100},
        {"id": "t_rev00001", "title": "In review", "status": "review", "created_at": NOW - 100},
        {"id": "t_run00001", "title": "Running 20 min", "status": "running", "created_at": NOW - 99999,
         "status_since": NOW - 1200, "assignee": "bo"},
    ]
    comments = {"t_full0001": [{"id": 1, "task_id": "t_full0001", "author": "a", "body": "hi",
                                "created_at": NOW - 10}]}
    harness.boot({"tasks": tasks, "links": [["t_full0001", "t_kid00001"]], "comments": comments,
                  "traits": {"age_bands": {"running": [600, 3600], "ready": [600, 3600]}}})
    root = harness.root()
    columns = root.locator("[data-column]").evaluate_all("els => els.map(e => e.dataset.column)")
    # review shows because it has a card; scheduled stays hidden; the unknown status gets a column
    assert columns == ["triage", "todo", "ready", "running", "blocked", "review", "done", "qa"]
    card = harness.card("t_full0001")
    # priority reads higher-first (not "P2", which Jira/Linear users read as fairly urgent)
    prio = card.locator(".kb-prio")
    assert prio.inner_text() == "↑2"
    assert prio.get_attribute("title") == "Priority 2 (higher numbers come first)"
    assert "priority 2" in card.get_attribute("aria-label")
    assert card.locator(".kb-tenant").inner_text() == "acme"
    pill = card.locator("[data-progress]")
    assert pill.inner_text() == "1/1"
    assert "kb-progress-full" in pill.get_attribute("class")
    assert "@ann" in card.inner_text() and "↔ 1" in card.inner_text()
    comments = card.locator('.kb-meta-count[title="1 comments"]')
    assert comments.inner_text().strip() == "1" and comments.locator("svg.kb-icon").count() == 1
    assert card.locator(".kb-age").inner_text() == "2h"
    assert "unassigned" in harness.card("t_kid00001").inner_text()
    assert harness.card("t_kid00001").locator(".kb-prio").count() == 0
    assert harness.card("t_run00001").get_attribute("data-stale") == "amber"
    assert harness.card("t_full0001").get_attribute("data-stale") is None

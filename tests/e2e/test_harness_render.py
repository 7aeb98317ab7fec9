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

"""End to end in real JupyterLab: an Altair chart linked to the board, both ways.

A click on a point of the cycle-time scatter selects that card on the board; a card selected on
the board (Ctrl+click) is drawn highlighted in the chart. A real server and kernel, anywidget's
and Altair's front ends, Debian's Chromium, no internet (the chart bundles Vega offline).
"""

from pathlib import Path

import pytest

from kanban_widget import KanbanBoard, analytics
from kanban_widget.demo import build_demo
from labserver import LabServer

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CELLS = [
    "from kanban_widget import KanbanBoard, analytics\n"
    "board = KanbanBoard('kanban.db')\n"
    "board",
    "chart = analytics.linked_chart(board, 'cycle_time', offline=True)\n"
    "chart",
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    build_demo(root / "kanban.db", tasks=40, seed=3)
    with LabServer(root) as server:
        yield server


def _finished(board_path: Path) -> list:
    """The scatter's points, slowest first: the slowest sit apart at the top of the chart."""
    widget = KanbanBoard(board_path, live=False)
    try:
        records = analytics.chart_records(widget, "cycle_time")
    finally:
        widget.close()
    return sorted(records, key=lambda r: -r["cycle_days"])


def _point(page, task_id: str):
    # Vega's SVG gives each point an aria-label listing its fields, the task id among them.
    return page.locator(f'.jp-OutputArea-output .mark-symbol path[aria-label*="{task_id}"]')


def test_chart_and_board_select_each_other(lab, page):
    name = lab.write_notebook("linked.ipynb", CELLS)
    lab.open_notebook(page, name, len(CELLS))
    root = page.locator(".jp-OutputArea-output [data-kanban-root]").first
    root.wait_for(state="visible", timeout=30_000)
    # The points whose cards the page shows (a column shows its first page of cards; the rest
    # are behind "show more"), slowest first.
    shown = set(root.locator("[data-task-id]").evaluate_all("els => els.map(e => e.dataset.taskId)"))
    records = [r for r in _finished(lab.root / "kanban.db") if r["task_id"] in shown]
    assert len(records) >= 2
    slowest, second = records[0]["task_id"], records[1]["task_id"]
    _point(page, slowest).wait_for(timeout=60_000)
    assert page.errors == [], page.errors

    # Chart → board: click the slowest task's point; its card is selected on the page.
    _point(page, slowest).click()
    root.locator(f'[data-task-id="{slowest}"].kb-selected').wait_for(timeout=15_000)
    assert root.locator("[data-selected-count]").inner_text().startswith("1 ")

    # Board → chart: Ctrl+click another card; both points are drawn highlighted (outlined).
    card = root.locator(f'[data-task-id="{second}"]')
    card.scroll_into_view_if_needed()
    card.click(modifiers=["Control"])
    root.locator(f'[data-task-id="{second}"].kb-selected').wait_for(timeout=15_000)
    page.wait_for_function(
        "id => { const p = document.querySelector("
        "`.jp-OutputArea-output .mark-symbol path[aria-label*=\"${id}\"]`);"
        " return p && p.getAttribute('stroke') === '#000000'; }", arg=second, timeout=15_000)
    assert _point(page, slowest).get_attribute("stroke") == "#000000"
    assert _point(page, records[-1]["task_id"]).get_attribute("stroke") in (None, "none", "")
    _point(page, slowest).scroll_into_view_if_needed()
    page.screenshot(path=str(Path(__file__).parent / "shots" / "lab_linked_chart.png"))
    assert page.errors == [], page.errors

"""The Graph view end to end in real JupyterLab: a real kernel answers the `graph` request,
a click selects (Python's `board.selected` sees it), the critical path shows, and a drag from
one node to another links the tasks in the board file."""

from pathlib import Path

import pytest

from kanban_widget import Store
from labserver import LabServer
from test_harness_graph import drag

pytestmark = [pytest.mark.browser, pytest.mark.lab]

GRAPH = ".jp-OutputArea-output [data-kanban-graph]"


def test_graph_view_in_jupyterlab(page, tmp_path):
    board = tmp_path / "kanban.db"
    with Store(board) as store:
        spec = store.create_task("Write the spec", assignee="ann")
        build = store.create_task("Build it", parents=[spec])
        docs = store.create_task("Write docs")
        store.move_task(spec, "running")
    with LabServer(tmp_path) as lab:
        lab.write_notebook("graph.ipynb", [
            "from kanban_widget import KanbanBoard",
            f"board = KanbanBoard({str(board)!r})\nboard",
            "print('selected:', board.selected)",
        ])
        lab.open_notebook(page, "graph.ipynb", 3)
        root = page.locator(".jp-OutputArea-output [data-kanban-root]").first
        root.wait_for(state="visible", timeout=30_000)
        root.locator("[data-view-graph]").check()
        node = lambda task_id: page.locator(f'{GRAPH} [data-task-id="{task_id}"]')  # noqa: E731
        for task_id in (spec, build, docs):
            node(task_id).wait_for(timeout=30_000)
        edge = page.locator(f'{GRAPH} [data-edge="{spec}>{build}"]')
        assert edge.get_attribute("data-blocking") == "true"

        # a click selects, and the kernel's critical path to that task shows
        node(build).click()
        page.locator(f"{GRAPH} [data-graph-critical-total]").wait_for(timeout=30_000)
        assert page.locator(f"{GRAPH} [data-on-path]").count() == 2
        lab.run_cell(page, 2)
        printed = page.locator(".jp-CodeCell").nth(2).locator(".jp-OutputArea-output")
        assert f"selected: ['{build}']" in printed.inner_text()

        # a drag from docs to build, confirmed, links them in the file
        drag(page, node(docs), node(build))
        page.locator(f"{GRAPH} [data-graph-link-confirm]").click()
        page.locator(f'{GRAPH} [data-edge="{docs}>{build}"]').wait_for(timeout=30_000)
        with Store(board, read_only=True) as store:
            assert set(store.parents_of(build)) == {spec, docs}
        page.screenshot(path=str(Path(__file__).parent / "shots" / "lab_graph.png"))
        assert page.errors == [], page.errors

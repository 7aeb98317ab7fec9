"""The ``graph`` request: the real widget and store answer the page's Graph view."""

from __future__ import annotations

import pytest

from kanban_widget import Store


@pytest.fixture
def chain(store_path):
    """spec → build → ship, and docs alone; spec is running, so both links block."""
    with Store(store_path) as store:
        spec = store.create_task("Write the spec", assignee="alice")
        build = store.create_task("Build it", parents=[spec])
        ship = store.create_task("Ship it", parents=[build])
        docs = store.create_task("Docs")
        store.move_task(spec, "running")
        store.move_task(docs, "archived")
    return store_path, spec, build, ship, docs


def test_a_neighbourhood_with_both_ends_status(chain, make_board):
    path, spec, build, ship, _ = chain
    board, wire = make_board(path, live=False)
    reply = wire.request("graph", roots=[spec], depth=1)
    assert reply["ok"], reply
    result = reply["result"]
    assert {n["id"] for n in result["nodes"]} == {spec, build}
    assert result["edges"] == [{"parent": spec, "child": build, "parent_status": "running",
                                "child_status": "todo", "blocking": True}]
    assert result["roots"] == [spec] and result["truncated"] is False
    assert "critical" not in result


def test_the_overview_leaves_archived_tasks_out_unless_asked(chain, make_board):
    path, spec, build, ship, docs = chain
    board, wire = make_board(path, live=False)
    ids = {n["id"] for n in wire.request("graph")["result"]["nodes"]}
    assert ids == {spec, build, ship}
    ids = {n["id"] for n in wire.request("graph", archived=True)["result"]["nodes"]}
    assert ids == {spec, build, ship, docs}
    small = wire.request("graph", limit=2)["result"]
    assert small["truncated"] is True and small["nodes"] == []  # the 3-task component is whole or out


def test_the_critical_path_is_drawn_whole(chain, make_board):
    path, spec, build, ship, _ = chain
    board, wire = make_board(path, live=False)
    # depth 0 shows ship alone; its critical path brings build and spec into the graph
    result = wire.request("graph", roots=[ship], depth=0, critical=ship)["result"]
    critical = result["critical"]
    assert critical["path"] == [spec, build, ship]
    assert critical["task_id"] == ship
    assert set(critical["remaining"]) == {spec, build, ship}
    assert critical["total"] == sum(critical["remaining"].values())
    assert {n["id"] for n in result["nodes"]} == {spec, build, ship}
    assert len(result["edges"]) == 2


@pytest.mark.parametrize("fields, message", [
    ({"roots": "t_x"}, "roots' must be an array"),
    ({"roots": [3]}, "roots[0] must be a non-empty string"),
    ({"roots": ["x" * 65]}, "roots[0] is 65 characters"),
    ({"depth": -1}, "depth is -1"),
    ({"limit": 0}, "limit is 0"),
    ({"limit": 2001}, "limit is 2001"),
    ({"archived": "yes"}, "archived' must be a boolean"),
])
def test_bad_graph_requests_are_refused_by_name(chain, make_board, fields, message):
    board, wire = make_board(chain[0], live=False)
    reply = wire.request("graph", **fields)
    assert not reply["ok"] and reply["code"] == "BadMessage"
    assert message in reply["error"], reply["error"]


def test_unknown_tasks_get_the_store_s_error(chain, make_board):
    board, wire = make_board(chain[0], live=False)
    reply = wire.request("graph", roots=["t_nope"])
    assert (reply["ok"], reply["code"]) == (False, "ValidationError")
    assert "t_nope" in reply["error"]
    reply = wire.request("graph", critical="t_nope")
    assert (reply["ok"], reply["code"]) == (False, "TaskNotFound")


def test_the_page_knows_the_graph_limits():
    """js/src/protocol.js's GRAPH_LIMITS mirror protocol.py's, and the page asks within them."""
    import re
    from pathlib import Path

    from kanban_widget import graph_view, protocol

    js = Path(__file__).resolve().parents[1] / "js" / "src"
    body = re.search(r"GRAPH_LIMITS = Object\.freeze\(\{(.*?)\}\)",
                     (js / "protocol.js").read_text()).group(1)
    limits = {k: int(v.replace("_", "")) for k, v in re.findall(r"(\w+): ([\d_]+)", body)}
    assert limits == {"roots": protocol.MAX_GRAPH_ROOTS, "depth": protocol.MAX_GRAPH_DEPTH,
                      "nodes": protocol.MAX_GRAPH_NODES}
    page_limit = re.search(r"GRAPH_NODE_LIMIT = (\d+);",
                           (js / "graph" / "GraphView.js").read_text()).group(1)
    assert int(page_limit) == graph_view.DEFAULT_LIMIT <= protocol.MAX_GRAPH_NODES

"""``Store.graph()``: the dependency graph, whole or around some roots, with both ends' status."""

from __future__ import annotations

import networkx as nx
import pytest

from kanban_widget.store import Store, ValidationError


@pytest.fixture
def board(fresh_store):
    """a → b → c ← d (one component), e alone, f → g, and h archived under f's child g.

    a is done, so a → b does not block; every other parent is open.
    """
    s = fresh_store
    ids = {}
    ids["a"] = s.create_task("A", assignee="ann")
    ids["b"] = s.create_task("B", parents=[ids["a"]])
    ids["d"] = s.create_task("D")
    ids["c"] = s.create_task("C", parents=[ids["b"], ids["d"]], assignee="bo")
    ids["e"] = s.create_task("E")
    ids["f"] = s.create_task("F")
    ids["g"] = s.create_task("G", parents=[ids["f"]])
    ids["h"] = s.create_task("H", parents=[ids["g"]])
    s.move_task(ids["a"], "done")
    s.move_task(ids["h"], "archived")
    return s, ids


def names(graph, ids):
    back = {v: k for k, v in ids.items()}
    return sorted(back[n] for n in graph.nodes)


def edges(graph, ids):
    back = {v: k for k, v in ids.items()}
    return [(back[e.parent], back[e.child], e.blocking) for e in graph.edges]


def test_the_whole_board(board):
    s, ids = board
    g = s.graph()
    assert names(g, ids) == list("abcdefgh")
    assert sorted(edges(g, ids)) == [("a", "b", False), ("b", "c", True), ("d", "c", True),
                                     ("f", "g", True), ("g", "h", True)]
    assert not g.truncated
    node = g.nodes[ids["c"]]
    assert (node.title, node.status, node.assignee) == ("C", "todo", "bo")
    ab = next(e for e in g.edges if e.child == ids["b"])
    assert (ab.parent_status, ab.child_status) == ("done", "ready")


def test_archived_tasks_can_be_left_out(board):
    s, ids = board
    g = s.graph(include_archived=False)
    assert "h" not in names(g, ids)
    assert ("g", "h", True) not in edges(g, ids)


@pytest.mark.parametrize("depth, expected", [
    (0, "c"), (1, "bcd"), (2, "abcd"), (None, "abcd"),
])
def test_the_neighbourhood_of_a_root_follows_links_both_ways(board, depth, expected):
    s, ids = board
    g = s.graph([ids["c"]], depth=depth)
    assert names(g, ids) == list(expected)
    assert not g.truncated
    # only links between kept tasks
    assert all(e.parent in g.nodes and e.child in g.nodes for e in g.edges)


def test_several_roots_and_an_isolated_task(board):
    s, ids = board
    g = s.graph([ids["e"], ids["f"]])
    assert names(g, ids) == list("efgh")


def test_a_limit_keeps_the_nearest_tasks_and_says_it_cut(board):
    s, ids = board
    g = s.graph([ids["a"]], limit=2)
    assert names(g, ids) == ["a", "b"]
    assert g.truncated
    # the whole board under a limit: whole components, the largest first, then what fits
    whole = s.graph(limit=5)
    assert names(whole, ids) == list("abcde")
    assert whole.truncated


def test_networkx_reads_it_as_documented(board):
    s, ids = board
    g = s.graph()
    G = nx.DiGraph()
    G.add_nodes_from(g.node_list())
    G.add_edges_from(g.edge_list())
    assert nx.ancestors(G, ids["c"]) == {ids["a"], ids["b"], ids["d"]}
    assert G.nodes[ids["a"]]["status"] == "done"
    assert G.edges[ids["b"], ids["c"]]["blocking"] is True
    assert G.number_of_nodes() == 8 and G.number_of_edges() == 5
    assert nx.is_directed_acyclic_graph(G)
    # edge_list alone is enough for networkx's constructor too
    assert nx.DiGraph(g.edge_list()).number_of_edges() == 5


def test_to_dict_is_the_wire_form(board):
    s, ids = board
    wire = s.graph([ids["b"]], depth=1).to_dict()
    assert {n["id"] for n in wire["nodes"]} == {ids["a"], ids["b"], ids["c"]}
    assert {(e["parent"], e["child"], e["blocking"]) for e in wire["edges"]} == {
        (ids["a"], ids["b"], False), (ids["b"], ids["c"], True)}
    assert wire["truncated"] is False


def test_bad_arguments_are_named(board):
    s, _ = board
    with pytest.raises(ValidationError, match="t_nope.*graph roots"):
        s.graph(["t_nope"])
    with pytest.raises(ValidationError, match="depth must be"):
        s.graph(depth=-1)
    with pytest.raises(ValidationError, match="limit must be"):
        s.graph(limit=0)


def test_an_empty_board(fresh_store):
    g = fresh_store.graph()
    assert (g.nodes, g.edges, g.truncated) == ({}, (), False)


def test_a_read_only_store_reads_the_graph(board, store_path):
    s, ids = board
    s.close()
    with Store(store_path, read_only=True) as ro:
        assert len(ro.graph().edges) == 5

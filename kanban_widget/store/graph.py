"""The dependency graph: tasks as nodes, parent → child links as edges, with both ends' status.

``dependency_graph(store)`` reads the whole board; with ``roots`` it reads only their
neighbourhood (every task within ``depth`` links of a root, following links either way; the
whole connected component when ``depth`` is None). ``limit`` caps the number of tasks, so a
page can ask for a 10,000-task board and still get a graph it can lay out.

The result is plain data and networkx-compatible without importing networkx::

    import networkx as nx
    g = store.graph(roots=["t_ab12"], depth=2)
    G = nx.DiGraph()
    G.add_nodes_from(g.node_list())      # (id, {"title", "status", "assignee"})
    G.add_edges_from(g.edge_list())      # (parent, child, {"parent_status", ..., "blocking"})

Standard library only, like the rest of ``store`` (no pandas here).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Iterable, Optional

from .errors import ValidationError
from .vocabulary import SATISFIED

#: The most root ids one call takes (SQLite binds them in chunks, but a page has no need for more).
MAX_ROOTS = 10_000


@dataclass(frozen=True)
class GraphNode:
    """One task in the graph."""

    id: str
    title: str
    status: str
    assignee: Optional[str]

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "status": self.status,
                "assignee": self.assignee}


@dataclass(frozen=True)
class GraphEdge:
    """One dependency: ``child`` waits for ``parent``. ``blocking`` while the parent is open
    (neither done nor archived), the store's rule for a child that may not be ready."""

    parent: str
    child: str
    parent_status: str
    child_status: str

    @property
    def blocking(self) -> bool:
        return self.parent_status not in SATISFIED

    def to_dict(self) -> dict:
        return {"parent": self.parent, "child": self.child, "parent_status": self.parent_status,
                "child_status": self.child_status, "blocking": self.blocking}


@dataclass(frozen=True)
class DependencyGraph:
    """The tasks and links read by :func:`dependency_graph`.

    ``nodes``: by id, in id order. ``edges``: every link between two of those nodes, sorted by
    (parent, child). ``truncated``: True when ``limit`` stopped the read before every task it
    would have reached was in (the nodes kept are the nearest to the roots).
    """

    nodes: dict
    edges: tuple
    truncated: bool = False

    def edge_list(self) -> list[tuple[str, str, dict]]:
        """``(parent, child, attributes)`` triples: ``networkx.DiGraph(g.edge_list())``."""
        return [(e.parent, e.child, {"parent_status": e.parent_status,
                                     "child_status": e.child_status, "blocking": e.blocking})
                for e in self.edges]

    def node_list(self) -> list[tuple[str, dict]]:
        """``(id, attributes)`` pairs for ``networkx.DiGraph.add_nodes_from``."""
        return [(n.id, {"title": n.title, "status": n.status, "assignee": n.assignee})
                for n in self.nodes.values()]

    def to_dict(self) -> dict:
        """The JSON form the widget sends to the page."""
        return {"nodes": [n.to_dict() for n in self.nodes.values()],
                "edges": [e.to_dict() for e in self.edges], "truncated": self.truncated}


def dependency_graph(store, roots: Optional[Iterable[str]] = None, *,
                     depth: Optional[int] = None, limit: Optional[int] = None,
                     include_archived: bool = True) -> DependencyGraph:
    """The board's dependency graph, or the neighbourhood of ``roots`` in it.

    :param store: an open :class:`~kanban_widget.store.Store`.
    :param roots: task ids to start from; None reads every task of the board (with
        ``limit``: tasks that have links first, component by component, largest first).
    :param depth: with roots, how many links away from a root a task may be (0: the roots
        alone); None: the roots' whole connected components.
    :param limit: at most this many tasks (None: no cap); ``truncated`` says whether it cut.
    :param include_archived: False leaves archived tasks (and their links) out.

    Raises ValidationError for an unknown root, a negative depth or a limit below 1.
    """
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 0):
        raise ValidationError(f"depth must be a whole number ≥ 0 or None, not {depth!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValidationError(f"limit must be a whole number ≥ 1 or None, not {limit!r}")
    root_ids = None if roots is None else list(dict.fromkeys(roots))
    if root_ids is not None and len(root_ids) > MAX_ROOTS:
        raise ValidationError(f"at most {MAX_ROOTS} roots, not {len(root_ids)}")
    with store.reading() as conn:
        if root_ids is not None:
            kept, truncated = _neighbourhood(conn, root_ids, depth, limit, include_archived)
            statuses = _statuses(conn, kept)
            links = _links_among(conn, kept)
        else:
            statuses = dict(conn.execute("SELECT id, status FROM tasks").fetchall())
            if not include_archived:
                statuses = {k: v for k, v in statuses.items() if v != "archived"}
            links = [(p, c) for p, c in conn.execute("SELECT parent_id, child_id FROM task_links")
                     if p in statuses and c in statuses]
            kept, truncated = _whole_board(statuses, links, limit)
        nodes = _read_nodes(conn, sorted(kept))
    edges = tuple(GraphEdge(p, c, statuses[p], statuses[c])
                  for p, c in sorted(links) if p in kept and c in kept)
    return DependencyGraph(nodes, edges, truncated)


def _chunks(ids, size: int = 500):
    ids = list(ids)
    for at in range(0, len(ids), size):
        chunk = ids[at:at + size]
        yield chunk, ",".join("?" * len(chunk))


def _statuses(conn, ids) -> dict:
    out = {}
    for chunk, marks in _chunks(ids):
        out.update(conn.execute(f"SELECT id, status FROM tasks WHERE id IN ({marks})", chunk))
    return out


def _links_among(conn, ids: set) -> list:
    """Every link whose two ends are in ``ids``."""
    out = []
    for chunk, marks in _chunks(ids):
        out += [(p, c) for p, c in conn.execute(
            f"SELECT parent_id, child_id FROM task_links WHERE parent_id IN ({marks})", chunk)
            if c in ids]
    return out


def _neighbourhood(conn, roots: list, depth: Optional[int], limit: Optional[int],
                   include_archived: bool) -> tuple[set, bool]:
    """The tasks within ``depth`` links of the roots, following links either way, one level
    at a time through the link indexes (a small neighbourhood of a large board reads only
    itself). Nearest first; within a level, by id, until ``limit``."""
    statuses = _statuses(conn, roots)
    unknown = [r for r in roots if r not in statuses
               or (not include_archived and statuses[r] == "archived")]
    if unknown:
        raise ValidationError(
            f"unknown task(s) {', '.join(unknown[:5])}{'…' if len(unknown) > 5 else ''} asked "
            "as graph roots: check the ids (archived tasks count only with include_archived)")
    seen = set()
    level, frontier = 0, roots
    while frontier:
        if limit is not None and len(seen) + len(frontier) > limit:
            seen.update(frontier[:limit - len(seen)])
            return seen, True
        seen.update(frontier)
        if depth is not None and level >= depth:
            break
        found = set()
        for chunk, marks in _chunks(frontier):
            found.update(r[0] for r in conn.execute(
                f"SELECT child_id FROM task_links WHERE parent_id IN ({marks})"
                f" UNION SELECT parent_id FROM task_links WHERE child_id IN ({marks})",
                chunk + chunk))
        found -= seen
        if not include_archived and found:
            found = {t for t, status in _statuses(conn, found).items() if status != "archived"}
        else:
            found = set(_statuses(conn, found))  # links to tasks no longer on the board drop
        level, frontier = level + 1, sorted(found)
    return seen, False


def _adjacency(links: list) -> dict:
    """``{task: [every task linked to it, either way]}``."""
    near: dict = {}
    for parent, child in links:
        near.setdefault(parent, []).append(child)
        near.setdefault(child, []).append(parent)
    return near


def _component(start: str, near: dict) -> set:
    """Every task linked, through any number of links either way, to ``start``."""
    seen, queue = {start}, deque([start])
    while queue:
        for other in near.get(queue.popleft(), ()):
            if other not in seen:
                seen.add(other)
                queue.append(other)
    return seen


def _whole_board(statuses: dict, links: list, limit: Optional[int]) -> tuple[set, bool]:
    """Every task; with a limit, the linked ones by component, largest component first (ties
    by smallest id), then unlinked tasks, until the limit."""
    if limit is None or limit >= len(statuses):
        return set(statuses), False
    near = _adjacency(links)
    components = []
    placed: set = set()
    for task in sorted(near):
        if task not in placed:
            component = _component(task, near)
            placed |= component
            components.append(sorted(component))
    components.sort(key=lambda c: (-len(c), c[0]))
    loose = sorted(set(statuses) - placed)
    kept: set = set()
    for group in components + [[t] for t in loose]:
        if len(kept) + len(group) > limit:
            continue  # a component is shown whole or not at all; a smaller one may still fit
        kept.update(group)
    return kept, len(kept) < len(statuses)


def _read_nodes(conn, ids: list) -> dict:
    nodes = {}
    for chunk, marks in _chunks(ids):
        for row in conn.execute(f"SELECT * FROM tasks WHERE id IN ({marks})", chunk):
            # ``*``: a read-only board of an old Hermes may have no assignee column yet.
            assignee = row["assignee"] if "assignee" in row.keys() else None
            nodes[row["id"]] = GraphNode(row["id"], row["title"] or "", row["status"], assignee)
    return {k: nodes[k] for k in ids if k in nodes}

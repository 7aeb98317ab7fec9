"""The ``graph`` request: the page's Graph view asks for the dependency graph it draws.

Large boards stay usable because the page never asks for everything: with ``roots`` (the
selection, or the task "show in graph" came from) it gets their neighbourhood within
``depth`` links; without, as many whole connected components as fit in ``limit`` tasks,
largest first. ``critical`` adds the critical path to one task (see
:mod:`kanban_widget.critical`), whose tasks are added to the graph if the
neighbourhood missed them. docs/protocol.md describes the reply.
"""

from __future__ import annotations

from .store import Store

#: Tasks a reply carries when the page names no ``limit``.
DEFAULT_LIMIT = 200


def answer_graph(store: Store, request: dict) -> dict:
    """The reply to a validated ``graph`` request (see :func:`protocol.parse_request`).

    ``{nodes: [{id, title, status, assignee}], edges: [{parent, child, parent_status,
    child_status, blocking}], truncated, roots, critical?}``. Raises the store's
    ValidationError for an unknown root, TaskNotFound for an unknown ``critical`` task.
    """
    roots = request.get("roots") or None
    graph = store.graph(roots, depth=request.get("depth"),
                        limit=request.get("limit") or DEFAULT_LIMIT,
                        include_archived=bool(request.get("archived")))
    reply = graph.to_dict()
    reply["roots"] = list(roots or [])
    target = request.get("critical")
    if target:
        reply["critical"] = _critical(store, target)
        missing = [t for t in reply["critical"]["path"] if t not in graph.nodes]
        if missing:  # ancestors beyond the neighbourhood: the path is drawn whole
            wider = store.graph(sorted(set(graph.nodes) | set(missing)), depth=0,
                                include_archived=True)
            reply.update(nodes=wider.to_dict()["nodes"], edges=wider.to_dict()["edges"])
    return reply


def _critical(store: Store, task_id: str) -> dict:
    # Imported here: the replay brings numpy, which a board that never asks for a critical
    # path need not load. (No pandas: critical.py uses the store's replay engine directly.)
    from .critical import expected_path

    return expected_path(store, task_id)

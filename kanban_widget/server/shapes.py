"""The JSON shapes of Hermes' dashboard API, built from the store's records.

``/board`` cards are the task's fields plus ``age``, ``link_counts``, ``comment_count`` and
``progress`` (see ``hermes-kanban.md`` section 6.1); the store's cards carry all of those but
``age`` (and add ``status_since``, kept: an extra key breaks no Hermes client).

``tests/test_real_hermes_api.py`` holds these shapes to the real ``hermes dashboard``'s: every
key Hermes sends, this server sends, with the same JSON type.
"""

from __future__ import annotations

from typing import Optional

from ..board import wire_card
from ..store import BoardSnapshot, TaskDetail

#: What Hermes' ``GET /config`` answers when ``config.yaml`` sets nothing.
DEFAULT_CONFIG = {"default_tenant": "", "lane_by_profile": True,
                  "include_archived_by_default": False, "render_markdown": True}


def task_age(task: dict, now: int) -> dict:
    """Hermes' ``task_age``: seconds since creation and since the start (None if never
    started), and the time to complete (from the start, or the creation if never started)."""
    created, started, completed = task.get("created_at"), task.get("started_at"), \
        task.get("completed_at")

    def since(start: Optional[int], end: Optional[int]) -> Optional[int]:
        return end - start if isinstance(start, int) and isinstance(end, int) else None

    return {"created_age_seconds": since(created, now),
            "started_age_seconds": since(started, now),
            "time_to_complete_seconds": since(started if started is not None else created,
                                              completed)}


#: How much of a worker's summary a ``/board`` card carries (the drawer's ``GET /tasks/{id}``
#: has it whole), as on Hermes' board.
CARD_SUMMARY_CHARS = 200

#: ``(task id, summary)``: each task's latest worker summary, as Hermes shows it: the newest
#: non-empty ``task_runs.summary`` by the run's end (else start) time. Only Hermes boards that
#: keep runs have the table (:func:`kanban_widget.server.routes.summaries` checks).
LATEST_SUMMARIES_SQL = (
    "SELECT task_id, summary FROM (SELECT task_id, summary, ROW_NUMBER() OVER (PARTITION BY"
    " task_id ORDER BY COALESCE(ended_at, started_at) DESC, id DESC) AS newest FROM task_runs"
    " WHERE summary IS NOT NULL AND summary != ''{only}) WHERE newest = 1")


def hermes_task(task: dict, now: int, summary: Optional[str] = None) -> dict:
    """A task as Hermes' routes send it: the row (or the store's card) plus its ``age`` and
    ``latest_summary`` (the latest worker summary, None when its runs left none), with
    ``goal_mode`` (a column of newer Hermes boards, stored 0/1) as the bool Hermes sends."""
    shaped = {**task, "age": task_age(task, now), "latest_summary": summary}
    if shaped.get("goal_mode") is not None:
        shaped["goal_mode"] = bool(shaped["goal_mode"])
    return shaped


def board(snapshot: BoardSnapshot, summaries: dict) -> dict:
    """``GET /board``: columns (each ``{name, tasks}``), tenants, assignees, the event id the
    snapshot reflects, and the store's clock; ``summaries`` by task id (the cards carry their
    first :data:`CARD_SUMMARY_CHARS`)."""
    def card(task: dict) -> dict:
        summary = summaries.get(task["id"])
        return hermes_task(task, snapshot.now, summary[:CARD_SUMMARY_CHARS] if summary else None)

    return {
        "columns": [{"name": name, "tasks": [card(c) for c in cards]}
                    for name, cards in snapshot.columns.items()],
        "tenants": snapshot.tenants,
        "assignees": snapshot.assignees,
        "latest_event_id": snapshot.cursor,
        "now": snapshot.now,
    }


def task_detail(detail: TaskDetail, now: int, summaries: dict) -> dict:
    """``GET /tasks/{id}``: the task (:func:`hermes_task`), comments and events oldest first,
    link ids, the children's results, and ``runs`` and ``attachments`` (always empty: this
    store keeps no run or attachment records); ``summaries`` by task id, whole."""
    return {
        "task": hermes_task(detail.task.to_dict(), now, summaries.get(detail.task.id)),
        "comments": [c.to_dict() for c in detail.comments],
        "events": [e.to_dict() for e in detail.events],
        "attachments": [],
        "links": {"parents": [t.id for t in detail.parents],
                  "children": [t.id for t in detail.children]},
        "child_results": [{"id": t.id, "title": t.title, "status": t.status,
                           "latest_summary": summaries.get(t.id), "result": t.result}
                          for t in detail.children],
        "runs": [],
    }


#: ``(assignee, status, tasks)`` rows for :func:`assignees`.
ASSIGNEE_COUNTS_SQL = ("SELECT assignee, status, COUNT(*) FROM tasks WHERE assignee IS NOT NULL"
                       " AND assignee != '' AND status != 'archived' GROUP BY assignee, status")


def assignees(rows: list) -> dict:
    """``GET /assignees`` from :data:`ASSIGNEE_COUNTS_SQL`'s rows: Hermes' ``known_assignees``,
    each assignee of a task not archived with its tasks per status; ``on_disk`` (a Hermes
    profile folder of that name) is False, as this server knows no profiles."""
    counts: dict = {}
    for name, status, n in rows:
        counts.setdefault(name, {})[status] = n
    return {"assignees": [{"name": name, "on_disk": False, "counts": counts[name]}
                          for name in sorted(counts)]}


def stats(snapshot: BoardSnapshot) -> dict:
    """Hermes' ``board_stats``: tasks per status (archived left out), per assignee and
    status, and how long the oldest ready task has waited in ready."""
    by_status: dict = {}
    by_assignee: dict = {}
    oldest_ready = None
    for card in snapshot.cards:
        status = card["status"]
        if status == "archived":
            continue
        by_status[status] = by_status.get(status, 0) + 1
        if card.get("assignee"):
            counts = by_assignee.setdefault(card["assignee"], {})
            counts[status] = counts.get(status, 0) + 1
        if status == "ready":
            waited = snapshot.now - (card.get("status_since") or card["created_at"])
            oldest_ready = waited if oldest_ready is None else max(oldest_ready, waited)
    return {"by_status": by_status, "by_assignee": by_assignee,
            "oldest_ready_age_seconds": oldest_ready, "now": snapshot.now}


#: ``(status, tasks)`` rows for :func:`one_board`.
STATUS_COUNTS_SQL = "SELECT status, COUNT(*) FROM tasks GROUP BY status"


def board_entry(*, slug: str, name: str, path, is_current: bool, rows: list,
                description: str = "", created_at: Optional[int] = None) -> dict:
    """One board as Hermes' ``GET /boards`` lists it, with its tasks per status from
    :data:`STATUS_COUNTS_SQL`'s ``rows`` (archived included, as Hermes counts). The icon,
    colour and workspace defaults Hermes keeps in ``board.json`` are not read: Hermes'
    empty defaults. ``current`` repeats ``is_current`` under the name earlier clients read."""
    counts = {status: n for status, n in rows}
    return {"slug": slug, "name": name, "description": description, "icon": "", "color": "",
            "default_workdir": None, "created_at": created_at, "archived": False,
            "db_path": str(path), "is_current": is_current, "current": is_current,
            "counts": counts, "total": sum(counts.values()),
            "default_workspace_kind": "scratch"}


def cards(found: list, asked: list) -> dict:
    """``GET /cards``: the cards found (trimmed as the widget sends them), in the order asked,
    and the ids that name no task."""
    by_id = {c["id"]: wire_card(c) for c in found}
    return {"cards": [by_id[i] for i in asked if i in by_id],
            "missing": [i for i in asked if i not in by_id]}

"""The JSON shapes of Hermes' dashboard API, built from the store's records.

``/board`` cards are the task's fields plus ``age``, ``link_counts``, ``comment_count`` and
``progress`` (see ``hermes-kanban.md`` section 6.1); the store's cards carry all of those but
``age`` (and add ``status_since``, kept: an extra key breaks no Hermes client).
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


def hermes_card(card: dict, now: int) -> dict:
    """A store card as ``/board`` sends it: the card plus its ``age``."""
    return {**card, "age": task_age(card, now)}


def board(snapshot: BoardSnapshot) -> dict:
    """``GET /board``: columns (each ``{name, tasks}``), tenants, assignees, the event id the
    snapshot reflects, and the store's clock."""
    return {
        "columns": [{"name": name, "tasks": [hermes_card(c, snapshot.now) for c in cards]}
                    for name, cards in snapshot.columns.items()],
        "tenants": snapshot.tenants,
        "assignees": snapshot.assignees,
        "latest_event_id": snapshot.cursor,
        "now": snapshot.now,
    }


def task_detail(detail: TaskDetail, now: int) -> dict:
    """``GET /tasks/{id}``: the task (with its ``age``), comments and events oldest first,
    link ids, and ``runs`` (always empty: this store keeps no run table)."""
    task = detail.task.to_dict()
    return {
        "task": {**task, "age": task_age(task, now)},
        "comments": [c.to_dict() for c in detail.comments],
        "events": [e.to_dict() for e in detail.events],
        "links": {"parents": [t.id for t in detail.parents],
                  "children": [t.id for t in detail.children]},
        "runs": [],
    }


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


def cards(found: list, asked: list) -> dict:
    """``GET /cards``: the cards found (trimmed as the widget sends them), in the order asked,
    and the ids that name no task."""
    by_id = {c["id"]: wire_card(c) for c in found}
    return {"cards": [by_id[i] for i in asked if i in by_id],
            "missing": [i for i in asked if i not in by_id]}

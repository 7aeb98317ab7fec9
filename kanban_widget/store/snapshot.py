"""The board as the UI sees it: cards with their derived fields, read in one snapshot."""

from __future__ import annotations

from typing import Iterable, Optional

from .models import BOARD_COLUMNS, BoardSnapshot, Task

#: Event kinds that change a task's status (old names included): the latest one dates the
#: card's entry into its current column.
STATUS_EVENT_KINDS = (
    "created", "promoted", "ready", "claimed", "completed", "blocked", "gave_up",
    "spawn_auto_blocked", "unblocked", "reclaimed", "crashed", "spawn_failed", "archived", "status",
)

_CARD_SQL = f"""
SELECT t.*,
  (SELECT COUNT(*) FROM task_links WHERE child_id = t.id) AS _parents,
  (SELECT COUNT(*) FROM task_links WHERE parent_id = t.id) AS _children,
  (SELECT COUNT(*) FROM task_links l JOIN tasks c ON c.id = l.child_id
     WHERE l.parent_id = t.id AND c.status != 'archived') AS _progress_total,
  (SELECT COUNT(*) FROM task_links l JOIN tasks c ON c.id = l.child_id
     WHERE l.parent_id = t.id AND c.status = 'done') AS _progress_done,
  (SELECT COUNT(*) FROM task_comments WHERE task_id = t.id) AS _comments,
  (SELECT MAX(created_at) FROM task_events e WHERE e.task_id = t.id
     AND e.kind IN ({", ".join(f"'{k}'" for k in STATUS_EVENT_KINDS)})) AS _status_since
FROM tasks t
"""
_ORDER = " ORDER BY COALESCE(t.priority, 0) DESC, t.created_at ASC, t.id ASC"
_DERIVED = ("_parents", "_children", "_progress_total", "_progress_done", "_comments", "_status_since")


def card_from_row(row) -> dict:
    """A card: the task's fields plus progress, link counts, comment count and status_since."""
    data = dict(zip(row.keys(), tuple(row)))
    derived = {k: data.pop(k) for k in _DERIVED}
    card = Task.from_row(_RowView(data)).to_dict()
    total = derived["_progress_total"]
    card["progress"] = {"done": derived["_progress_done"], "total": total} if total else None
    card["link_counts"] = {"parents": derived["_parents"], "children": derived["_children"]}
    card["comment_count"] = derived["_comments"]
    card["status_since"] = derived["_status_since"] or card["created_at"]
    return card


class _RowView:
    """Lets :meth:`Task.from_row` read a plain dict like a sqlite3.Row."""

    def __init__(self, data: dict):
        self._data = data

    def keys(self):
        return list(self._data)

    def __iter__(self):
        return iter(self._data.values())


class SnapshotReads:
    """Board snapshots and card reads. Mixed into :class:`Store`."""

    def board(self, *, tenant: Optional[str] = None, include_archived: bool = False) -> BoardSnapshot:
        """The whole board in one read transaction: every column in order (``triage, todo,
        scheduled, ready, running, blocked, review, done``, then ``archived`` when asked, then
        any unknown statuses), cards ordered by priority desc, created_at asc, id asc; the
        distinct tenants and assignees; and the event cursor the snapshot reflects."""
        where, params = [], []
        if tenant is not None:
            where.append("t.tenant = ?")
            params.append(tenant)
        if not include_archived:
            where.append("t.status != 'archived'")
        sql = _CARD_SQL + (" WHERE " + " AND ".join(where) if where else "") + _ORDER
        with self.reading() as conn:
            cursor = conn.execute("SELECT COALESCE(MAX(id), 0) FROM task_events").fetchone()[0]
            rows = conn.execute(sql, params).fetchall()
            tenants = [r[0] for r in conn.execute(
                "SELECT DISTINCT tenant FROM tasks WHERE tenant IS NOT NULL ORDER BY tenant")]
            assignees = [r[0] for r in conn.execute(
                "SELECT DISTINCT assignee FROM tasks WHERE assignee IS NOT NULL "
                "AND status != 'archived' ORDER BY assignee")]
        columns: dict = {status: [] for status in BOARD_COLUMNS}
        if include_archived:
            columns["archived"] = []
        extra: dict = {}
        for row in rows:
            card = card_from_row(row)
            (columns if card["status"] in columns else extra).setdefault(card["status"], []).append(card)
        for status in sorted(extra):
            columns[status] = extra[status]
        return BoardSnapshot(columns=columns, tenants=tenants, assignees=assignees,
                             cursor=cursor, now=self._now())

    def cards(self, task_ids: Iterable[str]) -> list[dict]:
        """The cards of these tasks (unknown ids are skipped), read in one snapshot."""
        ids = list(dict.fromkeys(task_ids))
        out: list[dict] = []
        with self.reading() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                out += [card_from_row(r) for r in conn.execute(
                    _CARD_SQL + f" WHERE t.id IN ({marks})", chunk)]
        return out

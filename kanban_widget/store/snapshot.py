"""The board as the UI sees it: cards with their derived fields, read in one snapshot."""

from __future__ import annotations

from typing import Iterable, Optional

from .errors import TaskNotFound
from .models import TASK_FIELDS, BoardSnapshot, TaskDetail
from .schema import RENAMED_BY_LATEST
from .vocabulary import (BOARD_COLUMNS, CONDITIONAL_KINDS, STATUS_KINDS, STATUS_KINDS_SQL, card_order_sql,
                         event_target_sql)

_TARGET = {alias: event_target_sql(alias) for alias in ("e", "x")}
_DEFINITE = ", ".join(f"'{k}'" for k, spec in STATUS_KINDS.items() if not spec.only_from)
_CONDITIONAL = ", ".join(f"'{k}'" for k in CONDITIONAL_KINDS)


def _entry_after_last_move(moves: str, entries: str) -> str:
    """SQL: the first event of ``entries`` leading to the task's status after (in time, then
    id order) the last event of ``moves`` leading elsewhere, preferring kinds that always
    apply."""
    return f"""(SELECT e.created_at FROM task_events e
      WHERE e.task_id = t.id AND e.kind IN {entries} AND {_TARGET["e"]} = t.status
        AND (e.created_at, e.id) > (
          SELECT x.created_at, x.id FROM task_events x
            WHERE x.task_id = t.id AND x.kind IN {moves} AND {_TARGET["x"]} != t.status
          UNION ALL SELECT -1, -1 ORDER BY 1 DESC, 2 DESC LIMIT 1)
      ORDER BY e.kind IN ({_CONDITIONAL}), e.created_at, e.id LIMIT 1)"""


# When the task entered its status, as the replay engine (``replay.py``) dates its last spell.
# Kinds that may have changed nothing (``linked``, ``claim_rejected``, v1's ``spawn_failed``…)
# first count as moves away: the first definite entry after the last move of any kind; else
# the first entry of any kind after the last definite move away; else the task's last event
# (where the engine closes a history it cannot explain). For a completed task, its completion time, which saves reading
# the events of most of a mature board. A test pins this to the engine on random Hermes, store
# and mixed boards.
_SINCE = f"""CASE WHEN t.status = 'done' AND t.completed_at IS NOT NULL THEN t.completed_at
  ELSE COALESCE({_entry_after_last_move(STATUS_KINDS_SQL, f"({_DEFINITE})")},
    {_entry_after_last_move(f"({_DEFINITE})", STATUS_KINDS_SQL)},
    (SELECT MAX(created_at) FROM task_events WHERE task_id = t.id))
  END"""

# A few cards (a patch): correlated subqueries, each an index lookup per card.
_CARDS_SQL = f"""
SELECT t.*,
  (SELECT COUNT(*) FROM task_links WHERE child_id = t.id),
  (SELECT COUNT(*) FROM task_links WHERE parent_id = t.id),
  (SELECT COUNT(*) FROM task_links l JOIN tasks c ON c.id = l.child_id
     WHERE l.parent_id = t.id AND c.status != 'archived'),
  (SELECT COUNT(*) FROM task_links l JOIN tasks c ON c.id = l.child_id
     WHERE l.parent_id = t.id AND c.status = 'done'),
  (SELECT COUNT(*) FROM task_comments WHERE task_id = t.id),
  {_SINCE}
FROM tasks t
"""

# The whole board: the tasks with their status time, then one grouped pass per aggregate,
# joined in Python (faster than joining materialised aggregates in SQL at 10,000 tasks).
_BOARD_TASKS_SQL = f"SELECT t.*, {_SINCE} FROM tasks t"
_BOARD_LINKS_SQL = (
    "SELECT l.parent_id, l.child_id, c.status FROM task_links l "
    "LEFT JOIN tasks c ON c.id = l.child_id")
_BOARD_COMMENTS_SQL = "SELECT task_id, COUNT(*) FROM task_comments GROUP BY task_id"


def _link_counts(rows) -> tuple[dict, dict]:
    """From (parent, child, child status) rows: parents per task, and per parent
    [children, non-archived children, done children]."""
    parents: dict = {}
    children: dict = {}
    for parent, child, status in rows:
        parents[child] = parents.get(child, 0) + 1
        counts = children.get(parent)
        if counts is None:
            counts = children[parent] = [0, 0, 0]
        counts[0] += 1
        if status is not None and status != "archived":
            counts[1] += 1
            if status == "done":
                counts[2] += 1
    return parents, children


_ORDER = " ORDER BY " + card_order_sql("t")
_N_DERIVED = 6
_DEFAULTS = {name: None for name in TASK_FIELDS}
_DEFAULTS.update(priority=0, spawn_failures=0, workspace_kind="scratch")


def cards_from_cursor(cursor, aggregates: Optional[tuple] = None) -> list[dict]:
    """Cards from a card query: the task's columns (every Task field, extra columns too) plus
    ``progress``, ``link_counts``, ``comment_count`` and ``status_since``. Built straight from
    the row tuples: this runs for every card of a board.

    The counts come from the row's last columns (``_CARDS_SQL``) or, for a whole board, from
    ``aggregates``: (parents per task, [children, non-archived, done] per parent, comments per
    task), with ``status_since`` the row's last column.
    """
    n_derived = 1 if aggregates is not None else _N_DERIVED
    names = [d[0] for d in cursor.description][:-n_derived]
    n = len(names)
    missing = {k: v for k, v in _DEFAULTS.items() if k not in names}
    # latest Hermes' live failure counter and error, where the board has them (as Task does).
    live = [(old, new) for old, new in RENAMED_BY_LATEST.items() if new in names]
    parents_of, children_of, comments_of = aggregates or ({}, {}, {})
    no_children = (0, 0, 0)
    cards = []
    append = cards.append
    for row in cursor:
        card = dict(zip(names, row))
        if missing:
            card.update(missing)
        if aggregates is None:
            parents, children, total, done, comments, since = row[n:]
        else:
            task_id, since = card["id"], row[n]
            parents = parents_of.get(task_id, 0)
            children, total, done = children_of.get(task_id, no_children)
            comments = comments_of.get(task_id, 0)
        if card["priority"] is None:
            card["priority"] = 0  # nullable in old Hermes schemas
        for old, new in live:
            card[old] = card[new]
        if card.get("spawn_failures") is None:
            card["spawn_failures"] = 0
        if not card["workspace_kind"]:
            card["workspace_kind"] = "scratch"
        card["progress"] = {"done": done, "total": total} if total else None
        card["link_counts"] = {"parents": parents, "children": children}
        card["comment_count"] = comments
        card["status_since"] = since or card["created_at"]
        append(card)
    return cards


class SnapshotReads:
    """Board snapshots and card reads. Mixed into :class:`Store`."""

    def board(self, *, tenant: Optional[str] = None, include_archived: bool = False,
              as_of=None) -> BoardSnapshot:
        """The whole board in one read transaction: every column in order (``triage, todo,
        scheduled, ready, running, blocked, review, done``, then ``archived`` when asked, then
        any unknown statuses), cards ordered by priority desc, created_at asc, id asc; the
        distinct tenants and assignees; and the event cursor the snapshot reflects.
        ``as_of`` (a datetime, pandas Timestamp or Unix seconds): the board as it was then,
        a :class:`~kanban_widget.store.history.PastBoard` (see :mod:`.history`)."""
        if as_of is not None:  # time travel (history.py needs numpy: imported on demand)
            from .history import past_board
            return past_board(self, as_of, tenant=tenant, include_archived=include_archived)
        where, params = [], []
        if tenant is not None:
            where.append("t.tenant = ?")
            params.append(tenant)
        if not include_archived:
            where.append("t.status != 'archived'")
        sql = _BOARD_TASKS_SQL + (" WHERE " + " AND ".join(where) if where else "") + _ORDER
        with self.reading() as conn:
            cursor = conn.execute("SELECT COALESCE(MAX(id), 0) FROM task_events").fetchone()[0]
            parents, children = _link_counts(_plain(conn).execute(_BOARD_LINKS_SQL))
            comments = dict(_plain(conn).execute(_BOARD_COMMENTS_SQL).fetchall())
            cards = cards_from_cursor(_plain(conn).execute(sql, params),
                                      (parents, children, comments))
            tenants, assignees = self.choices()
        columns: dict = {status: [] for status in BOARD_COLUMNS}
        if include_archived:
            columns["archived"] = []
        extra: dict = {}
        for card in cards:
            (columns if card["status"] in columns else extra).setdefault(card["status"], []).append(card)
        for status in sorted(extra):
            columns[status] = extra[status]
        return BoardSnapshot(columns=columns, tenants=tenants, assignees=assignees,
                             cursor=cursor, now=self._now())

    def choices(self) -> tuple[list[str], list[str]]:
        """The board's filter choices: distinct tenants (of every task) and assignees (of tasks
        not archived), sorted."""
        with self.reading() as conn:
            tenants = [r[0] for r in conn.execute(
                "SELECT DISTINCT tenant FROM tasks WHERE tenant IS NOT NULL ORDER BY tenant")]
            assignees = [r[0] for r in conn.execute(
                "SELECT DISTINCT assignee FROM tasks WHERE assignee IS NOT NULL "
                "AND status != 'archived' ORDER BY assignee")]
        return tenants, assignees

    def task_detail(self, task_id: str) -> TaskDetail:
        """A task with its parents, children, comments and events, all read in one snapshot
        (what the page's drawer and ``kanban-widget show`` display). Raises TaskNotFound."""
        with self.reading():
            task = self.get_task(task_id)
            if task is None:
                raise TaskNotFound(task_id, self.path)
            parents, children = self.parents_of(task_id), self.children_of(task_id)
            related = {other: self.get_task(other) for other in (*parents, *children)}
            return TaskDetail(
                task=task,
                parents=[related[i] for i in parents if related[i]],
                children=[related[i] for i in children if related[i]],
                comments=self.list_comments(task_id),
                events=self.list_events(task_id))

    def running_claims(self) -> dict[str, tuple]:
        """``{task id: (claim_lock, claim_expires)}`` for every running task.

        A worker's heartbeat extends its claim without writing an event (Hermes' does), so a
        reader following the events alone would keep an old expiry; this is the cheap check
        (one indexed read of the running tasks) that catches it.
        """
        rows = self._query("SELECT id, claim_lock, claim_expires FROM tasks "
                           "WHERE status = 'running'", plain=True)
        return {task_id: (lock, expires) for task_id, lock, expires in rows}

    def cards(self, task_ids: Iterable[str]) -> list[dict]:
        """The cards of these tasks (unknown ids are skipped), read in one snapshot."""
        ids = list(dict.fromkeys(task_ids))
        out: list[dict] = []
        with self.reading() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                out += cards_from_cursor(
                    _plain(conn).execute(_CARDS_SQL + f" WHERE t.id IN ({marks})", chunk))
        return out


def _plain(conn):
    """A cursor that yields plain tuples (sqlite3.Row costs time on every card)."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor

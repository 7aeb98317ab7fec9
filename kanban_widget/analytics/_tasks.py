"""Per-task views: ``tasks``, ``status_intervals``, ``progress`` and ``lanes``."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from ._replay import load_history, per_task_times
from ._source import (NO_TIME, UNASSIGNED, durations, open_board, seconds_or_missing,
                      status_order, task_filter, text, utc)

def tasks(src, *, tenant: Optional[str] = None, assignee: Optional[str] = None) -> pd.DataFrame:
    """One row per task, indexed by ``id``.

    Columns: ``title``, ``status``, ``assignee``, ``tenant``, ``priority`` (int64; NULL reads
    as 0, as the board orders it), ``created_at``, ``started_at``, ``completed_at``
    (``datetime64[ns, UTC]``, NaT where unset), ``n_parents``, ``n_children`` (every link),
    ``children_done`` (children now done), ``comments``, ``lead_time`` (done time − created_at)
    and ``cycle_time`` (done time − first entry into running), both ``timedelta64[ns]``.

    Done time is the task's last entry into done, replayed from its events; a task has one when
    its latest status other than archived is done (a task reopened from done has none until it
    is done again). Cycle time is NaT for a task that never ran.

    :param src: a ``Store`` or the path of a kanban.db file.
    :param tenant: keep only tasks in this tenant.
    :param assignee: keep only tasks assigned to this profile (``"(unassigned)"`` for none).

    Raises BoardNotFound / UnreadableBoard (KanbanErrors; also FileNotFoundError /
    ValueError) when ``src`` is not a kanban board.
    """
    with open_board(src) as board:
        where, params = task_filter(board, tenant, assignee)
        rows = board.conn.execute(
            f"SELECT t.id, t.title, t.status, {board.col('assignee')}, {board.col('tenant')},"
            f" COALESCE({board.col('priority')}, 0), t.created_at, {board.col('started_at')},"
            f" {board.col('completed_at')} FROM tasks t"
            + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY t.id",
            params).fetchall()
        counts = _link_and_comment_counts(board)
        history = load_history(board, tenant, assignee)
    cols = list(zip(*rows)) if rows else [()] * 9
    index = pd.Index(text(cols[0]), name="id")
    frame = pd.DataFrame({
        "title": text(cols[1]).values,
        "status": text(cols[2]).values,
        "assignee": text(cols[3]).values,
        "tenant": text(cols[4]).values,
        "priority": np.array(cols[5], dtype=np.int64),
        "created_at": utc(np.array(cols[6], dtype=np.int64)),
        "started_at": utc(seconds_or_missing(cols[7])),
        "completed_at": utc(seconds_or_missing(cols[8])),
    }, index=index)
    for name, series in counts.items():
        frame[name] = series.reindex(index, fill_value=0).astype(np.int64).values
    times = per_task_times(history)
    # ``history`` holds the same tasks in the same (id) order.
    lead, cycle = lead_and_cycle(history.created, times)
    frame["lead_time"] = durations(lead)
    frame["cycle_time"] = durations(cycle)
    return frame


def lead_and_cycle(created: np.ndarray, times: dict) -> tuple[np.ndarray, np.ndarray]:
    """Lead and cycle times in seconds (``NO_TIME`` where undefined)."""
    done, ran = times["done"], times["first_running"]
    has_done = done != NO_TIME
    lead = np.where(has_done, done - created, NO_TIME)
    cycle = np.where(has_done & (ran != NO_TIME), done - ran, NO_TIME)
    return lead, cycle


def _link_and_comment_counts(board) -> dict:
    """Per task id: parents, children, children now done, comments (only where non-zero)."""
    def grouped(sql: str) -> pd.Series:
        rows = board.conn.execute(sql).fetchall()
        return pd.Series({r[0]: r[1] for r in rows}, dtype=np.int64)

    empty = pd.Series(dtype=np.int64)
    links = "task_links" in board.tables
    return {
        "n_parents": grouped("SELECT child_id, COUNT(*) FROM task_links GROUP BY child_id")
        if links else empty,
        "n_children": grouped("SELECT parent_id, COUNT(*) FROM task_links GROUP BY parent_id")
        if links else empty,
        "children_done": grouped(
            "SELECT l.parent_id, COUNT(*) FROM task_links l JOIN tasks c ON c.id = l.child_id"
            " WHERE c.status = 'done' GROUP BY l.parent_id") if links else empty,
        "comments": grouped("SELECT task_id, COUNT(*) FROM task_comments GROUP BY task_id")
        if "task_comments" in board.tables else empty,
    }


def status_intervals(src, *, tenant: Optional[str] = None,
                     assignee: Optional[str] = None) -> pd.DataFrame:
    """One row per spell of a task in a status, sorted by task id, then start.

    Columns: ``task_id``, ``status``, ``start``, ``end`` (``datetime64[ns, UTC]``; ``end`` is
    NaT while the spell is current), ``duration`` (``timedelta64[ns]``, NaT while current) and
    ``inferred`` (bool: no event of the task records the spell's start).
    A spell ends when an event moves the task to another status; events that leave the status
    unchanged do not split a spell. Two changes in the same second give a spell of zero length.

    The history is replayed by the store's one engine (``kanban_widget.store.replay``), which
    knows every Hermes event kind per version. Inferred spells are those Hermes makes without
    an event (a ready child sent back to todo by a link to an unfinished parent), a start
    synthesised for a task whose ``created`` event is gone, and the closing spell added when
    the log cannot explain a task's current status (it starts at the task's last event), so
    the last spell of every task is its real status.

    :param src: a ``Store`` or the path of a kanban.db file.
    :param tenant: keep only tasks in this tenant.
    :param assignee: keep only tasks now assigned to this profile (``"(unassigned)"`` for none).

    Raises BoardNotFound / UnreadableBoard (KanbanErrors; also FileNotFoundError /
    ValueError) when ``src`` is not a kanban board.
    """
    with open_board(src) as board:
        h = load_history(board, tenant, assignee)
    open_ = h.end == NO_TIME
    length = np.where(open_, NO_TIME, h.end - h.start)
    return pd.DataFrame({
        "task_id": text(h.task_ids[h.spell_task]),
        "status": text(np.asarray(h.statuses, dtype=object)[h.spell_status]),
        "start": utc(h.start),
        "end": utc(h.end),
        "duration": durations(length),
        "inferred": h.inferred,
    })


def progress(src) -> pd.DataFrame:
    """Per parent task, indexed by ``parent_id``: ``done``, ``total`` and ``ratio`` (float64).

    The card's N/M pill, by the same rule: over the parent's children that are not archived,
    ``done`` counts those in done. Parents whose children are all archived have no pill and no
    row here.

    :param src: a ``Store`` or the path of a kanban.db file.

    Raises BoardNotFound / UnreadableBoard (KanbanErrors; also FileNotFoundError /
    ValueError) when ``src`` is not a kanban board.
    """
    with open_board(src) as board:
        rows = []
        if "task_links" in board.tables:
            rows = board.conn.execute(
                "SELECT l.parent_id, SUM(c.status = 'done'), COUNT(*) FROM task_links l"
                " JOIN tasks c ON c.id = l.child_id JOIN tasks p ON p.id = l.parent_id"
                " WHERE c.status != 'archived' GROUP BY l.parent_id ORDER BY l.parent_id"
            ).fetchall()
    cols = list(zip(*rows)) if rows else [(), (), ()]
    done = np.array(cols[1], dtype=np.int64)
    total = np.array(cols[2], dtype=np.int64)
    return pd.DataFrame(
        {"done": done, "total": total, "ratio": done / np.maximum(total, 1)},
        index=pd.Index(text(cols[0]), name="parent_id"))


def lanes(src, *, tenant: Optional[str] = None) -> pd.DataFrame:
    """Work per assignee: indexed by ``assignee`` (``"(unassigned)"`` for none, last), one
    int64 column per status (the board's statuses in board order, then any others found),
    counting the tasks that are not archived; 0 where none.

    :param src: a ``Store`` or the path of a kanban.db file.
    :param tenant: count only tasks in this tenant.

    Raises BoardNotFound / UnreadableBoard (KanbanErrors; also FileNotFoundError /
    ValueError) when ``src`` is not a kanban board.
    """
    with open_board(src) as board:
        where, params = task_filter(board, tenant, None)
        where.append("t.status != 'archived'")
        rows = board.conn.execute(
            f"SELECT {board.col('assignee')}, t.status, COUNT(*) FROM tasks t"
            f" WHERE {' AND '.join(where)} GROUP BY 1, 2", params).fetchall()
    columns = [s for s in status_order({r[1] for r in rows}) if s != "archived"]
    people = sorted({r[0] for r in rows if r[0] is not None})
    if any(r[0] is None for r in rows):
        people.append(UNASSIGNED)
    counts = np.zeros((len(people), len(columns)), dtype=np.int64)
    row_of = {p: i for i, p in enumerate(people)}
    col_of = {s: i for i, s in enumerate(columns)}
    for person, status, n in rows:
        counts[row_of[UNASSIGNED if person is None else person], col_of[status]] = n
    frame = pd.DataFrame(counts, index=pd.Index(text(people), name="assignee"),
                         columns=pd.Index(columns, name="status"))
    return frame


__all__ = ["tasks", "status_intervals", "progress", "lanes", "UNASSIGNED"]

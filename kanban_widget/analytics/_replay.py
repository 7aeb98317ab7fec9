"""Status replay: each task's spells in each status, rebuilt from its events.

The rules (DESIGN.md, "Analytics"): a ``created`` event starts the task in its payload's status;
``promoted``/``ready`` → ready; ``claimed`` → running; ``completed`` → done; ``blocked``,
``gave_up``/``spawn_auto_blocked`` → blocked; ``unblocked``, ``reclaimed``, ``crashed``,
``spawn_failed`` → ready; ``archived`` → archived; ``status`` → its payload's status. Other
kinds leave the status alone. Events are taken in (created_at, id) order.

A task with no ``created`` event (old boards can lack it) starts at its ``created_at`` in the
status its first status event leads to or, with no status events at all, its current status.

Everything here is vectorised over numpy arrays: a million events replay in well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from ._source import (NO_TIME, Board, event_task_filter, fetch_columns, status_order,
                      task_filter)

#: Event kind → the status it moves a task to (old names included). ``created`` and
#: ``status`` take theirs from the payload.
STATUS_OF_KIND = {
    "promoted": "ready", "ready": "ready",
    "claimed": "running",
    "completed": "done",
    "blocked": "blocked", "gave_up": "blocked", "spawn_auto_blocked": "blocked",
    "unblocked": "ready", "reclaimed": "ready", "crashed": "ready", "spawn_failed": "ready",
    "archived": "archived",
}

# The payload's status, decoded by SQLite so Python never parses a million payloads; a payload
# that is not valid JSON or has no text status gives NULL (the event then changes nothing).
_PAYLOAD_STATUS = ("CASE WHEN json_valid(payload) THEN CASE WHEN json_type(payload, '$.status')"
                   " = 'text' THEN json_extract(payload, '$.status') END END")
_STATUS_KINDS = ("created", "status", *STATUS_OF_KIND)


@dataclass
class History:
    """Every task's spells, as parallel arrays. Times are Unix seconds (``NO_TIME``: none).

    Tasks are in id order; spells are sorted by task, then start.
    """

    task_ids: np.ndarray        # object: task ids
    created: np.ndarray         # int64: tasks.created_at
    current: np.ndarray         # int64: tasks.status, as a code into ``statuses``
    statuses: list              # status names; codes index into this
    spell_task: np.ndarray      # int64: index into task_ids
    spell_status: np.ndarray    # int64: index into statuses
    start: np.ndarray           # int64
    end: np.ndarray             # int64, NO_TIME while current
    first_event: Optional[int]  # earliest event (or synthesised start), None on an empty board
    last_event: Optional[int]

    def code(self, status: str) -> int:
        """The code of ``status`` (-1 when no task ever held it)."""
        return self.statuses.index(status) if status in self.statuses else -1


def load_history(board: Board, tenant: Optional[str] = None,
                 assignee: Optional[str] = None) -> History:
    """Replay the status history of every task passing the filters."""
    where, params = task_filter(board, tenant, assignee)
    rows = board.conn.execute(
        "SELECT t.id, t.created_at, t.status FROM tasks t"
        + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY t.id", params).fetchall()
    task_ids = np.array([r[0] for r in rows], dtype=object)
    created = np.array([r[1] for r in rows], dtype=np.int64).reshape(-1)
    current_names = [r[2] for r in rows]

    ev_where, ev_params = event_task_filter(board, tenant, assignee)
    marks = ", ".join(f"'{k}'" for k in _STATUS_KINDS)
    ev_where = [f"kind IN ({marks})", *ev_where]
    # Kinds are mapped to statuses in numpy (a few distinct kinds); SQLite only decodes the
    # payload status of ``created`` and ``status`` events.
    sql = (f"SELECT task_id, created_at, id, kind, CASE WHEN kind IN ('created', 'status')"
           f" THEN {_PAYLOAD_STATUS} END AS pst FROM task_events WHERE {' AND '.join(ev_where)}")
    ev_task, ev_t, ev_id, ev_kind, ev_pst = fetch_columns(
        board.conn, sql, [("task_id", "text"), ("created_at", "int"), ("id", "int"),
                          ("kind", "text"), ("pst", "text")], ev_params)
    span = board.conn.execute(
        "SELECT MIN(created_at), MAX(created_at) FROM task_events"
        + (" WHERE " + " AND ".join(ev_where[1:]) if len(ev_where) > 1 else ""),
        ev_params).fetchone()
    ev_st, ev_created = _targets(ev_kind, ev_pst)
    changes = ev_st != ""                       # events that leave the status alone drop out
    ev_task = np.asarray(ev_task, dtype=object)[changes]
    ev_t, ev_id, ev_st, ev_created = ev_t[changes], ev_id[changes], ev_st[changes], \
        ev_created[changes]

    statuses = status_order(set(current_names) | set(ev_st))
    status_index = pd.Index(statuses)
    current = status_index.get_indexer(current_names).astype(np.int64)
    # Events of tasks missing from ``tasks`` (never written by Hermes) have nothing to anchor to.
    ev_code = pd.Index(task_ids).get_indexer(ev_task).astype(np.int64)
    keep = ev_code >= 0
    ev_code, ev_t, ev_id = ev_code[keep], ev_t[keep], ev_id[keep]
    ev_status = status_index.get_indexer(ev_st[keep]).astype(np.int64)
    ev_created = ev_created[keep]

    code, t, status = _with_start_rows(len(task_ids), created, current,
                                       ev_code, ev_t, ev_id, ev_status, ev_created)
    spell_task, spell_status, start, end = _spells(code, t, status)
    first = [v for v in (span[0], start.min() if len(start) else None) if v is not None]
    last = [v for v in (span[1], start.max() if len(start) else None) if v is not None]
    return History(task_ids, created, current, statuses, spell_task, spell_status, start, end,
                   int(min(first)) if first else None, int(max(last)) if last else None)


def _targets(kinds: list, payload_status: list) -> tuple[np.ndarray, np.ndarray]:
    """Per event: the status it moves its task to ("" for none) and whether it is ``created``."""
    codes, names = pd.factorize(np.asarray(kinds, dtype=object))
    by_kind = np.array([STATUS_OF_KIND.get(k, "") for k in names] + [""], dtype=object)
    target = by_kind[codes]
    from_payload = np.isin(names, ("created", "status"))
    if from_payload.any():
        rows = from_payload[codes]
        target[rows] = np.asarray(payload_status, dtype=object)[rows]
    created = codes == (list(names).index("created") if "created" in set(names) else -2)
    return target, created


def _with_start_rows(n_tasks, created, current, code, t, eid, status, is_created):
    """The status events, sorted, plus a start row for each task without a ``created`` event."""
    order = np.lexsort((eid, t, code))
    code, t, eid, status = code[order], t[order], eid[order], status[order]
    has_created = np.zeros(n_tasks, dtype=bool)
    has_created[code[is_created[order]]] = True

    first_status = np.full(n_tasks, -1, dtype=np.int64)
    first_time = np.full(n_tasks, np.iinfo(np.int64).max, dtype=np.int64)
    heads = _group_heads(code)
    first_status[code[heads]] = status[heads]
    first_time[code[heads]] = t[heads]

    missing = np.flatnonzero(~has_created)
    start_status = np.where(first_status[missing] >= 0, first_status[missing], current[missing])
    # The start row sorts before the task's events, even if a clock put one before created_at.
    start_time = np.minimum(created[missing], first_time[missing])
    code = np.concatenate([missing, code])
    t = np.concatenate([start_time, t])
    eid = np.concatenate([np.full(len(missing), NO_TIME, dtype=np.int64), eid])
    status = np.concatenate([start_status, status])
    order = np.lexsort((eid, t, code))
    return code[order], t[order], status[order]


def _spells(code, t, status):
    """Collapse sorted status changes into spells: a new spell wherever the status changes."""
    if len(code) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty, empty
    new_task = _group_heads(code)
    changed = np.empty(len(code), dtype=bool)
    changed[0] = True
    changed[1:] = status[1:] != status[:-1]
    keep = new_task | changed
    code, t, status = code[keep], t[keep], status[keep]
    end = np.full(len(code), NO_TIME, dtype=np.int64)
    same_task_next = code[1:] == code[:-1]
    end[:-1] = np.where(same_task_next, t[1:], NO_TIME)
    return code, status, t, end


def _group_heads(codes: np.ndarray) -> np.ndarray:
    """Mask of the first row of each run of equal values in sorted ``codes``."""
    heads = np.ones(len(codes), dtype=bool)
    heads[1:] = codes[1:] != codes[:-1]
    return heads


def _group_tails(codes: np.ndarray) -> np.ndarray:
    """Mask of the last row of each run of equal values in sorted ``codes``."""
    tails = np.ones(len(codes), dtype=bool)
    tails[:-1] = codes[:-1] != codes[1:]
    return tails


def per_task_times(h: History) -> dict:
    """Per task (aligned with ``h.task_ids``), in seconds or ``NO_TIME``:

    ``done``: when the task last entered done, for tasks whose latest status other than
    archived is done (finished work, archived or not; a task reopened from done and not yet
    done again has none). ``first_running``: its first entry into running. ``since``: the start
    of its current spell. ``status``: its replayed current status code.
    """
    n = len(h.task_ids)
    done = np.full(n, NO_TIME, dtype=np.int64)
    first_running = np.full(n, NO_TIME, dtype=np.int64)
    since = np.full(n, NO_TIME, dtype=np.int64)
    status = np.full(n, -1, dtype=np.int64)

    tails = _group_tails(h.spell_task)
    since[h.spell_task[tails]] = h.start[tails]
    status[h.spell_task[tails]] = h.spell_status[tails]

    live = np.flatnonzero(h.spell_status != h.code("archived"))
    last_live = live[_group_tails(h.spell_task[live])]
    finished = last_live[h.spell_status[last_live] == h.code("done")]
    done[h.spell_task[finished]] = h.start[finished]

    running = np.flatnonzero(h.spell_status == h.code("running"))
    first_run = running[_group_heads(h.spell_task[running])]
    first_running[h.spell_task[first_run]] = h.start[first_run]
    return {"done": done, "first_running": first_running, "since": since, "status": status}

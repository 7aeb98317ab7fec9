"""Status history for analytics: the store's one replay engine, as numpy arrays.

The rules live in ``kanban_widget.store.replay`` (and the vocabulary it reads): every Hermes
event kind per version, the link demotions Hermes makes without an event, and an inferred
closing spell where the log cannot explain a task's current status.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..store.replay import Spells, group_heads as _group_heads, group_tails as _group_tails, \
    replay_board
from ._source import NO_TIME, Board, task_filter


#: Every task's spells as arrays (see ``kanban_widget.store.replay.Spells``).
History = Spells


def load_history(board: Board, tenant: Optional[str] = None,
                 assignee: Optional[str] = None, *, since_event: Optional[int] = None) -> History:
    """Replay the status history of every task passing the filters (with ``since_event``:
    only the events from that id on, see ``replay_board``)."""
    where, params = task_filter(board, tenant, assignee)
    return replay_board(board.conn, " AND ".join(where), params, since_event=since_event)


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

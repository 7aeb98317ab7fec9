"""Aging against each column's own history: ``spell_percentiles`` and the ``percentile`` that
``aging_wip`` reports.

A fixed threshold ("running > 10 min is stale") fits no board whose running spells last days;
comparing a card's time in its column with how long that column's past spells lasted does.
Both views use the same empirical distribution, so a card's age reaches the column's p-th
percentile exactly when its ``percentile`` is at least p.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pandas as pd

from ..store.errors import ValidationError
from ._replay import History, load_history
from ._source import NO_TIME, durations, now_seconds, open_board

#: Below this many finished spells a column's history is too thin to judge an age by:
#: its percentiles are NaT and its cards' ``percentile`` is NaN.
MIN_SPELLS = 20
#: The percentiles ``spell_percentiles`` reports by default.
SPELL_PERCENTILES = (50, 85, 95)


def finished_spells(h: History, now_s: int, since_event: Optional[int] = None) -> dict:
    """Per status code: the sorted lengths (seconds) of its spells that ended by ``now_s``
    (with ``since_event``, of a replay of recent events: only those begun by one of them, as
    the others' start is not known)."""
    ended = (h.end != NO_TIME) & (h.end <= now_s)
    if since_event is not None:
        ended &= h.start_id >= since_event
    length = h.end[ended] - h.start[ended]
    status = h.spell_status[ended]
    order = np.lexsort((length, status))
    length, status = length[order], status[order]
    bounds = np.searchsorted(status, np.arange(len(h.statuses) + 1))
    return {code: length[bounds[code]:bounds[code + 1]] for code in range(len(h.statuses))}


def percentile_of(ages_s: np.ndarray, spells_s: np.ndarray,
                  min_spells: int = MIN_SPELLS) -> np.ndarray:
    """100 × the share of ``spells_s`` (sorted) no longer than each age; NaN when fewer than
    ``min_spells`` spells."""
    if len(spells_s) < min_spells:
        return np.full(len(ages_s), np.nan)
    return 100.0 * np.searchsorted(spells_s, ages_s, side="right") / len(spells_s)


def spell_percentiles(src, *, percentiles: Sequence[float] = SPELL_PERCENTILES, now=None,
                      min_spells: int = MIN_SPELLS, tenant: Optional[str] = None,
                      assignee: Optional[str] = None,
                      recent_events: Optional[int] = None) -> pd.DataFrame:
    """How long each column's spells last: the board's yardstick for "this card is old".

    One row per status (board order; statuses no task ever held are left out), indexed by
    ``status``: ``spells`` (int64: the finished spells, those that ended by ``now``) and one
    ``timedelta64[ns]`` column per percentile, named ``p50``, ``p85``… The p-th percentile is
    the shortest finished spell such that at least p % of the finished spells were no longer
    (no interpolation). NaT where ``spells < min_spells`` (history too thin to judge by).

    A card whose time in its column is at or past ``p85`` has sat longer than 85 % of that
    column's past spells: the colour scale the board uses (under ``p50`` neutral, ``p50`` to
    ``p85`` amber, past ``p85`` red).

    :param percentiles: which percentiles (each in (0, 100]).
    :param now: count only spells that ended by then (default: the current time).
    :param min_spells: fewest finished spells a column needs.
    :param tenant, assignee: use only the spells of tasks in this tenant / assigned to this
        profile.
    :param recent_events: read only the board's last this-many events (by ``task_events.id``)
        and count only the spells begun by one of them: the recent yardstick, at a cost bounded
        by ``recent_events`` whatever the history's length. A history no longer than that is
        read whole (the same result as without it). Spells longer than the stretch of time those
        events cover cannot be counted, so keep it well above a column's longest usual spell's
        worth of events.
    """
    levels = [float(p) for p in percentiles]
    if not levels or any(not 0 < p <= 100 for p in levels):
        raise ValidationError(f"percentiles={percentiles!r}: give values in (0, 100], e.g. "
                              "(50, 85, 95)")
    if recent_events is not None and recent_events < 1:
        raise ValidationError(f"recent_events={recent_events!r}: give a positive number of "
                              "events, or None for the whole history")
    now_s = now_seconds(now)
    with open_board(src) as board:
        since = None if recent_events is None else _nth_last_event(board, recent_events)
        h = load_history(board, tenant, assignee, since_event=since)
    held = sorted(set(h.spell_status.tolist()))
    spells = finished_spells(h, now_s, since_event=since)
    columns: dict = {"spells": np.array([len(spells[c]) for c in held], dtype=np.int64)}
    for p in levels:
        values = np.array([_percentile(spells[c], p, min_spells) for c in held],
                          dtype=np.int64)
        columns[f"p{p:g}"] = durations(values)
    names = [h.statuses[c] for c in held]
    return pd.DataFrame(columns, index=pd.Index(names, name="status"))


def _nth_last_event(board, n: int) -> Optional[int]:
    """The id of the board's ``n``-th last event, or None when it has no more than ``n``
    (a walk down the rowid b-tree: ``n`` ids, not the history)."""
    row = board.conn.execute("SELECT id FROM task_events ORDER BY id DESC LIMIT 1 OFFSET ?",
                             (n,)).fetchone()
    return None if row is None else int(row[0]) + 1


def _percentile(sorted_s: np.ndarray, p: float, min_spells: int) -> int:
    """The ceil(n·p/100)-th smallest of ``sorted_s`` (``NO_TIME`` when too few)."""
    n = len(sorted_s)
    if n < min_spells or n == 0:
        return NO_TIME
    return int(sorted_s[max(int(np.ceil(n * p / 100 - 1e-9)), 1) - 1])


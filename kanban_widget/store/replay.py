"""The one replay engine: ``task_events`` plus the current ``tasks`` rows → each task's spells.

Every consumer of a task's status history uses it: analytics (``status_intervals``, the flow
views, cycle times, aging) and the tests; the card's "in this column since" is pinned to it by
a test. The rules come from the vocabulary (``vocabulary.STATUS_KINDS``), which follows what
each Hermes version writes:

- Events are taken per task in (``created_at``, ``id``) order. Each status-changing kind moves
  the task to its target, or to the status its payload names where the kind has one.
- Kinds Hermes writes even when nothing changed (``spawn_failed``, ``claim_rejected``,
  ``gave_up``…) apply only from the statuses they change.
- ``linked`` records no status change, but Hermes sends a ready child of a parent that is not
  done (archived included) back to todo: the replay infers that demotion from the parent's
  replayed status at that instant.
- A task with no ``created`` event (Hermes v1's gc deletes old events) starts at its
  ``created_at`` in the status its first event leads to (or its current status).
- Where the log still cannot explain the task's current status, the history is closed with a
  spell in that status starting at the task's last event: the log's last word on it.

Spells whose start no event of the task records (inferred demotions, synthesised starts, the
closing spell) are marked ``inferred``.

Vectorised with numpy (a dependency of the package through pandas): a million events replay in
about a second. Only analytics and the tests import this module; the rest of ``store`` imports
only the standard library.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

from ._columns import fetch_columns
from .vocabulary import (CONDITIONAL_KINDS, STATUS_KINDS, STATUS_KINDS_SQL, payload_text_sql,
                         status_order)

#: Marks a missing time (an open spell's end) in int64 seconds.
NO_TIME = np.iinfo(np.int64).min
_BEFORE_ALL = NO_TIME + 1                 # event id of a synthesised start: before every event
_AFTER_ALL = np.iinfo(np.int64).max       # event id of a closing spell: after every event

# Per event row, a flag: a plain kind, ``created``, or the i-th conditional kind (2 + i).
_PLAIN, _CREATED, _START = 0, 1, -1
_LINKED = 2 + CONDITIONAL_KINDS.index("linked")

_KIND_NAMES = list(STATUS_KINDS)
_KIND_FLAG = np.array([_CREATED if k == "created" else
                       2 + CONDITIONAL_KINDS.index(k) if k in CONDITIONAL_KINDS else _PLAIN
                       for k in _KIND_NAMES], dtype=np.int64)
_KEYS = sorted({spec.payload_key for spec in STATUS_KINDS.values() if spec.payload_key})


def _payload_sql(key: str) -> str:
    kinds = ", ".join(f"'{k}'" for k, spec in STATUS_KINDS.items() if spec.payload_key == key)
    return f"CASE WHEN kind IN ({kinds}) THEN {payload_text_sql(key)} END"


# Each status-changing event: task, time, id, kind (as an index into _KIND_NAMES) and the
# status its payload names (where its kind reads one). One flat query: SQLite re-evaluates a
# subquery's expression wherever an outer query repeats it. A ``linked`` event's parent is
# read later, only for the few links met while the child was ready.
_EVENTS_SQL = (
    "SELECT task_id, created_at, id, CASE kind "
    + " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(_KIND_NAMES)) + " END AS k, "
    + "COALESCE(" + ", ".join(_payload_sql(key) for key in _KEYS) + ") AS named"
    f" FROM task_events WHERE kind IN {STATUS_KINDS_SQL}{{where}}")
_EVENT_COLUMNS = [("task_id", "text"), ("created_at", "int"), ("id", "int"), ("k", "int"),
                  ("named", "text")]


@dataclass
class Spells:
    """Every replayed task's spells, as parallel numpy arrays. Times are Unix seconds.

    Tasks (``task_ids``, ``created``, ``current``) are in id order; spells are sorted by task,
    then start. ``spell_task`` indexes ``task_ids``; ``spell_status`` and ``current`` are
    codes into ``statuses``; ``end`` is ``NO_TIME`` while current; ``inferred`` marks spells
    whose start no event of the task records. ``first_event``/``last_event``: the earliest and
    latest event time or spell start (None on an empty board).
    """

    task_ids: np.ndarray
    created: np.ndarray
    current: np.ndarray
    statuses: list
    spell_task: np.ndarray
    spell_status: np.ndarray
    start: np.ndarray
    end: np.ndarray
    inferred: np.ndarray
    first_event: Optional[int]
    last_event: Optional[int]
    start_id: np.ndarray = None     # the id of the event starting each spell (order only)

    def code(self, status: str) -> int:
        """The code of ``status`` (-1 when no task ever held it)."""
        return self.statuses.index(status) if status in self.statuses else -1

    def last_status(self) -> dict:
        """``{task id: status of its last spell}``: what the replay says each task is now."""
        tails = group_tails(self.spell_task)
        names = np.asarray(self.statuses, dtype=object)
        return dict(zip(self.task_ids[self.spell_task[tails]],
                        names[self.spell_status[tails]]))


def replay_board(conn, task_where: str = "", params: Sequence = (), *,
                 since_event: Optional[int] = None) -> Spells:
    """Replay every task of the board open on ``conn`` (or those matching ``task_where``, SQL
    on ``tasks AS t`` with ``params``). Run it inside one read transaction for a consistent
    snapshot.

    With ``since_event``, only the events whose id is at least that are read, and only the
    tasks they touch are replayed: a bounded read of recent history. Each such task then
    starts with a synthesised spell (``start_id`` before every event) standing for whatever
    came before; its length is not known."""
    ev_where = (f" AND task_id IN (SELECT t.id FROM tasks t WHERE {task_where})"
                if task_where else "")
    ev_params = list(params)
    task_params = list(params)
    if since_event is not None:
        recent = "t.id IN (SELECT task_id FROM task_events WHERE id >= ?)"
        task_where = f"({task_where}) AND {recent}" if task_where else recent
        task_params.append(since_event)
        ev_where = " AND id >= ?" + ev_where
        ev_params.insert(0, since_event)
    where = f" WHERE {task_where}" if task_where else ""
    tasks = conn.execute(f"SELECT t.id, t.created_at, t.status FROM tasks t{where}",
                         task_params).fetchall()
    events = fetch_columns(conn, _EVENTS_SQL.format(where=ev_where), _EVENT_COLUMNS, ev_params)
    span = conn.execute("SELECT MIN(created_at), MAX(created_at) FROM task_events"
                        + (" WHERE" + ev_where[4:] if ev_where else ""), ev_params).fetchone()

    def last_seen(ids: list) -> dict:
        return _pairs(conn, "SELECT task_id, MAX(created_at) FROM task_events"
                            " WHERE task_id IN ({}) GROUP BY task_id", ids)

    def parents_of(event_ids: list) -> dict:
        return _pairs(conn, "SELECT id, CASE WHEN json_valid(payload) THEN"
                            " json_extract(payload, '$.parent') END FROM task_events"
                            " WHERE id IN ({})", event_ids)

    def other_tasks(ids: list) -> Spells:
        # Parents outside the replayed set (another tenant…), replayed for the link rule.
        marks = ",".join("?" * len(ids))
        rows = conn.execute(f"SELECT id, created_at, status FROM tasks WHERE id IN ({marks})",
                            ids).fetchall()
        evs = fetch_columns(conn, _EVENTS_SQL.format(where=f" AND task_id IN ({marks})"),
                            _EVENT_COLUMNS, ids)
        return replay(rows, evs, last_seen=last_seen)

    out = replay(tasks, events, last_seen=last_seen, parents_of=parents_of,
                 other_tasks=other_tasks)
    found = [v for v in (span[0], span[1]) if v is not None]
    if len(out.start):
        found += [int(out.start.min()), int(out.start.max())]
    out.first_event = min(found) if found else None
    out.last_event = max(found) if found else None
    return out


def _pairs(conn, sql: str, keys: list) -> dict:
    """``{key: value}`` from ``sql`` (two columns; ``{}`` takes the markers), 500 keys a query."""
    out: dict = {}
    for at in range(0, len(keys), 500):
        chunk = keys[at:at + 500]
        out.update(conn.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall())
    return out


def replay(tasks: Sequence, events: Sequence, *,
           last_seen: Optional[Callable[[list], dict]] = None,
           parents_of: Optional[Callable[[list], dict]] = None,
           other_tasks: Optional[Callable[[list], "Spells"]] = None) -> Spells:
    """Replay ``events`` against ``tasks``.

    ``tasks``: ``(id, created_at, status)`` rows. ``events``: the columns of ``_EVENTS_SQL``
    (task ids, times, ids, kind indexes, statuses named by payloads). ``last_seen(ids)`` gives
    the last event time of tasks whose history must be closed (default: their last spell's
    start); ``parents_of(event ids)`` the parent of each ``linked`` event (default: none
    known, no demotion); ``other_tasks(ids)`` replays parents missing from ``tasks``.
    """
    last_seen = last_seen or (lambda ids: {})
    ev_task, t, eid, kind, named = events
    parents_of = parents_of or (lambda ids: {})
    tasks = sorted(tasks, key=lambda r: r[0])
    task_ids = np.array([r[0] for r in tasks], dtype=object)
    created = np.array([r[1] for r in tasks], dtype=np.int64).reshape(-1)
    current_names = [r[2] for r in tasks]
    kind = np.asarray(kind, dtype=np.int64)
    named_at = np.flatnonzero(np.asarray([bool(x) for x in named], dtype=bool)) \
        if len(named) else np.empty(0, dtype=np.int64)
    named_values = [named[i] for i in named_at]
    statuses = status_order(set(current_names) | set(named_values))
    index = {s: i for i, s in enumerate(statuses)}
    current = np.array([index[s] for s in current_names], dtype=np.int64)

    defaults = np.array([index[spec.target] if spec.target else -1
                         for spec in STATUS_KINDS.values()], dtype=np.int64)
    code = defaults[kind] if len(kind) else np.empty(0, dtype=np.int64)
    code[named_at] = [index[x] for x in named_values]
    flag = _KIND_FLAG[kind] if len(kind) else np.empty(0, dtype=np.int64)
    tc = _task_codes(task_ids, ev_task)
    keep = tc >= 0                               # events of tasks no longer on the board drop
    rows = _Rows(tc[keep], np.asarray(t)[keep], np.asarray(eid)[keep],
                 np.asarray(flag, dtype=np.int64)[keep], code[keep])
    rows.add_starts(len(task_ids), created, current)

    allowed = _allowed_table(statuses)
    active, prev = rows.resolve(allowed, confirmed=None)
    spells = _close(_collapse(rows, active, prev), current, task_ids, last_seen)

    links = np.flatnonzero((rows.flag == _LINKED) & (prev == index["ready"]))
    if len(links):
        parent_of = parents_of([int(x) for x in rows.eid[links]])
        parents = [parent_of.get(int(x)) for x in rows.eid[links]]
        confirmed = _demotions(rows, links, parents, spells, task_ids, statuses, other_tasks)
        if confirmed.any():
            active, prev = rows.resolve(allowed, confirmed=confirmed)
            spells = _close(_collapse(rows, active, prev), current, task_ids, last_seen)

    s_task, s_status, s_start, s_inferred, s_eid = spells
    end = np.full(len(s_task), NO_TIME, dtype=np.int64)
    if len(s_task):
        same = s_task[1:] == s_task[:-1]
        end[:-1] = np.where(same, s_start[1:], NO_TIME)
    return Spells(task_ids, created, current, statuses, s_task, s_status, s_start, end,
                  s_inferred, None, None, s_eid)


class _Rows:
    """The event rows of a replay, sorted by task, time, id (plus synthesised starts)."""

    _COLUMNS = ("tc", "t", "eid", "flag", "code")

    def __init__(self, tc, t, eid, flag, code):
        self.tc, self.t, self.eid, self.flag, self.code = (
            tc, t.astype(np.int64), eid.astype(np.int64), flag, code)

    def add_starts(self, n_tasks: int, created: np.ndarray, current: np.ndarray) -> None:
        """Sort the rows; add a start row for each task without a ``created`` event."""
        t, eid = self.t, self.eid
        if len(t) > 1 and (t[1:] >= t[:-1]).all() and (eid[1:] > eid[:-1]).all():
            order = np.argsort(self.tc, kind="stable")   # already in time order: cheaper
        else:
            order = np.lexsort((eid, t, self.tc))
        for name in self._COLUMNS:
            setattr(self, name, getattr(self, name)[order])
        has_created = np.zeros(n_tasks, dtype=bool)
        has_created[self.tc[self.flag == _CREATED]] = True
        first_time = np.full(n_tasks, np.iinfo(np.int64).max, dtype=np.int64)
        heads = group_heads(self.tc)
        first_time[self.tc[heads]] = self.t[heads]
        # The status its first unconditional event leads to, else its current status.
        plain = np.flatnonzero((self.flag < 2) & (self.code >= 0))
        first_status = current.copy()
        firsts = plain[group_heads(self.tc[plain])]
        first_status[self.tc[firsts]] = self.code[firsts]
        missing = np.flatnonzero(~has_created)
        # A start row sorts first among its task's rows: insert it there.
        at = np.searchsorted(self.tc, missing, side="left")
        starts = {"tc": missing, "t": np.minimum(created[missing], first_time[missing]),
                  "eid": np.full(len(missing), _BEFORE_ALL, dtype=np.int64),
                  "flag": np.full(len(missing), _START, dtype=np.int64),
                  "code": first_status[missing]}
        for name in self._COLUMNS:
            setattr(self, name, np.insert(getattr(self, name), at, starts[name]))

    def resolve(self, allowed: np.ndarray, confirmed: Optional[np.ndarray]):
        """Which rows change the status, and each row's status just before it (-1: none).

        Unconditional rows always apply. A conditional row applies only from the statuses its
        kind allows (a ``linked`` row only when ``confirmed``), which depends on the rows
        before it: conditional rows are decided in rounds by their rank within their task, so
        each round sees every earlier decision.
        """
        n = len(self.tc)
        active = (self.flag < 2) & (self.code >= 0)
        cond = np.flatnonzero(self.flag >= 2)
        if confirmed is None:
            confirmed = np.zeros(n, dtype=bool)
        if len(cond):
            heads = group_heads(self.tc[cond])
            first = np.maximum.accumulate(np.where(heads, np.arange(len(cond)), 0))
            rank = np.arange(len(cond)) - first
            # Only the rows of tasks with conditional rows take part in the rounds.
            involved = np.isin(self.tc, np.unique(self.tc[cond]))
            sub = np.flatnonzero(involved)
            sub_pos = np.full(n, -1, dtype=np.int64)
            sub_pos[sub] = np.arange(len(sub))
            for k in range(int(rank.max()) + 1):
                these = cond[rank == k]
                before = _status_before(self.tc[sub], self.code[sub], active[sub])
                prev = before[sub_pos[these]]
                ok = allowed[self.flag[these] - 2, prev + 1] & (self.code[these] >= 0)
                linked = self.flag[these] == _LINKED
                ok[linked] &= confirmed[these[linked]]
                active[these] = ok
        return active, _status_before(self.tc, self.code, active)


def _status_before(tc: np.ndarray, code: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Per row (sorted by task), the task's status after the active rows before it (-1)."""
    n = len(tc)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    pos = np.where(active, np.arange(n), -1)
    last = np.maximum.accumulate(pos)
    before = np.empty(n, dtype=np.int64)
    before[0] = -1
    before[1:] = last[:-1]
    heads = group_heads(tc)
    task_first = np.maximum.accumulate(np.where(heads, np.arange(n), 0))
    valid = before >= task_first
    return np.where(valid, code[np.maximum(before, 0)], -1)


def _collapse(rows: _Rows, active: np.ndarray, prev: np.ndarray):
    """Spells from the rows that change the status: (task, status, start, inferred)."""
    changes = np.flatnonzero(active & (rows.code != prev))
    guessed = (rows.flag == _START) | (rows.flag == _LINKED)
    # An inferred change that an event of the task records in the same second (our store
    # writes ``status {todo}`` right after ``linked``) is recorded, not inferred.
    act = np.flatnonzero(active)
    confirmed = np.zeros(len(rows.tc), dtype=bool)
    if len(act) > 1:
        a, b = act[:-1], act[1:]
        confirmed[a] = ((rows.tc[a] == rows.tc[b]) & (rows.t[a] == rows.t[b])
                        & (rows.code[a] == rows.code[b]) & ~guessed[b])
    inferred = guessed[changes] & ~confirmed[changes]
    return (rows.tc[changes], rows.code[changes], rows.t[changes], inferred,
            rows.eid[changes])


def _close(spells, current: np.ndarray, task_ids: np.ndarray, last_seen):
    """Append, for each task whose last spell is not its current status, a closing spell in
    that status (inferred) from its last event."""
    task, status, start, inferred, eid = spells
    tails = np.flatnonzero(group_tails(task))
    wrong = tails[status[tails] != current[task[tails]]]
    if not len(wrong):
        return spells
    ids = list(task_ids[task[wrong]])
    seen = last_seen(ids)
    at = start[wrong].copy()
    for i, task_id in enumerate(ids):
        if seen.get(task_id) is not None:
            at[i] = max(at[i], seen[task_id])
    closing = task[wrong]
    task = np.concatenate([task, closing])
    status = np.concatenate([status, current[closing]])
    start = np.concatenate([start, at])
    inferred = np.concatenate([inferred, np.ones(len(wrong), dtype=bool)])
    eid = np.concatenate([eid, np.full(len(wrong), _AFTER_ALL, dtype=np.int64)])
    order = np.lexsort((eid, start, task))
    return task[order], status[order], start[order], inferred[order], eid[order]


def _demotions(rows: _Rows, links: np.ndarray, parents: list, spells, task_ids: np.ndarray,
               statuses: list, other_tasks) -> np.ndarray:
    """Which ``linked`` rows (among ``links``, met while the child was ready) demote the
    child: those whose parent was not done at that instant, by the parent's replay. Hermes
    demotes under an archived parent too (latest then promotes the child again at once, with
    an event; v0/v1 never do)."""
    s_task, s_status, s_start, _, s_eid = spells
    parents = [p if isinstance(p, str) and p else None for p in parents]
    pcode = _task_codes(task_ids, [p or "" for p in parents])
    lookups = {}        # parent id -> (keys, statuses) of its spells
    for p, c in zip(parents, pcode):
        if p is not None and c >= 0 and p not in lookups:
            lo, hi = np.searchsorted(s_task, [c, c + 1])
            lookups[p] = (list(zip(s_start[lo:hi].tolist(), s_eid[lo:hi].tolist())),
                          [statuses[x] for x in s_status[lo:hi]])
    missing = sorted({p for p, c in zip(parents, pcode) if p is not None and c < 0})
    if missing and other_tasks is not None:
        more = other_tasks(missing)
        for p, status_list in _spell_lists(more).items():
            lookups[p] = status_list
    confirmed = np.zeros(len(rows.tc), dtype=bool)
    for row, p in zip(links, parents):
        found = lookups.get(p)
        if found is None or not found[0]:
            continue            # an unknown parent: no demotion can be inferred
        keys, names = found
        i = max(bisect_right(keys, (int(rows.t[row]), int(rows.eid[row]))) - 1, 0)
        confirmed[row] = names[i] != "done"
    return confirmed


def _spell_lists(spells: Spells) -> dict:
    """Per task id: the keys (start, event id) and statuses of its spells."""
    out: dict = {}
    for i, task in enumerate(spells.spell_task.tolist()):
        keys, names = out.setdefault(spells.task_ids[task], ([], []))
        keys.append((int(spells.start[i]), int(spells.start_id[i])))
        names.append(spells.statuses[spells.spell_status[i]])
    return out


def _allowed_table(statuses: list) -> np.ndarray:
    """``[conditional kind, 1 + status code]``: whether the kind applies from that status
    (column 0: no status yet)."""
    table = np.zeros((len(CONDITIONAL_KINDS), len(statuses) + 1), dtype=bool)
    for i, kind in enumerate(CONDITIONAL_KINDS):
        for status in STATUS_KINDS[kind].only_from:
            if status in statuses:
                table[i, statuses.index(status) + 1] = True
    return table


def _task_codes(task_ids: np.ndarray, wanted) -> np.ndarray:
    """Index of each of ``wanted`` in ``task_ids`` (-1 where absent)."""
    where = _Index(zip(task_ids.tolist(), range(len(task_ids))))
    return np.fromiter(map(where.__getitem__, wanted), dtype=np.int64, count=len(wanted))


class _Index(dict):
    """A dict answering -1 for a missing key (``map`` over ``__getitem__`` stays in C)."""

    def __missing__(self, key):
        return -1


def group_heads(codes: np.ndarray) -> np.ndarray:
    """Mask of the first row of each run of equal values in sorted ``codes``."""
    heads = np.ones(len(codes), dtype=bool)
    heads[1:] = codes[1:] != codes[:-1]
    return heads


def group_tails(codes: np.ndarray) -> np.ndarray:
    """Mask of the last row of each run of equal values in sorted ``codes``."""
    tails = np.ones(len(codes), dtype=bool)
    tails[:-1] = codes[:-1] != codes[1:]
    return tails

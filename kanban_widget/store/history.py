"""Time travel: the board as it was at a past moment, and what changed between two moments.

``store.board(as_of=t)`` and :func:`diff` read a :class:`BoardHistory`: everything the event
log tells about the board's past, built once per board open (the replay engine's spells plus a
few more timelines) and rebuilt when the log has grown. Each timeline is a set of numpy rows
sorted by (owner, time, event id); "the value at t" for every owner at once is one
``searchsorted``, which is what makes scrubbing a 100,000-task board cheap.

What comes from the log, as it was at t: which tasks existed (created at or before t), each
task's status and when it entered it (the replay engine, ``replay.py``), its assignee and
priority (``assigned``/``reprioritized`` and the kinds that set them), its links (``created``
parents, ``linked``/``unlinked``) and so its parents' progress and link counts, its comment
count and the event cursor. Everything else (title, body, result, claim, tenant…) is the
current value: the snapshot lists those fields in ``current_fields``, and each card lists in
``current_values`` the fields whose value the log says (or cannot rule out) was different at
t: an ``edited`` event after t names a field but not its old value, and a priority or assignee
changed after t with no earlier value logged is unknown.

Like ``replay.py`` this module needs numpy; the store imports it only when a past board is
asked for.
"""

from __future__ import annotations

import datetime as _dt
import json
import weakref
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ._columns import fetch_columns
from .errors import ValidationError
from .models import BoardSnapshot
from .replay import replay_board
from .snapshot import cards_from_cursor
from .vocabulary import BOARD_COLUMNS, EVENT_ALIASES

#: Card fields the log tells as they were at ``as_of``; every other field is the current one.
FROM_LOG = ("status", "status_since", "assignee", "priority", "progress", "link_counts",
            "comment_count")

# Kinds that set the assignee, and the payload key holding the new one. ``assigned`` always
# sets it (no key: unassigned); the others only when their payload has the key.
_ASSIGNEE_KEYS = {"created": "assignee", "assigned": "assignee", "decomposed": "root_assignee",
                  "review_requested": "reviewer", "changes_requested": "implementer",
                  "review_reopened": "implementer"}
_PRIORITY_KINDS = ("created", "reprioritized", "priority")
# Payload keys naming who made a change, most specific first.
_ACTOR_KEYS = ("actor", "by", "author", "claimer", "reviewer", "implementer", "lock")


def as_seconds(when) -> int:
    """Unix seconds (int) from a datetime, a pandas Timestamp or a number of Unix seconds.

    A naive datetime or Timestamp is read as UTC. Raises ValidationError for anything else.
    """
    if isinstance(when, bool):
        raise ValidationError(f"as_of must be a datetime, a pandas Timestamp or Unix seconds, "
                              f"not {when!r}")
    if isinstance(when, (int, float, np.integer, np.floating)):
        if not np.isfinite(when):
            raise ValidationError(f"as_of must be a finite number of Unix seconds, not {when!r}")
        return int(np.floor(when))
    if hasattr(when, "timestamp") and hasattr(when, "tzinfo"):   # datetime, pandas Timestamp
        if when.tzinfo is None:
            when = when.replace(tzinfo=_dt.timezone.utc)
        return int(np.floor(when.timestamp()))
    raise ValidationError(
        f"as_of must be a datetime, a pandas Timestamp or Unix seconds (int or float), not "
        f"{type(when).__name__} {when!r}; e.g. as_of=datetime(2026, 11, 23, 9, 0)")


class _Timeline:
    """Rows owned by ``n_owners`` owners (tasks, links), each with a time and an event id:
    for any instant, the last row of every owner at or before it, in one vectorised step."""

    def __init__(self, owner, time, eid, n_owners: int):
        owner = np.asarray(owner, dtype=np.int64)
        time = np.asarray(time, dtype=np.int64)
        self.order = np.lexsort((np.asarray(eid, dtype=np.int64), time, owner))
        self.owner, self.time = owner[self.order], time[self.order]
        self.n = n_owners
        # Times as dense ranks keep owner * width + rank inside int64 whatever the clock.
        self.times = np.unique(self.time)
        self.width = len(self.times) + 1
        self.key = self.owner * self.width + np.searchsorted(self.times, self.time)
        self.first = np.full(n_owners, -1, dtype=np.int64)
        if len(self.owner):
            heads = np.r_[True, self.owner[1:] != self.owner[:-1]]
            self.first[self.owner[heads]] = np.flatnonzero(heads)

    def sorted(self, values) -> np.ndarray:
        """``values`` (one per row, in the order given) in the timeline's row order."""
        return np.asarray(values)[self.order]

    def last_at(self, t: int) -> np.ndarray:
        """Per owner, the index (in row order) of its last row at or before ``t``, else -1."""
        rank = np.searchsorted(self.times, t, side="right")      # rows with rank < it count
        probe = np.arange(self.n, dtype=np.int64) * self.width + rank - 1
        pos = np.searchsorted(self.key, probe, side="right") - 1
        ok = pos >= 0
        ok[ok] = self.owner[pos[ok]] == np.flatnonzero(ok)
        return np.where(ok, pos, -1)

    def count_at(self, t: int) -> np.ndarray:
        """Per owner, how many of its rows are at or before ``t``."""
        pos = self.last_at(t)
        return np.where(pos >= 0, pos - self.first + 1, 0)


@dataclass(frozen=True)
class PastBoard(BoardSnapshot):
    """The board as the log says it was at ``as_of`` (Unix seconds); see :mod:`.history`.

    ``now`` is ``as_of`` and ``cursor`` the last event id stamped at or before it. Card fields
    in ``from_log`` are as they were then; ``current_fields`` are today's values. Each card
    lists in ``current_values`` the fields shown with today's value although the log says
    (or cannot rule out) they were different then.
    """

    as_of: int = 0
    from_log: tuple = FROM_LOG
    current_fields: tuple = field(default_factory=tuple)


@dataclass
class _State:
    """Every task's state at one instant, as arrays indexed by task code."""

    exists: np.ndarray
    status: np.ndarray          # code into BoardHistory.statuses
    since: np.ndarray
    spell: np.ndarray           # the status timeline's row in effect


class BoardHistory:
    """What the log tells about a board's past, precomputed from one read transaction.

    Build it with ``BoardHistory(conn)`` inside a read transaction; :meth:`board_at`,
    :meth:`diff`, :meth:`density` answer from memory. :func:`history_of` keeps one per open
    :class:`Store` and rebuilds it when the log has changed.
    """

    def __init__(self, conn):
        self.key = _log_key(conn)
        spells = replay_board(conn)
        self.task_ids = spells.task_ids
        self.code_of = {task_id: i for i, task_id in enumerate(self.task_ids.tolist())}
        self.created = spells.created
        self.statuses = spells.statuses
        self.archived = self.statuses.index("archived")
        self.done = self.statuses.index("done")
        n = len(self.task_ids)
        self.status = _Timeline(spells.spell_task, spells.start, spells.start_id, n)
        self.status_code = self.status.sorted(spells.spell_status)
        self.status_start = self.status.sorted(spells.start)
        self.status_event = self.status.sorted(spells.start_id)
        self._read_tasks(conn)
        self._read_assignees(conn)
        self._read_priorities(conn)
        self._read_links(conn)
        self._read_comments_and_edits(conn)
        times, ids = fetch_columns(conn, "SELECT created_at, id FROM task_events",
                                   [("created_at", "int"), ("id", "int")])
        order = np.argsort(times, kind="stable")
        self.event_times = times[order]
        self.event_cursor = np.maximum.accumulate(ids[order]) if len(ids) else ids

    # -- building ------------------------------------------------------------------------------

    def _codes(self, task_ids) -> np.ndarray:
        get = self.code_of.get
        return np.fromiter((get(t, -1) for t in task_ids), dtype=np.int64, count=len(task_ids))

    def _read_tasks(self, conn) -> None:
        cursor = conn.cursor()
        cursor.row_factory = None
        cursor.execute("SELECT * FROM tasks")
        self.columns = [d[0] for d in cursor.description]
        by_id = {row[0]: row for row in cursor}
        self.rows = [by_id[t] for t in self.task_ids.tolist()]
        at = {name: i for i, name in enumerate(self.columns)}
        self.current_assignee = [row[at["assignee"]] for row in self.rows]
        self.current_priority = np.array([row[at["priority"]] or 0 for row in self.rows],
                                         dtype=np.int64)
        self.tenant = [row[at["tenant"]] for row in self.rows]
        self.title = [row[at["title"]] for row in self.rows]

    def _value_timeline(self, rows) -> tuple:
        """A timeline from ``(task id, time, event id, value)`` rows, its values in row order,
        and per task whether its first row is its ``created`` event (a value known from the
        start)."""
        rows = [r for r in rows if r[0] in self.code_of]
        timeline = _Timeline(self._codes([r[0] for r in rows]), [r[1] for r in rows],
                             [r[2] for r in rows], len(self.task_ids))
        values = timeline.sorted(np.array([r[3] for r in rows] + [None], dtype=object)[:-1])
        kinds = timeline.sorted(np.array([r[4] for r in rows] + [None], dtype=object)[:-1])
        starts_known = np.zeros(len(self.task_ids), dtype=bool)
        has = timeline.first >= 0
        starts_known[has] = kinds[timeline.first[has]] == "created"
        return timeline, values, starts_known

    def _read_assignees(self, conn) -> None:
        arms = " ".join(f"WHEN '{k}' THEN '$.{v}'" for k, v in _ASSIGNEE_KEYS.items())
        kinds = ", ".join(f"'{k}'" for k in _ASSIGNEE_KEYS)
        rows = conn.execute(
            f"SELECT task_id, created_at, id, payload, kind, CASE kind {arms} END FROM task_events"
            f" WHERE kind IN ({kinds})").fetchall()
        found = []
        for task_id, at, eid, payload, kind, path in rows:
            data = _payload(payload)
            key = path[2:]
            if key in data:
                value = data[key]
            elif kind == "assigned":
                value = None
            else:
                continue
            found.append((task_id, at, eid, value if isinstance(value, str) and value else None,
                          kind))
        self.assignee, self.assignee_value, self.assignee_known = self._value_timeline(found)

    def _read_priorities(self, conn) -> None:
        kinds = ", ".join(f"'{k}'" for k in _PRIORITY_KINDS)
        rows = conn.execute(
            "SELECT task_id, created_at, id, json_extract(payload, '$.priority'), kind"
            f" FROM task_events WHERE kind IN ({kinds}) AND json_valid(payload)"
            " AND json_type(payload, '$.priority') IN ('integer', 'real')").fetchall()
        self.priority, values, self.priority_known = self._value_timeline(rows)
        self.priority_value = values.astype(np.int64)

    def _read_links(self, conn) -> None:
        """Every link's history: added by a ``created`` event's parents or ``linked``, removed
        by ``unlinked``; a link with no event at all is dated from its younger task."""
        rows = conn.execute(
            "SELECT j.value, e.task_id, e.created_at, e.id, 1 FROM task_events e,"
            " json_each(e.payload, '$.parents') j WHERE e.kind = 'created'"
            " AND json_valid(e.payload) AND json_type(e.payload, '$.parents') = 'array'"
            " UNION ALL SELECT json_extract(payload, '$.parent'),"
            " COALESCE(json_extract(payload, '$.child'), task_id), created_at, id,"
            " kind = 'linked' FROM task_events"
            " WHERE kind IN ('linked', 'unlinked') AND json_valid(payload)").fetchall()
        edges: dict = {}
        found = []
        for parent, child, at, eid, added in rows:
            if parent in self.code_of and child in self.code_of:
                found.append((edges.setdefault((parent, child), len(edges)), at, eid, added))
        for parent, child in conn.execute("SELECT parent_id, child_id FROM task_links"):
            if (parent, child) not in edges and parent in self.code_of and child in self.code_of:
                born = max(self.created[self.code_of[parent]], self.created[self.code_of[child]])
                found.append((edges.setdefault((parent, child), len(edges)), born, -1, 1))
        self.link_parent = self._codes([p for p, _ in edges])
        self.link_child = self._codes([c for _, c in edges])
        self.link = _Timeline([r[0] for r in found], [r[1] for r in found],
                              [r[2] for r in found], len(edges))
        self.link_added = self.link.sorted(np.array([bool(r[3]) for r in found], dtype=bool))

    def _read_comments_and_edits(self, conn) -> None:
        rows = [r for r in conn.execute("SELECT task_id, created_at, id FROM task_comments")
                if r[0] in self.code_of]
        self.comments = _Timeline(self._codes([r[0] for r in rows]), [r[1] for r in rows],
                                  [r[2] for r in rows], len(self.task_ids))
        self.edits: dict = {}       # task code -> [(time, fields)], for ``current_values``
        for task_id, at, payload in conn.execute(
                "SELECT task_id, created_at, payload FROM task_events WHERE kind = 'edited'"):
            fields = _payload(payload).get("fields")
            if task_id in self.code_of and isinstance(fields, list):
                self.edits.setdefault(self.code_of[task_id], []).append(
                    (at, [f for f in fields if isinstance(f, str)]))

    # -- reading -------------------------------------------------------------------------------

    def state_at(self, t: int) -> _State:
        """Which tasks existed at ``t``, and each one's status and since when."""
        exists = self.created <= t
        spell = self.status.last_at(t)
        # A task whose first spell starts after its creation (clocks that disagree): its
        # first status.
        spell = np.where(spell >= 0, spell, self.status.first)
        return _State(exists, self.status_code[spell], self.status_start[spell], spell)

    def _value_at(self, timeline, values, known_from_start, current, t):
        """Each task's value at ``t`` and whether it is unknown (changed later, no value
        logged before): then it is the current value."""
        pos = timeline.last_at(t)
        has = pos >= 0
        out = np.array(current, dtype=object) if values.dtype == object else current.copy()
        out[has] = values[pos[has]]
        unknown = ~has & (timeline.first >= 0) & ~known_from_start
        return out, unknown

    def board_at(self, t: int, *, tenant: Optional[str] = None,
                 include_archived: bool = False) -> PastBoard:
        """The board at ``t`` (Unix seconds), laid out as :meth:`Store.board` lays it out."""
        state = self.state_at(t)
        assignee, assignee_unknown = self._value_at(
            self.assignee, self.assignee_value, self.assignee_known, self.current_assignee, t)
        priority, priority_unknown = self._value_at(
            self.priority, self.priority_value, self.priority_known, self.current_priority, t)
        aggregates = self._aggregates(t, state)
        shown = state.exists.copy()
        if not include_archived:
            shown &= state.status != self.archived
        if tenant is not None:
            shown &= np.array([x == tenant for x in self.tenant], dtype=bool)
        codes = np.flatnonzero(shown)
        codes = codes[np.lexsort((codes, self.created[codes], -priority[codes]))]
        cards = cards_from_cursor(
            _Rows(self.columns, ([*self.rows[i], int(state.since[i])] for i in codes.tolist())),
            aggregates)
        names = self.statuses
        for card, i in zip(cards, codes.tolist()):
            card["status"] = names[state.status[i]]
            card["assignee"] = assignee[i]
            card["priority"] = int(priority[i])
            later = [f for at, fields in self.edits.get(i, ()) if at > t for f in fields]
            if assignee_unknown[i]:
                later.append("assignee")
            if priority_unknown[i]:
                later.append("priority")
            card["current_values"] = sorted(set(later))
        columns: dict = {status: [] for status in BOARD_COLUMNS}
        if include_archived:
            columns["archived"] = []
        extra: dict = {}
        for card in cards:
            (columns if card["status"] in columns else extra).setdefault(
                card["status"], []).append(card)
        for status in sorted(extra):
            columns[status] = extra[status]
        alive = state.exists & (state.status != self.archived)
        return PastBoard(
            columns=columns,
            tenants=sorted({self.tenant[i] for i in np.flatnonzero(state.exists).tolist()}
                           - {None}),
            assignees=sorted({assignee[i] for i in np.flatnonzero(alive).tolist()} - {None}),
            cursor=self.cursor_at(t), now=t, as_of=t,
            current_fields=tuple(c for c in self.columns if c not in FROM_LOG))

    def _aggregates(self, t: int, state: _State) -> tuple:
        """(parents per task, [children, non-archived, done] per parent, comments per task)
        at ``t``, in the form :func:`cards_from_cursor` takes."""
        pos = self.link.last_at(t)
        live = np.zeros(len(pos), dtype=bool)
        live[pos >= 0] = self.link_added[pos[pos >= 0]]
        live &= state.exists[self.link_parent] & state.exists[self.link_child]
        parent, child = self.link_parent[live], self.link_child[live]
        n = len(self.task_ids)
        child_status = state.status[child]
        n_parents = np.bincount(child, minlength=n)
        n_children = np.bincount(parent, minlength=n)
        n_open = np.bincount(parent[child_status != self.archived], minlength=n)
        n_done = np.bincount(parent[child_status == self.done], minlength=n)
        ids = self.task_ids
        parents = dict(zip(ids[n_parents > 0].tolist(), n_parents[n_parents > 0].tolist()))
        with_children = np.flatnonzero(n_children)
        children = {ids[i]: [int(n_children[i]), int(n_open[i]), int(n_done[i])]
                    for i in with_children.tolist()}
        counts = self.comments.count_at(t)
        comments = dict(zip(ids[counts > 0].tolist(), counts[counts > 0].tolist()))
        return parents, children, comments

    def cursor_at(self, t: int) -> int:
        """The last event id stamped at or before ``t`` (0: none)."""
        i = np.searchsorted(self.event_times, t, side="right")
        return int(self.event_cursor[i - 1]) if i else 0

    def span(self) -> Optional[tuple]:
        """(first, last) event time, or None on a board with no events."""
        if not len(self.event_times):
            return None
        return int(self.event_times[0]), int(self.event_times[-1])

    def density(self, bins: int = 200, span: Optional[tuple] = None) -> dict:
        """Event counts over ``span`` (default: the whole history) in ``bins`` equal slices:
        ``{"start", "end", "counts"}`` (what the scrubber's strip draws)."""
        span = span or self.span() or (0, 0)
        start, end = int(span[0]), int(span[1])
        counts, _ = np.histogram(self.event_times, bins=max(1, int(bins)),
                                 range=(start, max(end, start + 1)))
        return {"start": start, "end": end, "counts": counts.tolist()}

    def diff(self, since: int, until: int, *, include_archived: bool = False) -> list:
        """The cards that entered, left or moved between columns from ``since`` to ``until``
        (see :func:`diff`), without who did it (``by`` is filled by :func:`diff`)."""
        before, after = self.state_at(since), self.state_at(until)
        on_before = before.exists & (include_archived | (before.status != self.archived))
        on_after = after.exists & (include_archived | (after.status != self.archived))
        changed = np.flatnonzero((on_before != on_after)
                                 | (on_before & on_after & (before.status != after.status)))
        names = self.statuses
        out = []
        for i in changed.tolist():
            # The spell in effect at ``until``: the move into the final column, or off the
            # board (archived).
            spell = int(after.spell[i])
            entered = not on_before[i]
            out.append({
                "id": self.task_ids[i], "title": self.title[i],
                "change": "entered" if entered else "left" if not on_after[i] else "moved",
                "from": names[before.status[i]] if on_before[i] else None,
                "to": names[after.status[i]] if on_after[i] else None,
                "at": int(self.status_start[spell]),
                "event_id": _event_id(self.status_event[spell]),
            })
        # In the order they happened: by time, then event id (inferred changes first).
        out.sort(key=lambda c: (c["at"], c["event_id"] or -1, c["id"]))
        return out


class _Rows:
    """Stands in for a cursor: ``description`` and row tuples, for :func:`cards_from_cursor`."""

    def __init__(self, columns: list, rows):
        self.description = [(name,) for name in columns] + [("status_since",)]
        self._rows = rows

    def __iter__(self):
        return iter(self._rows)


def _payload(text) -> dict:
    try:
        data = json.loads(text) if text else None
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _event_id(value) -> Optional[int]:
    """An event id from the replay (None for a start or close the replay inferred)."""
    value = int(value)
    return value if 0 <= value < np.iinfo(np.int64).max else None


def _log_key(conn) -> tuple:
    """What changes whenever the history could: events, comments and tasks added or removed."""
    return conn.execute(
        "SELECT (SELECT MAX(id) FROM task_events), (SELECT COUNT(*) FROM task_events),"
        " (SELECT MAX(id) FROM task_comments), (SELECT COUNT(*) FROM tasks)").fetchone()


# -- the store's entry points -----------------------------------------------------------------

_HISTORIES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def history_of(store) -> BoardHistory:
    """The :class:`BoardHistory` of an open store, built on first use and rebuilt when its
    log has changed since (checked with one cheap query per call)."""
    with store.reading() as conn:
        known = _HISTORIES.get(store)
        if known is not None and known.key == _log_key(conn):
            return known
        built = _HISTORIES[store] = BoardHistory(conn)
        return built


def past_board(store, as_of, *, tenant: Optional[str] = None,
               include_archived: bool = False) -> PastBoard:
    """``store.board(as_of=...)``: the board as it was at ``as_of`` (a datetime, a pandas
    Timestamp or Unix seconds), everything stamped at or before it included."""
    return history_of(store).board_at(as_seconds(as_of), tenant=tenant,
                                      include_archived=include_archived)


def diff(store, since, until=None, *, include_archived: bool = False) -> list[dict]:
    """Which cards entered, left or moved between columns from ``since`` to ``until`` (default:
    now; datetimes, pandas Timestamps or Unix seconds), oldest change first.

    Each change: ``id``, ``title`` (current), ``change`` (``entered``, ``left``, ``moved``),
    ``from``/``to`` (the column at each end, None off the board), ``at`` (when the task entered
    its final column, or left the board), ``kind`` (the event that did it; None where the
    replay inferred the change) and ``by`` (who, where the event or the task names someone:
    its payload's actor, reviewer, claim lock…, or the task's creator for ``created``).
    Archived cards are off the board unless ``include_archived``.
    """
    start = as_seconds(since)
    end = store.now() if until is None else as_seconds(until)
    if end < start:
        raise ValidationError(f"diff: until ({end}) is before since ({start}); swap them")
    history = history_of(store)
    changes = history.diff(start, end, include_archived=include_archived)
    ids = [c["event_id"] for c in changes if c["event_id"] is not None]
    events = {}
    with store.reading() as conn:
        for at in range(0, len(ids), 500):
            chunk = ids[at:at + 500]
            events.update((r[0], r[1:]) for r in conn.execute(
                "SELECT e.id, e.kind, e.payload, t.created_by FROM task_events e"
                " LEFT JOIN tasks t ON t.id = e.task_id"
                f" WHERE e.id IN ({','.join('?' * len(chunk))})", chunk))
    for change in changes:
        kind, payload, creator = events.get(change.pop("event_id"), (None, None, None))
        data = _payload(payload)
        by = next((data[k] for k in _ACTOR_KEYS if isinstance(data.get(k), str) and data[k]),
                  None)
        change["kind"] = EVENT_ALIASES.get(kind, kind)
        change["by"] = by if by or kind != "created" else creator
    return changes

"""Time travel: the board as it was at a past moment, and what changed between two moments.

``store.board(as_of=t)`` and :func:`diff` read a :class:`BoardHistory`: everything the event
log tells about the board's past, built once per open store (the replay engine's spells plus a
few more timelines, :mod:`._timeline`) and patched as events arrive: only the tasks the new
events touch are re-read and replayed (a rebuild only when rows were deleted or renumbered).
"The value at t" for every task at once is one ``searchsorted`` per timeline, which is what
makes scrubbing a 100,000-task board cheap (``bench/results/history.md``).

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
from typing import Callable, Optional

import numpy as np

from ._columns import fetch_columns
from .errors import ValidationError
from .models import BoardSnapshot
from .replay import replay_board
from .snapshot import cards_from_cursor
from ._timeline import Timeline
from .vocabulary import BOARD_COLUMNS, EVENT_ALIASES, UNASSIGNED, status_order

#: Card fields the log tells as they were at ``as_of``; every other field is the current one.
FROM_LOG = ("status", "status_since", "assignee", "priority", "progress", "link_counts",
            "comment_count")

# Kinds that set the assignee, and the payload key holding the new one. ``assigned`` always
# sets it (no key: unassigned); the others only when their payload has the key.
_ASSIGNEE_KEYS = {"created": "assignee", "assigned": "assignee", "decomposed": "root_assignee",
                  "review_requested": "reviewer", "changes_requested": "implementer",
                  "review_reopened": "implementer"}
_PRIORITY_KINDS = ("created", "reprioritized", "priority")
#: The steps of building a history, in order, as a build's ``progress`` reports them.
BUILD_PHASES = ("tasks", "statuses", "assignees", "priorities", "links", "comments", "edits",
                "event times")
#: A log of at most this many events is replayed on the spot when a history is first asked for
#: (well under a second); a widget builds a longer one in the background and shows progress
#: (:func:`history_pending`, :func:`prepare_history`).
QUICK_BUILD_EVENTS = 50_000

#: ``progress(phase, done, of)``: a build is at ``phase``, ``done`` of ``of`` steps finished.
Progress = Callable[[str, int, int], None]

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


@dataclass(frozen=True)
class PastBoard(BoardSnapshot):
    """The board as the log says it was at ``as_of`` (Unix seconds); see :mod:`.history`.

    ``now`` is ``as_of`` and ``cursor`` the last event id stamped at or before it. Card fields
    in ``from_log`` are as they were then; ``current_fields`` are today's values. Each card
    lists in ``current_values`` the fields shown with today's value although the log says
    (or cannot rule out) they were different then. ``column_counts``: cards per column (all
    of them, also where ``per_column`` kept only the first few as card dicts).
    """

    as_of: int = 0
    from_log: tuple = FROM_LOG
    current_fields: tuple = field(default_factory=tuple)
    column_counts: dict = field(default_factory=dict)


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
    :meth:`diff`, :meth:`density` answer from memory, and :meth:`refresh` folds in what was
    appended since (re-reading only the tasks the new events touch). :func:`history_of`
    keeps one per open :class:`Store`.

    Tasks are numbered by codes in arrival order (``task_ids[code]``); every per-task array is
    indexed by code.
    """

    def __init__(self, conn, progress: Optional[Progress] = None):
        self.key = _log_key(conn)
        self.quick_key = None       # history_of's check that nothing was committed since
        self.task_ids: list = []
        self.code_of: dict = {}
        # Per task code, from ``tasks``: what the history needs of the current rows.
        self.title: list = []
        self.created = self.current_priority = np.empty(0, dtype=np.int64)
        # Assignees and tenants as codes into ``names`` (-1: none): int arrays scrub faster
        # than arrays of texts.
        self.names: list = []
        self.name_code: dict = {None: -1}
        self.current_assignee = self.tenant = np.empty(0, dtype=np.int64)
        self.statuses = status_order(())
        self.archived = self.statuses.index("archived")
        self.done = self.statuses.index("done")
        self.edges: dict = {}           # (parent id, child id) -> link code
        self.link_parent = self.link_child = np.empty(0, dtype=np.int64)   # per link code
        self.edits: dict = {}           # task code -> [(time, fields)], for ``current_values``
        # The timelines (owners: task codes, link codes for ``link``); built by _absorb.
        self.status = self.assignee = self.priority = self.link = self.comments = None
        step = _steps(progress)
        self._absorb(conn, None, step)
        step("event times")
        self.event_times = np.empty(0, dtype=np.int64)
        self.event_ids = np.empty(0, dtype=np.int64)
        self._add_event_times(conn, None)
        step(None)

    # -- building ------------------------------------------------------------------------------

    def refresh(self, conn) -> bool:
        """Fold in what the log gained since this history was built (inside a read
        transaction). Returns False when only a rebuild can (events or tasks removed or
        renumbered, a task written with no event, or too much new to patch)."""
        key = _log_key(conn)
        if key == self.key:
            return True
        old_max, old_count, old_comment, _ = self.key
        if old_max is None or key[0] is None or key[0] < old_max:
            return False
        added = conn.execute("SELECT COUNT(*) FROM task_events WHERE id > ?",
                             (old_max,)).fetchone()[0]
        if key[1] != old_count + added or (key[2] or 0) < (old_comment or 0):
            return False
        touched = {r[0] for r in conn.execute(
            "SELECT DISTINCT task_id FROM task_events WHERE id > ? UNION"
            " SELECT task_id FROM task_comments WHERE id > ?", (old_max, old_comment or 0))}
        if len(touched) > max(1000, len(self.task_ids) // 5):
            return False
        self._absorb(conn, sorted(touched))
        if len(self.task_ids) != key[3]:
            return False
        self._add_event_times(conn, old_max)
        self.key = key
        return True

    def _absorb(self, conn, ids: Optional[list], step: Callable = lambda phase: None) -> None:
        """(Re)read every timeline of the tasks ``ids`` (None: the whole board); ``step(phase)``
        is called as each of :data:`BUILD_PHASES` begins."""
        where, params = ("", ()) if ids is None else (
            "t.id IN (SELECT value FROM json_each(?))", (json.dumps(ids),))
        events_of = "" if ids is None else " AND task_id IN (SELECT value FROM json_each(?))"
        step("tasks")
        codes = self._read_tasks(conn, where, params)
        n = len(self.task_ids)

        def timeline(old, owner, time, eid, **values):
            if old is None:
                return Timeline(owner, time, eid, n, **values)
            return old.replaced(codes, n, owner, time, eid, **values)

        step("statuses")
        spells = replay_board(conn, where, params)
        for status in spells.statuses:
            if status not in self.statuses:
                self.statuses.append(status)
        to_global = np.array([self.statuses.index(s) for s in spells.statuses], dtype=np.int64)
        self.status = timeline(
            self.status, self._codes(spells.task_ids[spells.spell_task]),
            spells.start, spells.start_id, status=to_global[spells.spell_status],
            start=spells.start)
        step("assignees")
        owner, time, eid, value, created = self._assignee_rows(conn, events_of, params)
        self.assignee = timeline(self.assignee, owner, time, eid,
                                 value=np.asarray(value, dtype=np.int64).reshape(-1),
                                 created=created)
        step("priorities")
        owner, time, eid, value, created = self._priority_rows(conn, events_of, params)
        self.priority = timeline(self.priority, owner, time, eid,
                                 value=np.asarray(value, dtype=np.int64).reshape(-1),
                                 created=created)
        step("links")
        self._read_links(conn, codes, events_of, params)
        step("comments")
        rows = conn.execute(f"SELECT task_id, created_at, id FROM task_comments WHERE 1{events_of}",
                            params).fetchall()
        rows = [r for r in rows if r[0] in self.code_of]
        self.comments = timeline(self.comments,
                                 self._codes([r[0] for r in rows]), [r[1] for r in rows],
                                 [r[2] for r in rows])
        step("edits")
        self._read_edits(conn, codes, events_of, params)

    def _codes(self, task_ids) -> np.ndarray:
        get = self.code_of.get
        return np.fromiter((get(t, -1) for t in task_ids), dtype=np.int64, count=len(task_ids))

    def _read_tasks(self, conn, where: str, params) -> np.ndarray:
        """Read the tasks' creation time and current assignee, priority, tenant and title (new
        tasks get the next codes); returns the codes of the tasks read."""
        found = conn.execute(f"SELECT {', '.join(_CURRENT)} FROM tasks t"
                             + (f" WHERE {where}" if where else "") + " ORDER BY t.id",
                             params).fetchall()
        fresh = [row[0] for row in found if row[0] not in self.code_of]
        for task_id in fresh:
            self.code_of[task_id] = len(self.task_ids)
            self.task_ids.append(task_id)
        self.title += [None] * len(fresh)
        grow = len(fresh)
        self.created = np.concatenate([self.created, np.zeros(grow, dtype=np.int64)])
        self.current_priority = np.concatenate([self.current_priority,
                                                np.zeros(grow, dtype=np.int64)])
        self.current_assignee = np.concatenate([self.current_assignee, np.full(grow, -1)])
        self.tenant = np.concatenate([self.tenant, np.full(grow, -1)])
        codes = self._codes([row[0] for row in found])
        _, created, assignee, priority, tenant, title = zip(*found) if found else ((),) * 6
        self.created[codes] = created
        self.current_priority[codes] = [p or 0 for p in priority]
        self.current_assignee[codes] = self._name_codes(assignee)
        self.tenant[codes] = self._name_codes(tenant)
        for code, text in zip(codes.tolist(), title):
            self.title[code] = text
        return codes

    def _name_codes(self, texts) -> np.ndarray:
        """Codes of assignee or tenant names (-1 for None), new names added to ``names``."""
        codes = self.name_code
        for text in texts:
            if text not in codes:
                codes[text] = len(self.names)
                self.names.append(text)
        return np.fromiter((codes[t] for t in texts), dtype=np.int64, count=len(texts))

    def _name(self, code) -> Optional[str]:
        return self.names[code] if code >= 0 else None

    def _names_in(self, codes: np.ndarray) -> list:
        """The distinct names among ``codes``, sorted (none left out)."""
        return sorted(self.names[c] for c in np.unique(codes).tolist() if c >= 0)

    def _value_rows(self, rows) -> tuple:
        """Columns (owner codes, times, event ids, values, from ``created``) of ``(task id,
        time, event id, value, kind)`` rows, keeping those of known tasks."""
        rows = [r for r in rows if r[0] in self.code_of]
        return (self._codes([r[0] for r in rows]), [r[1] for r in rows], [r[2] for r in rows],
                [r[3] for r in rows], np.array([r[4] == "created" for r in rows], dtype=bool))

    def _assignee_rows(self, conn, events_of: str, params) -> tuple:
        # ``assigned`` always sets the assignee (no key: unassigned); the other kinds only
        # when their payload has their key.
        path = "CASE kind " + " ".join(
            f"WHEN '{k}' THEN '$.{v}'" for k, v in _ASSIGNEE_KEYS.items()) + " END"
        kinds = ", ".join(f"'{k}'" for k in _ASSIGNEE_KEYS)
        rows = conn.execute(
            f"SELECT task_id, created_at, id, json_extract(payload, {path}), kind"
            f" FROM task_events WHERE kind IN ({kinds}){events_of} AND (kind = 'assigned'"
            f" OR (json_valid(payload) AND json_type(payload, {path}) IS NOT NULL))",
            params).fetchall()
        names = self._name_codes([v if isinstance(v, str) and v else None
                                  for _, _, _, v, _ in rows])
        return self._value_rows([(t, at, eid, name, k)
                                 for (t, at, eid, _, k), name in zip(rows, names.tolist())])

    def _priority_rows(self, conn, events_of: str, params) -> tuple:
        kinds = ", ".join(f"'{k}'" for k in _PRIORITY_KINDS)
        return self._value_rows(conn.execute(
            "SELECT task_id, created_at, id, CAST(json_extract(payload, '$.priority') AS INTEGER),"
            f" kind FROM task_events WHERE kind IN ({kinds}){events_of} AND json_valid(payload)"
            " AND json_type(payload, '$.priority') IN ('integer', 'real')", params).fetchall())

    def _read_links(self, conn, codes, events_of: str, params) -> None:
        """The links of these children: added by a ``created`` event's parents or ``linked``,
        removed by ``unlinked``; a link with no event at all is dated from its younger task."""
        rows = conn.execute(
            "SELECT j.value, e.task_id, e.created_at, e.id, 1 FROM task_events e,"
            " json_each(e.payload, '$.parents') j WHERE e.kind = 'created'"
            + events_of.replace("task_id", "e.task_id")
            + " AND json_valid(e.payload) AND json_type(e.payload, '$.parents') = 'array'"
            " UNION ALL SELECT json_extract(payload, '$.parent'),"
            " COALESCE(json_extract(payload, '$.child'), task_id), created_at, id,"
            f" kind = 'linked' FROM task_events WHERE kind IN ('linked', 'unlinked'){events_of}"
            " AND json_valid(payload)", params + params).fetchall()
        current = conn.execute("SELECT parent_id, child_id FROM task_links WHERE 1"
                               + events_of.replace("task_id", "child_id"), params).fetchall()
        known, edges = self.code_of, self.edges
        owned = np.zeros(len(self.task_ids), dtype=bool)
        owned[codes] = True
        found = []
        for parent, child, at, eid, added in rows:
            # A ``linked`` event sits on its child, but trust only links of the tasks read.
            if parent in known and child in known and owned[known[child]]:
                found.append((edges.setdefault((parent, child), len(edges)), at, eid, added))
        seen = {r[0] for r in found}
        for parent, child in current:
            if parent in known and child in known:
                code = edges.setdefault((parent, child), len(edges))
                if code not in seen:
                    born = max(self.created[known[parent]], self.created[known[child]])
                    found.append((code, born, -1, 1))
        pairs = list(edges)[len(self.link_parent):]     # the links new to this history
        self.link_parent = np.concatenate([self.link_parent, self._codes([p for p, _ in pairs])])
        self.link_child = np.concatenate([self.link_child, self._codes([c for _, c in pairs])])
        redone = np.flatnonzero(owned[self.link_child])
        owner = [r[0] for r in found]
        added = np.array([bool(r[3]) for r in found], dtype=bool)
        old = self.link
        if old is None:
            self.link = Timeline(owner, [r[1] for r in found], [r[2] for r in found],
                                 len(edges), added=added)
        else:
            self.link = old.replaced(redone, len(edges), owner, [r[1] for r in found],
                                     [r[2] for r in found], added=added)

    def _read_edits(self, conn, codes, events_of: str, params) -> None:
        for code in codes.tolist():
            self.edits.pop(code, None)
        for task_id, at, fields in conn.execute(
                "SELECT task_id, created_at, json_extract(payload, '$.fields') FROM task_events"
                f" WHERE kind = 'edited'{events_of} AND json_valid(payload)"
                " AND json_type(payload, '$.fields') = 'array'", params):
            if task_id in self.code_of:
                names = [f for f in json.loads(fields) if isinstance(f, str)]
                self.edits.setdefault(self.code_of[task_id], []).append((at, names))

    def _add_event_times(self, conn, after: Optional[int]) -> None:
        """Add the (time, id) of events after id ``after`` (None: all) to the cursor index."""
        times, ids = fetch_columns(
            conn, "SELECT created_at, id FROM task_events WHERE id > ?",
            [("created_at", "int"), ("id", "int")], (after or 0,))
        order = np.argsort(times, kind="stable")
        at = np.searchsorted(self.event_times, times[order], side="right")
        self.event_times = np.insert(self.event_times, at, times[order])
        self.event_ids = np.insert(self.event_ids, at, ids[order])
        self.event_cursor = np.maximum.accumulate(self.event_ids) if len(ids) else ids

    def nbytes(self) -> int:
        """Memory held by the arrays of this history, in bytes (the texts they point to and
        the per-task lists not counted)."""
        arrays = (self.created, self.current_priority, self.link_parent,
                  self.current_assignee, self.tenant,
                  self.link_child, self.event_times, self.event_ids, self.event_cursor)
        return int(sum(a.nbytes for a in arrays) + sum(
            t.nbytes() for t in (self.status, self.assignee, self.priority, self.link,
                                 self.comments)))

    # -- reading -------------------------------------------------------------------------------

    def state_at(self, t: int) -> _State:
        """Which tasks existed at ``t``, and each one's status and since when."""
        exists = self.created <= t
        spell = self.status.last_at(t)
        # A task whose first spell starts after its creation (clocks that disagree): its
        # first status.
        spell = np.where(spell >= 0, spell, self.status.first)
        values = self.status.values
        return _State(exists, values["status"][spell], values["start"][spell], spell)

    @staticmethod
    def _value_at(timeline: Timeline, current, t: int) -> tuple:
        """Each task's value at ``t`` (from the last change logged by then), and whether it is
        unknown: changed later with no value logged before (its current value is shown)."""
        pos = timeline.last_at(t)
        has = pos >= 0
        out = current.copy()
        out[has] = timeline.values["value"][pos[has]]
        logged = timeline.first >= 0
        from_start = np.zeros(len(has), dtype=bool)
        from_start[logged] = timeline.values["created"][timeline.first[logged]]
        return out, ~has & logged & ~from_start

    def board_at(self, conn, t: int, *, tenant: Optional[str] = None,
                 include_archived: bool = False, per_column: Optional[int] = None,
                 assignee_is: Optional[str] = None, search: str = "") -> PastBoard:
        """The board at ``t`` (Unix seconds), laid out as :meth:`Store.board` lays it out;
        the fields the log cannot tell are read from ``conn`` (the tasks' current rows).
        ``per_column``: card dicts for only the first so many cards of each column (the
        page's window; ``column_counts`` has every column's full count). ``assignee_is``
        keeps the cards assigned to that name then (``"(unassigned)"``: to nobody); ``search``
        the cards whose id or (today's) title holds it, in any case."""
        state = self.state_at(t)
        assignee, assignee_unknown = self._value_at(self.assignee, self.current_assignee, t)
        priority, priority_unknown = self._value_at(self.priority, self.current_priority, t)
        shown = state.exists.copy()
        if not include_archived:
            shown &= state.status != self.archived
        if tenant is not None:
            shown &= self.tenant == self.name_code.get(tenant, -2)
        if assignee_is:
            shown &= assignee == (-1 if assignee_is == UNASSIGNED
                                  else self.name_code.get(assignee_is, -2))
        needle = search.strip().lower()
        if needle:
            shown &= np.array([needle in task_id.lower() or needle in (title or "").lower()
                               for task_id, title in zip(self.task_ids, self.title)],
                              dtype=bool)
        codes = np.flatnonzero(shown)
        codes = self._board_order(codes, state.status, priority)
        names = self.statuses
        order = [names.index(s) for s in BOARD_COLUMNS]
        if include_archived:
            order.append(self.archived)
        order += sorted((c for c in range(len(names)) if c not in order and c != self.archived),
                        key=names.__getitem__)
        groups = np.split(codes, np.flatnonzero(np.diff(state.status[codes])) + 1) \
            if len(codes) else []
        by_status = {int(state.status[g[0]]): g for g in groups}
        window = []
        for code in order:
            group = by_status.get(code, codes[:0])
            window.append(group if per_column is None else group[:max(0, int(per_column))])
        shown_codes = np.concatenate(window) if window else codes
        columns_read, rows = _current_rows(conn, [self.task_ids[i] for i in shown_codes.tolist()])
        shown_codes = np.array([i for i in shown_codes.tolist() if self.task_ids[i] in rows],
                               dtype=np.int64)
        cards = cards_from_cursor(
            _Rows(columns_read, ([*rows[self.task_ids[i]], int(state.since[i])]
                                 for i in shown_codes.tolist())),
            self._aggregates(t, state, shown_codes))
        columns: dict = {names[c]: [] for c in order
                         if c in by_status or names[c] in BOARD_COLUMNS
                         or (include_archived and c == self.archived)}
        for card, i in zip(cards, shown_codes.tolist()):
            card["status"] = names[state.status[i]]
            card["assignee"] = self._name(assignee[i])
            card["priority"] = int(priority[i])
            later = [f for at, fields in self.edits.get(i, ()) if at > t for f in fields]
            later += ["assignee"] * bool(assignee_unknown[i]) + ["priority"] * bool(
                priority_unknown[i])
            card["current_values"] = sorted(set(later))
            columns[card["status"]].append(card)
        alive = state.exists & (state.status != self.archived)
        return PastBoard(
            columns=columns,
            tenants=self._names_in(self.tenant[state.exists]),
            assignees=self._names_in(assignee[alive]),
            cursor=self.cursor_at(t), now=t, as_of=t,
            current_fields=tuple(c for c in columns_read if c not in FROM_LOG),
            column_counts={names[c]: len(g) for c, g in by_status.items()})

    def _board_order(self, codes: np.ndarray, status: np.ndarray, priority: np.ndarray):
        """``codes`` by column, then board order within each: priority desc, created_at, id.
        Ids (texts) break the rare ties in Python, which spares sorting 100,000 texts."""
        keys = (self.created[codes], -priority[codes], status[codes])
        codes = codes[np.lexsort(keys)]
        if len(codes) < 2:
            return codes
        created, prio, col = (self.created[codes], priority[codes], status[codes])
        same = (created[1:] == created[:-1]) & (prio[1:] == prio[:-1]) & (col[1:] == col[:-1])
        if not same.any():
            return codes
        ordered = codes.tolist()
        ids = self.task_ids
        starts = np.flatnonzero(same & ~np.r_[False, same[:-1]])
        for start in starts.tolist():
            end = start + 1
            while end < len(same) and same[end]:
                end += 1
            ordered[start:end + 1] = sorted(ordered[start:end + 1], key=ids.__getitem__)
        return np.array(ordered, dtype=np.int64)

    def _aggregates(self, t: int, state: _State, codes: np.ndarray) -> tuple:
        """(parents per task, [children, non-archived, done] per parent, comments per task)
        at ``t`` for the tasks ``codes``, in the form :func:`cards_from_cursor` takes."""
        pos = self.link.last_at(t)
        live = np.zeros(len(pos), dtype=bool)
        live[pos >= 0] = self.link.values["added"][pos[pos >= 0]]
        live &= state.exists[self.link_parent] & state.exists[self.link_child]
        parent, child = self.link_parent[live], self.link_child[live]
        n = len(self.task_ids)
        child_status = state.status[child]
        n_parents = np.bincount(child, minlength=n)[codes]
        n_children = np.bincount(parent, minlength=n)[codes]
        n_open = np.bincount(parent[child_status != self.archived], minlength=n)[codes]
        n_done = np.bincount(parent[child_status == self.done], minlength=n)[codes]
        n_comments = self.comments.count_at(t)[codes]
        ids = [self.task_ids[i] for i in codes.tolist()]
        parents = {ids[i]: int(n_parents[i]) for i in np.flatnonzero(n_parents).tolist()}
        children = {ids[i]: [int(n_children[i]), int(n_open[i]), int(n_done[i])]
                    for i in np.flatnonzero(n_children).tolist()}
        comments = {ids[i]: int(n_comments[i]) for i in np.flatnonzero(n_comments).tolist()}
        return parents, children, comments

    def cursor_at(self, t: int) -> int:
        """The last event id stamped at or before ``t`` (0: none)."""
        i = np.searchsorted(self.event_times, t, side="right")
        return int(self.event_cursor[i - 1]) if i else 0

    def neighbours(self, t: int) -> tuple:
        """(the last event time before ``t``, the first after it), None where there is none:
        where stepping event by event goes from t."""
        i = int(np.searchsorted(self.event_times, t, side="left"))
        j = int(np.searchsorted(self.event_times, t, side="right"))
        before = int(self.event_times[i - 1]) if i else None
        after = int(self.event_times[j]) if j < len(self.event_times) else None
        return before, after

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

    def diff(self, since: int, until: int, *, include_archived: bool = False,
             last: Optional[int] = None) -> tuple:
        """(the cards that entered, left or moved between columns from ``since`` to ``until``,
        oldest first, only the ``last`` most recent when given; how many there are in all).
        See :func:`diff`, which adds who did it."""
        before, after = self.state_at(since), self.state_at(until)
        on_before = before.exists & (include_archived | (before.status != self.archived))
        on_after = after.exists & (include_archived | (after.status != self.archived))
        changed = np.flatnonzero((on_before != on_after)
                                 | (on_before & on_after & (before.status != after.status)))
        # The spell in effect at ``until`` dates each change: the move into the final column,
        # or off the board (archived). In the order they happened: time, then event id.
        spell = after.spell[changed]
        changed = changed[np.lexsort((self.status.eid[spell],
                                      self.status.values["start"][spell]))]
        total = len(changed)
        if last is not None:
            changed = changed[max(0, total - int(last)):]
        names = self.statuses
        out = []
        for i in changed.tolist():
            spell = int(after.spell[i])
            out.append({
                "id": self.task_ids[i], "title": self.title[i],
                "change": ("entered" if not on_before[i] else
                           "left" if not on_after[i] else "moved"),
                "from": names[before.status[i]] if on_before[i] else None,
                "to": names[after.status[i]] if on_after[i] else None,
                "at": int(self.status.values["start"][spell]),
                "event_id": _event_id(self.status.eid[spell]),
            })
        return out, total


class _Rows:
    """Stands in for a cursor: ``description`` and row tuples, for :func:`cards_from_cursor`."""

    def __init__(self, columns: list, rows):
        self.description = [(name,) for name in columns] + [("status_since",)]
        self._rows = rows

    def __iter__(self):
        return iter(self._rows)


#: The columns of ``tasks`` the history keeps per task (the rest is read when a board is).
_CURRENT = ("id", "created_at", "assignee", "priority", "tenant", "title")


def _current_rows(conn, task_ids: list) -> tuple:
    """(column names, {task id: row}) of these tasks' current rows."""
    cursor = conn.cursor()
    cursor.row_factory = None
    if len(task_ids) > 5000:        # most of the board: one plain scan is cheaper
        cursor.execute("SELECT * FROM tasks")
    else:
        cursor.execute("SELECT * FROM tasks WHERE id IN (SELECT value FROM json_each(?))",
                       (json.dumps(task_ids),))
    return [d[0] for d in cursor.description], {row[0]: row for row in cursor}


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


def _steps(progress: Optional[Progress]) -> Callable:
    """``step(phase)`` for a build: tells ``progress`` each phase as it begins (None: the
    build is over)."""
    if progress is None:
        return lambda phase: None

    def step(phase: Optional[str]) -> None:
        done = len(BUILD_PHASES) if phase is None else BUILD_PHASES.index(phase)
        progress(phase or "done", done, len(BUILD_PHASES))
    return step


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
        # Nothing committed since (by this connection or any other): no query needed.
        quick = (id(conn), conn.execute("PRAGMA data_version").fetchone()[0],
                 conn.total_changes)
        if known is not None and (known.quick_key == quick or known.refresh(conn)):
            known.quick_key = quick
            return known
        built = _HISTORIES[store] = BoardHistory(conn)
        built.quick_key = quick
        return built


def history_pending(store) -> bool:
    """Whether asking ``store`` for a past board would first replay a long log: no history is
    kept for it yet and the log has more than :data:`QUICK_BUILD_EVENTS` events (a cheap
    check: the largest event id)."""
    if store in _HISTORIES:
        return False
    with store.reading() as conn:
        last = conn.execute("SELECT MAX(id) FROM task_events").fetchone()[0]
    return (last or 0) > QUICK_BUILD_EVENTS


def prepare_history(store, reader, progress: Optional[Progress] = None) -> None:
    """Build the history of ``store``'s board through ``reader`` (another, read-only
    :class:`~kanban_widget.store.Store` of the same file) and keep it for ``store``.

    The replay runs in ``reader``'s read transaction, so ``store``'s lock is not held meanwhile:
    the board's own reads and writes go on while a long history is built (in a background
    thread). Events committed meanwhile are folded in by the next :func:`history_of`, as any
    new events are. ``progress(phase, done, of)`` is told each step (:data:`BUILD_PHASES`)."""
    with reader.reading() as conn:
        built = BoardHistory(conn, progress)
    with store.reading():
        _HISTORIES.setdefault(store, built)   # quick_key None: history_of checks the log


def past_board(store, as_of, *, tenant: Optional[str] = None,
               include_archived: bool = False) -> PastBoard:
    """``store.board(as_of=...)``: the board as it was at ``as_of`` (a datetime, a pandas
    Timestamp or Unix seconds), everything stamped at or before it included."""
    at = as_seconds(as_of)
    with store.reading() as conn:
        return history_of(store).board_at(conn, at, tenant=tenant,
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
    return changes_since(store, since, until, include_archived=include_archived)[0]


def changes_since(store, since, until=None, *, include_archived: bool = False,
                  last: Optional[int] = None) -> tuple[list[dict], int]:
    """:func:`diff`, keeping only the ``last`` most recent changes when given, and how many
    changes there are in all: ``(changes, total)``."""
    start = as_seconds(since)
    end = store.now() if until is None else as_seconds(until)
    if end < start:
        raise ValidationError(f"diff: until ({end}) is before since ({start}); swap them")
    events = {}
    with store.reading() as conn:      # holds the store's lock: no patch halfway through
        history = history_of(store)
        changes, total = history.diff(start, end, include_archived=include_archived,
                                      last=last)
        ids = [c["event_id"] for c in changes if c["event_id"] is not None]
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
    return changes, total

"""``BoardState``: the board as the widget shows it, kept in step with the database by patches.

The widget's Python side holds one ``BoardState``: not the board, but its windows (each
column's first cards under the page's filters, see :mod:`kanban_widget.store.windows`) and the
columns' counts. It starts from one consistent snapshot (windows, counts and the event cursor
read in one transaction), then follows ``task_events`` after that cursor: each batch of events
names the tasks that changed, only those cards (and the parents whose progress they move) are
re-read and placed in or out of the windows, and the difference is a patch with the next
revision number. Each patch's reads share one transaction with its events, so no event falls
between what it reads.

This module knows the store and nothing of Jupyter; the widget and the sync thread drive it.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import replace
from typing import Iterable, Optional

from .protocol import CARD_TEXT_PREVIEW, MAX_BULK, PATCH, UNASSIGNED
from .store import Event, Store, windows
from .store.vocabulary import card_sort_key

#: What :meth:`BoardState.poll` returns when the board's history was rewritten under it (a
#: backup restored, ``demo --force``): the state was re-read whole and must be resent whole.
RELOADED = "reloaded"

#: Card fields the front end does not need (kept out of the wire to keep patches small).
_WIRE_DROP = ("workspace_kind", "workspace_path", "idempotency_key", "last_spawn_error",
              "spawn_failures", "worker_pid", "created_by")


def wire_card(card: dict) -> dict:
    """A store card trimmed for the page: long text cut to a preview, internal fields dropped."""
    out = {k: v for k, v in card.items() if k not in _WIRE_DROP}
    for key in ("body", "result"):
        text = out.get(key)
        if isinstance(text, str) and len(text) > CARD_TEXT_PREVIEW:
            out[key] = text[:CARD_TEXT_PREVIEW]
            out[f"{key}_truncated"] = True
    return out


def affected_tasks(events: Iterable[Event]) -> set[str]:
    """Ids of tasks whose card may have changed because of these events (links touch both
    ends: the parent's child count and progress change with the child)."""
    ids: set[str] = set()
    for event in events:
        ids.add(event.task_id)
        if event.kind in ("linked", "unlinked") and event.payload:
            ids.update(v for v in (event.payload.get("parent"), event.payload.get("child")) if v)
    return ids


class _Window:
    """The held part of one column (or one lane of a column): the first ``limit`` cards in
    board order, as ids with their sort keys. ``complete`` when it holds every card of the
    column under the filters (so a card entering the column always belongs in it)."""

    __slots__ = ("keys", "ids", "limit", "complete")

    def __init__(self, limit: int = windows.PAGE):
        self.keys: list[tuple] = []
        self.ids: list[str] = []
        self.limit = limit
        self.complete = True  # an empty column: every card entering it is shown

    def fits(self, key: tuple) -> bool:
        """Whether a card with this sort key belongs in the window."""
        return self.complete or (bool(self.keys) and key < self.keys[-1])

    def insert(self, key: tuple, task_id: str) -> None:
        at = bisect.bisect_left(self.keys, key)
        self.keys.insert(at, key)
        self.ids.insert(at, task_id)

    def remove(self, key: tuple) -> None:
        at = bisect.bisect_left(self.keys, key)
        del self.keys[at], self.ids[at]

    def overflow(self) -> list[str]:
        """Drop the cards past ``limit`` and return their ids."""
        dropped = self.ids[self.limit:]
        if dropped:
            del self.keys[self.limit:], self.ids[self.limit:]
            self.complete = False
        return dropped


#: Event kinds that never change which column or lane a card is in, or whether it matches a
#: filter: a patch of only these keeps the counts as they were (no count query).
_COUNT_NEUTRAL = frozenset({"commented", "heartbeat", "claim_extended"})


class BoardState:
    """What the widget shows of a board: per column (per column and lane, with swimlanes) the
    first cards in board order under the page's filters, each column's count, the revision and
    the event cursor they reflect.

    Only the windows' cards are held (``cards``), never the whole board: a patch re-reads the
    cards its events name, moves them into, out of or within the windows, refills a window
    that lost cards with one indexed query, and recounts the columns when a card may have
    changed column. ``show_more`` grows one window.

    Thread-safe: every method takes the state's lock, so the sync thread and the kernel's
    message handlers may call it concurrently.
    """

    def __init__(self, store: Store, *, include_archived: bool = False,
                 view: Optional[windows.View] = None):
        self.store = store
        self.view = view or windows.View(include_archived=include_archived)
        self.lock = threading.RLock()
        self.rev = 0
        self.cursor = 0
        self.now = 0
        self.cards: dict[str, dict] = {}  # the windows' cards only
        self.windows: dict[tuple, _Window] = {}  # (status, lane or None) -> window
        self.counts: dict[str, int] = {}
        self.lane_counts: dict[str, dict[str, int]] = {}
        self.columns: list[str] = []
        self.tenants: list[str] = []
        self.assignees: list[str] = []
        self.reload()

    @property
    def include_archived(self) -> bool:
        return self.view.include_archived

    @include_archived.setter
    def include_archived(self, value: bool) -> None:
        self.view = replace(self.view, include_archived=bool(value))

    @property
    def total(self) -> int:
        """Cards on the board under the filters (every column)."""
        with self.lock:
            return sum(self.counts.values())

    # -- the snapshot --------------------------------------------------------------------------

    def set_view(self, view: windows.View) -> bool:
        """Show the board under another view (filters, lanes, archived); re-reads the windows
        (back to their first page) when it differs. Returns whether it did."""
        with self.lock:
            if view == self.view:
                return False
            self.view = view
            self.reload(keep_limits=False)
            return True

    def reload(self, *, keep_limits: bool = True) -> None:
        """Re-read the windows and the counts in one snapshot; the next revision starts from it.
        Each window keeps how far "show more" grew it unless ``keep_limits`` is false."""
        with self.lock, self.store.reading():
            limits = {key: w.limit for key, w in self.windows.items()} if keep_limits else {}
            self.cursor = windows.cursor_of(self.store)
            self.counts, self.lane_counts = windows.counts(self.store, self.view)
            self.columns = windows.columns_of(self.counts, self.include_archived)
            self.cards, self.windows = {}, {}
            for key in self._keys():
                window = self.windows[key] = _Window(limits.get(key, windows.PAGE))
                window.complete = False  # not read yet
                self._fill(key, window)
            self.tenants, self.assignees = windows.choices(self.store)
            self.now = self.store.now()
            self._anchor = self._event_at(self.cursor)
            self.rev += 1

    def _keys(self) -> list[tuple]:
        """The windows the counts call for: one per column with cards (per column and lane)."""
        if self.view.lanes:
            return [(status, lane) for status, per_lane in self.lane_counts.items()
                    for lane in per_lane]
        return [(status, None) for status in self.counts]

    def _fill(self, key: tuple, window: _Window) -> list[str]:
        """Read the cards that follow the window's last up to its limit; return their ids."""
        wanted = window.limit - len(window.ids)
        if wanted <= 0 or window.complete:
            return []
        after = window.keys[-1] if window.keys else None
        fresh = windows.window_cards(self.store, self.view, key[0], key[1], wanted, after)
        for card in fresh:
            card = wire_card(card)
            self.cards[card["id"]] = card
            window.keys.append(card_sort_key(card))
            window.ids.append(card["id"])
        window.complete = len(fresh) < wanted
        return [card["id"] for card in fresh]

    def payload(self) -> dict:
        """The snapshot as the ``_board`` trait carries it (see docs/protocol.md)."""
        with self.lock:
            payload = {
                "rev": self.rev,
                "cursor": self.cursor,
                "now": self.now,
                "path": str(self.store.path),
                "columns": list(self.columns),
                "cards": list(self.cards.values()),
                "counts": dict(self.counts),
                "page": windows.PAGE,
                "tenants": list(self.tenants),
                "assignees": list(self.assignees),
            }
            if self.view.lanes:
                payload["lane_counts"] = {s: dict(n) for s, n in self.lane_counts.items()}
            return payload

    def show_more(self, status: str, lane: Optional[str] = None) -> "Optional[dict] | str":
        """Grow the window of column ``status`` (and ``lane``, with lanes) by one page and
        return the patch that brings its new cards (the next revision; it also carries any
        change not yet followed, so every card it holds is as of its cursor), None when the
        column has no more cards to show, or :data:`RELOADED` (see :meth:`poll`)."""
        with self.lock:
            window = self.windows.get((status, lane if self.view.lanes else None))
            if window is None or window.complete:
                return None
            window.limit += windows.PAGE
            return self.poll(always=True)

    # -- following the database ----------------------------------------------------------------

    def poll(self, batch: int = 2000, *, always: bool = False) -> "Optional[dict] | str":
        """Read every event after the cursor and return one patch for all of them, or None when
        nothing changed (with ``always``, a patch all the same: a window grew). Events are read
        in batches of ``batch``, in the same read transaction as the cards and counts, so the
        patch is the board exactly as of its cursor (the counts follow the cards' moves).

        Returns :data:`RELOADED` when the event at the cursor is no longer the one the state
        was built from: the file's content was replaced, so following it from the cursor would
        be wrong; the state is re-read instead.
        """
        with self.lock, self.store.reading():
            if self._anchor is not None and self._event_at(self.cursor) != self._anchor:
                self.reload()
                return RELOADED
            events: list[Event] = []
            while True:
                page = self.store.events_since(self.cursor if not events else events[-1].id, batch)
                events += page
                if len(page) < batch:
                    break
            silent = self._claims_changed_without_events()
            if not events and not silent and not always:
                return None
            return self._patch(events, silent)

    def _claims_changed_without_events(self) -> set[str]:
        """Shown running cards whose claim another tool extended or dropped without an event."""
        running = [i for i, card in self.cards.items() if card["status"] == "running"]
        return {task_id for task_id, claim in windows.claims_of(self.store, running).items()
                if (self.cards[task_id].get("claim_lock"),
                    self.cards[task_id].get("claim_expires")) != claim}

    def _key_of(self, card: dict) -> Optional[tuple]:
        """The window a card belongs to under the view, or None when the view hides it."""
        if card["status"] == "archived" and not self.include_archived:
            return None
        view = self.view
        if not matches_filters(card, search=view.search, tenant=view.tenant,
                               assignee=view.assignee):
            return None
        return (card["status"], windows.lane_of(card) if view.lanes else None)

    def _patch(self, events: list[Event], silent: Iterable[str] = ()) -> dict:
        changed = affected_tasks(events) | set(silent)
        # A child's status change moves its parents' progress pills: re-read those too.
        changed |= self.store.parents_of_all(changed)
        fresh = {c["id"]: wire_card(c) for c in self.store.cards(changed)}
        before = {task_id: self.cards.get(task_id) for task_id in changed}
        created = {e.task_id for e in events if e.kind == "created"}
        moves = self._place(changed, fresh, created)
        touched = set(changed)
        for key, window in self.windows.items():  # refill what lost cards, trim what grew
            touched.update(self._fill(key, window))
            for task_id in window.overflow():
                before.setdefault(task_id, self.cards.get(task_id))
                touched.add(task_id)
                del self.cards[task_id]
        upserts = [self.cards[i] for i in touched if i in self.cards and before.get(i) != self.cards[i]]
        removes = [i for i in touched if before.get(i) is not None and i not in self.cards]
        for card in upserts:
            if card["status"] not in self.columns:
                self.columns.append(card["status"])  # a status this board had not shown yet
        if events:
            self.cursor = events[-1].id
            self._anchor = events[-1]
        self.now = self.store.now()
        self.rev += 1
        patch = {"type": PATCH, "rev": self.rev, "cursor": self.cursor, "now": self.now,
                 "upserts": upserts, "removes": removes,
                 "touched": sorted({e.task_id for e in events})}
        # A shown or new card's move is counted here; a card that was not shown and had events
        # that may have moved it has an old column this state does not know: count again.
        if any(e.kind not in _COUNT_NEUTRAL for e in events
               if before.get(e.task_id) is None and e.task_id not in created):
            self._recount(patch)
        elif moves:
            self._count_moves(moves, patch)
        if any(e.kind in ("created", "assigned", "edited", "archived", "status") for e in events):
            tenants, assignees = windows.choices_after(self.store, self.tenants, self.assignees,
                                                       fresh.values())
            if tenants != self.tenants:
                self.tenants = patch["tenants"] = tenants
            if assignees != self.assignees:
                self.assignees = patch["assignees"] = assignees
        return patch

    def _place(self, changed: Iterable[str], fresh: dict, created: set) -> list[tuple]:
        """Take each changed card out of its window and put its fresh version where it now
        belongs (if that is inside a window). Returns the moves between windows whose both
        ends are known, ``(old key or None, new key or None)``: shown cards and new ones."""
        moves = []
        for task_id in changed:
            old = self.cards.pop(task_id, None)
            old_key = self._key_of(old) if old is not None else None
            if old is not None:
                self.windows[old_key].remove(card_sort_key(old))
            card = fresh.get(task_id)
            key = self._key_of(card) if card is not None else None
            if (old is not None or task_id in created) and key != old_key:
                moves.append((old_key, key))
            if key is None:
                continue
            window = self.windows.get(key)
            if window is None:  # a column (or lane) that had no card: it holds this one
                window = self.windows[key] = _Window()
            sort_key = card_sort_key(card)
            if window.fits(sort_key):
                window.insert(sort_key, task_id)
                self.cards[task_id] = card
        return moves

    def _count_moves(self, moves: list[tuple], patch: dict) -> None:
        """Apply moves whose both ends are known to the counts (no query); the patch carries
        the counts that changed."""
        counts, lane_counts = dict(self.counts), {s: dict(n) for s, n in self.lane_counts.items()}
        for key, step in [(old, -1) for old, _ in moves] + [(new, 1) for _, new in moves]:
            if key is None:
                continue
            status, lane = key
            counts[status] = counts.get(status, 0) + step
            if lane is not None:
                per_lane = lane_counts.setdefault(status, {})
                per_lane[lane] = per_lane.get(lane, 0) + step
        self._set_counts(patch, {s: n for s, n in counts.items() if n},
                         {s: {lane: n for lane, n in per.items() if n}
                          for s, per in lane_counts.items() if any(per.values())})

    def _recount(self, patch: dict) -> None:
        """Count the columns (and lanes) again, by SQL."""
        self._set_counts(patch, *windows.counts(self.store, self.view))

    def _set_counts(self, patch: dict, counts: dict, lane_counts: dict) -> None:
        """Keep these counts; the patch carries those that changed."""
        changed = {s: counts.get(s, 0) for s in set(counts) | set(self.counts)
                   if counts.get(s, 0) != self.counts.get(s, 0)}
        if changed:
            patch["counts"] = changed
        if self.view.lanes:
            lanes_changed: dict[str, dict[str, int]] = {}
            for status in set(lane_counts) | set(self.lane_counts):
                new, old = lane_counts.get(status, {}), self.lane_counts.get(status, {})
                diff = {lane: new.get(lane, 0) for lane in set(new) | set(old)
                        if new.get(lane, 0) != old.get(lane, 0)}
                if diff:
                    lanes_changed[status] = diff
            if lanes_changed:
                patch["lane_counts"] = lanes_changed
        self.counts, self.lane_counts = counts, lane_counts
        for status in counts:
            if status not in self.columns and (status != "archived" or self.include_archived):
                self.columns.append(status)

    def _event_at(self, cursor: int) -> Optional[Event]:
        """The event whose id is ``cursor`` (None for 0 or a missing one)."""
        if not cursor:
            return None
        found = self.store.events_since(cursor - 1, 1)
        return found[0] if found and found[0].id == cursor else None

    def column_ids(self, status: str, lane: Optional[str] = None,
                   limit: int = MAX_BULK) -> list[str]:
        """Ids of the first ``limit`` cards of a column (of one lane of it, with lanes; of
        every lane with ``lane`` None) under the view, shown or not, in board order: what
        "select all" in a column selects."""
        with self.lock:
            return windows.window_ids(self.store, self.view, status,
                                      lane if self.view.lanes else None, limit)

    # -- filters (the same rules as the page's, for Python callers) ------------------------------

    def visible_ids(self, *, search: str = "", tenant: str = "", assignee: str = "") -> list[str]:
        """Ids of every card the page shows under these filters (not only the windows'), in
        board order: answered by SQL."""
        view = replace(self.view, search=search, tenant=tenant, assignee=assignee)
        with self.lock:
            return windows.matching_ids(self.store, view)


#: The fields the text filter looks in (js/src/state.js ``matchesFilters`` mirrors this).
SEARCHED_FIELDS = ("id", "title", "body", "assignee", "tenant", "result")


def matches_filters(card: dict, *, search: str = "", tenant: str = "", assignee: str = "") -> bool:
    """Whether the page shows ``card`` under these filters: the tenant and the assignee
    (``"(unassigned)"`` for none) match exactly, and ``search`` (trimmed, any case) is part of
    one of :data:`SEARCHED_FIELDS`. The page's rule, tested against it."""
    if tenant and card.get("tenant") != tenant:
        return False
    if assignee:
        if assignee == UNASSIGNED:
            if card.get("assignee"):
                return False
        elif card.get("assignee") != assignee:
            return False
    needle = search.strip().lower()
    return not needle or any(isinstance(card.get(f), str) and needle in card[f].lower()
                             for f in SEARCHED_FIELDS if card.get(f))

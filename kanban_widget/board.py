"""``BoardState``: the board as the widget shows it, kept in step with the database by patches.

The widget's Python side holds one ``BoardState``. It starts from one consistent snapshot (the
cards and the event cursor read in one transaction), then follows ``task_events`` after that
cursor: each batch of events names the tasks that changed, only those cards (and the parents
whose progress they move) are re-read, and the difference is a patch with the next revision
number. Because the snapshot and its cursor come from one read, no event falls between them.

This module knows the store and nothing of Jupyter; the widget and the sync thread drive it.
"""

from __future__ import annotations

import threading
from typing import Iterable, Optional

from .protocol import CARD_TEXT_PREVIEW, PATCH, UNASSIGNED
from .store import Event, Store
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


class BoardState:
    """The cards the widget shows, their revision, and the event cursor they reflect.

    Thread-safe: every method takes the state's lock, so the sync thread and the kernel's
    message handlers may call it concurrently.
    """

    def __init__(self, store: Store, *, include_archived: bool = False):
        self.store = store
        self.include_archived = include_archived
        self.lock = threading.RLock()
        self.rev = 0
        self.cursor = 0
        self.now = 0
        self.cards: dict[str, dict] = {}
        self.columns: list[str] = []
        self.tenants: list[str] = []
        self.assignees: list[str] = []
        self.reload()

    # -- the snapshot --------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the whole board in one snapshot; the next revision starts from it."""
        with self.lock:
            snap = self.store.board(include_archived=self.include_archived)
            self.cards = {c["id"]: wire_card(c) for c in snap.cards}
            self.columns = list(snap.columns)
            self.tenants, self.assignees = snap.tenants, snap.assignees
            self.cursor, self.now = snap.cursor, snap.now
            self._anchor = self._event_at(self.cursor)
            self.rev += 1

    def payload(self) -> dict:
        """The snapshot as the ``_board`` trait carries it (see docs/protocol.md)."""
        with self.lock:
            return {
                "rev": self.rev,
                "cursor": self.cursor,
                "now": self.now,
                "path": str(self.store.path),
                "columns": list(self.columns),
                "cards": list(self.cards.values()),
                "tenants": list(self.tenants),
                "assignees": list(self.assignees),
            }

    # -- following the database ----------------------------------------------------------------

    def poll(self, batch: int = 2000) -> "Optional[dict] | str":
        """Read every event after the cursor and return one patch for all of them, or None when
        nothing changed. Events are read in batches of ``batch``; cards once at the end.

        Returns :data:`RELOADED` when the event at the cursor is no longer the one the state
        was built from: the file's content was replaced, so following it from the cursor would
        be wrong; the state is re-read instead.
        """
        with self.lock:
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
            if not events and not silent:
                return None
            return self._patch(events, silent)

    def _claims_changed_without_events(self) -> set[str]:
        """Running cards whose claim another tool extended or dropped without an event."""
        changed = set()
        for task_id, (lock, expires) in self.store.running_claims().items():
            card = self.cards.get(task_id)
            if card is not None and (card.get("claim_lock"), card.get("claim_expires")) != (
                    lock, expires):
                changed.add(task_id)
        return changed

    def _patch(self, events: list[Event], silent: Iterable[str] = ()) -> dict:
        changed = affected_tasks(events) | set(silent)
        # A child's status change moves its parents' progress pills: re-read those too.
        changed |= self.store.parents_of_all(changed)
        fresh = {c["id"]: wire_card(c) for c in self.store.cards(changed)}
        upserts, removes = [], []
        for task_id in changed:
            card = fresh.get(task_id)
            visible = card is not None and (self.include_archived or card["status"] != "archived")
            if visible:
                if self.cards.get(task_id) != card:
                    self.cards[task_id] = card
                    upserts.append(card)
            elif self.cards.pop(task_id, None) is not None:
                removes.append(task_id)
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
        if any(e.kind in ("created", "assigned", "edited", "archived", "status") for e in events):
            tenants, assignees = self.store.choices()
            if tenants != self.tenants:
                self.tenants = patch["tenants"] = tenants
            if assignees != self.assignees:
                self.assignees = patch["assignees"] = assignees
        return patch

    def _event_at(self, cursor: int) -> Optional[Event]:
        """The event whose id is ``cursor`` (None for 0 or a missing one)."""
        if not cursor:
            return None
        found = self.store.events_since(cursor - 1, 1)
        return found[0] if found and found[0].id == cursor else None

    # -- filters (the same rules as the page's, for Python callers) ------------------------------

    def visible_ids(self, *, search: str = "", tenant: str = "", assignee: str = "") -> list[str]:
        """Ids of the cards the page shows under these filters, in board order."""
        with self.lock:
            cards = list(self.cards.values())
        return [card["id"] for card in sorted(cards, key=card_sort_key)
                if matches_filters(card, search=search, tenant=tenant, assignee=assignee)]


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

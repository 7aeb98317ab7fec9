"""Time travel on the widget: the ``time`` trait, the past board the page shows, ``diff``.

Mixed into :class:`~kanban_widget.widget.KanbanBoard`. Setting ``time`` (from Python or from
the page's scrubber) to a moment makes the page show the board as it was then, read-only,
under a banner "viewing <time> — back to live"; ``None`` is live. The live board keeps
following the file meanwhile (nothing here touches the feed), so going back is instant.

The page reads the past board from ``_time_view`` (docs/protocol.md, "Time travel"), computed
by :mod:`kanban_widget.store.history` each time ``time`` changes: the first
:data:`PAST_CARDS_PER_COLUMN` cards of each column with every column's count, the history's
span with a density strip of event counts, the event times just before and after the
moment (for stepping event by event), and the cards that changed column since then ("changes
since": the most recent :data:`CHANGES_LISTED`, with who did it, and how many in all).

The first moment asked for replays the board's log once (later scrubs answer from memory).
A long log (over ``history.QUICK_BUILD_EVENTS`` events: seconds of work at a million) is
replayed in a background thread on a connection of its own, so the kernel and the board's
writes are not held up; meanwhile ``_time_view`` is ``{"as_of", "building": {"phase",
"done", "of"}}`` and the page shows the progress.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Optional

import traitlets

from .board import wire_card
from .store import KanbanError, Store
from .store.history import (BUILD_PHASES, as_seconds, changes_since, diff, history_of,
                            history_pending, prepare_history)

log = logging.getLogger(__name__)

#: Cards of each column the page gets for a past moment (the counts are always complete).
PAST_CARDS_PER_COLUMN = 100
#: Slices of the density strip under the scrubber.
DENSITY_BINS = 240
#: The most recent changes since the moment shown that the page lists ("changes since").
CHANGES_LISTED = 50


class TimeTravel(traitlets.HasTraits):
    """The widget's time-travel traits and methods (a mixin of ``KanbanBoard``; it needs the
    widget's ``store`` and its filters: ``tenant``, ``assignee``, ``search``, ``show_archived``)."""

    time = traitlets.Any(None, allow_none=True).tag(sync=True)
    """The moment the board shows: None (default) is live; a datetime, a pandas Timestamp or
    Unix seconds shows the board as it was then, read-only (stored as int Unix seconds). A
    value that is none of these raises TraitError."""

    _time_view = traitlets.Dict().tag(sync=True)
    """The past board the page shows while ``time`` is set (docs/protocol.md); ``{}`` when
    live. Python writes."""

    @traitlets.validate("time")
    def _check_time(self, proposal: Any) -> Optional[int]:
        value = proposal["value"]
        if value is None:
            return None
        try:
            return as_seconds(value)
        except KanbanError as exc:
            raise traitlets.TraitError(f"time: {exc}") from None

    _history_builder: Optional[threading.Thread] = None

    @traitlets.observe("time", "tenant", "assignee", "search", "show_archived")
    def _on_time(self, _change: Any) -> None:
        if self.time is None:
            self._time_view = {}
        elif self._history_pending():
            self._build_history_then_show()
        else:
            self._time_view = self.time_view(self.time)

    def _history_pending(self) -> bool:
        try:
            return history_pending(self.store)
        except KanbanError:  # a remote board: time_view says what is not available
            return False

    def _build_history_then_show(self) -> None:
        """Show the build's progress, replay the log in a thread, then show ``time``."""
        self._time_view = {"as_of": self.time,
                           "building": {"phase": BUILD_PHASES[0], "done": 0,
                                        "of": len(BUILD_PHASES)}}
        if self._history_builder is not None and self._history_builder.is_alive():
            return  # that build shows whatever ``time`` is when it ends
        store = self.store

        def shows_it() -> bool:
            return self.store is store and self.time is not None

        def progress(phase: str, done: int, of: int) -> None:
            with self._lock:
                if shows_it() and "building" in self._time_view:
                    self._time_view = {"as_of": self.time,
                                       "building": {"phase": phase, "done": done, "of": of}}

        def build() -> None:
            try:
                reader = Store(store.path, read_only=True)
                try:
                    prepare_history(store, reader, progress)
                finally:
                    reader.close()
                with self._lock:
                    if shows_it():
                        self._time_view = self.time_view(self.time)
            except Exception as exc:  # a locked, vanished or foreign file: say so, go live
                log.debug("kanban-widget: building the history of %s failed", store.path,
                          exc_info=True)
                with self._lock:
                    if shows_it():
                        self.error = f"The board's history could not be read: {exc}"
                        self.time = None

        self._history_builder = threading.Thread(
            target=build, daemon=True, name=f"kanban-history-{store.path.name}")
        self._history_builder.start()

    def time_view(self, when) -> dict:
        """What the page shows for the moment ``when``: the payload of ``_time_view``."""
        at = as_seconds(when)
        store = self.store
        # One read transaction, which also holds the store's lock: another thread's scrub
        # cannot patch the history halfway through this one.
        with store.reading() as conn:
            history = history_of(store)
            past = history.board_at(conn, at, tenant=self.tenant or None,
                                    assignee_is=self.assignee or None, search=self.search,
                                    include_archived=self.show_archived,
                                    per_column=PAST_CARDS_PER_COLUMN)
            span = history.span() or (at, at)
            start, end = min(span[0], at), max(span[1], at)
            before, after = history.neighbours(at)
            density = history.density(DENSITY_BINS, (start, end))["counts"]
            changes, n_changes = changes_since(store, at, max(end, store.now()),
                                               include_archived=self.show_archived,
                                               last=CHANGES_LISTED)
        return {
            "as_of": at,
            "start": start,
            "end": end,
            "density": density,
            "prev": before,
            "next": after,
            "changes": changes,
            "changes_count": n_changes,
            "columns": [{"status": status, "count": past.column_counts.get(status, 0),
                         "cards": [wire_card(c) for c in cards]}
                        for status, cards in past.columns.items()],
        }

    def diff(self, since, until=None) -> list[dict]:
        """Which cards entered, left or moved between columns from ``since`` to ``until``
        (default: now), with who did it: see :func:`kanban_widget.store.history.diff`.
        Archived cards count as on the board when ``show_archived`` is on.

        Example::

            board.diff(datetime(2026, 11, 23, 9, 0))   # what moved since Monday's stand-up
        """
        return diff(self.store, since, until, include_archived=self.show_archived)

"""What the page needs to colour and head its columns, kept current off the kernel's main thread.

Two small synced traits of :class:`~kanban_widget.widget.KanbanBoard` come from here:

* ``age_bands`` ``{status: [p50_s, p85_s]}``: how long each column's past spells lasted (the
  50th and 85th percentiles, whole seconds, from :func:`kanban_widget.analytics.spell_percentiles`).
  The page tints a card amber once its time in its column reaches p50 and red past p85. A column
  with fewer than ``MIN_SPELLS`` finished spells is left out (its history is too thin to judge
  by), and its cards stay neutral.
* ``wip_limits``: the limits stored in the board file (:mod:`kanban_widget.store.settings`),
  re-read when another process commits.

One daemon thread per board does it. It waits ``FIRST_DELAY`` seconds before the first
computation, so the board's first paint never waits on it. Then it sleeps until the board's
feed says someone committed to the file (:meth:`FlowHints.file_changed`, from the feed's
``FeedListener.file_changed``: the feed already asks SQLite's ``PRAGMA data_version`` for its
patches, and a settings write adds no ``task_events`` row, so the patches cannot carry it). On
a commit it re-reads the limits (one row), and it recomputes the bands when they are older than
``BANDS_EVERY`` seconds (a spell percentile moves slowly, so not on every patch; a commit
meanwhile is remembered and the thread wakes when they are due) or the board was switched
(``retarget``). The bands read only the last ``BANDS_RECENT_EVENTS`` events of the history, so
their cost does not grow with a board's age. Boards open on one file share one computation
(``shared_age_bands``), as they share one feed.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any, Optional

import traitlets

from .store import KanbanError

if TYPE_CHECKING:
    from .widget import KanbanBoard

log = logging.getLogger(__name__)

#: Seconds after the board opens before the first bands are computed.
FIRST_DELAY = 1.0
#: Seconds the thread lets commits gather after the first wakes it: a busy board (the feed tells
#: of up to 20 commits a second) costs one read of the limits per gather, not one per commit.
GATHER = 0.25
#: Bands are recomputed at most this often (seconds), and only after the board changed.
BANDS_EVERY = 600.0
#: The percentiles the page's tint uses (neutral below the first, red past the second).
BAND_PERCENTILES = (50, 85)
#: The bands are the spells begun among the board's last this-many events (``recent_events``
#: of ``spell_percentiles``): a bounded read, whatever the board's age (at 1,000,000 tasks the
#: whole history took seconds and a gigabyte).
BANDS_RECENT_EVENTS = 150_000


def age_bands(path) -> dict[str, list[int]]:
    """``{status: [p50_s, p85_s]}`` for each work-in-progress column of the board at ``path``
    (``analytics.WIP_STATUSES``: ready, running, blocked, review, the columns
    ``analytics.aging_wip`` ages) with enough recent history (at least ``analytics.MIN_SPELLS``
    finished spells begun among the last ``BANDS_RECENT_EVENTS`` events); whole seconds,
    computed over the whole board (the page's filters do not change a column's yardstick).

    Triage and todo are left out like done: they are before the commitment point (ideas, and
    tasks waiting on their parents), where a long wait is the norm rather than a sign of stuck
    work, and on the demo board their old cards would turn most of the board red."""
    import pandas as pd  # imported here, off the main thread

    from .analytics import WIP_STATUSES, spell_percentiles

    frame = spell_percentiles(path, percentiles=BAND_PERCENTILES,
                              recent_events=BANDS_RECENT_EVENTS)
    bands: dict[str, list[int]] = {}
    for status, row in frame.iterrows():
        if status not in WIP_STATUSES:
            continue
        low, high = row[f"p{BAND_PERCENTILES[0]}"], row[f"p{BAND_PERCENTILES[1]}"]
        if pd.notna(low) and pd.notna(high):  # NaT: too few spells to judge by
            bands[str(status)] = [int(low.total_seconds()), int(high.total_seconds())]
    return bands


# Bands recently computed, by board file: every board open on one file (a re-run cell makes
# another) shares one computation per BANDS_EVERY, as they share one feed.
_recent_bands: dict = {}
_recent_lock = threading.Lock()


def shared_age_bands(path, *, fresh_for: float = BANDS_EVERY) -> dict[str, list[int]]:
    """:func:`age_bands` of ``path``, reusing one computed by any board of this process in the
    last ``fresh_for`` seconds. One computation at a time (boards opened together wait for the
    first rather than each replaying the history)."""
    with _recent_lock:
        found = _recent_bands.get(path)
        if found is not None and time.monotonic() - found[0] < fresh_for:
            return found[1]
        bands = age_bands(path)
        _recent_bands[path] = (time.monotonic(), bands)
        return bands


class FlowHints:
    """The thread that keeps one board's ``age_bands`` and ``wip_limits`` current.

    Holds the board weakly and ends when it is garbage-collected (a finalizer wakes it) or on
    :meth:`stop` (``KanbanBoard.close``). With ``live=False`` it computes the bands once and
    does not watch for other processes.
    """

    def __init__(self, board: "KanbanBoard", *, live: bool = True):
        self._board = weakref.ref(board)
        self._live = live
        self._stop = threading.Event()
        self._wake = threading.Event()  # set by stop(), retarget() and file_changed()
        self._changed = threading.Event()  # a commit not yet acted on
        self._switches = 0  # written only by retarget(), on the board's thread
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"kanban-hints-{board.path.name}")
        # A board dropped without close() must not leave a thread asleep until the next commit.
        self._finalizer = weakref.finalize(board, self.stop)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end (it does within a moment; nothing waits for it)."""
        self._stop.set()
        self._wake.set()

    def retarget(self) -> None:
        """The board now shows another file (or the same again): read its limits and bands
        now, even if the thread never saw the path change (a switch there and back)."""
        self._switches += 1
        self._wake.set()

    def file_changed(self) -> None:
        """Someone committed to the board's file (called by the feed's thread)."""
        self._changed.set()
        self._wake.set()

    def _run(self) -> None:
        try:
            self._follow()
        finally:
            self._finalizer.detach()

    def _follow(self) -> None:
        if self._stop.wait(FIRST_DELAY):
            return
        path, bands_at, seen_switches = None, 0.0, self._switches
        stale = False  # a commit came since the bands were computed
        while not self._stop.is_set():
            board = self._board()
            if board is None or board._feed is None:
                return
            try:
                switches = self._switches  # before the reader: a switch is done when counted
                changed = self._changed.is_set()
                self._changed.clear()  # before reading: a commit from now on wakes us again
                reader = board._feed.reader
                switched = reader.path != path or switches != seen_switches
                seen_switches, path = switches, reader.path
                stale = stale or changed
                if changed or switched:
                    board._limits_changed_elsewhere(reader.path, reader.wip_limits())
                if switched:
                    bands_at, stale = time.monotonic(), False  # a failure is not retried at once
                    board._set_age_bands(reader.path, shared_age_bands(reader.path))
                elif stale and time.monotonic() - bands_at >= BANDS_EVERY:
                    bands_at, stale = time.monotonic(), False
                    board._set_age_bands(reader.path, shared_age_bands(reader.path, fresh_for=60.0))
            except Exception as exc:  # a locked or vanished board: the feed reports those
                log.debug("kanban-widget: flow hints for %s failed: %s", path, exc)
            del board  # held weakly between rounds
            if not self._live and path is not None:
                return
            # Asleep until a commit, a switch or stop; awake again when stale bands fall due.
            due = bands_at + BANDS_EVERY - time.monotonic() if stale else BANDS_EVERY
            self._wake.wait(max(due, 0.0))
            self._stop.wait(GATHER)
            self._wake.clear()


def _limits_from_page(value: Any, widget: "KanbanBoard") -> Any:
    """How WIP limits set on the page are read: stored in the board file (the page's wait for
    another writer is short); a refused value (read-only board, unknown status) leaves the
    stored limits, which are sent back to the page, and the banner says why."""
    try:
        with widget._page_busy_timeout():
            stored = widget.store.set_wip_limits(value)
    except KanbanError as exc:
        widget.error = f"The WIP limits were not changed: {exc}"
        widget.send_state("wip_limits")
        return widget.wip_limits
    widget._limits_stored = threading.get_ident()  # _check_wip_limits: already written
    return stored


class FlowTraits(traitlets.HasTraits):
    """The flow traits of :class:`~kanban_widget.widget.KanbanBoard` and their upkeep (a mixin:
    the widget provides ``store``, ``_lock``, ``error`` and ``_page_busy_timeout``)."""

    wip_limits = traitlets.Dict().tag(sync=True, from_json=_limits_from_page)
    """Soft WIP limits ``{status: n}``, stored in the board file (``Store.set_wip_limits``):
    the column header shows ``n / limit``, highlighted past it. Set it from Python or the page;
    ``{}`` clears them. An unknown status, a limit that is not a whole number from 0 to
    1,000,000, or a read-only board raises TraitError. Limits set by another process show up
    within a second or two."""

    age_bands = traitlets.Dict().tag(sync=True)
    """``{status: [p50_s, p85_s]}``: how long each work-in-progress column's past spells lasted;
    the page tints a card amber from p50 and red past p85 in its column. Computed off the main
    thread after the board opens and refreshed every few minutes. Python writes."""

    _hints: Optional[FlowHints] = None
    #: The thread whose next ``wip_limits`` assignment is a value already in the file.
    _limits_stored: Optional[int] = None

    def _stored_wip_limits(self, kwargs: dict) -> dict:
        """``kwargs`` with the file's limits as ``wip_limits``, unless the caller gave some
        (those are stored by the validator)."""
        if "wip_limits" in kwargs:
            return kwargs
        self._limits_stored = threading.get_ident()
        return {**kwargs, "wip_limits": self.store.wip_limits()}

    @traitlets.validate("wip_limits")
    def _check_wip_limits(self, proposal: Any) -> dict:
        # Set from Python: stored first, so the trait never shows a limit the file lacks. A value
        # read from the file (or stored by the page's path) is marked by the thread setting it,
        # so another thread's assignment meanwhile is still stored.
        if self._limits_stored == threading.get_ident():
            self._limits_stored = None
            return proposal["value"]
        try:
            return self.store.set_wip_limits(proposal["value"])
        except KanbanError as exc:
            raise traitlets.TraitError(str(exc)) from None

    def _limits_changed_elsewhere(self, path, limits: dict) -> None:
        """Show the limits read from the file at ``path`` (another process may have set
        them), if the board still shows that file."""
        with self._lock:
            if path == self.store.path and limits != self.wip_limits:
                self._limits_stored = threading.get_ident()
                self.wip_limits = limits

    def _set_age_bands(self, path, bands: dict) -> None:
        with self._lock:
            if path == self.store.path:  # not a board switched away from meanwhile
                self.age_bands = bands

    def _start_flow_hints(self, live: bool) -> None:
        self._hints = FlowHints(self, live=live)

    def _flow_board_switched(self) -> None:
        """The board now shows another file: its limits now, its bands from the thread."""
        self.age_bands = {}  # the old board's
        self._limits_changed_elsewhere(self.store.path, self.store.wip_limits())
        if self._hints is not None:
            self._hints.retarget()

    def _flow_file_changed(self) -> None:
        """Someone committed to the shown board's file (the feed's thread says so)."""
        if self._hints is not None:
            self._hints.file_changed()

    def _stop_flow_hints(self) -> None:
        if self._hints is not None:
            self._hints.stop()

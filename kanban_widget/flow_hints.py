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
computation, so the board's first paint never waits on it (replaying a large history takes
seconds). Then, once a second, it asks SQLite's ``PRAGMA data_version`` whether anyone
committed (the cheap check the live feed uses too; a settings write adds no ``task_events``
row, so the feed's patches cannot carry it): if so it re-reads the limits (one row), and it
recomputes the bands when they are older than ``BANDS_EVERY`` seconds (a spell percentile
moves slowly, so not on every patch) or the board was switched.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .widget import KanbanBoard

log = logging.getLogger(__name__)

#: Seconds after the board opens before the first bands are computed.
FIRST_DELAY = 1.0
#: Seconds between checks for other processes' commits.
CHECK_EVERY = 1.0
#: Bands are recomputed at most this often (seconds), and only after the board changed.
BANDS_EVERY = 600.0
#: The percentiles the page's tint uses (neutral below the first, red past the second).
BAND_PERCENTILES = (50, 85)


def age_bands(path) -> dict[str, list[int]]:
    """``{status: [p50_s, p85_s]}`` for each column of the board at ``path`` with enough
    history (at least ``analytics.MIN_SPELLS`` finished spells); whole seconds, computed over
    the whole board (the page's filters do not change a column's yardstick)."""
    from .analytics import spell_percentiles  # pandas: imported here, off the main thread

    frame = spell_percentiles(path, percentiles=BAND_PERCENTILES)
    bands: dict[str, list[int]] = {}
    for status, row in frame.iterrows():
        low, high = row[f"p{BAND_PERCENTILES[0]}"], row[f"p{BAND_PERCENTILES[1]}"]
        if low is not None and high is not None and low == low and high == high:  # not NaT
            bands[str(status)] = [int(low.total_seconds()), int(high.total_seconds())]
    return bands


class FlowHints:
    """The thread that keeps one board's ``age_bands`` and ``wip_limits`` current.

    Holds the board weakly (a board that is garbage-collected stops it) and stops on
    :meth:`stop` (``KanbanBoard.close``). With ``live=False`` it computes the bands once and
    does not watch for other processes.
    """

    def __init__(self, board: "KanbanBoard", *, live: bool = True):
        self._board = weakref.ref(board)
        self._live = live
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"kanban-hints-{board.path.name}")
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end (it does within a moment; nothing waits for it)."""
        self._stop.set()

    def _run(self) -> None:
        if self._stop.wait(FIRST_DELAY):
            return
        path, version, bands_at = None, None, 0.0
        while True:
            board = self._board()
            if board is None or board._feed is None:
                return
            try:
                reader = board._feed.reader
                now_version = reader.data_version()
                switched, changed = reader.path != path, now_version != version
                path, version = reader.path, now_version
                if changed or switched:
                    board._limits_changed_elsewhere(reader.path, reader.wip_limits())
                if switched or (changed and time.monotonic() - bands_at > BANDS_EVERY):
                    bands_at = time.monotonic()  # a failure is not retried every second
                    board._set_age_bands(reader.path, age_bands(reader.path))
            except Exception as exc:  # a locked or vanished board: the feed reports those
                log.debug("kanban-widget: flow hints for %s failed: %s", path, exc)
            del board  # held weakly between rounds
            if not self._live and path is not None:
                return
            if self._stop.wait(CHECK_EVERY):
                return

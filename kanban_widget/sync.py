"""The tail thread: notices commits to the board file and publishes small patches.

One daemon thread per widget. It asks SQLite ``PRAGMA data_version`` on its own read
connection every 5 ms while the board is busy and every 40 ms once it has been quiet for two
seconds (a cheap check whose value changes whenever another connection commits), and only then
reads the new events and the cards they touch
(:meth:`BoardState.poll`). Sends are coalesced: at most one every ``min_interval`` seconds, so a
burst of thousands of commits becomes a handful of messages (Jupyter drops comm messages above
about 1000 per second).

It survives a locked database and a file that disappears and comes back; a failure that lasts
longer than ``fail_after`` seconds is reported through ``on_error`` (the widget shows it), and
cleared once reads work again. It holds only a weak reference to its owner, so a widget that is
garbage-collected stops its thread.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import weakref
from typing import Optional

from .board import BoardState
from .store import KanbanError, Store

log = logging.getLogger(__name__)


class TailThread(threading.Thread):
    """Follows ``state``'s board file and hands each patch to ``publish``.

    ``owner`` is the object whose life bounds the thread (the widget); ``publish(patch)`` and
    ``on_error(message)`` are looked up on it through a weak reference each time.
    """

    def __init__(
        self,
        owner: object,
        state: BoardState,
        *,
        publish: str = "_publish_patch",
        on_error: str = "_report_sync_error",
        poll_interval: float = 0.005,
        idle_interval: float = 0.04,
        idle_after: float = 2.0,
        min_interval: float = 0.05,
        fail_after: float = 3.0,
    ):
        super().__init__(name=f"kanban-tail-{state.store.path.name}", daemon=True)
        self._owner = weakref.ref(owner)
        self._publish_name, self._error_name = publish, on_error
        self.state = state
        self.poll_interval = poll_interval
        self.idle_interval = idle_interval
        self.idle_after = idle_after
        self.min_interval = min_interval
        self.fail_after = fail_after
        self._stop_event = threading.Event()
        self._wake = threading.Event()
        self._watch: Optional[sqlite3.Connection] = None
        self._failing_since: Optional[float] = None
        self._reported = False
        self._checked_file = 0.0

    # -- control -------------------------------------------------------------------------------

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the thread to finish and wait for it (not when called from the thread itself)."""
        self._stop_event.set()
        self._wake.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def poke(self) -> None:
        """Check for changes now (after a write made through the widget)."""
        self._wake.set()

    # -- the loop ------------------------------------------------------------------------------

    def run(self) -> None:
        last_version = None
        last_send = 0.0
        last_change = time.monotonic()
        try:
            while not self._stop_event.is_set():
                if self._owner() is None:
                    return  # the widget was garbage-collected
                try:
                    version = self._data_version()
                    if version != last_version:
                        last_change = time.monotonic()
                        wait = last_send + self.min_interval - time.monotonic()
                        if wait > 0 and last_version is not None:
                            self._stop_event.wait(wait)  # coalesce a burst into one patch
                        patch = self.state.poll()
                        last_version = version
                        if patch is not None:
                            self._call(self._publish_name, patch)
                            last_send = time.monotonic()
                    self._recovered()
                except (sqlite3.Error, KanbanError, OSError) as exc:
                    self._failed(exc)
                    last_version = None
                    self._stop_event.wait(0.25)
                    continue
                # Poll fast while the board is busy, slower once it has been quiet a while: a
                # commit after a lull waits at most idle_interval, and idling costs little.
                quiet = time.monotonic() - last_change > self.idle_after
                self._wake.wait(self.idle_interval if quiet else self.poll_interval)
                self._wake.clear()
        finally:
            if self._watch is not None:
                self._watch.close()

    def _data_version(self) -> int:
        path = self.state.store.path
        now = time.monotonic()
        # An open connection keeps reading a deleted file, so look for the file itself too,
        # but only twice a second: the stat costs more than the PRAGMA.
        if self._watch is None or now - self._checked_file > 0.5:
            self._checked_file = now
            missing = not path.exists()
        else:
            missing = False
        if missing:
            if self._watch is not None:
                self._watch.close()
                self._watch = None
            raise FileNotFoundError(f"the board file {path} is gone; waiting for it to come back")
        if self._watch is None:
            self._watch = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1.0,
                                          check_same_thread=False)
            self._reopen_if_replaced()
        return self._watch.execute("PRAGMA data_version").fetchone()[0]

    def _reopen_if_replaced(self) -> None:
        """After the file vanished and came back it may be a different file: start over from a
        fresh snapshot on a fresh connection."""
        if self._failing_since is None:
            return
        store = self.state.store
        fresh = Store(store.path, read_only=True, busy_timeout=store.busy_timeout)
        old, self.state.store = store, fresh
        old.close()
        self.state.reload()
        self._call("_resync_all", None)

    # -- failures ------------------------------------------------------------------------------

    def _failed(self, exc: Exception) -> None:
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
            log.info("board sync: %s", exc)
        if not self._reported and now - self._failing_since >= self.fail_after:
            self._reported = True
            self._call(self._error_name, f"Live updates stopped: {exc}")

    def _recovered(self) -> None:
        if self._failing_since is not None:
            self._failing_since = None
            if self._reported:
                self._reported = False
                self._call(self._error_name, "")

    def _call(self, name: str, arg) -> None:
        owner = self._owner()
        if owner is not None:
            getattr(owner, name)(arg) if arg is not None else getattr(owner, name)()

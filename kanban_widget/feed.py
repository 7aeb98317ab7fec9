"""Following a board file: one feed per file per process, shared by every board open on it.

A :class:`BoardFeed` owns, for one board file, the connections every board on that file in
this process shares (one read-only ``reader``, and the writers) and one daemon thread. The
thread sleeps until the operating system reports a change to the board's files (inotify, see
:mod:`kanban_widget.wakeup`), then asks SQLite ``PRAGMA data_version`` (a cheap check whose value
changes whenever another connection commits) every 5 ms for two seconds, because the file
event can come a moment before the commit is visible. Quiet, it checks every 15 s anyway, a
fallback for what notifications might miss. Where there are none, or they cannot be trusted (a
network filesystem reports only this host's writes), it polls every 5 ms while the board is busy
and every 40 ms once it has been quiet for two seconds. Only when the version moved does each
follower hear that the file changed (``FeedListener.file_changed``: the flow hints re-read the
WIP limits on it) and read the new events and the cards they touch (:meth:`BoardState.poll`).
Sends are coalesced: at most one round every ``min_interval`` seconds, so a burst of thousands
of commits becomes a handful of messages (Jupyter drops comm messages above about 1000 per
second).

So re-running a cell that makes a board for the same file adds a follower, not a thread and
connections: fifty boards on one file cost one thread and two connections.

The thread also looks at the file itself on every round (an ``os.stat``: never an ``open()``,
see :mod:`kanban_widget.store.boardfile`): a file replaced on disk is re-opened and every
follower is re-snapshotted and resent; a deleted file is reported at once and followed again
when it comes back. Other failures (a locked board) are reported after ``fail_after`` seconds
and cleared when reads work again. Followers are held weakly: a board that is garbage-collected
stops being followed, and the thread ends when no follower is left.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import weakref
from pathlib import Path
from typing import Optional, Protocol

from .board import RELOADED, BoardState
from .store import KanbanError, Store
from .store.boardfile import identity
from .wakeup import Wakeup

log = logging.getLogger(__name__)


class FeedListener(Protocol):
    """What a board following a feed answers (the widget implements it)."""

    def publish_patch(self, patch: dict) -> None:
        """Send the page this patch of the board (it is the next revision)."""

    def resync_all(self) -> None:
        """Send the page the whole board again (its state was re-read from scratch)."""

    def report_sync_error(self, message: str) -> None:
        """Show ``message`` in the page's banner; ``""`` clears it."""

    def file_changed(self) -> None:
        """Someone committed to the board file (``PRAGMA data_version`` moved), whoever it was
        and whether or not a card changed (a settings write adds no event). Called on the
        feed's thread: do little (set a flag), so every follower hears of it at once."""


class Follower:
    """One board following a feed: its state, and its listener (the widget), held weakly."""

    def __init__(self, listener: FeedListener, state: BoardState):
        self._listener = weakref.ref(listener)
        self.state = state

    @property
    def alive(self) -> bool:
        return self._listener() is not None

    def patch(self, patch: dict) -> None:
        listener = self._listener()
        if listener is not None:
            listener.publish_patch(patch)

    def resync(self) -> None:
        listener = self._listener()
        if listener is not None:
            listener.resync_all()

    def report(self, message: str) -> None:
        listener = self._listener()
        if listener is not None:
            listener.report_sync_error(message)

    def changed(self) -> None:
        listener = self._listener()
        if listener is not None:
            listener.file_changed()


class BoardFeed:
    """The connections and the watching thread of one board file, shared within a process.

    Get one with :meth:`acquire` and give it back with :meth:`release`; the last release
    closes its connections. Not usually used directly: :class:`KanbanBoard` does.
    """

    _feeds: dict[str, "BoardFeed"] = {}
    _feeds_lock = threading.Lock()

    poll_interval = 0.005
    idle_interval = 0.04        # quiet, without file notifications
    notified_interval = 15.0    # quiet, with them: only a fallback for what they miss (each
                                # round is a stat and a PRAGMA: 0.25 s cost 0.36 % of a core)
    idle_after = 2.0
    min_interval = 0.05
    fail_after = 3.0

    def __init__(self, path: Path, *, busy_timeout: float, create: bool = False):
        self.path = path
        self.busy_timeout = busy_timeout
        self._writers: dict[bool, Store] = {}
        if create:  # the writer first: it creates a new board file, which a reader cannot
            self._writers[False] = Store(path, busy_timeout=busy_timeout)
        # Reads wait at most a second for a lock (only a rollback-journal board or a WAL
        # recovery can make a reader wait): the thread reports a stuck board instead of hanging,
        # and the kernel's own reads through this store never freeze a notebook for long.
        try:
            self.reader = Store(path, read_only=True, busy_timeout=min(busy_timeout, 1.0))
        except BaseException:
            for store in self._writers.values():
                store.close()
            raise
        self._users = 0
        self._lock = threading.RLock()
        self._followers: list[Follower] = []
        self._thread: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._wakeup = Wakeup(path)
        self._failing_since: Optional[float] = None
        self.error = ""  # the message every follower was last given ("" when all is well)
        self._notice = "" if self.reader.live else (
            f"Read-only and not live: {path.parent} cannot be written by this user, so SQLite "
            "cannot share other processes' changes with this view. Live updates need write "
            "access to that folder")

    # -- sharing -------------------------------------------------------------------------------

    @classmethod
    def acquire(cls, path: Path, *, busy_timeout: float = 10.0,
                create: bool = False) -> "BoardFeed":
        """The feed of the board file at ``path`` (an absolute path), opened if need be;
        with ``create``, a board is created there when there is none."""
        key = str(path)
        with cls._feeds_lock:
            feed = cls._feeds.get(key)
            if feed is None:
                feed = cls._feeds[key] = cls(path, busy_timeout=busy_timeout, create=create)
            feed._users += 1
            return feed

    def release(self) -> None:
        """Give the feed back; the last user stops its thread and closes its connections."""
        with BoardFeed._feeds_lock:
            self._users -= 1
            if self._users > 0:
                return
            if BoardFeed._feeds.get(str(self.path)) is self:
                del BoardFeed._feeds[str(self.path)]
        self._stop_thread()
        self._wakeup.close()
        for store in [self.reader, *self._writers.values()]:
            store.close()

    def writer(self, *, read_only: bool = False) -> Store:
        """The Store the boards of this file write through (read-only boards get one that
        refuses writes), opened on first use and shared."""
        with self._lock:
            store = self._writers.get(read_only)
            if store is None:
                store = self._writers[read_only] = Store(
                    self.path, read_only=read_only, busy_timeout=self.busy_timeout)
            return store

    # -- followers -----------------------------------------------------------------------------

    def follow(self, listener: FeedListener, state: BoardState) -> Follower:
        """Start sending ``listener`` the patches of ``state`` (the thread starts if need
        be). The listener is held weakly."""
        follower = Follower(listener, state)
        with self._lock:
            self._followers.append(follower)
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._run, name=f"kanban-tail-{self.path.name}", daemon=True)
                self._thread.start()
        message = self.error or self._notice
        if message:
            follower.report(message)
        return follower

    def unfollow(self, follower: Follower) -> None:
        with self._lock:
            if follower in self._followers:
                self._followers.remove(follower)

    def poke(self) -> None:
        """Check for changes now (after a write made through a board)."""
        self._wakeup.poke()

    @property
    def thread(self) -> Optional[threading.Thread]:
        """The watching thread while one runs."""
        return self._thread

    def _live_followers(self) -> list[Follower]:
        with self._lock:
            self._followers = [f for f in self._followers if f.alive]
            return list(self._followers)

    def _stop_thread(self) -> None:
        self._stop.set()
        self._wakeup.poke()
        thread = self._thread
        if thread is not None and thread.is_alive() and threading.current_thread() is not thread:
            thread.join(2.0)

    # -- the loop ------------------------------------------------------------------------------

    def _run(self) -> None:
        last_version = None
        last_send = 0.0
        last_change = time.monotonic()
        while not self._stop.is_set():
            followers = self._live_followers()
            if not followers:
                return  # every board on this file was closed or collected
            try:
                if self.reader.file_replaced():
                    self._replaced(followers)
                    last_version = None
                version = self.reader.data_version()
                if version != last_version:
                    last_change = time.monotonic()
                    wait = last_send + self.min_interval - time.monotonic()
                    if wait > 0 and last_version is not None:
                        self._stop.wait(wait)  # coalesce a burst into one patch
                    for follower in followers:
                        follower.changed()  # first: it is only a flag, the reads take longer
                        patch = follower.state.poll()
                        if patch == RELOADED:
                            follower.resync()
                        elif patch is not None:
                            follower.patch(patch)
                    last_version = version
                    last_send = time.monotonic()
                self._recovered(followers)
            except (sqlite3.Error, KanbanError, OSError) as exc:
                self._failed(exc, followers)
                last_version = None
                self._stop.wait(0.25)
                continue
            except Exception:  # a bug of ours: log it, keep following
                log.exception("kanban-widget: following %s failed", self.path)
                self._stop.wait(0.25)
                continue
            # Poll fast while the board is busy, slowly once it has been quiet a while; a file
            # event (or a write through a board) counts as busy.
            quiet = time.monotonic() - last_change > self.idle_after
            if not quiet:
                timeout = self.poll_interval
            elif self._wakeup.notified:
                timeout = self.notified_interval
            else:
                timeout = self.idle_interval
            if self._wakeup.wait(timeout):
                last_change = time.monotonic()

    def _replaced(self, followers: list[Follower]) -> None:
        """The path names another file now, or none: start over from a fresh snapshot."""
        if identity(self.path) is None:
            self._report(followers, f"Live updates stopped: the board file {self.path} was "
                                    "deleted; waiting for it to come back")
            raise FileNotFoundError(f"{self.path} is gone")
        log.info("board sync: %s was replaced; re-reading it", self.path)
        # Every connection of ours to the old file closes before any opens the new one (the
        # old file's -wal/-shm carry the same names); the writers re-open on their next write.
        with self._lock:
            stores = [self.reader, *self._writers.values()]
        for store in stores:
            store.let_go()
        self.reader.follow_path()
        for follower in followers:
            follower.state.reload()
            follower.resync()

    # -- failures ------------------------------------------------------------------------------

    def _failed(self, exc: Exception, followers: list[Follower]) -> None:
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
            log.info("board sync: %s", exc)
        if not self.error and now - self._failing_since >= self.fail_after:
            self._report(followers, f"Live updates stopped: {exc}")

    def _recovered(self, followers: list[Follower]) -> None:
        self._failing_since = None
        if self.error:
            self._report(followers, "")

    def _report(self, followers: list[Follower], message: str) -> None:
        if message == self.error:
            return
        self.error = message
        for follower in followers:
            follower.report(message or self._notice)

"""Live updates for sockets: one :class:`BoardHub` per board and view (filters, lanes, archived
column; :class:`~kanban_widget.server.boards.BoardHandle` keeps them), following the
board's shared :class:`~kanban_widget.feed.BoardFeed` like a notebook's board does, and fanning
each patch out to every socket subscribed to it.

So a hundred sockets on one board cost one :class:`~kanban_widget.board.BoardState`, one read of
each change, and no poll loop of their own. The feed's thread calls the hub; the hub hands each
patch to each socket's event loop (``call_soon_threadsafe``), where a :class:`Subscriber` queues
it. A socket that falls behind (more than :data:`MAX_QUEUED` patches waiting) or misses a
revision is sent the whole board instead, so no client ever applies a patch out of order.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections import deque
from typing import Optional

from ..board import BoardState
from ..feed import BoardFeed
from ..store import windows

#: Patches a hub keeps to catch up a client that reconnects with the revision it shows.
RECENT_PATCHES = 256

#: Patches queued for one socket before it is sent the whole board instead.
MAX_QUEUED = 256

#: What a subscriber's queue holds: ("patch", patch), ("board", None) or ("error", message).
BOARD = ("board", None)


class Subscriber:
    """One socket's queue of what to send, fed from the feed's thread through its loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.queue: asyncio.Queue = asyncio.Queue()
        self.rev = -1  # the last revision this socket was sent (a patch or a whole board)

    def push(self, item: tuple) -> None:
        """Queue ``item`` from any thread."""
        try:
            self.loop.call_soon_threadsafe(self._put, item)
        except RuntimeError:  # the loop closed: the server is stopping
            pass

    def _put(self, item: tuple) -> None:
        if self.queue.qsize() >= MAX_QUEUED:
            while not self.queue.empty():  # too far behind: the whole board replaces it all
                self.queue.get_nowait()
            item = BOARD
        self.queue.put_nowait(item)


class BoardHub:
    """The live state of one board as sockets see it (a :class:`FeedListener`).

    ``session`` changes whenever the hub starts over (a new server, a replaced board file), so
    a client reconnecting with a revision of another session gets the whole board.
    """

    def __init__(self, feed: BoardFeed, *, view: windows.View):
        self.view = view
        self.state = BoardState(feed.reader, view=view)
        self.session = secrets.token_hex(8)
        self.error = ""
        self._lock = threading.Lock()
        self._recent: deque = deque(maxlen=RECENT_PATCHES)
        self._subscribers: set[Subscriber] = set()
        self._feed = feed
        self._follower = feed.follow(self, self.state)  # the feed holds the hub weakly

    def close(self) -> None:
        self._feed.unfollow(self._follower)

    # -- sockets ---------------------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber, *, session: Optional[str] = None,
                  rev: Optional[int] = None) -> list:
        """Add ``subscriber`` and return what it must be sent first: the patches after ``rev``
        when this hub still has them all (nothing when ``rev`` is current), else the board."""
        with self._lock:
            self._subscribers.add(subscriber)
            current = self.state.rev
            if session == self.session and rev is not None and 0 <= rev <= current:
                kept = {p["rev"]: p for p in self._recent}
                missed = [kept.get(r) for r in range(rev + 1, current + 1)]
                if all(missed):
                    subscriber.rev = rev
                    return [("patch", p) for p in missed]
            return [BOARD]

    def unsubscribe(self, subscriber: Subscriber) -> bool:
        """Drop ``subscriber``; return whether the hub has no subscriber left."""
        with self._lock:
            self._subscribers.discard(subscriber)
            return not self._subscribers

    def payload(self) -> dict:
        """The whole board as the widget's ``_board`` trait carries it, with this hub's
        session (and without the server's file path, which is no business of a remote client)."""
        payload = self.state.payload()
        payload.pop("path", None)
        payload["session"] = self.session
        return payload

    # -- called by the feed's thread -------------------------------------------------------------

    def publish_patch(self, patch: dict) -> None:
        with self._lock:
            self._recent.append(patch)
            for subscriber in self._subscribers:
                subscriber.push(("patch", patch))

    def resync_all(self) -> None:
        with self._lock:
            self._recent.clear()
            self.session = secrets.token_hex(8)
            for subscriber in self._subscribers:
                subscriber.push(BOARD)

    def report_sync_error(self, message: str) -> None:
        with self._lock:
            self.error = message
            for subscriber in self._subscribers:
                subscriber.push(("error", message))

    def file_changed(self) -> None:
        """Nothing to do: the patches (and their absence) say all a socket needs."""

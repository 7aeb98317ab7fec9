"""Which board a request names, and the shared things of each board the server serves.

A server started on a file (``--db``) serves that file only. Otherwise it serves the kanban
home's boards: the one it was started on (``--board``, else the current board) when a request
names none, and any other listed board with ``?board=<slug>``, opened on first use. Each board
has one :class:`~kanban_widget.feed.BoardFeed` (its connections and watching thread, shared
with every socket on it), the feed's writer for the API's writes, and its hubs: one per view
a socket follows (filters, lanes, archived column), so each view's windows and counts are read
in SQL once however many sockets follow it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Optional

from ..board import BoardState
from ..feed import BoardFeed
from ..store import KanbanError, Store, windows
from ..store.paths import board_db_path, board_exists, kanban_root, normalize_slug, not_found
from .errors import bad_request, from_store_error, too_many_views
from .live import BoardHub, Subscriber

#: How long an API write waits for another process's write lock before answering 503.
WRITE_WAIT = 5.0
#: Shortest time between two patch rounds of a served board's feed, in seconds. The feed's own
#: 50 ms suits Jupyter comms (which drop bursts); a WebSocket takes more, and at 20 commits/s
#: the 50 ms window alone made commit → client p50 38 ms instead of 6 (bench/bench_server.py).
SOCKET_MIN_INTERVAL = 0.01
#: Most filtered views of one board followed at once (besides the :data:`KEPT_VIEWS`). Each
#: is a live state the feed's thread brings up
#: to date after every commit (a filtered one with a SQL recount when a card may have moved),
#: so the cap bounds the server's work per commit whatever the clients ask.
MAX_VIEWS = 64
#: The views kept while no socket follows them: the whole board, with and without the archived
#: column (what most clients follow, and what a reconnecting client resumes from).
KEPT_VIEWS = (windows.View(), windows.View(include_archived=True))


class BoardHandle:
    """One served board: its feed, the store writes go through, and its hubs (one per view,
    made on the first socket or snapshot of it; a filtered view's is dropped when its last
    socket leaves)."""

    def __init__(self, path: Path):
        self.path = path
        # create: a board Hermes lists may have no file yet (it makes them lazily)
        self.feed = BoardFeed.acquire(path, busy_timeout=WRITE_WAIT, create=True)
        self.feed.min_interval = SOCKET_MIN_INTERVAL
        self.writer: Store = self.feed.writer()
        # The windows' index, as a writable local board makes it: a column's window and a
        # filtered view's recount are index seeks instead of sorts of the whole column.
        windows.ensure_indexes(self.writer)
        self._hubs: dict[windows.View, BoardHub] = {}
        self._lock = threading.Lock()

    @property
    def reader(self) -> Store:
        """The read-only store reads go through (shared with the feed's thread)."""
        return self.feed.reader

    def hub(self, view: windows.View = windows.View()) -> BoardHub:
        """The hub of this board's live state under ``view``. Raises ApiError 503
        (``TooManyViews``) when :data:`MAX_VIEWS` other views are followed already."""
        with self._lock:
            return self._hub(view)

    def _hub(self, view: windows.View) -> BoardHub:
        hub = self._hubs.get(view)
        if hub is None:
            # The kept views are always served: "clear the filters" must work at the cap.
            if view not in KEPT_VIEWS and \
                    sum(v not in KEPT_VIEWS for v in self._hubs) >= MAX_VIEWS:
                raise too_many_views(MAX_VIEWS)
            if view.lanes:
                windows.ensure_indexes(self.writer, lanes=True)
            hub = self._hubs[view] = BoardHub(self.feed, view=view)
        return hub

    def subscribe(self, view: windows.View, subscriber: Subscriber, *,
                  session: Optional[str] = None, rev: Optional[int] = None
                  ) -> tuple[BoardHub, list]:
        """Subscribe to the view's hub (made if need be); the hub and what to send first
        (:meth:`BoardHub.subscribe`). Raises like :meth:`hub`."""
        with self._lock:  # so the hub cannot be dropped between its making and the subscribing
            hub = self._hub(view)
            return hub, hub.subscribe(subscriber, session=session, rev=rev)

    def unsubscribe(self, hub: BoardHub, subscriber: Subscriber) -> None:
        """Unsubscribe; a view's hub that no socket follows any more is dropped (but the
        :data:`KEPT_VIEWS`)."""
        with self._lock:
            if hub.unsubscribe(subscriber) and hub.view not in KEPT_VIEWS \
                    and self._hubs.get(hub.view) is hub:
                del self._hubs[hub.view]
                hub.close()

    def snapshot(self, view: windows.View) -> dict:
        """The board under ``view`` as ``GET /snapshot`` answers it: from the view's hub when
        one is followed (its session and revision continue on ``/patches``), else read once
        without keeping a hub."""
        with self._lock:
            hub = self._hubs.get(view)
        if hub is not None or view in KEPT_VIEWS:
            return self.hub(view).payload()
        state = BoardState(self.reader, view=view)
        payload = state.payload()
        payload.pop("path", None)
        payload["session"] = None  # nothing to resume: /patches starts with the whole board
        return payload

    def written(self) -> None:
        """Wake the feed after a write, so sockets hear of it at once."""
        self.feed.poke()

    def close(self) -> None:
        with self._lock:
            hubs, self._hubs = list(self._hubs.values()), {}
        for hub in hubs:
            hub.close()
        self.feed.release()


class BoardSet:
    """The boards a server serves, opened on first use and kept until :meth:`close`.

    ``path`` fixes one board file; else ``slug`` (None: the current board) is the default of
    the kanban home at ``root``.
    """

    def __init__(self, path: Optional[Path] = None, *, slug: Optional[str] = None,
                 root: Optional[Path] = None):
        self.root = kanban_root() if root is None else root
        self.fixed = path is not None
        self.default_path = path if path is not None else Store.resolve_path(None, board=slug)
        self._handles: dict[Path, BoardHandle] = {}
        self._lock = threading.Lock()
        self.get(None)  # open the default board now: a bad one fails at start, not per request

    def get(self, slug: Optional[str]) -> BoardHandle:
        """The board named by ``?board=`` (None: the default). Raises ApiError: 400 for a
        malformed slug or any slug on a one-file server, 404 for an unknown board."""
        if slug is None:
            path = self.default_path
        elif self.fixed:
            raise bad_request(f"this server serves one board file ({self.default_path.name}); "
                              "leave out ?board=")
        else:
            try:
                slug = normalize_slug(slug)
                if not board_exists(slug, self.root):
                    raise not_found(slug, self.root)
            except KanbanError as exc:
                raise from_store_error(exc) from None
            path = board_db_path(slug, self.root)
        with self._lock:
            handle = self._handles.get(path)
            if handle is None:
                try:
                    handle = self._handles[path] = BoardHandle(path)
                except KanbanError as exc:
                    raise from_store_error(exc) from None
            return handle

    def each(self, action: Callable[[BoardHandle], None]) -> None:
        with self._lock:
            handles = list(self._handles.values())
        for handle in handles:
            action(handle)

    def close(self) -> None:
        with self._lock:
            handles, self._handles = list(self._handles.values()), {}
        for handle in handles:
            handle.close()

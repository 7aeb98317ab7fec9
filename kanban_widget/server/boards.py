"""Which board a request names, and the shared things of each board the server serves.

A server started on a file (``--db``) serves that file only. Otherwise it serves the kanban
home's boards: the one it was started on (``--board``, else the current board) when a request
names none, and any other listed board with ``?board=<slug>``, opened on first use. Each board
has one :class:`~kanban_widget.feed.BoardFeed` (its connections and watching thread, shared
with every socket on it), the feed's writer for the API's writes, and its hubs.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Optional

from ..feed import BoardFeed
from ..store import KanbanError, Store
from ..store.paths import board_db_path, board_exists, kanban_root, normalize_slug, not_found
from .errors import bad_request, from_store_error
from .live import BoardHub

#: How long an API write waits for another process's write lock before answering 503.
WRITE_WAIT = 5.0
#: Shortest time between two patch rounds of a served board's feed, in seconds. The feed's own
#: 50 ms suits Jupyter comms (which drop bursts); a WebSocket takes more, and at 20 commits/s
#: the 50 ms window alone made commit → client p50 38 ms instead of 6 (bench/bench_server.py).
SOCKET_MIN_INTERVAL = 0.01


class BoardHandle:
    """One served board: its feed, the store writes go through, and its hubs (made on the first
    socket)."""

    def __init__(self, path: Path):
        self.path = path
        # create: a board Hermes lists may have no file yet (it makes them lazily)
        self.feed = BoardFeed.acquire(path, busy_timeout=WRITE_WAIT, create=True)
        self.feed.min_interval = SOCKET_MIN_INTERVAL
        self.writer: Store = self.feed.writer()
        self._hubs: dict[bool, BoardHub] = {}
        self._lock = threading.Lock()

    @property
    def reader(self) -> Store:
        """The read-only store reads go through (shared with the feed's thread)."""
        return self.feed.reader

    def hub(self, *, include_archived: bool = False) -> BoardHub:
        """The hub of this board's live state (with or without archived cards)."""
        with self._lock:
            hub = self._hubs.get(include_archived)
            if hub is None:
                hub = self._hubs[include_archived] = BoardHub(
                    self.feed, include_archived=include_archived)
            return hub

    def written(self) -> None:
        """Wake the feed after a write, so sockets hear of it at once."""
        self.feed.poke()

    def close(self) -> None:
        for hub in self._hubs.values():
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

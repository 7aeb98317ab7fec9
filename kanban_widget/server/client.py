"""``RemoteBoard``: follow a board served by ``kanban-widget api`` from another machine.

The building block of a notebook board over HTTP: it holds the board as the widget does (the
``GET /snapshot`` shape, cards by id) and keeps it current from ``WS /patches`` in a
background thread; writes are HTTP requests through the API's routes.

Following survives the network: a dropped socket is retried with capped exponential backoff
(``status`` is ``"offline"`` meanwhile), and the reconnect names the session and revision the
client shows, so the server sends exactly the patches it missed (or the whole board when it no
longer has them, or restarted): no change is lost or applied twice. A rejected token (close
1008) stops following with ``status`` ``"unauthorized"`` and an ``error`` saying so, instead
of retrying forever.

Example::

    board = RemoteBoard("http://127.0.0.1:9120/api/plugins/kanban", token="...")
    board.wait_until(lambda b: b.status == "live")
    board.create_task("From afar")
    board.close()
"""

from __future__ import annotations

import json
import random
import threading
import urllib.parse
from typing import Any, Callable, Optional

from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect

from .transport import ApiTransport, RemoteError, api_root, quoted, view_query

__all__ = ["RemoteBoard", "RemoteError"]

#: Longest wait between two reconnection attempts, in seconds.
MAX_BACKOFF = 30.0
FIRST_BACKOFF = 0.25
#: Largest message taken from the server, in bytes: the whole board comes as one message
#: (about 0.5 KB a card, so 256 MiB is room for hundreds of thousands of cards); websockets'
#: own default, 1 MiB, stops at about 2,000 cards.
MAX_MESSAGE = 256 * 2**20


class RemoteBoard:
    """A board served by ``kanban-widget api``, followed live.

    ``url`` is the API root (``http://host:port/api/plugins/kanban``); ``board`` one of the
    server's boards (``?board=``). ``on_change(board)`` is called from the following thread
    after each change applied; ``view`` (a :class:`~kanban_widget.store.windows.View`) the
    filters the server applies to the windows and counts it sends; ``on_message(message)``
    with each ``board`` or ``patch`` message applied, as the server sent it (what a widget
    forwards to its page: a ``board`` replaces the page's board, a ``patch`` is applied to it);
    ``on_status(status, error)`` whenever ``status`` changes (what a widget shows in its
    banner). ``bytes_received`` counts the JSON text of the messages (before the socket's
    compression). ``status``: ``"connecting"``, ``"live"``, ``"offline"`` (retrying),
    ``"unauthorized"`` or ``"failed"``
    (a bad board; both stop following); ``error`` says why when not live.
    """

    def __init__(self, url: str, token: str, *, board: Optional[str] = None,
                 include_archived: bool = False, view: Any = None,
                 on_change: Optional[Callable[["RemoteBoard"], None]] = None,
                 on_message: Optional[Callable[[dict], None]] = None,
                 on_status: Optional[Callable[[str, str], None]] = None,
                 max_backoff: float = MAX_BACKOFF, timeout: float = 30.0):
        self.url = api_root(url)
        parts = urllib.parse.urlsplit(self.url)
        self._ws_url = urllib.parse.urlunsplit(
            ("wss" if parts.scheme == "https" else "ws", parts.netloc, parts.path, "", ""))
        self._token = token
        self._board = board
        # The view followed: a windows.View (filters, lanes, archived), or the whole board
        # with or without the archived column.
        self._view_query = view_query(view) if view is not None else (
            {"include_archived": "true"} if include_archived else {})
        self._on_change = on_change
        self._on_message = on_message
        self._on_status = on_status
        self.bytes_received = 0
        self._max_backoff = max_backoff
        self._timeout = timeout
        self._api = ApiTransport(self.url, token, board=board, timeout=timeout)
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self.status = "connecting"
        self.error = ""
        self.attempts = 0          # connection attempts so far
        self.rev = -1
        self.session: Optional[str] = None
        self.cursor = 0
        self.cards: dict[str, dict] = {}
        self.columns: list[str] = []
        self.tenants: list[str] = []
        self.assignees: list[str] = []
        self._socket = None
        self._thread = threading.Thread(target=self._follow, name="kanban-remote", daemon=True)
        self._thread.start()

    # -- reading ---------------------------------------------------------------------------------

    def wait_until(self, condition: Callable[["RemoteBoard"], bool],
                   timeout: float = 30.0) -> bool:
        """Wait until ``condition(self)`` holds (checked after every change); False on
        timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: condition(self), timeout)

    def titles(self) -> list[str]:
        """The titles of the cards held, sorted (handy in tests and at a prompt)."""
        with self._lock:
            return sorted(card["title"] for card in self.cards.values())

    # -- writing (the API's routes) --------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None,
                params: Optional[dict] = None) -> dict:
        """One API call; the JSON answer, or RemoteError."""
        return self._api.call(method, path, body, params)

    def create_task(self, title: str, **fields: Any) -> dict:
        """``POST /tasks``; the new task."""
        return self.request("POST", "/tasks", {"title": title, **fields})["task"]

    def move_task(self, task_id: str, status: str, *, reason: Optional[str] = None,
                  result: Optional[str] = None) -> dict:
        """``PATCH /tasks/{id}`` with a status; the task."""
        body: dict = {"status": status}
        if reason is not None:
            body["block_reason"] = reason
        if result is not None:
            body["result"] = result
        return self.request("PATCH", f"/tasks/{quoted(task_id)}",
                            body)["task"]

    def update_task(self, task_id: str, **fields: Any) -> dict:
        """``PATCH /tasks/{id}`` with edits (title, body, assignee, tenant, priority)."""
        return self.request("PATCH", f"/tasks/{quoted(task_id)}",
                            fields)["task"]

    def add_comment(self, task_id: str, author: str, body: str) -> int:
        return self.request("POST", f"/tasks/{quoted(task_id)}/comments",
                            {"body": body, "author": author})["id"]

    def link_tasks(self, parent_id: str, child_id: str) -> bool:
        return self.request("POST", "/links", {"parent_id": parent_id,
                                               "child_id": child_id})["linked"]

    def unlink_tasks(self, parent_id: str, child_id: str) -> bool:
        return self.request("DELETE", "/links", params={"parent_id": parent_id,
                                                        "child_id": child_id})["ok"]

    def task_detail(self, task_id: str) -> dict:
        return self.request("GET", f"/tasks/{quoted(task_id)}")

    # -- following -------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop following."""
        self._stop.set()
        sock = self._socket
        if sock is not None:
            try:
                sock.close()
            except Exception:  # closing a socket that is already failing: nothing to do
                pass
        self._thread.join(10)

    def _socket_url(self) -> str:
        query = {"token": self._token}
        if self._board is not None:
            query["board"] = self._board
        query.update(self._view_query)
        if self.session is not None:
            query.update(session=self.session, rev=str(self.rev))
        return f"{self._ws_url}/patches?{urllib.parse.urlencode(query)}"

    def _follow(self) -> None:
        backoff = FIRST_BACKOFF
        while not self._stop.is_set():
            self.attempts += 1
            try:
                with connect(self._socket_url(), open_timeout=self._timeout,
                             close_timeout=1, max_size=MAX_MESSAGE) as sock:
                    self._socket = sock
                    for text in sock:
                        self.bytes_received += len(text.encode("utf-8")) if isinstance(
                            text, str) else len(text)
                        self._apply(json.loads(text))
                        backoff = FIRST_BACKOFF  # it works again: start the next wait short
            except ConnectionClosed as exc:
                if exc.rcvd is not None and exc.rcvd.code == 1008:
                    self._set_status("unauthorized", "the server refused the token; give the "
                                     "one `kanban-widget api` printed (no retry)")
                    return
                if exc.sent is not None and exc.sent.code == 1009:  # retrying cannot help
                    self._set_status("failed", f"the board is larger than this client takes "
                                     f"({MAX_MESSAGE // 2**20} MiB of JSON); follow one "
                                     "tenant's board or archive old tasks")
                    return
                if exc.rcvd is not None and 4000 <= exc.rcvd.code < 5000:  # a bad ?board=
                    self._set_status("failed", exc.rcvd.reason)
                    return
            except (OSError, InvalidHandshake, TimeoutError, ValueError) as exc:
                self._set_status("offline", f"cannot reach {self.url}: {exc}")
            finally:
                self._socket = None
            if self._stop.is_set():
                return
            if self.status != "offline":
                self._set_status("offline", f"lost the connection to {self.url}; retrying")
            # Full jitter: many clients of one restarted server do not all come back at once.
            self._stop.wait(random.uniform(backoff / 2, backoff))
            backoff = min(backoff * 2, self._max_backoff)

    def _set_status(self, status: str, error: str) -> None:
        with self._lock:
            changed = status != self.status
            self.status, self.error = status, error
            self._lock.notify_all()
        if changed and self._on_status is not None:
            self._on_status(status, error)

    def _apply(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "error":  # following failed on the server ("" once it works again)
            with self._lock:
                self.error = message["message"]
                self._lock.notify_all()
            if self._on_status is not None:
                self._on_status(self.status, message["message"])
            return
        if kind not in ("board", "patch"):
            return  # a later server's message this client does not know
        with self._lock:
            if kind == "board":
                self.cards = {card["id"]: card for card in message["cards"]}
                self.columns = list(message["columns"])
                self.tenants, self.assignees = message["tenants"], message["assignees"]
                self.rev, self.cursor = message["rev"], message["cursor"]
                self.session = message["session"]
            else:
                if message["rev"] <= self.rev:
                    return  # already applied
                for card in message["upserts"]:
                    self.cards[card["id"]] = card
                    if card["status"] not in self.columns:
                        self.columns.append(card["status"])
                for task_id in message["removes"]:
                    self.cards.pop(task_id, None)
                self.tenants = message.get("tenants", self.tenants)
                self.assignees = message.get("assignees", self.assignees)
                self.rev, self.cursor = message["rev"], message["cursor"]
            came_back = self.status != "live"
            self.status, self.error = "live", ""
            self._lock.notify_all()
        if came_back and self._on_status is not None:
            self._on_status("live", "")
        if self._on_message is not None:
            self._on_message(message)
        if self._on_change is not None:
            self._on_change(self)

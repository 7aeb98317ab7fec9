"""Following a real Hermes dashboard, which serves no ``/patches`` socket: Hermes' own
``WS /events`` and ``GET /tasks/{id}``, turned into what the widget shows.

Hermes' dashboard plugin offers ``GET /board`` (its card shape: the task plus ``age``,
``link_counts``, ``comment_count`` and ``progress``), ``GET /tasks/{id}`` (the task with its
comments, events and link ids) and ``WS /events?since=&token=``, which pushes
``{"events": [...], "cursor": n}`` after each poll. :class:`HermesEvents` follows that socket
in a thread and reconnects from the last cursor it was given (``since=``), so a batch is
neither lost nor taken twice across a restart; :func:`card_from_detail` rebuilds a board card
from one ``GET /tasks/{id}`` answer.

What Hermes does not serve is not shown: ``status_since`` (how long a card has been in its
column), a session to resume (a reconnect re-reads from the event cursor instead).
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import urllib.parse
from typing import Callable, Optional

from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect

from ..store import KanbanError
from .client import FIRST_BACKOFF, MAX_BACKOFF, MAX_MESSAGE
from .transport import api_root

#: Fields of a Hermes card this widget does not show (``age`` is recomputed by the page).
HERMES_ONLY = ("age", "latest_summary", "diagnostics", "warnings", "status_since")


def board_card(card: dict) -> dict:
    """A Hermes ``/board`` card in this widget's card shape (Hermes-only fields dropped;
    ``status_since`` too: ``GET /tasks/{id}`` cannot keep it current, so no card has it)."""
    return {k: v for k, v in card.items() if k not in HERMES_ONLY}


def card_from_detail(detail: dict, child_statuses: list[str]) -> dict:
    """The board card of a ``GET /tasks/{id}`` answer: its task, with ``link_counts`` and
    ``comment_count`` counted from the answer and ``progress`` from its children's statuses
    (``child_statuses``, one per child; Hermes' later ``child_results`` carry them)."""
    links = detail.get("links") or {}
    parents, children = links.get("parents") or [], links.get("children") or []
    card = board_card(detail["task"])
    card["link_counts"] = {"parents": len(parents), "children": len(children)}
    card["comment_count"] = len(detail.get("comments") or [])
    done = sum(1 for status in child_statuses if status == "done")
    card["progress"] = {"done": done, "total": len(children)} if children else None
    return card


class HermesEvents:
    """Follow Hermes' ``WS /events`` in a background thread.

    ``since()`` is asked before each connection for the event id to resume after (it may
    raise ``OSError`` or :class:`KanbanError` when the server is down: retried like a failed
    connection); ``on_batch(events, cursor)`` gets each message's events (dicts) and cursor;
    ``on_status(status, error)`` each change of ``status`` (``"connecting"``, ``"live"``,
    ``"offline"``, ``"unauthorized"``). A refused token (close 1008) stops following.
    """

    def __init__(self, url: str, token: str, *, board: Optional[str] = None,
                 since: Callable[[], int], on_batch: Callable[[list, int], None],
                 on_status: Callable[[str, str], None], max_backoff: float = MAX_BACKOFF,
                 timeout: float = 30.0):
        self.url = api_root(url)
        parts = urllib.parse.urlsplit(self.url)
        self._ws_url = urllib.parse.urlunsplit(
            ("wss" if parts.scheme == "https" else "ws", parts.netloc, parts.path, "", ""))
        self._token, self._board = token, board
        self._since, self._on_batch, self._on_status = since, on_batch, on_status
        self._max_backoff, self._timeout = max_backoff, timeout
        self.status, self.error = "connecting", ""
        self.attempts = 0
        self._stop = threading.Event()
        self._socket = None
        self._thread = threading.Thread(target=self._follow, name="kanban-hermes", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop following (the socket open now is closed, the thread ends)."""
        self._stop.set()
        with contextlib.suppress(Exception):  # a socket already failing: nothing to close
            if self._socket is not None:
                self._socket.close()
        self._thread.join(10)

    def _socket_url(self, since: int) -> str:
        query = {"since": str(since), "token": self._token}
        if self._board is not None:
            query["board"] = self._board
        return f"{self._ws_url}/events?{urllib.parse.urlencode(query)}"

    def _follow(self) -> None:
        wait = FIRST_BACKOFF
        while not self._stop.is_set():
            went_live = self._follow_once()
            if self.status == "unauthorized" or self._stop.is_set():
                return
            wait = FIRST_BACKOFF if went_live else min(wait * 2, self._max_backoff)
            # Full jitter, as RemoteBoard: clients of a restarted server spread out.
            self._stop.wait(random.uniform(wait / 2, wait))

    def _follow_once(self) -> bool:
        """One connection, followed until it ends; whether it went live."""
        self.attempts += 1
        live = False
        try:
            with connect(self._socket_url(self._since()), open_timeout=self._timeout,
                         close_timeout=1, max_size=MAX_MESSAGE) as sock:
                self._socket, live = sock, True
                self._set_status("live", "")
                for text in sock:
                    message = json.loads(text)
                    self._on_batch(message.get("events") or [], int(message["cursor"]))
            reason = f"lost the connection to {self.url}; retrying"
        except ConnectionClosed as exc:
            if exc.rcvd is not None and exc.rcvd.code == 1008:
                self._set_status("unauthorized", "the server refused the token; give the "
                                 "dashboard's session token (no retry)")
                return live
            reason = f"lost the connection to {self.url}; retrying"
        except KanbanError as exc:
            if getattr(exc, "status", None) in (401, 403):  # GET /board refused the token
                self._set_status("unauthorized", f"the server refused the token ({exc}); "
                                 "give the dashboard's session token (no retry)")
                return live
            reason = f"cannot reach {self.url}: {exc}"
        except (OSError, InvalidHandshake, TimeoutError, ValueError) as exc:
            reason = f"cannot reach {self.url}: {exc}"
        finally:
            self._socket = None
        if not self._stop.is_set():
            self._set_status("offline", reason)
        return live

    def _set_status(self, status: str, error: str) -> None:
        changed = (status, error) != (self.status, self.error)
        self.status, self.error = status, error
        if changed:
            self._on_status(status, error)

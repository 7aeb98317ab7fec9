"""A :class:`KanbanBoard` on a board served by ``kanban-widget api``: the remote twins of the
local board's feed and state.

A local board has a :class:`~kanban_widget.feed.BoardFeed` (the file's watching thread) and a
:class:`~kanban_widget.board.BoardState` (the windows the page shows). A remote board has a
:class:`RemoteFeed` and a :class:`RemoteState` offering the widget the same calls, fed by a
:class:`~kanban_widget.server.client.RemoteBoard` that follows the server's ``/patches``
socket: the server's hub keeps the windows (each column's first page and the counts) and sends
their patches; this side renumbers them with its own revisions (a restarted server starts
its revisions over, the page must never see one go back) and forwards them to the page.

The page's filters (search, tenant, assignee), lanes and archived column are the view the
socket follows: the server keeps one live state per view and answers it in SQL as a local
board does, so a filtered column shows the first matching cards of the whole column and its
count is the matching cards' count. Changing a filter reconnects with the new view; the new
socket's first message is the whole board under it, which replaces the old one (messages of
the old socket are dropped), so no change is lost or applied twice.

What the socket cannot tell, this side asks over HTTP (:class:`RemoteStore`), under the same
view: "show more" reads the next cards of a column (``GET /columns/{status}``), "select all"
a column's ids (``GET /columns/{status}/ids``), and a card held beyond the server's window
that an event touched is read again (``GET /cards``).

Following survives the network as :class:`RemoteBoard` does: "offline" in the banner while it
retries with capped backoff, a resync from its session and revision when it comes back (the
server sends exactly the missed patches, or the whole board), and a rejected token stops with
an error in the banner instead of retrying forever.

A Hermes dashboard serves none of our routes: there :class:`HermesState` takes the place of
:class:`RemoteState` (``api="hermes"``, or ``"auto"`` when the server answers ``GET /cards``
with 404), reading ``GET /board`` once and then each ``WS /events`` batch's tasks with
``GET /tasks/{id}`` (:mod:`kanban_widget.server.hermes_client`). Hermes' API has no filtered
windows: there the page filters the cards held (the whole board), and a filtered column's
count is the whole column's.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Optional

from . import protocol
from .board import matches_filters, wire_card
from .feed import Follower
from .store import KanbanError, windows
from .store.vocabulary import card_sort_key

if TYPE_CHECKING:  # the server package needs the [server] extra: imported when a URL is given
    from .server.client import RemoteBoard
    from .server.hermes_client import HermesEvents
    from .server.remote_store import RemoteStore

log = logging.getLogger(__name__)

#: Seconds a new remote board waits for the server's first board before it shows what it has
#: (an empty board with "offline" in the banner, when the server cannot be reached).
FIRST_BOARD_TIMEOUT = 15.0

#: Seconds a filter change waits for the server's board under the new view before the widget
#: goes on (the board then arrives as a resync).
VIEW_TIMEOUT = 5.0


def is_board_url(db: object) -> bool:
    """Whether ``KanbanBoard(db)`` names a served board (an http(s) URL), not a file."""
    return isinstance(db, str) and db.startswith(("http://", "https://"))


class RemoteState:
    """The board a remote widget shows: what :class:`~kanban_widget.board.BoardState` offers
    the widget (``payload()``, ``rev``, ``lock``, ``cards``, ``counts``, ``show_more`` ...),
    kept by the server's socket instead of by reading a file.

    Thread-safe: the socket's thread applies messages under ``lock``; the widget reads under
    it. The feed's :class:`~kanban_widget.feed.Follower` (the widget) is told after each.
    """

    def __init__(self, url: str, token: str, store: "RemoteStore", *,
                 board: Optional[str] = None, view: Optional[windows.View] = None):
        self.store = store
        self.view = view or windows.View()
        self.lock = threading.RLock()
        self.rev = 0
        self.cursor = 0
        self.now = 0
        self.cards: dict[str, dict] = {}
        self.counts: dict[str, int] = {}
        self.lane_counts: dict[str, dict[str, int]] = {}
        self.columns: list[str] = []
        self.tenants: list[str] = []
        self.assignees: list[str] = []
        self.status, self.error = "connecting", ""
        self.follower: Optional[Follower] = None
        self._url, self._token, self._board = url, token, board
        self._first = threading.Event()
        self._socket = self._connect()
        self._first.wait(FIRST_BOARD_TIMEOUT)

    @property
    def include_archived(self) -> bool:
        return self.view.include_archived

    @property
    def total(self) -> int:
        """Cards on the board (every column shown)."""
        with self.lock:
            return sum(self.counts.values())

    def _connect(self) -> "RemoteBoard":
        from .server.client import RemoteBoard

        # A socket replaced by another (another view) may still deliver a message while it
        # closes: only the newest socket's are taken.
        self._generation = generation = getattr(self, "_generation", 0) + 1

        def on_message(message: dict) -> None:
            if generation != self._generation:
                return
            try:
                self._on_message(message)
            except Exception:  # a bug of ours must not end the socket's thread: log, go on
                log.exception("kanban-widget: a message from %s failed", self._url)

        def on_status(status: str, error: str) -> None:
            if generation == self._generation:
                self._on_status(status, error)

        return RemoteBoard(self._url, self._token, board=self._board, view=self.view,
                           on_message=on_message, on_status=on_status)

    def close(self) -> None:
        """Stop following the server."""
        self._socket.close()

    # -- what the widget asks --------------------------------------------------------------------

    def payload(self) -> dict:
        """The board as the ``_board`` trait carries it (docs/protocol.md); ``path`` is the
        server's URL."""
        with self.lock:
            return {"rev": self.rev, "cursor": self.cursor, "now": self.now,
                    "path": self._url, "columns": list(self.columns),
                    "cards": list(self.cards.values()), "counts": dict(self.counts),
                    "page": windows.PAGE, "tenants": list(self.tenants),
                    "assignees": list(self.assignees),
                    **({"lane_counts": {s: dict(n) for s, n in self.lane_counts.items()}}
                       if self.view.lanes else {})}

    def reload(self, **_ignored: object) -> None:
        """Nothing to re-read: the socket keeps the board current (the server resends it
        whole when it must). A new revision, so a page asking again gets it."""
        with self.lock:
            self.rev += 1

    def poll(self, *_args: object, **_kwargs: object) -> None:
        """Nothing to poll: changes come by the socket."""
        return None

    #: Whether the server answers the filters (our ``/patches``); Hermes' does not.
    serves_filters = True

    def set_view(self, view: windows.View) -> bool:
        """Take the page's view; returns whether it changed. The server applies it (filters,
        lanes, archived column), so a change reconnects with the new view and waits (at most
        :data:`VIEW_TIMEOUT`) for the server's board under it, which replaces this one."""
        with self.lock:
            if view == self.view:
                return False
            old_view, self.view = self.view, view
            if not self.serves_filters and view.include_archived == old_view.include_archived:
                return True  # the page filters the cards held
            self._first = threading.Event()
            old, self._socket = self._socket, self._connect()
        threading.Thread(target=old.close, name="kanban-remote-close", daemon=True).start()
        self._first.wait(VIEW_TIMEOUT)
        return True

    def show_more(self, status: str, lane: Optional[str] = None) -> "Optional[dict]":
        """The next page of column ``status`` (of ``lane``, with lanes) under the view as a
        patch (None when it has no more), read over HTTP after the cards held."""
        lane = lane if self.view.lanes else None
        with self.lock:
            held = sum(1 for card in self.cards.values() if card["status"] == status
                       and (lane is None or windows.lane_of(card) == lane))
            count = self.counts.get(status, 0) if lane is None else \
                self.lane_counts.get(status, {}).get(lane, 0)
            if held >= count:
                return None
        total, cards = self.store.column(status, offset=held, limit=windows.PAGE,
                                         view=self.view, lane=lane)
        with self.lock:
            fresh = [wire_card(c) for c in cards if c["id"] not in self.cards]
            for card in fresh:
                self.cards[card["id"]] = card
            self.rev += 1
            patch = self._own_patch({"upserts": fresh, "removes": [], "touched": []})
            if lane is None and self.counts.get(status) != total:
                self.counts[status] = patch["counts"] = total
            return patch

    def column_ids(self, status: str, lane: Optional[str] = None,
                   limit: int = protocol.MAX_BULK) -> list[str]:
        """Ids of a column's first ``limit`` cards under the view (of one lane of it, with
        lanes), held or not, asked of the server page by page: what "select all" selects."""
        ids: list[str] = []
        while len(ids) < limit:
            total, page = self.store.column_ids(status, offset=len(ids), limit=limit - len(ids),
                                                view=self.view, lane=lane)
            ids += page
            if not page or len(ids) >= total:
                break
        return ids

    def visible_ids(self, *, search: str = "", tenant: str = "", assignee: str = "") -> list[str]:
        """Ids of the cards held that these filters show, in board order (a remote board
        holds each column's first cards, not the whole board)."""
        with self.lock:
            shown = [c for c in self.cards.values()
                     if matches_filters(c, search=search, tenant=tenant, assignee=assignee)]
        return [c["id"] for c in sorted(shown, key=lambda c: (c["status"], card_sort_key(c)))]

    # -- what the socket says --------------------------------------------------------------------

    def _on_message(self, message: dict) -> None:
        if message.get("type") == "board":
            with self.lock:
                self._take_board(message)
            self._first.set()
            follower = self.follower  # the widget may close meanwhile
            if follower is not None:
                follower.resync()
                follower.report(self.error)  # "" now: clears an "offline" banner
            return
        patch = self._take_patch(message)
        if self.follower is not None:
            self.follower.patch(patch)

    def _take_board(self, board: dict) -> None:
        self.cards = {card["id"]: card for card in board["cards"]}
        self.counts = dict(board["counts"])
        self.lane_counts = {s: dict(n) for s, n in board.get("lane_counts", {}).items()}
        self.columns = list(board["columns"])
        self.tenants, self.assignees = list(board["tenants"]), list(board["assignees"])
        self.cursor, self.now = board["cursor"], board["now"]
        self.rev += 1

    def _take_patch(self, patch: dict) -> dict:
        """Apply a server patch; the page's patch (this side's revision)."""
        with self.lock:
            for card in patch["upserts"]:
                self.cards[card["id"]] = card
                if card["status"] not in self.columns:
                    self.columns.append(card["status"])
            for task_id in patch["removes"]:
                self.cards.pop(task_id, None)
            self.counts.update(patch.get("counts", {}))
            self.counts = {s: n for s, n in self.counts.items() if n}
            for status, per_lane in patch.get("lane_counts", {}).items():
                merged = {**self.lane_counts.get(status, {}), **per_lane}
                self.lane_counts[status] = {lane: n for lane, n in merged.items() if n}
            self.lane_counts = {s: n for s, n in self.lane_counts.items() if n}
            self.tenants = patch.get("tenants", self.tenants)
            self.assignees = patch.get("assignees", self.assignees)
            self.cursor, self.now = patch["cursor"], patch["now"]
            sent = {c["id"] for c in patch["upserts"]} | set(patch["removes"])
            stale = [i for i in patch.get("touched", []) if i in self.cards and i not in sent]
        # Cards held past the server's window ("show more") that changed: read them again.
        upserts, removes = list(patch["upserts"]), list(patch["removes"])
        try:
            reread = [wire_card(card) for card in self.store.cards(stale)] if stale else []
        except KanbanError as exc:  # the server went away meanwhile: stop showing them
            log.info("kanban-widget: could not re-read %d cards: %s", len(stale), exc)
            reread = []
        found = {card["id"] for card in reread}
        with self.lock:
            for card in reread:
                self.cards[card["id"]] = card
            for task_id in stale:
                if task_id not in found:  # deleted, or not read: "show more" reads it again
                    self.cards.pop(task_id, None)
                    removes.append(task_id)
            upserts += reread
            self.rev += 1
            own = self._own_patch({"upserts": upserts, "removes": removes,
                                   "touched": list(patch.get("touched", []))})
            for key in ("counts", "lane_counts", "tenants", "assignees"):
                if key in patch:
                    own[key] = patch[key]
            return own

    def _own_patch(self, body: dict) -> dict:
        return {"type": protocol.PATCH, "rev": self.rev, "cursor": self.cursor,
                "now": self.now, **body}

    def _on_status(self, status: str, error: str) -> None:
        with self.lock:
            self.status = status
            before, self.error = self.error, banner(status, error, self._url)
        if status != "live":
            self._first.set()  # no board is coming soon: show what there is, and the banner
        elif not self._first.is_set():
            # A view change waits for this socket's board, holding the widget's lock: telling
            # the widget now would wait for that lock. The board's arrival tells it instead.
            return
        follower = self.follower
        if follower is not None and self.error != before:
            follower.report(self.error)


def banner(status: str, error: str, url: str) -> str:
    """What the page's banner says for a socket status (``""`` when live)."""
    if status == "live" and not error:
        return ""
    if status in ("offline", "connecting"):
        return f"offline: reconnecting to {url} ({error})" if error else \
            f"offline: reconnecting to {url}"
    return f"Live updates stopped: {error}"


class RemoteFeed:
    """The remote board's stand-in for :class:`~kanban_widget.feed.BoardFeed`: what
    :class:`KanbanBoard` calls on its feed (``follow``, ``unfollow``, ``poke``, ``release``),
    over one :class:`RemoteState`."""

    reader = None  # no board file to read here (the flow hints need one)

    def __init__(self, state: RemoteState):
        self.state = state

    def follow(self, listener: object, state: RemoteState) -> Follower:
        """Send ``listener`` (held weakly) the state's patches from now on, and the banner's
        message when the socket is not live."""
        follower = Follower(listener, state)
        state.follower = follower
        if state.error:
            follower.report(state.error)
        return follower

    def unfollow(self, follower: Follower) -> None:
        if self.state.follower is follower:
            self.state.follower = None

    def poke(self) -> None:
        """Nothing to do: the server pushes its changes."""

    def release(self) -> None:
        """Stop following the server."""
        self.state.follower = None
        self.state.close()


#: What ``KanbanBoard(url, api=...)`` takes: which server's API to follow.
APIS = ("auto", "kanban-widget", "hermes")


def open_remote(url: str, token: Optional[str], *, board: Optional[str], read_only: bool,
                view: windows.View, api: str = "auto"
                ) -> tuple["RemoteStore", RemoteState, RemoteFeed]:
    """The store, state and feed of a widget on the board served at ``url`` (``token``, or
    ``$KANBAN_TOKEN``, is the one ``kanban-widget api`` printed, or a Hermes dashboard's
    session token). ``api``: ``"kanban-widget"`` follows our ``/patches`` socket,
    ``"hermes"`` Hermes' ``/events`` socket and ``GET /tasks/{id}`` (:class:`HermesState`);
    ``"auto"`` asks the server which it is (:func:`detect_api`)."""
    import os

    from .server.remote_store import RemoteStore

    if api not in APIS:
        raise ValueError(f"api={api!r} is not one of {', '.join(APIS)}; use \"hermes\" for a "
                         "Hermes dashboard, \"kanban-widget\" for `kanban-widget api`")
    token = token or os.environ.get("KANBAN_TOKEN")
    if not token:
        raise ValueError(f"{url} is a served board: give the token `kanban-widget api` printed, "
                         "KanbanBoard(url, token=...) or $KANBAN_TOKEN")
    store = RemoteStore(url, token, board=board, read_only=read_only)
    if api == "auto":
        api = detect_api(store)
    store.hermes = api == "hermes"
    kind = HermesState if store.hermes else RemoteState
    state = kind(store.path, token, store, board=board, view=view)
    return store, state, RemoteFeed(state)


def detect_api(store: "RemoteStore") -> str:
    """``"kanban-widget"`` when the server answers our ``GET /cards`` (a cheap route Hermes'
    dashboard does not have), ``"hermes"`` when it answers 404. Any other answer (a server that
    cannot be reached, a refused token) is taken as ours: its socket shows the trouble in the
    banner, "offline" and retrying, or the refused token. Give ``api="hermes"`` to skip the
    question."""
    try:
        store.cards(["t_api_probe"])
    except KanbanError as exc:
        if getattr(exc, "status", None) == 404:
            return "hermes"
    return "kanban-widget"


class HermesState(RemoteState):
    """The board a widget shows when following a real Hermes dashboard, which serves no
    ``/patches`` socket: ``GET /board`` once (the whole board, so every column's count is the
    cards held and "show more" has nothing more), then Hermes' ``WS /events``: for each batch
    the affected tasks (and the parents of those, whose progress moves with them) are read
    again with ``GET /tasks/{id}`` and sent to the page as one patch. The socket resumes
    from the last event cursor taken (``since=``), so a restart loses and doubles nothing.

    Not available there: ``status_since`` (time in column), a session to resume (a board
    that changed a lot while offline is caught up event batch by event batch), filters
    answered by the server (the page filters the whole board held, and a filtered column's
    count is the whole column's).
    """

    serves_filters = False

    def _connect(self) -> "HermesEvents":  # type: ignore[override]
        from .server.hermes_client import HermesEvents

        self._generation = generation = getattr(self, "_generation", 0) + 1
        self._loaded = False

        def since() -> int:
            if generation == self._generation and not self._loaded:
                self._load_board()
            return self.cursor

        def on_batch(events: list, cursor: int) -> None:
            if generation != self._generation:
                return
            try:
                self._on_batch(events, cursor)
            except KanbanError:
                raise  # the server went away mid-batch: reconnect from the cursor before it
            except Exception:  # a bug of ours must not end the socket's thread: log, go on
                log.exception("kanban-widget: an event batch from %s failed", self._url)

        def on_status(status: str, error: str) -> None:
            if generation == self._generation:
                self._on_status(status, error)

        return HermesEvents(self._url, self._token, board=self._board, since=since,
                            on_batch=on_batch, on_status=on_status)

    def _load_board(self) -> None:
        """Take Hermes' ``GET /board`` as the whole board (raises when unreachable)."""
        from .server.hermes_client import board_card

        snapshot = self.store.board(include_archived=self.view.include_archived)
        cards = [wire_card(board_card(card)) for column in snapshot.columns.values()
                 for card in column]
        with self.lock:
            self._take_board({"cards": cards, "columns": list(snapshot.columns),
                              "counts": column_counts(cards), "tenants": snapshot.tenants,
                              "assignees": snapshot.assignees, "cursor": snapshot.cursor,
                              "now": snapshot.now})
            self._loaded = True
        self._first.set()
        if self.follower is not None:
            self.follower.resync()

    def _on_batch(self, events: list, cursor: int) -> None:
        """Re-read the tasks these events touched; send the page their patch."""
        from .board import affected_tasks
        from .store.models import Event

        touched = affected_tasks(Event(**event) for event in events)
        fresh = self.store.hermes_cards(sorted(touched))
        # A parent's progress moves with its child's status: read the parents too.
        parents = {p for _card, ids in fresh.values() for p in ids} - set(fresh)
        fresh.update(self.store.hermes_cards(sorted(parents)))
        cards = {task_id: card for task_id, (card, _ids) in fresh.items()}

        def shown(card: dict) -> bool:
            return self.view.include_archived or card["status"] != "archived"

        with self.lock:
            upserts = [card for card in cards.values() if shown(card)]
            removes = [i for i in sorted(touched | parents)
                       if i in self.cards and (i not in cards or not shown(cards[i]))]
            for card in upserts:
                self.cards[card["id"]] = card
                if card["status"] not in self.columns:
                    self.columns.append(card["status"])
            for task_id in removes:
                self.cards.pop(task_id)
            self.counts = column_counts(self.cards.values())
            self.tenants = sorted(set(self.tenants) | {c["tenant"] for c in upserts
                                                       if c.get("tenant")})
            self.assignees = sorted(set(self.assignees) | {c["assignee"] for c in upserts
                                                           if c.get("assignee")})
            self.cursor = cursor
            # Hermes sends no clock with its events: the newest event's time is "now" enough.
            self.now = max([self.now, *(e.get("created_at") or 0 for e in events)])
            self.rev += 1
            patch = self._own_patch({"upserts": upserts, "removes": removes,
                                     "touched": sorted(touched | parents)})
            patch.update(counts=dict(self.counts), tenants=list(self.tenants),
                         assignees=list(self.assignees))
        if self.follower is not None:
            self.follower.patch(patch)

    def show_more(self, status: str, lane: Optional[str] = None) -> "Optional[dict]":
        """Nothing more: Hermes' ``/board`` gave every card."""
        return None

    def column_ids(self, status: str, lane: Optional[str] = None,
                   limit: int = protocol.MAX_BULK) -> list[str]:
        """Ids of a column's cards under the filters, from the whole board held."""
        view = self.view
        with self.lock:
            cards = sorted((c for c in self.cards.values() if c["status"] == status),
                           key=card_sort_key)
        return [card["id"] for card in cards
                if matches_filters(card, search=view.search, tenant=view.tenant,
                                   assignee=view.assignee)
                and (lane is None or not view.lanes or windows.lane_of(card) == lane)][:limit]


def column_counts(cards) -> dict:
    """Cards per status."""
    counts: dict = {}
    for card in cards:
        counts[card["status"]] = counts.get(card["status"], 0) + 1
    return counts


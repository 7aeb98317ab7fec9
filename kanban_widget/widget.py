"""``KanbanBoard``: the anywidget that shows a :class:`Store` as a live Kanban board.

The widget is thin: traits carry state, custom messages carry requests and patches, and every
rule lives in the store. What the page shows travels in the ``_board`` trait, whose value is
computed from :class:`BoardState` when it is serialised, so a reloaded page or a second view
always gets the current board while live changes travel as small patches (docs/protocol.md).
The page holds only windows (each column's first cards and its count); the filter traits are
applied here, in SQL, and "show more" is a ``more`` request.
"""

from __future__ import annotations

import getpass
import logging
import os
import pathlib
import threading
import time
import warnings
import weakref
from collections import deque
from contextlib import contextmanager
from typing import Any, Callable, Iterator, NamedTuple, Optional

import anywidget
import traitlets

from . import protocol
from .board import RELOADED, BoardState, wire_card
from .protocol import BadMessage, parse_request
from .store import BoardBusy, KanbanError, Store, TaskNotFound, list_boards, windows
from .store.paths import (board_db_path, board_exists, kanban_root, normalize_slug, not_found,
                          slug_of)
from .feed import BoardFeed
from .graph_view import answer_graph
from .time_travel import TimeTravel
from .flow_hints import FlowTraits
from .remote_board import is_board_url, open_remote

log = logging.getLogger(__name__)
STATIC = pathlib.Path(__file__).parent / "static"
_warned_ipykernel = False
#: Patches kept to answer a page that missed some (a ``poll``); further behind, it gets the board.
RECENT_PATCHES = 64

#: At most one beacon (see ``_send_beacon``) every this many seconds.
BEACON_EVERY = 10.0

PAGE_BUSY_TIMEOUT = 0.75
"""Seconds a request from the page waits for another process's write lock before it is
answered ``BoardBusy`` (Python's own calls keep the store's ``busy_timeout``)."""


def _board_to_json(_value: Any, widget: "KanbanBoard") -> dict:
    # The trait's own value is a placeholder: the truth is the widget's BoardState, read at the
    # moment the state is sent (first display, page reload, a resync request).
    state = getattr(widget, "_state", None)
    return state.payload() if state is not None else {}


# What a BoardBusy reply says: each request is one transaction, except a dispatch pass, which
# may have spawned workers before the lock was lost.
_BUSY_REPLIES = {
    None: "another process is writing to this board right now, so nothing was changed; "
          "try again in a moment",
    "dispatch": "another process held this board's write lock, so the dispatch pass stopped "
                "early; tasks it already started show as running on the board; try again in a "
                "moment",
}


def _filter_from_page(limit: int) -> Callable[[Any, Any], Any]:
    """How a filter trait set on the page is read: cut to ``limit`` characters, lone
    surrogates replaced.

    Cleaned rather than refused: a refusal would leave the page showing a filter that Python
    does not have, while a changed value goes back to the page (ipywidgets echoes a value that
    differs from what it received). Python assignments skip this and meet the trait's validator,
    which refuses with a clear TraitError.
    """
    def from_json(value: Any, _widget: Any) -> Any:
        if not isinstance(value, str):
            return value  # traitlets' own Unicode check names the wrong type
        return value.encode("utf-8", "replace").decode("utf-8")[:limit]
    return from_json


def _board_from_page(value: Any, widget: "KanbanBoard") -> Any:
    """How a board switch asked by the page is read: a slug that names no board, or a board
    that cannot be opened, leaves the shown board, whose slug is sent back to the page (the
    trait does not change, so ipywidgets would not echo it); the reason is shown in the
    banner."""
    try:
        slug = normalize_slug(value)
        widget._prepare_switch(slug)
    except (KanbanError, OSError) as exc:
        widget.error = f"The board was not switched: {exc}"
        widget.send_state("board_slug")
        return widget.board_slug
    return slug


class _Target(NamedTuple):
    """One board a widget shows: its slug (None for a file that is no board of the kanban
    home), its shared feed, the store it writes through and its state."""

    slug: Optional[str]
    feed: BoardFeed
    store: Store
    state: BoardState


class _Listener:
    """What the feed calls for one shown board: passed on to the widget only while it still
    shows that board, so a patch of the board it switched away from (computed by the feed's
    thread just before the switch) never reaches the page of the new one. Held by the widget;
    the feed holds it weakly, so it goes with the widget."""

    def __init__(self, widget: "KanbanBoard", state: BoardState):
        self._widget = weakref.ref(widget)
        self._state = state

    @contextmanager
    def _shown(self) -> Iterator[Optional["KanbanBoard"]]:
        """The widget, under its lock (a board switch happens under it too), while it still
        shows this board; else None."""
        widget = self._widget()
        if widget is None:
            yield None
            return
        with widget._lock:
            yield widget if widget._state is self._state else None

    # The FeedListener interface (feed.py), each call passed on by name, not by string.

    def publish_patch(self, patch: dict) -> None:
        with self._shown() as widget:
            if widget is not None:
                widget._publish_patch(patch)

    def resync_all(self) -> None:
        with self._shown() as widget:
            if widget is not None:
                widget._resync_all()

    def report_sync_error(self, message: str) -> None:
        with self._shown() as widget:
            if widget is not None:
                widget._report_sync_error(message)

    def file_changed(self) -> None:
        # Not under the widget's lock: it only wakes the flow hints' thread, which reads the
        # file it finds the widget showing (a wake for a board switched away from is harmless).
        widget = self._widget()
        if widget is not None and widget._state is self._state:
            widget._flow_file_changed()


class KanbanBoard(TimeTravel, FlowTraits, anywidget.AnyWidget):
    """A live Kanban board over a Hermes-compatible ``kanban.db``.

    Example::

        from kanban_widget import KanbanBoard
        board = KanbanBoard("kanban.db")   # no argument: the default board (see Store)
        board = KanbanBoard(board="ops")   # one of latest Hermes' boards (Store.boards())
        board.board_slug = "research"      # switch to another (the page has a switcher too)
        board                              # shows it; drag cards, open the drawer, filter
        board.tenant = "acme"              # filters are traits, settable from either side
        board.selected                     # ids selected on the page
        board.store.create_task("Write docs")   # appears on the board within a frame or two
        board.close()                      # stops its thread and closes its connections

    Args:
        db: a path to the board file, a :class:`Store`, None for the default board, or the
            URL of a board served by ``kanban-widget api``
            (``"http://host:9120/api/plugins/kanban"``, README "Remote boards").
        board: the slug of one of the kanban home's boards (see ``Store.boards()``), instead
            of ``db``; giving both raises ValidationError, an unknown slug BoardNotFound.
        dispatcher: a callable ``spawn(task)`` that enables the dispatch button, which runs
            ``store.dispatch_once(dispatcher)``.
        user: the author of comments written from the page (default: the login name).
        read_only: open the board read-only.
        live: follow changes made by other processes (default True).
        token: the token of a served board (default ``$KANBAN_TOKEN``); only with a URL.
        api: with a URL, which server it is: ``"kanban-widget"`` (``kanban-widget api``),
            ``"hermes"`` (a Hermes dashboard: followed through its ``/events`` socket, README
            "Remote boards" says what is unavailable), or ``"auto"`` (default: asked).
        Any trait (``tenant``, ``search``, ``assignee``, ``show_archived``, ``lanes``,
        ``selected``) may be given as a keyword to start with it set.

    Raises:
        TypeError: for an unknown keyword argument (check its spelling).
    """

    _esm = STATIC / "widget.js"
    _css = STATIC / "widget.css"

    # -- State (Python -> page) ------------------------------------------------------------------
    _board = traitlets.Dict().tag(sync=True, to_json=_board_to_json)
    """The board snapshot (docs/protocol.md); computed from BoardState when sent. Python writes."""

    has_dispatcher = traitlets.Bool(False).tag(sync=True)
    """True when a dispatcher was given: the page shows a dispatch button. Python writes."""

    read_only = traitlets.Bool(False).tag(sync=True)
    """True when the board cannot be written: the page disables every write control."""

    error = traitlets.Unicode("").tag(sync=True)
    """A persistent failure (for example live updates stopped), shown in the page's banner;
    ``""`` when all is well. Python writes."""

    # -- Which board (both ways) -----------------------------------------------------------------
    board_slug = traitlets.Unicode("").tag(sync=True, from_json=_board_from_page)
    """The slug of the kanban home's board shown (``""``: a file that is none of them). Set it,
    from Python or the page's switcher, to show another board: the widget follows that board
    from then on and the page gets its snapshot. An unknown slug raises TraitError naming the
    boards there are (from the page it is ignored and the banner says why)."""

    boards = traitlets.List(traitlets.Dict()).tag(sync=True)
    """The boards the page's switcher offers, ``[{"slug", "name"}]`` as ``Store.boards()``
    lists them (empty when the shown file is none of them). Read again at each switch and by
    ``refresh()``. Python writes."""

    # -- Filters and selection (both ways) -------------------------------------------------------
    search = traitlets.Unicode("").tag(sync=True,
                                       from_json=_filter_from_page(protocol.MAX_SEARCH))
    """Free-text filter over id, title, body, assignee, tenant and result. Default ``""``;
    at most ``protocol.MAX_SEARCH`` characters."""

    tenant = traitlets.Unicode("").tag(sync=True,
                                       from_json=_filter_from_page(protocol.MAX_NAME))
    """Show only this tenant's cards; ``""`` (default) shows all. Cards created on the page
    get this tenant. At most ``protocol.MAX_NAME`` characters."""

    assignee = traitlets.Unicode("").tag(sync=True,
                                       from_json=_filter_from_page(protocol.MAX_NAME))
    """Show only this assignee's cards; ``"(unassigned)"`` for none; ``""`` (default) all.
    At most ``protocol.MAX_NAME`` characters."""

    show_archived = traitlets.Bool(False).tag(sync=True)
    """Show the archived column. Default False."""

    lanes = traitlets.Bool(False).tag(sync=True)
    """Swimlanes by assignee across every column. Default False."""

    selected = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """Ids of the cards selected on the page (set it to select from Python). Default []."""

    def __init__(
        self,
        db: "str | os.PathLike | Store | None" = None,
        *,
        board: Optional[str] = None,
        dispatcher: Optional[Callable] = None,
        user: Optional[str] = None,
        read_only: bool = False,
        live: bool = True,
        token: Optional[str] = None,
        api: str = "auto",
        **kwargs: Any,
    ):
        unknown = (set(kwargs) - set(self.class_trait_names(sync=True)) - {"layout"}) | (
            set(kwargs) & {"board_slug", "boards", "age_bands"})  # the board is chosen with board=
        if unknown:
            raise TypeError(
                f"KanbanBoard got unexpected keyword argument(s) {', '.join(sorted(unknown))}; "
                "check the spelling (filters: search, tenant, assignee, show_archived, lanes, "
                "selected)")
        self._lock = threading.RLock()
        self._feed: Optional[BoardFeed] = None
        self._follower = None
        self._prepared: Optional[_Target] = None
        self._switchable = False  # True once __init__ has set the board it opened
        self._recent: deque = deque(maxlen=RECENT_PATCHES)  # for a page that missed sends
        self._beacon_at = -BEACON_EVERY
        self._asked_read_only = bool(read_only)
        # The view the first snapshot is read under (the traits are set by super().__init__).
        self._view_at_start = windows.View(
            search=str(kwargs.get("search", "")), tenant=str(kwargs.get("tenant", "")),
            assignee=str(kwargs.get("assignee", "")), lanes=bool(kwargs.get("lanes")),
            include_archived=bool(kwargs.get("show_archived")))
        self._remote = is_board_url(db)
        self._api = api
        target = self._first_target(db, board, token, dispatcher)
        self._feed, self.store, self._state = target.feed, target.store, target.state
        self._dispatcher = dispatcher
        self._user = user or _login_name()
        self._live = live
        super().__init__(has_dispatcher=dispatcher is not None,
                         read_only=self.store.read_only, board_slug=target.slug or "",
                         boards=self._board_choices(target.slug),
                         **self._stored_wip_limits(kwargs))
        self.on_msg(self._on_message)
        self.observe(self._on_view, names=["show_archived", "search", "tenant", "assignee",
                                           "lanes"])
        self.observe(self._on_board_slug, names="board_slug")
        self._switchable = True
        if live:
            _warn_broken_ipykernel()
            self._follow()
        if not self._remote:  # age bands and WIP limits are read from the board file
            self._start_flow_hints(live)

    # -- which board -----------------------------------------------------------------------------

    def _first_target(self, db: Any, board: Optional[str], token: Optional[str],
                      dispatcher: Optional[Callable]) -> _Target:
        """The board ``__init__`` opens: a file (or a Store, or the kanban home's board), or a
        board served by ``kanban-widget api`` when ``db`` is its URL (kanban_widget.remote_board)."""
        if self._remote:
            if dispatcher is not None:
                raise ValueError("a remote board's workers are started by its server's "
                                 "dispatcher; drop dispatcher= (run `kanban-widget api` with "
                                 "one on the agents' host)")
            self._root, self._busy_timeout = None, 10.0  # no kanban home to switch boards in
            store, state, feed = open_remote(db, token, board=board,
                                             read_only=self._asked_read_only,
                                             view=self._view_at_start, api=self._api)
            return _Target(None, feed, store, state)
        if token is not None or self._api != "auto":
            raise ValueError("token= and api= are for a board served over HTTP; give its URL "
                             "as db")
        given = db if isinstance(db, Store) else None
        path = Store.resolve_path(given.path if given else db, board=board)
        self._root = kanban_root()  # the boards the switcher offers, fixed for this widget
        self._busy_timeout = given.busy_timeout if given else 10.0
        return self._open_target(slug_of(path, self._root), path, given)

    def _open_target(self, slug: Optional[str], path: pathlib.Path,
                     given: Optional[Store] = None) -> _Target:
        """Get the feed of the board file at ``path`` and a store and state over it."""
        # Every board on this file in this process shares one feed: its reader, its writer and
        # its watching thread (re-running a cell adds a follower, not a thread).
        feed = BoardFeed.acquire(path, busy_timeout=self._busy_timeout,
                                 create=given is None and not self._asked_read_only)
        try:
            store = given or feed.writer(read_only=self._asked_read_only)
            view = self._view() if self._switchable else self._view_at_start
            windows.ensure_indexes(store, lanes=view.lanes)
            return _Target(slug, feed, store, BoardState(feed.reader, view=view))
        except BaseException:
            feed.release()
            raise

    def _follow(self) -> None:
        self._listener = _Listener(self, self._state)
        self._follower = self._feed.follow(self._listener, self._state)

    def _board_choices(self, slug: Optional[str]) -> list[dict]:
        """What the switcher offers: the kanban home's boards, when one of them is shown."""
        if slug is None:
            return []
        listed = [{"slug": b.slug, "name": b.name} for b in list_boards(self._root)]
        if all(b["slug"] != slug for b in listed):  # a board folder without its board.json
            listed.append({"slug": slug, "name": slug})
        return listed

    def _prepare_switch(self, slug: str) -> None:
        """Open board ``slug`` ready to be shown (the ``board_slug`` observer shows it), or
        raise: BoardNotFound naming the boards there are, or the store's error opening it."""
        self._needs_board_file("switching boards")  # a served board is picked with board=
        with self._lock:
            if slug == self.board_slug or (self._prepared and self._prepared.slug == slug):
                return
            if not board_exists(slug, self._root):
                raise not_found(slug, self._root)
            path = board_db_path(slug, self._root)
            if not path.exists() and not self._asked_read_only:
                Store.create_board(slug, root=self._root)  # listed by Hermes, no file yet
            self._drop_prepared()
            self._prepared = self._open_target(slug, path)

    def _drop_prepared(self) -> None:
        if self._prepared is not None:
            self._prepared.feed.release()
            self._prepared = None

    @traitlets.validate("board_slug")
    def _check_board_slug(self, proposal: Any) -> str:
        if not self._switchable:
            return proposal["value"]  # __init__ setting the board it opened
        try:
            slug = normalize_slug(proposal["value"])
            self._prepare_switch(slug)
        except (KanbanError, OSError) as exc:
            raise traitlets.TraitError(str(exc)) from None
        return slug

    def _on_board_slug(self, change: dict) -> None:
        """Show the board prepared for the new slug: follow its feed, give the old one back,
        and send the page the new board (its filters stay, its selection is cleared)."""
        with self._lock:
            target, self._prepared = self._prepared, None
            if target is None or target.slug != change["new"]:
                return
            old_feed, old_follower = self._feed, self._follower
            self._feed, self.store, self._state = target.feed, target.store, target.state
            self._follower = None
            self._recent.clear()  # revisions of the old board answer no poll now
            self.error = ""
            if self._live:
                self._follow()  # reports the new feed's own trouble, if any
            with self.hold_sync():
                self.read_only = self.store.read_only
                self.selected = []
                self.boards = self._board_choices(target.slug)
                self._flow_board_switched()
            self.send_state("_board")
        # Outside the lock: the last release joins the old feed's thread, which may be waiting
        # for the lock to deliver a patch (the old board's, which _Listener now drops).
        if old_feed is not None:
            if old_follower is not None:
                old_feed.unfollow(old_follower)
            old_feed.release()

    @traitlets.validate("search", "tenant", "assignee")
    def _check_filter(self, proposal: Any) -> str:
        # The tenant is stamped on every task created from the page, so it must be storable.
        name, value = proposal["trait"].name, proposal["value"]
        limit = protocol.MAX_SEARCH if name == "search" else protocol.MAX_NAME
        try:
            return protocol.check_text(f"{name} filter", value, limit)
        except BadMessage as exc:
            raise traitlets.TraitError(str(exc)) from None

    # -- Python conveniences ---------------------------------------------------------------------

    @property
    def path(self) -> pathlib.Path:
        """The board file shown."""
        return self.store.path

    def visible_ids(self) -> list[str]:
        """Ids of the cards the page shows under the current filters, in board order."""
        return self._state.visible_ids(search=self.search, tenant=self.tenant,
                                       assignee=self.assignee)

    def tasks_frame(self, *, selected_only: bool = False):
        """The analytics view of what the page shows: :func:`kanban_widget.analytics.tasks`
        restricted to the cards visible under the current filters (or, with
        ``selected_only``, to the selected cards), in board order.

        Example::

            board.tenant = "acme"
            board.tasks_frame()[["status", "lead_time", "cycle_time"]]
        """
        from . import analytics

        self._needs_board_file("analytics")
        ids = list(self.selected) if selected_only else self.visible_ids()
        frame = analytics.tasks(self.store)
        return frame.loc[[i for i in ids if i in frame.index]]

    def forecast(self, *, parent: Optional[str] = None, **options):
        """When will the selected cards (or ``parent``'s children) be done? The open ones among
        them, forecast by Monte Carlo from the board's own daily throughput: a DataFrame of
        dates at the 50/70/85/95 % levels (:func:`kanban_widget.analytics.forecast_open`;
        ``options`` such as ``window``, ``seed``, ``now`` go to ``forecast_when``).

        Example::

            board.selected = ["t_1a2b", "t_3c4d"]
            board.forecast(seed=1)             # or board.forecast(parent="t_9f00")
        """
        from . import analytics

        self._needs_board_file("forecasts")
        if parent is not None:
            return analytics.forecast_open(self.store, parent=parent, **options)
        return analytics.forecast_open(self.store, list(self.selected), **options)

    def _needs_board_file(self, what: str) -> None:
        """Refuse, clearly, what needs the board file itself on a remote board."""
        if self._remote:
            raise KanbanError(f"{what}: not available for a remote board ({self.path}); run "
                              "it on the server's host, over the board file")

    def refresh(self) -> None:
        """Re-read the whole board and send it to the page (rarely needed: the board is live),
        and the list of boards the switcher offers."""
        with self._lock:
            self._state.reload()
            self.boards = self._board_choices(self.board_slug or None)
            self.send_state("_board")

    def sync_now(self) -> None:
        """Apply any changes committed since the last patch, now (used by tests and scripts that
        need the page's state to be current before they go on)."""
        patch = self._state.poll()
        if patch == RELOADED:
            self._resync_all()
        elif patch is not None:
            self._publish_patch(patch)

    def close(self) -> None:
        """Stop following the board and close the view; the connections this board shared with
        other boards of the same file close with the last of them."""
        feed = getattr(self, "_feed", None)  # close() also runs from __del__, maybe half-built
        self._stop_flow_hints()
        if getattr(self, "_prepared", None) is not None:
            self._drop_prepared()
        if feed is not None:
            self._feed = None
            if self._follower is not None:
                feed.unfollow(self._follower)
                self._follower = None
            feed.release()
        super().close()

    def __repr__(self) -> str:
        return f"<KanbanBoard {self.store.path} ({self._state.total} cards)>"

    # -- called by the tail thread ---------------------------------------------------------------

    def _publish_patch(self, patch: dict) -> None:
        with self._lock:
            self._recent.append(patch)  # for a page that never gets this send (poll)
            self.send(patch)

    def _report_sync_error(self, message: str) -> None:
        with self._lock:
            self.error = message

    def _resync_all(self) -> None:
        with self._lock:
            self.send_state("_board")

    # -- trait observers -------------------------------------------------------------------------

    def _view(self) -> windows.View:
        """The view the traits ask for: the filters, lanes and the archived column."""
        return windows.View(search=self.search, tenant=self.tenant, assignee=self.assignee,
                            lanes=self.lanes, include_archived=self.show_archived)

    def _on_view(self, change: dict) -> None:
        """A filter, lanes or the archived column changed: the windows are read again under
        it (the filters run in SQL here, not over cards in the page) and the page gets them."""
        with self._lock:
            view = self._view()
            if view.lanes and not self._remote:
                windows.ensure_indexes(self.store, lanes=True)
            if self._state.set_view(view):
                self.send_state("_board")

    # -- requests from the page -------------------------------------------------------------------

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        # Whatever the page sends is answered, never raised: a bad message gets BadMessage, a
        # refused change the store's error, a held write lock BoardBusy within about
        # PAGE_BUSY_TIMEOUT seconds (so the kernel never stalls for the store's long timeout).
        request_id = protocol.request_id_of(content)
        try:
            request = parse_request(content)
            if request["type"] == "resync":
                self._resync_all()
                return
            handler = self._HANDLERS[request["type"]]
            if request["type"] == "dispatch":
                # Not under the short wait: a pass runs the user's spawn function between its
                # writes, which must not run holding the store's lock (it may use the store).
                result = handler(self, request)
            else:
                with self._page_busy_timeout():
                    result = handler(self, request)
        except BadMessage as exc:
            self._reply(request_id, error=str(exc), code=protocol.BAD_MESSAGE)
            return
        except BoardBusy:
            self._reply(request_id, code=protocol.ERROR_CODES[BoardBusy], error=_BUSY_REPLIES.get(
                content["type"], _BUSY_REPLIES[None]))
            return
        except KanbanError as exc:
            self._reply(request_id, error=str(exc), code=protocol.error_code(exc))
            return
        except Exception as exc:  # a bug of ours: answer, log, and keep the widget alive
            # The message itself is not logged: it may be huge or nested past repr()'s reach.
            log.exception("kanban-widget: a request of type %s failed",
                          protocol.echo(content.get("type") if isinstance(content, dict) else None))
            self._reply(request_id, error=f"internal error: {protocol.echo(str(exc), 200)}",
                        code=protocol.ERROR_CODES[KanbanError])
            return
        self._reply(request_id, result=result)
        if self._feed is not None:
            self._feed.poke()

    def _page_busy_timeout(self):
        """Wait at most PAGE_BUSY_TIMEOUT for another process's write lock while answering the
        page; Python callers of ``board.store`` keep the store's own timeout.

        Page requests run on the kernel's main thread: waiting the store's full timeout (10 s by
        default) would freeze every cell.
        """
        return self.store.waiting_at_most(PAGE_BUSY_TIMEOUT)

    def _reply(self, request_id: Optional[str], *, result: Any = None,
               error: Optional[str] = None, code: Optional[str] = None) -> None:
        message: dict = {"type": protocol.REPLY, "id": request_id, "ok": error is None}
        if error is None:
            message["result"] = result if result is not None else {}
        else:
            message["error"], message["code"] = error, code
        with self._lock:
            self.send(message)

    def _card(self, task_id: str) -> dict:
        cards = self.store.cards([task_id])
        if not cards:
            raise TaskNotFound(task_id, self.store.path)
        return wire_card(cards[0])

    def _do_move(self, req: dict) -> dict:
        self.store.move_task(req["task_id"], req["status"], reason=req.get("reason"),
                             result=req.get("result"))
        return {"card": self._card(req["task_id"])}

    def _do_create(self, req: dict) -> dict:
        parents = [req["parent"]] if req.get("parent") else []
        task_id = self.store.create_task(
            req["title"], body=req.get("body"), assignee=req.get("assignee") or None,
            priority=req.get("priority") or 0, parents=parents,
            triage=req["column"] == "triage", created_by=self._user,
            tenant=self.tenant or None)
        return {"card": self._card(task_id)}

    def _do_update(self, req: dict) -> dict:
        fields = dict(req["fields"])
        if "assignee" in fields:
            fields["assignee"] = fields["assignee"] or None
        self.store.update_task(req["task_id"], **fields)
        return {"card": self._card(req["task_id"])}

    def _do_comment(self, req: dict) -> dict:
        return {"comment_id": self.store.add_comment(req["task_id"], self._user, req["body"])}

    def _do_link(self, req: dict) -> dict:
        self.store.link_tasks(req["parent"], req["child"])
        return {}

    def _do_unlink(self, req: dict) -> dict:
        return {"removed": self.store.unlink_tasks(req["parent"], req["child"])}

    def _do_bulk(self, req: dict) -> dict:
        # Store.bulk: one transaction (the write lock is taken once, other readers see the
        # batch land at once), a savepoint per card (a refusal undoes only that card).
        value = req.get("value")
        change = {"move": {"status": value}, "assign": {"assignee": value or None},
                  "priority": {"priority": value}, "archive": {"archive": True}}[req["action"]]
        return {"results": [r.to_dict() for r in self.store.bulk(req["task_ids"], **change)]}

    def _do_detail(self, req: dict) -> dict:
        detail = self.store.task_detail(req["task_id"])

        def summary(tasks: list) -> list[dict]:
            return [{"id": t.id, "title": t.title, "status": t.status} for t in tasks]

        return {
            "task": detail.task.to_dict(),
            "comments": [c.to_dict() for c in detail.comments],
            "events": [e.to_dict() for e in reversed(detail.events)][:500],
            "parents": summary(detail.parents),
            "children": summary(detail.children),
        }

    def _do_graph(self, req: dict) -> dict:
        return answer_graph(self.store, req)  # the Graph view's data (graph_view.py)

    def _do_poll(self, req: dict) -> dict:
        """The page heard nothing for a while and says which revision it shows. Answered here,
        on the kernel's main thread, for hosts that drop what the tail thread sends (Colab):
        the patches it missed, or the whole board when they are no longer all kept. Nothing is
        sent but the reply when the page is current."""
        with self._lock:
            current = self._state.rev
            page_rev = req["rev"]
            if page_rev == current:
                self._send_beacon()
                return {"rev": current}
            kept = {p["rev"]: p for p in self._recent}
            missed = None
            if 0 <= page_rev < current and current - page_rev <= len(kept):
                missed = [kept.get(r) for r in range(page_rev + 1, current + 1)]
            if missed and all(missed):
                for patch in missed:
                    self.send(patch)
            else:
                self.send_state("_board")
            return {"rev": current}

    def _send_beacon(self) -> None:
        """Send the page a beacon from a background thread (at most one every BEACON_EVERY
        seconds). Where it arrives, the host delivers the tail thread's patches, and the page
        stops asking every second or two; where it is dropped (Colab), the page keeps asking."""
        now = time.monotonic()
        if now - self._beacon_at < BEACON_EVERY:
            return
        self._beacon_at = now
        name = f"kanban-tail-{pathlib.PurePath(str(self.path)).name}-beacon"  # one of the board's threads, as a host sees it
        threading.Thread(target=self._publish_beacon, name=name, daemon=True).start()

    def _publish_beacon(self) -> None:
        with self._lock:
            self.send({"type": protocol.BEACON})

    def _do_dispatch(self, req: dict) -> dict:
        if self._dispatcher is None:
            raise KanbanError("this board has no dispatcher; pass KanbanBoard(..., dispatcher=fn)")
        return self.store.dispatch_once(self._dispatcher, max_spawn=req.get("max_spawn")).to_dict()

    def _do_more(self, req: dict) -> dict:
        """Show the next page of one column (one lane of it, with lanes): its cards come as a
        patch, sent before the reply, so the page applies them in revision order."""
        with self._lock:
            held = len(self._state.cards)
            patch = self._state.show_more(req["column"], req.get("lane"))
            if patch == RELOADED:
                self._resync_all()
            elif patch is not None:
                self._publish_patch(patch)
            return {"rev": self._state.rev, "added": max(0, len(self._state.cards) - held)}

    def _do_ids(self, req: dict) -> dict:
        """The ids of a column's cards under the filters, shown or not (at most
        ``protocol.MAX_BULK``, the most a bulk request takes): what "select all" selects."""
        ids = self._state.column_ids(req["column"], req.get("lane"))
        return {"ids": ids, "total": self._state.counts.get(req["column"], 0)}

    #: Which method answers each request type (``resync`` is answered in ``_on_message``).
    _HANDLERS: dict = {
        "move": _do_move, "create": _do_create, "update": _do_update, "comment": _do_comment,
        "link": _do_link, "unlink": _do_unlink, "bulk": _do_bulk, "detail": _do_detail,
        "dispatch": _do_dispatch, "poll": _do_poll, "more": _do_more, "ids": _do_ids,
        "graph": _do_graph,
    }


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "notebook"


def _warn_broken_ipykernel() -> None:
    """ipykernel 7.0.0 and 7.0.1 drop every widget update sent from a thread: say so, once."""
    global _warned_ipykernel
    if _warned_ipykernel:
        return
    try:
        from importlib.metadata import version

        kernel_version = version("ipykernel")
    except Exception:
        return
    if kernel_version in ("7.0.0", "7.0.1"):
        _warned_ipykernel = True
        warnings.warn(
            f"ipykernel {kernel_version} cannot send widget updates from a thread, so the board "
            "will not update live; upgrade with `pip install -U ipykernel` (7.1 or newer)",
            RuntimeWarning, stacklevel=3)

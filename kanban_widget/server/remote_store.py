"""``RemoteStore``: the reads and writes the widget makes of a :class:`~kanban_widget.Store`,
made over the HTTP API of ``kanban-widget api``.

The same verbs with the same arguments and the same return types as the local store (a
:class:`~kanban_widget.store.BoardSnapshot`, a :class:`~kanban_widget.store.Task`, a
:class:`~kanban_widget.store.TaskDetail`, :class:`~kanban_widget.store.Event` records), and the
same errors: the JSON error code the server answers (``TaskNotFound``, ``InvalidTransition``,
..., :data:`kanban_widget.protocol.ERROR_CODES`) is raised as that store error class, and
``BadMessage`` as :class:`kanban_widget.protocol.BadMessage`, so code written against a local
store (the widget's request handlers among it) catches a remote refusal the same way.

What a remote store cannot do, it says: there is no transaction across requests
(:meth:`RemoteStore.atomic` raises; :meth:`RemoteStore.bulk` is the one-transaction batch), the
workers of a dispatch pass are the server's (``spawn`` must be None), and ``created_by`` is the
server's user. Following the board live is :class:`~.client.RemoteBoard`'s job (the
``/patches`` socket); this class only asks.

Example::

    store = RemoteStore("http://127.0.0.1:9120/api/plugins/kanban", token="...")
    task_id = store.create_task("From afar", assignee="zoe")
    store.move_task(task_id, "blocked", reason="waiting")
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterable, Iterator, Optional

from .. import protocol
from ..store import errors
from ..store.models import (TASK_FIELDS, BoardSnapshot, BulkResult, Comment, DispatchResult,
                            Event, Task, TaskDetail)
from ..store.tasks import UNSET
from ..board import wire_card
from .hermes_client import card_from_detail
from .transport import ApiTransport, RemoteError, quoted, view_query

#: Store error class per wire code (the inverse of :data:`kanban_widget.protocol.ERROR_CODES`).
ERROR_CLASSES = {code: cls for cls, code in protocol.ERROR_CODES.items()}

#: Ids per ``GET /cards`` request (the server takes 500; this keeps the URL short).
CARDS_PER_REQUEST = 100
#: Events per ``GET /events`` request (the server's most).
EVENTS_PER_REQUEST = 1000
#: What the server's ``PATCH /tasks/{id}`` edits, as :meth:`Store.update_task` names them.
EDITABLE = ("title", "body", "assignee", "priority", "tenant")


def column_query(view: Any, lane: Optional[str], **more: Any) -> dict:
    """The query of a column read: the view's filters (its archived rule does not apply to
    a named column), the lane with lanes, and ``more``."""
    query = view_query(view) if view is not None else {}
    query.pop("include_archived", None)
    if lane is not None and query.get("lanes"):
        query["lane"] = lane
    return {**query, **more}


class RemoteRefused(errors.KanbanError):
    """The server refused a request for a reason that is not a store error: the token
    (``Unauthorized``), no dispatcher (``NoDispatcher``), a body too large, an unknown route.
    ``status`` and ``code`` are the server's."""


class ServerUnreachable(errors.KanbanError):
    """The server did not answer (not running, wrong address, network down): nothing was
    done by this request, as far as this side knows."""


def not_remote(what: str) -> errors.KanbanError:
    """The error for a feature that needs the board file itself."""
    return errors.KanbanError(f"{what}: not available for a remote board (it needs the board "
                              "file itself); run it on the server's host, with "
                              "KanbanBoard(path) or kanban_widget.analytics on the file")


def not_on_hermes(what: str) -> errors.KanbanError:
    """The error for one of kanban-widget's routes asked of a Hermes dashboard."""
    return errors.KanbanError(f"{what}: not served by a Hermes dashboard; serve the board "
                              "file with `kanban-widget api` for it")


def store_error(refusal: RemoteError) -> Exception:
    """The exception a local store would raise for what the server answered: the store error
    class of its code (message kept), :class:`~kanban_widget.protocol.BadMessage` for a
    malformed request, else :class:`RemoteRefused`. Each carries ``status`` and ``code``."""
    if refusal.code == protocol.BAD_MESSAGE:
        exc: Exception = protocol.BadMessage(refusal.message)
    elif refusal.code in ERROR_CLASSES:
        cls = ERROR_CLASSES[refusal.code]
        exc = cls.__new__(cls)  # some classes build their message from other arguments
        Exception.__init__(exc, refusal.message)
    else:
        exc = RemoteRefused(f"{refusal.message} (HTTP {refusal.status} {refusal.code})")
    exc.status, exc.code = refusal.status, refusal.code
    return exc


#: Keys of a task's JSON that Hermes computes for display, not columns of the task's row.
COMPUTED_KEYS = ("age", "latest_summary")


def _task(data: dict) -> Task:
    """A :class:`Task` from the API's task or card JSON (fields it does not know go to
    ``extra``, :data:`COMPUTED_KEYS` are dropped)."""
    fields = {k: data[k] for k in TASK_FIELDS if k in data}
    extra = {k: v for k, v in data.items() if k not in TASK_FIELDS and k not in COMPUTED_KEYS}
    return Task(**fields, extra=extra)


class RemoteStore:
    """The store verbs the widget uses, over ``kanban-widget api``'s HTTP API.

    ``url`` is the API root (``http://host:port/api/plugins/kanban``), ``token`` the one the
    server printed, ``board`` one of the server's boards (``?board=``). ``read_only`` refuses
    writes here with :class:`~kanban_widget.store.ReadOnlyBoard` before any request. Each call
    is one HTTP request (two for :meth:`task_detail`); a server that does not answer raises
    :class:`ServerUnreachable`.
    """

    def __init__(self, url: str, token: str, *, board: Optional[str] = None,
                 read_only: bool = False, timeout: float = 30.0, hermes: bool = False):
        self._api = ApiTransport(url, token, board=board, timeout=timeout)
        self.read_only = bool(read_only)
        #: Only Hermes' dashboard routes are used (no ``/cards``, ``/columns``, ``/events``).
        self.hermes = bool(hermes)

    @property
    def path(self) -> str:
        """The API root this store talks to (a local store's board file path)."""
        return self._api.url

    def __repr__(self) -> str:
        return f"<RemoteStore {self.path}{' read-only' if self.read_only else ''}>"

    def _call(self, method: str, path: str, body: Any = None,
              params: Optional[dict] = None) -> dict:
        try:
            return self._api.call(method, path, body, params)
        except RemoteError as refusal:
            raise store_error(refusal) from None
        except OSError as exc:  # urllib's URLError, a refused or timed-out connection
            raise ServerUnreachable(f"cannot reach the board server at {self.path}: {exc}; "
                                    "check that `kanban-widget api` runs there (and the SSH "
                                    "tunnel, if any)") from None

    def _write(self, method: str, path: str, body: Any = None,
               params: Optional[dict] = None) -> dict:
        if self.read_only:
            raise errors.ReadOnlyBoard(f"this view of {self.path} is read-only; open it "
                                       "without read_only=True to change it")
        return self._call(method, path, body, params)

    # -- reads -----------------------------------------------------------------------------------

    def board(self, *, tenant: Optional[str] = None,
              include_archived: bool = False) -> BoardSnapshot:
        """The whole board in one snapshot (``GET /board``), cards as the local store's."""
        params: dict = {"include_archived": "true" if include_archived else "false"}
        if tenant:
            params["tenant"] = tenant
        data = self._call("GET", "/board", params=params)
        columns = {column["name"]: [{k: v for k, v in card.items() if k not in COMPUTED_KEYS}
                                    for card in column["tasks"]]
                   for column in data["columns"]}
        return BoardSnapshot(columns=columns, tenants=data["tenants"],
                             assignees=data["assignees"], cursor=data["latest_event_id"],
                             now=data["now"])

    def cards(self, task_ids: Iterable[str]) -> list[dict]:
        """The cards of these tasks (unknown ids skipped), as the widget sends them: long
        text already cut to its preview (``GET /cards``; on a Hermes dashboard, one
        ``GET /tasks/{id}`` a task, and one a child for its progress)."""
        ids = list(dict.fromkeys(task_ids))
        if self.hermes:
            return [card for card, _parents in self.hermes_cards(ids).values()]
        found: list[dict] = []
        for start in range(0, len(ids), CARDS_PER_REQUEST):
            chunk = ids[start:start + CARDS_PER_REQUEST]
            found += self._call("GET", "/cards", params={"ids": ",".join(chunk)})["cards"]
        return found

    def hermes_cards(self, task_ids: Iterable[str]) -> dict[str, tuple[dict, list[str]]]:
        """Cards of these tasks (as the widget sends them) with their parents' ids, by id,
        from Hermes' ``GET /tasks/{id}`` (unknown ids skipped); the children's statuses,
        for progress, from the answer's ``child_results`` (later Hermes), else read one by
        one."""
        found: dict[str, tuple[dict, list[str]]] = {}
        for task_id in dict.fromkeys(task_ids):
            try:
                detail = self._call("GET", f"/tasks/{quoted(task_id)}")
            except errors.TaskNotFound:
                continue
            links = detail.get("links") or {}
            if "child_results" in detail:
                statuses = [child["status"] for child in detail["child_results"]]
            else:
                statuses = [t.status for t in map(self.get_task, links.get("children") or [])
                            if t is not None]
            found[task_id] = (wire_card(card_from_detail(detail, statuses)),
                              list(links.get("parents") or []))
        return found

    def get_task(self, task_id: str) -> Optional[Task]:
        """The task, or None when there is no such task."""
        try:
            return _task(self._call("GET", f"/tasks/{quoted(task_id)}")["task"])
        except errors.TaskNotFound:
            return None

    def task_detail(self, task_id: str) -> TaskDetail:
        """The task with its parents, children, comments and events (``GET /tasks/{id}``,
        then ``GET /cards`` for the linked tasks). Raises TaskNotFound."""
        data = self._call("GET", f"/tasks/{quoted(task_id)}")
        links = data["links"]
        related = {card["id"]: _task(card)
                   for card in self.cards([*links["parents"], *links["children"]])}
        return TaskDetail(
            task=_task(data["task"]),
            parents=[related[i] for i in links["parents"] if i in related],
            children=[related[i] for i in links["children"] if i in related],
            comments=[Comment(**c) for c in data["comments"]],
            events=[Event(**e) for e in data["events"]])

    def events_since(self, cursor: int, limit: int = 1000) -> list[Event]:
        """Up to ``limit`` events after ``cursor``, oldest first (``GET /events``, paged)."""
        if self.hermes:
            raise not_on_hermes("reading events over HTTP (Hermes pushes them on WS /events "
                                "only)")
        events: list[Event] = []
        while len(events) < limit:
            asked = min(EVENTS_PER_REQUEST, limit - len(events))
            since = events[-1].id if events else cursor
            page = self._call("GET", "/events", params={"since": since, "limit": asked})
            events += [Event(**e) for e in page["events"]]
            if len(page["events"]) < asked:
                break
        return events

    def boards(self) -> tuple[list[dict], Optional[str]]:
        """The server's boards (``[{slug, name, current, description, created_at}]``, what a
        board switcher offers) and its default slug (``GET /boards``); a server of one file
        lists that one, as ``default``."""
        data = self._call("GET", "/boards")
        return data["boards"], data["current"]

    # -- writes ----------------------------------------------------------------------------------

    def create_task(self, title: str, *, body: Optional[str] = None,
                    assignee: Optional[str] = None, tenant: Optional[str] = None,
                    priority: int = 0, parents: Iterable[str] = (), triage: bool = False,
                    created_by: Optional[str] = None, idempotency_key: Optional[str] = None,
                    workspace_kind: str = "scratch",
                    workspace_path: Optional[str] = None) -> str:
        """Create a task (``POST /tasks``); its id. ``created_by`` is not sent: the server
        stamps its own user on what it creates."""
        fields = {"title": title, "body": body, "assignee": assignee, "tenant": tenant,
                  "priority": priority, "parents": list(parents), "triage": triage,
                  "idempotency_key": idempotency_key, "workspace_kind": workspace_kind,
                  "workspace_path": workspace_path}
        sent = {k: v for k, v in fields.items() if v is not None}
        return self._write("POST", "/tasks", sent)["task"]["id"]

    def update_task(self, task_id: str, **changes: Any) -> Task:
        """Change any of title, body, assignee, priority and tenant, all or nothing
        (``PATCH /tasks/{id}``); the task after."""
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise TypeError(f"update_task() got unexpected field(s) {', '.join(unknown)}; it "
                            f"edits {', '.join(EDITABLE)}")
        if not changes:  # the local store's no-op still says whether the task exists
            task = self.get_task(task_id)
            if task is None:
                raise errors.TaskNotFound(task_id, self.path)
            return task
        return _task(self._write("PATCH", f"/tasks/{quoted(task_id)}", changes)["task"])

    def move_task(self, task_id: str, status: str, *, reason: Optional[str] = None,
                  result: Optional[str] = None) -> Task:
        """Move a task as a drag does, by the board's rules (``PATCH /tasks/{id}``); the task
        after."""
        body: dict = {"status": status}
        if reason is not None:
            body["block_reason"] = reason
        if result is not None:
            body["result"] = result
        return _task(self._write("PATCH", f"/tasks/{quoted(task_id)}", body)["task"])

    def add_comment(self, task_id: str, author: str, body: str) -> int:
        """Comment on a task (``POST /tasks/{id}/comments``); the comment's id."""
        answer = self._write("POST", f"/tasks/{quoted(task_id)}/comments",
                             {"body": body, "author": author})
        return answer.get("id")  # Hermes answers {"ok": true}: no id there

    def link_tasks(self, parent_id: str, child_id: str) -> bool:
        """Make ``child_id`` depend on ``parent_id`` (``POST /links``); False when the link
        was there already. CycleError for a link that would make a cycle."""
        answer = self._write("POST", "/links", {"parent_id": parent_id, "child_id": child_id})
        return answer["linked"] if "linked" in answer else answer["ok"]  # Hermes: {"ok": true}

    def unlink_tasks(self, parent_id: str, child_id: str) -> bool:
        """Remove a link (``DELETE /links``); False when there was none."""
        return self._write("DELETE", "/links", params={"parent_id": parent_id,
                                                       "child_id": child_id})["ok"]

    def bulk(self, task_ids: list[str], action: Optional[str] = None, value: Any = None, *,
             status: Optional[str] = None, assignee: Any = UNSET, priority: Any = UNSET,
             archive: bool = False) -> list:
        """Many tasks' edit in one transaction on the server (``POST /tasks/bulk``), each task
        on its own. Two forms:

        * :meth:`Store.bulk`'s keywords (``status=``, ``assignee=``, ``priority=``,
          ``archive=True``): a :class:`~kanban_widget.store.BulkResult` per id (its ``task``
          is None: the server does not send it back);
        * the page's ``action`` (one of :data:`kanban_widget.protocol.BULK_ACTIONS`) and
          ``value``: ``[{"task_id", "ok", "error"?}]`` as the widget's bulk reply.
        """
        if action is not None:
            if action not in protocol.BULK_ACTIONS:
                raise ValueError(f"unknown bulk action {action!r}; use one of "
                                 f"{', '.join(protocol.BULK_ACTIONS)}")
            change = {"move": {"status": value}, "assign": {"assignee": value or None},
                      "priority": {"priority": value}, "archive": {"archive": True}}[action]
            return [r.to_dict() for r in self.bulk(task_ids, **change)]
        body: dict = {"ids": list(task_ids)}
        if status is not None:
            body["status"] = status
        if assignee is not UNSET:
            body["assignee"] = assignee or None
        if priority is not UNSET:
            body["priority"] = priority
        if archive:
            body["archive"] = True
        results = self._write("POST", "/tasks/bulk", body)["results"]
        return [BulkResult(task_id=r["id"], ok=r["ok"], error=r.get("error")) for r in results]

    def column(self, status: str, *, offset: int = 0, limit: int = 100, view: Any = None,
               lane: Optional[str] = None) -> tuple[int, list[dict]]:
        """A window of one column in board order (``GET /columns/{status}``) under ``view``'s
        filters (a :class:`~kanban_widget.store.windows.View`; None: none), of one ``lane``
        with lanes: how many cards it holds, and its cards from ``offset`` to
        ``offset + limit``."""
        if self.hermes:
            raise not_on_hermes("a column's window (GET /columns/{status})")
        data = self._call("GET", f"/columns/{quoted(status)}",
                          params=column_query(view, lane, offset=offset, limit=limit))
        return data["total"], data["cards"]

    def column_ids(self, status: str, *, offset: int = 0, limit: int = protocol.MAX_BULK,
                   view: Any = None, lane: Optional[str] = None) -> tuple[int, list[str]]:
        """Ids of one column's cards under ``view`` in board order, from ``offset``
        (``GET /columns/{status}/ids``): how many the column holds, and the ids."""
        if self.hermes:
            raise not_on_hermes("a column's ids (GET /columns/{status}/ids)")
        data = self._call("GET", f"/columns/{quoted(status)}/ids",
                          params=column_query(view, lane, offset=offset, limit=limit))
        return data["total"], data["ids"]

    def dispatch_once(self, spawn: Optional[Callable] = None, *,
                      max_spawn: Optional[int] = None, dry_run: bool = False) -> DispatchResult:
        """One dispatcher pass on the server (``POST /dispatch``). Workers are the server's to
        start, so ``spawn`` must be None; a server without a dispatcher runs only a dry run
        (RemoteRefused ``NoDispatcher`` otherwise)."""
        if spawn is not None:
            raise ValueError("a remote board's workers are started by its server's "
                             "dispatcher; call dispatch_once() without a spawn function")
        params = {"dry_run": "true" if dry_run else "false",
                  "max": protocol.MAX_SPAWN if max_spawn is None else max_spawn}
        call = self._call if dry_run else self._write
        return DispatchResult(**call("POST", "/dispatch", params=params))

    # -- what a remote store cannot do -----------------------------------------------------------

    def atomic(self):
        """Not possible over HTTP: each request is its own transaction on the server. Use
        :meth:`bulk` for a batch in one transaction."""
        raise errors.KanbanError(f"{self.path} is a remote board: there is no transaction "
                                 "across requests; use RemoteStore.bulk() for a batch")

    def reading(self):
        """Not possible over HTTP: time travel and analytics read the board file's history
        with SQL. Run them where the board file is (the server's host)."""
        raise not_remote("time travel and analytics")

    def graph(self, *args: Any, **kwargs: Any):
        """Not served by the API yet: the dependency graph is read with SQL."""
        raise not_remote("the dependency graph")

    def wip_limits(self) -> dict:
        """WIP limits live in the board file's settings, which the API does not serve: none."""
        return {}

    def set_wip_limits(self, limits: Any) -> dict:
        """Refused: the API does not serve the board file's settings."""
        raise not_remote("WIP limits")

    @contextlib.contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        """Accepted for the widget's sake and does nothing: the server waits at most 5 s for
        another writer's lock and then answers BoardBusy."""
        yield

    def close(self) -> None:
        """Nothing to release (each request is its own connection); for symmetry with
        :class:`~kanban_widget.Store`."""

    def __enter__(self) -> "RemoteStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

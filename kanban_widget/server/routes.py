"""The HTTP routes, under ``/api/plugins/kanban/``: Hermes' dashboard API (section 6.1 of
``hermes-kanban.md``) and what our board needs besides (cards by id, a window of a column,
events after a cursor, the whole board with its revision).

Each handler reads and checks the whole request first (:mod:`.inputs`), then does its store
work in a worker thread (the store is blocking SQLite) through the store's public verbs; a
store error becomes the JSON error of :mod:`.errors`. A write wakes the board's feed, so the
sockets hear of it at once.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Callable, Optional

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import protocol
from ..board import wire_card
from ..store import KanbanError, Store, TaskNotFound, windows
from . import inputs, shapes
from .boards import BoardHandle, BoardSet
from .errors import NO_DISPATCHER, ApiError, bad_request, from_store_error

#: Longest list of ids ``GET /cards`` takes (a column window's worth, and a URL's).
MAX_CARDS = 500
#: Most events one ``GET /events`` returns; read again from the last one for more.
MAX_EVENTS = 1000
#: Most cards of one ``GET /columns/{status}`` window.
MAX_WINDOW = 1000
#: Hermes' default of ``POST /dispatch?max=``.
DEFAULT_DISPATCH_MAX = 8

TASK_FIELDS = ("title", "body", "assignee", "tenant", "priority", "workspace_kind",
               "workspace_path", "parents", "triage", "idempotency_key", "skills",
               "max_runtime_seconds")
PATCH_FIELDS = ("status", "assignee", "priority", "title", "body", "tenant", "result",
                "block_reason", "summary", "metadata")
BULK_FIELDS = ("ids", "status", "assignee", "priority", "archive")


# -- plumbing ---------------------------------------------------------------------------------


def board_of(request: Request) -> BoardHandle:
    """The board named by ``?board=`` (the server's default board without it)."""
    boards: BoardSet = request.app.state.boards
    return boards.get(inputs.query_text(request, "board", 64))


async def in_thread(func: Callable[..., Any], *args: Any) -> Any:
    """Run blocking store work in a worker thread; a store error becomes an ApiError."""
    def guarded():
        try:
            return func(*args)
        except KanbanError as exc:
            raise from_store_error(exc) from None
    return await run_in_threadpool(guarded)


def path_task_id(request: Request) -> str:
    return inputs.task_id(request.path_params["task_id"], "the task id in the path")


# -- Hermes' dashboard API --------------------------------------------------------------------


async def get_board(request: Request) -> JSONResponse:
    """``GET /board?tenant=&include_archived=``: every column with its cards."""
    handle = board_of(request)
    tenant = inputs.query_text(request, "tenant", protocol.MAX_NAME)
    archived = inputs.query_bool(request, "include_archived")
    reader = handle.reader

    def read():
        with reader.reading():  # the cards and their summaries from one snapshot
            return reader.board(tenant=tenant or None, include_archived=archived), \
                summaries(reader)

    snapshot, found = await in_thread(read)
    return JSONResponse(shapes.board(snapshot, found))


def summaries(reader: Store, task_ids: Optional[list] = None) -> dict:
    """The latest worker summary of each task (of ``task_ids``, else all) that has one, read
    from Hermes' ``task_runs`` (``{}`` on a board without that table)."""
    if not reader.query("SELECT 1 FROM sqlite_master WHERE type = 'table'"
                        " AND name = 'task_runs'"):
        return {}
    only, params = ("", ()) if task_ids is None else (
        " AND task_id IN (SELECT value FROM json_each(?))", (json.dumps(task_ids),))
    return dict(reader.query(shapes.LATEST_SUMMARIES_SQL.format(only=only), params, plain=True))


async def get_task(request: Request) -> JSONResponse:
    """``GET /tasks/{id}``: the task with its comments, events and links."""
    handle, task_id = board_of(request), path_task_id(request)
    reader = handle.reader

    def read():
        with reader.reading():
            detail = reader.task_detail(task_id)
            return detail, reader.now(), summaries(
                reader, [task_id, *(t.id for t in detail.children)])

    detail, now, found = await in_thread(read)
    return JSONResponse(shapes.task_detail(detail, now, found))


async def create_task(request: Request) -> JSONResponse:
    """``POST /tasks``: create a task (Hermes' fields; ``skills`` and ``max_runtime_seconds``
    are not stored by this board, so only empty values are accepted)."""
    handle = board_of(request)
    body = await inputs.read_json(request)
    what = "create"
    inputs.only_fields(body, TASK_FIELDS, what)
    for unsupported in ("skills", "max_runtime_seconds"):
        if body.get(unsupported) not in (None, []):
            raise bad_request(f"{what}: {unsupported} is not stored by this board; leave it out")
    fields = dict(
        title=inputs.text(body, "title", protocol.MAX_TITLE, what=what, required=True),
        body=inputs.text(body, "body", protocol.MAX_TEXT, what=what),
        assignee=inputs.text(body, "assignee", protocol.MAX_NAME, what=what),
        tenant=inputs.text(body, "tenant", protocol.MAX_NAME, what=what),
        priority=inputs.whole(body, "priority", what=what, default=0, nullable=True),
        parents=inputs.id_list(body, "parents", what=what),
        triage=inputs.flag(body, "triage", what=what),
        idempotency_key=inputs.text(body, "idempotency_key", protocol.MAX_NAME, what=what),
        workspace_kind=inputs.text(body, "workspace_kind", 32, what=what, default="scratch"),
        workspace_path=inputs.text(body, "workspace_path", protocol.MAX_TEXT, what=what),
    )
    user = request.app.state.user

    def write():
        store = handle.writer
        task_id = store.create_task(**fields, created_by=user)
        return store.get_task(task_id)

    task, now = await in_thread(lambda: (write(), handle.writer.now()))
    handle.written()
    return JSONResponse({"task": shapes.hermes_task(task.to_dict(), now)})



async def patch_task(request: Request) -> JSONResponse:
    """``PATCH /tasks/{id}``: edit and move a task, all in one transaction (Hermes applies the
    fields one by one; here a refused move leaves the edits unapplied too)."""
    handle, task_id = board_of(request), path_task_id(request)
    body = await inputs.read_json(request)
    what = "update"
    inputs.only_fields(body, PATCH_FIELDS, what)
    if not body:
        raise bad_request(f"{what}: nothing to change; give one of {', '.join(PATCH_FIELDS)}")
    if body.get("metadata") not in (None, {}):
        raise bad_request(f"{what}: metadata is not stored by this board; leave it out")
    edits: dict = {}
    if "title" in body:
        edits["title"] = inputs.text(body, "title", protocol.MAX_TITLE, what=what,
                                     nullable=False)
    if "body" in body:
        edits["body"] = inputs.text(body, "body", protocol.MAX_TEXT, what=what)
    if "assignee" in body:  # "" or null: unassign
        edits["assignee"] = inputs.text(body, "assignee", protocol.MAX_NAME, what=what) or None
    if "tenant" in body:
        edits["tenant"] = inputs.text(body, "tenant", protocol.MAX_NAME, what=what) or None
    if "priority" in body:
        edits["priority"] = inputs.whole(body, "priority", what=what)
    status = None
    if body.get("status") is not None:
        status = inputs.status(body["status"], what)
    reason = inputs.text(body, "block_reason", protocol.MAX_TEXT, what=what)
    result = inputs.text(body, "result", protocol.MAX_TEXT, what=what)
    summary = inputs.text(body, "summary", protocol.MAX_TEXT, what=what)
    if status is None and (reason, result, summary) != (None, None, None):
        raise bad_request(f"{what}: block_reason, result and summary go with a status (blocked, "
                          "done); give the status too")

    def write():
        store = handle.writer
        with store.atomic():
            if edits:
                store.update_task(task_id, **edits)
            if status is not None:
                store.move_task(task_id, status, reason=reason,
                                result=result if result is not None else summary)
            elif store.get_task(task_id) is None:
                raise TaskNotFound(task_id, store.path)
            return store.get_task(task_id)

    task, now = await in_thread(lambda: (write(), handle.writer.now()))
    handle.written()
    return JSONResponse({"task": shapes.hermes_task(task.to_dict(), now)})


async def bulk(request: Request) -> JSONResponse:
    """``POST /tasks/bulk``: the same edit for many tasks; each task succeeds or fails on its
    own (``results``), all in one transaction, so the lock is taken once."""
    handle = board_of(request)
    body = await inputs.read_json(request)
    what = "bulk"
    inputs.only_fields(body, BULK_FIELDS, what)
    ids = inputs.id_list(body, "ids", what=what, required=True)
    archive = inputs.flag(body, "archive", what=what)
    status = inputs.status(body["status"], what) if body.get("status") is not None else None
    has_assignee = "assignee" in body
    assignee = inputs.text(body, "assignee", protocol.MAX_NAME, what=what) or None
    priority = inputs.whole(body, "priority", what=what, nullable=True)
    if not (archive or status or has_assignee or priority is not None):
        raise bad_request(f"{what}: nothing to do; give status, assignee, priority or "
                          "archive: true")

    def one(store: Store, task_id: str) -> None:
        if archive:
            store.move_task(task_id, "archived")
            return
        if status is not None:
            store.move_task(task_id, status)
        edits: dict = {}
        if has_assignee:
            edits["assignee"] = assignee
        if priority is not None:
            edits["priority"] = priority
        if edits or status is None:
            store.update_task(task_id, **edits)  # TaskNotFound for an unknown id

    def write():
        store, results = handle.writer, []
        with store.atomic():
            for task_id in ids:
                try:
                    with store.atomic():  # a savepoint: a refusal undoes this task only
                        one(store, task_id)
                    results.append({"id": task_id, "ok": True})
                except KanbanError as exc:
                    results.append({"id": task_id, "ok": False, "error": str(exc)})
        return results

    results = await in_thread(write)
    handle.written()
    return JSONResponse({"results": results})


async def add_comment(request: Request) -> JSONResponse:
    """``POST /tasks/{id}/comments``: ``{body, author?}``."""
    handle, task_id = board_of(request), path_task_id(request)
    body = await inputs.read_json(request)
    what = "comment"
    inputs.only_fields(body, ("body", "author"), what)
    text = inputs.text(body, "body", protocol.MAX_TEXT, what=what, required=True)
    if not text.strip():
        raise bad_request(f"{what}: body is required (it is blank)")
    author = inputs.text(body, "author", protocol.MAX_NAME, what=what) or request.app.state.user
    comment_id = await in_thread(handle.writer.add_comment, task_id, author, text)
    handle.written()
    return JSONResponse({"ok": True, "id": comment_id})


def _link_ids(values: dict, what: str) -> tuple[str, str]:
    ids = []
    for name in ("parent_id", "child_id"):
        if values.get(name) is None:
            raise bad_request(f"{what}: {name} is required")
        ids.append(inputs.task_id(values[name], f"{what}: {name}"))
    return ids[0], ids[1]


async def link(request: Request) -> JSONResponse:
    """``POST /links``: ``{parent_id, child_id}`` (no self-links, unknown ids or cycles)."""
    handle = board_of(request)
    body = await inputs.read_json(request)
    inputs.only_fields(body, ("parent_id", "child_id"), "link")
    parent, child = _link_ids(body, "link")
    added = await in_thread(handle.writer.link_tasks, parent, child)
    handle.written()
    return JSONResponse({"ok": True, "linked": added})


async def unlink(request: Request) -> JSONResponse:
    """``DELETE /links?parent_id=&child_id=``: ``ok`` is false when there was no such link."""
    handle = board_of(request)
    values = {name: inputs.query_text(request, name, protocol.MAX_ID)
              for name in ("parent_id", "child_id")}
    parent, child = _link_ids(values, "unlink")
    removed = await in_thread(handle.writer.unlink_tasks, parent, child)
    handle.written()
    return JSONResponse({"ok": removed})


async def dispatch(request: Request) -> JSONResponse:
    """``POST /dispatch?dry_run=&max=``: one dispatcher pass. Without a dispatcher (the
    ``kanban-widget api`` command has none) only a dry run is possible."""
    handle = board_of(request)
    dry_run = inputs.query_bool(request, "dry_run")
    max_spawn = inputs.query_int(request, "max", DEFAULT_DISPATCH_MAX, 0, protocol.MAX_SPAWN)
    spawn: Optional[Callable] = request.app.state.dispatcher
    if spawn is None and not dry_run:
        raise ApiError(409, NO_DISPATCHER, "this server has no dispatcher, so it starts no "
                       "workers; ask for ?dry_run=true to see what a pass would do, or run "
                       "Hermes' own dispatcher on the board")
    result = await in_thread(lambda: handle.writer.dispatch_once(
        spawn, max_spawn=max_spawn, dry_run=dry_run))
    if not dry_run:
        handle.written()
    return JSONResponse(result.to_dict())


async def get_config(request: Request) -> JSONResponse:
    """``GET /config``: the dashboard's display defaults."""
    board_of(request)
    return JSONResponse(dict(shapes.DEFAULT_CONFIG))


async def get_stats(request: Request) -> JSONResponse:
    """``GET /stats``: Hermes' ``board_stats``."""
    handle = board_of(request)
    snapshot = await in_thread(lambda: handle.reader.board())
    return JSONResponse(shapes.stats(snapshot))


async def get_assignees(request: Request) -> JSONResponse:
    """``GET /assignees``: the assignees of tasks not archived, with their tasks per status."""
    handle = board_of(request)
    rows = await in_thread(lambda: handle.reader.query(shapes.ASSIGNEE_COUNTS_SQL, plain=True))
    return JSONResponse(shapes.assignees(rows))


async def get_log(request: Request) -> JSONResponse:
    """``GET /tasks/{id}/log?tail=``: Hermes' worker log. This board keeps no worker logs, so
    the answer says there is none (Hermes' drawer then shows "no worker log yet")."""
    handle, task_id = board_of(request), path_task_id(request)
    inputs.query_int(request, "tail", 100_000, 1, 2_000_000)
    task = await in_thread(handle.reader.get_task, task_id)
    if task is None:
        raise from_store_error(TaskNotFound(task_id))
    return JSONResponse({"task_id": task_id, "path": None, "exists": False, "size_bytes": 0,
                         "content": "", "truncated": False})


# -- what our board needs besides -------------------------------------------------------------


async def get_events(request: Request) -> JSONResponse:
    """``GET /events?since=&limit=``: the events after ``since``, oldest first; ``cursor`` is
    the last one's id (``since`` when there are none): ask again from it."""
    handle = board_of(request)
    since = inputs.query_int(request, "since", 0, 0, protocol.MAX_INT)
    limit = inputs.query_int(request, "limit", 200, 1, MAX_EVENTS)
    events = await in_thread(handle.reader.events_since, since, limit)
    return JSONResponse({"events": [e.to_dict() for e in events],
                         "cursor": events[-1].id if events else since})


async def get_snapshot(request: Request) -> JSONResponse:
    """``GET /snapshot?search=&tenant=&assignee=&lanes=&include_archived=``: the board under
    that view as the widget holds it (each column's first page and the filtered counts), with
    the revision and session the ``/patches`` socket of the same view continues from."""
    handle = board_of(request)
    view = inputs.query_view(request)
    return JSONResponse(await in_thread(handle.snapshot, view))


async def get_cards(request: Request) -> JSONResponse:
    """``GET /cards?ids=a,b``: these cards, as the widget sends them; unknown ids in
    ``missing``."""
    handle = board_of(request)
    raw = inputs.query_text(request, "ids", MAX_CARDS * (protocol.MAX_ID + 1))
    if not raw:
        raise bad_request("query parameter 'ids' is required: task ids separated by commas")
    ids = list(dict.fromkeys(raw.split(",")))
    if len(ids) > MAX_CARDS:
        raise bad_request(f"ask for at most {MAX_CARDS} cards at once, not {len(ids)}")
    for i, task_id in enumerate(ids):
        inputs.task_id(task_id, f"ids[{i}]")
    found = await in_thread(handle.reader.cards, ids)
    return JSONResponse(shapes.cards(found, ids))


def column_view(request: Request) -> tuple[str, Optional[str], windows.View]:
    """The column, lane (``?lane=``, with lanes) and view a column read asks for. The column
    is named, so the archived rule of the view does not hide the archived column."""
    status = inputs.status(request.path_params["status"], "column")
    lane = inputs.query_text(request, "lane", protocol.MAX_NAME)
    view = replace(inputs.query_view(request), include_archived=True)
    return status, lane if view.lanes else None, view


async def get_column(request: Request) -> JSONResponse:
    """``GET /columns/{status}?offset=&limit=&search=&tenant=&assignee=&lanes=&lane=``: a window
    of one column under the view's filters, in board order (the cards at ``offset`` to
    ``offset + limit``), and how many the column holds under them."""
    handle = board_of(request)
    status, lane, view = column_view(request)
    offset = inputs.query_int(request, "offset", 0, 0, protocol.MAX_INT)
    limit = inputs.query_int(request, "limit", 100, 1, MAX_WINDOW)

    def read():
        reader = handle.reader
        with reader.reading():  # the count and the window from one snapshot
            return windows.column_count(reader, view, status, lane), windows.window_cards(
                reader, view, status, lane, limit, offset=offset)

    total, cards = await in_thread(read)
    return JSONResponse({"status": status, "total": total, "offset": offset, "limit": limit,
                         "cards": [wire_card(card) for card in cards]})


async def get_column_ids(request: Request) -> JSONResponse:
    """``GET /columns/{status}/ids?offset=&limit=&search=&...``: the ids of a column's cards
    under the view, in board order, from ``offset`` (up to 10,000 at once): what "select all"
    selects, shown or not."""
    handle = board_of(request)
    status, lane, view = column_view(request)
    offset = inputs.query_int(request, "offset", 0, 0, protocol.MAX_INT)
    limit = inputs.query_int(request, "limit", protocol.MAX_BULK, 1, protocol.MAX_BULK)

    def read():
        reader = handle.reader
        with reader.reading():
            return windows.column_count(reader, view, status, lane), windows.window_ids(
                reader, view, status, lane, limit, offset=offset)

    total, ids = await in_thread(read)
    return JSONResponse({"status": status, "total": total, "offset": offset, "ids": ids})


async def get_boards(request: Request) -> JSONResponse:
    """``GET /boards``: the kanban home's boards a request may name with ``?board=`` and the
    default one, each with its tasks per status, as Hermes lists them; a server of one board
    file lists that file as ``default``."""
    boards: BoardSet = request.app.state.boards
    if boards.fixed:
        rows = await in_thread(lambda: boards.get(None).reader.query(
            shapes.STATUS_COUNTS_SQL, plain=True))
        return JSONResponse({"boards": [shapes.board_entry(
            slug="default", name="Default", path=boards.default_path, is_current=True,
            rows=rows)], "current": "default"})

    def listed() -> list:
        entries = []
        for info in Store.boards(boards.root):
            rows = []
            if info.path.exists():  # Hermes creates a board's file on first use
                with Store(info.path, read_only=True) as store:
                    rows = store.query(shapes.STATUS_COUNTS_SQL, plain=True)
            entries.append(shapes.board_entry(
                slug=info.slug, name=info.name, path=info.path, rows=rows,
                is_current=info.path == boards.default_path, description=info.description,
                created_at=info.created_at))
        return entries

    entries = await in_thread(listed)
    return JSONResponse({"boards": entries, "current": next(
        (b["slug"] for b in entries if b["is_current"]), None)})


async def get_openapi(request: Request) -> JSONResponse:
    """``GET /openapi.json``: this API's OpenAPI document."""
    from .openapi import document

    return JSONResponse(document())


ROUTES = [
    Route("/board", get_board, methods=["GET"]),
    Route("/tasks", create_task, methods=["POST"]),
    Route("/tasks/bulk", bulk, methods=["POST"]),
    Route("/tasks/{task_id}", get_task, methods=["GET"]),
    Route("/tasks/{task_id}", patch_task, methods=["PATCH"]),
    Route("/tasks/{task_id}/comments", add_comment, methods=["POST"]),
    Route("/tasks/{task_id}/log", get_log, methods=["GET"]),
    Route("/links", link, methods=["POST"]),
    Route("/links", unlink, methods=["DELETE"]),
    Route("/dispatch", dispatch, methods=["POST"]),
    Route("/config", get_config, methods=["GET"]),
    Route("/stats", get_stats, methods=["GET"]),
    Route("/assignees", get_assignees, methods=["GET"]),
    Route("/events", get_events, methods=["GET"]),
    Route("/snapshot", get_snapshot, methods=["GET"]),
    Route("/cards", get_cards, methods=["GET"]),
    Route("/columns/{status}", get_column, methods=["GET"]),
    Route("/columns/{status}/ids", get_column_ids, methods=["GET"]),
    Route("/boards", get_boards, methods=["GET"]),
    Route("/openapi.json", get_openapi, methods=["GET"]),
]

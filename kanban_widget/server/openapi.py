"""The OpenAPI 3.0 document of the HTTP API (``GET /openapi.json``).

Written out rather than derived: the checks live in :mod:`.inputs`, and this document states
them (lengths, ranges, statuses) so a client generator or a fuzzer (the tests run schemathesis
over it) knows what the server accepts. The WebSockets are described in docs/http-api.md.
"""

from __future__ import annotations

from .. import __version__, protocol
from ..store import STATUSES
from .inputs import MAX_BODY
from .routes import (BULK_FIELDS, DEFAULT_DISPATCH_MAX, MAX_EVENTS, MAX_WINDOW, PATCH_FIELDS,
                     TASK_FIELDS)

_TEXT = {"type": "string", "maxLength": protocol.MAX_TEXT}
_NAME = {"type": "string", "maxLength": protocol.MAX_NAME}
_ID = {"type": "string", "minLength": 1, "maxLength": protocol.MAX_ID}
_INT = {"type": "integer", "minimum": protocol.MIN_INT, "maximum": protocol.MAX_INT}
_STATUS = {"type": "string", "enum": list(STATUSES)}
_OBJECT = {"type": "object"}


def _nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


_BOARD = _query("board", {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"},
                "One of the kanban home's boards (default: the server's board).")
_TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": _ID}
_BOOL = {"type": "boolean"}


def _body(properties: dict, fields: tuple, required: tuple = ()) -> dict:
    assert set(properties) == set(fields), "the document and the checks list other fields"
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": properties, "required": list(required),
        "additionalProperties": False}}}}


_CREATE = _body({
    "title": {"type": "string", "minLength": 1, "maxLength": protocol.MAX_TITLE},
    "body": _nullable(_TEXT), "assignee": _nullable(_NAME), "tenant": _nullable(_NAME),
    "priority": _nullable(_INT),
    "workspace_kind": _nullable({"type": "string", "enum": ["scratch", "worktree", "dir"]}),
    "workspace_path": _nullable(_TEXT),
    "parents": _nullable({"type": "array", "items": _ID, "maxItems": protocol.MAX_BULK}),
    "triage": _nullable(_BOOL), "idempotency_key": _nullable(_NAME),
    "skills": _nullable({"type": "array", "maxItems": 0}),
    "max_runtime_seconds": {"nullable": True, "enum": [None]},
}, TASK_FIELDS, ("title",))

_PATCH = _body({
    "status": _nullable(_STATUS), "assignee": _nullable(_NAME), "priority": _INT,
    "title": {"type": "string", "minLength": 1, "maxLength": protocol.MAX_TITLE},
    "body": _nullable(_TEXT), "tenant": _nullable(_NAME), "result": _nullable(_TEXT),
    "block_reason": _nullable(_TEXT), "summary": _nullable(_TEXT),
    "metadata": _nullable({"type": "object", "maxProperties": 0}),
}, PATCH_FIELDS)

_BULK = _body({
    "ids": {"type": "array", "items": _ID, "minItems": 1, "maxItems": protocol.MAX_BULK},
    "status": _nullable(_STATUS), "assignee": _nullable(_NAME), "priority": _nullable(_INT),
    "archive": _BOOL,
}, BULK_FIELDS, ("ids",))

_COMMENT = _body({"body": {"type": "string", "minLength": 1, "maxLength": protocol.MAX_TEXT},
                  "author": _nullable(_NAME)}, ("body", "author"), ("body",))
_LINK = _body({"parent_id": _ID, "child_id": _ID}, ("parent_id", "child_id"),
              ("parent_id", "child_id"))


def _op(summary: str, parameters: list = (), body: dict = None) -> dict:
    op = {"summary": summary, "parameters": [_BOARD, *parameters], "responses": {
        "200": {"description": "OK", "content": {"application/json": {"schema": _OBJECT}}},
        "400": {"$ref": "#/components/responses/Error"},
        "401": {"$ref": "#/components/responses/Error"},
        "404": {"$ref": "#/components/responses/Error"},
        "409": {"$ref": "#/components/responses/Error"},
        "413": {"$ref": "#/components/responses/Error"},
        "503": {"$ref": "#/components/responses/Error"},
    }}
    if body:
        op["requestBody"] = body
    return op


def _view() -> list:
    """The view's query parameters: the page's filter traits and their limits."""
    return [_query("search", {"type": "string", "maxLength": protocol.MAX_SEARCH},
                   "Only cards whose id, title, body, assignee, tenant or result holds this "
                   "text (any case)."),
            _query("tenant", _NAME, "Only this tenant's tasks."),
            _query("assignee", _NAME, "Only this assignee's tasks ('(unassigned)': none)."),
            _query("lanes", _BOOL, "Split the columns by assignee (lane_counts).")]


def _column(summary: str, limit: int, limit_means: str) -> dict:
    """A column read under a view (``/columns/{status}`` and its ``/ids``)."""
    return _op(summary, [
        {"name": "status", "in": "path", "required": True, "schema": _STATUS}, *_view(),
        _query("lane", _NAME, "With lanes: only this lane of the column."),
        _query("offset", {"type": "integer", "minimum": 0, "maximum": protocol.MAX_INT},
               "Cards of the column to skip."),
        _query("limit", {"type": "integer", "minimum": 1, "maximum": limit}, limit_means)])


def document() -> dict:
    """The OpenAPI document, paths relative to the ``/api/plugins/kanban`` server URL."""
    archived = _query("include_archived", _BOOL, "Include archived tasks.")
    return {
        "openapi": "3.0.3",
        "info": {"title": "kanban-widget API", "version": __version__, "description": (
            "A Hermes-compatible kanban board over HTTP. Every route needs "
            "'Authorization: Bearer <token>'. Request bodies are at most "
            f"{MAX_BODY} bytes. Errors are JSON: {{\"error\": code, \"message\": text, "
            "\"detail\": text}} (detail as Hermes' dashboard answers).")},
        "servers": [{"url": "/api/plugins/kanban"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "An error", "content": {
                "application/json": {"schema": {
                    "type": "object", "required": ["error", "message", "detail"],
                    "properties": {"error": {"type": "string"},
                                   "message": {"type": "string"},
                                   "detail": {"type": "string"}}}}}}},
        },
        "paths": {
            "/board": {"get": _op("The whole board, by column", [
                _query("tenant", _NAME, "Only this tenant's tasks."), archived])},
            "/tasks": {"post": _op("Create a task", body=_CREATE)},
            "/tasks/bulk": {"post": _op("The same edit for many tasks", body=_BULK)},
            "/tasks/{task_id}": {
                "get": _op("A task with its comments, events and links", [_TASK_ID]),
                "patch": _op("Edit and move a task", [_TASK_ID], _PATCH)},
            "/tasks/{task_id}/comments": {"post": _op("Comment on a task", [_TASK_ID],
                                                      _COMMENT)},
            "/tasks/{task_id}/log": {"get": _op("The worker log (this board keeps none)", [
                _TASK_ID, _query("tail", {"type": "integer", "minimum": 1, "maximum": 2_000_000},
                                 "Most bytes of the log's end.")])},
            "/links": {
                "post": _op("Make a task wait for another", body=_LINK),
                "delete": _op("Remove a link", [
                    _query("parent_id", _ID, "The parent task.", True),
                    _query("child_id", _ID, "The child task.", True)])},
            "/dispatch": {"post": _op("One dispatcher pass (a dry run without a dispatcher)", [
                _query("dry_run", _BOOL, "Only say what a pass would do."),
                _query("max", {"type": "integer", "minimum": 0,
                               "maximum": protocol.MAX_SPAWN, "default": DEFAULT_DISPATCH_MAX},
                       "Most workers to start.")])},
            "/config": {"get": _op("Display defaults")},
            "/stats": {"get": _op("Tasks per status and assignee")},
            "/assignees": {"get": _op("Assignees of tasks not archived")},
            "/events": {"get": _op("Events after a cursor", [
                _query("since", {"type": "integer", "minimum": 0, "maximum": protocol.MAX_INT},
                       "The last event id the client has."),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_EVENTS},
                       "Most events to return.")])},
            "/snapshot": {"get": _op("The board under a view as the widget holds it",
                                     [*_view(), archived])},
            "/cards": {"get": _op("Cards by id", [
                _query("ids", {"type": "string", "minLength": 1}, "Ids, comma-separated.",
                       True)])},
            "/columns/{status}": {"get": _column("A window of one column under a view",
                                                 MAX_WINDOW, "Most cards in the window.")},
            "/columns/{status}/ids": {"get": _column(
                "Ids of one column's cards under a view", protocol.MAX_BULK,
                "Most ids to return.")},
            "/boards": {"get": _op("The boards ?board= may name")},
            "/openapi.json": {"get": _op("This document")},
        },
    }

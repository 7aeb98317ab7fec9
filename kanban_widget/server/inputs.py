"""Reading what a request sends, strictly: the body (size-limited JSON object), its fields, and
query parameters.

Every check raises :class:`~.errors.ApiError` (400, or 413 for a body over :data:`MAX_BODY`)
naming the field and what it must be; nothing reaches the store before the whole request has
passed. Text and number checks are the widget protocol's own
(:func:`kanban_widget.protocol.check_text`, :func:`~kanban_widget.protocol.check_int`), so a
title the page may send is exactly a title the API accepts.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from starlette.requests import HTTPConnection, Request

from .. import protocol
from ..protocol import BadMessage, echo, type_word
from ..store import STATUSES, windows
from .errors import TOO_LARGE, ApiError, bad_request

MAX_BODY = 1_048_576
"""Largest request body, in bytes (1 MiB): room for a 100,000-character body or a bulk edit
of 10,000 ids, and no more."""

#: A value that is not given (distinct from JSON null).
MISSING = object()


async def read_json(request: Request) -> dict:
    """The request's body as a JSON object, read at most :data:`MAX_BODY` bytes far."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise too_large(int(declared))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise too_large(size)
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise bad_request("the request needs a JSON object as its body (Content-Type: "
                          "application/json)")
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise bad_request(f"the body is not valid JSON in UTF-8 ({_short(exc)}); send a JSON "
                          "object") from None
    if not isinstance(body, dict):
        raise bad_request(f"the body must be a JSON object, not {type_word(body)}")
    return body


def too_large(size: int) -> ApiError:
    return ApiError(413, TOO_LARGE, f"the body is {size} bytes or more; the limit is "
                                    f"{MAX_BODY} bytes (1 MiB): send less at once")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _short(exc: Exception) -> str:
    return protocol.echo(str(exc), 80).strip("'\"")


def only_fields(body: dict, allowed: tuple, what: str) -> None:
    """Refuse a body with fields outside ``allowed`` (a typo must not pass silently)."""
    unknown = sorted(str(k) for k in body if k not in allowed)
    if unknown:
        raise bad_request(f"{what}: unknown field(s) {echo(', '.join(unknown))}; the fields are "
                          f"{', '.join(allowed)}")


def _guard(func, *args):
    try:
        return func(*args)
    except BadMessage as exc:
        raise bad_request(str(exc)) from None


def text(body: dict, name: str, limit: int, *, what: str, required: bool = False,
         nullable: bool = True, default: Any = None) -> Any:
    """A string field of at most ``limit`` characters of storable text."""
    value = body.get(name, MISSING)
    if value is MISSING or (value is None and nullable and not required):
        if required:
            raise bad_request(f"{what}: field {name!r} is required")
        return default
    if not isinstance(value, str):
        raise bad_request(f"{what}: field {name!r} must be a string"
                          f"{' or null' if nullable else ''}, not {echo(value)}")
    return _guard(protocol.check_text, f"{what}: field {name!r}", value, limit)


def whole(body: dict, name: str, *, what: str, default: Any = None, low: int = protocol.MIN_INT,
          high: int = protocol.MAX_INT, nullable: bool = False) -> Any:
    """A whole-number field within ``low..high`` (SQLite's range by default)."""
    value = body.get(name, MISSING)
    if value is MISSING or (value is None and nullable):
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{what}: field {name!r} must be a whole number, not {echo(value)}")
    return _guard(protocol.check_int, f"{what}: field {name!r}", value, low, high)


def flag(body: dict, name: str, *, what: str, default: bool = False) -> bool:
    """A boolean field."""
    value = body.get(name, MISSING)
    if value is MISSING or value is None:
        return default
    if not isinstance(value, bool):
        raise bad_request(f"{what}: field {name!r} must be true or false, not {echo(value)}")
    return value


def id_list(body: dict, name: str, *, what: str, required: bool = False,
            limit: int = protocol.MAX_BULK) -> list:
    """A list of task ids: non-empty strings of at most ``MAX_ID`` characters, at most
    ``limit`` of them, duplicates dropped."""
    value = body.get(name, MISSING)
    if value is MISSING or value is None:
        if required:
            raise bad_request(f"{what}: {name} is required (a list of task ids)")
        return []
    if not isinstance(value, list):
        raise bad_request(f"{what}: field {name!r} must be an array of task ids, not "
                          f"{echo(value)}")
    if len(value) > limit or (required and not value):
        raise bad_request(f"{what}: {name} must hold 1 to {limit} ids, not {len(value)}")
    for i, item in enumerate(value):
        task_id(item, f"{what}: {name}[{i}]")
    return list(dict.fromkeys(value))


def task_id(value: Any, what: str = "task id") -> str:
    """A task id: 1 to ``MAX_ID`` characters of text."""
    if not isinstance(value, str) or not value:
        raise bad_request(f"{what} must be a non-empty string, not {echo(value)}")
    return _guard(protocol.check_text, what, value, protocol.MAX_ID)


def status(value: Any, what: str) -> str:
    """One of the board's statuses."""
    if not isinstance(value, str) or value not in STATUSES:
        raise bad_request(f"{what}: unknown status {echo(value)}; use one of "
                          f"{', '.join(STATUSES)}")
    return value


# -- query parameters -------------------------------------------------------------------------


def query_text(request: Request, name: str, limit: int, default: Optional[str] = None
               ) -> Optional[str]:
    """A query parameter as text of at most ``limit`` characters (given once)."""
    values = request.query_params.getlist(name)
    if not values:
        return default
    if len(values) > 1:
        raise bad_request(f"query parameter {name!r} is given {len(values)} times; give it once")
    return _guard(protocol.check_text, f"query parameter {name!r}", values[0], limit)


def query_bool(request: Request, name: str, default: bool = False) -> bool:
    """A query parameter as a boolean: true/false, 1/0, yes/no (any case)."""
    value = query_text(request, name, 8)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise bad_request(f"query parameter {name!r} is {echo(value)}; use true or false")


def query_int(request: Request, name: str, default: int, low: int, high: int,
              *, required: bool = False) -> int:
    """A query parameter as a whole number within ``low..high``."""
    value = query_text(request, name, 24)
    if value is None:
        if required:
            raise bad_request(f"query parameter {name!r} is required")
        return default
    stripped = value.strip()
    digits = stripped[1:] if stripped[:1] in "+-" else stripped
    if not digits.isascii() or not digits.isdigit():
        raise bad_request(f"query parameter {name!r} is {echo(value)}; it must be a whole "
                          f"number from {low} to {high}")
    number = int(stripped)
    if not low <= number <= high:
        raise bad_request(f"query parameter {name!r} is {number}; it must be from {low} to "
                          f"{high}")
    return number


def query_view(request: HTTPConnection) -> windows.View:
    """The view a request asks for (``?search=&tenant=&assignee=&lanes=&include_archived=``):
    the page's filter traits, checked by the same rules (:data:`protocol.MAX_SEARCH`,
    :data:`protocol.MAX_NAME`). ``request`` is a Request or a WebSocket (both have
    ``query_params``)."""
    return windows.View(
        search=query_text(request, "search", protocol.MAX_SEARCH, "") or "",
        tenant=query_text(request, "tenant", protocol.MAX_NAME, "") or "",
        assignee=query_text(request, "assignee", protocol.MAX_NAME, "") or "",
        lanes=query_bool(request, "lanes"),
        include_archived=query_bool(request, "include_archived"))

"""The widget's wire protocol: message names, limits, and validation of what the page sends.

Every message from the front end is untrusted input. :func:`parse_request` checks its type,
fields, field types and sizes and returns a clean dict, or raises :class:`BadMessage` naming
what is wrong; nothing reaches the store before that. ``docs/protocol.md`` describes the whole
protocol; ``js/src/protocol.js`` mirrors the names.
"""

from __future__ import annotations

from typing import Any

from .store import STATUSES

# Python -> JS
PATCH = "patch"
REPLY = "reply"

MAX_TITLE = 500
MAX_TEXT = 100_000
MAX_ID = 64
MAX_BULK = 10_000
CARD_TEXT_PREVIEW = 500

BULK_ACTIONS = ("move", "assign", "priority", "archive")


class BadMessage(ValueError):
    """A message from the front end that is malformed; it is answered with an error, never
    applied."""


# field name -> (accepted types, required, max length for strings)
_STR = (str,)
_OPT_STR = (str, type(None))
_INT = (int,)
_SPECS: dict[str, dict[str, tuple]] = {
    "move": {"task_id": (_STR, True, MAX_ID), "status": (_STR, True, 32),
             "reason": (_OPT_STR, False, MAX_TEXT), "result": (_OPT_STR, False, MAX_TEXT)},
    "create": {"title": (_STR, True, MAX_TITLE), "column": (_STR, True, 32),
               "assignee": (_OPT_STR, False, 200), "priority": ((int, type(None)), False, None),
               "parent": (_OPT_STR, False, MAX_ID), "body": (_OPT_STR, False, MAX_TEXT)},
    "update": {"task_id": (_STR, True, MAX_ID), "fields": ((dict,), True, None)},
    "comment": {"task_id": (_STR, True, MAX_ID), "body": (_STR, True, MAX_TEXT)},
    "link": {"parent": (_STR, True, MAX_ID), "child": (_STR, True, MAX_ID)},
    "unlink": {"parent": (_STR, True, MAX_ID), "child": (_STR, True, MAX_ID)},
    "bulk": {"task_ids": ((list,), True, None), "action": (_STR, True, 16),
             "value": ((str, int, type(None)), False, MAX_TEXT)},
    "detail": {"task_id": (_STR, True, MAX_ID)},
    "dispatch": {"max_spawn": ((int, type(None)), False, None)},
    "resync": {},
    "poll": {"rev": (_INT, True, None)},
}
REQUEST_TYPES = tuple(_SPECS)

_UPDATE_FIELDS = {"title": (_STR, MAX_TITLE), "body": (_OPT_STR, MAX_TEXT),
                  "assignee": (_OPT_STR, 200), "priority": (_INT, None)}


def parse_request(message: Any) -> dict:
    """Validate one message from the page and return it cleaned (unknown keys dropped).

    Raises BadMessage naming the first problem: not an object, unknown ``type``, a missing,
    mistyped or oversized field, an unknown status or bulk action.
    """
    if not isinstance(message, dict):
        raise BadMessage(f"a request must be a JSON object, not {type(message).__name__}")
    kind = message.get("type")
    if kind not in _SPECS:
        raise BadMessage(f"unknown request type {kind!r}; expected one of {', '.join(REQUEST_TYPES)}")
    request_id = message.get("id")
    if kind != "resync" and (not isinstance(request_id, str) or not 0 < len(request_id) <= MAX_ID):
        raise BadMessage(f"a {kind} request needs a string 'id' of 1 to {MAX_ID} characters")
    clean = {"type": kind, "id": request_id}
    for name, (types, required, limit) in _SPECS[kind].items():
        if name not in message or (message[name] is None and not required):
            if required:
                raise BadMessage(f"{kind}: field {name!r} is required")
            continue
        clean[name] = _check(kind, name, message[name], types, limit)
    _check_semantics(clean)
    return clean


def _check(kind: str, name: str, value: Any, types: tuple, limit: int | None) -> Any:
    if isinstance(value, bool) and bool not in types:
        raise BadMessage(f"{kind}: field {name!r} has the wrong type (bool)")
    if not isinstance(value, types):
        wanted = " or ".join(t.__name__ for t in types if t is not type(None))
        raise BadMessage(f"{kind}: field {name!r} must be {wanted}, not {type(value).__name__}")
    if isinstance(value, str) and limit is not None and len(value) > limit:
        raise BadMessage(f"{kind}: field {name!r} is {len(value)} characters; the limit is {limit}")
    return value


def _check_semantics(req: dict) -> None:
    kind = req["type"]
    if kind == "move" and req["status"] not in STATUSES:
        raise BadMessage(f"move: unknown status {req['status']!r}")
    if kind == "update":
        fields = req["fields"]
        unknown = set(fields) - set(_UPDATE_FIELDS)
        if unknown or not fields:
            raise BadMessage(f"update: fields must be some of {', '.join(_UPDATE_FIELDS)}"
                             + (f"; got {', '.join(sorted(map(str, unknown)))}" if unknown else ""))
        for name, value in fields.items():
            types, limit = _UPDATE_FIELDS[name]
            _check("update", name, value, types, limit)
    if kind == "bulk":
        ids = req["task_ids"]
        if not ids or len(ids) > MAX_BULK:
            raise BadMessage(f"bulk: task_ids must hold 1 to {MAX_BULK} ids")
        if not all(isinstance(i, str) and 0 < len(i) <= MAX_ID for i in ids):
            raise BadMessage("bulk: every task id must be a non-empty string")
        if req["action"] not in BULK_ACTIONS:
            raise BadMessage(f"bulk: unknown action {req['action']!r}; use {', '.join(BULK_ACTIONS)}")
        if req["action"] == "move" and req.get("value") not in STATUSES:
            raise BadMessage(f"bulk move: unknown status {req.get('value')!r}")
        if req["action"] == "priority" and (isinstance(req.get("value"), bool)
                                            or not isinstance(req.get("value"), int)):
            raise BadMessage("bulk priority: value must be a whole number")
    if kind == "dispatch" and req.get("max_spawn") is not None and req["max_spawn"] < 0:
        raise BadMessage("dispatch: max_spawn must be zero or more")

"""The widget's wire protocol: message names, limits, and validation of what the page sends.

Every message from the front end is untrusted input. :func:`parse_request` checks its type,
fields, field types, sizes and ranges and returns a clean dict, or raises :class:`BadMessage`
naming what is wrong; nothing reaches the store before that. ``docs/protocol.md`` describes the
whole protocol; ``js/src/protocol.js`` mirrors the names.
"""

from __future__ import annotations

from typing import Any

from .store import STATUSES, errors
from .store.vocabulary import UNASSIGNED  # noqa: F401  (part of the wire's names)

# Python -> JS
PATCH = "patch"
REPLY = "reply"
BEACON = "beacon"  # sent from a background thread: if it arrives, this host delivers them

MAX_TITLE = 500
MAX_TEXT = 100_000
MAX_ID = 64
MAX_NAME = 200
"""Longest assignee or tenant, from the page or a filter trait."""
MAX_SEARCH = 1_000
"""Longest search filter."""
MAX_STATUS = 32
"""Longest status name (a column) the page may send; unknown statuses are columns too."""
MAX_BULK = 10_000
MAX_SPAWN = 10_000
MAX_GRAPH_ROOTS = 1_000
"""Most ``roots`` a ``graph`` request may name."""
MAX_GRAPH_DEPTH = 50
MAX_GRAPH_NODES = 2_000
"""Most tasks one ``graph`` reply carries (``limit``); the page asks for fewer."""
CARD_TEXT_PREVIEW = 500
ECHO = 60
"""At most this many characters of a bad value are quoted back in an error."""
MIN_INT, MAX_INT = -(2 ** 63), 2 ** 63 - 1
"""SQLite's INTEGER range: a priority outside it cannot be stored."""

BULK_ACTIONS = ("move", "assign", "priority", "archive")


#: The wire's error codes (``reply.code``), by the store error each reports. Written out, so
#: renaming a class cannot silently change the protocol; an error of a subclass not listed is
#: sent as its nearest listed base class. ``js/src/protocol.js`` knows every one (a test checks).
ERROR_CODES = {
    errors.TaskNotFound: "TaskNotFound",
    errors.BoardNotFound: "BoardNotFound",
    errors.CycleError: "CycleError",
    errors.ValidationError: "ValidationError",
    errors.InvalidTransition: "InvalidTransition",
    errors.TaskRunning: "TaskRunning",
    errors.ReadOnlyBoard: "ReadOnlyBoard",
    errors.NotAKanbanDatabase: "NotAKanbanDatabase",
    errors.BoardGone: "BoardGone",
    errors.BoardBusy: "BoardBusy",
    errors.KanbanError: "KanbanError",
}

#: The code of a message the page sent that is outside the protocol.
BAD_MESSAGE = "BadMessage"


def error_code(exc: BaseException) -> str:
    """The wire code for a store error (see :data:`ERROR_CODES`)."""
    for cls in type(exc).__mro__:
        if cls in ERROR_CODES:
            return ERROR_CODES[cls]
    return ERROR_CODES[errors.KanbanError]


class BadMessage(ValueError):
    """A message from the front end that is malformed; it is answered with an error, never
    applied."""


def echo(value: Any, limit: int = ECHO) -> str:
    """A short, printable quote of an untrusted value for an error message.

    Strings are quoted (``repr``, so control characters and lone surrogates show as escapes)
    and cut to ``limit`` characters; whole numbers say how many digits they have when long;
    anything else is named by its type only, so a huge or deeply nested value can neither
    flood a reply nor exhaust the recursion limit.
    """
    if isinstance(value, str):
        quoted = repr(value[:limit])
        return quoted + "…" if len(value) > limit else quoted
    if value is None or isinstance(value, (bool, float)):
        return repr(value)
    if isinstance(value, int):
        # repr() of a many-thousand-digit int raises ValueError; bit_length() never does
        if value.bit_length() > 190:
            digits = int(value.bit_length() * 0.30103)  # log10(2): close enough to say "huge"
            return f"a {'negative ' if value < 0 else ''}whole number of about {digits} digits"
        text = repr(value)
        return text if len(text) <= limit else text[:limit] + "…"
    return type_word(value)


def type_word(value: Any) -> str:
    """The kind of a value as the page knows it (JSON's names): "an array", "null"..."""
    if value is None:
        return "null"
    return _TYPE_WORDS.get(type(value), f"a {type(value).__name__}")


def check_text(what: str, value: str, limit: int) -> str:
    """Return ``value`` if it is at most ``limit`` characters of storable text, else raise
    BadMessage naming ``what``.

    Storable means encodable as UTF-8: a lone surrogate (U+D800 to U+DFFF, which JSON can
    carry as ``\\udXXX``) cannot be written to SQLite.
    """
    if len(value) > limit:
        raise BadMessage(f"{what} is {len(value)} characters; the limit is {limit}")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise BadMessage(
                f"{what} holds a lone surrogate (U+{ord(value[exc.start]):04X}) at character "
                f"{exc.start}, which is not text and cannot be stored; send valid Unicode") from None
    return value


def check_int(what: str, value: int, low: int = MIN_INT, high: int = MAX_INT) -> int:
    """Return ``value`` if ``low <= value <= high``, else raise BadMessage naming ``what``."""
    if not low <= value <= high:
        why = " (SQLite's 64-bit integer range)" if (low, high) == (MIN_INT, MAX_INT) else ""
        raise BadMessage(f"{what} is {echo(value)}; it must be between {low} and {high}{why}")
    return value


# field name -> (accepted types, required, max length for strings)
_STR = (str,)
_OPT_STR = (str, type(None))
_INT = (int,)
_OPT_INT = (int, type(None))
_OPT_BOOL = (bool, type(None))
_SPECS: dict[str, dict[str, tuple]] = {
    "move": {"task_id": (_STR, True, MAX_ID), "status": (_STR, True, 32),
             "reason": (_OPT_STR, False, MAX_TEXT), "result": (_OPT_STR, False, MAX_TEXT)},
    "create": {"title": (_STR, True, MAX_TITLE), "column": (_STR, True, 32),
               "assignee": (_OPT_STR, False, MAX_NAME), "priority": (_OPT_INT, False, None),
               "parent": (_OPT_STR, False, MAX_ID), "body": (_OPT_STR, False, MAX_TEXT)},
    "update": {"task_id": (_STR, True, MAX_ID), "fields": ((dict,), True, None)},
    "comment": {"task_id": (_STR, True, MAX_ID), "body": (_STR, True, MAX_TEXT)},
    "link": {"parent": (_STR, True, MAX_ID), "child": (_STR, True, MAX_ID)},
    "unlink": {"parent": (_STR, True, MAX_ID), "child": (_STR, True, MAX_ID)},
    "bulk": {"task_ids": ((list,), True, None), "action": (_STR, True, 16),
             "value": ((str, int, type(None)), False, MAX_TEXT)},
    "detail": {"task_id": (_STR, True, MAX_ID)},
    "dispatch": {"max_spawn": (_OPT_INT, False, None)},
    "resync": {},
    "poll": {"rev": (_INT, True, None)},
    "graph": {"roots": ((list, type(None)), False, None), "depth": (_OPT_INT, False, None),
              "limit": (_OPT_INT, False, None), "archived": (_OPT_BOOL, False, None),
              "critical": (_OPT_STR, False, MAX_ID)},
    "more": {"column": (_STR, True, MAX_STATUS), "lane": (_OPT_STR, False, MAX_NAME)},
    "ids": {"column": (_STR, True, MAX_STATUS), "lane": (_OPT_STR, False, MAX_NAME)},
}
REQUEST_TYPES = tuple(_SPECS)

_UPDATE_FIELDS = {"title": (_STR, MAX_TITLE), "body": (_OPT_STR, MAX_TEXT),
                  "assignee": (_OPT_STR, MAX_NAME), "priority": (_INT, None)}


def request_id_of(message: Any) -> str | None:
    """The message's ``id`` if it is one a reply may carry back (1 to MAX_ID characters of
    valid text), else None, so a reply never echoes a huge or unencodable value."""
    request_id = message.get("id") if isinstance(message, dict) else None
    if not isinstance(request_id, str) or not request_id:
        return None
    try:
        return check_text("id", request_id, MAX_ID)
    except BadMessage:
        return None


def parse_request(message: Any) -> dict:
    """Validate one message from the page and return it cleaned (unknown keys dropped).

    Raises BadMessage naming the first problem: not an object, unknown ``type``, a missing,
    mistyped, oversized or out-of-range field, text that is not valid Unicode, an unknown
    status or bulk action. Never anything else, whatever the message holds.
    """
    if not isinstance(message, dict):
        raise BadMessage(f"a request must be a JSON object, not {type_word(message)}")
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in _SPECS:
        raise BadMessage(f"unknown request type {echo(kind)}; expected one of "
                         f"{', '.join(REQUEST_TYPES)}")
    if kind != "resync" and request_id_of(message) is None:
        raise BadMessage(f"a {kind} request needs a string 'id' of 1 to {MAX_ID} characters, "
                         f"not {echo(message.get('id'))}")
    clean = {"type": kind, "id": message.get("id")}
    for name, (types, required, limit) in _SPECS[kind].items():
        if name not in message or (message[name] is None and not required):
            if required:
                raise BadMessage(f"{kind}: field {name!r} is required")
            continue
        clean[name] = _check(f"{kind}: field {name!r}", message[name], types, limit)
    _check_semantics(clean)
    return clean


def _check(what: str, value: Any, types: tuple, limit: int | None) -> Any:
    """Check one value's type, and its length (strings) or range (whole numbers)."""
    if isinstance(value, bool) and bool not in types:
        raise BadMessage(f"{what} has the wrong type (boolean, {value!r})")
    if not isinstance(value, types):
        wanted = " or ".join(_TYPE_WORDS[t] for t in types if t is not type(None))
        raise BadMessage(f"{what} must be {wanted}, not {echo(value)}")
    if isinstance(value, str):
        return check_text(what, value, limit if limit is not None else MAX_TEXT)
    if isinstance(value, int) and not isinstance(value, bool):
        return check_int(what, value)
    return value


# Types named as the page knows them (it speaks JSON, not Python).
_TYPE_WORDS = {str: "a string", int: "a whole number", float: "a number", bool: "a boolean",
               dict: "an object", list: "an array", tuple: "an array"}


def _check_semantics(req: dict) -> None:
    kind = req["type"]
    if kind == "move" and req["status"] not in STATUSES:
        raise BadMessage(f"move: unknown status {echo(req['status'])}; use one of "
                         f"{', '.join(STATUSES)}")
    if kind == "create" and req["column"] not in STATUSES:
        raise BadMessage(f"create: unknown column {echo(req['column'])}; use one of "
                         f"{', '.join(STATUSES)}")
    if kind == "update":
        fields = req["fields"]
        unknown = [str(name) for name in fields if name not in _UPDATE_FIELDS]
        if unknown or not fields:
            got = f"; got {echo(', '.join(sorted(unknown)))}" if unknown else ""
            raise BadMessage(f"update: fields must be some of {', '.join(_UPDATE_FIELDS)}{got}")
        for name, value in fields.items():
            types, limit = _UPDATE_FIELDS[name]
            _check(f"update: field {name!r}", value, types, limit)
    if kind == "bulk":
        _check_bulk(req)
    if kind == "dispatch" and req.get("max_spawn") is not None:
        check_int("dispatch: max_spawn", req["max_spawn"], 0, MAX_SPAWN)
    if kind == "graph":
        _check_graph(req)


def _check_graph(req: dict) -> None:
    """Roots are task ids; depth and limit stay in ranges the page can draw."""
    roots = req.get("roots")
    if roots is not None:
        if len(roots) > MAX_GRAPH_ROOTS:
            raise BadMessage(f"graph: roots must hold at most {MAX_GRAPH_ROOTS} ids, not {len(roots)}")
        for i, task_id in enumerate(roots):
            if not isinstance(task_id, str) or not task_id:
                raise BadMessage(f"graph: roots[{i}] must be a non-empty string, not {echo(task_id)}")
            check_text(f"graph: roots[{i}]", task_id, MAX_ID)
    if req.get("depth") is not None:
        check_int("graph: depth", req["depth"], 0, MAX_GRAPH_DEPTH)
    if req.get("limit") is not None:
        check_int("graph: limit", req["limit"], 1, MAX_GRAPH_NODES)


def _check_bulk(req: dict) -> None:
    """Bulk values get the same checks as the single edit each action stands for."""
    ids = req["task_ids"]
    if not ids or len(ids) > MAX_BULK:
        raise BadMessage(f"bulk: task_ids must hold 1 to {MAX_BULK} ids, not {len(ids)}")
    for i, task_id in enumerate(ids):
        if not isinstance(task_id, str) or not task_id:
            raise BadMessage(f"bulk: task_ids[{i}] must be a non-empty string, not {echo(task_id)}")
        check_text(f"bulk: task_ids[{i}]", task_id, MAX_ID)
    action, value = req["action"], req.get("value")
    if action not in BULK_ACTIONS:
        raise BadMessage(f"bulk: unknown action {echo(action)}; use {', '.join(BULK_ACTIONS)}")
    if action == "move" and value not in STATUSES:
        raise BadMessage(f"bulk move: unknown status {echo(value)}; use one of "
                         f"{', '.join(STATUSES)}")
    if action == "assign" and value is not None:
        _check("bulk assign: value", value, _STR, MAX_NAME)
    if action == "priority":
        if value is None:
            raise BadMessage("bulk priority: value must be a whole number, not null")
        _check("bulk priority: value", value, _INT, None)

"""``events``: the board's history, one row per event, with payloads decoded and flattened."""

from __future__ import annotations

import json
from typing import Iterable, Optional, Union

import numpy as np
import pandas as pd

from ._source import (EVENT_ALIASES, event_task_filter, fetch_columns, open_board, text,
                      to_epoch, utc)

#: Payloads decoded per ``json.loads`` call: one call over a JSON array of many payloads costs
#: far less than one call per payload, and a bad chunk falls back to one call each.
_CHUNK = 4096

#: SQL reporting old event names under their current ones.
_KIND_SQL = "CASE kind " + " ".join(
    f"WHEN '{old}' THEN '{new}'" for old, new in EVENT_ALIASES.items()) + " ELSE kind END"


def events(src, *, since=None, kinds: Union[str, Iterable[str], None] = None,
           tenant: Optional[str] = None, assignee: Optional[str] = None) -> pd.DataFrame:
    """One row per event, in time order (``created_at``, then ``id``).

    Columns: ``id`` (int64), ``task_id``, ``kind`` (current names: ``ready`` reads as
    ``promoted``, ``priority`` as ``reprioritized``, ``spawn_auto_blocked`` as ``gave_up``),
    ``created_at`` (``datetime64[ns, UTC]``), ``payload`` (a dict; ``{}`` where the stored
    payload is NULL, not valid JSON, or not a JSON object), then one column ``payload.<key>``
    per top-level payload key found, missing where an event lacks the key.

    Rows whose payload text is identical share one dict object: copy it before mutating.

    :param src: a ``Store`` or the path of a kanban.db file.
    :param since: keep events at or after this time (datetime, Timestamp, ISO string or Unix
        seconds; naive times are UTC).
    :param kinds: keep only these kinds (current names; old names are matched too).
    :param tenant: keep only events of tasks in this tenant.
    :param assignee: keep only events of tasks now assigned to this profile
        (``"(unassigned)"`` for none).

    Raises FileNotFoundError / ValueError when ``src`` is not a kanban board.
    """
    with open_board(src) as board:
        where, params = event_task_filter(board, tenant, assignee)
        if since is not None:
            where.append("created_at >= ?")
            params.append(to_epoch(since, "since"))
        if kinds is not None:
            wanted = _stored_kinds(kinds)
            where.append(f"kind IN ({', '.join('?' * len(wanted))})" if wanted else "0")
            params += wanted
        sql = (f"SELECT id, task_id, {_KIND_SQL} AS kind, created_at,"
               # json_valid in SQL guarantees each text decodes on its own, which makes the
               # batched decode below safe: valid JSON values joined by commas stay separate.
               " CASE WHEN json_valid(payload) THEN payload END AS payload FROM task_events"
               + (" WHERE " + " AND ".join(where) if where else ""))
        ids, task_ids, kind, created, payload = fetch_columns(
            board.conn, sql,
            [("id", "int"), ("task_id", "text"), ("kind", "text"), ("created_at", "int"),
             ("payload", "text")], params)
    order = np.lexsort((ids, created))
    frame = pd.DataFrame({
        "id": ids[order],
        "task_id": text(np.asarray(task_ids, dtype=object)[order]),
        "kind": text(np.asarray(kind, dtype=object)[order]),
        "created_at": utc(created[order]),
    })
    payload_texts = np.asarray(payload, dtype=object)[order]
    dicts, flat = _decode(payload_texts)
    frame["payload"] = pd.Series(dicts, dtype=object)
    for key, column in flat.items():
        frame[f"payload.{key}"] = column
    return frame


def _stored_kinds(kinds) -> list[str]:
    """The stored kind names matching ``kinds``: each current name plus its old alias."""
    wanted = [kinds] if isinstance(kinds, str) else list(kinds)
    bad = [k for k in wanted if not isinstance(k, str)]
    if bad:
        raise TypeError(f"kinds must be event kind names (strings), got {bad!r}")
    old_names = {new: old for old, new in EVENT_ALIASES.items()}
    stored = set(wanted) | {old_names[k] for k in wanted if k in old_names}
    return sorted(stored)


def _decode(texts: np.ndarray) -> tuple[np.ndarray, dict]:
    """The payload dicts of ``texts`` ("" for none) and one column per top-level key.

    Board payloads repeat a lot (``{"status": "todo"}``, NULL), so each distinct text is
    decoded once and the results are spread back by index; the flattened columns are built
    on the distinct payloads too and spread the same way.
    """
    if len(texts) == 0:
        return np.empty(0, dtype=object), {}
    codes, uniques = pd.factorize(texts)
    decoded = _loads_all(list(uniques))
    empty = {}
    per_unique = np.empty(len(decoded) + 1, dtype=object)
    per_unique[:-1] = [d if isinstance(d, dict) else empty for d in decoded]
    per_unique[-1] = empty                                  # code -1: no payload at all
    codes = np.where(codes < 0, len(decoded), codes)
    dicts = per_unique[codes]

    values: dict = {}
    for i, d in enumerate(per_unique[:-1]):
        for key, value in d.items():
            column = values.get(key)
            if column is None:
                column = values[key] = np.full(len(per_unique), None, dtype=object)
            column[i] = value
    flat = {}
    for key in sorted(values):
        # Infer the dtype on the distinct values (small), then spread: ints with gaps become
        # float64, texts the text dtype, anything else stays object.
        small = pd.Series(values[key], dtype=object).infer_objects()
        flat[key] = small.take(codes).reset_index(drop=True)
    return dicts, flat


def _loads_all(texts: list) -> list:
    """Decode each text ("" → None); a text that does not decode gives None."""
    out: list = []
    for start in range(0, len(texts), _CHUNK):
        chunk = texts[start:start + _CHUNK]
        joined = "[" + ",".join(t if t else "null" for t in chunk) + "]"
        try:
            values = json.loads(joined)
        except ValueError:
            values = None
        if values is None or len(values) != len(chunk):
            values = [_loads_one(t) for t in chunk]
        out += values
    return out


def _loads_one(text_: str):
    if not text_:
        return None
    try:
        return json.loads(text_)
    except (ValueError, RecursionError):
        return None

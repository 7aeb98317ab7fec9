"""``events``: the board's history, one row per event, with payloads decoded and flattened."""

from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from typing import Iterable, Optional, Union

import numpy as np
import pandas as pd

from ..store.vocabulary import KIND_SQL
from ._source import (TEXT, EVENT_ALIASES, event_task_filter, fetch_columns, open_board, text,
                      to_epoch, utc)

#: Payloads decoded per ``json.loads`` call: one call over a JSON array of many payloads costs
#: far less than one call per payload, and a bad chunk falls back to one call each.
_CHUNK = 4096

_KIND_SQL = KIND_SQL  # old event names reported under their current ones


def events(src, *, since=None, kinds: Union[str, Iterable[str], None] = None,
           tenant: Optional[str] = None, assignee: Optional[str] = None,
           payload: bool = True) -> pd.DataFrame:
    """One row per event, in time order (``created_at``, then ``id``).

    Columns: ``id`` (int64), ``task_id``, ``kind`` (current names: ``ready`` reads as
    ``promoted``, ``priority`` as ``reprioritized``, ``spawn_auto_blocked`` as ``gave_up``),
    ``created_at`` (``datetime64[ns, UTC]``), ``payload`` (a dict; ``{}`` where the stored
    payload is NULL, not valid JSON, or not a JSON object), then one column ``payload.<key>``
    per top-level payload key found, missing where an event lacks the key.

    Rows with the same payload text share one dict object (so do all rows whose payload is
    ``{}``): copy a payload before mutating it.

    :param src: a ``Store`` or the path of a kanban.db file.
    :param since: keep events at or after this time (datetime, Timestamp, ISO string or Unix
        seconds; naive times are UTC).
    :param kinds: keep only these kinds (current names; rows stored under the old names
        match too, and an old name given here means its current one).
    :param tenant: keep only events of tasks in this tenant.
    :param assignee: keep only events of tasks now assigned to this profile
        (``"(unassigned)"`` for none).
    :param payload: False leaves payloads out (no ``payload`` or ``payload.*`` columns): on
        a board of a million events that takes about a third of the time.

    Raises BoardNotFound / UnreadableBoard (KanbanErrors; also FileNotFoundError /
    ValueError) when ``src`` is not a kanban board.
    """
    if not payload:
        return _events_without_payload(src, since, kinds, tenant, assignee)
    with _no_cyclic_gc():
        with open_board(src) as board:
            sql, params = _events_sql(board, since, kinds, tenant, assignee)
            ids, task_ids, kind, created, payload = fetch_columns(
                board.conn, sql,
                [("id", "int"), ("task_id", "text"), ("kind", "text"), ("created_at", "int"),
                 ("payload", "text")], params)
        order = _time_order(created, ids)
        dicts, flat = _decode(_object_array(payload)[order])
        columns = {
            "id": ids[order],
            "task_id": text(_object_array(task_ids)[order]),
            "kind": text(_object_array(kind)[order]),
            "created_at": utc(created[order]),
            "payload": pd.Series(dicts, dtype=object, copy=False),
        }
        # An explicit dtype: pandas would otherwise scan each object column to infer one. And
        # copy=False: pandas 3 copies a numpy array handed to Series by default, which for an
        # object column means a reference count bump per row.
        columns.update((f"payload.{key}", pd.Series(column, dtype=column.dtype, copy=False))
                       for key, column in flat.items())
        return pd.DataFrame(columns, copy=False)


def _events_without_payload(src, since, kinds, tenant, assignee) -> pd.DataFrame:
    with open_board(src) as board:
        sql, params = _events_sql(board, since, kinds, tenant, assignee, payload=False)
        ids, task_ids, kind, created = fetch_columns(
            board.conn, sql,
            [("id", "int"), ("task_id", "text"), ("kind", "text"), ("created_at", "int")],
            params)
    order = _time_order(created, ids)
    return pd.DataFrame({
        "id": ids[order],
        "task_id": text(_object_array(task_ids)[order]),
        "kind": text(_object_array(kind)[order]),
        "created_at": utc(created[order]),
    }, copy=False)


def _events_sql(board, since, kinds, tenant, assignee, payload=True) -> tuple[str, list]:
    """The query behind ``events`` with its filters, and its parameters."""
    where, params = event_task_filter(board, tenant, assignee)
    if since is not None:
        where.append("created_at >= ?")
        params.append(to_epoch(since, "since"))
    if kinds is not None:
        wanted = _stored_kinds(kinds)
        where.append(f"kind IN ({', '.join('?' * len(wanted))})" if wanted else "0")
        params += wanted
    sql = (f"SELECT id, task_id, {_KIND_SQL} AS kind, created_at"
           # json_valid in SQL guarantees each text decodes on its own, which makes the
           # batched decode safe: valid JSON values joined by commas stay separate.
           + (", CASE WHEN json_valid(payload) THEN payload END AS payload" if payload else "")
           + " FROM task_events" + (" WHERE " + " AND ".join(where) if where else ""))
    return sql, params


def _time_order(created: np.ndarray, ids: np.ndarray):
    """The permutation putting rows in (created_at, id) order; a no-op slice when they already
    are, as on boards whose events were appended as they happened."""
    if np.all(created[1:] >= created[:-1]) and np.all(ids[1:] > ids[:-1]):
        return slice(None)
    return np.lexsort((ids, created))


@contextmanager
def _no_cyclic_gc():
    """Pause the cyclic garbage collector while building the frame.

    Decoding a million payloads creates hundreds of thousands of dicts and lists, each
    counting towards the collector's next pass, and those passes walk the whole heap: they
    cost a quarter to a third of the time. JSON data holds no reference cycles, so the passes find
    nothing here; reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _stored_kinds(kinds) -> list[str]:
    """The stored kind names matching ``kinds``: each current name plus its old alias."""
    wanted = [kinds] if isinstance(kinds, str) else list(kinds)
    bad = [k for k in wanted if not isinstance(k, str)]
    if bad:
        raise TypeError(f"kinds must be event kind names (strings), got {bad!r}")
    current = {EVENT_ALIASES.get(k, k) for k in wanted}      # an old name asks for its new one
    old_names = {new: old for old, new in EVENT_ALIASES.items()}
    return sorted(current | {old_names[k] for k in current if k in old_names})


def _decode(texts: np.ndarray) -> tuple[np.ndarray, dict]:
    """The payload dicts of ``texts`` ("" for none) and one column per top-level key.

    Board payloads repeat a lot (``{"status": "todo"}``, NULL), so each distinct text is
    decoded once and the results are spread back by index; the flattened columns are built
    on the distinct payloads too and spread the same way.
    """
    if len(texts) == 0:
        return np.empty(0, dtype=object), {}
    codes, uniques = pd.factorize(texts)
    distinct = list(uniques)
    try:
        distinct[distinct.index("")] = "null"       # no payload: decodes to None, hence {}
    except ValueError:
        pass
    decoded = _loads_all(distinct)
    n = len(decoded)
    textless = bool((codes < 0).any())
    if textless:
        codes = np.where(codes < 0, n, codes)       # -1 (no text at all): the last slot, {}
    empty: dict = {}
    found = _collect(decoded, empty)                # also puts ``empty`` in for non-dicts
    decoded.append(empty)                           # the last slot: rows with no text
    per_unique = _object_array(decoded)
    flat = {key: _spread(*found[key], n + 1, codes, textless) for key in sorted(found)}
    return per_unique[codes], flat


def _collect(decoded: list, empty: dict) -> dict:
    """For each top-level key: the positions of the dicts holding it (not as null), its values
    there and their types. A JSON null reads as missing, like an absent key.

    Replaces each decoded value that is not a dict (a JSON list, number, text or null) by
    ``empty`` in ``decoded``, in the same pass.
    """
    # One pass over the dicts, appending to per-key lists: the dicts lie scattered in memory,
    # so passes touching each of them once per key (grouping by key set, then itemgetter) and
    # numpy object-array iteration both measured slower than this loop over a list.
    positions: dict = {}
    values: dict = {}
    for i, d in enumerate(decoded):
        if d.__class__ is not dict:
            decoded[i] = empty
            continue
        for key, value in d.items():
            try:
                positions[key].append(i)
                values[key].append(value)
            except KeyError:
                positions[key] = [i]
                values[key] = [value]
    found = {}
    for key, vals in values.items():
        pos = np.array(positions[key], dtype=np.int64)
        kinds = set(map(type, vals))
        if type(None) in kinds:                     # drop the nulls, only where there are any
            kinds.discard(type(None))
            pos = pos[np.array([v is not None for v in vals], dtype=bool)]
            vals = [v for v in vals if v is not None]
        found[key] = (pos, vals, kinds)
    return found


def _spread(positions: np.ndarray, values: list, kinds: set, n: int, codes: np.ndarray,
            textless: bool):
    """One flattened column: the key's values among the distinct payloads (of the types in
    ``kinds``), typed once on those, then spread to every row. Ints with gaps become float64
    (NaN where missing), texts the text dtype, anything else (lists, dicts, mixtures) stays
    object (None where missing). ``textless``: some rows point at the last slot (no text).
    """
    complete = len(positions) == n - 1 and not textless
    if kinds <= {int} and complete:
        try:
            small = np.zeros(n, dtype=np.int64)
            small[positions] = np.array(values, dtype=np.int64)
            return small[codes]
        except OverflowError:
            pass
    elif kinds <= {int, float}:
        try:
            small = np.full(n, np.nan)
            small[positions] = np.array(values, dtype=np.float64)
            return small[codes]
        except OverflowError:
            pass
    elif kinds <= {bool} and complete:
        small = np.zeros(n, dtype=bool)
        small[positions] = values
        return small[codes]
    if kinds <= {str}:
        # Type only the values present (a sparse key is mostly gaps), then spread with gaps.
        where = np.full(n, -1, dtype=np.int64)
        where[positions] = np.arange(len(positions))
        return pd.array(values, dtype=TEXT).take(where[codes], allow_fill=True)
    small = np.full(n, None, dtype=object)
    small[positions] = _object_array(values)
    return small[codes]


def _object_array(values) -> np.ndarray:
    """``values`` (a sized iterable) as a 1-d object array, each item one element even when it
    is a list (numpy would nest it). ``np.fromiter`` skips the shape discovery ``np.asarray``
    runs over every item, which costs more than the copy on a million texts."""
    try:
        return np.fromiter(values, dtype=object, count=len(values))
    except ValueError:                  # numpy < 1.23 builds no object arrays from iterators
        out = np.empty(len(values), dtype=object)
        for i, v in enumerate(values):
            out[i] = v
        return out


def _loads_all(texts: list) -> list:
    """Decode each text ("" → None); a text that does not decode gives None.

    An empty text makes its chunk take the slow path: callers with one to spare put "null"
    in its place."""
    out: list = []
    for start in range(0, len(texts), _CHUNK):
        chunk = texts[start:start + _CHUNK]
        joined = "[" + ",".join(chunk) + "]"
        try:
            values = json.loads(joined)
        except (ValueError, RecursionError):
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

"""Helpers shared by the store's tests: file fingerprints, raw SQL reads and event replay."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from kanban_widget.store.vocabulary import event_target

def replay(events) -> dict[str, list[str]]:
    """Each task's status history, replayed event by event (``Event`` objects, in id order)
    with the vocabulary's rule for each kind. Our store records every change with its own
    event, so this needs none of the engine's inferences."""
    history: dict[str, list[str]] = {}
    for event in sorted(events, key=lambda e: e.id):
        now = history.get(event.task_id, [None])[-1]
        status = event_target(event.kind, event.payload, now)
        if status is not None:
            history.setdefault(event.task_id, []).append(status)
    return history


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def sidecars(path) -> set[str]:
    """The -wal/-shm/-journal files beside a database file."""
    path = Path(path)
    return {p.name for p in path.parent.glob(path.name + "-*")}


def raw(path, sql: str, params=()) -> list[tuple]:
    """Rows of a query run on a separate plain connection (what another program sees)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def raw_events(path, task_id=None) -> list[tuple]:
    """``(task_id, kind, payload dict or None)`` of stored events, in id order."""
    sql = "SELECT task_id, kind, payload FROM task_events"
    rows = raw(path, sql + (" WHERE task_id = ?" if task_id else "") + " ORDER BY id",
               (task_id,) if task_id else ())
    return [(t, k, json.loads(p) if p else None) for t, k, p in rows]


def table_info(conn_or_path, table: str) -> list[tuple]:
    """``(name, type, notnull, dflt_value, pk)`` for each column, in order."""
    if isinstance(conn_or_path, sqlite3.Connection):
        rows = conn_or_path.execute(f'PRAGMA table_info("{table}")').fetchall()
    else:
        rows = raw(conn_or_path, f'PRAGMA table_info("{table}")')
    return [tuple(r)[1:] for r in rows]


def dump(path) -> list[str]:
    """The whole database as SQL text, to compare contents before and after."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def kinds(store, task_id) -> list[str]:
    return [e.kind for e in store.list_events(task_id)]

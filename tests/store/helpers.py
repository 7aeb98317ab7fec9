"""Helpers shared by the store's tests: file fingerprints, raw SQL reads and event replay."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

#: How each event kind moves a task, as DESIGN.md ("Definitions") replays history.
REPLAY = {
    "promoted": "ready", "ready": "ready", "claimed": "running", "completed": "done",
    "blocked": "blocked", "gave_up": "blocked", "spawn_auto_blocked": "blocked",
    "unblocked": "ready", "reclaimed": "ready", "crashed": "ready", "spawn_failed": "ready",
    "archived": "archived",
}


def replay(events) -> dict[str, list[str]]:
    """Each task's status history, replayed from events (``Event`` objects), in event order."""
    history: dict[str, list[str]] = {}
    for event in sorted(events, key=lambda e: e.id):
        payload = event.payload or {}
        if event.kind in ("created", "status"):
            status = payload["status"]
        elif event.kind in REPLAY:
            status = REPLAY[event.kind]
        else:
            continue
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

"""Board settings of our own (soft WIP limits), kept in the board file where Hermes ignores them.

Hermes has no place for per-board settings, and its tools read only their own tables, so ours
live in one extra table, ``kanban_widget_settings(key TEXT PRIMARY KEY, value TEXT NOT NULL)``,
``value`` being JSON. The table is created by the first write of a setting (never when a board
is opened or read, never on a read-only board): a board nobody set a limit on stays exactly the
file Hermes made. Hermes' ``init_db`` (all ``CREATE … IF NOT EXISTS``) and its queries never
name the table, so the file stays a board Hermes reads and writes (tests/store/test_settings.py
runs Hermes' own statements on such a file).

Keys in use: ``wip_limits``, ``{status: limit}``. A settings write is a commit like any other,
so other processes' boards notice it through ``PRAGMA data_version``; it writes no
``task_events`` row (a limit is about no task).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Mapping, Optional

from .errors import ValidationError
from .vocabulary import STATUSES

TABLE = "kanban_widget_settings"
WIP_LIMITS = "wip_limits"
#: The largest limit accepted: far above any board, small enough to catch a typo'd number.
MAX_WIP_LIMIT = 1_000_000

_CREATE = (f"CREATE TABLE IF NOT EXISTS {TABLE} "
           "(key TEXT PRIMARY KEY, value TEXT NOT NULL)")


def read_setting(conn: sqlite3.Connection, key: str) -> Any:
    """The JSON value stored under ``key``, or None (no such key, no table, or text that is
    not JSON: a hand-edited value is ignored rather than breaking the board)."""
    try:
        row = conn.execute(f"SELECT value FROM {TABLE} WHERE key = ?", (key,)).fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise
    if row is None:
        return None
    try:
        return json.loads(row[0])
    except (TypeError, ValueError):
        return None


def write_setting(conn: sqlite3.Connection, key: str, value: Any) -> None:
    """Store ``value`` (JSON-able) under ``key``, creating the table on first use; None
    removes the key. Must run inside the store's write transaction."""
    if value is None:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                        (TABLE,)).fetchone():
            conn.execute(f"DELETE FROM {TABLE} WHERE key = ?", (key,))
        return
    conn.execute(_CREATE)
    conn.execute(f"INSERT INTO {TABLE} (key, value) VALUES (?, ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 (key, json.dumps(value, sort_keys=True)))


def check_wip_limits(limits: Any, present: set[str]) -> dict[str, int]:
    """``limits`` as stored: ``{status: int}``, or ValidationError naming the first problem.

    A status must be one Hermes knows or one a task on this board has (``present``); a limit
    a whole number from 0 to MAX_WIP_LIMIT. A value of None drops that status's limit.
    """
    if not isinstance(limits, Mapping):
        raise ValidationError(
            f"WIP limits must be a dict of status -> whole number, e.g. {{'running': 5}}, not "
            f"{type(limits).__name__}")
    clean: dict[str, int] = {}
    for status, limit in limits.items():
        if not isinstance(status, str) or (status not in STATUSES and status not in present):
            known = ", ".join(list(STATUSES) + sorted(present - set(STATUSES)))
            raise ValidationError(f"WIP limit for unknown status {status!r}; use one of {known}")
        if limit is None:
            continue
        if isinstance(limit, bool) or not isinstance(limit, int) \
                or not 0 <= limit <= MAX_WIP_LIMIT:
            raise ValidationError(
                f"WIP limit for {status!r} is {limit!r}; give a whole number from 0 to "
                f"{MAX_WIP_LIMIT} (or None to remove it)")
        clean[status] = int(limit)
    return clean


def stored_wip_limits(conn: sqlite3.Connection) -> dict[str, int]:
    """The limits in the file, leaving out entries that are not ``{str: int >= 0}`` (the table
    is ours, but anyone can write to a SQLite file)."""
    value = read_setting(conn, WIP_LIMITS)
    if not isinstance(value, dict):
        return {}
    return {status: limit for status, limit in value.items()
            if isinstance(status, str) and isinstance(limit, int)
            and not isinstance(limit, bool) and 0 <= limit <= MAX_WIP_LIMIT}


class Settings:
    """The board's own settings (its soft WIP limits): ``store.settings``."""

    def __init__(self, store):
        self.store = store

    def wip_limits(self) -> dict[str, int]:
        """The board's soft WIP limits, ``{status: limit}`` (``{}`` when none were set)."""
        with self.store.reading() as conn:
            return stored_wip_limits(conn)

    def set_wip_limits(self, limits: Mapping[str, Optional[int]], *,
                       replace: bool = True) -> dict[str, int]:
        """Store soft WIP limits; all of the board's limits afterwards (see
        :meth:`Store.set_wip_limits`)."""
        with self.store.atomic() as conn:
            present = {row[0] for row in conn.execute("SELECT DISTINCT status FROM tasks")}
            changes = check_wip_limits(limits, present)
            merged = {} if replace else stored_wip_limits(conn)
            for status, limit in limits.items():
                merged.pop(status, None)
                if status in changes:
                    merged[status] = changes[status]
            if merged == stored_wip_limits(conn):
                return merged  # no commit: other boards are not woken, no table is made
            write_setting(conn, WIP_LIMITS, merged)
            return merged

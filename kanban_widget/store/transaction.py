"""``Transaction``: one open write transaction, as the verbs see it.

:meth:`Store.transaction` hands one out inside :meth:`Store.atomic`. It carries what every
write needs (the connection, the store's clock, event writing, task look-ups) so the nouns and
the transition engine never reach into the store's own attributes.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Callable, Optional

from .errors import TaskNotFound
from .models import Task


class Transaction:
    """An open write transaction on one board (everything written through it commits
    together, with its events, or not at all).

    ``conn`` is the store's connection, inside ``BEGIN IMMEDIATE`` or a savepoint; ``path`` the
    board file (for error messages); ``now()`` the store's clock in integer seconds;
    ``new_task_id()`` a fresh, unused task id.
    """

    def __init__(self, conn: sqlite3.Connection, *, path: Path, now: Callable[[], int],
                 new_task_id: Callable[[], str]):
        self.conn = conn
        self.path = path
        self.now = now
        self.new_task_id = new_task_id

    def event(self, task_id: str, kind: str, payload: Optional[dict] = None) -> None:
        """Append one event. An empty payload is stored as NULL, as Hermes does."""
        self.conn.execute(
            "INSERT INTO task_events (task_id, kind, payload, created_at) VALUES (?, ?, ?, ?)",
            (task_id, kind, json.dumps(payload, ensure_ascii=False) if payload else None,
             self.now()),
        )

    def get_task(self, task_id: str) -> Optional[Task]:
        """The task with this id as this transaction sees it, or None."""
        row = self.conn.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
        return Task.from_row(row) if row else None

    def task(self, task_id: str) -> Task:
        """The task with this id; raises TaskNotFound."""
        task = self.get_task(task_id)
        if task is None:
            raise TaskNotFound(task_id, self.path)
        return task

    def statuses(self, ids: list[str]) -> dict[str, str]:
        """``{id: status}`` for those of ``ids`` that exist."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(f"SELECT id, status FROM tasks WHERE id IN ({marks})", ids)
        return {r[0]: r[1] for r in rows}

    def task_columns(self) -> set:
        """The ``tasks`` columns the board has now (another program may migrate it, so this is
        asked again in every transaction that needs it)."""
        return {r[1] for r in self.conn.execute("PRAGMA table_info(tasks)")}

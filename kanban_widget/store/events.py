"""The event log: every change's history, read per task or as the live feed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .models import Event

if TYPE_CHECKING:
    from .store import Store


class Events:
    """Reading ``task_events``: ``store.events``. (Events are written by the verbs, through
    :meth:`Transaction.event`.)"""

    def __init__(self, store: Store):
        self.store = store
        self.has_run_id: Optional[bool] = None  # asked of the file on first use

    def forget_columns(self) -> None:
        """The store opened another file: ask its columns again."""
        self.has_run_id = None

    def of(self, task_id: Optional[str] = None) -> list[Event]:
        """Events of one task (or of the whole board), oldest first."""
        if task_id is None:
            rows = self.store.query("SELECT * FROM task_events ORDER BY created_at, id")
        else:
            rows = self.store.query(
                "SELECT * FROM task_events WHERE task_id = ? ORDER BY created_at, id", (task_id,))
        return [Event.from_row(r) for r in rows]

    def since(self, cursor: int, limit: int) -> list[Event]:
        """Up to ``limit`` events with an id above ``cursor``, in id order: the live feed."""
        rows = self.store.query(  # plain tuples: this feeds the live board
            f"SELECT {self.columns()} FROM task_events WHERE id > ? ORDER BY id LIMIT ?",
            (int(cursor), int(limit)), plain=True)
        from_values = Event.from_values
        return [from_values(*r) for r in rows]

    def columns(self) -> str:
        """The columns :meth:`Event.from_values` takes, ``run_id`` read where the board has it
        (Hermes v1.1 added it)."""
        if self.has_run_id is None:
            names = {r[1] for r in self.store.query("PRAGMA table_info(task_events)")}
            self.has_run_id = "run_id" in names
        return "id, task_id, kind, payload, created_at, " + ("run_id" if self.has_run_id else "NULL")

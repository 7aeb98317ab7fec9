"""Moves: a task changing status, as a drag on the board does and as Hermes' status verbs do.

Each verb is one transaction; the rules themselves are the transition engine's
(:mod:`.transitions`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .models import Task
from .tasks import check_status
from .transitions import Transitions

if TYPE_CHECKING:
    from .store import Store


class Moves:
    """Status changes: ``store.moves``."""

    def __init__(self, store: Store):
        self.store = store

    def move(self, task_id: str, status: str, *, reason: Optional[str], result: Optional[str],
             ttl_seconds: int) -> Task:
        """Move a task as a drag does and return it (the rules: :meth:`Store.move_task`)."""
        check_status(status)
        with self.store.transaction() as tx:
            task = tx.task(task_id)
            if task.status == status:
                return task
            Transitions(tx).move(task, status, reason=reason, result=result,
                                 ttl_seconds=ttl_seconds)
            return tx.task(task_id)

    def recompute_ready(self) -> int:
        """Promote every todo task whose parents are all done; returns how many."""
        with self.store.transaction() as tx:
            return len(Transitions(tx).promote())

    # -- Hermes' status verbs: False, not an error, when the task cannot take them ---------------

    def complete(self, task_id: str, *, result: Optional[str]) -> bool:
        """running, ready or blocked → done, children promoted in the same transaction."""
        with self.store.transaction() as tx:
            task = tx.get_task(task_id)
            if task is None or task.status not in ("running", "ready", "blocked"):
                return False
            engine = Transitions(tx)
            engine.set_done(task_id, result)
            engine.promote_children(task_id)
            return True

    def block(self, task_id: str, *, reason: Optional[str]) -> bool:
        """running or ready → blocked."""
        with self.store.transaction() as tx:
            task = tx.get_task(task_id)
            if task is None or task.status not in ("running", "ready"):
                return False
            Transitions(tx).set_status(task_id, "blocked")
            tx.event(task_id, "blocked", {"reason": reason})
            return True

    def unblock(self, task_id: str) -> bool:
        """blocked → ready, or → todo while a parent is not done."""
        with self.store.transaction() as tx:
            task = tx.get_task(task_id)
            if task is None or task.status != "blocked":
                return False
            engine = Transitions(tx)
            engine.set_status(task_id, "ready")
            engine.reset_failures(task_id)
            tx.event(task_id, "unblocked")
            engine.demote_waiting([task_id])
            return True

    def archive(self, task_id: str) -> bool:
        """Any status but archived → archived, releasing any claim."""
        with self.store.transaction() as tx:
            task = tx.get_task(task_id)
            if task is None or task.status == "archived":
                return False
            engine = Transitions(tx)
            engine.set_status(task_id, "archived")
            tx.event(task_id, "archived")
            engine.after_status_change(task.status, task_id, "archived")
            return True

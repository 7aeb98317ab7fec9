"""Bulk changes: one change applied to many tasks in one transaction, each task on its own.

What the page's bulk bar and ``kanban-widget bulk`` do. The write lock is taken once (a held
lock costs one wait and BoardBusy, not one wait per task) and other readers see the batch land
at once; each task is a savepoint inside it, so a task the store refuses is left as it was and
reported, and the others still change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional

from .errors import KanbanError, ValidationError
from .models import BulkResult, Task
from .tasks import UNSET, check_status, clean_priority

if TYPE_CHECKING:
    from .store import Store


class Bulk:
    """Many tasks, one change: ``store.bulk_changes``."""

    def __init__(self, store: Store):
        self.store = store

    def apply(self, task_ids: Iterable[str], *, status: Optional[str], assignee, priority,
              archive: bool) -> list[BulkResult]:
        """Apply the change to each task in order (see :meth:`Store.bulk`)."""
        if isinstance(task_ids, str):
            raise ValidationError(
                f"bulk takes a list of task ids, not the single string {task_ids!r}")
        ids = list(task_ids)
        edits = {name: value for name, value in (("assignee", assignee), ("priority", priority))
                 if value is not UNSET}
        check_change(status, edits, archive)
        target = "archived" if archive else status
        results = []
        with self.store.atomic():
            for task_id in ids:
                try:
                    with self.store.atomic():  # a savepoint: a refusal undoes only this task
                        task = self.change_one(task_id, edits, target)
                except KanbanError as exc:
                    results.append(BulkResult(task_id, False, error=str(exc)))
                else:
                    results.append(BulkResult(task_id, True, task=task))
        return results

    def change_one(self, task_id: str, edits: dict, target: Optional[str]) -> Task:
        """One task's change, through the single-task verbs (so the same rules and events):
        its edits first, then its move."""
        task = self.store.update_task(task_id, **edits)  # also raises TaskNotFound
        if target is not None:
            task = self.store.move_task(task_id, target)
        return task


def check_change(status: Optional[str], edits: dict, archive: bool) -> None:
    """Refuse, before anything is written, a bulk change that is empty, contradictory or
    would be refused for every task (an unknown status, a priority that is not a number)."""
    if status is not None and archive:
        raise ValidationError("give status or archive=True, not both: archiving is a move to "
                              "archived")
    if status is None and not archive and not edits:
        raise ValidationError("a bulk change needs status, assignee, priority or archive=True")
    if status is not None:
        check_status(status)
    if "priority" in edits:
        clean_priority(edits["priority"])

"""Dependencies between tasks: a child waits until every parent is done (or archived)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import CycleError, ValidationError
from .transitions import Transitions
from .vocabulary import SATISFIED

if TYPE_CHECKING:
    from .store import Store


class Links:
    """Linking and unlinking tasks: ``store.links``."""

    def __init__(self, store: Store):
        self.store = store

    def link(self, parent_id: str, child_id: str) -> bool:
        """Make ``child_id`` depend on ``parent_id`` (the rules: :meth:`Store.link_tasks`)."""
        if parent_id == child_id:
            raise ValidationError(f"a task cannot depend on itself ({parent_id})")
        with self.store.transaction() as tx:
            statuses = tx.statuses([parent_id, child_id])
            unknown = [t for t in (parent_id, child_id) if t not in statuses]
            if unknown:
                raise ValidationError(f"unknown task(s): {', '.join(unknown)}")
            if tx.conn.execute(
                "SELECT 1 FROM task_links WHERE parent_id = ? AND child_id = ?",
                (parent_id, child_id)).fetchone():
                return False
            cycle = tx.conn.execute(
                "WITH RECURSIVE below(id) AS ("
                "  SELECT child_id FROM task_links WHERE parent_id = :child"
                "  UNION SELECT l.child_id FROM task_links l JOIN below ON l.parent_id = below.id)"
                " SELECT 1 FROM below WHERE id = :parent LIMIT 1",
                {"child": child_id, "parent": parent_id}).fetchone()
            if cycle:
                raise CycleError(
                    f"linking {parent_id} -> {child_id} would create a cycle: "
                    f"{parent_id} already depends on {child_id}")
            tx.conn.execute(
                "INSERT INTO task_links (parent_id, child_id) VALUES (?, ?)", (parent_id, child_id))
            tx.event(child_id, "linked", {"parent": parent_id, "child": child_id})
            if statuses[child_id] == "ready" and statuses[parent_id] != "done":
                if statuses[parent_id] in SATISFIED:
                    # An archived parent: the child stays ready. Hermes demotes it and (latest)
                    # promotes it again at once; the same ``promoted`` keeps the two logs alike.
                    tx.event(child_id, "promoted")
                else:
                    Transitions(tx).demote(child_id)
            return True

    def unlink(self, parent_id: str, child_id: str) -> bool:
        """Remove a dependency and re-evaluate the child (see :meth:`Store.unlink_tasks`)."""
        with self.store.transaction() as tx:
            removed = tx.conn.execute(
                "DELETE FROM task_links WHERE parent_id = ? AND child_id = ?",
                (parent_id, child_id)).rowcount
            if not removed:
                return False
            tx.event(child_id, "unlinked", {"parent": parent_id, "child": child_id})
            Transitions(tx).promote("id = ? AND status = 'todo'", (child_id,))
            return True

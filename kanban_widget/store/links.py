"""Dependencies between tasks: a child waits until every parent is done (or archived)."""

from __future__ import annotations

from .errors import CycleError, ValidationError
from .vocabulary import SATISFIED


class LinkVerbs:
    """Linking and unlinking tasks. Mixed into :class:`Store`."""

    def link_tasks(self, parent_id: str, child_id: str) -> bool:
        """Make ``child_id`` depend on ``parent_id``. Returns False when the link existed.

        A ready child of a parent that is not done goes back to todo (with its own event).
        Raises ValidationError for a self-link or unknown ids, CycleError when the parent
        already depends on the child.
        """
        if parent_id == child_id:
            raise ValidationError(f"a task cannot depend on itself ({parent_id})")
        with self.atomic() as conn:
            statuses = self._statuses([parent_id, child_id])
            unknown = [t for t in (parent_id, child_id) if t not in statuses]
            if unknown:
                raise ValidationError(f"unknown task(s): {', '.join(unknown)}")
            if conn.execute(
                "SELECT 1 FROM task_links WHERE parent_id = ? AND child_id = ?",
                (parent_id, child_id)).fetchone():
                return False
            cycle = conn.execute(
                "WITH RECURSIVE below(id) AS ("
                "  SELECT child_id FROM task_links WHERE parent_id = :child"
                "  UNION SELECT l.child_id FROM task_links l JOIN below ON l.parent_id = below.id)"
                " SELECT 1 FROM below WHERE id = :parent LIMIT 1",
                {"child": child_id, "parent": parent_id}).fetchone()
            if cycle:
                raise CycleError(
                    f"linking {parent_id} -> {child_id} would create a cycle: "
                    f"{parent_id} already depends on {child_id}")
            conn.execute(
                "INSERT INTO task_links (parent_id, child_id) VALUES (?, ?)", (parent_id, child_id))
            self._event(child_id, "linked", {"parent": parent_id, "child": child_id})
            if statuses[child_id] == "ready" and statuses[parent_id] != "done":
                if statuses[parent_id] in SATISFIED:
                    # An archived parent: the child stays ready. Hermes demotes it and (latest)
                    # promotes it again at once; the same ``promoted`` keeps the two logs alike.
                    self._event(child_id, "promoted")
                else:
                    self._set_status(child_id, "todo")
                    self._event(child_id, "status", {"status": "todo"})
            return True

    def unlink_tasks(self, parent_id: str, child_id: str) -> bool:
        """Remove a dependency; the child is re-evaluated at once (a todo child whose remaining
        parents are all done becomes ready). Returns whether a link was removed."""
        with self.atomic() as conn:
            removed = conn.execute(
                "DELETE FROM task_links WHERE parent_id = ? AND child_id = ?",
                (parent_id, child_id)).rowcount
            if not removed:
                return False
            self._event(child_id, "unlinked", {"parent": parent_id, "child": child_id})
            self._promote("id = ? AND status = 'todo'", (child_id,))
            return True

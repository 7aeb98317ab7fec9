"""Comments on tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import ValidationError
from .models import Comment

if TYPE_CHECKING:
    from .store import Store


class Comments:
    """Task comments: ``store.comments``."""

    def __init__(self, store: Store):
        self.store = store

    def add(self, task_id: str, author: str, body: str) -> int:
        """Add a comment (with its ``commented`` event) and return its id (see
        :meth:`Store.add_comment`)."""
        if not isinstance(body, str) or not body.strip():
            raise ValidationError("comment body is required")
        if not isinstance(author, str) or not author.strip():
            raise ValidationError("comment author is required")
        with self.store.transaction() as tx:
            tx.task(task_id)
            cur = tx.conn.execute(
                "INSERT INTO task_comments (task_id, author, body, created_at) VALUES (?, ?, ?, ?)",
                (task_id, author.strip(), body.strip(), tx.now()))
            tx.event(task_id, "commented", {"author": author, "len": len(body)})
            return cur.lastrowid

    def of(self, task_id: str) -> list[Comment]:
        """The task's comments, oldest first."""
        rows = self.store.query(
            "SELECT id, task_id, author, body, created_at FROM task_comments WHERE task_id = ? "
            "ORDER BY created_at, id", (task_id,))
        return [Comment(**dict(zip(r.keys(), tuple(r)))) for r in rows]

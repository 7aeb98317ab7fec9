"""Tasks: reading, creating and editing them (moving them is :mod:`.moves`)."""

from __future__ import annotations

import secrets
import sqlite3
from typing import TYPE_CHECKING, Iterable, Optional

from .errors import TaskRunning, ValidationError
from .models import Task
from .transaction import Transaction
from .transitions import Transitions
from .vocabulary import SATISFIED, STATUSES, card_order_sql, normalize_assignee

if TYPE_CHECKING:
    from .store import Store

WORKSPACE_KINDS = ("scratch", "worktree", "dir")
#: "Leave this field as it is" for :meth:`Tasks.update` (None means "clear it").
UNSET = object()


class Tasks:
    """The board's tasks: ``store.tasks``."""

    def __init__(self, store: Store):
        self.store = store

    # -- reading -------------------------------------------------------------------------------

    def get(self, task_id: str) -> Optional[Task]:
        """The task with this id, or None."""
        rows = self.store.query("SELECT * FROM tasks WHERE id = ?", (task_id,))
        return Task.from_row(rows[0]) if rows else None

    def find(self, *, status: Optional[str], assignee: Optional[str], tenant: Optional[str],
             include_archived: bool, limit: Optional[int]) -> list[Task]:
        """Tasks by card order, filtered (see :meth:`Store.list_tasks`)."""
        where, params = [], []
        if status is not None:
            check_status(status)
            where.append("status = ?")
            params.append(status)
        elif not include_archived:
            where.append("status != 'archived'")
        if assignee is not None:
            where.append("assignee IN (?, ?)")
            params += [assignee, normalize_assignee(assignee) or assignee]
        if tenant is not None:
            where.append("tenant = ?")
            params.append(tenant)
        sql = "SELECT * FROM tasks"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY " + card_order_sql()
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [Task.from_row(r) for r in self.store.query(sql, params)]

    def parents_of(self, task_id: str) -> list[str]:
        """Ids of the tasks this one depends on."""
        return [r[0] for r in self.store.query(
            "SELECT parent_id FROM task_links WHERE child_id = ? ORDER BY parent_id", (task_id,))]

    def parents_of_all(self, task_ids: Iterable[str]) -> set[str]:
        """Ids of every task that any of ``task_ids`` depends on (one query per 500 ids)."""
        ids = list(task_ids)
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self.store.query(
                f"SELECT parent_id FROM task_links WHERE child_id IN ({marks})", chunk))
        return found

    def children_of(self, task_id: str) -> list[str]:
        """Ids of the tasks that depend on this one."""
        return [r[0] for r in self.store.query(
            "SELECT child_id FROM task_links WHERE parent_id = ? ORDER BY child_id", (task_id,))]

    # -- creating ------------------------------------------------------------------------------

    def create(self, title: str, *, body: Optional[str], assignee: Optional[str],
               tenant: Optional[str], priority: int, parents: Iterable[str], triage: bool,
               created_by: Optional[str], idempotency_key: Optional[str],
               workspace_kind: str, workspace_path: Optional[str]) -> str:
        """Create a task and return its id (the rules: :meth:`Store.create_task`)."""
        title = clean_title(title)
        priority = clean_priority(priority)
        if workspace_kind not in WORKSPACE_KINDS:
            raise ValidationError(
                f"workspace_kind must be one of {', '.join(WORKSPACE_KINDS)}, not {workspace_kind!r}")
        if isinstance(parents, str):
            parents = [parents]  # one id, not an iterable of one-letter ids
        # Blank means none, as in update_task; assignees are stored as latest Hermes' profile
        # names, so its list_tasks(assignee=...) finds them.
        assignee, tenant = normalize_assignee(assignee), tenant or None
        parent_ids = list(dict.fromkeys(p for p in parents if p))
        with self.store.transaction() as tx:
            if idempotency_key:
                row = tx.conn.execute(
                    "SELECT id FROM tasks WHERE idempotency_key = ? AND status != 'archived' "
                    "ORDER BY created_at DESC LIMIT 1", (idempotency_key,)).fetchone()
                if row:
                    return row[0]
            status = self._first_status(tx, parent_ids, triage)
            task_id = tx.new_task_id()
            tx.conn.execute(
                "INSERT INTO tasks (id, title, body, assignee, status, priority, created_by, "
                "created_at, workspace_kind, workspace_path, tenant, idempotency_key) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (task_id, title, body, assignee, status, priority, created_by, tx.now(),
                 workspace_kind, workspace_path, tenant, idempotency_key),
            )
            tx.conn.executemany(
                "INSERT OR IGNORE INTO task_links (parent_id, child_id) VALUES (?, ?)",
                [(p, task_id) for p in parent_ids],
            )
            # Hermes' payload plus the priority, so a past board knows it (time travel): readers
            # of Hermes' shape ignore a key they do not know.
            tx.event(task_id, "created", {
                "assignee": assignee, "status": status, "parents": parent_ids, "tenant": tenant,
                "priority": priority})
        return task_id

    @staticmethod
    def _first_status(tx: Transaction, parent_ids: list[str], triage: bool) -> str:
        """triage when asked, else todo while a parent is open, else ready. Raises
        ValidationError naming unknown parents."""
        statuses = tx.statuses(parent_ids)
        unknown = [p for p in parent_ids if p not in statuses]
        if unknown:
            raise ValidationError(f"unknown parent task(s): {', '.join(unknown)}")
        if triage:
            return "triage"
        if any(s not in SATISFIED for s in statuses.values()):
            return "todo"
        return "ready"

    # -- editing -------------------------------------------------------------------------------

    def update(self, task_id: str, *, title=UNSET, body=UNSET, assignee=UNSET, priority=UNSET,
               tenant=UNSET) -> Task:
        """Change any of the given fields, all or nothing (see :meth:`Store.update_task`)."""
        with self.store.transaction() as tx:
            task = tx.task(task_id)
            changes: dict = {}
            if title is not UNSET and clean_title(title) != task.title:
                changes["title"] = clean_title(title)
            if body is not UNSET and body != task.body:
                changes["body"] = body
            if tenant is not UNSET and (tenant or None) != task.tenant:
                changes["tenant"] = tenant or None
            edited = list(changes)
            if priority is not UNSET and clean_priority(priority) != task.priority:
                changes["priority"] = clean_priority(priority)
            if assignee is not UNSET and normalize_assignee(assignee) != task.assignee:
                check_reassignable(task)
                changes["assignee"] = normalize_assignee(assignee)
            if not changes:
                return task
            sets = ", ".join(f"{name} = ?" for name in changes)
            tx.conn.execute(f"UPDATE tasks SET {sets} WHERE id = ?", [*changes.values(), task_id])
            if "assignee" in changes:
                Transitions(tx).reset_failures(task_id)
            if edited:
                tx.event(task_id, "edited", {"fields": edited})
            if "assignee" in changes:
                tx.event(task_id, "assigned", {"assignee": changes["assignee"]})
            if "priority" in changes:
                tx.event(task_id, "reprioritized", {"priority": changes["priority"]})
            return tx.task(task_id)

    def assign(self, task_id: str, assignee: Optional[str]) -> bool:
        """Hermes' ``assign_task`` (see :meth:`Store.assign_task`)."""
        with self.store.transaction() as tx:
            task = tx.get_task(task_id)
            if task is None:
                return False
            check_reassignable(task)
            assignee = normalize_assignee(assignee)  # blank means unassigned, as in update_task
            tx.conn.execute("UPDATE tasks SET assignee = ? WHERE id = ?", (assignee, task_id))
            if assignee != task.assignee:
                Transitions(tx).reset_failures(task_id)
            tx.event(task_id, "assigned", {"assignee": assignee})
            return True


def new_task_id(conn: sqlite3.Connection) -> str:
    """A random task id (``t_`` + 8 hex, as Hermes makes them) no task on the board has."""
    while True:
        task_id = "t_" + secrets.token_hex(4)
        if not conn.execute("SELECT 1 FROM tasks WHERE id = ?", (task_id,)).fetchone():
            return task_id


def check_status(status: str) -> None:
    """Raise ValidationError for a status the board does not know."""
    if status not in STATUSES:
        raise ValidationError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")


def check_reassignable(task: Task) -> None:
    """Raise TaskRunning for a task running under a claim (its worker owns it)."""
    if task.status == "running" and task.claim_lock:
        raise TaskRunning(
            f"cannot reassign {task.id}: currently running (claimed by {task.claim_lock}). "
            "Wait for it to finish, or move it out of running first")


def clean_title(title) -> str:
    """The title stripped; ValidationError when it is not text or blank."""
    if not isinstance(title, str) or not title.strip():
        raise ValidationError("title is required (a task needs a non-blank title)")
    return title.strip()


def clean_priority(priority) -> int:
    """The priority as an int (a string of digits is accepted); ValidationError otherwise."""
    if isinstance(priority, bool) or not isinstance(priority, int):
        try:
            if isinstance(priority, str) and priority.strip().lstrip("-").isdigit():
                return int(priority)
        except ValueError:
            pass
        raise ValidationError(f"priority must be a whole number, not {priority!r}")
    return priority

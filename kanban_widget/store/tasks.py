"""Task verbs: create, read, edit, move (the board's drag semantics) and Hermes' status verbs.

Every verb is one transaction that also writes its events and its readiness consequences for
other tasks (see ``STORE.md``), so no reader ever sees half a change.
"""

from __future__ import annotations

import json
import secrets
import socket
import os
from typing import Iterable, Optional

from .errors import InvalidTransition, TaskNotFound, TaskRunning, ValidationError
from .models import Comment, Event, Task
from .vocabulary import (SATISFIED, SATISFIED_SQL, STATUSES, card_order_sql, normalize_assignee,
                         open_parent_sql)

WORKSPACE_KINDS = ("scratch", "worktree", "dir")
DEFAULT_CLAIM_TTL = 900
#: Statuses a task may be blocked from (STORE.md, the moves table).
BLOCKABLE = ("ready", "running", "todo", "review", "scheduled")
_UNSET = object()


def claimer_id() -> str:
    """The claim lock this process writes: ``"<host>:<pid>"``, as Hermes does."""
    return f"{socket.gethostname() or 'unknown'}:{os.getpid()}"


class TaskVerbs:
    """Creating, reading, editing and moving tasks. Mixed into :class:`Store`."""

    # -- reading -------------------------------------------------------------------------------

    def get_task(self, task_id: str) -> Optional[Task]:
        """The task with this id, or None."""
        rows = self._query("SELECT * FROM tasks WHERE id = ?", (task_id,))
        return Task.from_row(rows[0]) if rows else None

    def _task(self, task_id: str) -> Task:
        task = self.get_task(task_id)
        if task is None:
            raise TaskNotFound(task_id, self.path)
        return task

    def list_tasks(
        self,
        *,
        status: Optional[str] = None,
        assignee: Optional[str] = None,
        tenant: Optional[str] = None,
        include_archived: bool = False,
        limit: Optional[int] = None,
    ) -> list[Task]:
        """Tasks ordered by priority (highest first), then age, then id.

        Archived tasks are left out unless ``include_archived`` or ``status="archived"``.
        ``assignee`` matches as latest Hermes stores it (lower-cased) or exactly as given.
        Raises ValidationError for an unknown ``status``.
        """
        where, params = [], []
        if status is not None:
            if status not in STATUSES:
                raise ValidationError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
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
        return [Task.from_row(r) for r in self._query(sql, params)]

    def parents_of(self, task_id: str) -> list[str]:
        """Ids of the tasks this one depends on."""
        return [r[0] for r in self._query(
            "SELECT parent_id FROM task_links WHERE child_id = ? ORDER BY parent_id", (task_id,))]

    def parents_of_all(self, task_ids: Iterable[str]) -> set[str]:
        """Ids of every task that any of ``task_ids`` depends on (one query per 500 ids)."""
        ids = list(task_ids)
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self._query(
                f"SELECT parent_id FROM task_links WHERE child_id IN ({marks})", chunk))
        return found

    def children_of(self, task_id: str) -> list[str]:
        """Ids of the tasks that depend on this one."""
        return [r[0] for r in self._query(
            "SELECT child_id FROM task_links WHERE parent_id = ? ORDER BY child_id", (task_id,))]

    # -- creating ------------------------------------------------------------------------------

    def create_task(
        self,
        title: str,
        *,
        body: Optional[str] = None,
        assignee: Optional[str] = None,
        tenant: Optional[str] = None,
        priority: int = 0,
        parents: Iterable[str] = (),
        triage: bool = False,
        created_by: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        workspace_kind: str = "scratch",
        workspace_path: Optional[str] = None,
    ) -> str:
        """Create a task and return its id.

        It starts in ``triage`` when ``triage`` is true, else in ``todo`` while any parent is
        not done (archived parents count as done), else in ``ready``. The task, its links and
        its ``created`` event are one transaction. With an ``idempotency_key`` already used by
        a live task, that task's id is returned and nothing is written. The assignee is stored
        as latest Hermes stores profile names (stripped, lower-cased), so its
        ``list_tasks(assignee=...)`` finds the task.

        Raises ValidationError for a blank title, a bad priority or workspace kind, or unknown
        parents (named in the message).
        """
        title = _clean_title(title)
        priority = _clean_priority(priority)
        if workspace_kind not in WORKSPACE_KINDS:
            raise ValidationError(
                f"workspace_kind must be one of {', '.join(WORKSPACE_KINDS)}, not {workspace_kind!r}")
        if isinstance(parents, str):
            parents = [parents]  # one id, not an iterable of one-letter ids
        # Blank means none, as in update_task; assignees are stored as latest Hermes' profile
        # names, so its list_tasks(assignee=...) finds them.
        assignee, tenant = normalize_assignee(assignee), tenant or None
        parent_ids = list(dict.fromkeys(p for p in parents if p))
        with self.atomic() as conn:
            if idempotency_key:
                row = conn.execute(
                    "SELECT id FROM tasks WHERE idempotency_key = ? AND status != 'archived' "
                    "ORDER BY created_at DESC LIMIT 1", (idempotency_key,)).fetchone()
                if row:
                    return row[0]
            statuses = self._statuses(parent_ids)
            unknown = [p for p in parent_ids if p not in statuses]
            if unknown:
                raise ValidationError(f"unknown parent task(s): {', '.join(unknown)}")
            if triage:
                status = "triage"
            elif any(s not in SATISFIED for s in statuses.values()):
                status = "todo"
            else:
                status = "ready"
            task_id = self._new_id()
            conn.execute(
                "INSERT INTO tasks (id, title, body, assignee, status, priority, created_by, "
                "created_at, workspace_kind, workspace_path, tenant, idempotency_key) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (task_id, title, body, assignee, status, priority, created_by, self._now(),
                 workspace_kind, workspace_path, tenant, idempotency_key),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO task_links (parent_id, child_id) VALUES (?, ?)",
                [(p, task_id) for p in parent_ids],
            )
            self._event(task_id, "created", {
                "assignee": assignee, "status": status, "parents": parent_ids, "tenant": tenant})
        return task_id

    def _new_id(self) -> str:
        while True:
            task_id = "t_" + secrets.token_hex(4)
            if not self._conn.execute("SELECT 1 FROM tasks WHERE id = ?", (task_id,)).fetchone():
                return task_id

    def _statuses(self, ids: list[str]) -> dict[str, str]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._conn.execute(f"SELECT id, status FROM tasks WHERE id IN ({marks})", ids)
        return {r[0]: r[1] for r in rows}

    # -- editing -------------------------------------------------------------------------------

    def update_task(
        self,
        task_id: str,
        *,
        title=_UNSET,
        body=_UNSET,
        assignee=_UNSET,
        priority=_UNSET,
        tenant=_UNSET,
    ) -> Task:
        """Change any of title, body, assignee, priority and tenant, all or nothing.

        Writes ``edited {fields}`` for title/body/tenant, ``assigned {assignee}`` and
        ``reprioritized {priority}``, each only for a value that actually changed.
        Raises TaskNotFound, ValidationError (blank title, bad priority) or TaskRunning
        (reassigning a claimed running task).
        """
        with self.atomic():
            task = self._task(task_id)
            changes: dict = {}
            if title is not _UNSET and _clean_title(title) != task.title:
                changes["title"] = _clean_title(title)
            if body is not _UNSET and body != task.body:
                changes["body"] = body
            if tenant is not _UNSET and (tenant or None) != task.tenant:
                changes["tenant"] = tenant or None
            edited = list(changes)
            if priority is not _UNSET and _clean_priority(priority) != task.priority:
                changes["priority"] = _clean_priority(priority)
            if assignee is not _UNSET and normalize_assignee(assignee) != task.assignee:
                self._check_reassignable(task)
                changes["assignee"] = normalize_assignee(assignee)
            if not changes:
                return task
            sets = ", ".join(f"{name} = ?" for name in changes)
            self._conn.execute(f"UPDATE tasks SET {sets} WHERE id = ?", [*changes.values(), task_id])
            if "assignee" in changes:
                self._reset_failures(task_id)
            if edited:
                self._event(task_id, "edited", {"fields": edited})
            if "assignee" in changes:
                self._event(task_id, "assigned", {"assignee": changes["assignee"]})
            if "priority" in changes:
                self._event(task_id, "reprioritized", {"priority": changes["priority"]})
            return self._task(task_id)

    def assign_task(self, task_id: str, assignee: Optional[str]) -> bool:
        """Hermes' ``assign_task``: set (or, with None, clear) the assignee, stored as a
        latest Hermes profile name (stripped, lower-cased).

        Returns False for an unknown task. Raises TaskRunning when the task is running under a
        claim (reclaim it first).
        """
        with self.atomic():
            task = self.get_task(task_id)
            if task is None:
                return False
            self._check_reassignable(task)
            assignee = normalize_assignee(assignee)  # blank means unassigned, as in update_task
            self._conn.execute("UPDATE tasks SET assignee = ? WHERE id = ?", (assignee, task_id))
            if assignee != task.assignee:
                self._reset_failures(task_id)
            self._event(task_id, "assigned", {"assignee": assignee})
            return True

    @staticmethod
    def _check_reassignable(task: Task) -> None:
        if task.status == "running" and task.claim_lock:
            raise TaskRunning(
                f"cannot reassign {task.id}: currently running (claimed by {task.claim_lock}). "
                "Wait for it to finish, or move it out of running first")

    # -- moving --------------------------------------------------------------------------------

    def move_task(
        self,
        task_id: str,
        status: str,
        *,
        reason: Optional[str] = None,
        result: Optional[str] = None,
        ttl_seconds: int = DEFAULT_CLAIM_TTL,
    ) -> Task:
        """Move a task to ``status`` as a drag on the board does, and return it.

        The rules (STORE.md, "Moves"): ``done`` takes an optional ``result``; ``ready`` needs
        every parent done; ``running`` only from ready, as a claim by this process;
        ``blocked`` takes an optional ``reason``; leaving ``running`` releases the claim;
        moving to the current status does nothing. Children are promoted or demoted in the same
        transaction, each with its own event.

        Raises TaskNotFound, ValidationError (unknown status) or InvalidTransition (the message
        names the blocking parent or the current status).
        """
        if status not in STATUSES:
            raise ValidationError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        with self.atomic():
            task = self._task(task_id)
            if task.status == status:
                return task
            getattr(self, f"_move_to_{status}", self._move_direct)(task, status, reason, result, ttl_seconds)
            self._after_status_change(task.status, task_id, status)
            return self._task(task_id)

    def _move_to_done(self, task, status, reason, result, ttl):
        if task.status == "archived":
            raise InvalidTransition(
                f"{task.id} is archived; move it back to todo or ready before completing it")
        self._set_done(task.id, result)

    def _move_to_ready(self, task, status, reason, result, ttl):
        self._require_parents_done(task, "ready")
        self._set_status(task.id, "ready")
        if task.status == "blocked":
            self._reset_failures(task.id)
        self._event(task.id, "unblocked" if task.status == "blocked" else "status",
                    None if task.status == "blocked" else {"status": "ready"})

    def _move_to_running(self, task, status, reason, result, ttl):
        if task.status != "ready":
            raise InvalidTransition(
                f"{task.id} is {task.status}; only a ready task can start running "
                "(move it to ready first)")
        if not self._claim(task.id, ttl, claimer_id()):
            raise InvalidTransition(f"{task.id} is already claimed by {task.claim_lock}")

    def _move_to_blocked(self, task, status, reason, result, ttl):
        if task.status not in BLOCKABLE:
            raise InvalidTransition(
                f"{task.id} is {task.status}; only {', '.join(BLOCKABLE)} tasks can be blocked")
        self._set_status(task.id, "blocked")
        self._event(task.id, "blocked", {"reason": reason})

    def _move_to_archived(self, task, status, reason, result, ttl):
        self._set_status(task.id, "archived")
        self._event(task.id, "archived")

    def _move_direct(self, task, status, reason, result, ttl):
        self._set_status(task.id, status)
        self._event(task.id, "status", {"status": status})

    def _require_parents_done(self, task: Task, target: str) -> None:
        row = self._conn.execute(
            "SELECT p.id, p.title, p.status FROM task_links l JOIN tasks p ON p.id = l.parent_id "
            f"WHERE l.child_id = ? AND p.status NOT IN {SATISFIED_SQL} "
            "ORDER BY p.created_at, p.id LIMIT 1", (task.id,)).fetchone()
        if row:
            raise InvalidTransition(
                f"cannot move {task.id} to {target}: it waits for parent {row['id']} "
                f"({row['title']!r}, status {row['status']}); finish that first")

    def _set_status(self, task_id: str, status: str) -> None:
        """Write a status other than running; any claim is released."""
        self._conn.execute(
            "UPDATE tasks SET status = ?, claim_lock = NULL, claim_expires = NULL, "
            "worker_pid = NULL WHERE id = ?", (status, task_id))

    def _set_done(self, task_id: str, result: Optional[str]) -> None:
        self._conn.execute(
            "UPDATE tasks SET status = 'done', result = COALESCE(?, result), completed_at = ?, "
            "claim_lock = NULL, claim_expires = NULL, worker_pid = NULL WHERE id = ?",
            (result, self._now(), task_id))
        self._reset_failures(task_id)
        self._event(task_id, "completed", {"result_len": len(result or "")})

    def _after_status_change(self, old: str, task_id: str, new: str) -> None:
        """Keep children consistent with a parent that entered or left done/archived."""
        if (old in SATISFIED) == (new in SATISFIED):
            return
        if new in SATISFIED:
            self._promote_children(task_id)
        else:
            demoted = [r[0] for r in self._conn.execute(
                "SELECT t.id FROM task_links l JOIN tasks t ON t.id = l.child_id "
                "WHERE l.parent_id = ? AND t.status = 'ready'", (task_id,))]
            for child in demoted:
                self._set_status(child, "todo")
                self._event(child, "status", {"status": "todo"})

    def _demote_waiting(self, task_ids: list[str]) -> list[str]:
        """Send the tasks among ``task_ids`` that are ready while a parent is open back to todo,
        each with a ``status {status: todo}`` event (a task given back to the board after its
        parent was reopened must wait for that parent again)."""
        if not task_ids:
            return []
        marks = ",".join("?" * len(task_ids))
        waiting = [r[0] for r in self._conn.execute(
            f"SELECT id FROM tasks WHERE id IN ({marks}) AND status = 'ready' AND "
            f"{open_parent_sql('tasks.id')} ORDER BY id",
            list(task_ids))]
        for task_id in waiting:
            self._set_status(task_id, "todo")
            self._event(task_id, "status", {"status": "todo"})
        return waiting

    def _promote_children(self, parent_id: str) -> list[str]:
        # "+status" keeps SQLite from driving this through idx_tasks_status (every todo task
        # on the board); starting from the parent's links visits only its children.
        return self._promote(
            "id IN (SELECT child_id FROM task_links WHERE parent_id = ?) AND +status = 'todo'",
            (parent_id,))

    def _promote(self, scope: str = "status = 'todo'", params: tuple = ()) -> list[str]:
        """Promote the todo tasks in ``scope`` (a WHERE clause that includes the todo test)
        whose parents are all done: one query finds them, two batched statements write the
        promotions and their events."""
        ids = [r[0] for r in self._conn.execute(
            f"SELECT id FROM tasks WHERE {scope} AND NOT {open_parent_sql('tasks.id')} ORDER BY id",
            params)]
        if ids:
            now = self._now()
            id_list = json.dumps(ids)  # one parameter however many: json_each unpacks it
            self._conn.execute(
                "UPDATE tasks SET status = 'ready' WHERE id IN (SELECT value FROM json_each(?))",
                (id_list,))
            self._conn.execute(
                "INSERT INTO task_events (task_id, kind, payload, created_at) "
                "SELECT value, 'promoted', NULL, ? FROM json_each(?) ORDER BY key", (now, id_list))
        return ids

    def recompute_ready(self) -> int:
        """Promote every todo task whose parents are all done (archived counts as done), with a
        ``promoted`` event each, in one set-based pass. Triage is never promoted. Returns how
        many were promoted."""
        with self.atomic():
            return len(self._promote())

    # -- Hermes' status verbs ------------------------------------------------------------------

    def complete_task(self, task_id: str, *, result: Optional[str] = None) -> bool:
        """Hermes' ``complete_task``: running, ready or blocked → done, children re-evaluated in
        the same transaction. False for an unknown task or any other status."""
        with self.atomic():
            task = self.get_task(task_id)
            if task is None or task.status not in ("running", "ready", "blocked"):
                return False
            self._set_done(task_id, result)
            self._promote_children(task_id)
            return True

    def block_task(self, task_id: str, *, reason: Optional[str] = None) -> bool:
        """Hermes' ``block_task``: running or ready → blocked. False otherwise."""
        with self.atomic():
            task = self.get_task(task_id)
            if task is None or task.status not in ("running", "ready"):
                return False
            self._set_status(task_id, "blocked")
            self._event(task_id, "blocked", {"reason": reason})
            return True

    def unblock_task(self, task_id: str) -> bool:
        """Hermes' ``unblock_task``: blocked → ready, or → todo while a parent is not done.
        False when the task is unknown or not blocked."""
        with self.atomic():
            task = self.get_task(task_id)
            if task is None or task.status != "blocked":
                return False
            self._set_status(task_id, "ready")
            self._reset_failures(task_id)
            self._event(task_id, "unblocked")
            self._demote_waiting([task_id])
            return True

    def archive_task(self, task_id: str) -> bool:
        """Hermes' ``archive_task``: any status but archived → archived, releasing any claim.
        False when the task is unknown or already archived."""
        with self.atomic():
            task = self.get_task(task_id)
            if task is None or task.status == "archived":
                return False
            self._set_status(task_id, "archived")
            self._event(task_id, "archived")
            self._after_status_change(task.status, task_id, "archived")
            return True

    # -- failure counters ----------------------------------------------------------------------

    def _task_columns(self) -> set:
        """The ``tasks`` columns the board has now (another program may migrate it)."""
        return {r[1] for r in self._conn.execute("PRAGMA table_info(tasks)")}

    def _failure_columns(self) -> list:
        """The (counter, error) column pairs to keep: latest Hermes' pair where the board has
        it (the counter its circuit breaker reads, listed first), and v1's where it has that."""
        have = self._task_columns()
        return [pair for pair in (("consecutive_failures", "last_failure_error"),
                                  ("spawn_failures", "last_spawn_error")) if pair[0] in have]

    def _reset_failures(self, task_id: str) -> None:
        """Clear latest Hermes' failure counter, as its own complete, unblock and reassign do
        (a board without it keeps v1's rule: only a successful spawn clears the count)."""
        if "consecutive_failures" in self._task_columns():
            self._conn.execute("UPDATE tasks SET consecutive_failures = 0, "
                               "last_failure_error = NULL WHERE id = ?", (task_id,))

    # -- comments and events -------------------------------------------------------------------

    def add_comment(self, task_id: str, author: str, body: str) -> int:
        """Add a comment and return its id. Raises ValidationError for a blank author or body,
        TaskNotFound for an unknown task."""
        if not isinstance(body, str) or not body.strip():
            raise ValidationError("comment body is required")
        if not isinstance(author, str) or not author.strip():
            raise ValidationError("comment author is required")
        with self.atomic() as conn:
            self._task(task_id)
            cur = conn.execute(
                "INSERT INTO task_comments (task_id, author, body, created_at) VALUES (?, ?, ?, ?)",
                (task_id, author.strip(), body.strip(), self._now()))
            self._event(task_id, "commented", {"author": author, "len": len(body)})
            return cur.lastrowid

    def list_comments(self, task_id: str) -> list[Comment]:
        """The task's comments, oldest first."""
        rows = self._query(
            "SELECT id, task_id, author, body, created_at FROM task_comments WHERE task_id = ? "
            "ORDER BY created_at, id", (task_id,))
        return [Comment(**dict(zip(r.keys(), tuple(r)))) for r in rows]

    def list_events(self, task_id: Optional[str] = None) -> list[Event]:
        """Events of one task (or of the whole board), oldest first."""
        if task_id is None:
            rows = self._query("SELECT * FROM task_events ORDER BY created_at, id")
        else:
            rows = self._query(
                "SELECT * FROM task_events WHERE task_id = ? ORDER BY created_at, id", (task_id,))
        return [Event.from_row(r) for r in rows]

    def events_since(self, cursor: int, limit: int = 1000) -> list[Event]:
        """Up to ``limit`` events with an id above ``cursor``, in id order: the live feed."""
        rows = self._query(  # plain tuples: this feeds the live board
            f"SELECT {self._event_columns()} FROM task_events WHERE id > ? ORDER BY id LIMIT ?",
            (int(cursor), int(limit)), plain=True)
        from_values = Event.from_values
        return [from_values(*r) for r in rows]

    def _event_columns(self) -> str:
        """The columns :meth:`Event.from_values` takes, ``run_id`` read where the board has it
        (Hermes v1.1 added it)."""
        if getattr(self, "_has_run_id", None) is None:
            names = {r[1] for r in self._query("PRAGMA table_info(task_events)")}
            self._has_run_id = "run_id" in names
        return "id, task_id, kind, payload, created_at, " + ("run_id" if self._has_run_id else "NULL")


def _clean_title(title) -> str:
    if not isinstance(title, str) or not title.strip():
        raise ValidationError("title is required (a task needs a non-blank title)")
    return title.strip()


def _clean_priority(priority) -> int:
    if isinstance(priority, bool) or not isinstance(priority, int):
        try:
            if isinstance(priority, str) and priority.strip().lstrip("-").isdigit():
                return int(priority)
        except ValueError:
            pass
        raise ValidationError(f"priority must be a whole number, not {priority!r}")
    return priority

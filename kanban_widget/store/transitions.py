"""The transition engine: every status change the store writes, inside one :class:`Transaction`.

Moving a task, Hermes' status verbs, claims, linking and dispatch all change statuses through
this one class, so the rules of STORE.md live in one place: a status write releases any claim,
each change has its event, and a parent entering or leaving done/archived promotes or demotes
its children in the same transaction (each with its own event).
"""

from __future__ import annotations

import json
import os
import socket
from typing import Optional

from .errors import InvalidTransition
from .models import Task
from .transaction import Transaction
from .vocabulary import SATISFIED, SATISFIED_SQL, open_parent_sql

DEFAULT_CLAIM_TTL = 900
#: Statuses a task may be blocked from (STORE.md, the moves table).
BLOCKABLE = ("ready", "running", "todo", "review", "scheduled")


def claimer_id() -> str:
    """The claim lock this process writes: ``"<host>:<pid>"``, as Hermes does."""
    return f"{socket.gethostname() or 'unknown'}:{os.getpid()}"


class Transitions:
    """Status changes over one open transaction ``tx``."""

    def __init__(self, tx: Transaction):
        self.tx = tx

    # -- the board's moves (STORE.md, "Moves") -------------------------------------------------

    def move(self, task: Task, status: str, *, reason: Optional[str] = None,
             result: Optional[str] = None, ttl_seconds: int = DEFAULT_CLAIM_TTL) -> None:
        """Move ``task`` (as read in this transaction) to another ``status`` by the rule
        :attr:`MOVES` names for it, then keep its children consistent."""
        enter = self.MOVES.get(status, Transitions.enter_directly)
        enter(self, task, status, reason=reason, result=result, ttl_seconds=ttl_seconds)
        self.after_status_change(task.status, task.id, status)

    def enter_done(self, task: Task, status: str, *, result: Optional[str], **_) -> None:
        """From anything but archived: completed, with ``result`` when given."""
        if task.status == "archived":
            raise InvalidTransition(
                f"{task.id} is archived; move it back to todo or ready before completing it")
        self.set_done(task.id, result)

    def enter_ready(self, task: Task, status: str, **_) -> None:
        """Only with every parent done; from blocked it is an unblock (``unblocked``)."""
        self.require_parents_done(task, "ready")
        self.set_status(task.id, "ready")
        if task.status == "blocked":
            self.reset_failures(task.id)
            self.tx.event(task.id, "unblocked")
        else:
            self.tx.event(task.id, "status", {"status": "ready"})

    def enter_running(self, task: Task, status: str, *, ttl_seconds: int, **_) -> None:
        """Only from ready, as a claim by this process for ``ttl_seconds``."""
        if task.status != "ready":
            raise InvalidTransition(
                f"{task.id} is {task.status}; only a ready task can start running "
                "(move it to ready first)")
        if not self.claim(task.id, ttl_seconds, claimer_id()):
            raise InvalidTransition(f"{task.id} is already claimed by {task.claim_lock}")

    def enter_blocked(self, task: Task, status: str, *, reason: Optional[str], **_) -> None:
        """From the :data:`BLOCKABLE` statuses, with the ``reason``."""
        if task.status not in BLOCKABLE:
            raise InvalidTransition(
                f"{task.id} is {task.status}; only {', '.join(BLOCKABLE)} tasks can be blocked")
        self.set_status(task.id, "blocked")
        self.tx.event(task.id, "blocked", {"reason": reason})

    def enter_archived(self, task: Task, status: str, **_) -> None:
        """From anything (archived itself never reaches here: it is no move)."""
        self.set_status(task.id, "archived")
        self.tx.event(task.id, "archived")

    def enter_directly(self, task: Task, status: str, **_) -> None:
        """todo, triage, scheduled, review (and any status Hermes adds): a plain move."""
        self.set_status(task.id, status)
        self.tx.event(task.id, "status", {"status": status})

    #: How each target status is entered; a status not named here is entered directly.
    MOVES = {
        "done": enter_done,
        "ready": enter_ready,
        "running": enter_running,
        "blocked": enter_blocked,
        "archived": enter_archived,
    }

    # -- writing a status ----------------------------------------------------------------------

    def set_status(self, task_id: str, status: str) -> None:
        """Write a status other than running; any claim is released. Writes no event."""
        self.tx.conn.execute(
            "UPDATE tasks SET status = ?, claim_lock = NULL, claim_expires = NULL, "
            "worker_pid = NULL WHERE id = ?", (status, task_id))

    def set_done(self, task_id: str, result: Optional[str]) -> None:
        """Complete a task (keeping an earlier result when given none), with ``completed``."""
        self.tx.conn.execute(
            "UPDATE tasks SET status = 'done', result = COALESCE(?, result), completed_at = ?, "
            "claim_lock = NULL, claim_expires = NULL, worker_pid = NULL WHERE id = ?",
            (result, self.tx.now(), task_id))
        self.reset_failures(task_id)
        self.tx.event(task_id, "completed", {"result_len": len(result or "")})

    def claim(self, task_id: str, ttl: int, claimer: str) -> bool:
        """Compare-and-swap a ready, unclaimed task to running under ``claimer``, with a
        ``claimed`` event. Returns whether this claimer won."""
        now = self.tx.now()
        won = self.tx.conn.execute(
            "UPDATE tasks SET status = 'running', claim_lock = ?, claim_expires = ?, "
            "started_at = COALESCE(started_at, ?) "
            "WHERE id = ? AND status = 'ready' AND claim_lock IS NULL",
            (claimer, now + int(ttl), now, task_id)).rowcount == 1
        if won:
            self.tx.event(task_id, "claimed", {"lock": claimer, "expires": now + int(ttl)})
        return won

    def demote(self, task_id: str) -> None:
        """Send a task back to todo (its parent is open again), with its ``status`` event."""
        self.set_status(task_id, "todo")
        self.tx.event(task_id, "status", {"status": "todo"})

    # -- readiness -----------------------------------------------------------------------------

    def require_parents_done(self, task: Task, target: str) -> None:
        """Raise InvalidTransition naming the first parent of ``task`` that is not done."""
        row = self.tx.conn.execute(
            "SELECT p.id, p.title, p.status FROM task_links l JOIN tasks p ON p.id = l.parent_id "
            f"WHERE l.child_id = ? AND p.status NOT IN {SATISFIED_SQL} "
            "ORDER BY p.created_at, p.id LIMIT 1", (task.id,)).fetchone()
        if row:
            raise InvalidTransition(
                f"cannot move {task.id} to {target}: it waits for parent {row['id']} "
                f"({row['title']!r}, status {row['status']}); finish that first")

    def after_status_change(self, old: str, task_id: str, new: str) -> None:
        """Keep children consistent with a parent that entered or left done/archived."""
        if (old in SATISFIED) == (new in SATISFIED):
            return
        if new in SATISFIED:
            self.promote_children(task_id)
        else:
            demoted = [r[0] for r in self.tx.conn.execute(
                "SELECT t.id FROM task_links l JOIN tasks t ON t.id = l.child_id "
                "WHERE l.parent_id = ? AND t.status = 'ready'", (task_id,))]
            for child in demoted:
                self.demote(child)

    def demote_waiting(self, task_ids: list[str]) -> list[str]:
        """Send the tasks among ``task_ids`` that are ready while a parent is open back to todo,
        each with a ``status {status: todo}`` event (a task given back to the board after its
        parent was reopened must wait for that parent again)."""
        if not task_ids:
            return []
        marks = ",".join("?" * len(task_ids))
        waiting = [r[0] for r in self.tx.conn.execute(
            f"SELECT id FROM tasks WHERE id IN ({marks}) AND status = 'ready' AND "
            f"{open_parent_sql('tasks.id')} ORDER BY id",
            list(task_ids))]
        for task_id in waiting:
            self.demote(task_id)
        return waiting

    def promote_children(self, parent_id: str) -> list[str]:
        """Promote the todo children of ``parent_id`` whose parents are all done."""
        # "+status" keeps SQLite from driving this through idx_tasks_status (every todo task
        # on the board); starting from the parent's links visits only its children.
        return self.promote(
            "id IN (SELECT child_id FROM task_links WHERE parent_id = ?) AND +status = 'todo'",
            (parent_id,))

    def promote(self, scope: str = "status = 'todo'", params: tuple = ()) -> list[str]:
        """Promote the todo tasks in ``scope`` (a WHERE clause that includes the todo test)
        whose parents are all done: one query finds them, two batched statements write the
        promotions and their events."""
        conn = self.tx.conn
        ids = [r[0] for r in conn.execute(
            f"SELECT id FROM tasks WHERE {scope} AND NOT {open_parent_sql('tasks.id')} ORDER BY id",
            params)]
        if ids:
            id_list = json.dumps(ids)  # one parameter however many: json_each unpacks it
            conn.execute(
                "UPDATE tasks SET status = 'ready' WHERE id IN (SELECT value FROM json_each(?))",
                (id_list,))
            conn.execute(
                "INSERT INTO task_events (task_id, kind, payload, created_at) "
                "SELECT value, 'promoted', NULL, ? FROM json_each(?) ORDER BY key",
                (self.tx.now(), id_list))
        return ids

    # -- failure counters ----------------------------------------------------------------------

    def failure_columns(self) -> list:
        """The (counter, error) column pairs to keep: latest Hermes' pair where the board has
        it (the counter its circuit breaker reads, listed first), and v1's where it has that."""
        have = self.tx.task_columns()
        return [pair for pair in (("consecutive_failures", "last_failure_error"),
                                  ("spawn_failures", "last_spawn_error")) if pair[0] in have]

    def reset_failures(self, task_id: str) -> None:
        """Clear latest Hermes' failure counter, as its own complete, unblock and reassign do
        (a board without it keeps v1's rule: only a successful spawn clears the count)."""
        if "consecutive_failures" in self.tx.task_columns():
            self.tx.conn.execute("UPDATE tasks SET consecutive_failures = 0, "
                                 "last_failure_error = NULL WHERE id = ?", (task_id,))

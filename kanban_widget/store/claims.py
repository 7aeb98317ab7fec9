"""Claims and dispatch: how workers take ready tasks, keep them, and give them back."""

from __future__ import annotations

from typing import Any, Callable, Optional

from .models import DispatchResult, Task
from .tasks import DEFAULT_CLAIM_TTL, claimer_id
from .vocabulary import card_order_sql, open_parent_sql

DEFAULT_FAILURE_LIMIT = 5


class ClaimVerbs:
    """Claiming, heartbeats, stale-claim release and :meth:`dispatch_once`. Mixed into Store."""

    def claim_task(
        self, task_id: str, *, ttl_seconds: int = DEFAULT_CLAIM_TTL, claimer: Optional[str] = None
    ) -> Optional[Task]:
        """Compare-and-swap a ready, unclaimed task to running under ``claimer`` (default
        ``"<host>:<pid>"``) for ``ttl_seconds``. Returns the task, or None when another claimer
        won or the task is not ready."""
        with self.atomic():
            if not self._claim(task_id, ttl_seconds, claimer or claimer_id()):
                return None
            return self.get_task(task_id)

    def _claim(self, task_id: str, ttl: int, claimer: str) -> bool:
        now = self._now()
        won = self._conn.execute(
            "UPDATE tasks SET status = 'running', claim_lock = ?, claim_expires = ?, "
            "started_at = COALESCE(started_at, ?) "
            "WHERE id = ? AND status = 'ready' AND claim_lock IS NULL",
            (claimer, now + int(ttl), now, task_id)).rowcount == 1
        if won:
            self._event(task_id, "claimed", {"lock": claimer, "expires": now + int(ttl)})
        return won

    def heartbeat_claim(
        self, task_id: str, *, ttl_seconds: int = DEFAULT_CLAIM_TTL, claimer: Optional[str] = None
    ) -> bool:
        """Extend a running task's claim by ``ttl_seconds`` from now; only the claim's owner
        can. Returns whether it was extended. Writes no event (heartbeats are not history)."""
        with self.atomic() as conn:
            return conn.execute(
                "UPDATE tasks SET claim_expires = ? "
                "WHERE id = ? AND status = 'running' AND claim_lock = ?",
                (self._now() + int(ttl_seconds), task_id, claimer or claimer_id())).rowcount == 1

    def release_stale_claims(self) -> int:
        """Send every running task whose claim expired back to ready (``reclaimed``). Returns
        how many."""
        with self.atomic():
            return len(self._release_stale())

    def _release_stale(self) -> list[str]:
        rows = self._conn.execute(
            "SELECT id, claim_lock FROM tasks WHERE status = 'running' "
            "AND claim_expires IS NOT NULL AND claim_expires < ? ORDER BY id", (self._now(),)).fetchall()
        for row in rows:
            self._set_status(row["id"], "ready")
            self._event(row["id"], "reclaimed", {"stale_lock": row["claim_lock"]})
        self._demote_waiting([row["id"] for row in rows])
        return [row["id"] for row in rows]

    def dispatch_once(
        self,
        spawn: Callable[[Task], Any],
        *,
        max_spawn: Optional[int] = None,
        dry_run: bool = False,
        ttl_seconds: int = DEFAULT_CLAIM_TTL,
        failure_limit: int = DEFAULT_FAILURE_LIMIT,
    ) -> DispatchResult:
        """One dispatcher pass: reclaim stale claims, promote ready tasks, then claim each ready,
        assigned task in priority order and hand it to ``spawn(task)``, at most ``max_spawn``.

        A pid returned by ``spawn`` is recorded with a ``spawned`` event. If ``spawn`` raises,
        the claim is released (``spawn_failed``); the ``failure_limit``-th consecutive failure
        blocks the task (``gave_up``). A dry run writes nothing and calls nothing; its result
        says what a real pass would do.
        """
        if dry_run:
            return self._dispatch_plan(max_spawn)
        result = DispatchResult()
        with self.atomic():
            result.reclaimed = self._release_stale()
            result.promoted = self._promote()
        for task in self.list_tasks(status="ready"):
            if max_spawn is not None and len(result.spawned) >= max_spawn:
                break
            if task.claim_lock:
                continue
            if not task.assignee:
                result.skipped_unassigned.append(task.id)
                continue
            claimed = self.claim_task(task.id, ttl_seconds=ttl_seconds)
            if claimed is None:
                continue  # another dispatcher won the race
            try:
                pid = spawn(claimed)
            except Exception as exc:  # the worker's failure is data, not our crash
                gave_up = self._record_spawn_failure(claimed, exc, failure_limit)
                (result.auto_blocked if gave_up else result.failed).append(task.id)
                continue
            with self.atomic() as conn:
                # v1's counter resets on a successful spawn; latest's does not (it resets on
                # completion, unblock, reassignment), so only v1's is cleared here.
                conn.execute(
                    "UPDATE tasks SET worker_pid = COALESCE(?, worker_pid)"
                    + (", spawn_failures = 0, last_spawn_error = NULL"
                       if "spawn_failures" in self._task_columns() else "") + " WHERE id = ?",
                    (pid if isinstance(pid, int) and not isinstance(pid, bool) else None, task.id))
                if isinstance(pid, int) and not isinstance(pid, bool):
                    self._event(task.id, "spawned", {"pid": pid})
            result.spawned.append(task.id)
        return result

    def _record_spawn_failure(self, task: Task, exc: Exception, limit: int) -> bool:
        error = f"{type(exc).__name__}: {exc}"[:500]
        with self.atomic() as conn:
            pairs = self._failure_columns()
            row = conn.execute(
                f"SELECT {pairs[0][0]} FROM tasks WHERE id = ? AND status = 'running' "
                "AND claim_lock IS ?", (task.id, task.claim_lock)).fetchone()
            if row is None:
                return False  # it moved on meanwhile (perhaps by the spawn itself): leave it be
            failures = (row[0] or 0) + 1
            gave_up = failures >= limit
            self._set_status(task.id, "blocked" if gave_up else "ready")
            sets = ", ".join(f"{count} = ?, {error_col} = ?" for count, error_col in pairs)
            conn.execute(f"UPDATE tasks SET {sets} WHERE id = ?",
                         [v for _ in pairs for v in (failures, error)] + [task.id])
            if gave_up:
                self._event(task.id, "gave_up", {"failures": failures, "error": error})
            else:
                self._event(task.id, "spawn_failed", {"error": error, "failures": failures})
                self._demote_waiting([task.id])
        return gave_up

    def _dispatch_plan(self, max_spawn: Optional[int]) -> DispatchResult:
        """What a real pass would do, read in one snapshot without writing."""
        result = DispatchResult(dry_run=True)
        with self.reading() as conn:
            now = self._now()
            reclaimable = conn.execute(
                f"SELECT id, {open_parent_sql('tasks.id')} "
                "FROM tasks WHERE status = 'running' AND claim_expires IS NOT NULL "
                "AND claim_expires < ? ORDER BY id", (now,)).fetchall()
            result.reclaimed = [r[0] for r in reclaimable]
            result.promoted = [r[0] for r in conn.execute(
                f"SELECT id FROM tasks WHERE status = 'todo' AND NOT {open_parent_sql('tasks.id')}"
                " ORDER BY id")]
            would_be_ready = {r[0] for r in reclaimable if not r[1]} | set(result.promoted)
            marks = ",".join("?" * len(would_be_ready))
            rows = conn.execute(
                "SELECT id, assignee, claim_lock, status FROM tasks WHERE "
                f"(status = 'ready' AND claim_lock IS NULL) OR id IN ({marks or 'NULL'}) "
                f"ORDER BY {card_order_sql()}",
                list(would_be_ready)).fetchall()
        for row in rows:
            if max_spawn is not None and len(result.spawned) >= max_spawn:
                break
            if not row["assignee"]:
                result.skipped_unassigned.append(row["id"])
            else:
                result.spawned.append(row["id"])
        return result

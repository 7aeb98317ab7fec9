"""Claims and dispatch: how workers take ready tasks, keep them, and give them back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from .models import DispatchResult, Task
from .transaction import Transaction
from .transitions import Transitions, claimer_id
from .vocabulary import card_order_sql, open_parent_sql

if TYPE_CHECKING:
    from .store import Store

DEFAULT_FAILURE_LIMIT = 5


class Claims:
    """Claiming, heartbeats, stale-claim release and dispatch: ``store.claims``."""

    def __init__(self, store: Store):
        self.store = store

    def claim(self, task_id: str, *, ttl_seconds: int, claimer: Optional[str]) -> Optional[Task]:
        """Claim a ready, unclaimed task; None when another claimer won or it is not ready."""
        with self.store.transaction() as tx:
            if not Transitions(tx).claim(task_id, ttl_seconds, claimer or claimer_id()):
                return None
            return tx.get_task(task_id)

    def heartbeat(self, task_id: str, *, ttl_seconds: int, claimer: Optional[str]) -> bool:
        """Extend the claimer's own claim by ``ttl_seconds`` from now (no event)."""
        with self.store.transaction() as tx:
            return tx.conn.execute(
                "UPDATE tasks SET claim_expires = ? "
                "WHERE id = ? AND status = 'running' AND claim_lock = ?",
                (tx.now() + int(ttl_seconds), task_id, claimer or claimer_id())).rowcount == 1

    def release_stale(self) -> int:
        """Send every running task whose claim expired back to ready; returns how many."""
        with self.store.transaction() as tx:
            return len(release_stale(tx))

    # -- dispatch ------------------------------------------------------------------------------

    def dispatch_once(self, spawn: Callable[[Task], Any], *, max_spawn: Optional[int],
                      dry_run: bool, ttl_seconds: int, failure_limit: int) -> DispatchResult:
        """One dispatcher pass (the rules: :meth:`Store.dispatch_once`)."""
        if dry_run:
            return self.plan(max_spawn)
        result = DispatchResult()
        with self.store.transaction() as tx:
            result.reclaimed = release_stale(tx)
            result.promoted = Transitions(tx).promote()
        for task in self.store.tasks.find(status="ready", assignee=None, tenant=None,
                                          include_archived=False, limit=None):
            if max_spawn is not None and len(result.spawned) >= max_spawn:
                break
            if task.claim_lock:
                continue
            if not task.assignee:
                result.skipped_unassigned.append(task.id)
                continue
            claimed = self.claim(task.id, ttl_seconds=ttl_seconds, claimer=None)
            if claimed is None:
                continue  # another dispatcher won the race
            try:
                pid = spawn(claimed)
            except Exception as exc:  # the worker's failure is data, not our crash
                gave_up = self.record_spawn_failure(claimed, exc, failure_limit)
                (result.auto_blocked if gave_up else result.failed).append(task.id)
                continue
            self.record_spawn(task.id, pid)
            result.spawned.append(task.id)
        return result

    def record_spawn(self, task_id: str, pid: Any) -> None:
        """Note a successful spawn: the worker's pid (when ``spawn`` returned an int) with a
        ``spawned`` event, and v1's failure counter cleared."""
        pid = pid if isinstance(pid, int) and not isinstance(pid, bool) else None
        with self.store.transaction() as tx:
            # v1's counter resets on a successful spawn; latest's does not (it resets on
            # completion, unblock, reassignment), so only v1's is cleared here.
            tx.conn.execute(
                "UPDATE tasks SET worker_pid = COALESCE(?, worker_pid)"
                + (", spawn_failures = 0, last_spawn_error = NULL"
                   if "spawn_failures" in tx.task_columns() else "") + " WHERE id = ?",
                (pid, task_id))
            if pid is not None:
                tx.event(task_id, "spawned", {"pid": pid})

    def record_spawn_failure(self, task: Task, exc: Exception, limit: int) -> bool:
        """Release the claim of a task whose spawn raised, counting the failure; the
        ``limit``-th in a row blocks it (``gave_up``). Returns whether it gave up."""
        error = f"{type(exc).__name__}: {exc}"[:500]
        with self.store.transaction() as tx:
            engine = Transitions(tx)
            pairs = engine.failure_columns()
            row = tx.conn.execute(
                f"SELECT {pairs[0][0]} FROM tasks WHERE id = ? AND status = 'running' "
                "AND claim_lock IS ?", (task.id, task.claim_lock)).fetchone()
            if row is None:
                return False  # it moved on meanwhile (perhaps by the spawn itself): leave it be
            failures = (row[0] or 0) + 1
            gave_up = failures >= limit
            engine.set_status(task.id, "blocked" if gave_up else "ready")
            sets = ", ".join(f"{count} = ?, {error_col} = ?" for count, error_col in pairs)
            tx.conn.execute(f"UPDATE tasks SET {sets} WHERE id = ?",
                            [v for _ in pairs for v in (failures, error)] + [task.id])
            if gave_up:
                tx.event(task.id, "gave_up", {"failures": failures, "error": error})
            else:
                tx.event(task.id, "spawn_failed", {"error": error, "failures": failures})
                engine.demote_waiting([task.id])
        return gave_up

    def plan(self, max_spawn: Optional[int]) -> DispatchResult:
        """What a real pass would do, read in one snapshot without writing."""
        result = DispatchResult(dry_run=True)
        with self.store.reading() as conn:
            now = self.store.now()
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


def release_stale(tx: Transaction) -> list[str]:
    """Send every running task whose claim expired back to ready (``reclaimed``), then back to
    todo those whose parent is open again. Returns their ids."""
    engine = Transitions(tx)
    rows = tx.conn.execute(
        "SELECT id, claim_lock FROM tasks WHERE status = 'running' "
        "AND claim_expires IS NOT NULL AND claim_expires < ? ORDER BY id", (tx.now(),)).fetchall()
    for row in rows:
        engine.set_status(row["id"], "ready")
        tx.event(row["id"], "reclaimed", {"stale_lock": row["claim_lock"]})
    engine.demote_waiting([row["id"] for row in rows])
    return [row["id"] for row in rows]

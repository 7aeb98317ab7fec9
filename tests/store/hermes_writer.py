"""A board written the way each Hermes version's own verbs write it, with plain SQL.

Each verb follows ``reference/hermes-events.md`` (§1 for v0/v1, §3 for latest): the status
change it makes, the event rows it writes (kind, payload), and the changes it makes with no
event at all (a ready child demoted by ``linked``, ``spawn_failed`` written without a change…).
The writer keeps its own model of every task's status; ``tasks.status`` is what the verbs set,
so a test can compare a replay of the events with the real status of every task.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Optional

from .hermes_boards import T0, create_board

#: The version label in ``hermes_boards`` used for each event vocabulary.
BOARD_VERSION = {"v0": "v0", "v1": "v1", "latest": "latest"}
FINISHED = ("done", "archived")


class HermesWriter:
    """Writes tasks, links and events as Hermes ``version`` does. Times advance by ``tick``."""

    def __init__(self, path, version: str, start: int = T0, board_version: Optional[str] = None):
        create_board(path, board_version or BOARD_VERSION[version])
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.version, self.now = version, start
        self.latest = version == "latest"
        self.status: dict[str, str] = {}
        self.parents: dict[str, set] = {}
        self.source: dict[str, str] = {}        # latest: the status the current run was claimed from
        self.failures: dict[str, int] = {}
        self.last_block: dict[str, tuple] = {}  # latest: (block kind, recurrences)
        self.blocked_from: dict[str, str] = {}
        self._n = 0

    # -- plumbing ------------------------------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def reload(self) -> None:
        """Read statuses and links back from the file (after another writer changed it)."""
        self.status = dict(self.conn.execute("SELECT id, status FROM tasks").fetchall())
        self.parents = {t: set() for t in self.status}
        for parent, child in self.conn.execute("SELECT parent_id, child_id FROM task_links"):
            self.parents.setdefault(child, set()).add(parent)

    def tick(self, seconds: int = 1) -> None:
        self.now += seconds

    def event(self, task: str, kind: str, payload: Optional[dict] = None) -> None:
        self.conn.execute(
            "INSERT INTO task_events (task_id, kind, payload, created_at) VALUES (?, ?, ?, ?)",
            (task, kind, json.dumps(payload) if payload else None, self.now))

    def set(self, task: str, status: str) -> None:
        self.conn.execute("UPDATE tasks SET status = ? WHERE id = ?", (status, task))
        self.status[task] = status

    def children(self, task: str) -> list:
        return sorted(c for c, ps in self.parents.items() if task in ps)

    def open_parent(self, task: str, finished=FINISHED) -> bool:
        return any(self.status.get(p) not in finished for p in self.parents.get(task, ()))

    @property
    def _promote_kind(self) -> str:
        return "promoted" if self.latest else "ready"

    @property
    def _parent_ok(self) -> tuple:
        # v0/v1: children of an archived parent are never promoted; latest counts it finished.
        return FINISHED if self.latest else ("done",)

    # -- kernel verbs --------------------------------------------------------------------------

    def create(self, parents=(), *, triage=False, blocked=False, assignee=None) -> str:
        self._n += 1
        task = f"t_{self._n:08x}" if self.latest else f"t_{self._n:04x}"
        parents = [p for p in parents if p in self.status]
        if self.latest and blocked:
            status = "blocked"
        elif triage and self.version != "v0":
            status = "triage"
        elif any(self.status[p] != "done" for p in parents):
            status = "todo"        # latest: an archived parent counts as not done here
        else:
            status = "ready"
        self.conn.execute("INSERT INTO tasks (id, title, status, created_at, assignee) "
                          "VALUES (?, ?, ?, ?, ?)", (task, f"task {self._n}", status, self.now,
                                                     assignee))
        self.status[task] = status
        self.parents[task] = set(parents)
        self.conn.executemany("INSERT INTO task_links VALUES (?, ?)", [(p, task) for p in parents])
        self.event(task, "created", {"assignee": assignee, "status": status, "parents": parents,
                                     "tenant": None})
        if self.latest and blocked:
            self.event(task, "blocked", {"reason": "initial_status", "status": "blocked",
                                         "actor": "me"})
            self.last_block[task] = (None, 0)
        return task

    def link(self, parent: str, child: str) -> bool:
        if parent == child or parent in self._descendants(child):
            return False                        # a cycle: Hermes refuses it
        existed = parent in self.parents[child]
        if existed and self.latest:
            return False
        if not existed:
            self.conn.execute("INSERT INTO task_links VALUES (?, ?)", (parent, child))
            self.parents[child].add(parent)
        self.event(child, "linked", {"parent": parent, "child": child})
        if self.status[child] == "ready" and self.status[parent] != "done":
            self.set(child, "todo")             # no event of its own
        if self.latest:
            self.recompute()
        return True

    def unlink(self, parent: str, child: str) -> bool:
        if parent not in self.parents.get(child, ()):
            return False
        self.conn.execute("DELETE FROM task_links WHERE parent_id = ? AND child_id = ?",
                          (parent, child))
        self.parents[child].discard(parent)
        self.event(child, "unlinked", {"parent": parent, "child": child})
        if self.latest:
            self.recompute()
        return True

    def recompute(self) -> int:
        promoted = [t for t in sorted(self.status) if self.status[t] == "todo"
                    and not self.open_parent(t, self._parent_ok)]
        for task in promoted:
            self.set(task, "ready")
            self.event(task, self._promote_kind)
        return len(promoted)

    def claim(self, task: str) -> bool:
        status = self.status[task]
        if self.latest and self.open_parent(task) and status in ("ready", "todo"):
            # Written even when the task was not ready (then nothing changes).
            self.event(task, "claim_rejected", {"reason": "parent_not_done"})
            if status == "ready":
                self.set(task, "todo")
            return False
        if self.latest and status == "review":
            if self.open_parent(task):
                self.set(task, "todo")
                self.event(task, "dependency_wait", {"reason": "parent_not_done",
                                                     "source_status": "review"})
                return False
            self.source[task] = "review"
            self.set(task, "running")
            self.event(task, "claimed", {"lock": "h:1", "expires": self.now + 900,
                                         "run_id": 1, "source_status": "review"})
            return True
        if status != "ready":
            return False
        self.source[task] = "ready"
        self.set(task, "running")
        payload = {"lock": "h:1", "expires": self.now + 900}
        if self.latest:
            payload.update(run_id=1)
        self.event(task, "claimed", payload)
        return True

    def _rs(self, task: str) -> str:
        return "review" if self.latest and self.source.get(task) == "review" else "ready"

    def heartbeat(self, task: str) -> None:
        self.conn.execute("UPDATE tasks SET claim_expires = ? WHERE id = ?",
                          (self.now + 900, task))   # no event

    def reclaim(self, task: str) -> bool:
        if self.status[task] != "running":
            return False
        rs = self._rs(task)
        self.set(task, rs)
        self.event(task, "reclaimed", {"stale_lock": "h:1", **(
            {"retry_status": rs, "host_local": True} if self.latest else {})})
        return True

    def complete(self, task: str) -> bool:
        allowed = ("running", "ready", "blocked") + (("review",) if self.latest else ())
        if self.status[task] not in allowed:
            return False
        if self.latest and self.open_parent(task):
            return False
        self.set(task, "done")
        self.event(task, "completed", {"result_len": 3})
        self.last_block.pop(task, None)
        self.failures[task] = 0
        self.recompute()                        # v0/v1: a second transaction, same events
        return True

    def block(self, task: str, kind: Optional[str] = None) -> bool:
        if self.status[task] not in ("running", "ready"):
            return False
        if self.latest and kind == "dependency":
            source = self.status[task]
            self.set(task, "todo")
            self.event(task, "dependency_wait", {"reason": "waits", "source_status": source,
                                                 "kind": kind})
            return True
        if self.latest:
            last_kind, count = self.last_block.get(task, (None, 0))
            count = count + 1 if (last_kind == kind and task in self.last_block) else 1
            self.last_block[task] = (kind, count)
            if count >= 2:
                self.set(task, "triage")
                self.event(task, "block_loop_detected", {"reason": "again", "kind": kind,
                                                         "recurrences": count, "limit": 2})
                return True
        self.blocked_from[task] = self._rs(task) if self.status[task] == "running" else "ready"
        self.set(task, "blocked")
        self.event(task, "blocked", {"reason": "stuck", **(
            {"kind": kind, "recurrences": 1, "source_status": self.status[task]}
            if self.latest else {})})
        return True

    def unblock(self, task: str) -> bool:
        allowed = ("blocked", "scheduled") if self.latest else ("blocked",)
        if self.status[task] not in allowed:
            return False
        if not self.latest:
            self.set(task, "ready")             # v0/v1 do not re-check parents
            self.event(task, "unblocked")
            return True
        if self.open_parent(task):
            target = "todo"
        else:
            target = self.blocked_from.get(task, "ready") if self.status[task] == "blocked" \
                else "ready"
        self.set(task, target)
        self.failures[task] = 0
        self.event(task, "unblocked", None if target == "ready" else
                   {"status": target, "resume_status": target})
        return True

    def archive(self, task: str) -> bool:
        if self.status[task] == "archived":
            return False
        self.set(task, "archived")
        self.event(task, "archived")
        if self.latest:
            self.recompute()
        return True

    # -- dispatcher ----------------------------------------------------------------------------

    def spawn_failed(self, task: str) -> bool:
        running = self.status[task] == "running"
        if self.latest and not running:
            return False
        failures = self.failures.get(task, 0) + 1
        self.failures[task] = failures
        if self.latest:
            rs = self._rs(task)
            if failures >= 2:
                self.set(task, "blocked")
                self.event(task, "gave_up", {"failures": failures, "error": "boom",
                                             "retry_status": rs, "effective_limit": 2})
                return True
            self.set(task, rs)
            self.event(task, "spawn_failed", {"error": "boom", "failures": failures,
                                              "retry_status": rs})
            return True
        if self.version == "v1" and failures >= 5:
            # Written unconditionally; the UPDATE moves only a running or ready task.
            if self.status[task] in ("running", "ready"):
                self.set(task, "blocked")
            self.event(task, "spawn_auto_blocked", {"failures": failures, "error": "boom"})
            return True
        # The event is written even when the UPDATE (running → ready) matched no row.
        if running:
            self.set(task, "ready")
        self.event(task, "spawn_failed",
                   {"error": "boom"} if self.version == "v0" else {"error": "boom",
                                                                   "failures": failures})
        return True

    def crash(self, task: str, kind: str = "crashed") -> bool:
        if self.version == "v0" or self.status[task] != "running":
            return False
        rs = self._rs(task)
        self.set(task, rs)
        payload = {"pid": 42, "claimer": "h:1"}
        if self.latest:
            payload["retry_status"] = rs
        self.event(task, kind, payload)
        if self.latest and kind in ("crashed", "timed_out"):
            failures = self.failures.get(task, 0) + 1
            self.failures[task] = failures
            if failures >= 2:                   # a separate transaction; its rs is not the result
                self.tick()
                self.set(task, "blocked")
                self.event(task, "gave_up", {"failures": failures, "error": "crash",
                                             "retry_status": rs, "trigger_outcome": kind})
        return True

    def reconcile(self, task: str) -> bool:
        if not self.latest or self.status[task] != "running":
            return False
        self.set(task, "ready")
        self.event(task, "reconciled", {"reason": "no claim", "claim_lock": None})
        return True

    # -- latest only ---------------------------------------------------------------------------

    def promote_manual(self, task: str) -> bool:
        if self.status[task] not in ("todo", "blocked") or self.open_parent(task):
            return False
        self.set(task, "ready")
        self.event(task, "promoted_manual", {"actor": "me", "reason": "go"})
        return True

    def request_review(self, task: str) -> bool:
        if self.status[task] not in ("running", "ready"):
            return False
        self.set(task, "review")
        self.event(task, "review_requested", {"summary": "s", "implementer": "a",
                                              "reviewer": "b"})
        return True

    def request_changes(self, task: str) -> bool:
        return self._back_from_review(task, "changes_requested", lambda target: {
            "reason": "no", "implementer": "a", "reviewer": "b", "status": target})

    def reopen_review(self, task: str) -> bool:
        return self._back_from_review(task, "review_reopened", lambda target: (
            None if target == "ready" else {"status": target}))

    def _back_from_review(self, task: str, kind: str, payload) -> bool:
        """Back to the implementer: ready, or todo while a parent is unfinished."""
        if self.status[task] not in ("running", "review"):
            return False
        target = "todo" if self.open_parent(task) else "ready"
        self.set(task, target)
        self.source.pop(task, None)
        self.event(task, kind, payload(target))
        return True

    def schedule(self, task: str) -> bool:
        if self.status[task] not in ("todo", "ready", "running", "blocked"):
            return False
        self.set(task, "scheduled")
        self.event(task, "scheduled", {"reason": "later"})
        return True

    def specify(self, task: str) -> bool:
        if self.status[task] != "triage":
            return False
        self.set(task, "todo")
        self.event(task, "specified", {"changed_fields": ["body"]})
        self.recompute()
        return True

    def decompose(self, task: str, n: int = 2) -> bool:
        if self.status[task] != "triage":
            return False
        kids = []
        for _ in range(n):
            self._n += 1
            kid = f"t_{self._n:08x}"
            self.conn.execute("INSERT INTO tasks (id, title, status, created_at) VALUES "
                              "(?, ?, 'todo', ?)", (kid, f"part {self._n}", self.now))
            self.status[kid] = "todo"
            self.parents[kid] = set()
            self.event(kid, "created", {"by": "me", "from_decompose_of": task})
            kids.append(kid)
        for kid in kids:                        # the root waits for its parts: no linked
            self.conn.execute("INSERT INTO task_links VALUES (?, ?)", (kid, task))
            self.parents[task].add(kid)
        self.set(task, "todo")
        self.event(task, "decomposed", {"child_ids": kids, "root_assignee": "a"})
        self.recompute()
        return True

    def reopen(self, task: str, to: str = "ready") -> bool:
        """A done task reopened: the caller moves it (``status``), its descendants are
        invalidated back to todo (``descendant_invalidated`` + ``status`` each)."""
        if not self.latest or self.status[task] != "done":
            return False
        self.set(task, to)
        self.event(task, "status", {"status": to})
        for kid in sorted(self._descendants(task)):
            prior = self.status[kid]
            if prior in ("ready", "review", "running", "done"):
                self.set(kid, "todo")
                self.event(kid, "descendant_invalidated", {"ancestor": task,
                                                           "prior_status": prior,
                                                           "new_status": "todo"})
                self.event(kid, "status", {"status": "todo", "reason": "ancestor_reopened",
                                           "parent": task})
        return True

    def direct(self, task: str, status: str) -> bool:
        """The dashboard's direct status write (v1.1 on): ``status {status}``, then recompute
        when the new status is done or ready."""
        if self.version == "v0" or self.status[task] == status:
            return False
        self.set(task, status)
        self.event(task, "status", {"status": status})
        if status in ("done", "ready"):
            self.recompute()
        return True

    def gc(self) -> int:
        """v1's ``gc_events``: delete the events of done/archived tasks older than 30 days."""
        finished = [t for t, s in self.status.items() if s in FINISHED]
        marks = ",".join("?" * len(finished))
        return self.conn.execute(
            f"DELETE FROM task_events WHERE task_id IN ({marks}) AND created_at < ?",
            (*finished, self.now - 30 * 86400)).rowcount

    # -- graph helpers -------------------------------------------------------------------------

    def _descendants(self, task: str) -> set:
        found, todo = set(), [task]
        while todo:
            for kid in self.children(todo.pop()):
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
        return found

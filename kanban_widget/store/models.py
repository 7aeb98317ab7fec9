"""Plain records the store returns: tasks, comments, events, dispatch results, board snapshots."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from .vocabulary import BOARD_COLUMNS, EVENT_ALIASES, SATISFIED, STATUSES  # noqa: F401  (re-exported)
from .schema import RENAMED_BY_LATEST

#: The columns of Hermes v1's ``tasks`` table that :class:`Task` has fields for.
TASK_FIELDS = (
    "id", "title", "body", "assignee", "status", "priority", "created_by", "created_at",
    "started_at", "completed_at", "workspace_kind", "workspace_path", "claim_lock",
    "claim_expires", "tenant", "result", "idempotency_key", "spawn_failures", "worker_pid",
    "last_spawn_error",
)


@dataclass(frozen=True)
class Task:
    """One row of ``tasks``. Columns the store does not know are kept in ``extra``."""

    id: str
    title: str
    status: str
    created_at: int
    body: Optional[str] = None
    assignee: Optional[str] = None
    priority: int = 0
    created_by: Optional[str] = None
    started_at: Optional[int] = None
    completed_at: Optional[int] = None
    workspace_kind: str = "scratch"
    workspace_path: Optional[str] = None
    claim_lock: Optional[str] = None
    claim_expires: Optional[int] = None
    tenant: Optional[str] = None
    result: Optional[str] = None
    idempotency_key: Optional[str] = None
    spawn_failures: int = 0             # latest Hermes' consecutive_failures where it exists
    worker_pid: Optional[int] = None
    last_spawn_error: Optional[str] = None  # latest Hermes' last_failure_error where it exists
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Any) -> "Task":
        """Build a task from a ``sqlite3.Row`` of ``SELECT * FROM tasks`` (any Hermes version)."""
        data = dict(zip(row.keys(), tuple(row)))
        known = {k: data.pop(k) for k in TASK_FIELDS if k in data}
        # On a board latest Hermes created or migrated, its own counter and error are the
        # live ones (the v1 columns, if any, are no longer updated by it).
        for old, new in RENAMED_BY_LATEST.items():
            if new in data:
                known[old] = data[new]
        known["priority"] = known.get("priority") or 0  # v0 allows NULL priority
        known["spawn_failures"] = known.get("spawn_failures") or 0
        known["workspace_kind"] = known.get("workspace_kind") or "scratch"
        return cls(**known, extra=data)

    def to_dict(self) -> dict:
        """The task as a JSON-ready dict (``extra`` columns merged in)."""
        data = asdict(self)
        extra = data.pop("extra")
        return {**extra, **data}


@dataclass(frozen=True)
class Comment:
    """One row of ``task_comments``."""

    id: int
    task_id: str
    author: str
    body: str
    created_at: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Event:
    """One row of ``task_events``, with old kind names reported under their current names."""

    id: int
    task_id: str
    kind: str
    payload: Optional[dict]
    created_at: int
    run_id: Optional[int] = None

    @classmethod
    def from_row(cls, row: Any) -> "Event":
        """An event from a ``sqlite3.Row`` of ``task_events`` (``run_id`` only on v1.1+)."""
        keys = row.keys()
        return cls.from_values(row["id"], row["task_id"], row["kind"], row["payload"],
                               row["created_at"], row["run_id"] if "run_id" in keys else None)

    @classmethod
    def from_values(cls, id: int, task_id: str, kind: str, payload: Optional[str],
                    created_at: int, run_id: Optional[int] = None) -> "Event":
        """An event from its stored values: the payload decoded (an undecodable one is kept
        as None, a non-object one as ``{"value": ...}``), an old kind read as its new name."""
        try:
            decoded = json.loads(payload) if payload else None
        except (TypeError, ValueError):
            decoded = None
        if decoded is not None and not isinstance(decoded, dict):
            decoded = {"value": decoded}
        return cls(id, task_id, EVENT_ALIASES.get(kind, kind), decoded, created_at, run_id)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class DispatchResult:
    """What one :meth:`Store.dispatch_once` pass did (or, for a dry run, would do).

    Every field lists task ids in the order they were handled.
    """

    reclaimed: list = field(default_factory=list)
    promoted: list = field(default_factory=list)
    spawned: list = field(default_factory=list)
    skipped_unassigned: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    auto_blocked: list = field(default_factory=list)
    dry_run: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TaskDetail:
    """One task with everything around it, read in one snapshot (:meth:`Store.task_detail`):
    its parents and children (as tasks, in link order), comments (oldest first) and events
    (oldest first)."""

    task: Task
    parents: list
    children: list
    comments: list
    events: list


@dataclass(frozen=True)
class BulkResult:
    """What :meth:`Store.bulk` did to one task: ``ok`` with the task as it is now, or refused
    with ``error``, the store's message saying why (that task was left as it was)."""

    task_id: str
    ok: bool
    error: Optional[str] = None
    #: The task after the change (None when refused).
    task: Optional[Task] = None

    def to_dict(self) -> dict:
        """``{"task_id", "ok"}``, plus ``"error"`` when refused: the page's bulk reply."""
        data: dict = {"task_id": self.task_id, "ok": self.ok}
        if not self.ok:
            data["error"] = self.error
        return data


@dataclass(frozen=True)
class BoardSnapshot:
    """The board as one consistent read: columns of cards, filters' choices and the event cursor.

    ``columns`` maps each status to its cards (dicts: the task's fields plus ``progress``,
    ``link_counts``, ``comment_count`` and ``status_since``), in board order.
    ``cursor`` is the last ``task_events.id`` the snapshot reflects: follow the board by reading
    events after it.
    """

    columns: dict
    tenants: list
    assignees: list
    cursor: int
    now: int

    @property
    def cards(self) -> list:
        """Every card of the snapshot, column by column."""
        return [card for cards in self.columns.values() for card in cards]

    def card(self, task_id: str) -> Optional[dict]:
        """The card of ``task_id``, or None when it is not in the snapshot."""
        return next((c for c in self.cards if c["id"] == task_id), None)

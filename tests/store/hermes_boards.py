"""Hermes boards built with plain SQL, one per schema version (reference §1.4–1.6).

The DDL is written here from the reference's tables, independently of the store's own schema
module, so the tests compare the store against Hermes and not against itself.
"""

from __future__ import annotations

import sqlite3

V0_TASK_COLUMNS = """
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT,
    assignee TEXT,
    status TEXT NOT NULL,
    priority INTEGER DEFAULT 0,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    completed_at INTEGER,
    workspace_kind TEXT NOT NULL DEFAULT 'scratch',
    workspace_path TEXT,
    claim_lock TEXT,
    claim_expires INTEGER,
    tenant TEXT,
    result TEXT"""

V1_TASK_COLUMNS = V0_TASK_COLUMNS + """,
    idempotency_key TEXT,
    spawn_failures INTEGER NOT NULL DEFAULT 0,
    worker_pid INTEGER,
    last_spawn_error TEXT"""

V11_TASK_COLUMNS = V1_TASK_COLUMNS + """,
    max_runtime_seconds INTEGER,
    last_heartbeat_at INTEGER,
    current_run_id INTEGER,
    workflow_template_id TEXT,
    current_step_key TEXT,
    skills TEXT"""

# A fresh latest board: spawn_failures/last_spawn_error were superseded by
# consecutive_failures/last_failure_error, so a new latest board lacks the old pair.
LATEST_TASK_COLUMNS = V0_TASK_COLUMNS + """,
    idempotency_key TEXT,
    worker_pid INTEGER,
    max_runtime_seconds INTEGER,
    last_heartbeat_at INTEGER,
    current_run_id INTEGER,
    workflow_template_id TEXT,
    current_step_key TEXT,
    skills TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_failure_error TEXT,
    branch_name TEXT,
    project_id TEXT,
    model_override TEXT,
    provider_override TEXT,
    reasoning_effort TEXT,
    max_retries INTEGER,
    goal_mode INTEGER NOT NULL DEFAULT 0,
    goal_max_turns INTEGER,
    session_id TEXT,
    block_kind TEXT,
    block_recurrences INTEGER NOT NULL DEFAULT 0,
    completion_contract TEXT"""

LINKS = """CREATE TABLE IF NOT EXISTS task_links (
    parent_id TEXT NOT NULL, child_id TEXT NOT NULL, PRIMARY KEY (parent_id, child_id))"""
COMMENTS = """CREATE TABLE IF NOT EXISTS task_comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL, author TEXT NOT NULL,
    body TEXT NOT NULL, created_at INTEGER NOT NULL)"""
EVENTS = """CREATE TABLE IF NOT EXISTS task_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL, kind TEXT NOT NULL,
    payload TEXT, created_at INTEGER NOT NULL{run_id})"""
NOTIFY = """CREATE TABLE IF NOT EXISTS kanban_notify_subs (
    task_id TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL,
    thread_id TEXT NOT NULL DEFAULT '', user_id TEXT, created_at INTEGER NOT NULL,
    last_event_id INTEGER NOT NULL DEFAULT 0{extra},
    PRIMARY KEY (task_id, platform, chat_id, thread_id))"""
RUNS = """CREATE TABLE IF NOT EXISTS task_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL, profile TEXT, step_key TEXT,
    status TEXT NOT NULL, claim_lock TEXT, claim_expires INTEGER, worker_pid INTEGER,
    max_runtime_seconds INTEGER, last_heartbeat_at INTEGER, started_at INTEGER NOT NULL,
    ended_at INTEGER, outcome TEXT, summary TEXT, metadata TEXT, error TEXT)"""
ATTACHMENTS = """CREATE TABLE IF NOT EXISTS task_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL, filename TEXT NOT NULL,
    stored_path TEXT NOT NULL, content_type TEXT, size INTEGER NOT NULL DEFAULT 0,
    uploaded_by TEXT, created_at INTEGER NOT NULL)"""

V0_INDEXES = [
    "CREATE INDEX IF NOT EXISTS idx_tasks_assignee_status ON tasks(assignee, status)",
    "CREATE INDEX IF NOT EXISTS idx_tasks_status ON tasks(status)",
    "CREATE INDEX IF NOT EXISTS idx_tasks_tenant ON tasks(tenant)",
    "CREATE INDEX IF NOT EXISTS idx_links_child ON task_links(child_id)",
    "CREATE INDEX IF NOT EXISTS idx_links_parent ON task_links(parent_id)",
    "CREATE INDEX IF NOT EXISTS idx_comments_task ON task_comments(task_id, created_at)",
    "CREATE INDEX IF NOT EXISTS idx_events_task ON task_events(task_id, created_at)",
]
V1_INDEXES = V0_INDEXES + [
    "CREATE INDEX IF NOT EXISTS idx_tasks_idempotency ON tasks(idempotency_key)",
    "CREATE INDEX IF NOT EXISTS idx_notify_task ON kanban_notify_subs(task_id)",
]
V11_INDEXES = V1_INDEXES + [
    "CREATE INDEX IF NOT EXISTS idx_runs_task ON task_runs(task_id, started_at)",
    "CREATE INDEX IF NOT EXISTS idx_runs_status ON task_runs(status)",
    "CREATE INDEX IF NOT EXISTS idx_events_run ON task_events(run_id, id)",
]
LATEST_NOTIFY_EXTRA = """, user_id_alt TEXT, chat_type TEXT, notifier_profile TEXT,
    delivery_mode TEXT NOT NULL DEFAULT 'notify', delivery_metadata TEXT,
    last_ping_event_id INTEGER NOT NULL DEFAULT 0"""

DDL = {
    "v0": [f"CREATE TABLE IF NOT EXISTS tasks ({V0_TASK_COLUMNS})", LINKS, COMMENTS,
           EVENTS.format(run_id="")] + V0_INDEXES,
    "v1": [f"CREATE TABLE IF NOT EXISTS tasks ({V1_TASK_COLUMNS})", LINKS, COMMENTS,
           EVENTS.format(run_id=""), NOTIFY.format(extra="")] + V1_INDEXES,
    "v1.1": [f"CREATE TABLE IF NOT EXISTS tasks ({V11_TASK_COLUMNS})", LINKS, COMMENTS,
             EVENTS.format(run_id=", run_id INTEGER"), NOTIFY.format(extra=""), RUNS] + V11_INDEXES,
    "latest": [f"CREATE TABLE IF NOT EXISTS tasks ({LATEST_TASK_COLUMNS})", LINKS, COMMENTS,
               EVENTS.format(run_id=", run_id INTEGER"), NOTIFY.format(extra=LATEST_NOTIFY_EXTRA),
               RUNS, ATTACHMENTS] + V11_INDEXES + [
        "CREATE INDEX IF NOT EXISTS idx_tasks_session_id ON tasks(session_id)",
        "CREATE INDEX IF NOT EXISTS idx_attachments_task ON task_attachments(task_id, created_at)",
    ],
}

VERSIONS = tuple(DDL)

#: Statuses each version knows.
STATUSES = {
    "v0": ("todo", "ready", "running", "blocked", "done", "archived"),
    "v1": ("triage", "todo", "ready", "running", "blocked", "done", "archived"),
    "v1.1": ("triage", "todo", "ready", "running", "blocked", "done", "archived"),
    "latest": ("triage", "todo", "scheduled", "ready", "running", "blocked", "review", "done",
               "archived"),
}

#: Extra (unknown to the store) column values each version's tasks carry.
EXTRA_VALUES = {
    "v0": {},
    "v1": {},
    "v1.1": {"max_runtime_seconds": 600, "skills": '["kanban-worker"]', "current_step_key": "s1"},
    "latest": {"max_runtime_seconds": 600, "skills": "[]", "branch_name": "feat/x",
               "goal_mode": 1, "consecutive_failures": 2, "last_failure_error": "boom",
               "block_recurrences": 1},
}

T0 = 1_714_000_000


def create_board(path, version: str) -> None:
    """An empty Hermes board of ``version``, in rollback-journal mode as a test fixture."""
    conn = sqlite3.connect(path)
    try:
        for sql in DDL[version]:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def populate(path, version: str, unknown_status: str = "waiting") -> dict[str, str]:
    """Fill a board as that Hermes version would have: one task per status (plus one in a
    status nobody knows), 4-hex ids, a NULL priority, links, comments and old event kinds.
    Returns ``{task id: status}``."""
    statuses = STATUSES[version] + (unknown_status,)
    extra = EXTRA_VALUES[version]
    conn = sqlite3.connect(path)
    ids: dict[str, str] = {}
    try:
        for n, status in enumerate(statuses):
            task_id = f"t_{n:04x}"
            columns = {"id": task_id, "title": f"{status} task", "status": status,
                       "created_at": T0 + n, "assignee": "alice" if n % 2 else None,
                       "priority": None if n == 0 else n % 3, "tenant": "acme" if n % 3 else None,
                       **extra}
            if status == "running":
                columns.update(claim_lock="host:1", claim_expires=T0 + 10_000, started_at=T0)
            if status == "done":
                columns.update(result="shipped", completed_at=T0 + 50)
            names = ", ".join(columns)
            marks = ", ".join("?" * len(columns))
            conn.execute(f"INSERT INTO tasks ({names}) VALUES ({marks})", list(columns.values()))
            ids[task_id] = status
        first, second = list(ids)[:2]
        conn.execute("INSERT INTO task_links VALUES (?, ?)", (first, second))
        conn.execute("INSERT INTO task_comments (task_id, author, body, created_at) "
                     "VALUES (?, 'bob', 'hello', ?)", (first, T0))
        events = [(first, "created", '{"assignee": null, "status": "todo", "parents": [], '
                   '"tenant": null}'), (first, "ready", None), (first, "priority", '{"priority": 2}'),
                  (second, "spawn_auto_blocked", '{"failures": 5, "error": "x"}'),
                  (second, "commented", "not json")]
        conn.executemany("INSERT INTO task_events (task_id, kind, payload, created_at) "
                         "VALUES (?, ?, ?, ?)", [(*e, T0 + i) for i, e in enumerate(events)])
        if version in ("v1.1", "latest"):
            conn.execute("INSERT INTO task_runs (task_id, status, started_at) VALUES (?, 'done', ?)",
                         (first, T0))
            conn.execute("UPDATE task_events SET run_id = 1 WHERE kind = 'ready'")
        conn.commit()
    finally:
        conn.close()
    return ids

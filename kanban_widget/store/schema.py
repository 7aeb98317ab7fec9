"""The board's schema: Hermes v1's tables, and the additive migration of older boards.

A board we create has exactly Hermes v1's tables, column types, NOT NULL constraints and
defaults, so Hermes' own tools can read and write it. An existing board is never rewritten:
missing tables and columns are added (the column sniffing Hermes does), everything else stays.
"""

from __future__ import annotations

import sqlite3

from .errors import NotAKanbanDatabase

#: ``tasks`` columns in Hermes v1 order, with their declarations.
TASK_COLUMNS = (
    ("id", "TEXT PRIMARY KEY"),
    ("title", "TEXT NOT NULL"),
    ("body", "TEXT"),
    ("assignee", "TEXT"),
    ("status", "TEXT NOT NULL"),
    ("priority", "INTEGER DEFAULT 0"),
    ("created_by", "TEXT"),
    ("created_at", "INTEGER NOT NULL"),
    ("started_at", "INTEGER"),
    ("completed_at", "INTEGER"),
    ("workspace_kind", "TEXT NOT NULL DEFAULT 'scratch'"),
    ("workspace_path", "TEXT"),
    ("claim_lock", "TEXT"),
    ("claim_expires", "INTEGER"),
    ("tenant", "TEXT"),
    ("result", "TEXT"),
    ("idempotency_key", "TEXT"),
    ("spawn_failures", "INTEGER NOT NULL DEFAULT 0"),
    ("worker_pid", "INTEGER"),
    ("last_spawn_error", "TEXT"),
)

#: Columns later Hermes versions added; an older board gets them with these declarations.
#: (A column added by ALTER TABLE cannot be a PRIMARY KEY and needs a default when NOT NULL.)
ADDABLE_COLUMNS = {name: decl for name, decl in TASK_COLUMNS if "PRIMARY KEY" not in decl}

#: v1 columns latest Hermes replaced (its failure counter and error): on a board latest has
#: created or migrated (it has the new column), the old one is never added back.
RENAMED_BY_LATEST = {"spawn_failures": "consecutive_failures",
                     "last_spawn_error": "last_failure_error"}

#: The columns without which a ``tasks`` table is not a kanban board.
CORE_COLUMNS = {"id", "title", "status", "created_at"}

TABLES_DDL = (
    "CREATE TABLE IF NOT EXISTS tasks (\n    "
    + ",\n    ".join(f"{name} {decl}" for name, decl in TASK_COLUMNS)
    + "\n)",
    """CREATE TABLE IF NOT EXISTS task_links (
    parent_id TEXT NOT NULL,
    child_id TEXT NOT NULL,
    PRIMARY KEY (parent_id, child_id)
)""",
    """CREATE TABLE IF NOT EXISTS task_comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS task_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT,
    created_at INTEGER NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS kanban_notify_subs (
    task_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    thread_id TEXT NOT NULL DEFAULT '',
    user_id TEXT,
    created_at INTEGER NOT NULL,
    last_event_id INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (task_id, platform, chat_id, thread_id)
)""",
)

#: Hermes' indexes, created after the columns they cover exist.
INDEXES = (
    ("idx_tasks_assignee_status", "tasks(assignee, status)"),
    ("idx_tasks_status", "tasks(status)"),
    ("idx_tasks_tenant", "tasks(tenant)"),
    ("idx_links_child", "task_links(child_id)"),
    ("idx_links_parent", "task_links(parent_id)"),
    ("idx_comments_task", "task_comments(task_id, created_at)"),
    ("idx_events_task", "task_events(task_id, created_at)"),
    ("idx_tasks_idempotency", "tasks(idempotency_key)"),
    ("idx_notify_task", "kanban_notify_subs(task_id)"),
)

KANBAN_TABLES = ("tasks", "task_links", "task_comments", "task_events", "kanban_notify_subs")


def inspect(conn: sqlite3.Connection, path: object) -> dict:
    """Read what the file holds: ``{table: [columns]}``. Raises NotAKanbanDatabase for a
    SQLite file of another application. Reads only; never writes."""
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        tables = {n: [r[1] for r in conn.execute(f'PRAGMA table_info("{n}")')] for n in names}
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and (
                "locked" in str(exc).lower() or "busy" in str(exc).lower()):
            raise  # a locked board is still a board: the caller reports BoardBusy
        raise NotAKanbanDatabase(
            f"{path} is not a usable SQLite database ({exc}); point Store() at a kanban.db "
            "or at a new file"
        ) from None
    user_tables = {n for n in tables if not n.startswith("sqlite_")}
    if user_tables and "tasks" not in user_tables:
        raise NotAKanbanDatabase(
            f"{path} is a SQLite database of another application (tables: "
            f"{', '.join(sorted(user_tables)[:6])}); it was left untouched. "
            "Point Store() at a kanban.db or at a new file"
        )
    if "tasks" in tables and not CORE_COLUMNS <= set(tables["tasks"]):
        missing = ", ".join(sorted(CORE_COLUMNS - set(tables["tasks"])))
        raise NotAKanbanDatabase(
            f"{path} has a 'tasks' table without the columns of a kanban board ({missing} "
            "missing); it was left untouched"
        )
    return tables


def missing_parts(tables: dict) -> list[str]:
    """The DDL statements that would bring this board up to date (empty when it is)."""
    if not tables.get("tasks"):
        return list(TABLES_DDL) + [_index_sql(n, on) for n, on in INDEXES]
    statements = [ddl for ddl, table in zip(TABLES_DDL, KANBAN_TABLES) if table not in tables]
    have = set(tables["tasks"])
    statements += [
        f"ALTER TABLE tasks ADD COLUMN {name} {decl}"
        for name, decl in ADDABLE_COLUMNS.items()
        if name not in have and RENAMED_BY_LATEST.get(name) not in have
    ]
    return statements


def missing_indexes(conn: sqlite3.Connection) -> list[str]:
    """CREATE INDEX statements for Hermes' indexes this board lacks."""
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    return [_index_sql(n, on) for n, on in INDEXES if n not in have]


def _index_sql(name: str, on: str) -> str:
    return f"CREATE INDEX IF NOT EXISTS {name} ON {on}"

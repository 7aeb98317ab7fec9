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


#: What makes a SQLite file a kanban board (Hermes' schema, reference section 1.4): every Hermes
#: version, v0 on, creates these four tables together, with at least these columns, and a
#: ``tasks.id`` that is a TEXT primary key. A file with other tables, or a ``tasks`` table of
#: another shape (an integer id, say), belongs to another application and is never touched.
BOARD_SHAPE = {
    "tasks": {"id", "title", "status", "created_at"},
    "task_links": {"parent_id", "child_id"},
    "task_comments": {"task_id", "author", "body", "created_at"},
    "task_events": {"id", "task_id", "kind", "payload", "created_at"},
}


def inspect(conn: sqlite3.Connection, path: object) -> dict:
    """Read what the file holds: ``{table: [columns]}`` (empty for a new file).

    Raises NotAKanbanDatabase, naming what is wrong, for a file that is not SQLite, is damaged,
    or is a SQLite database of another application (see :data:`BOARD_SHAPE`). Reads only.
    """
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        info = {n: list(conn.execute(f'PRAGMA table_info("{n}")')) for n in names}
    except sqlite3.DatabaseError as exc:
        text = str(exc).lower()
        if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
            raise  # a locked board is still a board: the caller reports BoardBusy
        if "not a database" in text:
            raise NotAKanbanDatabase(
                f"{path} is not a SQLite file (or its first page is damaged); it was left "
                "untouched. Point Store() at a kanban.db or at a new file") from None
        raise NotAKanbanDatabase(
            f"{path} is not a usable SQLite database ({exc}); point Store() at a kanban.db "
            "or at a new file"
        ) from None
    tables = {n: [r[1] for r in rows] for n, rows in info.items()}
    user_tables = {n for n in tables if not n.startswith("sqlite_")}
    if not user_tables:
        return tables
    if "tasks" not in user_tables:
        raise NotAKanbanDatabase(
            f"{path} is a SQLite database of another application (tables: "
            f"{', '.join(sorted(user_tables)[:6])}); it was left untouched. "
            "Point Store() at a kanban.db or at a new file"
        )
    problems = []
    for table, needed in BOARD_SHAPE.items():
        if table not in tables:
            problems.append(f"no {table!r} table")
        elif not needed <= set(tables[table]):
            missing = ", ".join(sorted(needed - set(tables[table])))
            problems.append(f"{table!r} lacks {missing}")
    id_column = next((r for r in info["tasks"] if r[1] == "id"), None)
    if id_column is not None and ("TEXT" not in str(id_column[2]).upper() or not id_column[5]):
        problems.append(f"'tasks.id' is {id_column[2] or 'untyped'}"
                        f"{'' if id_column[5] else ' and not the primary key'}, not a TEXT "
                        "primary key")
    if problems:
        raise NotAKanbanDatabase(
            f"{path} has a 'tasks' table but is not a kanban board ({'; '.join(problems)}): "
            "it looks like another application's database and was left untouched. Point "
            "Store() at a kanban.db or at a new file"
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

"""Boards with known histories for the analytics tests, written with plain SQL.

The schema is Hermes v1's, written out as plain DDL so these tests do not depend on the store
creating it. Times are integer Unix seconds, backdated from a fixed Monday.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd

#: Day 0 of every history here: Monday 2026-01-05 00:00 UTC.
T0 = 1767571200
assert pd.Timestamp(T0, unit="s", tz="UTC") == pd.Timestamp("2026-01-05", tz="UTC")

HERMES_V1_DDL = (
    """CREATE TABLE tasks (
        id TEXT PRIMARY KEY, title TEXT NOT NULL, body TEXT, assignee TEXT,
        status TEXT NOT NULL, priority INTEGER DEFAULT 0, created_by TEXT,
        created_at INTEGER NOT NULL, started_at INTEGER, completed_at INTEGER,
        workspace_kind TEXT NOT NULL DEFAULT 'scratch', workspace_path TEXT, claim_lock TEXT,
        claim_expires INTEGER, tenant TEXT, result TEXT, idempotency_key TEXT,
        spawn_failures INTEGER NOT NULL DEFAULT 0, worker_pid INTEGER, last_spawn_error TEXT)""",
    """CREATE TABLE task_links (parent_id TEXT NOT NULL, child_id TEXT NOT NULL,
        PRIMARY KEY (parent_id, child_id))""",
    """CREATE TABLE task_comments (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL,
        author TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL)""",
    """CREATE TABLE task_events (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL,
        kind TEXT NOT NULL, payload TEXT, created_at INTEGER NOT NULL)""",
)


def at(day: float, hour: float = 0, minute: float = 0) -> int:
    """Unix seconds ``day`` days, ``hour`` hours and ``minute`` minutes after T0."""
    return int(T0 + day * 86400 + hour * 3600 + minute * 60)


def stamp(day: float, hour: float = 0, minute: float = 0) -> pd.Timestamp:
    """The same instant as ``at``, as the ``datetime64[ns, UTC]`` analytics returns."""
    return pd.Timestamp(at(day, hour, minute), unit="s", tz="UTC").as_unit("ns")


def hours(n: float) -> pd.Timedelta:
    return pd.Timedelta(hours=n)


class BoardWriter:
    """Writes a Hermes v1 board row by row: tasks, events, links, comments.

    ``event`` takes a payload as a dict (stored as JSON), a str (stored verbatim, so a test
    can store broken JSON) or None (NULL).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.conn = sqlite3.connect(self.path)
        for ddl in HERMES_V1_DDL:
            self.conn.execute(ddl)

    def task(self, task_id: str, created_at: int, status: str, *, title: str = None,
             assignee: str = None, tenant: str = None, priority=0) -> "BoardWriter":
        self.conn.execute(
            "INSERT INTO tasks (id, title, status, created_at, assignee, tenant, priority)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (task_id, title or f"Task {task_id}", status, created_at, assignee, tenant, priority))
        return self

    def event(self, task_id: str, kind: str, created_at: int, payload=None) -> "BoardWriter":
        text = json.dumps(payload) if isinstance(payload, dict) else payload
        self.conn.execute(
            "INSERT INTO task_events (task_id, kind, payload, created_at) VALUES (?, ?, ?, ?)",
            (task_id, kind, text, created_at))
        return self

    def link(self, parent: str, child: str) -> "BoardWriter":
        self.conn.execute("INSERT INTO task_links (parent_id, child_id) VALUES (?, ?)",
                          (parent, child))
        return self

    def comment(self, task_id: str, created_at: int, author: str = "bob") -> "BoardWriter":
        self.conn.execute(
            "INSERT INTO task_comments (task_id, author, body, created_at) VALUES (?, ?, ?, ?)",
            (task_id, author, "a comment", created_at))
        return self

    def close(self) -> Path:
        self.conn.commit()
        self.conn.close()
        return self.path


def write_history_board(path: Path) -> Path:
    """The board most analytics tests read. Every value the tests expect follows from here.

    ======  =====================================================================  =========
    task    history (day, hh:mm after T0)                                          now
    ======  =====================================================================  =========
    t_a     created todo 0 09:00, promoted 0 10:00, (broken ``status`` 0 11:30),   done
            claimed 0 12:00, completed 1 12:00. alice/acme, 2 comments.
    t_b     created ready 0 09:30, claimed 0 11:00, blocked 0 13:00, unblocked     done
            1 09:00, claimed 1 10:00, reclaimed 1 11:00, claimed 1 12:00,
            completed 2 08:00. bob/acme.
    t_c     created ready 0 08:00, claimed 0 09:00, completed 0 17:00, status      done
            ready 1 08:00 (reopened), claimed 1 09:00, completed 1 15:00.
            alice/globex.
    t_d     created todo 0 10:00, ``ready`` (old name) 1 10:00, claimed 1 11:00,   blocked
            ``spawn_auto_blocked`` (old name) 1 11:30. unassigned/acme.
    t_e     no created event: created_at 0 12:00, claimed 1 14:00. bob.           running
    t_f     no events at all: created_at 1 06:00.                                  triage
    t_g     created ready 0 07:00, completed 0 20:00 (never ran), archived         archived
            2 12:00. alice/acme.
    t_h     created ready 0 06:00, completed 0 07:00, status todo 0 08:00          todo
            (reopened, not finished since). bob/globex.
    ======  =====================================================================  =========

    Links: t_a → t_b, t_d, t_g; t_d → t_h. Other events that change nothing: an ``edited``
    with a payload that is not JSON, a ``commented``, an ``assigned`` with NULL payload.
    """
    w = BoardWriter(path)
    w.task("t_a", at(0, 9), "done", assignee="alice", tenant="acme", priority=2)
    w.task("t_b", at(0, 9, 30), "done", assignee="bob", tenant="acme")
    w.task("t_c", at(0, 8), "done", assignee="alice", tenant="globex")
    w.task("t_d", at(0, 10), "blocked", tenant="acme", priority=None)
    w.task("t_e", at(0, 12), "running", assignee="bob")
    w.task("t_f", at(1, 6), "triage")
    w.task("t_g", at(0, 7), "archived", assignee="alice", tenant="acme")
    w.task("t_h", at(0, 6), "todo", assignee="bob", tenant="globex")

    def created(task_id, when, status, assignee=None, tenant=None):
        w.event(task_id, "created", when,
                {"assignee": assignee, "status": status, "parents": [], "tenant": tenant})

    created("t_h", at(0, 6), "ready", "bob", "globex")
    w.event("t_h", "completed", at(0, 7), {"result_len": 3})
    created("t_g", at(0, 7), "ready", "alice", "acme")
    created("t_c", at(0, 8), "ready", "alice", "globex")
    w.event("t_h", "status", at(0, 8), {"status": "todo"})
    created("t_a", at(0, 9), "todo", "alice", "acme")
    w.event("t_c", "claimed", at(0, 9), {"lock": "host:1", "expires": at(0, 9, 15)})
    created("t_b", at(0, 9, 30), "ready", "bob", "acme")
    created("t_d", at(0, 10), "todo", None, "acme")
    w.event("t_a", "promoted", at(0, 10))
    w.event("t_a", "edited", at(0, 11), "{oops, not json")
    w.event("t_b", "claimed", at(0, 11), {"lock": "host:2", "expires": at(0, 11, 15)})
    w.event("t_a", "status", at(0, 11, 30), "also not json")
    w.event("t_a", "claimed", at(0, 12), {"lock": "host:3", "expires": at(0, 12, 15)})
    w.event("t_b", "blocked", at(0, 13), {"reason": "needs input"})
    w.event("t_a", "commented", at(0, 14), {"author": "bob", "len": 5})
    w.event("t_c", "completed", at(0, 17), {"result_len": 10})
    w.event("t_g", "completed", at(0, 20), {"result_len": 0})
    w.event("t_c", "status", at(1, 8), {"status": "ready"})
    w.event("t_b", "unblocked", at(1, 9))
    w.event("t_c", "claimed", at(1, 9), {"lock": "host:4", "expires": at(1, 9, 15)})
    w.event("t_b", "claimed", at(1, 10), {"lock": "host:5", "expires": at(1, 10, 15)})
    w.event("t_d", "ready", at(1, 10))
    w.event("t_b", "reclaimed", at(1, 11), {"stale_lock": "host:5"})
    w.event("t_d", "claimed", at(1, 11), {"lock": "host:6", "expires": at(1, 11, 15)})
    w.event("t_d", "spawn_auto_blocked", at(1, 11, 30), {"failures": 3, "error": "boom"})
    w.event("t_a", "completed", at(1, 12), {"result_len": 7})
    w.event("t_b", "claimed", at(1, 12), {"lock": "host:7", "expires": at(1, 12, 15)})
    w.event("t_e", "claimed", at(1, 14), {"lock": "host:8", "expires": at(1, 14, 15)})
    w.event("t_c", "completed", at(1, 15), {"result_len": 12})
    w.event("t_e", "assigned", at(1, 16), None)
    w.event("t_b", "completed", at(2, 8), {"result_len": 1})
    w.event("t_g", "archived", at(2, 12))
    w.link("t_a", "t_b").link("t_a", "t_d").link("t_a", "t_g").link("t_d", "t_h")
    w.comment("t_a", at(0, 14)).comment("t_a", at(0, 15), author="carol")
    return w.close()


def write_empty_board(path: Path) -> Path:
    """A Hermes v1 board with the tables and no rows."""
    return BoardWriter(path).close()

"""Hermes compatibility both ways: we read every Hermes shape, and Hermes can read what we write."""

from __future__ import annotations

import sqlite3

import pytest

from kanban_widget.store import STATUSES, Store, Task

from . import hermes_boards as hermes
from .helpers import raw, raw_events, table_info


@pytest.fixture(params=hermes.VERSIONS)
def hermes_board(request, tmp_path):
    """``(version, path, {id: status})`` of a populated board of each Hermes version."""
    path = tmp_path / f"hermes-{request.param}.db"
    hermes.create_board(path, request.param)
    return request.param, path, hermes.populate(path, request.param)


def test_lists_every_task_with_its_status(hermes_board):
    version, path, ids = hermes_board
    store = Store(path)
    assert {t.id: t.status for t in store.list_tasks(include_archived=True)} == ids
    assert all(store.get_task(task_id).status == status for task_id, status in ids.items())


def test_four_hex_ids_and_null_priority_read_as_they_are(hermes_board):
    _, path, ids = hermes_board
    store = Store(path)
    assert store.get_task("t_0000").priority == 0  # stored NULL
    assert raw(path, "SELECT priority FROM tasks WHERE id = 't_0000'") == [(None,)]
    assert sorted(t.id for t in store.list_tasks(include_archived=True)) == sorted(ids)


def test_unknown_status_gets_its_own_column(hermes_board):
    _, path, ids = hermes_board
    store = Store(path)
    snapshot = store.board(include_archived=True)
    assert [c["id"] for c in snapshot.columns["waiting"]] == [
        i for i, s in ids.items() if s == "waiting"]
    assert list(snapshot.columns)[-1] == "waiting"
    for status, cards in snapshot.columns.items():
        assert all(card["status"] == status for card in cards)
    assert sum(len(cards) for cards in snapshot.columns.values()) == len(ids)


def test_old_event_kinds_read_under_new_names_rows_unchanged(hermes_board):
    _, path, _ = hermes_board
    before = raw(path, "SELECT * FROM task_events ORDER BY id")
    store = Store(path)
    read = [e.kind for e in store.list_events()]
    assert read == ["created", "promoted", "reprioritized", "gave_up", "commented"]
    assert [e.kind for e in store.events_since(0)] == read
    assert [e.kind for e in store.list_events("t_0001")] == ["gave_up", "commented"]
    assert store.list_events("t_0001")[-1].payload is None  # undecodable payload
    assert raw(path, "SELECT * FROM task_events ORDER BY id") == before


def test_v11_run_id_is_read(tmp_path):
    path = tmp_path / "v11.db"
    hermes.create_board(path, "v1.1")
    hermes.populate(path, "v1.1")
    store = Store(path)
    assert [e.run_id for e in store.list_events()] == [None, 1, None, None, None]


def test_adds_only_missing_columns(hermes_board):
    version, path, _ = hermes_board
    tables = [r[0] for r in raw(path, "SELECT name FROM sqlite_master WHERE type='table'")]
    before = {t: table_info(path, t) for t in tables}
    Store(path).close()
    after_tables = {r[0] for r in raw(path, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert set(tables) <= after_tables
    for table, columns in before.items():
        after = table_info(path, table)
        assert after[:len(columns)] == columns, f"{table} changed its existing columns"
        if table != "tasks":
            assert after == columns, f"{table} got columns it did not need"
    added = [c[0] for c in table_info(path, "tasks")[len(before["tasks"]):]]
    expected = {"v0": ["idempotency_key", "spawn_failures", "worker_pid", "last_spawn_error"],
                "v1": [], "v1.1": [], "latest": []}[version]
    assert added == expected


def test_adds_missing_kanban_tables_to_v0(tmp_path):
    path = tmp_path / "v0.db"
    hermes.create_board(path, "v0")
    Store(path).close()
    tables = {r[0] for r in raw(path, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert "kanban_notify_subs" in tables


def test_keeps_every_unknown_column_and_shows_it_in_extra(hermes_board):
    version, path, ids = hermes_board
    extra = hermes.EXTRA_VALUES[version]
    store = Store(path)
    unknown_columns = {c[0] for c in table_info(path, "tasks")} - set(Task.__dataclass_fields__)
    for task_id in ids:
        task = store.get_task(task_id)
        assert set(task.extra) == unknown_columns
        assert extra.items() <= task.extra.items()
        for key, value in extra.items():
            assert task.extra[key] == value
            assert task.to_dict()[key] == value
    # writes through the store leave them alone
    store.update_task("t_0001", title="renamed", priority=7)
    store.move_task("t_0001", "archived")
    if extra:
        names = ", ".join(extra)
        assert set(raw(path, f"SELECT {names} FROM tasks")) == {tuple(extra.values())}
    if version == "latest":
        card = store.board().card("t_0002")
        assert card["branch_name"] == "feat/x" and card["goal_mode"] == 1


def test_existing_rows_are_not_rewritten(hermes_board):
    _, path, _ = hermes_board
    tables = [r[0] for r in raw(path, "SELECT name FROM sqlite_master WHERE type='table' "
                                      "AND name NOT LIKE 'sqlite_%'")]
    before = {t: raw(path, f'SELECT * FROM "{t}" ORDER BY rowid') for t in tables}
    Store(path).close()
    for table, rows in before.items():
        width = len(rows[0]) if rows else 0
        after = [r[:width] for r in raw(path, f'SELECT * FROM "{table}" ORDER BY rowid')]
        assert after == rows, table


def test_store_can_work_an_old_board(hermes_board, clock):
    version, path, ids = hermes_board
    store = Store(path, clock=clock)
    todo = next(i for i, s in ids.items() if s == "todo")
    new = store.create_task("added by us", parents=[todo], assignee="alice")
    assert store.get_task(new).status == "todo"
    store.move_task(todo, "done", result="ok")
    assert store.get_task(new).status == "ready"
    assert store.claim_task(new).status == "running"
    store.add_comment(new, "alice", "on it")
    assert store.complete_task(new, result="done")
    assert [k for _, k, _ in raw_events(path, new)] == [
        "created", "promoted", "claimed", "commented", "completed"]


# -- what we write, Hermes reads ---------------------------------------------------------------


def _index_shape(path) -> dict:
    rows = raw(path, "SELECT name, tbl_name FROM sqlite_master WHERE type='index' "
                     "AND name NOT LIKE 'sqlite_%'")
    return {name: (table, [r[2] for r in raw(path, f'PRAGMA index_info("{name}")')])
            for name, table in rows}


def test_new_board_has_exactly_hermes_v1_schema(store_path, tmp_path):
    Store(store_path).close()
    reference = tmp_path / "hermes-v1.db"
    hermes.create_board(reference, "v1")
    tables = "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    assert raw(store_path, tables) == raw(reference, tables)
    for (table,) in raw(reference, tables):
        assert table_info(store_path, table) == table_info(reference, table), table
    assert _index_shape(store_path) == _index_shape(reference)


def test_hermes_sql_on_a_store_board_reads_back(store_path, clock):
    store = Store(store_path, clock=clock)
    parent = store.create_task("parent", assignee="alice")
    child = store.create_task("child", parents=[parent])
    now = int(clock())
    conn = sqlite3.connect(store_path, isolation_level=None, timeout=5)
    # Hermes' create_task: a v1 column list, relying on the table's defaults for the rest
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO tasks (id, title, body, assignee, status, priority, created_by, "
                 "created_at, workspace_kind, workspace_path, tenant, idempotency_key) "
                 "VALUES ('t_beef', 'from hermes', NULL, 'bob', 'ready', 0, 'cli', ?, 'scratch', "
                 "NULL, NULL, NULL)", (now,))
    conn.execute("INSERT INTO task_events (task_id, kind, payload, created_at) VALUES "
                 "('t_beef', 'created', '{\"status\": \"ready\"}', ?)", (now,))
    # Hermes' claim CAS, then complete, then its recompute_ready with the old 'ready' kind
    assert conn.execute("UPDATE tasks SET status='running', claim_lock='h:9', claim_expires=?, "
                        "started_at=COALESCE(started_at, ?) WHERE id=? AND status='ready' AND "
                        "claim_lock IS NULL", (now + 900, now, parent)).rowcount == 1
    conn.execute("UPDATE tasks SET status='done', result='r', completed_at=?, claim_lock=NULL, "
                 "claim_expires=NULL, worker_pid=NULL WHERE id=?", (now, parent))
    conn.execute("UPDATE tasks SET status='ready' WHERE id=? AND status='todo'", (child,))
    conn.execute("INSERT INTO task_events (task_id, kind, payload, created_at) VALUES (?, 'ready', NULL, ?)",
                 (child, now))
    conn.execute("COMMIT")
    conn.close()
    assert store.get_task(parent).status == "done" and store.get_task(parent).result == "r"
    assert store.get_task(child).status == "ready"
    assert store.list_events(child)[-1].kind == "promoted"
    hermes_task = store.get_task("t_beef")
    assert (hermes_task.spawn_failures, hermes_task.workspace_kind) == (0, "scratch")
    assert store.board().card("t_beef")["status"] == "ready"


def test_store_rows_satisfy_hermes_task_reader(store_path):
    """Every v1 column Hermes' Task.from_row reads is present and typed as Hermes expects."""
    store = Store(store_path)
    task_id = store.create_task("typed", priority=3, tenant="acme")
    conn = sqlite3.connect(store_path)
    conn.row_factory = sqlite3.Row
    row = conn.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
    conn.close()
    assert list(row.keys()) == [c[0] for c in table_info(store_path, "tasks")]
    assert isinstance(row["created_at"], int) and isinstance(row["priority"], int)
    assert row["status"] in STATUSES and row["spawn_failures"] == 0


@pytest.mark.parametrize("task_id", ["t_00ff", "legacy-1", "42", "T_ABCDEF12"])
def test_ids_we_did_not_write_work_with_every_verb(store_path, task_id):
    store = Store(store_path)
    conn = sqlite3.connect(store_path)
    conn.execute("INSERT INTO tasks (id, title, status, created_at) VALUES (?, 'old', 'todo', 1)",
                 (task_id,))
    conn.commit()
    conn.close()
    child = store.create_task("child", parents=[task_id])
    store.add_comment(task_id, "a", "b")
    store.update_task(task_id, priority=2)
    assert store.move_task(task_id, "ready").status == "ready"
    store.complete_task(task_id)
    assert store.get_task(child).status == "ready"
    assert store.board().card(task_id)["id"] == task_id
    assert store.unlink_tasks(task_id, child)


def test_store_leaves_user_version_alone(store_path):
    """Hermes keeps no schema version; neither do we."""
    Store(store_path).create_task("x")
    assert raw(store_path, "PRAGMA user_version") == [(0,)]


def test_all_stored_times_are_integer_seconds(store_path, clock):
    clock.now = 1_700_000_000.75
    store = Store(store_path, clock=clock)
    parent = store.create_task("p")
    child = store.create_task("c", parents=[parent])
    store.claim_task(parent, ttl_seconds=10.5)
    store.add_comment(parent, "a", "b")
    store.complete_task(parent)
    for table, columns in [("tasks", "created_at, started_at, completed_at, claim_expires"),
                           ("task_events", "created_at"), ("task_comments", "created_at")]:
        for row in raw(store_path, f"SELECT {columns} FROM {table}"):
            assert all(v is None or type(v) is int for v in row), (table, row)
    assert raw(store_path, "SELECT typeof(created_at) FROM tasks WHERE id = ?", (child,)) == [
        ("integer",)]

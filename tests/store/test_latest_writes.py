"""Writing to a board latest Hermes created or migrated keeps latest's own columns true.

Latest Hermes (``reference/hermes-events.md`` §5) counts failures in ``consecutive_failures``
with the error in ``last_failure_error``, reads only those, and resets the counter on
completion, unblock and reassignment, never on a successful spawn. It has no
``spawn_failures``/``last_spawn_error`` on a fresh board, and a migrated v1 board keeps them but
never updates them. Assignees are stored as latest's profile names (§6).
"""

from __future__ import annotations

import sqlite3

import pytest

from kanban_widget.store import Store

from . import hermes_boards as hermes
from .helpers import raw, table_info
from .test_dispatch import Spawner


def latest_board(path, migrated: bool = False) -> Store:
    """A fresh latest board, or (``migrated``) a v1 board latest has migrated: the v1 pair
    stays beside the new one, with the value copied once."""
    if migrated:
        hermes.create_board(path, "v1")
        conn = sqlite3.connect(path)
        conn.execute("ALTER TABLE tasks ADD COLUMN consecutive_failures INTEGER NOT NULL "
                     "DEFAULT 0")
        conn.execute("ALTER TABLE tasks ADD COLUMN last_failure_error TEXT")
        conn.commit()
        conn.close()
    else:
        hermes.create_board(path, "latest")
    return Store(path)


def failure_columns(path, task_id) -> dict:
    names = [c[0] for c in table_info(path, "tasks")]
    wanted = [n for n in ("consecutive_failures", "last_failure_error", "spawn_failures",
                          "last_spawn_error") if n in names]
    row = raw(path, f"SELECT {', '.join(wanted)} FROM tasks WHERE id = ?", (task_id,))[0]
    return dict(zip(wanted, row))


def test_opening_a_latest_board_adds_back_no_renamed_column(store_path):
    latest_board(store_path).close()
    names = {c[0] for c in table_info(store_path, "tasks")}
    assert {"consecutive_failures", "last_failure_error"} <= names
    assert not names & {"spawn_failures", "last_spawn_error"}


@pytest.mark.parametrize("migrated", [False, True])
def test_dispatch_failures_go_to_the_counter_latest_reads(store_path, migrated):
    store = latest_board(store_path, migrated)
    task_id = store.create_task("flaky", assignee="a")
    error = "OSError: cannot start worker for flaky"
    assert store.dispatch_once(Spawner(fail="*"), failure_limit=2).failed == [task_id]
    expected = {"consecutive_failures": 1, "last_failure_error": error}
    if migrated:                       # v1 tools still read their own pair: keep it too
        expected.update(spawn_failures=1, last_spawn_error=error)
    assert failure_columns(store_path, task_id) == expected
    task = store.get_task(task_id)
    assert (task.spawn_failures, task.last_spawn_error) == (1, error)
    assert store.dispatch_once(Spawner(fail="*"), failure_limit=2).auto_blocked == [task_id]
    assert failure_columns(store_path, task_id)["consecutive_failures"] == 2


def test_latest_counter_counts_across_a_successful_spawn(store_path):
    store = latest_board(store_path)
    task_id = store.create_task("flaky", assignee="a")
    store.dispatch_once(Spawner(fail="*"), failure_limit=2)
    store.dispatch_once(Spawner())                  # a spawn does not reset latest's count
    assert failure_columns(store_path, task_id)["consecutive_failures"] == 1
    store.move_task(task_id, "ready")
    assert store.dispatch_once(Spawner(fail="*"), failure_limit=2).auto_blocked == [task_id]


@pytest.mark.parametrize("reset", ["complete", "unblock", "move_ready", "assign", "update"])
def test_latest_counter_resets_where_latest_resets_it(store_path, reset):
    store = latest_board(store_path)
    task_id = store.create_task("flaky", assignee="a")
    store.dispatch_once(Spawner(fail="*"), failure_limit=1)      # given up: blocked
    assert failure_columns(store_path, task_id)["consecutive_failures"] == 1
    if reset == "complete":
        store.complete_task(task_id)
    elif reset == "unblock":
        store.unblock_task(task_id)
    elif reset == "move_ready":
        store.move_task(task_id, "ready")
    elif reset == "assign":
        store.assign_task(task_id, "b")
    else:
        store.update_task(task_id, assignee="b")
    assert failure_columns(store_path, task_id) == {"consecutive_failures": 0,
                                                    "last_failure_error": None}


@pytest.mark.parametrize("given, stored", [("Alice", "alice"), ("  Bob-2 ", "bob-2"),
                                           ("DEFAULT", "default"), ("", None), (None, None)])
def test_assignees_are_stored_as_latest_profile_names(fresh_store, given, stored):
    task_id = fresh_store.create_task("t", assignee=given)
    assert fresh_store.get_task(task_id).assignee == stored
    other = fresh_store.create_task("u")
    fresh_store.assign_task(other, given)
    assert fresh_store.get_task(other).assignee == stored
    fresh_store.update_task(other, assignee="Zoe")
    assert fresh_store.get_task(other).assignee == "zoe"


def test_latest_list_filter_finds_what_we_wrote(store_path):
    store = latest_board(store_path)
    task_id = store.create_task("t", assignee="Alice")
    # latest's list_tasks normalises its filter the same way before an equality match
    assert raw(store_path, "SELECT id FROM tasks WHERE assignee = ?", ("alice",)) == [(task_id,)]
    assert [t.id for t in store.list_tasks(assignee="ALICE")] == [task_id]


def test_list_filter_still_finds_mixed_case_rows_written_by_older_tools(store_path):
    hermes.create_board(store_path, "v1")
    conn = sqlite3.connect(store_path)
    conn.execute("INSERT INTO tasks (id, title, status, created_at, assignee) "
                 "VALUES ('t_0001', 'old', 'ready', 1, 'Alice')")
    conn.commit()
    conn.close()
    assert [t.id for t in Store(store_path).list_tasks(assignee="Alice")] == ["t_0001"]

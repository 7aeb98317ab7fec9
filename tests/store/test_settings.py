"""Soft WIP limits in the store: validation, the table of our own they live in (made only by the
first limit), Hermes still at home in the file, the `wip` command, and read-only boards."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from kanban_widget import Store
from kanban_widget.store import ReadOnlyBoard, ValidationError
from kanban_widget.store.settings import TABLE

from . import hermes_boards as hermes
from .hermes_writer import HermesWriter


def tables(path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def cli(path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kanban_widget.cli", "--db", str(path), *args],
                          capture_output=True, text=True, timeout=60)


# -- the store -------------------------------------------------------------------------------


def test_the_table_is_made_only_by_the_first_limit(store_path):
    with Store(store_path) as store:
        store.create_task("Work")
        assert store.wip_limits() == {}
        assert store.set_wip_limits({}) == {}  # clearing nothing writes nothing
        assert TABLE not in tables(store_path)
        assert store.set_wip_limits({"running": 5, "ready": 0}) == {"running": 5, "ready": 0}
    assert TABLE in tables(store_path)
    conn = sqlite3.connect(store_path)
    assert conn.execute(f"SELECT key, value FROM {TABLE}").fetchall() == [
        ("wip_limits", json.dumps({"ready": 0, "running": 5}))]
    conn.close()


def test_limits_merge_replace_and_remove(fresh_store):
    fresh_store.set_wip_limits({"running": 5})
    assert fresh_store.set_wip_limits({"ready": 3}, replace=False) == {"running": 5, "ready": 3}
    assert fresh_store.set_wip_limits({"running": None}, replace=False) == {"ready": 3}
    assert fresh_store.set_wip_limits({"blocked": 1}) == {"blocked": 1}
    assert fresh_store.wip_limits() == {"blocked": 1}


@pytest.mark.parametrize("limits, message", [
    ({"runing": 5}, "unknown status 'runing'; use one of triage, todo"),
    ({"running": -1}, "'running' is -1; give a whole number from 0"),
    ({"running": True}, "'running' is True"),
    ({"running": 2.5}, "'running' is 2.5"),
    ({"running": "5"}, "'running' is '5'"),
    ({"running": 10 ** 7}, "from 0 to 1000000"),
    ([("running", 5)], "must be a dict of status -> whole number"),
])
def test_bad_limits_are_refused_naming_the_problem(fresh_store, limits, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        fresh_store.set_wip_limits(limits)
    assert fresh_store.wip_limits() == {}


def test_a_status_only_this_board_has_may_get_a_limit(store_path):
    with Store(store_path) as store:
        task = store.create_task("Odd")
    conn = sqlite3.connect(store_path)
    with conn:
        conn.execute("UPDATE tasks SET status = 'qa' WHERE id = ?", (task,))
    conn.close()
    with Store(store_path) as store:
        assert store.set_wip_limits({"qa": 2}) == {"qa": 2}


def test_junk_in_our_table_is_ignored_not_fatal(fresh_store):
    fresh_store.set_wip_limits({"running": 1})
    with fresh_store.atomic() as conn:
        conn.execute(f"UPDATE {TABLE} SET value = ? WHERE key = 'wip_limits'",
                     (json.dumps({"running": 2, "ready": -4, "todo": "x", "done": True}),))
    assert fresh_store.wip_limits() == {"running": 2}
    with fresh_store.atomic() as conn:
        conn.execute(f"UPDATE {TABLE} SET value = 'not json' WHERE key = 'wip_limits'")
    assert fresh_store.wip_limits() == {}


def test_a_read_only_board_shows_limits_but_cannot_set_them(store_path):
    with Store(store_path) as store:
        store.set_wip_limits({"running": 4})
    with Store(store_path, read_only=True) as store:
        assert store.wip_limits() == {"running": 4}
        with pytest.raises(ReadOnlyBoard):
            store.set_wip_limits({"running": 9})
        assert store.wip_limits() == {"running": 4}


def test_no_table_is_made_on_a_read_only_board(store_path):
    with Store(store_path) as store:
        store.create_task("Work")
    with Store(store_path, read_only=True) as store:
        assert store.wip_limits() == {}
        with pytest.raises(ReadOnlyBoard):
            store.set_wip_limits({"running": 1})
    assert TABLE not in tables(store_path)


# -- Hermes in the same file -------------------------------------------------------------------


def test_hermes_reads_and_writes_a_board_with_limits(tmp_path):
    path = tmp_path / "kanban.db"
    hermes.create_board(path, "latest")
    ids = hermes.populate(path, "latest")
    with Store(path) as store:
        store.set_wip_limits({"running": 2, "ready": 5})
    # Hermes' own init_db (every CREATE … IF NOT EXISTS) and verbs, with plain sqlite3.
    writer = HermesWriter(path, "latest")
    writer.reload()
    new = writer.create(assignee="alice")
    assert writer.claim(new) and writer.complete(new)
    writer.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    listed = conn.execute("SELECT * FROM tasks WHERE status != 'archived' "
                          "ORDER BY priority DESC, created_at ASC").fetchall()
    assert {r["id"] for r in listed} >= {i for i, s in ids.items() if s != "archived"} | {new}
    assert conn.execute("SELECT * FROM tasks WHERE id = ?", (new,)).fetchone()["status"] == "done"
    watched = conn.execute(
        "SELECT e.id, e.task_id, e.kind, e.payload, e.created_at, t.assignee, t.tenant "
        "FROM task_events e LEFT JOIN tasks t ON t.id = e.task_id WHERE e.id > ? "
        "ORDER BY e.id LIMIT 200", (0,)).fetchall()
    assert [r["kind"] for r in watched if r["task_id"] == new][-1] == "completed"
    streamed = conn.execute("SELECT id, task_id, run_id, kind, payload, created_at FROM "
                            "task_events WHERE id > ? ORDER BY id ASC LIMIT 200", (0,)).fetchall()
    assert len(streamed) == len(watched)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with Store(path) as store:  # and we still read what Hermes wrote, limits kept
        assert store.get_task(new).status == "done"
        assert store.wip_limits() == {"running": 2, "ready": 5}


# -- the CLI -----------------------------------------------------------------------------------


def test_cli_sets_lists_and_clears_limits(store_path):
    Store(store_path).close()
    done = cli(store_path, "wip", "running", "5", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"wip_limits": {"running": 5}}
    assert cli(store_path, "wip", "ready", "2").stdout.splitlines() == ["ready      2",
                                                                        "running    5"]
    assert json.loads(cli(store_path, "wip", "running", "--clear", "--json").stdout) == {
        "wip_limits": {"ready": 2}}
    listed = cli(store_path, "wip", "--json")
    assert json.loads(listed.stdout) == {"wip_limits": {"ready": 2}}
    assert json.loads(cli(store_path, "wip", "--clear", "--json").stdout) == {"wip_limits": {}}
    assert cli(store_path, "wip").stdout.strip() == "no WIP limits set"


def test_cli_refuses_bad_limits_clearly(store_path):
    Store(store_path).close()
    bad = cli(store_path, "wip", "runing", "5")
    assert bad.returncode == 1 and "unknown status 'runing'" in bad.stderr
    assert cli(store_path, "wip", "running").returncode == 2
    assert "give running's limit" in cli(store_path, "wip", "running").stderr
    assert cli(store_path, "wip", "running", "3", "--clear").returncode == 2
    assert TABLE not in tables(store_path)

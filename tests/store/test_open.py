"""Opening a board: which file, the schema a new file gets, connection settings."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from kanban_widget.store import Store, default_board_path

from .helpers import raw

KANBAN_TABLES = {"tasks", "task_links", "task_comments", "task_events", "kanban_notify_subs"}


def _tables(path) -> set[str]:
    return {r[0] for r in raw(path, "SELECT name FROM sqlite_master WHERE type='table' "
                                    "AND name NOT LIKE 'sqlite_%'")}


def test_new_file_gets_the_schema(store_path):
    store = Store(store_path)
    assert store.path == store_path and store_path.exists()
    assert _tables(store_path) == KANBAN_TABLES
    assert not store.read_only


def test_empty_file_gets_the_schema(store_path):
    store_path.touch()
    Store(store_path)
    assert _tables(store_path) == KANBAN_TABLES


def test_missing_folders_are_created(tmp_path):
    path = tmp_path / "a" / "b" / "kanban.db"
    Store(path)
    assert _tables(path) == KANBAN_TABLES


def test_connection_settings(store_path):
    store = Store(store_path, busy_timeout=2.5)
    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert store.busy_timeout == 2.5
    assert raw(store_path, "PRAGMA journal_mode") == [("wal",)]


def test_reopening_keeps_rows_and_writes_nothing(store_path):
    store = Store(store_path)
    task_id = store.create_task("kept")
    store.close()
    again = Store(store_path)
    assert again._conn.total_changes == 0
    assert again.get_task(task_id).title == "kept"


def test_relative_path_resolves_to_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = Store("rel.db")
    assert store.path == tmp_path / "rel.db" and store.path.is_absolute()
    assert "rel.db" in repr(store)


def test_context_manager_closes(store_path):
    with Store(store_path) as store:
        store.create_task("x")
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        store.list_tasks()


# -- which file when none is named -------------------------------------------------------------

ENV_VARS = ("KANBAN_DB", "HERMES_KANBAN_DB", "HERMES_KANBAN_HOME", "HERMES_KANBAN_BOARD")


@pytest.fixture
def bare_env(monkeypatch, tmp_path):
    """No kanban variables, an empty home and an empty working folder; returns (home, cwd)."""
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    monkeypatch.chdir(cwd)
    return home, cwd


def test_default_is_cwd_kanban_db(bare_env):
    _, cwd = bare_env
    assert default_board_path() == cwd / "kanban.db"
    assert Store().path == cwd / "kanban.db"
    assert (cwd / "kanban.db").exists()


def test_hermes_home_board_when_it_exists(bare_env):
    home, _ = bare_env
    assert default_board_path() != home / ".hermes" / "kanban.db"
    (home / ".hermes").mkdir()
    (home / ".hermes" / "kanban.db").touch()
    assert default_board_path() == home / ".hermes" / "kanban.db"


@pytest.mark.parametrize("present, expected", [
    ({"KANBAN_DB": "a.db", "HERMES_KANBAN_DB": "b.db", "HERMES_KANBAN_HOME": "h"}, "a.db"),
    ({"HERMES_KANBAN_DB": "b.db", "HERMES_KANBAN_HOME": "h"}, "b.db"),
    ({"HERMES_KANBAN_HOME": "h"}, "h/kanban.db"),
    ({"KANBAN_DB": "  ", "HERMES_KANBAN_DB": "b.db"}, "b.db"),
    ({"KANBAN_DB": "", "HERMES_KANBAN_DB": " ", "HERMES_KANBAN_HOME": ""}, None),
], ids=["KANBAN_DB", "HERMES_KANBAN_DB", "HERMES_KANBAN_HOME", "blank-skipped", "all-blank"])
def test_environment_order(bare_env, monkeypatch, tmp_path, present, expected):
    """Variables win over ~/.hermes/kanban.db; blank ones are ignored (None: the home board)."""
    home, _ = bare_env
    (home / ".hermes").mkdir()
    (home / ".hermes" / "kanban.db").touch()
    for var, value in present.items():
        monkeypatch.setenv(var, str(tmp_path / value) if value.strip() else value)
    want = home / ".hermes" / "kanban.db" if expected is None else tmp_path / expected
    assert default_board_path() == want


def test_tilde_is_expanded(bare_env, monkeypatch):
    home, _ = bare_env
    monkeypatch.setenv("KANBAN_DB", "~/boards/k.db")
    assert default_board_path() == home / "boards" / "k.db"
    assert Store().path == home / "boards" / "k.db"
    assert Store("~/other.db").path == home / "other.db"


def test_store_without_path_opens_the_resolved_file(bare_env, monkeypatch, tmp_path):
    target = tmp_path / "pinned.db"
    monkeypatch.setenv("HERMES_KANBAN_DB", str(target))
    store = Store()
    store.create_task("here")
    assert store.path == target
    assert raw(target, "SELECT title FROM tasks") == [("here",)]
    assert not os.path.exists(Path.cwd() / "kanban.db")

"""Files that are not boards, broken boards and boards we may not write."""

from __future__ import annotations

import os
import sqlite3

import pytest

from kanban_widget.store import BoardBusy, NotAKanbanDatabase, ReadOnlyBoard, Store

from . import hermes_boards as hermes
from .helpers import sha256, sidecars


def _other_app(path, journal="delete"):
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode={journal}")
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO photos (name) VALUES ('cat.jpg')")
    conn.commit()
    conn.close()


def _tasks_without_kanban_columns(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, what TEXT, done INTEGER)")
    conn.execute("INSERT INTO tasks (what, done) VALUES ('buy milk', 0)")
    conn.commit()
    conn.close()


def _tasks_with_integer_ids(path):
    """Another app's to-do list: the kanban column names, but an integer id."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL, "
                 "status TEXT NOT NULL, created_at INTEGER NOT NULL)")
    for name in ("task_links", "task_comments", "task_events"):
        conn.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, task_id TEXT, kind TEXT, "
                     "payload TEXT, author TEXT, body TEXT, parent_id TEXT, child_id TEXT, "
                     "created_at INTEGER)")
    conn.execute("INSERT INTO tasks (title, status, created_at) VALUES ('buy milk', 'todo', 1)")
    conn.commit()
    conn.close()


def _only_a_tasks_table(path):
    """A ``tasks`` table shaped like Hermes' but none of the other tables every Hermes
    version creates with it."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE tasks (id TEXT PRIMARY KEY, title TEXT NOT NULL, "
                 "status TEXT NOT NULL, created_at INTEGER NOT NULL)")
    conn.execute("INSERT INTO tasks VALUES ('a', 'old', 'ready', 1)")
    conn.commit()
    conn.close()


def _corrupt(path):
    """A real header followed by garbage."""
    _other_app(path)
    data = path.read_bytes()
    path.write_bytes(data[:100] + bytes(range(256)) * 30)


def _corrupt_wal(path):
    """A board in WAL mode whose pages after the header are garbage."""
    _other_app(path, "wal")
    data = path.read_bytes()
    path.write_bytes(data[:100] + bytes(range(256)) * 30)


BAD_FILES = {
    "text": (lambda p: p.write_text("title,status\nbuy milk,todo\n"), "not a SQLite file"),
    "random-bytes": (lambda p: p.write_bytes(os.urandom(4096)), "not a SQLite file"),
    "short": (lambda p: p.write_bytes(b"SQLite"), "not a SQLite file"),
    "other-app": (_other_app, r"another application \(tables: photos\)"),
    "other-app-wal": (lambda p: _other_app(p, "wal"), "another application"),
    "tasks-without-kanban-columns": (_tasks_without_kanban_columns,
                                     "not a kanban board .*lacks created_at, status, title"),
    "tasks-with-integer-ids": (_tasks_with_integer_ids,
                               r"not a kanban board .*'tasks.id' is INTEGER, not a TEXT"),
    "only-a-tasks-table": (_only_a_tasks_table, "not a kanban board .*no 'task_events' table"),
    "corrupt": (_corrupt, "not a usable SQLite database"),
    "corrupt-wal": (_corrupt_wal, "not a usable SQLite database"),
}


@pytest.mark.parametrize("read_only", [False, True], ids=["writable", "read-only"])
@pytest.mark.parametrize("make, message", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_not_a_board_is_refused_and_left_untouched(tmp_path, make, message, read_only):
    path = tmp_path / "thing.db"
    make(path)
    before, junk = sha256(path), sidecars(path)
    with pytest.raises(NotAKanbanDatabase, match=message):
        Store(path, read_only=read_only)
    assert sha256(path) == before
    if not (read_only and make is _corrupt_wal):
        # A damaged WAL file opened read-only is the one case left: its lock-free pre-check
        # cannot tell damage from a write in progress, so the locked check (whose read-only
        # connection creates -wal/-shm and may not remove them) decides.
        assert sidecars(path) == junk


def test_message_says_the_file_was_left_alone(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(NotAKanbanDatabase, match="left untouched") as info:
        Store(path)
    assert str(path) in str(info.value)


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(NotAKanbanDatabase, match="is a directory"):
        Store(tmp_path)


@pytest.mark.timeout(20)
@pytest.mark.parametrize("read_only", [False, True], ids=["writable", "read-only"])
def test_a_fifo_is_refused_without_hanging(tmp_path, read_only):
    """SQLite would block forever reading a named pipe that nobody writes."""
    path = tmp_path / "pipe.db"
    os.mkfifo(path)
    with pytest.raises(NotAKanbanDatabase, match=r"is a FIFO \(named pipe\), not a file"):
        Store(path, read_only=read_only)
    assert sidecars(path) == set()


@pytest.mark.parametrize("read_only", [False, True], ids=["writable", "read-only"])
def test_a_dangling_symlink_is_refused(tmp_path, read_only):
    """Not followed to create a board wherever the link points."""
    path = tmp_path / "kanban.db"
    path.symlink_to(tmp_path / "gone" / "real.db")
    with pytest.raises(NotAKanbanDatabase, match="symbolic link to .*real.db, which does not"):
        Store(path, read_only=read_only)
    assert not (tmp_path / "gone").exists()


def test_a_symlink_to_a_board_opens_the_board(tmp_path):
    real = tmp_path / "real.db"
    Store(real).create_task("through the link")
    link = tmp_path / "link.db"
    link.symlink_to(real)
    assert [t.title for t in Store(link).list_tasks()] == ["through the link"]


# -- read-only ---------------------------------------------------------------------------------


@pytest.fixture
def filled_board(store_path, clock):
    """A board with a parent, a child, a comment and a link, closed again; returns its path."""
    store = Store(store_path, clock=clock)
    parent = store.create_task("parent", assignee="alice", tenant="acme")
    clock.advance(1)
    store.create_task("child", parents=[parent])
    store.add_comment(parent, "bob", "hi")
    store.close()
    return store_path


WRITES = {
    "create": lambda s, t: s.create_task("new"),
    "update": lambda s, t: s.update_task(t, title="x"),
    "move": lambda s, t: s.move_task(t, "done"),
    "assign": lambda s, t: s.assign_task(t, "bob"),
    "complete": lambda s, t: s.complete_task(t),
    "block": lambda s, t: s.block_task(t),
    "archive": lambda s, t: s.archive_task(t),
    "comment": lambda s, t: s.add_comment(t, "a", "b"),
    "link": lambda s, t: s.link_tasks(s.create_task("p"), t),
    "unlink": lambda s, t: s.unlink_tasks("a", t),
    "claim": lambda s, t: s.claim_task(t),
    "heartbeat": lambda s, t: s.heartbeat_claim(t),
    "release": lambda s, t: s.release_stale_claims(),
    "recompute": lambda s, t: s.recompute_ready(),
    "dispatch": lambda s, t: s.dispatch_once(lambda task: None),
}


@pytest.mark.parametrize("how", ["chmod", "flag"])
@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_read_only_board_reads_but_refuses_writes(filled_board, how, write):
    if how == "chmod":
        os.chmod(filled_board, 0o444)
    before = sha256(filled_board)
    store = Store(filled_board, read_only=(how == "flag"))
    assert store.read_only and "read-only" in repr(store)
    tasks = store.list_tasks()
    assert [t.title for t in tasks] == ["parent", "child"]
    assert store.board().cursor == len(store.list_events())
    assert store.dispatch_once(lambda task: None, dry_run=True).spawned == [tasks[0].id]
    with pytest.raises(ReadOnlyBoard, match="read-only"):
        write(store, tasks[0].id)
    assert [t.status for t in store.list_tasks()] == ["ready", "todo"]
    store.close()
    # A read-only connection to a WAL board creates -wal/-shm files it may not remove (SQLite's
    # rule); they are harmless, and the next writable close removes them. The board is unchanged.
    assert sha256(filled_board) == before


def test_read_only_old_board_is_read_without_migrating(tmp_path):
    path = tmp_path / "v0.db"
    hermes.create_board(path, "v0")
    ids = hermes.populate(path, "v0")
    os.chmod(path, 0o444)
    before = sha256(path)
    store = Store(path)
    assert store.read_only
    assert {t.id: t.status for t in store.list_tasks(include_archived=True)} == ids
    assert "waiting" in store.board().columns
    store.close()
    assert sha256(path) == before and sidecars(path) == set()


def test_read_only_missing_file_is_not_created(store_path):
    with pytest.raises(ReadOnlyBoard, match="no board"):
        Store(store_path, read_only=True)
    assert not store_path.exists()


def test_read_only_empty_file_is_refused(store_path):
    store_path.touch()
    os.chmod(store_path, 0o444)
    with pytest.raises(ReadOnlyBoard, match="no board"):
        Store(store_path)
    assert store_path.read_bytes() == b""


def test_new_board_in_a_folder_we_cannot_write(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    os.chmod(folder, 0o555)
    try:
        with pytest.raises(ReadOnlyBoard):
            Store(folder / "kanban.db")
        assert list(folder.iterdir()) == []
    finally:
        os.chmod(folder, 0o755)


def test_locked_board_is_busy_not_foreign(tmp_path):
    """A board in rollback-journal mode whose writer holds an exclusive lock is busy, not
    "not a kanban database"."""
    path = tmp_path / "v1.db"
    hermes.create_board(path, "v1")
    hermes.populate(path, "v1")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(BoardBusy, match="locked"):
            Store(path, busy_timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(Store(path).list_tasks(include_archived=True)) == 8


def test_board_in_a_folder_we_cannot_write_opens_read_only(filled_board):
    """SQLite cannot create its -wal/-journal files there, so the board is read-only."""
    folder = filled_board.parent
    before = sha256(filled_board)
    os.chmod(folder, 0o555)
    try:
        store = Store(filled_board)
        assert store.read_only
        assert len(store.list_tasks()) == 2
        with pytest.raises(ReadOnlyBoard):
            store.create_task("nope")
        store.close()
    finally:
        os.chmod(folder, 0o755)
    assert sha256(filled_board) == before


def test_read_only_store_follows_a_board_being_written(store_path, clock):
    """A read-only view of a live WAL board (its -wal file present) sees each new commit."""
    writer = Store(store_path, clock=clock)
    first = writer.create_task("first")
    reader = Store(store_path, read_only=True)
    assert [t.id for t in reader.list_tasks()] == [first]
    clock.advance(1)
    second = writer.create_task("second")
    writer.move_task(first, "done")
    assert [(t.id, t.status) for t in reader.list_tasks()] == [(first, "done"), (second, "ready")]
    assert reader.board().cursor == writer.board().cursor


def _damage_all_but_the_schema(path) -> None:
    """Keep page 1 (the schema) and overwrite every other page with garbage."""
    data = path.read_bytes()
    path.write_bytes(data[:4096] + (bytes(range(256)) * 16) * (len(data) // 4096 - 1))


READS = {
    "list_tasks": lambda s: s.list_tasks(),
    "get_task": lambda s: s.get_task("t_00000000"),
    "board": lambda s: s.board(),
    "cards": lambda s: s.cards(["t_00000000"]),
    "list_events": lambda s: s.list_events(),
    "events_since": lambda s: s.events_since(0),
    "dry_run": lambda s: s.dispatch_once(None, dry_run=True),
}


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_damage_found_after_opening_is_a_kanban_error(store_path, read):
    """A board whose schema page is fine opens; a read that reaches a damaged page says so with
    the store's error (not a raw sqlite3 one), and the store stays usable for the next call."""
    store = Store(store_path)
    for n in range(100):
        store.add_comment(store.create_task(f"task {n}", body="x" * 800), "a", "b")
    store.close()
    _damage_all_but_the_schema(store_path)
    store = Store(store_path)
    with pytest.raises(NotAKanbanDatabase, match=f"{store_path} is damaged .*malformed"):
        read(store)
    assert not store._conn.in_transaction
    with pytest.raises(NotAKanbanDatabase, match="damaged"):
        read(store)


def test_a_refused_write_inside_a_verb_is_read_only(fresh_store, store_path):
    """SQLite refusing a write in the middle of a verb (here: query_only) is ReadOnlyBoard and
    leaves nothing behind."""
    task_id = fresh_store.create_task("x")
    fresh_store._conn.execute("PRAGMA query_only = ON")
    with pytest.raises(ReadOnlyBoard, match="read-only"):
        fresh_store.move_task(task_id, "done")
    fresh_store._conn.execute("PRAGMA query_only = OFF")
    assert fresh_store.get_task(task_id).status == "ready"
    assert not fresh_store._conn.in_transaction

"""An open board never costs anyone a write: other processes write while a board is open here.

The defect these guard against: a Python ``open()``/``close()`` of the board file dropped this
process's POSIX locks, so the next process to close its connection thought it was the last one,
checkpointed and deleted the WAL under the open board, and acknowledged writes vanished.
Every test here has real processes (the CLI, other Stores, bare ``sqlite3`` connections) write
the file while a ``KanbanBoard`` is open in this one.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from file_rule import python_opens_of

from kanban_widget import KanbanBoard, Store

from test_sync import shown_truth, wait_for

CLI = [sys.executable, "-m", "kanban_widget.cli"]


def truth(path) -> dict:
    """The cards a page shows (each column's first page) as a fresh reader sees them."""
    return shown_truth(path)[0]


def titles(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return sorted(t for (t,) in conn.execute("SELECT title FROM tasks"))
    finally:
        conn.close()


def bare_open_and_close(path) -> None:
    """What every short-lived SQLite client does: connect, read, close (a last-connection close
    checkpoints and deletes the WAL: it must not think it is the last one)."""
    subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3
        conn = sqlite3.connect({str(path)!r})
        conn.execute("SELECT COUNT(*) FROM tasks").fetchone()
        conn.close()
    """)], check=True, timeout=60)


def cli(path, *args) -> str:
    done = subprocess.run([*CLI, "--db", str(path), *args], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


# -- the rule of the file ------------------------------------------------------------------------

# The witness: tests/file_rule.py.


def test_nothing_but_sqlite_opens_the_board_file(store_path, make_board):
    """Python's open()/os.open() of the board, -wal or -shm is the bug; SQLite's own C-level
    opens raise no audit event, so any event here is ours."""
    from click.testing import CliRunner

    from kanban_widget import analytics
    from kanban_widget.cli import cli as cli_group

    with python_opens_of(store_path) as opened:
        store = Store(store_path)
        task = store.create_task("watched", body="b")
        Store(store_path, read_only=True).board()
        board, wire = make_board(store_path)
        wire.request("create", title="from the page", column="todo")
        wire.request("move", task_id=task, status="running")
        board.sync_now()
        analytics.tasks(store_path)
        analytics.events(store)
        runner = CliRunner()
        for args in (["list"], ["show", task], ["create", "cli"], ["move", task, "done"]):
            result = runner.invoke(cli_group, ["--db", str(store_path), *args])
            assert result.exit_code == 0, result.output
        board.close()
        store.close()
    assert opened == []


def test_an_open_board_keeps_its_lock(store_path, make_board):
    """While a board is open here, another process opening and closing a connection must leave
    the -wal in place (it may only delete it when it is truly the last connection)."""
    Store(store_path).create_task("seed")
    board, wire = make_board(store_path)
    wire.request("create", title="page", column="todo")
    wal = Path(f"{store_path}-wal")
    assert wal.exists()
    for _ in range(3):
        bare_open_and_close(store_path)
        assert wal.exists(), "another process deleted the WAL under the open board"
    board.close()


@pytest.mark.timeout(120)
def test_the_reported_scenario_loses_nothing(store_path, make_board):
    """The issue's reproduction: CLI commands interleaved with writes through the board."""
    Store(store_path).create_task("seed")
    board, wire = make_board(store_path)
    for i in range(5):
        cli(store_path, "create", f"cli {i}")
        board.store.create_task(f"store {i}")
        assert wire.request("create", title=f"page {i}", column="todo")["ok"]
        bare_open_and_close(store_path)
    expected = sorted(["seed"] + [f"{who} {i}" for who in ("cli", "store", "page")
                                  for i in range(5)])
    wait_for(lambda: sorted(c["title"] for c in board._state.cards.values()) == expected)
    board.close()
    assert titles(store_path) == expected


WRITER = textwrap.dedent("""
    import sys
    from kanban_widget import Store
    path, name = sys.argv[1], sys.argv[2]
    store = Store(path)
    n = 0
    while True:
        task = store.create_task(f"{name} {n}")
        store.add_comment(task, name, "acknowledged")
        print(task, flush=True)   # printed only after both commits returned
        n += 1
""")


@pytest.mark.timeout(180)
def test_writers_killed_mid_write_lose_no_acknowledged_write(store_path, make_board):
    """Writer processes killed with SIGKILL at random points, bare connections opening and
    closing, the CLI and the page writing: every write that was acknowledged is in the file and
    on the board, and the file is intact."""
    Store(store_path).create_task("seed")
    board, wire = make_board(store_path)
    acknowledged: list[str] = []
    page_titles: list[str] = []
    stop = threading.Event()

    def churn():
        while not stop.is_set():
            bare_open_and_close(store_path)

    churner = threading.Thread(target=churn)
    churner.start()
    try:
        for round_ in range(4):
            writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(store_path),
                                         f"w{round_}.{n}"], stdout=subprocess.PIPE, text=True)
                       for n in range(2)]
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline:
                title = f"page {round_}.{len(page_titles)}"
                if wire.request("create", title=title, column="todo")["ok"]:
                    page_titles.append(title)
                time.sleep(0.05)
            cli(store_path, "create", f"cli {round_}")
            for proc in writers:
                proc.send_signal(signal.SIGKILL)
            for proc in writers:
                out, _ = proc.communicate(timeout=30)
                acknowledged += out.split()
    finally:
        stop.set()
        churner.join(60)
    assert len(acknowledged) > 10, "the writers wrote too little to test anything"
    with Store(store_path, read_only=True) as store:
        ids = {t.id for t in store.list_tasks()}
        assert store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        commented = {e.task_id for e in store.list_events() if e.kind == "commented"}
    assert set(acknowledged) <= ids
    assert set(acknowledged) <= commented
    assert set(page_titles) <= set(titles(store_path))
    assert {f"cli {r}" for r in range(4)} <= set(titles(store_path))
    wait_for(lambda: board._state.cards == truth(store_path), timeout=20)
    board.close()


# -- following the file ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sprint #3.db", "what?.db", "100% done.db", "a b c.db",
                                  "%23.db"])
def test_any_legal_file_name_is_followed(tmp_path, make_board, name):
    path = tmp_path / name
    Store(path).create_task("first")
    board, wire = make_board(path)
    cli(path, "create", "from another process")
    wait_for(lambda: {c["title"] for c in board._state.cards.values()}
             == {"first", "from another process"})
    assert board.error == ""
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(name)) == []


def test_a_replaced_file_is_followed_and_page_writes_go_to_it(tmp_path, make_board):
    path = tmp_path / "kanban.db"
    Store(path).create_task("old board")
    board, wire = make_board(path)
    replacement = tmp_path / "restored.db"
    with Store(replacement) as store:
        store.create_task("restored board")
    os.replace(replacement, path)  # a restore from backup, `mv new.db kanban.db`
    wait_for(lambda: {c["title"] for c in board._state.cards.values()} == {"restored board"},
             timeout=5)
    assert any("_board" in s for s in wire.states())  # the page was sent the new board
    assert wire.request("create", title="after the restore", column="todo")["ok"]
    board.store.create_task("through board.store")
    assert titles(path) == ["after the restore", "restored board", "through board.store"]
    wait_for(lambda: len(board._state.cards) == 3)


def test_read_only_folder_says_live_updates_need_write_access(tmp_path, make_board):
    folder = tmp_path / "shared"
    folder.mkdir()
    with Store(folder / "kanban.db") as store:
        store.create_task("readable")
    assert sorted(p.name for p in folder.iterdir()) == ["kanban.db"]  # WAL mode, no -shm
    os.chmod(folder, 0o555)
    try:
        board, _ = make_board(folder / "kanban.db")
        assert board.read_only
        assert [c["title"] for c in board._state.cards.values()] == ["readable"]
        assert "Live updates need write access to that folder" in board.error
        assert sorted(p.name for p in folder.iterdir()) == ["kanban.db"]
    finally:
        os.chmod(folder, 0o755)


# -- many boards in one kernel -------------------------------------------------------------------


def _feed_threads():
    return [t for t in threading.enumerate() if t.name.startswith("kanban-tail")]


def test_fifty_boards_on_one_file_share_one_thread_and_two_connections(store_path):
    """Re-running a cell makes a new board each time and the old ones are never closed (the
    widget registry keeps them): they must not cost a thread and connections each."""
    from kanban_widget.feed import BoardFeed

    Store(store_path).create_task("shared")
    baseline = len(_feed_threads())
    boards = [KanbanBoard(store_path) for _ in range(50)]
    try:
        assert len(_feed_threads()) == baseline + 1
        feed = BoardFeed._feeds[str(store_path)]
        assert {id(b.store) for b in boards} == {id(feed.writer())}
        assert {id(b._state.store) for b in boards} == {id(feed.reader)}
        # Idle: the process (all its threads) uses well under 1 % of a core.
        time.sleep(2.5)  # past the fast-poll spell that follows activity
        cpu, wall = time.process_time(), time.monotonic()
        time.sleep(3)
        share = (time.process_time() - cpu) / (time.monotonic() - wall)
        assert share < 0.01, f"50 idle boards used {share:.1%} of a core"
        # ...and a change reaches every one of them.
        cli(store_path, "create", "seen by all")
        wait_for(lambda: all(len(b._state.cards) == 2 for b in boards))
    finally:
        for board in boards:
            board.close()
    wait_for(lambda: len(_feed_threads()) == baseline, timeout=5)
    assert str(store_path) not in BoardFeed._feeds


# -- text another tool wrote -----------------------------------------------------------------------


def test_text_that_is_not_utf8_is_shown_with_replacement_characters(store_path, make_board):
    """A board written by another tool may hold bytes that are not UTF-8 in any text column:
    every reader shows them as U+FFFD instead of failing."""
    from kanban_widget import analytics

    store = Store(store_path)
    task = store.create_task("fine", body="fine", assignee="ann", tenant="acme")
    store.add_comment(task, "bob", "fine")
    store.close()
    bad = "CAST(x'4f6bff20fe21' AS TEXT)"  # "Ok\xff \xfe!"
    conn = sqlite3.connect(store_path)
    conn.execute(f"UPDATE tasks SET title = {bad}, body = {bad}, assignee = {bad}, "
                 f"tenant = {bad}, result = {bad}")
    conn.execute(f"UPDATE task_comments SET author = {bad}, body = {bad}")
    conn.execute(f"INSERT INTO task_events (task_id, kind, payload, created_at) VALUES "
                 f"(?, {bad}, NULL, 5)", (task,))
    conn.commit()
    conn.close()
    shown = "Ok\ufffd \ufffd!"
    with Store(store_path) as store:
        assert store.get_task(task).title == shown
        assert [t.assignee for t in store.list_tasks()] == [shown]
        assert store.board().cards[0]["tenant"] == shown
        assert store.list_comments(task)[0].body == shown
        assert shown in [e.kind for e in store.list_events(task)]
    board, _ = make_board(store_path)
    assert board._state.cards[task]["title"] == shown and board.error == ""
    frame = analytics.tasks(store_path)
    assert frame.loc[task, "title"] == shown
    assert shown in set(analytics.events(store_path)["kind"])
    for args in (["list"], ["show", task], ["list", "--json"]):
        out = cli(store_path, *args)
        assert "Ok\ufffd" in out or "Ok\\ufffd" in out


def test_reading_a_board_leaves_no_wal_or_shm_behind(store_path, make_board):
    from kanban_widget import analytics

    with Store(store_path) as store:
        task = store.create_task("read me")
    assert sorted(p.name for p in store_path.parent.iterdir()) == ["kanban.db"]
    for args in (["list"], ["show", task], ["list", "--json"]):
        cli(store_path, *args)
    with Store(store_path, read_only=True) as store:
        store.board()
    analytics.tasks(store_path)
    board, _ = make_board(store_path)
    board.close()
    assert sorted(p.name for p in store_path.parent.iterdir()) == ["kanban.db"]


@pytest.mark.timeout(60)
def test_the_cli_names_a_fifo_a_dangling_link_and_a_read_only_old_board(tmp_path):
    """One line each, never a hang, a traceback or a raw sqlite3 error."""
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    link = tmp_path / "link.db"
    link.symlink_to(tmp_path / "nowhere.db")
    old = tmp_path / "v0.db"
    conn = sqlite3.connect(old)
    conn.executescript("""
        CREATE TABLE tasks (id TEXT PRIMARY KEY, title TEXT NOT NULL, body TEXT, assignee TEXT,
          status TEXT NOT NULL, priority INTEGER DEFAULT 0, created_by TEXT,
          created_at INTEGER NOT NULL, started_at INTEGER, completed_at INTEGER,
          workspace_kind TEXT NOT NULL DEFAULT 'scratch', workspace_path TEXT, claim_lock TEXT,
          claim_expires INTEGER, tenant TEXT, result TEXT);
        CREATE TABLE task_links (parent_id TEXT NOT NULL, child_id TEXT NOT NULL,
          PRIMARY KEY (parent_id, child_id));
        CREATE TABLE task_comments (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL,
          author TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE task_events (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL,
          kind TEXT NOT NULL, payload TEXT, created_at INTEGER NOT NULL);
        INSERT INTO tasks (id, title, status, created_at) VALUES ('t_0001', 'old', 'ready', 1);
    """)
    conn.close()
    os.chmod(old, 0o444)
    cases = [
        (fifo, ["list"], "is a FIFO (named pipe), not a file"),
        (fifo, ["init"], "is a FIFO (named pipe), not a file"),
        (link, ["create", "x"], "is a symbolic link to"),
        (link, ["init"], "is a symbolic link to"),
        (old, ["create", "x"], "read-only"),
        (old, ["move", "t_0001", "done"], "read-only"),
    ]
    for path, args, message in cases:
        done = subprocess.run([*CLI, "--db", str(path), *args], capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 1, (args, done.stderr)
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "t_0001" in cli(old, "list") and "old" in cli(old, "show", "t_0001")
    assert not (tmp_path / "nowhere.db").exists()


def test_demo_force_writes_over_an_open_board_through_sqlite(tmp_path, make_board):
    """`demo --force` on a board that is open elsewhere: the open board sees one commit and
    follows it; nothing is deleted under it."""
    path = tmp_path / "kanban.db"
    Store(path).create_task("before the demo")
    board, wire = make_board(path)
    inode = os.stat(path).st_ino
    cli(path, "demo", str(path), "--tasks", "30", "--force")
    assert os.stat(path).st_ino == inode  # the same file, rewritten through SQLite
    wait_for(lambda: len(board._state.cards) == len(truth(path)) > 0)
    assert "before the demo" not in {c["title"] for c in board._state.cards.values()}
    assert board.error == ""
    assert wire.request("create", title="after the demo", column="todo")["ok"]
    assert "after the demo" in titles(path)
    assert sorted(p.name for p in tmp_path.iterdir() if "demo-" in p.name) == []


def test_a_board_on_a_new_file_creates_it(tmp_path, make_board):
    """As ``Store(path)`` does: the first look at a board may be at a file that is not there."""
    path = tmp_path / "new" / "kanban.db"
    board, wire = make_board(path)
    assert path.exists() and board._state.cards == {} and not board.read_only
    assert wire.request("create", title="first", column="todo")["ok"]
    wait_for(lambda: [c["title"] for c in board._state.cards.values()] == ["first"])
    with pytest.raises(Exception, match="no board"):
        KanbanBoard(tmp_path / "missing.db", read_only=True)
    assert not (tmp_path / "missing.db").exists()


def test_the_witness_sees_a_python_open_of_a_sidecar(tmp_path):
    """The audit-hook tests above could pass by seeing nothing: this one must see the open."""
    board = tmp_path / "kanban.db"
    with python_opens_of(board) as opened:
        (tmp_path / "kanban.db-wal").open("w").close()
        (tmp_path / "other.db").open("w").close()     # not the board: not recorded
    assert opened == [str(board) + "-wal"]
